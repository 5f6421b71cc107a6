/* activations_avx2.h — exp, tanh and sigmoid on 8 floats: lane by lane the
 * algorithm, constants and fused multiply-adds of generic/activations_scalar.h
 * (the explicit _mm256_fmadd_ps is fmaf, _mm256_div_ps is IEEE division, and
 * every product feeds an FMA or a plain multiply, never an add that the
 * compiler could contract), so each lane has exactly the scalar function's
 * bits: the ULP bounds stated there hold here, and special values agree with
 * every other table. Also the tail masks the avx2 kernels share. Static
 * inline: for the avx2 kernel files only. */
#ifndef RNNSIMD_ACTIVATIONS_AVX2_H
#define RNNSIMD_ACTIVATIONS_AVX2_H

#include <immintrin.h>
#include "generic/activations_scalar.h"

/* NaN lanes of x give x + x (a quiet NaN, as the scalar code returns). */
static inline __m256 keep_nan_avx2(__m256 x, __m256 y)
{
    return _mm256_blendv_ps(y, _mm256_add_ps(x, x), _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

static inline __m256 exp_core_avx2(__m256 x)
{
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(RNN_EXP_LO)),
                              _mm256_set1_ps(RNN_EXP_HI));
    __m256 magic = _mm256_set1_ps(RNN_ROUND_MAGIC);
    __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(xc, _mm256_set1_ps(RNN_LOG2E), magic), magic);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-RNN_LN2_HI), xc);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-RNN_LN2_LO), r);
    __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(RNN_EXP_C6), r, _mm256_set1_ps(RNN_EXP_C5));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(RNN_EXP_C4));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(RNN_EXP_C3));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(RNN_EXP_C2));
    __m256 p = _mm256_add_ps(_mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    /* 2^n as two normal factors: n is in [-150, 128] after the clamp. */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

static inline __m256 exp_avx2(__m256 x)
{
    return keep_nan_avx2(x, exp_core_avx2(x));
}

static inline __m256 tanh_avx2(__m256 x)
{
    __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 small = _mm256_cmp_ps(a, _mm256_set1_ps(RNN_TANH_SMALL), _CMP_LT_OQ);
    __m256 s = _mm256_mul_ps(a, a);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(RNN_TANH_P5), s, _mm256_set1_ps(RNN_TANH_P4));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(RNN_TANH_P3));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(RNN_TANH_P2));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(RNN_TANH_P1));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(RNN_TANH_P0));
    __m256 y_small = _mm256_fmadd_ps(_mm256_mul_ps(a, s), p, a);
    __m256 ac = _mm256_min_ps(a, _mm256_set1_ps(RNN_TANH_CLAMP));
    __m256 e = exp_core_avx2(_mm256_add_ps(ac, ac));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 y_large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    __m256 y = _mm256_blendv_ps(y_large, y_small, small);
    /* y >= 0 (+0 at 0), so copysign is an or of x's sign bit. */
    return keep_nan_avx2(x, _mm256_or_ps(y, _mm256_and_ps(x, sign)));
}

static inline __m256 sigmoid_avx2(__m256 x)
{
    __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 e = exp_core_avx2(_mm256_or_ps(x, sign));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 d = _mm256_add_ps(one, e);
    __m256 dl = _mm256_sub_ps(e, _mm256_sub_ps(d, one));
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    __m256 num = _mm256_blendv_ps(one, e, neg);
    __m256 rcp = _mm256_div_ps(one, d);
    __m256 q = _mm256_mul_ps(num, rcp);
    __m256 res = _mm256_fnmadd_ps(q, dl, _mm256_fnmadd_ps(q, d, num));
    return keep_nan_avx2(x, _mm256_fmadd_ps(res, rcp, q));
}

/* Lane mask of the first n (< 8) lanes, for maskload/maskstore tails: masked
 * lanes are neither read nor written. */
static inline __m256i lanes_avx2(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#endif
