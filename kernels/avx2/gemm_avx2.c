/* gemm_avx2.c — the avx2 table's general GEMM, C = beta*C + op(A) op(B).
 *
 * Training's weight gradients are its big users (trans_a: dW = dG^T X, K =
 * T*B rows of dG and X). op(A) is packed in MC x KC blocks of 6-row
 * micro-panels (gemm_ukernel_avx2.h), once per product; each block then
 * meets every 16-column slice of B. (The even split of gemm_packed_avx2.c
 * buys nothing at M = G*H rows, and its block bookkeeping costs time here.)
 * A row-major B is read in
 * place: its KC rows sit ldb floats apart (a power of two at the usual H,
 * so they alias in L1), but one 64-byte row per 6-cycle k step is well
 * within what L2 delivers, and packing B into panels gains nothing
 * measurable while it needs a 256 KiB stack buffer to avoid repacking A per
 * column chunk (docs/performance.md, "GEMM blocking"). A transposed B is gathered one KC x 16
 * slice at a time. Buffers live on the stack (52 KiB): kernels do not
 * allocate.
 *
 * Every output is one FMA chain over k ascending from beta ? C : +0
 * (docs/design.md §9.2): the KC blocks run in ascending k, the first
 * starting its accumulators from that value, each later one from the C the
 * previous block stored. */
#include <string.h>
#include "avx2.h"
#include "gemm_ukernel_avx2.h"

#define NR GEMM_NR
#define MR GEMM_MR
#define KC 256
#define MC 36

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

/* Packs op(B) = B^T (op(B)(k, j) = B[j*ldb + k]), rows [0, kc), columns
 * [0, w), as one K-major 16-column slice, zero-padded past w. */
static void gather_bt(size_t kc, size_t w, const float *B, size_t ldb, float *Bs)
{
    for (size_t c = 0; c < NR; c++) {
        const float *src = B + c * ldb;
        if (c < w)
            for (size_t k = 0; k < kc; k++)
                Bs[k * NR + c] = src[k];
        else
            for (size_t k = 0; k < kc; k++)
                Bs[k * NR + c] = 0.0f;
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
    float Ap[MC * KC] __attribute__((aligned(64)));
    float Bs[KC * NR] __attribute__((aligned(64)));
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int load_c = k0 == 0 ? load_c0 : 1;
        for (size_t i0 = 0; i0 < M; i0 += MC) {
            size_t mc = M - i0 < MC ? M - i0 : MC;
            pack_a_block(trans_a, i0, mc, k0, kc, A, lda, Ap);
            for (size_t j0 = 0; j0 < N; j0 += NR) {
                size_t w = N - j0 < NR ? N - j0 : NR;
                const float *Bp = B + k0 * ldb + j0;
                size_t bs = ldb;
                if (trans_b) {
                    gather_bt(kc, w, B + j0 * ldb + k0, ldb, Bs);
                    Bp = Bs, bs = NR;
                }
                for (size_t ib = 0; ib < mc; ib += MR)
                    gemm_ukernel_mr(mc - ib < MR ? mc - ib : MR, w, kc, Ap + ib * KC, Bp, bs,
                                    NULL, C + (i0 + ib) * ldc + j0, ldc, load_c, NULL);
            }
        }
    }
}
