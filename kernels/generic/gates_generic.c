/* gates_generic.c — the fused gate kernels of the four cells, forward and
 * backward, in portable C: DESIGN.md's equations element by element, layouts
 * as kernels.h states. Each element's inputs are read before its outputs are
 * written, so in-place use elementwise (e.g. c == c_prev) is safe. */
#include "activations_scalar.h"
#include "generic.h"

void rnn_k_rnn_tanh_fwd__generic(size_t B, size_t H, const float *xp, const float *hp, float *h)
{
    for (size_t i = 0; i < B * H; i++)
        h[i] = rnn_tanh_scalar(xp[i] + hp[i]);
}

void rnn_k_lstm_fwd__generic(size_t B, size_t H, const float *xp, const float *hp,
                             const float *c_prev, float *gates, float *c, float *h)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 4 * H, *r = hp + b * 4 * H;
        for (size_t j = 0; j < H; j++) {
            float gi = rnn_sigmoid_scalar(x[j] + r[j]);
            float gf = rnn_sigmoid_scalar(x[H + j] + r[H + j]);
            float gg = rnn_tanh_scalar(x[2 * H + j] + r[2 * H + j]);
            float go = rnn_sigmoid_scalar(x[3 * H + j] + r[3 * H + j]);
            float cn = gf * c_prev[b * H + j] + gi * gg;
            if (gates) {
                float *g = gates + b * 4 * H;
                g[j] = gi, g[H + j] = gf, g[2 * H + j] = gg, g[3 * H + j] = go;
            }
            c[b * H + j] = cn;
            h[b * H + j] = go * rnn_tanh_scalar(cn);
        }
    }
}

void rnn_k_gru_fwd_rz__generic(size_t B, size_t H, const float *xp, const float *hp,
                               const float *h_prev, float *gates, float *rh)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            float gr = rnn_sigmoid_scalar(x[j] + r[j]);
            float gz = rnn_sigmoid_scalar(x[H + j] + r[H + j]);
            float hv = h_prev[b * H + j];
            g[j] = gr, g[H + j] = gz;
            rh[b * H + j] = gr * hv;
        }
    }
}

void rnn_k_gru_fwd_n__generic(size_t B, size_t H, const float *xp, const float *hp,
                              const float *h_prev, float *gates, float *h)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            float gn = rnn_tanh_scalar(x[2 * H + j] + r[2 * H + j]);
            float gz = g[H + j];
            float hv = h_prev[b * H + j];
            g[2 * H + j] = gn;
            h[b * H + j] = (1.0f - gz) * hv + gz * gn;
        }
    }
}

void rnn_k_lbr_gru_fwd__generic(size_t B, size_t H, const float *xp, const float *hp,
                                const float *h_prev, float *gates, float *h)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            float gr = rnn_sigmoid_scalar(x[j] + r[j]);
            float gz = rnn_sigmoid_scalar(x[H + j] + r[H + j]);
            float hn = r[2 * H + j];
            float gn = rnn_tanh_scalar(x[2 * H + j] + gr * hn);
            float hv = h_prev[b * H + j];
            if (gates) {
                float *g = gates + b * 4 * H;
                g[j] = gr, g[H + j] = gz, g[2 * H + j] = gn, g[3 * H + j] = hn;
            }
            h[b * H + j] = (1.0f - gz) * gn + gz * hv;
        }
    }
}

void rnn_k_rnn_tanh_bwd__generic(size_t B, size_t H, const float *h, const float *dh, float *dg)
{
    for (size_t i = 0; i < B * H; i++)
        dg[i] = dh[i] * (1.0f - h[i] * h[i]);
}

void rnn_k_lstm_bwd__generic(size_t B, size_t H, const float *gates, const float *c_prev,
                             const float *c, const float *dh, float *dc, float *dg)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *d = dg + b * 4 * H;
        for (size_t j = 0; j < H; j++) {
            size_t e = b * H + j;
            float gi = g[j], gf = g[H + j], gg = g[2 * H + j], go = g[3 * H + j];
            float tc = rnn_tanh_scalar(c[e]);
            float dct = dc[e] + dh[e] * go * (1.0f - tc * tc);
            d[j] = dct * gg * gi * (1.0f - gi);
            d[H + j] = dct * c_prev[e] * gf * (1.0f - gf);
            d[2 * H + j] = dct * gi * (1.0f - gg * gg);
            d[3 * H + j] = dh[e] * tc * go * (1.0f - go);
            dc[e] = dct * gf;
        }
    }
}

void rnn_k_gru_bwd_zn__generic(size_t B, size_t H, const float *gates, const float *h_prev,
                               const float *dh, float *dg, float *dh_prev)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            size_t e = b * H + j;
            float gz = g[H + j], gn = g[2 * H + j], hv = h_prev[e], dhv = dh[e];
            d[H + j] = dhv * (gn - hv) * gz * (1.0f - gz);
            d[2 * H + j] = dhv * gz * (1.0f - gn * gn);
            dh_prev[e] = dhv * (1.0f - gz);
        }
    }
}

void rnn_k_gru_bwd_r__generic(size_t B, size_t H, const float *gates, const float *h_prev,
                              const float *drh, float *dg, float *dh_prev)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            size_t e = b * H + j;
            float gr = g[j], hv = h_prev[e], dv = drh[e];
            d[j] = dv * hv * gr * (1.0f - gr);
            dh_prev[e] += dv * gr;
        }
    }
}

void rnn_k_lbr_gru_bwd__generic(size_t B, size_t H, const float *gates, const float *h_prev,
                                const float *dh, float *dgx, float *dgh, float *dh_prev)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *dx = dgx + b * 3 * H, *dr = dgh + b * 3 * H;
        for (size_t j = 0; j < H; j++) {
            size_t e = b * H + j;
            float gr = g[j], gz = g[H + j], gn = g[2 * H + j], hn = g[3 * H + j];
            float hv = h_prev[e], dhv = dh[e];
            float an = dhv * (1.0f - gz) * (1.0f - gn * gn);
            float ar = an * hn * gr * (1.0f - gr);
            float az = dhv * (hv - gn) * gz * (1.0f - gz);
            dx[j] = ar, dx[H + j] = az, dx[2 * H + j] = an;
            dr[j] = ar, dr[H + j] = az, dr[2 * H + j] = an * gr;
            dh_prev[e] = dhv * gz;
        }
    }
}
