/* head_avx512.c — softmax cross-entropy of the output head, 16 classes per
 * vector: row max, then exp(l - max) (activations_avx512.h) summed in double,
 * loss = log(sum) - (l[t] - max) in double; the row's last partial vector is
 * masked. dlogits doubles as the store for exp(l - max) before scaling. */
#include <math.h>
#include "activations_avx512.h"
#include "avx512.h"

double rnn_k_softmax_xent__avx512(size_t rows, size_t V, const float *logits,
                                  const int32_t *targets, float scale, float *dlogits)
{
    double loss = 0.0;
    __m512 ninf = _mm512_set1_ps(-INFINITY);
    for (size_t r = 0; r < rows; r++) {
        const float *l = logits + r * V;
        __m512 vmax = ninf;
        for (size_t v = 0; v < V; v += 16)
            vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(ninf, lanes_avx512(V - v), l + v));
        float mx = _mm512_reduce_max_ps(vmax);
        __m512 vm = _mm512_set1_ps(mx);
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        for (size_t v = 0; v < V; v += 16) {
            __mmask16 m = lanes_avx512(V - v);
            __m512 e = _mm512_maskz_mov_ps(m, exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, l + v), vm)));
            s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
            s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
            if (dlogits)
                _mm512_mask_storeu_ps(dlogits + r * V + v, m, e);
        }
        double s = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
        size_t t = (size_t)targets[r];
        loss += log(s) - ((double)l[t] - mx);
        if (dlogits) {
            float *d = dlogits + r * V;
            __m512 f = _mm512_set1_ps((float)((double)scale / s));
            for (size_t v = 0; v < V; v += 16) {
                __mmask16 m = lanes_avx512(V - v);
                _mm512_mask_storeu_ps(d + v, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, d + v), f));
            }
            d[t] -= scale;
        }
    }
    return loss;
}
