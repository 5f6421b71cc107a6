/* head_neon.c — softmax cross-entropy of the output head on NEON. The row
 * max is subtracted before exp (so every exp argument is <= 0 and nothing
 * overflows); exp is the table's own (vmath_neon.h, <= 1 ULP); the row sum
 * and the loss are kept in double, like generic's. Tail lanes past V are
 * masked out of the max and the sum, never loaded from memory. */
#include <math.h>
#include "neon.h"
#include "vmath_neon.h"

/* Lanes < w set, for a chunk of w (1..4) valid floats. */
static inline uint32x4_t lane_mask(size_t w)
{
    const uint32_t idx[4] = {0, 1, 2, 3};
    return vcltq_u32(vld1q_u32(idx), vdupq_n_u32((uint32_t)w));
}

static float row_max(size_t V, const float *l)
{
    float32x4_t m = vdupq_n_f32(-INFINITY);
    for (size_t v = 0; v < V; v += 4) {
        size_t w = V - v < 4 ? V - v : 4;
        float32x4_t x = vbslq_f32(lane_mask(w), ld_tail_neon(l + v, w), vdupq_n_f32(-INFINITY));
        m = vmaxq_f32(m, x);
    }
    return vmaxvq_f32(m);
}

double rnn_k_softmax_xent__neon(size_t rows, size_t V, const float *logits, const int32_t *targets,
                                float scale, float *dlogits)
{
    double loss = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *l = logits + r * V;
        float *d = dlogits ? dlogits + r * V : NULL;
        float m = row_max(V, l);
        float lt = l[targets[r]]; /* read before d (which may be l) is written */
        float32x4_t mv = vdupq_n_f32(m);
        float64x2_t s0 = vdupq_n_f64(0.0), s1 = vdupq_n_f64(0.0);
        for (size_t v = 0; v < V; v += 4) {
            size_t w = V - v < 4 ? V - v : 4;
            float32x4_t e = exp_neon(vsubq_f32(ld_tail_neon(l + v, w), mv));
            e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), lane_mask(w)));
            s0 = vaddq_f64(s0, vcvt_f64_f32(vget_low_f32(e)));
            s1 = vaddq_f64(s1, vcvt_high_f64_f32(e));
            if (d) /* the unnormalised probabilities, scaled in place below */
                st_tail_neon(d + v, e, w);
        }
        double s = vaddvq_f64(vaddq_f64(s0, s1));
        size_t t = (size_t)targets[r];
        loss += log(s) - ((double)lt - m);
        if (d) {
            float32x4_t k = vdupq_n_f32((float)((double)scale / s));
            for (size_t v = 0; v < V; v += 4) {
                size_t w = V - v < 4 ? V - v : 4;
                st_tail_neon(d + v, vmulq_f32(ld_tail_neon(d + v, w), k), w);
            }
            d[t] -= scale;
        }
    }
    return loss;
}
