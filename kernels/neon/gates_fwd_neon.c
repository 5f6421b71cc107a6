/* gates_fwd_neon.c — the fused forward gate kernels of the four cells on
 * NEON: generic/gates_generic.c's expressions in the same order, four hidden
 * units per register, the last H % 4 through zero-padded tail registers (never
 * read or written past a row). Every input of a chunk is loaded before any of
 * its outputs is stored, so elementwise in-place use stays safe. */
#include "neon.h"
#include "vmath_neon.h"

/* w = the chunk's width: 4, or the row's last H % 4 units. */
#define LD(p) ld_tail_neon((p), w)
#define ST(p, v) st_tail_neon((p), (v), w)
#define CHUNK_WIDTH(H, j) ((H) - (j) < 4 ? (H) - (j) : 4)

void rnn_k_rnn_tanh_fwd__neon(size_t B, size_t H, const float *xp, const float *hp, float *h)
{
    size_t n = B * H;
    for (size_t j = 0; j < n; j += 4) {
        size_t w = CHUNK_WIDTH(n, j);
        ST(h + j, tanh_neon(vaddq_f32(LD(xp + j), LD(hp + j))));
    }
}

void rnn_k_lstm_fwd__neon(size_t B, size_t H, const float *xp, const float *hp, const float *c_prev,
                          float *gates, float *c, float *h)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 4 * H, *r = hp + b * 4 * H;
        float *g = gates ? gates + b * 4 * H : NULL;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gi = sigmoid_neon(vaddq_f32(LD(x + j), LD(r + j)));
            float32x4_t gf = sigmoid_neon(vaddq_f32(LD(x + H + j), LD(r + H + j)));
            float32x4_t gg = tanh_neon(vaddq_f32(LD(x + 2 * H + j), LD(r + 2 * H + j)));
            float32x4_t go = sigmoid_neon(vaddq_f32(LD(x + 3 * H + j), LD(r + 3 * H + j)));
            float32x4_t cn = vaddq_f32(vmulq_f32(gf, LD(c_prev + e)), vmulq_f32(gi, gg));
            if (g) {
                ST(g + j, gi);
                ST(g + H + j, gf);
                ST(g + 2 * H + j, gg);
                ST(g + 3 * H + j, go);
            }
            ST(c + e, cn);
            ST(h + e, vmulq_f32(go, tanh_neon(cn)));
        }
    }
}

void rnn_k_gru_fwd_rz__neon(size_t B, size_t H, const float *xp, const float *hp,
                            const float *h_prev, float *gates, float *rh)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gr = sigmoid_neon(vaddq_f32(LD(x + j), LD(r + j)));
            float32x4_t gz = sigmoid_neon(vaddq_f32(LD(x + H + j), LD(r + H + j)));
            float32x4_t hv = LD(h_prev + e);
            ST(g + j, gr);
            ST(g + H + j, gz);
            ST(rh + e, vmulq_f32(gr, hv));
        }
    }
}

void rnn_k_gru_fwd_n__neon(size_t B, size_t H, const float *xp, const float *hp,
                           const float *h_prev, float *gates, float *h)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gn = tanh_neon(vaddq_f32(LD(x + 2 * H + j), LD(r + 2 * H + j)));
            float32x4_t gz = LD(g + H + j);
            float32x4_t hv = LD(h_prev + e);
            ST(g + 2 * H + j, gn);
            ST(h + e, vaddq_f32(vmulq_f32(vsubq_f32(one, gz), hv), vmulq_f32(gz, gn)));
        }
    }
}

void rnn_k_lbr_gru_fwd__neon(size_t B, size_t H, const float *xp, const float *hp,
                             const float *h_prev, float *gates, float *h)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates ? gates + b * 4 * H : NULL;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gr = sigmoid_neon(vaddq_f32(LD(x + j), LD(r + j)));
            float32x4_t gz = sigmoid_neon(vaddq_f32(LD(x + H + j), LD(r + H + j)));
            float32x4_t hn = LD(r + 2 * H + j);
            float32x4_t gn = tanh_neon(vaddq_f32(LD(x + 2 * H + j), vmulq_f32(gr, hn)));
            float32x4_t hv = LD(h_prev + e);
            if (g) {
                ST(g + j, gr);
                ST(g + H + j, gz);
                ST(g + 2 * H + j, gn);
                ST(g + 3 * H + j, hn);
            }
            ST(h + e, vaddq_f32(vmulq_f32(vsubq_f32(one, gz), gn), vmulq_f32(gz, hv)));
        }
    }
}
