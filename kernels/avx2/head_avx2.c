/* head_avx2.c — softmax cross-entropy of the output head, 8 classes per
 * vector: row max, then exp(l - max) (activations_avx2.h) summed in double,
 * loss = log(sum) - (l[t] - max) in double; the row's last partial vector goes
 * through maskload/maskstore. dlogits doubles as the store for exp(l - max)
 * before scaling. */
#include <math.h>
#include "activations_avx2.h"
#include "avx2.h"

static inline float hmax8(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

double rnn_k_softmax_xent__avx2(size_t rows, size_t V, const float *logits, const int32_t *targets,
                                float scale, float *dlogits)
{
    double loss = 0.0;
    __m256 ninf = _mm256_set1_ps(-INFINITY);
    for (size_t r = 0; r < rows; r++) {
        const float *l = logits + r * V;
        __m256 vmax = ninf;
        size_t v = 0;
        for (; v + 8 <= V; v += 8)
            vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(l + v));
        if (v < V) {
            __m256i m = lanes_avx2(V - v);
            __m256 t = _mm256_blendv_ps(ninf, _mm256_maskload_ps(l + v, m), _mm256_castsi256_ps(m));
            vmax = _mm256_max_ps(vmax, t);
        }
        float mx = hmax8(vmax);
        __m256 vm = _mm256_set1_ps(mx);
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        for (v = 0; v < V; v += 8) {
            int full = v + 8 <= V;
            __m256i m = lanes_avx2(V - v);
            __m256 x = full ? _mm256_loadu_ps(l + v) : _mm256_maskload_ps(l + v, m);
            __m256 e = exp_avx2(_mm256_sub_ps(x, vm));
            if (!full)
                e = _mm256_and_ps(e, _mm256_castsi256_ps(m));
            s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
            s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
            if (dlogits) {
                if (full)
                    _mm256_storeu_ps(dlogits + r * V + v, e);
                else
                    _mm256_maskstore_ps(dlogits + r * V + v, m, e);
            }
        }
        double sum[4];
        _mm256_storeu_pd(sum, _mm256_add_pd(s0, s1));
        double s = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        size_t t = (size_t)targets[r];
        loss += log(s) - ((double)l[t] - mx);
        if (dlogits) {
            float *d = dlogits + r * V;
            __m256 f = _mm256_set1_ps((float)((double)scale / s));
            for (v = 0; v + 8 <= V; v += 8)
                _mm256_storeu_ps(d + v, _mm256_mul_ps(_mm256_loadu_ps(d + v), f));
            if (v < V) {
                __m256i m = lanes_avx2(V - v);
                _mm256_maskstore_ps(d + v, m, _mm256_mul_ps(_mm256_maskload_ps(d + v, m), f));
            }
            d[t] -= scale;
        }
    }
    return loss;
}
