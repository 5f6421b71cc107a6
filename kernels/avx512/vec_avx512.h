/* vec_avx512.h — the vector API of kernels/simd/ on AVX-512 F/DQ: 16 float
 * lanes in a __m512, a chunk's last lanes through a lane mask (masked lanes
 * are neither read nor written). Every operation is one IEEE operation per
 * lane (the fused ones round once), so code written over this API has the
 * bits kernels/simd/ states. For the avx512 kernel files only. */
#ifndef RNNSIMD_VEC_AVX512_H
#define RNNSIMD_VEC_AVX512_H

#include <immintrin.h>
#include <stddef.h>

#define RNN_VLEN 16
#define RNN_K(entry) rnn_k_##entry##__avx512

typedef __m512 rnn_vf;
typedef __mmask16 rnn_vb;
typedef __mmask16 rnn_vt; /* the lanes a chunk covers */

static inline rnn_vt vt_all(void) { return (__mmask16)0xffff; }
static inline rnn_vt vt_first(size_t n) { return (__mmask16)((1u << n) - 1); }

/* Lanes past t read as 0 (or fill). */
static inline rnn_vf vf_load(rnn_vt t, const float *p) { return _mm512_maskz_loadu_ps(t, p); }
static inline rnn_vf vf_load_or(rnn_vt t, const float *p, rnn_vf fill)
{
    return _mm512_mask_loadu_ps(fill, t, p);
}
static inline void vf_store(rnn_vt t, float *p, rnn_vf v) { _mm512_mask_storeu_ps(p, t, v); }
/* A hint: the line holding p into L1 (never faults, changes no result).
 * Always inlined: GCC finds a function holding only a prefetch free of
 * effects, and drops the calls. */
static inline __attribute__((always_inline)) void vf_prefetch(const float *p)
{
    _mm_prefetch((const char *)p, _MM_HINT_T0);
}
/* Lanes past t set to 0. */
static inline rnn_vf vf_keep(rnn_vt t, rnn_vf v) { return _mm512_maskz_mov_ps(t, v); }

static inline rnn_vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline rnn_vf vf_add(rnn_vf a, rnn_vf b) { return _mm512_add_ps(a, b); }
static inline rnn_vf vf_sub(rnn_vf a, rnn_vf b) { return _mm512_sub_ps(a, b); }
static inline rnn_vf vf_mul(rnn_vf a, rnn_vf b) { return _mm512_mul_ps(a, b); }
static inline rnn_vf vf_div(rnn_vf a, rnn_vf b) { return _mm512_div_ps(a, b); }
/* a < b ? a : b (a > b ? a : b), and b where either is NaN. */
static inline rnn_vf vf_min(rnn_vf a, rnn_vf b) { return _mm512_min_ps(a, b); }
static inline rnn_vf vf_max(rnn_vf a, rnn_vf b) { return _mm512_max_ps(a, b); }
/* a*b + c and c - a*b, rounded once. */
static inline rnn_vf vf_fmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline rnn_vf vf_fnmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return _mm512_fnmadd_ps(a, b, c); }

static inline rnn_vf vf_abs(rnn_vf x) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), x); }
static inline rnn_vf vf_neg_abs(rnn_vf x) { return _mm512_or_ps(x, _mm512_set1_ps(-0.0f)); }
/* y (>= +0) with the sign of x. */
static inline rnn_vf vf_sign_of(rnn_vf y, rnn_vf x)
{
    return _mm512_or_ps(y, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
}

static inline rnn_vb vf_lt(rnn_vf a, rnn_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline rnn_vb vf_isnan(rnn_vf x) { return _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q); }
static inline rnn_vf vf_select(rnn_vb m, rnn_vf if_true, rnn_vf if_false)
{
    return _mm512_mask_blend_ps(m, if_false, if_true);
}

/* p * 2^n, n integral in [-150, 128], rounded once: vscalefps gives the
 * bits of the two-factor scaling the other instruction sets use (p * 2^(n>>1)
 * is exact, only the second multiply rounds), denormal and overflowing
 * results included, in one instruction instead of nine. */
static inline rnn_vf vf_scale2(rnn_vf p, rnn_vf n) { return _mm512_scalef_ps(p, n); }

static inline float vf_hmax(rnn_vf v) { return _mm512_reduce_max_ps(v); }

/* Sixteen partial sums in double, lane k of a 16-float chunk into sum k. */
typedef struct {
    __m512d lo, hi;
} rnn_vsum16;

static inline rnn_vsum16 vsum16_zero(void)
{
    return (rnn_vsum16){_mm512_setzero_pd(), _mm512_setzero_pd()};
}

/* Adds v, the chunk's only vector (q = 0), to its sums. */
static inline void vsum16_add(rnn_vsum16 *a, size_t q, rnn_vf v)
{
    (void)q;
    a->lo = _mm512_add_pd(a->lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    a->hi = _mm512_add_pd(a->hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
}

static inline void vsum16_lanes(const rnn_vsum16 *a, double out[16])
{
    _mm512_storeu_pd(out, a->lo);
    _mm512_storeu_pd(out + 8, a->hi);
}

#endif
