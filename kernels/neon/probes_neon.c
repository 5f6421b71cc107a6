/* probes_neon.c — the neon table's FMA peak probe (entries.inc): 16
 * independent FMA chains of 4 lanes (more than FMA latency x FMA pipes on
 * current Arm cores). Its read probe is generic's, whose 128-bit vectors
 * are NEON's (neon.h says so). */
#include <arm_neon.h>
#include "neon.h"
#include "probes.h"

double rnn_k_probe_fma__neon(long n)
{
    const float32x4_t m = vdupq_n_f32(0.999999f), a = vdupq_n_f32(1e-6f);
#define DECL(k) float32x4_t acc##k = vdupq_n_f32((float)(k) * 1e-6f);
#define STEP(k) acc##k = vfmaq_f32(a, acc##k, m);
#define SUM(k) s = vaddq_f32(s, acc##k);
    RNN_ACC16(DECL)
    for (long i = 0; i < n; i++) {
        RNN_ACC16(STEP)
    }
    float32x4_t s = vdupq_n_f32(0.0f);
    RNN_ACC16(SUM)
    rnn_probe_sink = vaddvq_f32(s);
#undef DECL
#undef STEP
#undef SUM
    return 16.0 * 4 * 2 * (double)n;
}
