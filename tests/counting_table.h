/* counting_table.h — for the tests that count what a plan's products
 * compute (test_step_columns.c, test_bench_work.c): counting_table(t) is a
 * copy of kernel table t whose product entries (gemm, gemm_packed_nt,
 * gemv_ride and its ride, and their bf16 twins) first add their
 * multiply-adds to counted_macs and report the call to the hooks a test
 * sets, then call t's own entry. Swapped into a plan (its k) for a call, it
 * changes no result. A plan's two threads both add, atomically. */
#ifndef RNNSIMD_TESTS_COUNTING_TABLE_H
#define RNNSIMD_TESTS_COUNTING_TABLE_H

#include <stdint.h>
#include "kernels.h"

static uint64_t counted_macs;
static const rnn_kernels *counted_real; /* the table counting_table copied */

/* Optional: a packed product's C (M x N, from packed's column on, K deep;
 * M 1 for the GEMV of a ride entry), and a ride entry's ride. */
static void (*count_packed_hook)(size_t M, size_t N, size_t K, const void *packed,
                                 const float *C);
static void (*count_ride_hook)(const rnn_ride *ride);

static void count_call(size_t M, size_t N, size_t K)
{
    __atomic_fetch_add(&counted_macs, (uint64_t)M * N * K, __ATOMIC_RELAXED);
}

static void count_packed(size_t M, size_t N, size_t K, const void *packed, const float *C)
{
    count_call(M, N, K);
    if (count_packed_hook)
        count_packed_hook(M, N, K, packed, C);
}

static void count_ride(const rnn_ride *r)
{
    if (r && r->rows)
        count_call(r->rows, r->c1 - r->c0, r->K);
    if (count_ride_hook)
        count_ride_hook(r);
}

static void counting_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                          size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    count_call(M, N, K);
    counted_real->gemm(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

static void counting_gemm_packed_nt(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                    const float *packed, const float *bias, float beta, float *C,
                                    size_t ldc)
{
    count_packed(M, N, K, packed, C);
    counted_real->gemm_packed_nt(M, N, K, A, lda, packed, bias, beta, C, ldc);
}

static void counting_gemv_ride(size_t N, size_t K, const float *a, const float *packed,
                               const float *bias, float beta, float *C, size_t chunk,
                               size_t group, const rnn_ride *ride)
{
    count_packed(1, N, K, packed, C);
    count_ride(ride);
    counted_real->gemv_ride(N, K, a, packed, bias, beta, C, chunk, group, ride);
}

static void counting_bf16_gemm_packed_nt(size_t M, size_t N, size_t K, const float *A,
                                         size_t lda, const rnn_bf16x2 *packed, const float *bias,
                                         float beta, float *C, size_t ldc)
{
    count_packed(M, N, K, packed, C);
    counted_real->bf16_gemm_packed_nt(M, N, K, A, lda, packed, bias, beta, C, ldc);
}

static void counting_bf16_gemv_ride(size_t N, size_t K, const float *a, const rnn_bf16x2 *packed,
                                    const float *bias, float beta, float *C, size_t chunk,
                                    const rnn_ride *ride)
{
    count_packed(1, N, K, packed, C);
    count_ride(ride);
    counted_real->bf16_gemv_ride(N, K, a, packed, bias, beta, C, chunk, ride);
}

static void counting_bf16_gemm(int trans_a, size_t M, size_t N, size_t K, const float *A,
                               size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    count_call(M, N, K);
    counted_real->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, C, ldc);
}

/* Table t with every product entry it has counting; t is what they call. */
static rnn_kernels counting_table(const rnn_kernels *t)
{
    rnn_kernels c = *t;
    counted_real = t;
    c.gemm = counting_gemm;
    c.gemm_packed_nt = counting_gemm_packed_nt;
    c.gemv_ride = t->gemv_ride ? counting_gemv_ride : NULL;
    c.bf16_gemm_packed_nt = t->bf16_gemm_packed_nt ? counting_bf16_gemm_packed_nt : NULL;
    c.bf16_gemv_ride = t->bf16_gemv_ride ? counting_bf16_gemv_ride : NULL;
    c.bf16_gemm = t->bf16_gemm ? counting_bf16_gemm : NULL;
    return c;
}

#endif /* RNNSIMD_TESTS_COUNTING_TABLE_H */
