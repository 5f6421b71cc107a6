/* bf16.c — the bf16 weight packing, the input's pair words, the CPU check
 * in front of the AVX512-BF16 GEMV (kernels/bf16.h says the layout and the
 * bits). Baseline code: the check runs before any AVX-512 instruction. */
#include <stdio.h>
#include "bf16.h"
#include "kernels.h"

size_t rnn_bf16_packed_size(size_t N, size_t K)
{
    return (N + RNN_BF16_NR - 1) / RNN_BF16_NR * RNN_BF16_NR * ((K + 1) / 2);
}

void rnn_bf16_pack(size_t N, size_t K, const float *W, size_t ldw, rnn_bf16x2 *packed)
{
    const size_t K2 = (K + 1) / 2, np = (N + RNN_BF16_NR - 1) / RNN_BF16_NR;
    /* Each row of W is read once, front to back; its pair words go down one
     * column of its panel. The padding columns are zeros. */
    for (size_t c = 0; c < np * RNN_BF16_NR; c++) {
        rnn_bf16x2 *dst = packed + c / RNN_BF16_NR * RNN_BF16_NR * K2 + c % RNN_BF16_NR;
        if (c >= N) {
            for (size_t j = 0; j < K2; j++)
                dst[j * RNN_BF16_NR] = 0;
            continue;
        }
        const float *w = W + c * ldw;
        for (size_t j = 0; j < K2; j++) {
            const rnn_bf16 k1 = 2 * j + 1 < K ? rnn_bf16_from_float(w[2 * j + 1]) : 0;
            dst[j * RNN_BF16_NR] = rnn_bf16_pair(rnn_bf16_from_float(w[2 * j]), k1);
        }
    }
}

float rnn_bf16_round(float f)
{
    return rnn_bf16_to_float(rnn_bf16_from_float(f));
}

void rnn_bf16_pairs(size_t K, const float *x, rnn_bf16x2 *x2)
{
    for (size_t j = 0; 2 * j < K; j++)
        x2[j] = rnn_bf16_pair(rnn_bf16_from_float(x[2 * j]),
                              2 * j + 1 < K ? rnn_bf16_from_float(x[2 * j + 1]) : 0);
}

rnn_status rnn_bf16_avx512_check(const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
#if defined(__x86_64__)
    rnn_status s = rnn_isa_check(RNN_ISA_AVX512, why);
    if (s != RNN_OK)
        return RNN_ERR_ISA_UNSUPPORTED;
    if (rnn_cpu_feature_usable("avx512bf16"))
        return RNN_OK;
    *why = rnn_cpu_feature_present("avx512bf16")
               ? "CPU lacks avx512bf16 (hidden by RNNSIMD_CPU_MASK)"
               : "CPU lacks avx512bf16";
    return RNN_ERR_ISA_UNSUPPORTED;
#else
    *why = "the bf16 avx512 GEMV needs an x86-64 build";
    return RNN_ERR_ISA_UNSUPPORTED;
#endif
}

rnn_status rnn_bf16_gemv_avx512(size_t N, size_t K, const rnn_bf16x2 *x2,
                                const rnn_bf16x2 *packed, const float *bias, float beta,
                                float *C)
{
    if (rnn_bf16_avx512_check(NULL) != RNN_OK)
        return RNN_ERR_ISA_UNSUPPORTED;
#if defined(__x86_64__)
    rnn_bf16_gemv_avx512_unchecked(N, K, x2, packed, bias, beta != 0.0f, C);
#else
    (void)N, (void)K, (void)x2, (void)packed, (void)bias, (void)beta, (void)C;
#endif
    return RNN_OK;
}
