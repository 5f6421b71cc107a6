/* gemv_bf16_avx512.c — the bf16 batch-1 GEMV on AVX512-BF16 (vdpbf16ps):
 * C = beta*C + W x + bias from the pair-interleaved panels of kernels/bf16.h.
 *
 * Like the float32 GEMV (gemv_avx512.c's gemv_group), four panels at once:
 * per pair of k one broadcast of x's pair word, 8 weight vectors from four
 * streams, 8 independent vdpbf16ps; each column is one chain over the
 * pairs ascending, so kernels/generic/gemv_bf16_generic.c gives the same
 * bits. Each vdpbf16ps takes 32 weights (64 bytes), twice an FMA's.
 *
 * Only the kernels below are compiled for AVX512-BF16 (target attribute, as
 * probes_avx512.c's bf16 probe); rnn_bf16_gemv_avx512 (kernels/bf16.c,
 * baseline code) checks the CPU before it calls in, and a plan checks the
 * table's bf16_feature before it calls the table's product (whose M = 1
 * rows run here: rnn_k_bf16_gemv_packed__avx512). */
#include <immintrin.h>
#include "bf16.h"
#include "blocking_avx512.h"
#include "bf16_round_avx512.h"

_Static_assert(NR == RNN_BF16_NR, "the bf16 panels are as wide as the float32 ones");

#define BF16_TARGET __attribute__((target("avx512bf16")))

/* Panels [p, p + g) (g <= 4 a compile-time constant), pair rows [j0, j1) of
 * panels K2 rows deep; x2 holds pairs j0.. . */
static inline __attribute__((always_inline)) BF16_TARGET void
group(const int g, size_t p, size_t N, size_t K2, size_t j0, size_t j1, const rnn_bf16x2 *x2,
      const rnn_bf16x2 *packed, const float *bias, int load_c, float *C)
{
    __m512 s[8];
    __mmask16 m[8];
    const rnn_bf16x2 *w[4];
    panels_start(g, p, N, bias, load_c, C, s, m);
#pragma GCC unroll 4
    for (int j = 0; j < g; j++)
        w[j] = packed + (p + (size_t)j) * NR * K2 + j0 * NR;
    for (size_t k = 0; k < j1 - j0; k++) {
        const __m512bh xk = (__m512bh)_mm512_set1_epi32((int)x2[k]);
#pragma GCC unroll 4
        for (int j = 0; j < g; j++) {
            s[2 * j] = _mm512_dpbf16_ps(s[2 * j], (__m512bh)_mm512_loadu_si512(w[j]), xk);
            s[2 * j + 1] =
                _mm512_dpbf16_ps(s[2 * j + 1], (__m512bh)_mm512_loadu_si512(w[j] + 16), xk);
            w[j] += NR;
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < 2 * g; j++)
        _mm512_mask_storeu_ps(C + p * NR + (size_t)j * 16, m[j], s[j]);
}

static BF16_TARGET void gemv(size_t N, size_t K2, size_t j0, size_t j1,
                             const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                             const float *bias, int load_c, float *C)
{
    const size_t np = (N + NR - 1) / NR;
    size_t p = 0;
    for (; p + 4 <= np; p += 4)
        group(4, p, N, K2, j0, j1, x2, packed, bias, load_c, C);
    switch (np - p) {
    case 3: group(3, p, N, K2, j0, j1, x2, packed, bias, load_c, C); break;
    case 2: group(2, p, N, K2, j0, j1, x2, packed, bias, load_c, C); break;
    case 1: group(1, p, N, K2, j0, j1, x2, packed, bias, load_c, C); break;
    default: break;
    }
}

void rnn_bf16_gemv_avx512_unchecked(size_t N, size_t K, const rnn_bf16x2 *x2,
                                    const rnn_bf16x2 *packed, const float *bias, int load_c,
                                    float *C)
{
    const size_t K2 = (K + 1) / 2;
    gemv(N, K2, 0, K2, x2, packed, bias, load_c, C);
}

/* A row's pair words are made this many at a time on the stack (16 KiB;
 * kernels do not allocate); later blocks continue each chain from C. */
#define X2_BLOCK 4096

/* One row of the table's packed bf16 product (gemm_bf16_avx512.c runs M = 1
 * and K = 0 here): C (1 x N) = (load_c ? C : 0) + bias + bf16(a) W^T, a's
 * pair words made X2_BLOCK at a time. */
BF16_TARGET void rnn_k_bf16_gemv_packed__avx512(size_t N, size_t K, const float *a,
                                                const rnn_bf16x2 *packed, const float *bias,
                                                int load_c, float *C)
{
    const size_t K2 = (K + 1) / 2;
    rnn_bf16x2 x2[X2_BLOCK];
    if (K2 == 0) { /* the initial value only */
        gemv(N, 0, 0, 0, NULL, packed, bias, load_c, C);
        return;
    }
    for (size_t j0 = 0; j0 < K2; j0 += X2_BLOCK) {
        const size_t j1 = K2 - j0 < X2_BLOCK ? K2 : j0 + X2_BLOCK;
        const size_t k1 = 2 * j1 < K ? 2 * j1 : K;
        bf16_row_pairs(k1 - 2 * j0, a + 2 * j0, x2);
        gemv(N, K2, j0, j1, x2, packed, j0 ? NULL : bias, j0 || load_c, C);
    }
}
