/* vmath_neon.h — exp, tanh and sigmoid on four floats, and the tail loads and
 * stores every NEON kernel uses. The algorithm, constants and fused
 * multiply-adds are exactly those of generic/activations_scalar.h, lane by
 * lane (vfmaq_f32(a, b, c) = fmaf(b, c, a), vdivq_f32 is IEEE division), so
 * each lane has the same bits as the scalar function: the ULP bounds stated
 * there hold here, and special values (inf, NaN, -0, denormals) agree with
 * every other table. Both tanh branches are computed and selected per lane.
 * Static inline: included by the NEON kernel files only. */
#ifndef RNNSIMD_VMATH_NEON_H
#define RNNSIMD_VMATH_NEON_H

#include <arm_neon.h>
#include <string.h>
#include "generic/activations_scalar.h"

/* n < 4 valid floats at p; the missing lanes read as 0 (never past the end). */
static inline float32x4_t ld_tail_neon(const float *p, size_t n)
{
    if (n >= 4)
        return vld1q_f32(p);
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, p, n * sizeof(float));
    return vld1q_f32(t);
}

/* Stores only the first n (< 4) lanes. */
static inline void st_tail_neon(float *p, float32x4_t v, size_t n)
{
    if (n >= 4) {
        vst1q_f32(p, v);
        return;
    }
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, n * sizeof(float));
}

/* NaN lanes of x give x + x (a quiet NaN, as the scalar code returns). */
static inline float32x4_t keep_nan_neon(float32x4_t x, float32x4_t y)
{
    return vbslq_f32(vceqq_f32(x, x), y, vaddq_f32(x, x));
}

static inline float32x4_t exp_core_neon(float32x4_t x)
{
    float32x4_t xc = vminq_f32(vmaxq_f32(x, vdupq_n_f32(RNN_EXP_LO)), vdupq_n_f32(RNN_EXP_HI));
    float32x4_t magic = vdupq_n_f32(RNN_ROUND_MAGIC);
    float32x4_t n = vsubq_f32(vfmaq_f32(magic, xc, vdupq_n_f32(RNN_LOG2E)), magic);
    float32x4_t r = vfmaq_f32(xc, n, vdupq_n_f32(-RNN_LN2_HI));
    r = vfmaq_f32(r, n, vdupq_n_f32(-RNN_LN2_LO));
    float32x4_t q = vfmaq_f32(vdupq_n_f32(RNN_EXP_C5), vdupq_n_f32(RNN_EXP_C6), r);
    q = vfmaq_f32(vdupq_n_f32(RNN_EXP_C4), q, r);
    q = vfmaq_f32(vdupq_n_f32(RNN_EXP_C3), q, r);
    q = vfmaq_f32(vdupq_n_f32(RNN_EXP_C2), q, r);
    float32x4_t p = vaddq_f32(vfmaq_f32(r, q, vmulq_f32(r, r)), vdupq_n_f32(1.0f));
    /* 2^n as two normal factors: n in [-150, 128] after the clamp. */
    int32x4_t ni = vcvtq_s32_f32(n);
    int32x4_t n1 = vshrq_n_s32(ni, 1);
    int32x4_t n2 = vsubq_s32(ni, n1);
    int32x4_t bias = vdupq_n_s32(127);
    float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    return vmulq_f32(vmulq_f32(p, s1), s2);
}

static inline float32x4_t exp_neon(float32x4_t x)
{
    return keep_nan_neon(x, exp_core_neon(x));
}

/* Computed on |x|, the sign put back last (tanh(-0) = -0), as the scalar. */
static inline float32x4_t tanh_neon(float32x4_t x)
{
    float32x4_t a = vabsq_f32(x);
    uint32x4_t small = vcltq_f32(a, vdupq_n_f32(RNN_TANH_SMALL));
    float32x4_t s = vmulq_f32(a, a);
    float32x4_t p = vfmaq_f32(vdupq_n_f32(RNN_TANH_P4), vdupq_n_f32(RNN_TANH_P5), s);
    p = vfmaq_f32(vdupq_n_f32(RNN_TANH_P3), p, s);
    p = vfmaq_f32(vdupq_n_f32(RNN_TANH_P2), p, s);
    p = vfmaq_f32(vdupq_n_f32(RNN_TANH_P1), p, s);
    p = vfmaq_f32(vdupq_n_f32(RNN_TANH_P0), p, s);
    float32x4_t y_small = vfmaq_f32(a, vmulq_f32(a, s), p);
    float32x4_t ac = vminq_f32(a, vdupq_n_f32(RNN_TANH_CLAMP));
    float32x4_t e = exp_core_neon(vaddq_f32(ac, ac));
    float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t y_large = vsubq_f32(one, vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, one)));
    float32x4_t y = vbslq_f32(small, y_small, y_large);
    /* copysign: the sign bit from x, the rest from y. */
    return keep_nan_neon(x, vbslq_f32(vdupq_n_u32(0x80000000u), x, y));
}

/* num / (1 + e) with the scalar's compensated division: d = 1 + e rounded,
 * dl its rounding error, and one Newton-like correction of q = num * (1/d). */
static inline float32x4_t sigmoid_neon(float32x4_t x)
{
    float32x4_t e = exp_core_neon(vnegq_f32(vabsq_f32(x)));
    float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t d = vaddq_f32(one, e);
    float32x4_t dl = vsubq_f32(e, vsubq_f32(d, one));
    float32x4_t num = vbslq_f32(vcltq_f32(x, vdupq_n_f32(0.0f)), e, one);
    float32x4_t rcp = vdivq_f32(one, d);
    float32x4_t q = vmulq_f32(num, rcp);
    float32x4_t nq = vnegq_f32(q);
    float32x4_t res = vfmaq_f32(vfmaq_f32(num, nq, d), nq, dl);
    return keep_nan_neon(x, vfmaq_f32(q, res, rcp));
}

#endif
