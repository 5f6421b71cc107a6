/* gemm_generic.c — portable GEMM and the packed C = A W^T of the generic table.
 *
 * Bits: each output is one fmaf chain over k in ascending order from its
 * initial value (docs/design.md §9.2), the order every table follows, so
 * this table is the readable statement of what the others compute. The
 * loops run k outside j where the layout allows it (a row of C against a
 * row of B or of the packed W^T: contiguous, vectorizable); each C[i][j]
 * still sees its k in order.
 *
 * fmaf rounds once everywhere. On x86-64 the baseline has no FMA
 * instruction, so each product also gets an FMA clone (target_clones) that
 * the loader picks on CPUs with FMA; without one, fmaf is the C library's
 * exact software path: slower, the same bits. */
#include <math.h>
#include <string.h>
#include "generic.h"

/* Not under ThreadSanitizer: the clones' resolver (an ifunc) runs while
 * the loader relocates, before TSan's runtime exists, and crashes there. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__)
#define FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define FMA_CLONES
#endif

/* Row i of C gets its initial value: beta 0 means +0 (C's old contents,
 * maybe NaN, are not read), beta 1 keeps C. */
static void init_rows(size_t M, size_t N, float beta, float *C, size_t ldc)
{
    if (beta != 0.0f)
        return;
    for (size_t i = 0; i < M; i++)
        memset(C + i * ldc, 0, N * sizeof *C);
}

FMA_CLONES
void rnn_k_gemm__generic(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                         size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    init_rows(M, N, beta, C, ldc);
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (!trans_b) {
            for (size_t k = 0; k < K; k++) {
                const float a = trans_a ? A[k * lda + i] : A[i * lda + k];
                const float *b = B + k * ldb;
                for (size_t j = 0; j < N; j++)
                    c[j] = fmaf(a, b[j], c[j]);
            }
        } else {
            for (size_t j = 0; j < N; j++) {
                const float *b = B + j * ldb;
                float acc = c[j];
                for (size_t k = 0; k < K; k++)
                    acc = fmaf(trans_a ? A[k * lda + i] : A[i * lda + k], b[k], acc);
                c[j] = acc;
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

FMA_CLONES
void rnn_k_gemm_packed_nt__generic(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                   const float *packed, const float *bias, float beta, float *C,
                                   size_t ldc)
{
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        /* the initial value: C + bias, C, bias or +0 (bias alone is copied,
         * not added to +0, which would turn a -0 bias into +0) */
        if (beta == 0.0f && bias)
            memcpy(c, bias, N * sizeof *c);
        else if (beta == 0.0f)
            memset(c, 0, N * sizeof *c);
        else if (bias)
            for (size_t j = 0; j < N; j++)
                c[j] += bias[j];
        for (size_t k = 0; k < K; k++) {
            const float a = A[i * lda + k];
            const float *w = packed + k * N;
            for (size_t j = 0; j < N; j++)
                c[j] = fmaf(a, w[j], c[j]);
        }
    }
}
