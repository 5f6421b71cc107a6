/* gemm_bf16_ukernel_avx512.h — the avx512 table's bf16 micro-kernel: an
 * MR x 32 tile of C on vdpbf16ps, shared by the packed product
 * (gemm_bf16_avx512.c) and the weight gradients (gemm_bf16_grad_avx512.c).
 * gemm_bf16_avx512.c's header states its loop, its bits and why.
 *
 * Only code with the avx512bf16 target attribute may execute vdpbf16ps. */
#ifndef RNNSIMD_GEMM_BF16_UKERNEL_AVX512_H
#define RNNSIMD_GEMM_BF16_UKERNEL_AVX512_H

#include <immintrin.h>
#include "avx512.h"
#include "blocking_avx512.h"
#include "tile_avx512.h"

#define BF16_TARGET __attribute__((target("avx512bf16")))

#define MR 12 /* rows of a micro-block: 24 accumulators, 24 chains */

/* What a micro-kernel prefetches while it runs, one line from each stream per
 * pair step: pf0 + j*stride for j < n0, pf1 + j*stride for j < n1. */
typedef struct {
    const rnn_bf16x2 *pf0, *pf1;
    size_t stride, n0, n1;
} prefetch_share;

/* C[mr x 32] (masks m0, m1 for the two halves) = the chains
 * acc = lane(acc, Bp[j*NR + c], Ap[j*mr + i]) over j = 0..kc2-1, each from
 * its initial value: C + bias, C, bias or +0 (load_c, bias given or not). */
static inline __attribute__((always_inline)) BF16_TARGET void
ukernel(const int mr, size_t kc2, const rnn_bf16x2 *Ap, const rnn_bf16x2 *Bp, prefetch_share pf,
        float *C, size_t ldc, int load_c, const float *bias, __mmask16 m0, __mmask16 m1)
{
    __m512 acc0[MR], acc1[MR];
    tile_start(mr, C, ldc, load_c, bias, m0, m1, acc0, acc1);
    for (size_t j = 0; j < kc2; j++, Ap += mr, Bp += NR) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(Bp);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(Bp + 16);
        if (j < pf.n0)
            _mm_prefetch((const char *)(pf.pf0 + j * pf.stride), _MM_HINT_T0);
        if (j < pf.n1)
            _mm_prefetch((const char *)(pf.pf1 + j * pf.stride), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            const __m512bh a = (__m512bh)_mm512_set1_epi32((int)Ap[i]);
            acc0[i] = _mm512_dpbf16_ps(acc0[i], b0, a); /* W is src1 */
            acc1[i] = _mm512_dpbf16_ps(acc1[i], b1, a);
        }
    }
    /* The rows' addresses anew: shared with the loads or prefetches above,
     * the compiler would keep all 2*MR of them live through the loop, and
     * the loop's own pointers and counter would spill to the stack. */
    __asm__("" : "+r"(C), "+r"(ldc));
    tile_store(mr, C, ldc, m0, m1, acc0, acc1);
}

/* The micro-kernel with mr a compile-time constant. */
static BF16_TARGET void ukernel_mr(int mr, size_t kc2, const rnn_bf16x2 *Ap,
                                   const rnn_bf16x2 *Bp, prefetch_share pf, float *C, size_t ldc,
                                   int load_c, const float *bias, __mmask16 m0, __mmask16 m1)
{
#define UK(r) ukernel(r, kc2, Ap, Bp, pf, C, ldc, load_c, bias, m0, m1); break
    switch (mr) {
        TILE_MR_CASES(UK);
    }
#undef UK
}

#endif
