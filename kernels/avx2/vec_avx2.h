/* vec_avx2.h — the vector API of kernels/simd/ on AVX2 + FMA: 8 float lanes
 * in a __m256, a chunk's last lanes through maskload/maskstore (masked lanes
 * are neither read nor written). Every operation is one IEEE operation per
 * lane (the fused ones round once), so code written over this API has the
 * bits kernels/simd/ states. For the avx2 kernel files only. */
#ifndef RNNSIMD_VEC_AVX2_H
#define RNNSIMD_VEC_AVX2_H

#include <immintrin.h>
#include <stddef.h>

#define RNN_VLEN 8
#define RNN_K(entry) rnn_k_##entry##__avx2

typedef __m256 rnn_vf;
typedef __m256 rnn_vb; /* a comparison's lanes: all ones or all zeros */
/* The lanes a chunk covers: all, or the first few (mask). */
typedef struct {
    int all;
    __m256i m;
} rnn_vt;

static inline rnn_vt vt_all(void)
{
    return (rnn_vt){1, _mm256_setzero_si256()};
}

/* The mask of the first n (<= 8) lanes. */
static inline __m256i lanes_avx2(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline rnn_vt vt_first(size_t n)
{
    return (rnn_vt){0, lanes_avx2(n)};
}

/* Lanes past t read as 0. */
static inline rnn_vf vf_load(rnn_vt t, const float *p)
{
    return t.all ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, t.m);
}

/* Lanes past t read as fill. */
static inline rnn_vf vf_load_or(rnn_vt t, const float *p, rnn_vf fill)
{
    return t.all ? _mm256_loadu_ps(p)
                 : _mm256_blendv_ps(fill, _mm256_maskload_ps(p, t.m), _mm256_castsi256_ps(t.m));
}

static inline void vf_store(rnn_vt t, float *p, rnn_vf v)
{
    if (t.all)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, t.m, v);
}
/* A hint: the line holding p into L1 (never faults, changes no result).
 * Always inlined: GCC finds a function holding only a prefetch free of
 * effects, and drops the calls. */
static inline __attribute__((always_inline)) void vf_prefetch(const float *p)
{
    _mm_prefetch((const char *)p, _MM_HINT_T0);
}

/* Lanes past t set to 0. */
static inline rnn_vf vf_keep(rnn_vt t, rnn_vf v)
{
    return t.all ? v : _mm256_and_ps(v, _mm256_castsi256_ps(t.m));
}

static inline rnn_vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline rnn_vf vf_add(rnn_vf a, rnn_vf b) { return _mm256_add_ps(a, b); }
static inline rnn_vf vf_sub(rnn_vf a, rnn_vf b) { return _mm256_sub_ps(a, b); }
static inline rnn_vf vf_mul(rnn_vf a, rnn_vf b) { return _mm256_mul_ps(a, b); }
static inline rnn_vf vf_div(rnn_vf a, rnn_vf b) { return _mm256_div_ps(a, b); }
/* a < b ? a : b, and b where either is NaN. */
static inline rnn_vf vf_min(rnn_vf a, rnn_vf b) { return _mm256_min_ps(a, b); }
/* a > b ? a : b, and b where either is NaN. */
static inline rnn_vf vf_max(rnn_vf a, rnn_vf b) { return _mm256_max_ps(a, b); }
/* a*b + c and c - a*b, rounded once. */
static inline rnn_vf vf_fmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline rnn_vf vf_fnmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return _mm256_fnmadd_ps(a, b, c); }

static inline rnn_vf vf_abs(rnn_vf x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
static inline rnn_vf vf_neg_abs(rnn_vf x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }
/* y (>= +0) with the sign of x. */
static inline rnn_vf vf_sign_of(rnn_vf y, rnn_vf x)
{
    return _mm256_or_ps(y, _mm256_and_ps(x, _mm256_set1_ps(-0.0f)));
}

static inline rnn_vb vf_lt(rnn_vf a, rnn_vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline rnn_vb vf_isnan(rnn_vf x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
static inline rnn_vf vf_select(rnn_vb m, rnn_vf if_true, rnn_vf if_false)
{
    return _mm256_blendv_ps(if_false, if_true, m);
}

/* p * 2^n, n integral in [-150, 128]: two normal factors 2^(n>>1) and
 * 2^(n - (n>>1)), so only the second multiply rounds (denormal results
 * included) and n = 128 gives inf. */
static inline rnn_vf vf_scale2(rnn_vf p, rnn_vf n)
{
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

static inline float vf_hmax(rnn_vf v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* Sixteen partial sums in double, lane k of a 16-float chunk into sum k. */
typedef struct {
    __m256d s[4];
} rnn_vsum16;

static inline rnn_vsum16 vsum16_zero(void)
{
    rnn_vsum16 z = {{_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                     _mm256_setzero_pd()}};
    return z;
}

/* Adds v, the chunk's q-th vector (floats 8q .. 8q+7), to its sums. */
static inline void vsum16_add(rnn_vsum16 *a, size_t q, rnn_vf v)
{
    a->s[2 * q] = _mm256_add_pd(a->s[2 * q], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    a->s[2 * q + 1] = _mm256_add_pd(a->s[2 * q + 1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

static inline void vsum16_lanes(const rnn_vsum16 *a, double out[16])
{
    for (int i = 0; i < 4; i++)
        _mm256_storeu_pd(out + 4 * i, a->s[i]);
}

#endif
