/* gemm_avx512.c — GEMM and the packed C = A W^T + bias of the avx512 table.
 *
 * One register-blocked micro-kernel: MR (<= 12) rows of A broadcast from
 * memory times one 32-column slice of B held in two zmm, 24 accumulators;
 * per k step 2 B loads and MR broadcasts feed 2*MR FMAs. Column tails use
 * lane masks on every B load and C access, so nothing outside the extents is
 * touched. A is copied K-major in MC x KC blocks (on the stack: kernels do
 * not allocate), so broadcasts come from one pointer and trans_a is free. B
 * comes from packed panels (pack_nt below), straight from a row-major K x N
 * matrix, or, for trans_b, from a KC x 32 slice gathered on the stack.
 * In the packed product a whole batch (up to 64 rows) is one A block, split
 * evenly into micro-kernel blocks, so each weight is loaded from beyond L2
 * once per product, and the next panel is prefetched while one is in use.
 *
 * Batch 1 (M = 1) is the GEMV regime: a separate loop streams the packed
 * weights once, front to back, with eight independent accumulators so the
 * FMA latency is hidden and the loads run at cache bandwidth. */
#include <string.h>
#include <immintrin.h>
#include "avx512.h"

#define NR 32
#define MR 12
#define KC 256
#define MC 36 /* 3 blocks of MR rows */
#define NC 512 /* a KC x NC slice of packed weights is 512 KiB: half of L2 */
#define MC_SMALL 64 /* up to this many rows (a batch) are packed as one block */

size_t packed_size_avx512(size_t N, size_t K)
{
    return (N + NR - 1) / NR * NR * K;
}

void pack_nt_avx512(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    for (size_t p0 = 0; p0 < N; p0 += NR) {
        size_t w = N - p0 < NR ? N - p0 : NR;
        float *dst = packed + p0 * K;
        for (size_t k = 0; k < K; k++) {
            size_t c = 0;
            for (; c < w; c++)
                dst[k * NR + c] = W[(p0 + c) * ldw + k];
            for (; c < NR; c++)
                dst[k * NR + c] = 0.0f;
        }
    }
}

static inline __mmask16 lanes(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
}

/* Copies mr (<= MR) rows of A, kc deep, K-major: Ap[k*MR + i] = A(i, k) with
 * A(i, k) = A[i*ars + k*aks], so the micro-kernel broadcasts from one pointer
 * (and a transposed A costs nothing extra). */
static void pack_a(int mr, size_t kc, const float *A, size_t ars, size_t aks, float *Ap)
{
    for (size_t k = 0; k < kc; k++)
        for (int i = 0; i < mr; i++)
            Ap[k * MR + (size_t)i] = A[(size_t)i * ars + k * aks];
}

/* C[mr x 32] (masks m0, m1 for the two halves) = (load_c ? C : 0) + bias +
 * sum_k Ap[k*MR + i] B(k, :), B(k, :) at Bp + k*bs. pf, when not NULL, is
 * prefetched NR floats per k step: the weight slice the next call reads. */
static inline __attribute__((always_inline)) void
ukernel(const int mr, size_t kc, const float *Ap, const float *Bp, size_t bs, const float *pf,
        float *C, size_t ldc, int load_c, const float *bias, __mmask16 m0, __mmask16 m1)
{
    __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
        acc0[i] = acc1[i] = _mm512_setzero_ps();
    for (size_t k = 0; k < kc; k++, Ap += MR, Bp += bs) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, Bp);
        __m512 b1 = _mm512_maskz_loadu_ps(m1, Bp + 16);
        if (pf) {
            _mm_prefetch((const char *)(pf + k * NR), _MM_HINT_T0);
            _mm_prefetch((const char *)(pf + k * NR + 16), _MM_HINT_T0);
        }
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            __m512 a = _mm512_set1_ps(Ap[i]);
            acc0[i] = _mm512_fmadd_ps(a, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(a, b1, acc1[i]);
        }
    }
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        __m512 v0 = _mm512_add_ps(acc0[i], bias0), v1 = _mm512_add_ps(acc1[i], bias1);
        if (load_c) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, c));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, c + 16));
        }
        _mm512_mask_storeu_ps(c, m0, v0);
        _mm512_mask_storeu_ps(c + 16, m1, v1);
    }
}

/* The micro-kernel with mr a compile-time constant. */
static void ukernel_mr(int mr, size_t kc, const float *Ap, const float *Bp, size_t bs,
                       const float *pf, float *C, size_t ldc, int load_c, const float *bias,
                       __mmask16 m0, __mmask16 m1)
{
#define UK(r) ukernel(r, kc, Ap, Bp, bs, pf, C, ldc, load_c, bias, m0, m1); break
    switch (mr) {
    case 1: UK(1);
    case 2: UK(2);
    case 3: UK(3);
    case 4: UK(4);
    case 5: UK(5);
    case 6: UK(6);
    case 7: UK(7);
    case 8: UK(8);
    case 9: UK(9);
    case 10: UK(10);
    case 11: UK(11);
    default: UK(12);
    }
#undef UK
}

/* Packs rows [i0, i0 + mc) of op(A), columns [k0, k0 + kc), into MR-row blocks
 * of Ap (block b at Ap + b*MR*KC). */
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

/* C (1 x N) = load_c ? C : 0 + bias + a W^T, streaming the packed panels. */
static void gemv_packed(size_t N, size_t K, const float *a, const float *packed,
                        const float *bias, int load_c, float *C)
{
    for (size_t p0 = 0; p0 < N; p0 += NR) {
        const float *w = packed + p0 * K;
        __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
        __m512 s[8];
        for (int i = 0; i < 8; i++)
            s[i] = _mm512_setzero_ps();
        size_t k = 0;
        for (; k + 4 <= K; k += 4, w += 4 * NR) {
            __m512 a0 = _mm512_set1_ps(a[k]), a1 = _mm512_set1_ps(a[k + 1]);
            __m512 a2 = _mm512_set1_ps(a[k + 2]), a3 = _mm512_set1_ps(a[k + 3]);
            s[0] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w), s[0]);
            s[1] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w + 16), s[1]);
            s[2] = _mm512_fmadd_ps(a1, _mm512_loadu_ps(w + 32), s[2]);
            s[3] = _mm512_fmadd_ps(a1, _mm512_loadu_ps(w + 48), s[3]);
            s[4] = _mm512_fmadd_ps(a2, _mm512_loadu_ps(w + 64), s[4]);
            s[5] = _mm512_fmadd_ps(a2, _mm512_loadu_ps(w + 80), s[5]);
            s[6] = _mm512_fmadd_ps(a3, _mm512_loadu_ps(w + 96), s[6]);
            s[7] = _mm512_fmadd_ps(a3, _mm512_loadu_ps(w + 112), s[7]);
        }
        for (; k < K; k++, w += NR) {
            __m512 a0 = _mm512_set1_ps(a[k]);
            s[0] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w), s[0]);
            s[1] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w + 16), s[1]);
        }
        __m512 v0 = _mm512_add_ps(_mm512_add_ps(s[0], s[2]), _mm512_add_ps(s[4], s[6]));
        __m512 v1 = _mm512_add_ps(_mm512_add_ps(s[1], s[3]), _mm512_add_ps(s[5], s[7]));
        if (bias) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, bias + p0));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, bias + p0 + 16));
        }
        if (load_c) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, C + p0));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, C + p0 + 16));
        }
        _mm512_mask_storeu_ps(C + p0, m0, v0);
        _mm512_mask_storeu_ps(C + p0 + 16, m1, v1);
    }
}

void gemm_packed_nt_avx512(size_t M, size_t N, size_t K, const float *A, size_t lda,
                           const float *packed, const float *bias, float beta, float *C,
                           size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (M == 1) {
        gemv_packed(N, K, A, packed, bias, load_c0, C);
        return;
    }
    if (K == 0) {
        for (size_t i = 0; i < M; i++)
            gemv_packed(N, 0, NULL, packed, bias, load_c0, C + i * ldc);
        return;
    }
    /* Blocks of up to MC_SMALL rows (all of them at batch sizes: the rows
     * of one block share every weight they load) x KC depth of A are packed
     * K-major (on the stack: kernels do not allocate) and stay in L1/L2,
     * split evenly into micro-kernel blocks (16 = 8 + 8, not 12 + 4), while
     * the KC x NC slice of the weights of one column chunk streams past every
     * block; the first block of each panel prefetches the next panel's
     * slice. Packing also keeps the broadcasts off A's rows, whose stride
     * (a power of two at the usual H) would alias in L1. */
    /* blocks sit MR rows apart: room for ceil(MC_SMALL / MR) of them */
    float Ap[(MC_SMALL + MR - 1) / MR * MR * KC] __attribute__((aligned(64)));
    const size_t mcmax = M <= MC_SMALL ? M : MC;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int first = k0 == 0;
        for (size_t j0 = 0; j0 < N; j0 += NC) {
            size_t j1 = N - j0 < NC ? N : j0 + NC;
            for (size_t i0 = 0; i0 < M; i0 += mcmax) {
                size_t mc = M - i0 < mcmax ? M - i0 : mcmax;
                size_t nb = (mc + MR - 1) / MR;
                for (size_t b = 0; b < nb; b++) {
                    size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                    pack_a((int)(r1 - r0), kc, A + (i0 + r0) * lda + k0, lda, 1,
                           Ap + b * MR * KC);
                }
                for (size_t p0 = j0; p0 < j1; p0 += NR) {
                    __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                    const float *Bp = packed + p0 * K + k0 * NR;
                    const float *pf = p0 + NR < j1 ? Bp + NR * K : NULL;
                    for (size_t b = 0; b < nb; b++) {
                        size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                        ukernel_mr((int)(r1 - r0), kc, Ap + b * MR * KC, Bp, NR,
                                   b == 0 ? pf : NULL, C + (i0 + r0) * ldc + p0, ldc,
                                   first ? load_c0 : 1, first && bias ? bias + p0 : NULL, m0,
                                   m1);
                    }
                }
            }
        }
    }
}

void gemm_avx512(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
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
                __mmask16 m0 = lanes(w), m1 = w > 16 ? lanes(w - 16) : 0;
                const float *Bp;
                size_t bs;
                if (trans_b) {
                    /* op(B)(k, j) = B[j*ldb + k]: gather the slice K-major. */
                    for (size_t c = 0; c < w; c++)
                        for (size_t k = 0; k < kc; k++)
                            Bs[k * NR + c] = B[(j0 + c) * ldb + k0 + k];
                    Bp = Bs, bs = NR;
                } else {
                    Bp = B + k0 * ldb + j0, bs = ldb;
                }
                for (size_t ib = 0; ib < mc; ib += MR)
                    ukernel_mr((int)(mc - ib < MR ? mc - ib : MR), kc, Ap + ib * KC, Bp, bs,
                               NULL, C + (i0 + ib) * ldc + j0, ldc, load_c, NULL, m0, m1);
            }
        }
    }
}
