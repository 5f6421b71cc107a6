/* elementwise.c — the element-wise probe (elementwise.h): the table's gate
 * kernels on warm operands, timed like the other probes (bench/peak.c). */
#include "elementwise.h"

#include <stdlib.h>
#include "kernels.h"
#include "peak.h"

typedef struct {
    const rnn_kernels *k;
    rnn_cell cell;
    size_t B, H;
    float *xp, *hp, *h_prev, *c_prev, *gates, *rh, *c, *h;
} step;

static void run_step(const step *s)
{
    const rnn_kernels *k = s->k;
    switch (s->cell) {
    case RNN_TANH:
        k->rnn_tanh_fwd(s->B, s->H, s->xp, s->hp, s->h);
        break;
    case RNN_LSTM:
        k->lstm_fwd(s->B, s->H, s->xp, s->hp, s->c_prev, NULL, s->c, s->h);
        break;
    case RNN_GRU:
        k->gru_fwd_rz(s->B, s->H, s->xp, s->hp, s->h_prev, s->gates, s->rh);
        k->gru_fwd_n(s->B, s->H, s->xp, s->hp, s->h_prev, s->gates, s->h);
        break;
    default:
        k->lbr_gru_fwd(s->B, s->H, s->xp, s->hp, s->h_prev, NULL, s->h);
        break;
    }
}

/* Values in [-3, 3): both branches of tanh and the sigmoid's two signs. */
static float *values(size_t n, unsigned salt)
{
    float *p = aligned_alloc(64, (n * sizeof *p + 63) / 64 * 64);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (float)((i * 2654435761u + salt) % 6001) / 1000.0f - 3.0f;
    return p;
}

/* ns per unit at B x H; -1 when memory runs out. */
static double at_shape(const rnn_kernels *k, rnn_cell cell, size_t B, size_t H, double seconds)
{
    const size_t G = cell == RNN_LSTM ? 4 : cell == RNN_TANH ? 1 : 3, u = B * H;
    step s = {k, cell, B, H, values(u * G, 1), values(u * G, 2), values(u, 3), values(u, 4),
              values(u * 4, 5), values(u, 6), values(u, 7), values(u, 8)};
    double best = -1.0;
    if (s.xp && s.hp && s.h_prev && s.c_prev && s.gates && s.rh && s.c && s.h) {
        best = 0;
        long reps = 1;
        double t = 0;
        while (reps < (1L << 24)) { /* calibrate; the first calls warm the operands */
            const double t0 = bench_thread_seconds();
            for (long r = 0; r < reps; r++)
                run_step(&s);
            t = bench_thread_seconds() - t0;
            if (t > 0.002)
                break;
            reps *= 4;
        }
        reps = (long)((double)reps * (seconds / 6.0) / (t > 0 ? t : 1e-3)) + 1;
        for (int i = 0; i < 3; i++) {
            const double t0 = bench_thread_seconds();
            for (long r = 0; r < reps; r++)
                run_step(&s);
            const double ns = (bench_thread_seconds() - t0) / (double)reps / (double)u * 1e9;
            best = best == 0 || ns < best ? ns : best;
        }
    }
    free(s.xp), free(s.hp), free(s.h_prev), free(s.c_prev);
    free(s.gates), free(s.rh), free(s.c), free(s.h);
    return best;
}

static const rnn_kernels *table(rnn_isa isa, rnn_cell cell)
{
    const rnn_kernels *k = NULL;
    if (rnn_isa_resolve(isa, &isa, NULL) != RNN_OK || rnn_kernels_get(isa, &k, NULL) != RNN_OK ||
        (unsigned)cell >= RNN_CELL_COUNT)
        return NULL;
    return k;
}

double bench_elementwise_ns(rnn_isa isa, rnn_cell cell, double seconds)
{
    const rnn_kernels *k = table(isa, cell);
    if (!k)
        return 0.0;
    const double a = at_shape(k, cell, 64, 256, seconds);
    const double b = a < 0 ? a : at_shape(k, cell, 16, 1024, seconds);
    return a < 0 || b < 0 ? -1.0 : a > 0 && (b <= 0 || a < b) ? a : b;
}

double bench_elementwise_ns_at(rnn_isa isa, rnn_cell cell, size_t B, size_t H, double seconds)
{
    const rnn_kernels *k = table(isa, cell);
    return k && B && H ? at_shape(k, cell, B, H, seconds) : 0.0;
}
