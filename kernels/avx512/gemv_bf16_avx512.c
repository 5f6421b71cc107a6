/* gemv_bf16_avx512.c — the bf16 batch-1 GEMV on AVX512-BF16 (vdpbf16ps):
 * C = beta*C + W x + bias from the pair-interleaved panels of kernels/bf16.h,
 * and the bf16 fused step (bf16_gemv_ride) that runs it with part of the
 * next steps' input projection riding along.
 *
 * Like the float32 GEMV (gemv_avx512.c's gemv_group), four panels at once:
 * per pair of k one broadcast of x's pair word, 8 weight vectors from four
 * streams, 8 independent vdpbf16ps; each column is one chain over the
 * pairs ascending, so kernels/generic/gemv_bf16_generic.c gives the same
 * bits. Each vdpbf16ps takes 32 weights (64 bytes), twice an FMA's.
 *
 * The ride is gemv_avx512.c's on pair words (read its header for the why):
 * an R x 16 tile of Y (R = 8 or 16, the plan's ride_rows), one vector of a
 * W_ih panel (16 pair words) and R broadcasts of the rows' pair words per
 * pair of k, one ride step after every R/8 GEMV pair steps, so that both
 * run 8 vdpbf16ps per GEMV step. A ride column is one chain over its pairs
 * ascending from its bias, W the instruction's src1 as in the GEMM, so the
 * ridden projection has the hoisted one's bits (gemm_bf16_avx512.c). R = 0
 * below compiles the plain GEMV, with no ride test in its loop.
 *
 * Only the kernels below are compiled for AVX512-BF16 (target attribute, as
 * probes_avx512.c's bf16 probe); rnn_bf16_gemv_avx512 (kernels/bf16.c,
 * baseline code) checks the CPU before it calls in, and a plan checks the
 * table's bf16_feature before it calls the table's product (whose M = 1
 * rows run here: rnn_k_bf16_gemv_packed__avx512) or its bf16_gemv_ride. */
#include <immintrin.h>
#include "avx512.h"
#include "bf16.h"
#include "blocking_avx512.h"
#include "bf16_round_avx512.h"
#include "ride_tile_avx512.h"

_Static_assert(NR == RNN_BF16_NR, "the bf16 panels are as wide as the float32 ones");

#define BF16_TARGET __attribute__((target("avx512bf16")))
#define INLINE_BF16 static inline __attribute__((always_inline)) BF16_TARGET

/* A row's pair words are made this many at a time on the stack (16 KiB;
 * kernels do not allocate); later blocks continue each chain from C. */
#define X2_BLOCK 4096

/* Where the ride is: vector v (columns 16v..16v+15) at pair row j of K2. */
typedef struct {
    const rnn_ride *r;
    size_t v, vend, j, K2;
    const rnn_bf16x2 *w, *x; /* v's weights and the rows' pair words at j */
} ride_pos;

static inline const rnn_bf16x2 *ride_weights(const ride_pos *q, size_t v)
{
    const rnn_bf16x2 *packed = (const rnn_bf16x2 *)(const void *)q->r->packed;
    return packed + v / 2 * NR * q->K2 + v % 2 * 16;
}

/* The tile's chains are done: store them and start the next vector's
 * (inlined, as gemv_avx512.c's, to keep the tile in registers). */
INLINE_BF16 void ride_vector_end(const int R, ride_pos *q, __m512 *c)
{
    ride_tile_store(R, q->r, q->v, c);
    q->j = 0, q->v++;
    q->w = ride_weights(q, q->v), q->x = (const rnn_bf16x2 *)(const void *)q->r->xk;
    ride_tile_start(R, q->r, q->v, q->vend, c);
}

/* One pair step of the ride's R x 16 tile. */
INLINE_BF16 void ride_step(const int R, ride_pos *q, __m512 *c)
{
    const __m512bh b = (__m512bh)_mm512_loadu_si512(q->w);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
        c[i] = _mm512_dpbf16_ps(c[i], b, (__m512bh)_mm512_set1_epi32((int)q->x[i]));
    q->w += NR, q->x += R;
    if (__builtin_expect(++q->j == q->K2, 0))
        ride_vector_end(R, q, c);
}

/* Panels [p, p + g) (g <= 4 a compile-time constant), pair rows [j0, j1) of
 * panels K2 rows deep; x2 holds pairs j0.. . With R > 0, one ride step
 * after every R/8 pair steps while the ride lasts. */
INLINE_BF16 void group(const int R, const int g, size_t p, size_t N, size_t K2, size_t j0,
                       size_t j1, const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                       const float *bias, int load_c, float *C, ride_pos *qp, __m512 *c)
{
    ride_pos q = *qp;
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
        if (R && q.v < q.vend && (R == 8 || (k & 1)))
            ride_step(R, &q, c);
    }
#pragma GCC unroll 8
    for (int j = 0; j < 2 * g; j++)
        _mm512_mask_storeu_ps(C + p * NR + (size_t)j * 16, m[j], s[j]);
    *qp = q;
}

/* Panels [p0, p1), four at a time, pair rows [j0, j1). */
INLINE_BF16 void panels(const int R, size_t p0, size_t p1, size_t N, size_t K2, size_t j0,
                        size_t j1, const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                        const float *bias, int load_c, float *C, ride_pos *q, __m512 *c)
{
    size_t p = p0;
    for (; p + 4 <= p1; p += 4)
        group(R, 4, p, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c);
    switch (p1 - p) {
    case 3: group(R, 3, p, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c); break;
    case 2: group(R, 2, p, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c); break;
    case 1: group(R, 1, p, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c); break;
    default: break;
    }
}

/* Every panel, in chunks of `chunk` panels from the last (0: front to back). */
INLINE_BF16 void all_panels(const int R, size_t chunk, size_t N, size_t K2, size_t j0,
                            size_t j1, const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                            const float *bias, int load_c, float *C, ride_pos *q, __m512 *c)
{
    const size_t np = (N + NR - 1) / NR;
    if (!chunk || chunk >= np) {
        panels(R, 0, np, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c);
        return;
    }
    for (size_t p1 = np; p1 > 0;) {
        const size_t p0 = (p1 - 1) / chunk * chunk;
        panels(R, p0, p1, N, K2, j0, j1, x2, packed, bias, load_c, C, q, c);
        p1 = p0;
    }
}

/* C (1 x N) = (load_c ? C : 0) + bias + bf16(a) W^T with an R-row ride
 * (R 0: none), a's pair words made X2_BLOCK at a time; what is left of the
 * ride after the GEMV runs alone. */
INLINE_BF16 void gemv_ride_rows(const int R, size_t N, size_t K, const float *a,
                                const rnn_bf16x2 *packed, const float *bias, int load_c,
                                float *C, size_t chunk, const rnn_ride *ride)
{
    __m512 c[RNN_RIDE_ROWS_MAX];
    ride_pos q = {NULL, 0, 0, 0, 0, NULL, NULL};
    if (R) {
        q = (ride_pos){ride, ride->c0 / 16, (ride->c1 + 15) / 16, 0, (ride->K + 1) / 2, NULL,
                       (const rnn_bf16x2 *)(const void *)ride->xk};
        q.w = ride_weights(&q, q.v);
        ride_tile_start(R, ride, q.v, q.vend, c);
    }
    const size_t K2 = (K + 1) / 2;
    rnn_bf16x2 x2[X2_BLOCK];
    if (K2 == 0) /* the initial value only */
        all_panels(R, chunk, N, 0, 0, 0, NULL, packed, bias, load_c, C, &q, c);
    for (size_t j0 = 0; j0 < K2; j0 += X2_BLOCK) {
        const size_t j1 = K2 - j0 < X2_BLOCK ? K2 : j0 + X2_BLOCK;
        const size_t k1 = 2 * j1 < K ? 2 * j1 : K;
        bf16_row_pairs(k1 - 2 * j0, a + 2 * j0, x2);
        all_panels(R, chunk, N, K2, j0, j1, x2, packed, j0 ? NULL : bias, j0 || load_c, C, &q,
                   c);
    }
    while (R && q.v < q.vend)
        ride_step(R, &q, c);
}

BF16_TARGET void rnn_bf16_gemv_avx512_unchecked(size_t N, size_t K, const rnn_bf16x2 *x2,
                                                const rnn_bf16x2 *packed, const float *bias,
                                                int load_c, float *C)
{
    const size_t K2 = (K + 1) / 2;
    ride_pos q = {NULL, 0, 0, 0, 0, NULL, NULL};
    all_panels(0, 0, N, K2, 0, K2, x2, packed, bias, load_c, C, &q, NULL);
}

/* One row of the table's packed bf16 product (gemm_bf16_avx512.c runs M = 1
 * and K = 0 here). */
BF16_TARGET void rnn_k_bf16_gemv_packed__avx512(size_t N, size_t K, const float *a,
                                                const rnn_bf16x2 *packed, const float *bias,
                                                int load_c, float *C)
{
    gemv_ride_rows(0, N, K, a, packed, bias, load_c, C, 0, NULL);
}

BF16_TARGET void rnn_k_bf16_gemv_ride__avx512(size_t N, size_t K, const float *a,
                                              const rnn_bf16x2 *packed, const float *bias,
                                              float beta, float *C, size_t chunk,
                                              const rnn_ride *ride)
{
    const int load_c = beta != 0.0f;
    if (!ride)
        gemv_ride_rows(0, N, K, a, packed, bias, load_c, C, chunk, NULL);
    else if (ride->rows == RNN_RIDE_ROWS_MAX)
        gemv_ride_rows(RNN_RIDE_ROWS_MAX, N, K, a, packed, bias, load_c, C, chunk, ride);
    else
        gemv_ride_rows(RNN_RIDE_ROWS_MIN, N, K, a, packed, bias, load_c, C, chunk, ride);
}
