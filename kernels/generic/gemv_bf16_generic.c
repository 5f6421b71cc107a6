/* gemv_bf16_generic.c — the bf16 batch-1 GEMV in portable C: the readable
 * statement of what the AVX512-BF16 one computes, bit for bit, so every
 * machine can run bf16 conformance. Each output is the chain of
 * vdpbf16ps lane steps (rnn_bf16_dot_lane) over the pairs of k ascending
 * from its initial value; a panel's 32 chains advance together so the
 * packed rows are read in order. */
#include "bf16.h"

void rnn_bf16_gemv_generic(size_t N, size_t K, const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                           const float *bias, float beta, float *C)
{
    const size_t K2 = (K + 1) / 2;
    for (size_t p0 = 0; p0 < N; p0 += RNN_BF16_NR) {
        const size_t n = N - p0 < RNN_BF16_NR ? N - p0 : RNN_BF16_NR;
        const rnn_bf16x2 *w = packed + p0 * K2;
        float acc[RNN_BF16_NR];
        for (size_t c = 0; c < n; c++) {
            const float b = bias ? bias[p0 + c] : 0.0f;
            acc[c] = beta != 0.0f ? (bias ? C[p0 + c] + b : C[p0 + c]) : b;
        }
        for (size_t j = 0; j < K2; j++, w += RNN_BF16_NR)
            for (size_t c = 0; c < n; c++)
                acc[c] = rnn_bf16_dot_lane(acc[c], w[c], x2[j]);
        for (size_t c = 0; c < n; c++)
            C[p0 + c] = acc[c];
    }
}
