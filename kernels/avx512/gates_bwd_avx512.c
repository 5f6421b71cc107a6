/* gates_bwd_avx512.c — fused gate backward of the four cells, 16 hidden units
 * per vector, the row's last partial vector masked (no access past H). Each
 * vector's inputs are loaded before its outputs are stored (in-place safe
 * elementwise, e.g. dh_prev == dh). Equations and layouts: kernels.h. */
#include "activations_avx512.h"
#include "avx512.h"

#define LD(m, p) _mm512_maskz_loadu_ps(m, p)
#define ST(m, p, v) _mm512_mask_storeu_ps(p, m, v)

/* s (1 - s): the derivative of a sigmoid from its value. */
static inline __m512 dsig(__m512 s)
{
    return _mm512_fnmadd_ps(s, s, s);
}

/* 1 - t^2: the derivative of tanh from its value. */
static inline __m512 dtanh(__m512 t)
{
    return _mm512_fnmadd_ps(t, t, _mm512_set1_ps(1.0f));
}

void rnn_k_rnn_tanh_bwd__avx512(size_t B, size_t H, const float *h, const float *dh, float *dg)
{
    size_t n = B * H;
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = lanes_avx512(n - i);
        ST(m, dg + i, _mm512_mul_ps(LD(m, dh + i), dtanh(LD(m, h + i))));
    }
}

void rnn_k_lstm_bwd__avx512(size_t B, size_t H, const float *gates, const float *c_prev,
                            const float *c, const float *dh, float *dc, float *dg)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *d = dg + b * 4 * H;
        for (size_t j = 0; j < H; j += 16) {
            __mmask16 m = lanes_avx512(H - j);
            size_t e = b * H + j;
            __m512 gi = LD(m, g + j), gf = LD(m, g + H + j);
            __m512 gg = LD(m, g + 2 * H + j), go = LD(m, g + 3 * H + j);
            __m512 dhv = LD(m, dh + e);
            __m512 tc = tanh_avx512(LD(m, c + e));
            __m512 dct = _mm512_fmadd_ps(_mm512_mul_ps(dhv, go), dtanh(tc), LD(m, dc + e));
            ST(m, d + j, _mm512_mul_ps(_mm512_mul_ps(dct, gg), dsig(gi)));
            ST(m, d + H + j, _mm512_mul_ps(_mm512_mul_ps(dct, LD(m, c_prev + e)), dsig(gf)));
            ST(m, d + 2 * H + j, _mm512_mul_ps(_mm512_mul_ps(dct, gi), dtanh(gg)));
            ST(m, d + 3 * H + j, _mm512_mul_ps(_mm512_mul_ps(dhv, tc), dsig(go)));
            ST(m, dc + e, _mm512_mul_ps(dct, gf));
        }
    }
}

void rnn_k_gru_bwd_zn__avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                              const float *dh, float *dg, float *dh_prev)
{
    __m512 one = _mm512_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 16) {
            __mmask16 m = lanes_avx512(H - j);
            size_t e = b * H + j;
            __m512 gz = LD(m, g + H + j), gn = LD(m, g + 2 * H + j);
            __m512 hv = LD(m, h_prev + e), dhv = LD(m, dh + e);
            ST(m, d + H + j, _mm512_mul_ps(_mm512_mul_ps(dhv, _mm512_sub_ps(gn, hv)), dsig(gz)));
            ST(m, d + 2 * H + j, _mm512_mul_ps(_mm512_mul_ps(dhv, gz), dtanh(gn)));
            ST(m, dh_prev + e, _mm512_mul_ps(dhv, _mm512_sub_ps(one, gz)));
        }
    }
}

void rnn_k_gru_bwd_r__avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                             const float *drh, float *dg, float *dh_prev)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 16) {
            __mmask16 m = lanes_avx512(H - j);
            size_t e = b * H + j;
            __m512 gr = LD(m, g + j), dv = LD(m, drh + e);
            ST(m, d + j, _mm512_mul_ps(_mm512_mul_ps(dv, LD(m, h_prev + e)), dsig(gr)));
            ST(m, dh_prev + e, _mm512_fmadd_ps(dv, gr, LD(m, dh_prev + e)));
        }
    }
}

void rnn_k_lbr_gru_bwd__avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                               const float *dh, float *dgx, float *dgh, float *dh_prev)
{
    __m512 one = _mm512_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *dx = dgx + b * 3 * H, *dr = dgh + b * 3 * H;
        for (size_t j = 0; j < H; j += 16) {
            __mmask16 m = lanes_avx512(H - j);
            size_t e = b * H + j;
            __m512 gr = LD(m, g + j), gz = LD(m, g + H + j);
            __m512 gn = LD(m, g + 2 * H + j), hn = LD(m, g + 3 * H + j);
            __m512 hv = LD(m, h_prev + e), dhv = LD(m, dh + e);
            __m512 an = _mm512_mul_ps(_mm512_mul_ps(dhv, _mm512_sub_ps(one, gz)), dtanh(gn));
            __m512 ar = _mm512_mul_ps(_mm512_mul_ps(an, hn), dsig(gr));
            __m512 az = _mm512_mul_ps(_mm512_mul_ps(dhv, _mm512_sub_ps(hv, gn)), dsig(gz));
            ST(m, dx + j, ar);
            ST(m, dx + H + j, az);
            ST(m, dx + 2 * H + j, an);
            ST(m, dr + j, ar);
            ST(m, dr + H + j, az);
            ST(m, dr + 2 * H + j, _mm512_mul_ps(an, gr));
            ST(m, dh_prev + e, _mm512_mul_ps(dhv, gz));
        }
    }
}
