/* probes_generic.c — the generic table's machine probes (entries.inc): the
 * baseline compiler's 128-bit vectors (GCC's vector extension; NEON on
 * aarch64), multiply then add, since the x86-64 baseline has no FMA and
 * -std=c11 contracts nothing. */
#include <string.h>
#include "generic.h"
#include "probes.h"

typedef float v4f __attribute__((vector_size(16)));

/* 12 accumulators x 4 lanes x 2 flops an iteration; m just below 1, so the
 * values settle near a/(1-m) and never overflow or go denormal. */
double rnn_k_probe_fma__generic(long n)
{
    const v4f m = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, a = {1e-6f, 1e-6f, 1e-6f, 1e-6f};
#define DECL(k) v4f acc##k = a * (float)(k);
#define STEP(k) acc##k = acc##k * m + a;
#define SUM(k) s += acc##k;
    RNN_ACC12(DECL)
    for (long i = 0; i < n; i++) {
        RNN_ACC12(STEP)
    }
    v4f s = {0, 0, 0, 0};
    RNN_ACC12(SUM)
    rnn_probe_sink = s[0] + s[3];
#undef DECL
#undef STEP
#undef SUM
    return 12.0 * 4 * 2 * (double)n;
}

/* 12 accumulators of 4 floats (more than add latency x load ports). */
void rnn_k_probe_read__generic(const float *buf, size_t n, long passes)
{
#define DECL(k) v4f acc##k = {0, 0, 0, 0};
#define STEP(k)                                                                \
    {                                                                          \
        v4f v;                                                                 \
        memcpy(&v, buf + i + 4 * (k), sizeof v);                               \
        acc##k += v;                                                           \
    }
#define SUM(k) s += acc##k;
    RNN_ACC12(DECL)
    for (long p = 0; p < passes; p++)
        for (size_t i = 0; i + 48 <= n; i += 48) {
            RNN_ACC12(STEP)
        }
    v4f s = {0, 0, 0, 0};
    RNN_ACC12(SUM)
    rnn_probe_sink = s[0] + s[3];
#undef DECL
#undef STEP
#undef SUM
}
