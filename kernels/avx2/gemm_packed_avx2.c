/* gemm_packed_avx2.c — the avx2 table's packed product C = A W^T + bias
 * (weights packed once per plan by pack_nt: panels of 16 output columns,
 * K-major, zero-padded past N; see avx2.h).
 *
 * Batch sizes (M <= 64): the whole batch is one A block, packed K-major on
 * the stack (kernels do not allocate) and split evenly into micro-kernel
 * blocks (gemm_ukernel_avx2.h), so every weight is loaded from beyond L2 once
 * per product and then reused by all rows from L1; the first block of each
 * panel prefetches the next panel when the weights are too big for the
 * hardware prefetcher to keep up. Packing also keeps the broadcasts off A's
 * rows, whose stride (a power of two at the usual H) would alias in L1.
 * More rows (the hoisted input projection, dx): blocks of MC_BIG rows, each
 * packed once per KC slice and streamed past every weight panel (chunking
 * the columns to keep a weight slice in L2 is slower: it repacks A per
 * chunk). The A buffer is 66 KiB of stack.
 *
 * Batch 1 (M = 1) is the GEMV regime: a separate loop streams the packed
 * weights once, several panels side by side, so their independent chains
 * hide the FMA latency and the loads run at cache bandwidth.
 *
 * Every output is one FMA chain over k ascending from its initial value
 * beta ? (bias ? C + bias : C) : (bias ? bias : +0) (docs/design.md §9.2):
 * the first KC block starts its accumulators there, each later block from
 * the C the previous one stored, and the GEMV keeps one chain per column
 * (its latency is hidden across columns, never by splitting k). */
#include <string.h>
#include <immintrin.h>
#include "avx2.h"
#include "panels.h"
#include "gemm_ukernel_avx2.h"

#define NR GEMM_NR
#define MR GEMM_MR
#define KC 256
#define MC_SMALL 64 /* up to this many rows (a batch) are packed as one block */
#define MC_BIG 36
#define GEMV_PANELS 4 /* the most panels a batch-1 product runs at once: 8 chains */
#define GEMV_NEAR_FLOATS ((size_t)1 << 19) /* 2 MiB of weights */
#define GEMV_FAR_FLOATS ((size_t)1 << 22)  /* 16 MiB of weights */
#define GEMV_PF_FLOATS 256                 /* 1 KiB: 16 k steps ahead */
#define PREFETCH_FLOATS ((size_t)1 << 20) /* 4 MiB of weights */

size_t rnn_k_packed_size__avx2(size_t N, size_t K)
{
    return panels_size(NR, N, K);
}

void rnn_k_pack_nt__avx2(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    panels_pack_nt(NR, N, K, W, ldw, packed);
}

/* The initial value of columns c0 .. c0+7 (docs/design.md §9.2):
 * load_c ? (bias ? C + bias : C) : (bias ? bias : +0); lanes past N are 0. */
static inline __m256 gemv_init8(size_t N, size_t c0, const float *bias, int load_c,
                                const float *C)
{
    if (c0 >= N)
        return _mm256_setzero_ps();
    int full = c0 + 8 <= N;
    __m256i m = lanes_avx2(full ? 8 : N - c0);
    __m256 b = bias ? gemm_load8(full, bias + c0, m) : _mm256_setzero_ps();
    if (!load_c)
        return b;
    __m256 c = gemm_load8(full, C + c0, m);
    return bias ? _mm256_add_ps(c, b) : c;
}

/* Stores columns c0 .. c0+7 of C, those below N. */
static inline void gemv_store8(size_t N, size_t c0, float *C, __m256 v)
{
    if (c0 >= N)
        return;
    int full = c0 + 8 <= N;
    gemm_store8(full, C + c0, lanes_avx2(full ? 8 : N - c0), v);
}

/* Panels p0 .. p0 + np-1 (np <= GEMV_PANELS and pf compile-time constants)
 * of the batch-1 product: one FMA chain per column over k ascending,
 * started from its initial value. The np panels' 2*np chains are
 * independent, so they hide the FMA latency that a single panel's two
 * chains would expose; one broadcast of a[k] feeds all of them, and the np
 * weight streams run side by side through the packed panels. With pf, each
 * stream prefetches into L1 the line GEMV_PF_FLOATS ahead of the one it
 * reads (a k step reads one 64-byte line per panel). */
static inline __attribute__((always_inline)) void
gemv_panels(const int np, const int pf, size_t p0, size_t N, size_t K, const float *a,
            const float *packed, const float *bias, int load_c, float *C)
{
    const float *w[GEMV_PANELS];
    __m256 s0[GEMV_PANELS], s1[GEMV_PANELS];
#pragma GCC unroll 4
    for (int p = 0; p < np; p++) {
        size_t c0 = p0 + (size_t)p * NR;
        w[p] = packed + c0 * K;
        s0[p] = gemv_init8(N, c0, bias, load_c, C);
        s1[p] = gemv_init8(N, c0 + 8, bias, load_c, C);
    }
    for (size_t k = 0; k < K; k++) {
        __m256 ak = _mm256_broadcast_ss(a + k);
#pragma GCC unroll 4
        for (int p = 0; p < np; p++) {
            if (pf)
                _mm_prefetch((const char *)(w[p] + k * NR + GEMV_PF_FLOATS), _MM_HINT_T0);
            s0[p] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(w[p] + k * NR), s0[p]);
            s1[p] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(w[p] + k * NR + 8), s1[p]);
        }
    }
#pragma GCC unroll 4
    for (int p = 0; p < np; p++) {
        gemv_store8(N, p0 + (size_t)p * NR, C, s0[p]);
        gemv_store8(N, p0 + (size_t)p * NR + 8, C, s1[p]);
    }
}

/* C (1 x N): the batch-1 product, streaming the packed panels in groups.
 * Weights up to GEMV_NEAR_FLOATS stay in L2 and the FMA latency bounds the
 * loop: four panels at a time. Past it, up to GEMV_FAR_FLOATS, they stream
 * from L3, and two streams with software prefetch run fastest; past that
 * they stream from memory, where the hardware prefetcher alone does better
 * and four panels at a time again (docs/performance.md, "Batch-1 product
 * in canonical order"). An odd last panel runs alone. The grouping never
 * changes an output's chain, only which chains run together. */
static __attribute__((noinline)) void gemv_packed(size_t N, size_t K, const float *a,
                                                  const float *packed, const float *bias,
                                                  int load_c, float *C)
{
    const size_t panels = (N + NR - 1) / NR, size = N * K;
    size_t p = 0;
    if (size > GEMV_NEAR_FLOATS && size <= GEMV_FAR_FLOATS) {
        for (; p + 2 <= panels; p += 2)
            gemv_panels(2, 1, p * NR, N, K, a, packed, bias, load_c, C);
    } else {
        for (; p + 4 <= panels; p += 4)
            gemv_panels(4, 0, p * NR, N, K, a, packed, bias, load_c, C);
        for (; p + 2 <= panels; p += 2)
            gemv_panels(2, 0, p * NR, N, K, a, packed, bias, load_c, C);
    }
    if (p < panels)
        gemv_panels(1, 0, p * NR, N, K, a, packed, bias, load_c, C);
}

void rnn_k_gemm_packed_nt__avx2(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                const float *packed, const float *bias, float beta, float *C,
                                size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (M == 1 || K == 0) {
        for (size_t i = 0; i < M; i++)
            gemv_packed(N, K, A + i * lda, packed, bias, load_c0, C + i * ldc);
        return;
    }
    /* blocks sit MR rows apart: room for ceil(MC_SMALL / MR) (MC_BIG is less) */
    float Ap[(MC_SMALL + MR - 1) / MR * MR * KC] __attribute__((aligned(64)));
    const size_t mcmax = M <= MC_SMALL ? M : MC_BIG;
    /* Weights past PREFETCH_FLOATS come from L3 or memory at a latency the
     * hardware prefetcher alone leaves the FMAs waiting on; below it the
     * hardware keeps up, and software prefetches would only cost issue
     * slots (docs/performance.md, "GEMM blocking"). */
    const int far = N * K > PREFETCH_FLOATS;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int first = k0 == 0, load_c = first ? load_c0 : 1;
        for (size_t i0 = 0; i0 < M; i0 += mcmax) {
            size_t mc = M - i0 < mcmax ? M - i0 : mcmax, nb = gemm_nblocks(mc);
            size_t r[MC_SMALL / MR + 2];
            for (size_t b = 0; b <= nb; b++)
                r[b] = gemm_row0(b, mc); /* divisions: not once per kernel call */
            gemm_pack_a(mc, kc, A + i0 * lda + k0, lda, 1, Ap);
            for (size_t p0 = 0; p0 < N; p0 += NR) {
                size_t w = N - p0 < NR ? N - p0 : NR;
                const float *Bp = packed + p0 * K + k0 * NR;
                const float *pf = p0 + NR < N && far ? Bp + NR * K : NULL;
                for (size_t b = 0; b < nb; b++)
                    gemm_ukernel_mr(r[b + 1] - r[b], w, kc, Ap + b * MR * kc, Bp, NR,
                                    b == 0 ? pf : NULL, C + (i0 + r[b]) * ldc + p0, ldc,
                                    load_c, first && bias ? bias + p0 : NULL);
            }
        }
    }
}
