/* activations_avx512.c — the avx512 table's vexp, vtanh, vsigmoid: 16 lanes
 * at a time, the last partial vector through a lane mask (no access past n).
 * Bits and ULP bounds as generic/activations_scalar.h states. */
#include "activations_avx512.h"
#include "avx512.h"

#define MAP_AVX512(name, f)                                             \
    void name(size_t n, const float *x, float *y)                      \
    {                                                                   \
        size_t i = 0;                                                   \
        for (; i + 16 <= n; i += 16)                                    \
            _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));         \
        if (i < n) {                                                    \
            __mmask16 m = lanes_avx512(n - i);                          \
            _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i))); \
        }                                                               \
    }

MAP_AVX512(rnn_k_vexp__avx512, exp_avx512)
MAP_AVX512(rnn_k_vtanh__avx512, tanh_avx512)
MAP_AVX512(rnn_k_vsigmoid__avx512, sigmoid_avx512)
