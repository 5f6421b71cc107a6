/* vec_neon.h — the vector API of kernels/simd/ on AArch64 Advanced SIMD: 4
 * float lanes in a float32x4_t; a chunk's last lanes go through a small
 * buffer, so nothing past them is read or written. Every operation is one
 * IEEE operation per lane (vfmaq rounds once), so code written over this API
 * has the bits kernels/simd/ states. For the neon kernel files only. */
#ifndef RNNSIMD_VEC_NEON_H
#define RNNSIMD_VEC_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <string.h>

#define RNN_VLEN 4
#define RNN_K(entry) rnn_k_##entry##__neon

typedef float32x4_t rnn_vf;
typedef uint32x4_t rnn_vb;
typedef size_t rnn_vt; /* how many lanes a chunk covers: 4, or fewer */

static inline rnn_vt vt_all(void) { return 4; }
static inline rnn_vt vt_first(size_t n) { return n; }

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

/* Lanes < n set. */
static inline uint32x4_t lanes_neon(size_t n)
{
    const uint32_t idx[4] = {0, 1, 2, 3};
    return vcltq_u32(vld1q_u32(idx), vdupq_n_u32((uint32_t)n));
}

static inline rnn_vf vf_load(rnn_vt t, const float *p) { return ld_tail_neon(p, t); }
static inline rnn_vf vf_load_or(rnn_vt t, const float *p, rnn_vf fill)
{
    return t >= 4 ? vld1q_f32(p) : vbslq_f32(lanes_neon(t), ld_tail_neon(p, t), fill);
}
static inline void vf_store(rnn_vt t, float *p, rnn_vf v) { st_tail_neon(p, v, t); }
/* A hint: the line holding p into L1 (never faults, changes no result).
 * Always inlined: GCC finds a function holding only a prefetch free of
 * effects, and drops the calls. */
static inline __attribute__((always_inline)) void vf_prefetch(const float *p)
{
    __builtin_prefetch(p);
}
/* Lanes past t set to 0. */
static inline rnn_vf vf_keep(rnn_vt t, rnn_vf v)
{
    return t >= 4 ? v : vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), lanes_neon(t)));
}

static inline rnn_vf vf_set1(float x) { return vdupq_n_f32(x); }
static inline rnn_vf vf_add(rnn_vf a, rnn_vf b) { return vaddq_f32(a, b); }
static inline rnn_vf vf_sub(rnn_vf a, rnn_vf b) { return vsubq_f32(a, b); }
static inline rnn_vf vf_mul(rnn_vf a, rnn_vf b) { return vmulq_f32(a, b); }
static inline rnn_vf vf_div(rnn_vf a, rnn_vf b) { return vdivq_f32(a, b); }
/* min and max; a NaN lane gives NaN (only NaN lanes differ from x86's). */
static inline rnn_vf vf_min(rnn_vf a, rnn_vf b) { return vminq_f32(a, b); }
static inline rnn_vf vf_max(rnn_vf a, rnn_vf b) { return vmaxq_f32(a, b); }
/* a*b + c and c - a*b, rounded once. */
static inline rnn_vf vf_fmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return vfmaq_f32(c, a, b); }
static inline rnn_vf vf_fnmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return vfmsq_f32(c, a, b); }

static inline rnn_vf vf_abs(rnn_vf x) { return vabsq_f32(x); }
static inline rnn_vf vf_neg_abs(rnn_vf x) { return vnegq_f32(vabsq_f32(x)); }
/* y (>= +0) with the sign of x. */
static inline rnn_vf vf_sign_of(rnn_vf y, rnn_vf x)
{
    return vbslq_f32(vdupq_n_u32(0x80000000u), x, y);
}

static inline rnn_vb vf_lt(rnn_vf a, rnn_vf b) { return vcltq_f32(a, b); }
static inline rnn_vb vf_isnan(rnn_vf x) { return vmvnq_u32(vceqq_f32(x, x)); }
static inline rnn_vf vf_select(rnn_vb m, rnn_vf if_true, rnn_vf if_false)
{
    return vbslq_f32(m, if_true, if_false);
}

/* p * 2^n, n integral in [-150, 128]: two normal factors 2^(n>>1) and
 * 2^(n - (n>>1)), so only the second multiply rounds (denormal results
 * included) and n = 128 gives inf. */
static inline rnn_vf vf_scale2(rnn_vf p, rnn_vf n)
{
    int32x4_t ni = vcvtq_s32_f32(n);
    int32x4_t n1 = vshrq_n_s32(ni, 1);
    int32x4_t n2 = vsubq_s32(ni, n1);
    int32x4_t bias = vdupq_n_s32(127);
    float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    return vmulq_f32(vmulq_f32(p, s1), s2);
}

static inline float vf_hmax(rnn_vf v) { return vmaxvq_f32(v); }

/* Sixteen partial sums in double, lane k of a 16-float chunk into sum k. */
typedef struct {
    float64x2_t s[8];
} rnn_vsum16;

static inline rnn_vsum16 vsum16_zero(void)
{
    rnn_vsum16 z;
    for (int i = 0; i < 8; i++)
        z.s[i] = vdupq_n_f64(0.0);
    return z;
}

/* Adds v, the chunk's q-th vector (floats 4q .. 4q+3), to its sums. */
static inline void vsum16_add(rnn_vsum16 *a, size_t q, rnn_vf v)
{
    a->s[2 * q] = vaddq_f64(a->s[2 * q], vcvt_f64_f32(vget_low_f32(v)));
    a->s[2 * q + 1] = vaddq_f64(a->s[2 * q + 1], vcvt_high_f64_f32(v));
}

static inline void vsum16_lanes(const rnn_vsum16 *a, double out[16])
{
    for (int i = 0; i < 8; i++)
        vst1q_f64(out + 2 * i, a->s[i]);
}

#endif
