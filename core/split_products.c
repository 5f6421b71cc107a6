/* split_products.c — the products and sums of a call shared between its
 * threads (declared in drivers.h). Each splits the OUTPUT, never a
 * reduction: every element's sum is computed whole by one thread, in the
 * order the single-thread call uses, so the results keep their bits (every
 * table's products are one chain per output however the rows and columns
 * are shared out: docs/design.md §9.2). */
#include "drivers.h"

/* Rows and columns are handed out in multiples of this: whole cache lines
 * of floats, and no share smaller than the vector width of any table. */
#define UNIT 16

int rnn_call_threads(const rnn_plan *p, const rnn_workspace *ws)
{
    const int n = p->threads < ws->threads ? p->threads : ws->threads;
    if (n < 2 || !ws->team)
        return 1;
    if (p->desc.B < 4 && !rnn_split_units(p))
        return 1;
    return 2;
}

void rnn_par_packed_cols(const rnn_plan *p, const rnn_thread *th, size_t M, size_t N, size_t K,
                         const float *A, size_t lda, const float *packed, const float *bias,
                         float beta, float *C, size_t ldc)
{
    size_t c0, c1;
    rnn_share(N, p->nr ? p->nr : N, th, &c0, &c1);
    if (c1 > c0)
        rnn_packed_nt(p, M, c1 - c0, K, A, lda, rnn_panel_at(p, packed, c0, K),
                      bias ? bias + c0 : NULL, beta, C + c0, ldc);
}

void rnn_par_packed_nt(const rnn_plan *p, const rnn_thread *th, size_t M, size_t N, size_t K,
                       const float *A, size_t lda, const float *packed, const float *bias,
                       float beta, float *C, size_t ldc)
{
    if (th->n < 2) {
        rnn_packed_nt(p, M, N, K, A, lda, packed, bias, beta, C, ldc);
        return;
    }
    if (M >= 4) {
        size_t r0, r1;
        rnn_share(M, 1, th, &r0, &r1);
        rnn_packed_nt(p, r1 - r0, N, K, A + r0 * lda, lda, packed, bias, beta, C + r0 * ldc, ldc);
    } else if (p->nr && N > p->nr) {
        rnn_par_packed_cols(p, th, M, N, K, A, lda, packed, bias, beta, C, ldc);
    } else if (th->tid == 0) {
        rnn_packed_nt(p, M, N, K, A, lda, packed, bias, beta, C, ldc);
    }
}

void rnn_par_gemm(const rnn_plan *p, const rnn_thread *th, int trans_a, size_t M, size_t N,
                  size_t K, const float *A, size_t lda, const float *B, size_t ldb, float *C,
                  size_t ldc)
{
    if (th->n < 2) {
        rnn_weight_gemm(p, trans_a, M, N, K, A, lda, B, ldb, C, ldc);
        return;
    }
    size_t lo, hi;
    if (M >= 2 * UNIT || M >= N) {
        rnn_share(M, UNIT, th, &lo, &hi);
        if (hi > lo)
            rnn_weight_gemm(p, trans_a, hi - lo, N, K, trans_a ? A + lo : A + lo * lda, lda, B,
                            ldb, C + lo * ldc, ldc);
    } else {
        rnn_share(N, UNIT, th, &lo, &hi);
        if (hi > lo)
            rnn_weight_gemm(p, trans_a, M, hi - lo, K, A, lda, B + lo, ldb, C + lo, ldc);
    }
}

void rnn_par_column_sums(const rnn_thread *th, size_t rows, size_t n, const float *a, size_t ld,
                         float *dst)
{
    size_t lo, hi;
    rnn_share(n, UNIT, th, &lo, &hi);
    if (hi > lo)
        rnn_column_sums(rows, hi - lo, a + lo, ld, dst + lo);
}
