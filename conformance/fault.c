/* fault.c — see fault.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "fault.h"

static const char *const kind_names[] = {"", "tolerance", "forward-only", "determinism", "bits",
                                         "onednn"};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

static conf_fault_kind kind;
static int where_isa = -1; /* a table, or -1 for all */
static int where_unfused;  /* only plans with no_fused_step */

int conf_fault_init(char *err, size_t errlen)
{
    kind = CONF_FAULT_NONE;
    where_isa = -1;
    where_unfused = 0;
    const char *v = getenv("RNNSIMD_CONF_FAULT");
    if (!v || !*v)
        return 0;
    const char *at = strchr(v, '@');
    const size_t klen = at ? (size_t)(at - v) : strlen(v);
    for (size_t k = 1; k < N_KINDS; k++)
        if (strlen(kind_names[k]) == klen && !strncmp(v, kind_names[k], klen))
            kind = (conf_fault_kind)k;
    if (kind == CONF_FAULT_NONE) {
        char kinds[96] = "";
        for (size_t k = 1; k < N_KINDS; k++)
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", k > 1 ? ", " : "",
                     kind_names[k]);
        snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: %.*s is not a fault this runner plants (%s)",
                 v, (int)klen, v, kinds);
        return -1;
    }
    if (!at)
        return 0;
    const char *w = at + 1;
    if (kind == CONF_FAULT_ONEDNN) {
        snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: onednn takes no @WHERE", v);
        kind = CONF_FAULT_NONE;
        return -1;
    }
    if (!strcmp(w, "unfused")) {
        where_unfused = 1;
        return 0;
    }
    for (int i = 0; i < RNN_ISA_COUNT; i++)
        if (i != RNN_ISA_AUTO && !strcmp(w, rnn_isa_name((rnn_isa)i)))
            where_isa = i;
    if (where_isa < 0) {
        snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: @%s is neither a table (%s) nor unfused", v,
                 w, opt_isa_list(", "));
        kind = CONF_FAULT_NONE;
        return -1;
    }
    return 0;
}

conf_fault_kind conf_fault_planted(void)
{
    return kind;
}

static void flip_low_bit(float *f)
{
    unsigned u;
    memcpy(&u, f, sizeof u);
    u ^= 1u;
    memcpy(f, &u, sizeof u);
}

void conf_fault_plant_run(const rnn_plan_options *opt, int run, float *h, size_t n)
{
    if (kind == CONF_FAULT_NONE || kind == CONF_FAULT_ONEDNN || !n)
        return;
    if ((where_isa >= 0 && (int)opt->isa != where_isa) || (where_unfused && !opt->no_fused_step))
        return;
    float *last = &h[n - 1];
    switch (kind) {
    case CONF_FAULT_TOLERANCE:
        if (run < 2)
            *last += 1.0f;
        break;
    case CONF_FAULT_FORWARD_ONLY:
        if (run == 2)
            *last += 1.0f;
        break;
    case CONF_FAULT_DETERMINISM:
        if (run == 1)
            flip_low_bit(last);
        break;
    case CONF_FAULT_BITS:
        flip_low_bit(last);
        break;
    default:
        break;
    }
}

void conf_fault_plant_onednn(float *out, size_t n)
{
    if (kind == CONF_FAULT_ONEDNN && n)
        out[n - 1] += 1.0f;
}
