/* gemm_ukernel_avx2.h — the register-blocked micro-kernel of the avx2 table's
 * two GEMMs (gemm_avx2.c, gemm_packed_avx2.c) and the packed product's even
 * split of a batch into micro-kernel blocks.
 *
 * MR (<= 6) rows of A broadcast times one 16-column slice of B held in two
 * ymm: 12 accumulators + 2 B registers + 1 broadcast fill 15 of the 16 ymm;
 * per k step 2 B loads and MR broadcasts feed 2*MR FMAs. A partial 16-column
 * slice masks its B loads and C accesses (maskload/maskstore), so nothing
 * outside the extents is touched. A is packed K-major in blocks of at
 * most MR rows, so the broadcasts walk one pointer whatever A's layout.
 * Each accumulator lane is one output's FMA chain over k ascending, started
 * from the output's initial value (docs/design.md §9.2). */
#ifndef RNNSIMD_GEMM_UKERNEL_AVX2_H
#define RNNSIMD_GEMM_UKERNEL_AVX2_H

#include <stddef.h>
#include <immintrin.h>
#include "vec_avx2.h"

#define GEMM_NR 16
#define GEMM_MR 6
/* The next weight panel goes to L2, not L1: into L1 it evicts the A block
 * the current panel still needs. */
#define GEMM_PF_HINT _MM_HINT_T1

/* m rows in ceil(m / MR) blocks as even as possible (16 = 6 + 5 + 5, not
 * 6 + 6 + 4): a short block runs its k loop as long as a full one for fewer
 * FMAs. Block b covers rows [gemm_row0(b, m), gemm_row0(b + 1, m)). */
static inline size_t gemm_nblocks(size_t m) { return (m + GEMM_MR - 1) / GEMM_MR; }
static inline size_t gemm_row0(size_t b, size_t m) { return b * m / gemm_nblocks(m); }

/* Packs A rows [0, mc), kc deep, into the blocks above: block b at
 * Ap + b*MR*kc holds Ap[k*MR + i] = A(r0 + i, k), with A(i, k) =
 * A[i*ars + k*aks]. */
static inline void gemm_pack_a(size_t mc, size_t kc, const float *A, size_t ars, size_t aks,
                               float *Ap)
{
    const size_t nb = gemm_nblocks(mc);
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = gemm_row0(b, mc), mr = gemm_row0(b + 1, mc) - r0;
        const float *src = A + r0 * ars;
        float *dst = Ap + b * GEMM_MR * kc;
        for (size_t k = 0; k < kc; k++)
            for (size_t i = 0; i < mr; i++)
                dst[k * GEMM_MR + i] = src[i * ars + k * aks];
    }
}

static inline __m256 gemm_load8(const int full, const float *p, __m256i m)
{
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

static inline void gemm_store8(const int full, float *p, __m256i m, __m256 v)
{
    if (full)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, m, v);
}

/* C[mr x 16] = one FMA chain per output over k = 0 .. kc-1 in ascending
 * order, acc = fma(Ap[k*MR + i], B(k, j), acc), B(k, :) at Bp + k*bs, from
 * the initial value load_c ? (bias ? C + bias : C) : (bias ? bias : +0)
 * (docs/design.md §9.2): the accumulators start from C and the bias, never
 * add them after the chain, so a K block continues the chain the previous
 * block stored. full says all 16 columns exist, else m0/m1 mask the halves
 * of B, bias and C. With use_pf, pf is prefetched 16 floats per k step: the
 * panel the next call reads (a compile-time switch: a test in the k loop
 * costs more than it saves when there is nothing to prefetch). */
static inline __attribute__((always_inline)) void
gemm_ukernel(const int mr, const int full, const int use_pf, size_t kc, const float *Ap,
             const float *Bp, size_t bs, const float *pf, float *C, size_t ldc, int load_c,
             const float *bias, __m256i m0, __m256i m1)
{
    __m256 acc0[GEMM_MR], acc1[GEMM_MR];
    __m256 bias0 = bias ? gemm_load8(full, bias, m0) : _mm256_setzero_ps();
    __m256 bias1 = bias ? gemm_load8(full, bias + 8, m1) : _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
        const float *c = C + (size_t)i * ldc;
        if (load_c) {
            acc0[i] = gemm_load8(full, c, m0);
            acc1[i] = gemm_load8(full, c + 8, m1);
            if (bias) {
                acc0[i] = _mm256_add_ps(acc0[i], bias0);
                acc1[i] = _mm256_add_ps(acc1[i], bias1);
            }
        } else {
            acc0[i] = bias0;
            acc1[i] = bias1;
        }
    }
    for (size_t k = 0; k < kc; k++, Ap += GEMM_MR, Bp += bs) {
        __m256 b0 = gemm_load8(full, Bp, m0);
        __m256 b1 = gemm_load8(full, Bp + 8, m1);
        if (use_pf)
            _mm_prefetch((const char *)(pf + k * GEMM_NR), GEMM_PF_HINT);
#pragma GCC unroll 6
        for (int i = 0; i < mr; i++) {
            __m256 a = _mm256_broadcast_ss(Ap + i);
            acc0[i] = _mm256_fmadd_ps(a, b0, acc0[i]);
            acc1[i] = _mm256_fmadd_ps(a, b1, acc1[i]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        gemm_store8(full, c, m0, acc0[i]);
        gemm_store8(full, c + 8, m1, acc1[i]);
    }
}

/* The micro-kernel with mr, full and use_pf compile-time constants; w (<= 16)
 * columns; pf NULL: no prefetch. Not inlined: inlined into the drivers' loop
 * nests, the same kernels run slower on in-cache shapes. */
static __attribute__((noinline, unused)) void
gemm_ukernel_mr(size_t mr, size_t w, size_t kc, const float *Ap, const float *Bp, size_t bs,
                const float *pf, float *C, size_t ldc, int load_c, const float *bias)
{
    __m256i m0 = lanes_avx2(w), m1 = lanes_avx2(w > 8 ? w - 8 : 0);
#define GEMM_UK(r)                                                                       \
    if (w == GEMM_NR && pf)                                                              \
        gemm_ukernel(r, 1, 1, kc, Ap, Bp, bs, pf, C, ldc, load_c, bias, m0, m1);         \
    else if (w == GEMM_NR)                                                               \
        gemm_ukernel(r, 1, 0, kc, Ap, Bp, bs, pf, C, ldc, load_c, bias, m0, m1);         \
    else                                                                                 \
        gemm_ukernel(r, 0, 0, kc, Ap, Bp, bs, pf, C, ldc, load_c, bias, m0, m1);         \
    break
    switch (mr) {
    case 1: GEMM_UK(1);
    case 2: GEMM_UK(2);
    case 3: GEMM_UK(3);
    case 4: GEMM_UK(4);
    case 5: GEMM_UK(5);
    default: GEMM_UK(6);
    }
#undef GEMM_UK
}

#endif
