/* activations_avx2.c — the avx2 table's vexp, vtanh, vsigmoid: 8 lanes at a
 * time, the last partial vector through maskload/maskstore (no access past
 * n). Bits and ULP bounds as generic/activations_scalar.h states. */
#include "activations_avx2.h"
#include "avx2.h"

#define MAP_AVX2(name, f)                                                    \
    void name(size_t n, const float *x, float *y)                           \
    {                                                                        \
        size_t i = 0;                                                        \
        for (; i + 8 <= n; i += 8)                                           \
            _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));              \
        if (i < n) {                                                         \
            __m256i m = lanes_avx2(n - i);                                   \
            _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));  \
        }                                                                    \
    }

MAP_AVX2(rnn_k_vexp__avx2, exp_avx2)
MAP_AVX2(rnn_k_vtanh__avx2, tanh_avx2)
MAP_AVX2(rnn_k_vsigmoid__avx2, sigmoid_avx2)
