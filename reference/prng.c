/* prng.c — portable deterministic fills: the same float bits on every
 * IEEE-754 machine and compiler. Only integer mixing, exact dyadic arithmetic,
 * and (for orthogonal matrices) correctly rounded + - * / sqrt in a fixed
 * order, built without contraction like the rest of reference/: a fused
 * multiply-add would change the last bits per machine, and the golden
 * hashes pin these bits. */
#include <math.h>
#include <stdlib.h>
#include "rnnsimd_reference.h"

uint64_t rnn_prng_u64(uint64_t seed, uint64_t stream, uint64_t i)
{
    /* splitmix64 finaliser over a combination of the three counters; each
     * stage is a bijection, so distinct (stream, i) under one seed collide
     * only if the mixed keys do. */
    uint64_t z = seed * 0x9E3779B97F4A7C15ull;
    z ^= (stream + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
    z += i * 0x94D049BB133111EBull + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* k / 2^24 with k the top 24 bits: exact in float and double. */
static double unit24(uint64_t r)
{
    return (double)(r >> 40) * (1.0 / 16777216.0);
}

void rnn_fill_uniform(float *dst, size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    const double a = lo, w = (double)hi - (double)lo;
    for (size_t i = 0; i < n; i++) {
        double u = unit24(rnn_prng_u64(seed, stream, i));
        double t = w * u; /* one rounding, then the add: never fused */
        dst[i] = (float)(a + t);
    }
}

void rnn_fill_normal(float *dst, size_t n, uint64_t seed, uint64_t stream, float sigma)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0; /* sum of 12 multiples of 2^-24 below 12: exact */
        for (uint64_t k = 0; k < 12; k++)
            s += unit24(rnn_prng_u64(seed, stream, i * 12 + k));
        double t = (s - 6.0) * (double)sigma;
        dst[i] = (float)t;
    }
}

rnn_status rnn_fill_orthogonal(float *dst, size_t n, size_t ld, uint64_t seed,
                               uint64_t stream, double rho)
{
    if (!dst)
        return RNN_ERR_NULL;
    if (n == 0 || ld < n)
        return RNN_ERR_SIZE;
    if (n > 65536)
        return RNN_ERR_OVERFLOW;
    double *Q = malloc(n * n * sizeof *Q), *v = malloc(n * sizeof *v);
    if (!Q || !v) {
        free(Q);
        free(v);
        return RNN_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            Q[i * n + j] = i == j ? 1.0 : 0.0;
    size_t reflections = n < 16 ? n : 16;
    for (size_t r = 0; r < reflections; r++) {
        /* v from the PRNG, in [-1, 1); Q <- Q (I - 2 v v^T / v^T v). */
        double vv = 0.0;
        for (size_t j = 0; j < n; j++) {
            v[j] = 2.0 * unit24(rnn_prng_u64(seed, stream, r * n + j)) - 1.0;
            double sq = v[j] * v[j];
            vv += sq;
        }
        if (vv == 0.0)
            continue;
        double scale = 2.0 / vv;
        for (size_t i = 0; i < n; i++) {
            double dot = 0.0;
            for (size_t j = 0; j < n; j++) {
                double p = Q[i * n + j] * v[j];
                dot += p;
            }
            double f = dot * scale;
            for (size_t j = 0; j < n; j++) {
                double p = f * v[j];
                Q[i * n + j] -= p;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double q = rho * Q[i * n + j];
            dst[i * ld + j] = (float)q;
        }
    free(Q);
    free(v);
    return RNN_OK;
}
