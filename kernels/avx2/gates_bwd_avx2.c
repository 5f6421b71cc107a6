/* gates_bwd_avx2.c — fused gate backward of the four cells, 8 hidden units
 * per vector, the row's last partial vector through maskload/maskstore (no
 * access past H). Each
 * vector's inputs are loaded before its outputs are stored (in-place safe
 * elementwise, e.g. dh_prev == dh). Equations and layouts: kernels.h. */
#include "activations_avx2.h"
#include "avx2.h"

/* Full vectors use plain loads and stores; the row's tail maskload/maskstore. */
#define LD(m, p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m))
#define ST(m, p, v) (full ? _mm256_storeu_ps(p, v) : _mm256_maskstore_ps(p, m, v))

/* s (1 - s): the derivative of a sigmoid from its value. */
static inline __m256 dsig(__m256 s)
{
    return _mm256_fnmadd_ps(s, s, s);
}

/* 1 - t^2: the derivative of tanh from its value. */
static inline __m256 dtanh(__m256 t)
{
    return _mm256_fnmadd_ps(t, t, _mm256_set1_ps(1.0f));
}

void rnn_k_rnn_tanh_bwd__avx2(size_t B, size_t H, const float *h, const float *dh, float *dg)
{
    size_t n = B * H;
    for (size_t i = 0; i < n; i += 8) {
        __m256i m = lanes_avx2(n - i);
        int full = i + 8 <= n;
        ST(m, dg + i, _mm256_mul_ps(LD(m, dh + i), dtanh(LD(m, h + i))));
    }
}

void rnn_k_lstm_bwd__avx2(size_t B, size_t H, const float *gates, const float *c_prev,
                          const float *c, const float *dh, float *dc, float *dg)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *d = dg + b * 4 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            size_t e = b * H + j;
            __m256 gi = LD(m, g + j), gf = LD(m, g + H + j);
            __m256 gg = LD(m, g + 2 * H + j), go = LD(m, g + 3 * H + j);
            __m256 dhv = LD(m, dh + e);
            __m256 tc = tanh_avx2(LD(m, c + e));
            __m256 dct = _mm256_fmadd_ps(_mm256_mul_ps(dhv, go), dtanh(tc), LD(m, dc + e));
            ST(m, d + j, _mm256_mul_ps(_mm256_mul_ps(dct, gg), dsig(gi)));
            ST(m, d + H + j, _mm256_mul_ps(_mm256_mul_ps(dct, LD(m, c_prev + e)), dsig(gf)));
            ST(m, d + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dct, gi), dtanh(gg)));
            ST(m, d + 3 * H + j, _mm256_mul_ps(_mm256_mul_ps(dhv, tc), dsig(go)));
            ST(m, dc + e, _mm256_mul_ps(dct, gf));
        }
    }
}

void rnn_k_gru_bwd_zn__avx2(size_t B, size_t H, const float *gates, const float *h_prev,
                            const float *dh, float *dg, float *dh_prev)
{
    __m256 one = _mm256_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            size_t e = b * H + j;
            __m256 gz = LD(m, g + H + j), gn = LD(m, g + 2 * H + j);
            __m256 hv = LD(m, h_prev + e), dhv = LD(m, dh + e);
            ST(m, d + H + j, _mm256_mul_ps(_mm256_mul_ps(dhv, _mm256_sub_ps(gn, hv)), dsig(gz)));
            ST(m, d + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dhv, gz), dtanh(gn)));
            ST(m, dh_prev + e, _mm256_mul_ps(dhv, _mm256_sub_ps(one, gz)));
        }
    }
}

void rnn_k_gru_bwd_r__avx2(size_t B, size_t H, const float *gates, const float *h_prev,
                           const float *drh, float *dg, float *dh_prev)
{
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 3 * H;
        float *d = dg + b * 3 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            size_t e = b * H + j;
            __m256 gr = LD(m, g + j), dv = LD(m, drh + e);
            ST(m, d + j, _mm256_mul_ps(_mm256_mul_ps(dv, LD(m, h_prev + e)), dsig(gr)));
            ST(m, dh_prev + e, _mm256_fmadd_ps(dv, gr, LD(m, dh_prev + e)));
        }
    }
}

void rnn_k_lbr_gru_bwd__avx2(size_t B, size_t H, const float *gates, const float *h_prev,
                             const float *dh, float *dgx, float *dgh, float *dh_prev)
{
    __m256 one = _mm256_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H;
        float *dx = dgx + b * 3 * H, *dr = dgh + b * 3 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            size_t e = b * H + j;
            __m256 gr = LD(m, g + j), gz = LD(m, g + H + j);
            __m256 gn = LD(m, g + 2 * H + j), hn = LD(m, g + 3 * H + j);
            __m256 hv = LD(m, h_prev + e), dhv = LD(m, dh + e);
            __m256 an = _mm256_mul_ps(_mm256_mul_ps(dhv, _mm256_sub_ps(one, gz)), dtanh(gn));
            __m256 ar = _mm256_mul_ps(_mm256_mul_ps(an, hn), dsig(gr));
            __m256 az = _mm256_mul_ps(_mm256_mul_ps(dhv, _mm256_sub_ps(hv, gn)), dsig(gz));
            ST(m, dx + j, ar);
            ST(m, dx + H + j, az);
            ST(m, dx + 2 * H + j, an);
            ST(m, dr + j, ar);
            ST(m, dr + H + j, az);
            ST(m, dr + 2 * H + j, _mm256_mul_ps(an, gr));
            ST(m, dh_prev + e, _mm256_mul_ps(dhv, gz));
        }
    }
}
