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
#include "counting_table.h"
#include "drivers.h"
#include "../bench/problem.c"
#include "../bench/data.c"
#include "../bench/impl_rnnsimd.c"

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

/* Row p of ours on table isa (named name), set up as the benchmark does,
 * run once with the table counting (counted_macs from 0; count_packed_hook
 * as the caller set it) and torn down. Returns 1 when it ran. */
static int run_counted(rnn_isa isa, const bench_problem *p, const char *name)
{
    char note[256], err[256];
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
    counted_macs = 0;
    set_table(c->plan, &counting);
    const int r = ours.run(c, err, sizeof err);
    set_table(c->plan, real);
    CHECK(r == 0, "%s: run: %s", name, err);
    ours.teardown(c);
    bench_data_free(&dt);
    return r == 0;
}

/* One row of ours on table isa, its multiply-adds counted. Returns 1 when
 * it ran. */
static int check_row(rnn_isa isa, const bench_problem *p)
{
    char name[200];
    bench_problem_name(p, rnn_isa_name(isa), name, sizeof name);
    if (!run_counted(isa, p, name))
        return 0;
    const double want = bench_total_flops(p) / 2 - skipped_macs(p);
    CHECK((double)counted_macs == want,
          "%s: the products did %llu multiply-adds; the counted work less the documented skips "
          "is %.0f (%+.0f)", name, (unsigned long long)counted_macs, want, (double)counted_macs - want);
    return 1;
}

/* The packed products a call makes: (M, N, K) and how many times. */
enum { MAX_CALLS = 16 };
static bench_product calls[MAX_CALLS];
static size_t ncalls, calls_lost;

static void record_call(size_t M, size_t N, size_t K, const void *packed, const float *C)
{
    (void)packed, (void)C;
    for (size_t i = 0; i < ncalls; i++)
        if (calls[i].M == M && calls[i].N == N && calls[i].K == K) {
            calls[i].times++;
            return;
        }
    if (ncalls < MAX_CALLS)
        calls[ncalls++] = (bench_product){M, N, K, 1};
    else
        calls_lost++;
}

/* The products a batched forward row's plan calls are bench_forward_products'
 * list (what the benchmark's bound times, bench/gemm_probe.h), the head's
 * (N = V) aside: each shape as many times, nothing else. */
static void check_products(rnn_isa isa, const bench_problem *p)
{
    char name[200];
    bench_problem_name(p, rnn_isa_name(isa), name, sizeof name);
    ncalls = calls_lost = 0;
    count_packed_hook = record_call;
    const int ran = run_counted(isa, p, name);
    count_packed_hook = NULL;
    if (!ran)
        return;
    bench_product want[3];
    const size_t nw = bench_forward_products(p, want);
    size_t matched = 0;
    for (size_t i = 0; i < ncalls; i++) {
        if (calls[i].N == (size_t)p->V)
            continue; /* the head */
        size_t w = 0;
        while (w < nw && (want[w].M != calls[i].M || want[w].N != calls[i].N ||
                          want[w].K != calls[i].K))
            w++;
        CHECK(w < nw && want[w].times == calls[i].times,
              "%s: the plan made %zu products of M %zu N %zu K %zu; bench_forward_products "
              "lists %zu", name, calls[i].times, calls[i].M, calls[i].N, calls[i].K,
              w < nw ? want[w].times : 0);
        matched += w < nw;
    }
    CHECK(matched == nw && !calls_lost, "%s: %zu of bench_forward_products' %zu shapes made", name,
          matched, nw);
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
    /* The benchmark's bound: batched bf16 forward rows, one layer. */
    int bounds = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_isa isa = (*t)->isa;
        if (rnn_isa_check(isa, NULL) != RNN_OK ||
            rnn_dtype_check(RNN_DTYPE_BF16, isa, NULL) != RNN_OK)
            continue;
        for (size_t ci = 0; ci < 4; ci++)
            for (int topo = 0; topo < 2; topo++)
                for (int B = 3; B <= 64; B += 61) {
                    const bench_problem p = {cells[ci], topo ? RNN_MANY2MANY : RNN_MANY2ONE,
                                             6, 0, B, 24, 32, 7, BENCH_FWD, BENCH_HEADED, 1,
                                             0, 0, RNN_DTYPE_BF16};
                    check_products(isa, &p);
                    bounds++;
                }
    }
    printf("%d batched bf16 rows' products against bench_forward_products\n", bounds);
    printf("%d rows of ours run with their products counted\n", rows);
    CHECK(rows > 0, "no row ran");
    return check_summary();
}
