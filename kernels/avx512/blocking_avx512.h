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

/* The initial value of 16 columns: C + bias, C, bias or +0. */
static inline __attribute__((always_inline)) __m512
init_value(__mmask16 m, const float *bias, int load_c, const float *c)
{
    const __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias) : _mm512_setzero_ps();
    if (!load_c)
        return b;
    const __m512 v = _mm512_maskz_loadu_ps(m, c);
    return bias ? _mm512_add_ps(v, b) : v;
}

/* The start of a GEMV over panels [p, p + g) of 32 columns (g <= 4): the
 * lane masks of the 2g vectors of columns and their initial values. */
static inline __attribute__((always_inline)) void
panels_start(const int g, size_t p, size_t N, const float *bias, int load_c, const float *C,
             __m512 *s, __mmask16 *m)
{
#pragma GCC unroll 8
    for (int j = 0; j < 2 * g; j++) {
        const size_t col = p * NR + (size_t)j * 16;
        m[j] = col < N ? lanes(N - col) : 0;
        s[j] = init_value(m[j], bias ? bias + col : NULL, load_c, C + col);
    }
}

/* Even split of n into parts of at most max: the part count, so that parts
 * [i*n/cnt, (i+1)*n/cnt) differ by at most one (a 300-deep K is 150 + 150,
 * not 256 + 44). */
static inline size_t parts(size_t n, size_t max)
{
    return (n + max - 1) / max;
}

#endif
