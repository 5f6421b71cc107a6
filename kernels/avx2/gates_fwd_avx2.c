/* gates_fwd_avx2.c — fused gate forward of the four cells, 8 hidden units
 * per vector; the last partial vector of each row goes through
 * maskload/maskstore (never touching memory past H). Each vector's inputs
 * are loaded before its outputs are stored, so elementwise in-place use
 * (c == c_prev, h == h_prev) is safe. Equations and layouts: kernels.h. */
#include "activations_avx2.h"
#include "avx2.h"

/* Full vectors use plain loads and stores; the row's tail maskload/maskstore. */
#define LD(m, p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m))
#define ST(m, p, v) (full ? _mm256_storeu_ps(p, v) : _mm256_maskstore_ps(p, m, v))

void rnn_k_rnn_tanh_fwd__avx2(size_t B, size_t H, const float *xp, const float *hp, float *h)
{
    size_t n = B * H;
    for (size_t i = 0; i < n; i += 8) {
        __m256i m = lanes_avx2(n - i);
        int full = i + 8 <= n;
        ST(m, h + i, tanh_avx2(_mm256_add_ps(LD(m, xp + i), LD(m, hp + i))));
    }
}

void rnn_k_lstm_fwd__avx2(size_t B, size_t H, const float *xp, const float *hp, const float *c_prev,
                          float *gates, float *c, float *h)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 4 * H, *r = hp + b * 4 * H;
        float *g = gates ? gates + b * 4 * H : NULL;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            __m256 gi = sigmoid_avx2(_mm256_add_ps(LD(m, x + j), LD(m, r + j)));
            __m256 gf = sigmoid_avx2(_mm256_add_ps(LD(m, x + H + j), LD(m, r + H + j)));
            __m256 gg = tanh_avx2(_mm256_add_ps(LD(m, x + 2 * H + j), LD(m, r + 2 * H + j)));
            __m256 go = sigmoid_avx2(_mm256_add_ps(LD(m, x + 3 * H + j), LD(m, r + 3 * H + j)));
            __m256 cn = _mm256_fmadd_ps(gf, LD(m, c_prev + b * H + j), _mm256_mul_ps(gi, gg));
            if (g) {
                ST(m, g + j, gi);
                ST(m, g + H + j, gf);
                ST(m, g + 2 * H + j, gg);
                ST(m, g + 3 * H + j, go);
            }
            ST(m, c + b * H + j, cn);
            ST(m, h + b * H + j, _mm256_mul_ps(go, tanh_avx2(cn)));
        }
    }
}

void rnn_k_gru_fwd_rz__avx2(size_t B, size_t H, const float *xp, const float *hp,
                            const float *h_prev, float *gates, float *rh)
{
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            __m256 gr = sigmoid_avx2(_mm256_add_ps(LD(m, x + j), LD(m, r + j)));
            __m256 gz = sigmoid_avx2(_mm256_add_ps(LD(m, x + H + j), LD(m, r + H + j)));
            __m256 hv = LD(m, h_prev + b * H + j);
            ST(m, g + j, gr);
            ST(m, g + H + j, gz);
            ST(m, rh + b * H + j, _mm256_mul_ps(gr, hv));
        }
    }
}

void rnn_k_gru_fwd_n__avx2(size_t B, size_t H, const float *xp, const float *hp,
                           const float *h_prev, float *gates, float *h)
{
    __m256 one = _mm256_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates + b * 3 * H;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            __m256 gn = tanh_avx2(_mm256_add_ps(LD(m, x + 2 * H + j), LD(m, r + 2 * H + j)));
            __m256 gz = LD(m, g + H + j);
            __m256 hv = LD(m, h_prev + b * H + j);
            ST(m, g + 2 * H + j, gn);
            ST(m, h + b * H + j,
               _mm256_fmadd_ps(_mm256_sub_ps(one, gz), hv, _mm256_mul_ps(gz, gn)));
        }
    }
}

void rnn_k_lbr_gru_fwd__avx2(size_t B, size_t H, const float *xp, const float *hp,
                             const float *h_prev, float *gates, float *h)
{
    __m256 one = _mm256_set1_ps(1.0f);
    for (size_t b = 0; b < B; b++) {
        const float *x = xp + b * 3 * H, *r = hp + b * 3 * H;
        float *g = gates ? gates + b * 4 * H : NULL;
        for (size_t j = 0; j < H; j += 8) {
            __m256i m = lanes_avx2(H - j);
            int full = j + 8 <= H;
            __m256 gr = sigmoid_avx2(_mm256_add_ps(LD(m, x + j), LD(m, r + j)));
            __m256 gz = sigmoid_avx2(_mm256_add_ps(LD(m, x + H + j), LD(m, r + H + j)));
            __m256 hn = LD(m, r + 2 * H + j);
            __m256 gn = tanh_avx2(_mm256_fmadd_ps(gr, hn, LD(m, x + 2 * H + j)));
            __m256 hv = LD(m, h_prev + b * H + j);
            if (g) {
                ST(m, g + j, gr);
                ST(m, g + H + j, gz);
                ST(m, g + 2 * H + j, gn);
                ST(m, g + 3 * H + j, hn);
            }
            ST(m, h + b * H + j,
               _mm256_fmadd_ps(_mm256_sub_ps(one, gz), gn, _mm256_mul_ps(gz, hv)));
        }
    }
}
