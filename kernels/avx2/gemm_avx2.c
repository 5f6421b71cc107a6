/* gemm_avx2.c — GEMM and the packed C = A W^T + bias of the avx2 table.
 *
 * One register-blocked micro-kernel: MR (<= 6) rows of A broadcast times one
 * 16-column slice of B held in two ymm, 12 accumulators; per k step 2 B loads
 * and MR broadcasts feed 2*MR FMAs. Full 16-column slices use plain loads and
 * stores; the last partial slice uses maskload/maskstore on B and C, so
 * nothing outside the extents is touched. A is copied K-major in MC x KC
 * blocks (on the stack: kernels do not allocate), so broadcasts come from one
 * pointer and trans_a is free. B comes from packed panels (pack_nt below),
 * straight from a row-major K x N matrix, or, for trans_b, from a KC x 16
 * slice gathered on the stack.
 *
 * Batch 1 (M = 1) is the GEMV regime: a separate loop streams the packed
 * weights once, front to back, with eight independent accumulators so the
 * FMA latency is hidden and the loads run at cache bandwidth. */
#include <string.h>
#include <immintrin.h>
#include "activations_avx2.h"
#include "avx2.h"

#define NR 16
#define MR 6
#define KC 256
#define MC 36 /* 6 blocks of MR rows */

size_t packed_size_avx2(size_t N, size_t K)
{
    return (N + NR - 1) / NR * NR * K;
}

void pack_nt_avx2(size_t N, size_t K, const float *W, size_t ldw, float *packed)
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

/* Copies mr (<= MR) rows of A, kc deep, K-major: Ap[k*MR + i] = A(i, k) with
 * A(i, k) = A[i*ars + k*aks]. */
static void pack_a(int mr, size_t kc, const float *A, size_t ars, size_t aks, float *Ap)
{
    for (size_t k = 0; k < kc; k++)
        for (int i = 0; i < mr; i++)
            Ap[k * MR + (size_t)i] = A[(size_t)i * ars + k * aks];
}

static inline __m256 load8(const int full, const float *p, __m256i m)
{
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

static inline void store8(const int full, float *p, __m256i m, __m256 v)
{
    if (full)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, m, v);
}

/* C[mr x 16] = (load_c ? C : 0) + bias + sum_k Ap[k*MR + i] B(k, :), B(k, :)
 * at Bp + k*bs; full says all 16 columns exist, else m0/m1 mask the halves. */
static inline __attribute__((always_inline)) void
ukernel(const int mr, const int full, size_t kc, const float *Ap, const float *Bp, size_t bs,
        float *C, size_t ldc, int load_c, const float *bias, __m256i m0, __m256i m1)
{
    __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++)
        acc0[i] = acc1[i] = _mm256_setzero_ps();
    for (size_t k = 0; k < kc; k++, Ap += MR, Bp += bs) {
        __m256 b0 = load8(full, Bp, m0);
        __m256 b1 = load8(full, Bp + 8, m1);
#pragma GCC unroll 6
        for (int i = 0; i < mr; i++) {
            __m256 a = _mm256_broadcast_ss(Ap + i);
            acc0[i] = _mm256_fmadd_ps(a, b0, acc0[i]);
            acc1[i] = _mm256_fmadd_ps(a, b1, acc1[i]);
        }
    }
    __m256 bias0 = bias ? load8(full, bias, m0) : _mm256_setzero_ps();
    __m256 bias1 = bias ? load8(full, bias + 8, m1) : _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        __m256 v0 = _mm256_add_ps(acc0[i], bias0), v1 = _mm256_add_ps(acc1[i], bias1);
        if (load_c) {
            v0 = _mm256_add_ps(v0, load8(full, c, m0));
            v1 = _mm256_add_ps(v1, load8(full, c + 8, m1));
        }
        store8(full, c, m0, v0);
        store8(full, c + 8, m1, v1);
    }
}

/* The micro-kernel with mr and full compile-time constants; w columns (<= 16). */
static void ukernel_mr(int mr, size_t w, size_t kc, const float *Ap, const float *Bp, size_t bs,
                       float *C, size_t ldc, int load_c, const float *bias)
{
    __m256i m0 = lanes_avx2(w), m1 = lanes_avx2(w > 8 ? w - 8 : 0);
#define UK(r)                                                                  \
    if (w == NR)                                                               \
        ukernel(r, 1, kc, Ap, Bp, bs, C, ldc, load_c, bias, m0, m1);           \
    else                                                                       \
        ukernel(r, 0, kc, Ap, Bp, bs, C, ldc, load_c, bias, m0, m1);           \
    break
    switch (mr) {
    case 1: UK(1);
    case 2: UK(2);
    case 3: UK(3);
    case 4: UK(4);
    case 5: UK(5);
    default: UK(6);
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
                v[h] = _mm256_add_ps(v[h], full ? _mm256_loadu_ps(bias + c0) : _mm256_maskload_ps(bias + c0, m));
            if (load_c)
                v[h] = _mm256_add_ps(v[h], full ? _mm256_loadu_ps(C + c0) : _mm256_maskload_ps(C + c0, m));
            if (full)
                _mm256_storeu_ps(C + c0, v[h]);
            else
                _mm256_maskstore_ps(C + c0, m, v[h]);
        }
    }
}

void gemm_packed_nt_avx2(size_t M, size_t N, size_t K, const float *A, size_t lda,
                         const float *packed, const float *bias, float beta, float *C,
                         size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (M == 1 || K == 0) {
        for (size_t i = 0; i < M; i++)
            gemv_packed(N, K, A + i * lda, packed, bias, load_c0, C + i * ldc);
        return;
    }
    /* Blocks of MC rows x KC depth of A stay in L1/L2 while every weight
     * panel's KC x 16 slice streams past them. */
    float Ap[MC * KC] __attribute__((aligned(32)));
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int first = k0 == 0;
        for (size_t i0 = 0; i0 < M; i0 += MC) {
            size_t mc = M - i0 < MC ? M - i0 : MC;
            pack_a_block(0, i0, mc, k0, kc, A, lda, Ap);
            for (size_t p0 = 0; p0 < N; p0 += NR) {
                size_t w = N - p0 < NR ? N - p0 : NR;
                const float *Bp = packed + p0 * K + k0 * NR;
                for (size_t ib = 0; ib < mc; ib += MR)
                    ukernel_mr((int)(mc - ib < MR ? mc - ib : MR), w, kc, Ap + ib * KC, Bp, NR,
                               C + (i0 + ib) * ldc + p0, ldc, first ? load_c0 : 1,
                               first && bias ? bias + p0 : NULL);
            }
        }
    }
}

void gemm_avx2(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
               size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (K == 0) {
        if (!load_c0)
            for (size_t i = 0; i < M; i++)
                memset(C + i * ldc, 0, N * sizeof *C);
        return;
    }
    float Ap[MC * KC] __attribute__((aligned(32)));
    float Bs[KC * NR] __attribute__((aligned(32)));
    for (size_t k0 = 0; k0 < K; k0 += KC) {
        size_t kc = K - k0 < KC ? K - k0 : KC;
        int load_c = k0 == 0 ? load_c0 : 1;
        for (size_t i0 = 0; i0 < M; i0 += MC) {
            size_t mc = M - i0 < MC ? M - i0 : MC;
            pack_a_block(trans_a, i0, mc, k0, kc, A, lda, Ap);
            for (size_t j0 = 0; j0 < N; j0 += NR) {
                size_t w = N - j0 < NR ? N - j0 : NR;
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
                    ukernel_mr((int)(mc - ib < MR ? mc - ib : MR), w, kc, Ap + ib * KC, Bp, bs,
                               C + (i0 + ib) * ldc + j0, ldc, load_c, NULL);
            }
        }
    }
}
