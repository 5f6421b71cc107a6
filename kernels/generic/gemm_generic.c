/* gemm_generic.c — portable GEMM and the packed C = A W^T of the generic table.
 * Plain loops in float; the inner loop runs along contiguous memory where the
 * layout allows it (row of C with a row of B or of the packed W^T). */
#include <string.h>
#include "generic.h"

static void scale_rows(size_t M, size_t N, float beta, float *C, size_t ldc)
{
    if (beta != 0.0f)
        return; /* beta is 0 or 1; with 0, C's old contents (maybe NaN) must not be read */
    for (size_t i = 0; i < M; i++)
        memset(C + i * ldc, 0, N * sizeof *C);
}

void rnn_k_gemm__generic(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                         size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    scale_rows(M, N, beta, C, ldc);
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (!trans_b) {
            for (size_t k = 0; k < K; k++) {
                float a = trans_a ? A[k * lda + i] : A[i * lda + k];
                const float *b = B + k * ldb;
                for (size_t j = 0; j < N; j++)
                    c[j] += a * b[j];
            }
        } else {
            for (size_t j = 0; j < N; j++) {
                const float *b = B + j * ldb;
                float s = 0.0f;
                for (size_t k = 0; k < K; k++)
                    s += (trans_a ? A[k * lda + i] : A[i * lda + k]) * b[k];
                c[j] += s;
            }
        }
    }
}

size_t rnn_k_packed_size__generic(size_t N, size_t K)
{
    return N * K;
}

void rnn_k_pack_nt__generic(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    for (size_t n = 0; n < N; n++)
        for (size_t k = 0; k < K; k++)
            packed[k * N + n] = W[n * ldw + k];
}

void rnn_k_gemm_packed_nt__generic(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                   const float *packed, const float *bias, float beta, float *C,
                                   size_t ldc)
{
    scale_rows(M, N, beta, C, ldc);
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (bias)
            for (size_t j = 0; j < N; j++)
                c[j] += bias[j];
        for (size_t k = 0; k < K; k++) {
            float a = A[i * lda + k];
            const float *w = packed + k * N;
            for (size_t j = 0; j < N; j++)
                c[j] += a * w[j];
        }
    }
}
