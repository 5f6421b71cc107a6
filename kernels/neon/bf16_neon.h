/* bf16_neon.h — rnn_bf16_from_float (kernels/bf16.h) on four lanes in
 * baseline Advanced SIMD, for the neon table's bf16 products: the same
 * bits, lane by lane (round to nearest even on the bits, the carry running
 * into the exponent, denormals kept, a NaN quieted with the top of its
 * payload). No BF16 instruction: BFCVT would flush denormals. */
#ifndef RNNSIMD_BF16_NEON_H
#define RNNSIMD_BF16_NEON_H

#include <arm_neon.h>

/* Each lane's bf16 in its high half, the low half zero: as a float, the
 * value rounded to bf16 (rnn_bf16_round's bits). */
static inline uint32x4_t bf16_hi_neon(float32x4_t f)
{
    const uint32x4_t u = vreinterpretq_u32_f32(f);
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t rounded = vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fffu), odd));
    const uint32x4_t nan =
        vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u));
    const uint32x4_t r = vbslq_u32(nan, vorrq_u32(u, vdupq_n_u32(0x00400000u)), rounded);
    return vandq_u32(r, vdupq_n_u32(0xffff0000u));
}

static inline float32x4_t bf16_round_neon(float32x4_t f)
{
    return vreinterpretq_f32_u32(bf16_hi_neon(f));
}

/* The pair words of elements (x[2i], x[2i+1]), i = 0..3, of 8 floats:
 * element k in the high half, k+1 in the low half (kernels.h). */
static inline uint32x4_t bf16_pairs4_neon(const float *x)
{
    const float32x4x2_t v = vld2q_f32(x); /* val[0]: even k, val[1]: odd k */
    return vorrq_u32(bf16_hi_neon(v.val[0]), vshrq_n_u32(bf16_hi_neon(v.val[1]), 16));
}

#endif
