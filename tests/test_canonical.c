/* test_canonical.c — every kernel table this CPU runs follows the canonical
 * evaluation order of docs/design.md §9.2 bit for bit: each output of gemm,
 * gemm_packed_nt and gemv_ride is one fused multiply-add chain over k in
 * ascending order, from its initial value
 *     gemm:            beta ? C : +0
 *     gemm_packed_nt:  beta ? (bias ? C + bias : C) : (bias ? bias : +0)
 * and softmax_xent gives the same bits (probabilities, gradient and loss)
 * on every table. The chains are written here with fmaf, which rounds once
 * on every machine, so the expected bits do not depend on the table, the
 * CPU or the compiler.
 *
 * Shapes reach below, at and past every vector width, register tile and
 * cache block the tables use (N to 520: past a 512-column chunk; K to
 * 1100: past 512- and 1024-deep blocks, split evenly or not; M to 100:
 * past a 96-row chunk), every transpose, beta 0 and 1, with and without
 * bias; operands uniform in [-1, 1], and a signed-zero pass where every
 * operand is +-0 or +-1 and a third of the initial values are -0 (a chain
 * that starts from +0 instead of C, or adds C after, turns -0 into +0).
 * Arguments, if any, name the tables to check (default: all). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "drivers.h"

static uint64_t stream;
static int signed_zeros; /* the signed-zero pass: operands in {-1, -0, +0, +1} */

static float *floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        CHECK(0, "out of memory");
        exit(check_summary());
    }
    rnn_fill_uniform(p, n, 22, ++stream, -1.0f, 1.0f);
    if (signed_zeros) {
        /* mostly zeros of either sign, so whole chains stay zero */
        static const float v[8] = {-0.0f, 0.0f, -0.0f, 0.0f, -0.0f, -0.0f, 1.0f, -1.0f};
        for (size_t i = 0; i < n; i++)
            p[i] = v[(size_t)((p[i] + 1.0f) * 4.0f) & 7];
    }
    return p;
}

/* The first index where a and b differ in bits, or n. */
static size_t first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(a + i, b + i, sizeof *a) != 0)
            return i;
    return n;
}

static int failures_shown;
#define SHOW_MAX 12

/* Checks C (M x N, ldc) against want (M x N, dense), naming the case. */
static void expect_bits(const char *table, const char *what, size_t M, size_t N, size_t K,
                        const float *C, size_t ldc, const float *want)
{
    size_t bad = 0, bi = 0, bj = 0;
    for (size_t i = 0; i < M; i++) {
        size_t j = first_diff(C + i * ldc, want + i * N, N);
        if (j < N && !bad++)
            bi = i, bj = j;
        for (j = j < N ? j + 1 : N; j < N; j++)
            if (memcmp(C + i * ldc + j, want + i * N + j, sizeof *C) != 0)
                bad++;
    }
    if (bad && failures_shown++ >= SHOW_MAX) {
        check_failed++;
        return;
    }
    CHECK(!bad, "%s %s M=%zu N=%zu K=%zu: %zu of %zu outputs differ from the canonical chain, "
                "first C[%zu][%zu] = %a, canonical %a",
          table, what, M, N, K, bad, M * N, bi, bj, bad ? C[bi * ldc + bj] : 0.0f,
          bad ? want[bi * N + bj] : 0.0f);
}

/* ---- gemm: C = beta*C + op(A) op(B) ---- */

/* Leading dimensions rounded up to a multiple of 1024 floats: rows 4 KiB
 * apart, which some tables' gemm packs rather than reads in place. */
static int ld_4k;

static size_t ld(size_t n, size_t pad) { return ld_4k ? (n + 1023) / 1024 * 1024 : n + pad; }

static void gemm_case(const rnn_kernels *k, int ta, int tb, size_t M, size_t N, size_t K, int beta)
{
    const size_t lda = ld(ta ? M : K, 3), ldb = ld(tb ? K : N, 1), ldc = ld(N, 2);
    float *A = floats((ta ? K : M) * lda), *B = floats((tb ? N : K) * ldb);
    float *C = floats(M * ldc), *want = malloc((M * N + 1) * sizeof *want);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            float acc = beta ? C[i * ldc + j] : 0.0f;
            for (size_t kk = 0; kk < K; kk++)
                acc = fmaf(ta ? A[kk * lda + i] : A[i * lda + kk],
                           tb ? B[j * ldb + kk] : B[kk * ldb + j], acc);
            want[i * N + j] = acc;
        }
    if (!beta) /* beta 0 must not read C: NaN there must not leak */
        for (size_t i = 0; i < M * ldc; i++)
            C[i] = NAN;
    k->gemm(ta, tb, M, N, K, A, lda, B, ldb, beta ? 1.0f : 0.0f, C, ldc);
    char what[48];
    snprintf(what, sizeof what, "gemm%s%s beta %d", ta ? " A^T" : "", tb ? " B^T" : "", beta);
    expect_bits(k->name, what, M, N, K, C, ldc, want);
    free(A), free(B), free(C), free(want);
}

/* ---- gemm_packed_nt and gemv_ride: C = beta*C + bias + A W^T ---- */

static float packed_init(int beta, float c, const float *bias, size_t j)
{
    if (beta)
        return bias ? c + bias[j] : c;
    return bias ? bias[j] : 0.0f;
}

static void packed_case(const rnn_kernels *k, size_t M, size_t N, size_t K, int beta,
                        int with_bias)
{
    const size_t lda = K + 1, ldw = K + 2, ldc = N + 3;
    float *A = floats(M * lda), *W = floats(N * ldw), *bias = with_bias ? floats(N) : NULL;
    float *C = floats(M * ldc), *C1 = malloc(M * ldc * sizeof *C1);
    float *want = malloc((M * N + 1) * sizeof *want);
    float *packed = rnn_alloc_floats(k->packed_size(N, K));
    if (!C1 || !want || !packed) {
        CHECK(0, "out of memory");
        exit(check_summary());
    }
    memcpy(C1, C, M * ldc * sizeof *C);
    k->pack_nt(N, K, W, ldw, packed);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            float acc = packed_init(beta, C[i * ldc + j], bias, j);
            for (size_t kk = 0; kk < K; kk++)
                acc = fmaf(A[i * lda + kk], W[j * ldw + kk], acc);
            want[i * N + j] = acc;
        }
    if (!beta)
        for (size_t i = 0; i < M * ldc; i++)
            C[i] = NAN;
    k->gemm_packed_nt(M, N, K, A, lda, packed, bias, beta ? 1.0f : 0.0f, C, ldc);
    char what[96];
    snprintf(what, sizeof what, "gemm_packed_nt beta %d%s", beta, with_bias ? " bias" : "");
    expect_bits(k->name, what, M, N, K, C, ldc, want);

    /* The fused batch-1 step, row by row, both stream orders, no ride. */
    if (k->gemv_ride && M > 0) {
        for (size_t chunk = 0; chunk <= 3; chunk += 3) {
            float *Cr = malloc(M * ldc * sizeof *Cr);
            if (!Cr) {
                CHECK(0, "out of memory");
                exit(check_summary());
            }
            for (size_t i = 0; i < M * ldc; i++)
                Cr[i] = beta ? C1[i] : NAN;
            /* an empty ride: no columns (the ride's own bits are test_ride's) */
            float dummy[RNN_RIDE_ROWS_MAX] = {0};
            const rnn_ride none = {RNN_RIDE_ROWS_MIN, 1, 0, 0, 1, dummy, packed, NULL, dummy};
            for (size_t i = 0; i < M; i++)
                k->gemv_ride(N, K, A + i * lda, packed, bias, beta ? 1.0f : 0.0f, Cr + i * ldc,
                             chunk, chunk & 1 ? 2 : 4, chunk & 2 ? NULL : &none);
            snprintf(what, sizeof what, "gemv_ride chunk %zu group %d ride %s beta %d%s", chunk,
                     chunk & 1 ? 2 : 4, chunk & 2 ? "NULL" : "empty", beta,
                     with_bias ? " bias" : "");
            expect_bits(k->name, what, M, N, K, Cr, ldc, want);
            free(Cr);
        }
    }
    free(A), free(W), free(bias), free(C), free(C1), free(want), free(packed);
}

/* ---- softmax_xent: the same bits on every table ---- */

static void softmax_same(const rnn_kernels *k, const rnn_kernels *base, size_t rows, size_t V)
{
    float *logits = floats(rows * V);
    for (size_t i = 0; i < rows * V; i++)
        logits[i] *= 40.0f; /* a span wide enough that small terms vanish */
    int32_t *targets = malloc((rows ? rows : 1) * sizeof *targets);
    for (size_t r = 0; r < rows; r++)
        targets[r] = (int32_t)((r * 7 + 3) % V);
    float *d0 = malloc(rows * V * sizeof *d0), *d1 = malloc(rows * V * sizeof *d1);
    double l0 = base->softmax_xent(rows, V, logits, targets, 0.25f, d0);
    double l1 = k->softmax_xent(rows, V, logits, targets, 0.25f, d1);
    CHECK(memcmp(&l0, &l1, sizeof l0) == 0 && first_diff(d0, d1, rows * V) == rows * V,
          "%s softmax_xent rows=%zu V=%zu: loss %a vs %s's %a, first gradient difference at %zu",
          k->name, rows, V, l1, base->name, l0, first_diff(d0, d1, rows * V));
    free(logits), free(targets), free(d0), free(d1);
}

static const size_t Ms[] = {1, 2, 3, 5, 8, 12, 13, 17, 25, 33};
static const size_t Ns[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100};
static const size_t Ks[] = {0, 1, 2, 7, 16, 17, 64, 100, 300};
#define COUNT(a) (sizeof a / sizeof *a)

static void run_table(const rnn_kernels *k, const rnn_kernels *generic)
{
    for (size_t mi = 0; mi < COUNT(Ms); mi++)
        for (size_t ni = 0; ni < COUNT(Ns); ni++)
            for (size_t ki = 0; ki < COUNT(Ks); ki++) {
                size_t M = Ms[mi], N = Ns[ni], K = Ks[ki];
                /* every transpose and beta on a thinned grid, the common
                 * ones (A B^T packed, A^T B for weight gradients) on all */
                int thin = (mi + ni + ki) % 3 == 0;
                for (int beta = 0; beta <= 1; beta++) {
                    packed_case(k, M, N, K, beta, (mi + ki + beta) % 2);
                    gemm_case(k, 1, 0, M, N, K, beta);
                    if (thin) {
                        gemm_case(k, 0, 0, M, N, K, beta);
                        gemm_case(k, 0, 1, M, N, K, beta);
                        gemm_case(k, 1, 1, M, N, K, beta);
                    }
                }
            }
    /* The blocks: rows past a 96-row chunk, columns past a 512-column
     * chunk, depths past 512- and 1024-deep blocks, even splits or not. */
    static const size_t big[][3] = {
        {1, 520, 1100}, {1, 96, 513}, {1, 1040, 1025}, {2, 40, 1100}, {7, 70, 513},
        {12, 33, 1025}, {13, 520, 600}, {48, 100, 1024}, {97, 65, 257}, {100, 33, 700},
        {64, 129, 129}, {100, 520, 40},
    };
    for (size_t b = 0; b < COUNT(big); b++)
        for (int beta = 0; beta <= 1; beta++) {
            const size_t M = big[b][0], N = big[b][1], K = big[b][2];
            packed_case(k, M, N, K, beta, 1 - beta);
            for (int t = 0; t < 4; t++)
                if (t == 2 || (b + beta + t) % 2 == 0)
                    gemm_case(k, t >> 1, t & 1, M, N, K, beta);
        }
    /* Rows 4 KiB apart, past the blocks of the path that packs them (avx2:
     * 144-row blocks of A, 64-column chunks of B, 256-deep K blocks). */
    static const size_t strided[][3] = {
        {1, 1, 5}, {6, 16, 1}, {13, 129, 513}, {145, 65, 257}, {150, 70, 300}, {300, 200, 40},
    };
    ld_4k = 1;
    for (size_t b = 0; b < COUNT(strided); b++)
        for (int beta = 0; beta <= 1; beta++)
            for (int t = 0; t < 4; t++)
                gemm_case(k, t >> 1, t & 1, strided[b][0], strided[b][1], strided[b][2], beta);
    ld_4k = 0;
    /* Signed zeros: a chain of -0 products from a -0 start stays -0. */
    signed_zeros = 1;
    for (size_t ni = 0; ni < COUNT(Ns); ni += 3)
        for (size_t mi = 0; mi < COUNT(Ms); mi += 3)
            for (int beta = 0; beta <= 1; beta++) {
                packed_case(k, Ms[mi], Ns[ni], 5, beta, beta);
                packed_case(k, Ms[mi], Ns[ni], 0, beta, 1 - beta);
                gemm_case(k, 1, 0, Ms[mi], Ns[ni], 3, beta);
                gemm_case(k, 0, 1, Ms[mi], Ns[ni], 3, beta);
            }
    signed_zeros = 0;
    static const size_t heads[][2] = {{1, 2}, {3, 5}, {5, 16}, {7, 17}, {4, 33}, {2, 100}, {9, 257}};
    for (size_t h = 0; h < COUNT(heads); h++)
        softmax_same(k, generic, heads[h][0], heads[h][1]);
}

int main(int argc, char **argv)
{
    const rnn_kernels *generic = NULL;
    CHECK(rnn_kernels_get(RNN_ISA_GENERIC, &generic, NULL) == RNN_OK, "no generic table");
    if (!generic)
        return check_summary();
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = NULL;
        if (rnn_kernels_get((*t)->isa, &k, NULL) != RNN_OK) {
            printf("skip %s: this CPU does not run it\n", (*t)->name);
            continue;
        }
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], (*t)->name) == 0;
        if (!wanted)
            continue;
        int before = check_failed;
        failures_shown = 0;
        run_table(k, generic);
        printf("%s: %s\n", k->name, check_failed == before ? "canonical" : "NOT canonical");
    }
    return check_summary();
}
