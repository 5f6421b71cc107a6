/* gemm_avx2.c — the avx2 table's general GEMM, C = beta*C + op(A) op(B).
 *
 * Training's weight gradients are its big users (trans_a: dW = dG^T X, K =
 * T*B rows of dG and X). op(A) is packed in blocks of 6-row micro-panels
 * (gemm_ukernel_avx2.h), once per product; each block then meets every
 * 16-column slice of B. (The even split of gemm_packed_avx2.c buys nothing
 * at M = G*H rows, and its block bookkeeping costs time here.)
 *
 * A row-major B is read in place: its KC rows sit ldb floats apart, one
 * 64-byte row per 6-cycle k step, well within what L2 delivers, and
 * packing it gains nothing measurable at H 256 and 512. Except where ldb is
 * a multiple of 1024 floats (H = 1024, X's rows): rows 4 KiB apart all fall
 * in one L1 set, where a slice's lines evict one another and each read
 * costs about twice as much (docs/performance.md §5.30). There, and for
 * a transposed B, B is packed a chunk of NC columns at a time, read along
 * its rows, once per block of op(A) (a larger block, MC_PACKED rows, so the
 * chunks are packed fewer times).
 *
 * Every output is one FMA chain over k ascending from beta ? C : +0
 * (docs/design.md §9.2): the KC blocks run in ascending k, the first
 * starting its accumulators from that value, each later one from the C the
 * previous block stored.
 *
 * Buffers live on the stack (kernels do not allocate): 208 KiB. */
#include <string.h>
#include <immintrin.h>
#include "avx2.h"
#include "gemm_ukernel_avx2.h"

#define NR GEMM_NR
#define MR GEMM_MR
#define KC 256
#define MC 36        /* rows of op(A) per block, B read in place */
#define MC_PACKED 144 /* rows per block when B is packed */
#define NC 64         /* columns of op(B) per packed chunk */

/* Copies mr (<= MR) rows of op(A), kc deep, K-major: Ap[k*MR + i] = A(i, k)
 * with A(i, k) = A[i*ars + k*aks]. */
static void pack_a(int mr, size_t kc, const float *A, size_t ars, size_t aks, float *Ap)
{
    for (size_t k = 0; k < kc; k++)
        for (int i = 0; i < mr; i++)
            Ap[k * MR + (size_t)i] = A[(size_t)i * ars + k * aks];
}

/* Packs rows [i0, i0 + mc) of op(A), columns [k0, k0 + kc), into MR-row
 * micro-panels (panel ib/MR at Ap + ib*KC). */
static void pack_a_block(int trans_a, size_t i0, size_t mc, size_t k0, size_t kc,
                         const float *A, size_t lda, float *Ap)
{
    for (size_t ib = 0; ib < mc; ib += MR) {
        int mr = (int)(mc - ib < MR ? mc - ib : MR);
        if (trans_a)
            pack_a(mr, kc, A + k0 * lda + i0 + ib, 1, lda, Ap + ib * KC);
        else
            pack_a(mr, kc, A + (i0 + ib) * lda + k0, lda, 1, Ap + ib * KC);
    }
}

/* Packs op(B), rows [k0, k0 + kc) and columns [n0, n0 + nc), into K-major
 * 16-column slices (slice s at Bp + s*kc*NR), zero past nc; op(B)(k, j) is
 * B[k*ldb + j], or B[j*ldb + k] transposed. Either way B is read along its
 * rows. */
static void pack_b(int trans_b, size_t k0, size_t kc, size_t n0, size_t nc, const float *B,
                   size_t ldb, float *Bp)
{
    const size_t ns = (nc + NR - 1) / NR;
    if (trans_b) {
        for (size_t j = 0; j < ns * NR; j++) {
            float *dst = Bp + j / NR * kc * NR + j % NR;
            if (j < nc)
                for (size_t k = 0; k < kc; k++)
                    dst[k * NR] = B[(n0 + j) * ldb + k0 + k];
            else
                for (size_t k = 0; k < kc; k++)
                    dst[k * NR] = 0.0f;
        }
        return;
    }
    for (size_t k = 0; k < kc; k++) {
        const float *src = B + (k0 + k) * ldb + n0;
        for (size_t s = 0; s < ns; s++) {
            float *dst = Bp + s * kc * NR + k * NR;
            if ((s + 1) * NR <= nc) {
                _mm256_store_ps(dst, _mm256_loadu_ps(src + s * NR));
                _mm256_store_ps(dst + 8, _mm256_loadu_ps(src + s * NR + 8));
            } else {
                for (size_t c = 0; c < NR; c++)
                    dst[c] = s * NR + c < nc ? src[s * NR + c] : 0.0f;
            }
        }
    }
}

/* Each block of op(A) (MC rows, or MC_PACKED) meets every 16-column slice
 * of op(B): where B lies (pack 0, a row-major B), or from a chunk of NC
 * columns packed for the block (pack 1). */
static void run_blocks(int pack, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                       const float *A, size_t lda, const float *B, size_t ldb, int load_c0,
                       float *C, size_t ldc)
{
    float Ap[MC_PACKED * KC] __attribute__((aligned(64)));
    float Bp[KC * NC] __attribute__((aligned(64)));
    const size_t mc_max = pack ? MC_PACKED : MC, nc_max = pack ? NC : N;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int load_c = k0 == 0 ? load_c0 : 1;
        for (size_t i0 = 0; i0 < M; i0 += mc_max) {
            size_t mc = M - i0 < mc_max ? M - i0 : mc_max;
            pack_a_block(trans_a, i0, mc, k0, kc, A, lda, Ap);
            for (size_t n0 = 0; n0 < N; n0 += nc_max) {
                size_t nc = N - n0 < nc_max ? N - n0 : nc_max;
                /* slice j/NR at Bs + j*js, its rows bs floats apart */
                const float *Bs = Bp;
                size_t bs = NR, js = kc;
                if (pack)
                    pack_b(trans_b, k0, kc, n0, nc, B, ldb, Bp);
                else
                    Bs = B + k0 * ldb + n0, bs = ldb, js = 1;
                for (size_t j = 0; j < nc; j += NR)
                    for (size_t ib = 0; ib < mc; ib += MR)
                        gemm_ukernel_mr(mc - ib < MR ? mc - ib : MR, nc - j < NR ? nc - j : NR,
                                        kc, Ap + ib * KC, Bs + j * js, bs, NULL,
                                        C + (i0 + ib) * ldc + n0 + j, ldc, load_c, NULL);
            }
        }
    }
}

void rnn_k_gemm__avx2(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (K == 0) {
        if (!load_c0)
            for (size_t i = 0; i < M; i++)
                memset(C + i * ldc, 0, N * sizeof *C);
        return;
    }
    /* Rows of B a multiple of 4 KiB apart put a slice in one L1 set. */
    run_blocks(trans_b || ldb % 1024 == 0, trans_a, trans_b, M, N, K, A, lda, B, ldb, load_c0, C,
               ldc);
}
