/* kernels_golden.c — see kernels_golden.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "kernels_golden.h"

/* The names of the tensors whose bits differ between a and b, comma-separated. */
static void differing(const conf_isa_result *a, const conf_isa_result *b, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < a->ntensors && i < b->ntensors; i++)
        if (a->tensor_hash[i] != b->tensor_hash[i] && used < len) {
            int w = snprintf(out + used, len - used, "%s%s", used ? ", " : "", a->tensor[i]);
            used += w > 0 ? (size_t)w : 0;
        }
    if (!out[0])
        snprintf(out, len, "none by itself (the order or count of tensors)");
}

int conf_kernels_judge(conf_run *runs, int n, uint64_t golden)
{
    const conf_run *good = NULL;
    for (int i = 0; i < n && !good; i++)
        if (runs[i].res->hashed && runs[i].res->out_hash == golden)
            good = &runs[i];
    int bad = 0;
    for (int i = 0; i < n; i++) {
        conf_isa_result *res = runs[i].res;
        if (!res->hashed || res->out_hash == golden)
            continue;
        bad++;
        if (!res->passed)
            continue;
        res->passed = 0;
        char which[120];
        if (good) {
            differing(res, good->res, which, sizeof which);
            snprintf(res->error, sizeof res->error,
                     "kernels hash %016" PRIx64 ", golden %016" PRIx64 ": bits differ from %.39s's "
                     "(the golden bits) in %.119s", res->out_hash, golden, good->name, which);
            continue;
        }
        const conf_run *other = NULL;
        for (int j = 0; j < n && !other; j++)
            if (j != i && runs[j].res->hashed && runs[j].res->out_hash != res->out_hash)
                other = &runs[j];
        if (other) {
            differing(res, other->res, which, sizeof which);
            snprintf(res->error, sizeof res->error,
                     "kernels hash %016" PRIx64 ", golden %016" PRIx64 ": no run of this case "
                     "gives the golden bits, and the runs disagree (with %.39s in %.119s)",
                     res->out_hash, golden, other->name, which);
        } else {
            snprintf(res->error, sizeof res->error,
                     "kernels hash %016" PRIx64 ", golden %016" PRIx64 ": every run of this case "
                     "gives these bits: a change every table shares (the drivers, the "
                     "element-wise kernels, the generator) or a stale golden file: review it, "
                     "then `make golden`", res->out_hash, golden);
        }
    }
    return bad;
}

int conf_kernels_agree(const conf_run *runs, int n, uint64_t *hash, char *why, size_t whylen)
{
    const conf_run *first = NULL;
    for (int i = 0; i < n; i++) {
        const conf_isa_result *res = runs[i].res;
        if (!res->hashed) {
            snprintf(why, whylen, "%s did not run: %s", runs[i].name, res->error);
            return 0;
        }
        if (!first) {
            first = &runs[i];
            continue;
        }
        if (res->out_hash != first->res->out_hash) {
            char which[120];
            differing(res, first->res, which, sizeof which);
            snprintf(why, whylen, "%s and %s give different bits (in %s): the tables do not "
                     "follow one evaluation order (docs/design.md §9.2)", first->name,
                     runs[i].name, which);
            return 0;
        }
    }
    if (!first) {
        snprintf(why, whylen, "no kernel table ran");
        return 0;
    }
    *hash = first->res->out_hash;
    return 1;
}
