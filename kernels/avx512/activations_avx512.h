/* activations_avx512.h — exp, tanh and sigmoid on 16 floats: lane by lane the
 * algorithm, constants and fused multiply-adds of generic/activations_scalar.h
 * (the explicit _mm512_fmadd_ps is fmaf, _mm512_div_ps is IEEE division, and
 * every product feeds an FMA or a plain multiply, never an add that the
 * compiler could contract), so each lane has exactly the scalar function's
 * bits: the ULP bounds stated there hold here, and special values agree with
 * every other table. Static inline: for the avx512 kernel files only. */
#ifndef RNNSIMD_ACTIVATIONS_AVX512_H
#define RNNSIMD_ACTIVATIONS_AVX512_H

#include <immintrin.h>
#include "generic/activations_scalar.h"

/* NaN lanes of x give x + x (a quiet NaN, as the scalar code returns). */
static inline __m512 keep_nan_avx512(__m512 x, __m512 y)
{
    __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_add_ps(y, nan, x, x);
}

static inline __m512 exp_core_avx512(__m512 x)
{
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(RNN_EXP_LO)),
                              _mm512_set1_ps(RNN_EXP_HI));
    __m512 magic = _mm512_set1_ps(RNN_ROUND_MAGIC);
    __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(RNN_LOG2E), magic), magic);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-RNN_LN2_HI), xc);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-RNN_LN2_LO), r);
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(RNN_EXP_C6), r, _mm512_set1_ps(RNN_EXP_C5));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(RNN_EXP_C4));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(RNN_EXP_C3));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(RNN_EXP_C2));
    __m512 p = _mm512_add_ps(_mm512_fmadd_ps(q, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    /* p * 2^n rounded once: the scalar code's two normal factors (p * 2^(n>>1)
     * is exact, only the second multiply rounds) give the same bits, denormal
     * and overflowing results included. One instruction for nine: exp went
     * from 13.9 to 10.3 cycles a vector on Zen 4. */
    return _mm512_scalef_ps(p, n);
}

static inline __m512 exp_avx512(__m512 x)
{
    return keep_nan_avx512(x, exp_core_avx512(x));
}

static inline __m512 tanh_avx512(__m512 x)
{
    __m512 sign = _mm512_set1_ps(-0.0f);
    __m512 a = _mm512_andnot_ps(sign, x);
    __mmask16 small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(RNN_TANH_SMALL), _CMP_LT_OQ);
    __m512 s = _mm512_mul_ps(a, a);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(RNN_TANH_P5), s, _mm512_set1_ps(RNN_TANH_P4));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(RNN_TANH_P3));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(RNN_TANH_P2));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(RNN_TANH_P1));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(RNN_TANH_P0));
    __m512 y_small = _mm512_fmadd_ps(_mm512_mul_ps(a, s), p, a);
    __m512 ac = _mm512_min_ps(a, _mm512_set1_ps(RNN_TANH_CLAMP));
    __m512 e = exp_core_avx512(_mm512_add_ps(ac, ac));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 y_large = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
    __m512 y = _mm512_mask_blend_ps(small, y_large, y_small);
    /* y >= 0 (+0 at 0), so copysign is an or of x's sign bit. */
    return keep_nan_avx512(x, _mm512_or_ps(y, _mm512_and_ps(x, sign)));
}

static inline __m512 sigmoid_avx512(__m512 x)
{
    __m512 sign = _mm512_set1_ps(-0.0f);
    __m512 e = exp_core_avx512(_mm512_or_ps(x, sign));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 d = _mm512_add_ps(one, e);
    __m512 dl = _mm512_sub_ps(e, _mm512_sub_ps(d, one));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 num = _mm512_mask_blend_ps(neg, one, e);
    __m512 rcp = _mm512_div_ps(one, d);
    __m512 q = _mm512_mul_ps(num, rcp);
    __m512 res = _mm512_fnmadd_ps(q, dl, _mm512_fnmadd_ps(q, d, num));
    return keep_nan_avx512(x, _mm512_fmadd_ps(res, rcp, q));
}

/* The mask of the first n (<= 16) lanes. */
static inline __mmask16 lanes_avx512(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
}

#endif
