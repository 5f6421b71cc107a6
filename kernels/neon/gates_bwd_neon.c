/* gates_bwd_neon.c — the fused backward gate kernels of the four cells on
 * NEON: generic/gates_generic.c's expressions in the same order (so, given
 * the same inputs, the same bits), four hidden units per register, tails
 * through zero-padded registers. Loads precede stores within a chunk, so
 * dc (in and out) and elementwise in-place use are safe. */
#include "neon.h"
#include "vmath_neon.h"

#define LD(p) ld_tail_neon((p), w)
#define ST(p, v) st_tail_neon((p), (v), w)
#define CHUNK_WIDTH(H, j) ((H) - (j) < 4 ? (H) - (j) : 4)
#define MUL vmulq_f32
#define SUB vsubq_f32

void rnn_k_rnn_tanh_bwd__neon(size_t B, size_t H, const float *h, const float *dh, float *dg)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    size_t n = B * H;
    for (size_t j = 0; j < n; j += 4) {
        size_t w = CHUNK_WIDTH(n, j);
        float32x4_t hv = LD(h + j);
        ST(dg + j, MUL(LD(dh + j), SUB(one, MUL(hv, hv))));
    }
}

void rnn_k_lstm_bwd__neon(size_t B, size_t H, const float *gates, const float *c_prev,
                          const float *c, const float *dh, float *dc, float *dg)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *d = dg + b * 4 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gi = LD(g + j), gf = LD(g + H + j), gg = LD(g + 2 * H + j);
            float32x4_t go = LD(g + 3 * H + j), dhv = LD(dh + e);
            float32x4_t tc = tanh_neon(LD(c + e));
            float32x4_t dct = vaddq_f32(LD(dc + e), MUL(MUL(dhv, go), SUB(one, MUL(tc, tc))));
            ST(d + j, MUL(MUL(MUL(dct, gg), gi), SUB(one, gi)));
            ST(d + H + j, MUL(MUL(MUL(dct, LD(c_prev + e)), gf), SUB(one, gf)));
            ST(d + 2 * H + j, MUL(MUL(dct, gi), SUB(one, MUL(gg, gg))));
            ST(d + 3 * H + j, MUL(MUL(MUL(dhv, tc), go), SUB(one, go)));
            ST(dc + e, MUL(dct, gf));
        }
    }
}

void rnn_k_gru_bwd_zn__neon(size_t B, size_t H, const float *gates, const float *h_prev,
                            const float *dh, float *dg, float *dh_prev)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gz = LD(g + H + j), gn = LD(g + 2 * H + j);
            float32x4_t hv = LD(h_prev + e), dhv = LD(dh + e);
            ST(d + H + j, MUL(MUL(MUL(dhv, SUB(gn, hv)), gz), SUB(one, gz)));
            ST(d + 2 * H + j, MUL(MUL(dhv, gz), SUB(one, MUL(gn, gn))));
            ST(dh_prev + e, MUL(dhv, SUB(one, gz)));
        }
    }
}

void rnn_k_gru_bwd_r__neon(size_t B, size_t H, const float *gates, const float *h_prev,
                           const float *drh, float *dg, float *dh_prev)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gr = LD(g + j), hv = LD(h_prev + e), dv = LD(drh + e);
            ST(d + j, MUL(MUL(MUL(dv, hv), gr), SUB(one, gr)));
            ST(dh_prev + e, vaddq_f32(LD(dh_prev + e), MUL(dv, gr)));
        }
    }
}

void rnn_k_lbr_gru_bwd__neon(size_t B, size_t H, const float *gates, const float *h_prev,
                             const float *dh, float *dgx, float *dgh, float *dh_prev)
{
    float32x4_t one = vdupq_n_f32(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *dx = dgx + b * 3 * H, *dr = dgh + b * 3 * H;
        for (size_t j = 0; j < H; j += 4) {
            size_t w = CHUNK_WIDTH(H, j), e = b * H + j;
            float32x4_t gr = LD(g + j), gz = LD(g + H + j), gn = LD(g + 2 * H + j);
            float32x4_t hn = LD(g + 3 * H + j), hv = LD(h_prev + e), dhv = LD(dh + e);
            float32x4_t an = MUL(MUL(dhv, SUB(one, gz)), SUB(one, MUL(gn, gn)));
            float32x4_t ar = MUL(MUL(MUL(an, hn), gr), SUB(one, gr));
            float32x4_t az = MUL(MUL(MUL(dhv, SUB(hv, gn)), gz), SUB(one, gz));
            ST(dx + j, ar);
            ST(dx + H + j, az);
            ST(dx + 2 * H + j, an);
            ST(dr + j, ar);
            ST(dr + H + j, az);
            ST(dr + 2 * H + j, MUL(an, gr));
            ST(dh_prev + e, MUL(dhv, gz));
        }
    }
}
