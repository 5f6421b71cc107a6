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
 * weights once, front to back, with eight independent accumulators so the
 * FMA latency is hidden and the loads run at cache bandwidth. */
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
#define PREFETCH_FLOATS ((size_t)1 << 20) /* 4 MiB of weights */

size_t rnn_k_packed_size__avx2(size_t N, size_t K)
{
    return panels_size(NR, N, K);
}

void rnn_k_pack_nt__avx2(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    panels_pack_nt(NR, N, K, W, ldw, packed);
}

/* C (1 x N) = (load_c ? C : 0) + bias + a W^T, streaming the packed panels. */
static void gemv_packed(size_t N, size_t K, const float *a, const float *packed,
                        const float *bias, int load_c, float *C)
{
    for (size_t p0 = 0; p0 < N; p0 += NR) {
        const float *w = packed + p0 * K;
        __m256 s[8];
        for (int i = 0; i < 8; i++)
            s[i] = _mm256_setzero_ps();
        size_t k = 0;
        for (; k + 4 <= K; k += 4, w += 4 * NR) {
            __m256 a0 = _mm256_broadcast_ss(a + k), a1 = _mm256_broadcast_ss(a + k + 1);
            __m256 a2 = _mm256_broadcast_ss(a + k + 2), a3 = _mm256_broadcast_ss(a + k + 3);
            s[0] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(w), s[0]);
            s[1] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(w + 8), s[1]);
            s[2] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(w + 16), s[2]);
            s[3] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(w + 24), s[3]);
            s[4] = _mm256_fmadd_ps(a2, _mm256_loadu_ps(w + 32), s[4]);
            s[5] = _mm256_fmadd_ps(a2, _mm256_loadu_ps(w + 40), s[5]);
            s[6] = _mm256_fmadd_ps(a3, _mm256_loadu_ps(w + 48), s[6]);
            s[7] = _mm256_fmadd_ps(a3, _mm256_loadu_ps(w + 56), s[7]);
        }
        for (; k < K; k++, w += NR) {
            __m256 a0 = _mm256_broadcast_ss(a + k);
            s[0] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(w), s[0]);
            s[1] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(w + 8), s[1]);
        }
        __m256 v[2];
        v[0] = _mm256_add_ps(_mm256_add_ps(s[0], s[2]), _mm256_add_ps(s[4], s[6]));
        v[1] = _mm256_add_ps(_mm256_add_ps(s[1], s[3]), _mm256_add_ps(s[5], s[7]));
        for (int h = 0; h < 2; h++) {
            size_t c0 = p0 + 8 * (size_t)h;
            if (c0 >= N)
                break;
            int full = c0 + 8 <= N;
            __m256i m = lanes_avx2(full ? 8 : N - c0);
            if (bias)
                v[h] = _mm256_add_ps(v[h], gemm_load8(full, bias + c0, m));
            if (load_c)
                v[h] = _mm256_add_ps(v[h], gemm_load8(full, C + c0, m));
            gemm_store8(full, C + c0, m, v[h]);
        }
    }
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
        int first = k0 == 0;
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
                                    first ? load_c0 : 1, first && bias ? bias + p0 : NULL);
            }
        }
    }
}
