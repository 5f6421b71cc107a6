/* probes_avx512.c — the avx512 table's machine probes: 16 FMA chains of 16
 * lanes and reads summed into 8 vectors (kernels/simd/probes.inc); the bf16
 * dot-product peak (16 vdpbf16ps chains; only this file's one function is
 * compiled for AVX512-BF16, and it runs only after dispatch says the CPU
 * has it); and the
 * overlap probe's loop (bench/overlap.c says what it
 * measures), the instruction mix of the fused batch-1 step and nothing else:
 *   stream: the GEMV of the tables (8 weight vectors, 4 broadcasts of a,
 *           8 FMAs an iteration) over w, n floats;
 *   tile (dw 0): `ratio` k steps an iteration of an 8-row register tile
 *           (one panel vector of p, 8 broadcasts of 8 time steps' inputs
 *           from x, 8 FMAs): the projection of 8 steps at once;
 *   dW (dw 1): `ratio` vectors of p an iteration, each loaded, given 8 FMAs
 *           (8 steps' dG broadcasts from a, kept in registers, times 8 rows
 *           of h from x) and stored back: a rank-8 update of a weight
 *           gradient.
 * parts: 1 the stream, 2 the other part, 3 both in one loop. x: 2048
 * floats (stays in L1); a: 256. Both mixes start at p's start every call. */
#include <immintrin.h>
#include "avx512.h"
#include "vec_avx512.h"
#include "probes.h"

#define RNN_FMA_CHAINS RNN_ACC16
#define RNN_READ_SUMS RNN_ACC8
#include "simd/probes.inc"

/* 16 chains acc += a.b (vdpbf16ps: 16 lanes, each the sum of 2 bf16
 * products), more than its latency x ports on any AVX512-BF16 core. a and
 * b are 2^-10, so acc grows by 2^-19 a lane an iteration: no overflow, and
 * no denormal (the instruction flushes them anyway). */
__attribute__((target("avx512bf16"))) static double bf16dot_chains(long n)
{
    const __m512 q = _mm512_set1_ps(0x1p-10f);
    const __m512bh a = _mm512_cvtne2ps_pbh(q, q), b = a;
#define DECL(k) __m512 acc##k = _mm512_set1_ps((float)(k));
#define STEP(k) acc##k = _mm512_dpbf16_ps(acc##k, a, b);
#define SUM(k) s = _mm512_add_ps(s, acc##k);
    RNN_ACC16(DECL)
    for (long i = 0; i < n; i++) {
        RNN_ACC16(STEP)
    }
    __m512 s = _mm512_setzero_ps();
    RNN_ACC16(SUM)
    rnn_probe_sink = _mm512_reduce_add_ps(s);
#undef DECL
#undef STEP
#undef SUM
    return 16.0 * 16 * 2 * 2 * (double)n;
}

double rnn_k_probe_bf16dot__avx512(long n)
{
    return rnn_cpu_feature_usable("avx512bf16") ? bf16dot_chains(n) : 0.0;
}

enum { STREAM = 1, OTHER = 2 };

/* One loop per mix (dw is a constant once inlined). */
static inline __attribute__((always_inline)) void
overlap_loop(int parts, const float *w, float *p, size_t n, const float *a, const float *x,
             int ratio, int dw)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    __m512 c0 = s0, c1 = s0, c2 = s0, c3 = s0, c4 = s0, c5 = s0, c6 = s0, c7 = s0;
    __m512 g[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++)
        g[r] = _mm512_set1_ps(a[r]);
    size_t k = 0, j = 0, pj = 0;
    for (size_t i = 0; i + 128 <= n; i += 128, k = (k + 4) & 255) {
        if (parts & STREAM) {
            const float *v = w + i;
            __m512 a0 = _mm512_set1_ps(a[k]), a1 = _mm512_set1_ps(a[k + 1]);
            __m512 a2 = _mm512_set1_ps(a[k + 2]), a3 = _mm512_set1_ps(a[k + 3]);
            s0 = _mm512_fmadd_ps(a0, _mm512_load_ps(v), s0);
            s1 = _mm512_fmadd_ps(a0, _mm512_load_ps(v + 16), s1);
            s2 = _mm512_fmadd_ps(a1, _mm512_load_ps(v + 32), s2);
            s3 = _mm512_fmadd_ps(a1, _mm512_load_ps(v + 48), s3);
            s4 = _mm512_fmadd_ps(a2, _mm512_load_ps(v + 64), s4);
            s5 = _mm512_fmadd_ps(a2, _mm512_load_ps(v + 80), s5);
            s6 = _mm512_fmadd_ps(a3, _mm512_load_ps(v + 96), s6);
            s7 = _mm512_fmadd_ps(a3, _mm512_load_ps(v + 112), s7);
        }
        if ((parts & OTHER) && dw)
            for (int q = 0; q < ratio; q++) {
                const float *h = x + (pj & 255);
                __m512 d = _mm512_load_ps(p + pj);
#pragma GCC unroll 8
                for (int r = 0; r < 8; r++)
                    d = _mm512_fmadd_ps(g[r], _mm512_load_ps(h + 256 * r), d);
                _mm512_store_ps(p + pj, d);
                pj = pj + 16 < n ? pj + 16 : 0;
            }
        else if (parts & OTHER)
            for (int q = 0; q < ratio; q++, j = (j + 1) & 255) {
                const __m512 b = _mm512_load_ps(p + pj);
                pj = pj + 16 < n ? pj + 16 : 0;
                const float *r = x + 8 * j;
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(r[0]), b, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(r[1]), b, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(r[2]), b, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(r[3]), b, c3);
                c4 = _mm512_fmadd_ps(_mm512_set1_ps(r[4]), b, c4);
                c5 = _mm512_fmadd_ps(_mm512_set1_ps(r[5]), b, c5);
                c6 = _mm512_fmadd_ps(_mm512_set1_ps(r[6]), b, c6);
                c7 = _mm512_fmadd_ps(_mm512_set1_ps(r[7]), b, c7);
            }
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                             _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    __m512 c = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    rnn_probe_sink = _mm512_reduce_add_ps(_mm512_add_ps(s, c));
}

void rnn_k_probe_overlap__avx512(int parts, const float *w, float *p, size_t n, const float *a,
                                 const float *x, int ratio, int dw)
{
    if (dw)
        overlap_loop(parts, w, p, n, a, x, ratio, 1);
    else
        overlap_loop(parts, w, p, n, a, x, ratio, 0);
}
