/* cmd_make_case.c — `rnnsimd make-case`: a seeded random input directory for
 * `rnnsimd run`, PyTorch-named. Weights are U(-1/sqrt(H), 1/sqrt(H)) like
 * PyTorch's default init, inputs and states U(-1, 1), upstream gradients
 * U(-1, 1); the same bits on every machine (rnn_fill_uniform), so a case is
 * named by its command line. */
#include <errno.h>
#include <math.h>
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
    "              grad_output.npy (T, B, D*H)\n";

static int put(const char *dir, const char *file, size_t n, float lo, float hi, uint64_t seed,
               uint64_t stream, int rank, const int64_t *shape)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "rnnsimd make-case: out of memory\n");
        return EXIT_RUNTIME;
    }
    rnn_fill_uniform(v, n, seed, stream, lo, hi);
    rnn_status st = rnn_npy_write(path, RNN_NPY_F32, v, rank, shape, err, sizeof err);
    free(v);
    if (st != RNN_OK) {
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
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "rnnsimd make-case: --out %s: cannot create: %s\n", out, strerror(errno));
        return EXIT_RUNTIME;
    }
    const int64_t GH = rnn_cell_gates(cell) * H;
    const float k = (float)(1.0 / sqrt((double)H));
    const uint64_t s = (uint64_t)seed;
    int64_t s_x[3] = {T, B, I}, s_wih[2] = {GH, I}, s_whh[2] = {GH, H}, s_b[1] = {GH};
    int64_t s_state[2] = {B, H}, s_seq[3] = {T, B, H};
    const size_t BH = (size_t)(B * H);
    if ((r = put(out, "input.npy", (size_t)(T * B * I), -1, 1, s, 1, 3, s_x)))
        return r;
    if (layers || bidirectional) {
        /* A stack: PyTorch's names; cell k = l*D + d draws from streams 100 + 10 k. */
        const int64_t L = layers ? layers : 1, D = bidirectional ? 2 : 1, C = L * D;
        static const char *base[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        for (int64_t c = 0; c < C; c++) {
            int64_t s_in[2] = {GH, c / D ? D * H : I};
            const int64_t *shape[4] = {s_in, s_whh, s_b, s_b};
            const size_t n[4] = {(size_t)(GH * s_in[1]), (size_t)(GH * H), (size_t)GH,
                                 (size_t)GH};
            for (int j = 0; j < 4; j++) {
                char f[64];
                snprintf(f, sizeof f, "%s_l%lld%s.npy", base[j], (long long)(c / D),
                         c % D ? "_reverse" : "");
                if ((r = put(out, f, n[j], -k, k, s, 100 + 10 * (uint64_t)c + (uint64_t)j,
                             j < 2 ? 2 : 1, shape[j])))
                    return r;
            }
        }
        int64_t s_st[3] = {C, B, H}, s_out[3] = {T, B, D * H};
        const size_t n_st = (size_t)C * BH;
        if (!no_state && ((r = put(out, "h0.npy", n_st, -1, 1, s, 6, 3, s_st)) ||
                          (cell == RNN_LSTM && (r = put(out, "c0.npy", n_st, -1, 1, s, 7, 3, s_st)))))
            return r;
        if (grads &&
            ((r = put(out, "grad_output.npy", (size_t)(T * B * D * H), -1, 1, s, 8, 3, s_out)) ||
             (r = put(out, "grad_hn.npy", n_st, -1, 1, s, 9, 3, s_st)) ||
             (cell == RNN_LSTM && (r = put(out, "grad_cn.npy", n_st, -1, 1, s, 10, 3, s_st)))))
            return r;
        return 0;
    }
    if ((r = put(out, "weight_ih.npy", (size_t)(GH * I), -k, k, s, 2, 2, s_wih)) ||
        (r = put(out, "weight_hh.npy", (size_t)(GH * H), -k, k, s, 3, 2, s_whh)) ||
        (r = put(out, "bias_ih.npy", (size_t)GH, -k, k, s, 4, 1, s_b)) ||
        (r = put(out, "bias_hh.npy", (size_t)GH, -k, k, s, 5, 1, s_b)))
        return r;
    if (!no_state && ((r = put(out, "h0.npy", BH, -1, 1, s, 6, 2, s_state)) ||
                      (cell == RNN_LSTM && (r = put(out, "c0.npy", BH, -1, 1, s, 7, 2, s_state)))))
        return r;
    if (grads && ((r = put(out, "grad_output.npy", (size_t)(T * B * H), -1, 1, s, 8, 3, s_seq)) ||
                  (r = put(out, "grad_hn.npy", BH, -1, 1, s, 9, 2, s_state)) ||
                  (cell == RNN_LSTM && (r = put(out, "grad_cn.npy", BH, -1, 1, s, 10, 2, s_state)))))
        return r;
    return 0;
}
