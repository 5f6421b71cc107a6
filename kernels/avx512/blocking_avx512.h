/* blocking_avx512.h — the avx512 packed product's panel width, K block and
 * masks, shared by gemm_avx512.c and gemv_avx512.c: the fused step's
 * ride must split K exactly as the hoisted projection does, or its sums
 * would round differently. */
#ifndef RNNSIMD_BLOCKING_AVX512_H
#define RNNSIMD_BLOCKING_AVX512_H

#include <stddef.h>
#include <immintrin.h>

#define NR 32
#define KC 512 /* a micro-block of A in L1: MR x KC floats, 24 KiB */

static inline __mmask16 lanes(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
}

/* Even split of n into parts of at most max: the part count, so that parts
 * [i*n/cnt, (i+1)*n/cnt) differ by at most one (a 300-deep K is 150 + 150,
 * not 256 + 44). */
static inline size_t parts(size_t n, size_t max)
{
    return (n + max - 1) / max;
}

#endif
