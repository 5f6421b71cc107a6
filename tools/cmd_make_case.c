/* cmd_make_case.c — `rnnsimd make-case`: a seeded random input directory for
 * `rnnsimd run`, PyTorch-named. Weights are U(-1/sqrt(H), 1/sqrt(H)) like
 * PyTorch's default init, inputs and states U(-1, 1), upstream gradients
 * U(-1, 1); the same bits on every machine (rnn_fill_uniform), so a case is
 * named by its command line. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "npy.h"
#include "tools.h"

static const char make_case_usage[] =
    "usage: rnnsimd make-case --cell CELL --out DIR [--T T] [--B B] [--I I] [--H H]\n"
    "                         [--seed S] [--no-state] [--grads] [--layers L]\n"
    "                         [--bidirectional]\n"
    "\n"
    "Writes input.npy, weight_ih.npy, weight_hh.npy, bias_ih.npy, bias_hh.npy, h0.npy\n"
    "(and c0.npy for lstm) into DIR, from a seeded portable PRNG. Defaults: T 5, B 2,\n"
    "I 3, H 4, seed 1.\n"
    "  --no-state  omit h0.npy and c0.npy (run then starts from zeros)\n"
    "  --grads     also write grad_output.npy, grad_hn.npy (and grad_cn.npy for lstm)\n"
    "  --layers L, --bidirectional  a stack, as PyTorch names it: weight_ih_l{k}.npy,\n"
    "              weight_ih_l{k}_reverse.npy, ...; h0.npy (L*D, B, H);\n"
    "              grad_output.npy (T, B, D*H)\n"
    "A case holds at most 4 GiB; its files are written all together or not at all.\n";

/* One file of the case: n floats U(lo, hi) from PRNG stream `stream`. */
typedef struct {
    char name[64];
    size_t n;
    float lo, hi;
    uint64_t stream;
    int rank;
    int64_t shape[3];
} case_file;

/* The most a case may hold, all files together: a test input, not a data
 * set; a typo in --H or --layers should not fill the disk. */
#define CASE_MAX_BYTES ((uint64_t)4 << 30)

typedef struct {
    case_file f[4 * 2 * RNN_MAX_LAYERS + 8];
    int count;
    uint64_t floats; /* saturates at UINT64_MAX */
} case_list;

static void add(case_list *l, const char *name, float lo, float hi, uint64_t stream, int rank,
                int64_t d0, int64_t d1, int64_t d2)
{
    case_file *f = &l->f[l->count++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->lo = lo;
    f->hi = hi;
    f->stream = stream;
    f->rank = rank;
    f->shape[0] = d0;
    f->shape[1] = d1;
    f->shape[2] = d2;
    uint64_t n = 1;
    for (int i = 0; i < rank; i++)
        if (__builtin_mul_overflow(n, (uint64_t)f->shape[i], &n))
            n = UINT64_MAX;
    f->n = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
    if (__builtin_add_overflow(l->floats, n, &l->floats))
        l->floats = UINT64_MAX;
}

static int put(rnn_atomic_set *set, const char *dir, const case_file *f, uint64_t seed)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    float *v = malloc((f->n ? f->n : 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "rnnsimd make-case: out of memory for %s (%zu floats)\n", f->name, f->n);
        return EXIT_RUNTIME;
    }
    rnn_fill_uniform(v, f->n, seed, f->stream, f->lo, f->hi);
    rnn_atomic_file *af = rnn_atomic_set_add(set, path, err, sizeof err);
    rnn_status st = af ? rnn_npy_stage(af, path, RNN_NPY_F32, v, f->rank, f->shape, err, sizeof err)
                       : RNN_ERR_NOMEM;
    free(v);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd make-case: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* Writes every file of l or none: each is staged, then all are renamed into
 * place together, so a failed run leaves no case that looks whole and the
 * files of an earlier case in dir as they were. */
static int put_all(const char *dir, const case_list *l, uint64_t seed)
{
    rnn_atomic_set set = {0};
    for (int i = 0; i < l->count; i++) {
        const int r = put(&set, dir, &l->f[i], seed);
        if (r) {
            rnn_atomic_set_abort(&set);
            fprintf(stderr, "rnnsimd make-case: nothing written\n");
            return r;
        }
    }
    char err[1024];
    if (rnn_atomic_set_commit(&set, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd make-case: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

int cmd_make_case(int argc, char **argv)
{
    const char *cell_s = NULL, *out = NULL;
    int64_t T = 5, B = 2, I = 3, H = 4, seed = 1;
    int no_state = 0, grads = 0, bidirectional = 0;
    int64_t layers = 0;
    opt_spec specs[] = {
        {"cell", OPT_STR, &cell_s, 0, 0, 0, NULL, 0},  {"out", OPT_STR, &out, 0, 0, 0, NULL, 0},
        {"T", OPT_INT, &T, 1, 100000, 0, NULL, 0},     {"B", OPT_INT, &B, 1, 100000, 0, NULL, 0},
        {"I", OPT_INT, &I, 1, 100000, 0, NULL, 0},     {"H", OPT_INT, &H, 1, 100000, 0, NULL, 0},
        {"seed", OPT_INT, &seed, 0, 9.2e18, 0, NULL, 0}, {"no-state", OPT_FLAG, &no_state, 0, 0, 0, NULL, 0},
        {"grads", OPT_FLAG, &grads, 0, 0, 0, NULL, 0},
        {"layers", OPT_INT, &layers, 1, RNN_MAX_LAYERS, 0, NULL, 0},
        {"bidirectional", OPT_FLAG, &bidirectional, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("make-case", argc, argv, specs, sizeof specs / sizeof specs[0],
                       make_case_usage, NULL, 0, NULL);
    if (r)
        return r < 0 ? 0 : r;
    if (!cell_s)
        return opts_missing("make-case", "cell");
    if (!out)
        return opts_missing("make-case", "out");
    rnn_cell cell;
    if (rnn_cell_parse(cell_s, &cell) != RNN_OK) {
        fprintf(stderr, "rnnsimd make-case: unknown --cell '%s'; expected rnn_tanh, lstm, gru or "
                        "lbr_gru\n", cell_s);
        return EXIT_USAGE;
    }
    const int64_t GH = rnn_cell_gates(cell) * H;
    const float k = (float)(1.0 / sqrt((double)H));
    static case_list l; /* about 300 KiB: not on the stack */
    l.count = 0;
    l.floats = 0;
    add(&l, "input.npy", -1, 1, 1, 3, T, B, I);
    const int stack = layers || bidirectional;
    const int64_t L = layers ? layers : 1, D = bidirectional ? 2 : 1, C = L * D;
    if (stack) {
        /* PyTorch's names; cell c = l*D + d draws from streams 100 + 10 c + j. */
        static const char *base[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        for (int64_t c = 0; c < C; c++)
            for (int j = 0; j < 4; j++) {
                char f[64];
                snprintf(f, sizeof f, "%s_l%lld%s.npy", base[j], (long long)(c / D),
                         c % D ? "_reverse" : "");
                add(&l, f, -k, k, 100 + 10 * (uint64_t)c + (uint64_t)j, j < 2 ? 2 : 1, GH,
                    j == 0 ? (c / D ? D * H : I) : H, 0);
            }
    } else {
        add(&l, "weight_ih.npy", -k, k, 2, 2, GH, I, 0);
        add(&l, "weight_hh.npy", -k, k, 3, 2, GH, H, 0);
        add(&l, "bias_ih.npy", -k, k, 4, 1, GH, 0, 0);
        add(&l, "bias_hh.npy", -k, k, 5, 1, GH, 0, 0);
    }
    /* states (L*D, B, H) for a stack, (B, H) for one cell */
    const int srank = stack ? 3 : 2;
    const int64_t s0 = stack ? C : B, s1 = stack ? B : H, s2 = stack ? H : 0;
    if (!no_state) {
        add(&l, "h0.npy", -1, 1, 6, srank, s0, s1, s2);
        if (cell == RNN_LSTM)
            add(&l, "c0.npy", -1, 1, 7, srank, s0, s1, s2);
    }
    if (grads) {
        add(&l, "grad_output.npy", -1, 1, 8, 3, T, B, D * H);
        add(&l, "grad_hn.npy", -1, 1, 9, srank, s0, s1, s2);
        if (cell == RNN_LSTM)
            add(&l, "grad_cn.npy", -1, 1, 10, srank, s0, s1, s2);
    }
    if (l.floats > CASE_MAX_BYTES / sizeof(float)) {
        fprintf(stderr,
                "rnnsimd make-case: the case would hold %.3g GiB of floats; make-case writes at "
                "most %llu GiB (smaller --T, --B, --I, --H or --layers)\n",
                (double)l.floats * sizeof(float) / (1u << 30),
                (unsigned long long)(CASE_MAX_BYTES >> 30));
        return EXIT_USAGE;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "rnnsimd make-case: --out %s: cannot create: %s\n", out, strerror(errno));
        return EXIT_RUNTIME;
    }
    return put_all(out, &l, (uint64_t)seed);
}
