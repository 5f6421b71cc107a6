/* gemm_bf16_generic.c — the bf16 products of the generic table in portable
 * C (entries.inc states them): the packed product as chains of the exact
 * vdpbf16ps lane emulation (kernels/bf16.h), so every machine runs what
 * x86's instruction computes, bit for bit; and the weight gradients' GEMM
 * as gemm's fmaf chains on operands rounded to bf16 as they are read. */
#include <math.h>
#include <string.h>
#include "bf16.h"
#include "generic.h"

/* A row's pair words are made BLOCK at a time on the stack (kernels do not
 * allocate); later blocks continue each chain from C. */
#define BLOCK 256

void rnn_k_bf16_gemm_packed_nt__generic(size_t M, size_t N, size_t K, const float *A,
                                        size_t lda, const rnn_bf16x2 *packed,
                                        const float *bias, float beta, float *C, size_t ldc)
{
    const size_t K2 = (K + 1) / 2;
    rnn_bf16x2 x2[BLOCK];
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        for (size_t n = 0; n < N; n++) {
            const float b = bias ? bias[n] : 0.0f;
            c[n] = beta != 0.0f ? (bias ? c[n] + b : c[n]) : b;
        }
        for (size_t j0 = 0; j0 < K2; j0 += BLOCK) {
            const size_t j1 = K2 - j0 < BLOCK ? K2 : j0 + BLOCK;
            const size_t k1 = 2 * j1 < K ? 2 * j1 : K;
            rnn_bf16_pairs(k1 - 2 * j0, A + i * lda + 2 * j0, x2);
            for (size_t n = 0; n < N; n++) {
                const rnn_bf16x2 *w =
                    packed + n / RNN_BF16_NR * RNN_BF16_NR * K2 + j0 * RNN_BF16_NR + n % RNN_BF16_NR;
                float acc = c[n];
                for (size_t j = j0; j < j1; j++, w += RNN_BF16_NR)
                    acc = rnn_bf16_dot_lane(acc, *w, x2[j - j0]);
                c[n] = acc;
            }
        }
    }
}

/* Not under ThreadSanitizer (gemm_generic.c says why). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__)
#define FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define FMA_CLONES
#endif

/* k outside the rows, so each row of B is rounded once per column block;
 * every C[i][j] still sees its k in ascending order. */
FMA_CLONES
void rnn_k_bf16_gemm__generic(int trans_a, size_t M, size_t N, size_t K, const float *A,
                              size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    float b[BLOCK];
    for (size_t i = 0; i < M; i++)
        memset(C + i * ldc, 0, N * sizeof *C);
    for (size_t j0 = 0; j0 < N; j0 += BLOCK) {
        const size_t n = N - j0 < BLOCK ? N - j0 : BLOCK;
        for (size_t k = 0; k < K; k++) {
            for (size_t j = 0; j < n; j++)
                b[j] = rnn_bf16_round(B[k * ldb + j0 + j]);
            for (size_t i = 0; i < M; i++) {
                const float a = rnn_bf16_round(trans_a ? A[k * lda + i] : A[i * lda + k]);
                float *c = C + i * ldc + j0;
                for (size_t j = 0; j < n; j++)
                    c[j] = fmaf(a, b[j], c[j]);
            }
        }
    }
}
