/* run_layout.c — which PyTorch-named weight files `rnnsimd run`'s --in holds
 * and the layout they give (see run_layout.h): the layers L and directions D
 * of weight_ih_l{k}[_reverse].npy, ..., or one cell's single-layer names
 * weight_ih.npy, .... Decided from one listing of the directory before any
 * file is read, so run_inputs.c names a missing or stray weight file as such
 * rather than blaming a shape on it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tools.h"
#include "run_layout.h"

static const char *const base_names[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};

/* What run_layout_find was asked: --in, --layers (0: from the files) and
 * --bidirectional. */
typedef struct {
    const char *in;
    int64_t layers;
    int bidirectional;
} layout_opts;

void run_layout_cell_name(const run_layout *lay, int64_t k, int j, char *buf, size_t len)
{
    if (lay->legacy)
        snprintf(buf, len, "%s", base_names[j]);
    else
        snprintf(buf, len, "%s_l%lld%s", base_names[j], (long long)(k / lay->D),
                 k % lay->D ? "_reverse" : "");
}

/* The PyTorch-named weight files --in holds, from one scan of the directory,
 * so the layout is decided from which files exist, before any is read, and a
 * file the layout leaves out is an error rather than silently unread. */
typedef struct {
    /* weight_ih_l{k}[_reverse].npy, ... by [k][reverse][j]; k = RNN_MAX_LAYERS
     * stands for any larger k, whose first name is kept in far_name */
    unsigned char layered[RNN_MAX_LAYERS + 1][2][4];
    unsigned char legacy[4]; /* weight_ih.npy, weight_hh.npy, bias_ih.npy, bias_hh.npy */
    int any_layered, any_legacy;
    char far_name[256];
    char proj_name[256]; /* a weight_hr_l{k}[_reverse].npy (proj_size) present */
} weight_files;

/* The order files are named in messages: weight_hh first, as it sets the layout. */
static const int j_order[4] = {1, 0, 2, 3};

/* Matches base "_l" k ["_reverse"] ".npy" (k in canonical decimal) or base
 * ".npy" for one of the four base names. Returns 0 (another file), 1 (a
 * single-layer name) or 2 (a layered one; *k saturates at RNN_MAX_LAYERS). */
static int match_weight_name(const char *name, int *j, int64_t *k, int *rev)
{
    for (*j = 0; *j < 4; (*j)++) {
        size_t n = strlen(base_names[*j]);
        if (strncmp(name, base_names[*j], n) != 0)
            continue;
        const char *s = name + n;
        if (strcmp(s, ".npy") == 0)
            return 1;
        const int digit = s[0] == '_' && s[1] == 'l' && s[2] >= '0' && s[2] <= '9';
        if (!digit || (s[2] == '0' && s[3] >= '0' && s[3] <= '9'))
            return 0; /* not _l{k}, or k with a leading zero: PyTorch writes neither */
        *k = 0;
        for (s += 2; *s >= '0' && *s <= '9'; s++)
            if ((*k = *k * 10 + (*s - '0')) > RNN_MAX_LAYERS)
                *k = RNN_MAX_LAYERS;
        *rev = strcmp(s, "_reverse.npy") == 0;
        return *rev || strcmp(s, ".npy") == 0 ? 2 : 0;
    }
    return 0;
}

/* Fills *wf from the names in directory in. Returns 0 or EXIT_RUNTIME. */
static int scan_weights(const char *in, weight_files *wf)
{
    memset(wf, 0, sizeof *wf);
    DIR *dp = opendir(in);
    if (!dp) {
        fprintf(stderr, "rnnsimd run: --in %s: cannot list: %s\n", in, strerror(errno));
        return EXIT_RUNTIME;
    }
    struct dirent *e;
    while ((e = readdir(dp))) {
        int j, rev;
        int64_t k;
        if (strncmp(e->d_name, "weight_hr_l", 11) == 0 && !wf->proj_name[0])
            snprintf(wf->proj_name, sizeof wf->proj_name, "%s", e->d_name);
        int m = match_weight_name(e->d_name, &j, &k, &rev);
        if (m == 1)
            wf->legacy[j] = 1, wf->any_legacy = 1;
        if (m == 2) {
            wf->layered[k][rev][j] = 1, wf->any_layered = 1;
            if (k == RNN_MAX_LAYERS && !wf->far_name[0])
                snprintf(wf->far_name, sizeof wf->far_name, "%s", e->d_name);
        }
    }
    closedir(dp);
    return 0;
}

static void layered_name(int j, int64_t k, int rev, char *buf, size_t len)
{
    snprintf(buf, len, "%s_l%lld%s.npy", base_names[j], (long long)k, rev ? "_reverse" : "");
}

/* The name of the first layered file present (for a message). */
static void first_layered(const weight_files *wf, char *buf, size_t len)
{
    for (int64_t k = 0; k < RNN_MAX_LAYERS; k++)
        for (int rev = 0; rev < 2; rev++)
            for (int i = 0; i < 4; i++)
                if (wf->layered[k][rev][j_order[i]]) {
                    layered_name(j_order[i], k, rev, buf, len);
                    return;
                }
    snprintf(buf, len, "%s", wf->far_name);
}

/* One direction, one layer: weight_ih.npy, ... (layered names are refused by
 * the caller). Returns 0 or EXIT_RUNTIME. */
static int legacy_layout(const layout_opts *o, const weight_files *wf, run_layout *lay)
{
    const char *in = o->in;
    static const char *const shapes[4] = {"(G*H, I)", "(G*H, H)", "(G*H,)", "(G*H,)"};
    lay->no_bias = !wf->legacy[2] && !wf->legacy[3];
    for (int i = 0; i < 4; i++) {
        int j = j_order[i];
        if (!wf->legacy[j] && !(j >= 2 && lay->no_bias)) {
            fprintf(stderr, "rnnsimd run: %s/%s.npy: missing; expected %s (the single-layer "
                            "names: weight_ih.npy, weight_hh.npy, bias_ih.npy, bias_hh.npy)\n",
                    in, base_names[j], shapes[j]);
            return EXIT_RUNTIME;
        }
    }
    if (o->layers > 1 || o->bidirectional) {
        fprintf(stderr, "rnnsimd run: %s/weight_hh.npy names one layer of one direction; "
                        "--layers %lld%s expects weight_hh_l0.npy, ...\n",
                in, (long long)(o->layers ? o->layers : 1),
                o->bidirectional ? " --bidirectional" : "");
        return EXIT_RUNTIME;
    }
    lay->L = lay->D = 1;
    return 0;
}

/* A layered file the layout (L, D) leaves out: named with what excludes it.
 * Returns 0 or EXIT_RUNTIME after a message. */
static int refuse_extra(const layout_opts *o, const weight_files *wf, int64_t L, int D)
{
    char f[256], why[160];
    for (int i = 0; i < 4; i++)
        for (int rev = 0; rev < 2; rev++)
            for (int64_t k = 0; k <= RNN_MAX_LAYERS; k++) {
                const int j = j_order[i];
                if (!wf->layered[k][rev][j] || (k < L && (!rev || D == 2)))
                    continue;
                if (k == RNN_MAX_LAYERS)
                    snprintf(f, sizeof f, "%s", wf->far_name);
                else
                    layered_name(j, k, rev, f, sizeof f);
                if (k >= L && o->layers)
                    snprintf(why, sizeof why, "--layers %lld reads layers 0 to %lld only",
                             (long long)L, (long long)L - 1);
                else if (k >= L)
                    snprintf(why, sizeof why, "weight_hh_l%lld.npy is missing (the layers are "
                             "weight_hh_l0.npy, weight_hh_l1.npy, ... without a gap)",
                             (long long)L);
                else
                    snprintf(why, sizeof why, "weight_hh_l0_reverse.npy is missing (it makes "
                             "the stack bidirectional)");
                fprintf(stderr, "rnnsimd run: %s/%s: present, but %s\n", o->in, f, why);
                return EXIT_RUNTIME;
            }
    return 0;
}

/* Every file of the layout (L, D) present; a missing one is named with
 * the shape it should have and what made the layout. Returns 0 or EXIT_RUNTIME. */
static int require_layered(const layout_opts *o, const weight_files *wf, int64_t L, int D,
                           int no_bias)
{
    char f[80];
    for (int64_t k = 0; k < L; k++)
        for (int rev = 0; rev < D; rev++)
            for (int i = 0; i < 4; i++) {
                const int j = j_order[i];
                if (wf->layered[k][rev][j] || (j >= 2 && no_bias))
                    continue;
                layered_name(j, k, rev, f, sizeof f);
                const char *shape = j == 1   ? "(G*H, H)"
                                    : j != 0 ? "(G*H,)"
                                    : k      ? "(G*H, D*H, the layer below's output)"
                                             : "(G*H, I)";
                if (rev && o->bidirectional)
                    fprintf(stderr, "rnnsimd run: %s/%s: missing, but --bidirectional\n", o->in, f);
                else if (!rev && o->layers)
                    fprintf(stderr, "rnnsimd run: %s/%s: missing, but --layers %lld\n", o->in, f,
                            (long long)L);
                else
                    fprintf(stderr, "rnnsimd run: %s/%s: missing; expected %s for layer %lld%s "
                                    "(a stack of %lld layer%s%s, as the weight_hh files present "
                                    "say)\n",
                            o->in, f, shape, (long long)k, rev ? ", reverse direction" : "",
                            (long long)L, L > 1 ? "s" : "", D == 2 ? ", two directions" : "");
                if (j >= 2)
                    fprintf(stderr, "  (a module made with bias=False has no bias file at "
                                    "all; here some are present)\n");
                return EXIT_RUNTIME;
            }
    return 0;
}

/* The layers and directions from which weight files exist (or --layers,
 * --bidirectional, which the files must then match), checked before any file
 * is read: no gap in the layers, no file the layout leaves out, none missing,
 * and one naming style. Returns 0 or EXIT_RUNTIME after a message. */
int run_layout_find(const char *in, int64_t layers, int bidirectional, run_layout *lay)
{
    const layout_opts opts = {in, layers, bidirectional}, *o = &opts;
    weight_files wf;
    int status = scan_weights(in, &wf);
    if (status)
        return status;
    if (wf.proj_name[0]) {
        fprintf(stderr, "rnnsimd run: %s/%s: an LSTM projection (PyTorch's proj_size); "
                        "rnnsimd runs LSTMs without one\n", in, wf.proj_name);
        return EXIT_RUNTIME;
    }
    if (wf.any_legacy && wf.any_layered) {
        int j = 0;
        while (!wf.legacy[j])
            j++;
        char f[256];
        first_layered(&wf, f, sizeof f);
        fprintf(stderr, "rnnsimd run: %s: %s.npy and %s: the single-layer names (weight_ih.npy, "
                        "weight_hh.npy, bias_ih.npy, bias_hh.npy) and the layered names "
                        "(weight_ih_l{k}.npy, ...) cannot be mixed\n", in, base_names[j], f);
        return EXIT_RUNTIME;
    }
    lay->legacy = wf.any_legacy;
    if (lay->legacy)
        return legacy_layout(o, &wf, lay);
    if (!wf.any_layered) {
        fprintf(stderr, "rnnsimd run: %s/weight_hh.npy: missing; expected (G*H, H) (a stack: "
                        "weight_hh_l0.npy, weight_hh_l1.npy, ...)\n", in);
        return EXIT_RUNTIME;
    }
    int64_t L = o->layers;
    while (!o->layers && L < RNN_MAX_LAYERS && wf.layered[L][0][1])
        L++;
    const int D = o->bidirectional || wf.layered[0][1][1] ? 2 : 1;
    int any_bias = 0;
    for (int64_t k = 0; k <= RNN_MAX_LAYERS; k++)
        for (int rev = 0; rev < 2; rev++)
            any_bias |= wf.layered[k][rev][2] | wf.layered[k][rev][3];
    lay->no_bias = !any_bias;
    if ((status = require_layered(o, &wf, L, D, lay->no_bias)) ||
        (status = refuse_extra(o, &wf, L, D)))
        return status;
    lay->L = L;
    lay->D = D;
    return 0;
}
