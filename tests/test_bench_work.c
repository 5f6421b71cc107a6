/* test_bench_work.c — the work the benchmark counts against the work our
 * rows do. A row's GFLOP/s and pct_peak are its counted work over its time
 * (bench_total_flops: docs/design.md §13's 2*B*(I+H)*G*H a cell step plus
 * the head's 2*B*H*V a scored step, training three times the forward),
 * the same count for every implementation. Our plans skip two parts of it,
 * as docs/benchmarks.md states: no implementation is given h0, and from a
 * state of all zeros the first recurrent product of each cell of the
 * encoder is its bias (B*G*H*H multiply-adds a cell; the decoder starts
 * from the encoder's state); and one2many's inputs after step 1 are zero, so
 * layer 0's projection of those T-1 rows is its bias, and in training their
 * rows of dW_ih and dx are not computed (D*(T-1)*B*G*H*I each). One part
 * runs beyond the count: /seq_noproj's one-class head (V = 1: T*B*D*H
 * multiply-adds), left out of it as nothing beside the cell's work.
 *
 * Each row of ours is set up and run as the benchmark does it (bench/
 * impl_rnnsimd.c, compiled in with the bench sources it needs, as
 * test_bench_shim.c does), with the plan's kernel table (and each stack
 * cell's) swapped for a copy whose product entries add up their
 * multiply-adds before calling the real entry. The sum must be the counted
 * work less exactly those skips: any other skip would flatter a row's
 * GFLOP/s beyond what the documentation says, and any product done twice
 * would cost time no value test sees. Every cell and topology, one layer and
 * two bidirectional layers, forward and training, headed and /seq rows (and
 * /seq_noproj forward), batch 1 and 3, on every table this CPU runs, in
 * float32 and bf16 where the table has it, and at two threads. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "drivers.h"
#include "../bench/problem.c"
#include "../bench/data.c"
#include "../bench/impl_rnnsimd.c"

static uint64_t g_macs;
static const rnn_kernels *g_real;

static void add_macs(size_t M, size_t N, size_t K)
{
    __atomic_fetch_add(&g_macs, (uint64_t)M * N * K, __ATOMIC_RELAXED);
}

static void add_ride(const rnn_ride *r)
{
    if (r && r->rows)
        add_macs(r->rows, r->c1 - r->c0, r->K);
}

static void counting_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                          size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    add_macs(M, N, K);
    g_real->gemm(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

static void counting_gemm_packed_nt(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                    const float *packed, const float *bias, float beta, float *C,
                                    size_t ldc)
{
    add_macs(M, N, K);
    g_real->gemm_packed_nt(M, N, K, A, lda, packed, bias, beta, C, ldc);
}

static void counting_gemv_ride(size_t N, size_t K, const float *a, const float *packed,
                               const float *bias, float beta, float *C, size_t chunk,
                               size_t group, const rnn_ride *ride)
{
    add_macs(1, N, K);
    add_ride(ride);
    g_real->gemv_ride(N, K, a, packed, bias, beta, C, chunk, group, ride);
}

static void counting_bf16_gemm_packed_nt(size_t M, size_t N, size_t K, const float *A,
                                         size_t lda, const rnn_bf16x2 *packed, const float *bias,
                                         float beta, float *C, size_t ldc)
{
    add_macs(M, N, K);
    g_real->bf16_gemm_packed_nt(M, N, K, A, lda, packed, bias, beta, C, ldc);
}

static void counting_bf16_gemv_ride(size_t N, size_t K, const float *a, const rnn_bf16x2 *packed,
                                    const float *bias, float beta, float *C, size_t chunk,
                                    const rnn_ride *ride)
{
    add_macs(1, N, K);
    add_ride(ride);
    g_real->bf16_gemv_ride(N, K, a, packed, bias, beta, C, chunk, ride);
}

static void counting_bf16_gemm(int trans_a, size_t M, size_t N, size_t K, const float *A,
                               size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    add_macs(M, N, K);
    g_real->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, C, ldc);
}

/* The table t with every product entry it has counting. */
static rnn_kernels counting_table(const rnn_kernels *t)
{
    rnn_kernels c = *t;
    c.gemm = counting_gemm;
    c.gemm_packed_nt = counting_gemm_packed_nt;
    c.gemv_ride = t->gemv_ride ? counting_gemv_ride : NULL;
    c.bf16_gemm_packed_nt = t->bf16_gemm_packed_nt ? counting_bf16_gemm_packed_nt : NULL;
    c.bf16_gemv_ride = t->bf16_gemv_ride ? counting_bf16_gemv_ride : NULL;
    c.bf16_gemm = t->bf16_gemm ? counting_bf16_gemm : NULL;
    return c;
}

/* Plan p and its stack's cells on table k. */
static void set_table(rnn_plan *p, const rnn_kernels *k)
{
    p->k = k;
    for (size_t i = 0; i < p->n_cells; i++)
        p->cells[i]->k = k;
}

/* The multiply-adds of the counted work our plans skip, less those they do
 * beyond it (see the top). */
static double skipped_macs(const bench_problem *p)
{
    const double B = (double)p->B, GH = (double)rnn_cell_gates(p->cell) * (double)p->H;
    const double cells = (double)bench_problem_layers(p) * bench_problem_dirs(p);
    double macs = cells * B * GH * (double)p->H; /* each encoder cell's first step */
    if (p->topology == RNN_ONE2MANY && p->variant != BENCH_SEQ_NOPROJ)
        macs += (p->mode == BENCH_TRAIN ? 3.0 : 1.0) * bench_problem_dirs(p) *
                (double)(p->T - 1) * B * GH * (double)p->I;
    if (p->variant == BENCH_SEQ_NOPROJ)
        macs -= (double)p->T * B * bench_problem_dirs(p) * (double)p->H;
    return macs;
}

/* One row of ours on table isa: set up, run once with the table counting.
 * Returns 1 when it ran. */
static int check_row(rnn_isa isa, const bench_problem *p)
{
    char name[200], note[256], err[256];
    bench_problem_name(p, rnn_isa_name(isa), name, sizeof name);
    bench_data dt;
    if (bench_data_create(&dt, p) != 0) {
        CHECK(0, "%s: no data", name);
        return 0;
    }
    const bench_impl ours = bench_impl_rnnsimd(isa);
    ours_ctx *c = ours.setup(&ours, &dt, note, sizeof note, err, sizeof err);
    if (!c) {
        CHECK(0, "%s: setup: %s", name, err);
        bench_data_free(&dt);
        return 0;
    }
    const rnn_kernels *real = c->plan->k, counting = counting_table(real);
    g_real = real;
    g_macs = 0;
    set_table(c->plan, &counting);
    const int r = ours.run(c, err, sizeof err);
    set_table(c->plan, real);
    CHECK(r == 0, "%s: run: %s", name, err);
    const double want = bench_total_flops(p) / 2 - skipped_macs(p);
    CHECK(r != 0 || (double)g_macs == want,
          "%s: the products did %llu multiply-adds; the counted work less the documented skips "
          "is %.0f (%+.0f)", name, (unsigned long long)g_macs, want, (double)g_macs - want);
    ours.teardown(c);
    bench_data_free(&dt);
    return r == 0;
}

int main(void)
{
    static const rnn_cell cells[] = {RNN_TANH, RNN_LSTM, RNN_GRU, RNN_LBR_GRU};
    static const rnn_topology topos[] = {RNN_ONE2ONE, RNN_ONE2MANY, RNN_MANY2ONE, RNN_MANY2MANY,
                                         RNN_SEQ2SEQ};
    static const bench_variant variants[] = {BENCH_HEADED, BENCH_SEQ, BENCH_SEQ_NOPROJ};
    int rows = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_isa isa = (*t)->isa;
        if (rnn_isa_check(isa, NULL) != RNN_OK)
            continue;
        for (size_t ci = 0; ci < 4; ci++)
            for (size_t ti = 0; ti < 5; ti++)
                for (size_t vi = 0; vi < 3; vi++)
                    for (int mode = 0; mode < 2; mode++)
                        for (int stack = 0; stack < 2; stack++)
                            for (int B = 1; B <= 3; B += 2)
                                for (int v = 0; v < 3; v++) {
                                    /* v: float32, bf16, float32 at two threads */
                                    const bench_variant var = variants[vi];
                                    const rnn_dtype dt = v == 1 ? RNN_DTYPE_BF16 : RNN_DTYPE_F32;
                                    if (var != BENCH_HEADED && topos[ti] != RNN_MANY2MANY)
                                        continue; /* the plain sequences are many2many */
                                    if (var == BENCH_SEQ_NOPROJ && mode)
                                        continue; /* forward only */
                                    if (dt == RNN_DTYPE_BF16 &&
                                        rnn_dtype_check(dt, isa, NULL) != RNN_OK)
                                        continue;
                                    const bench_problem p = {
                                        cells[ci], topos[ti], topos[ti] == RNN_ONE2ONE ? 1 : 9,
                                        topos[ti] == RNN_SEQ2SEQ ? 5 : 0, B, 16, 32, 7,
                                        mode ? BENCH_TRAIN : BENCH_FWD, var, v == 2 ? 2 : 1,
                                        stack ? 2 : 0, stack, dt};
                                    rows += check_row(isa, &p);
                                }
    }
    printf("%d rows of ours run with their products counted\n", rows);
    CHECK(rows > 0, "no row ran");
    return check_summary();
}
