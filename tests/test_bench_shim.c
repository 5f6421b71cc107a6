/* test_bench_shim.c — the benchmark's names, work counts and sweeps (the
 * parts of bench/ that need neither Google Benchmark nor the peers; the
 * shim and the peers are exercised by `make bench BENCH_QUICK=1` and
 * `build/rnnsimd-bench --check`). Tests link only the library and the
 * reference, so the two small bench sources are compiled into this program
 * directly. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "../bench/problem.c"
#include "../bench/sweep.c"

static bench_problem make(rnn_cell c, rnn_topology t, int64_t T, int64_t B, int64_t I, int64_t H,
                          bench_mode m, bench_variant v)
{
    bench_problem p = {c, t, T, t == RNN_SEQ2SEQ ? T : 0, B, I, H, BENCH_V, m, v, 1};
    return p;
}

/* Field by field: struct padding makes memcmp unreliable. */
static int same_problem(const bench_problem *a, const bench_problem *b)
{
    return a->cell == b->cell && a->topology == b->topology && a->T == b->T &&
           a->T_out == b->T_out && a->B == b->B && a->I == b->I && a->H == b->H &&
           a->V == b->V && a->mode == b->mode && a->variant == b->variant &&
           bench_problem_threads(a) == bench_problem_threads(b);
}

static void test_names(void)
{
    char buf[256], impl[32];
    bench_problem p = make(RNN_LSTM, RNN_MANY2ONE, 64, 1, 512, 512, BENCH_FWD, BENCH_HEADED);
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd"), "name %s", buf);
    printf("name: %s\n", buf);

    bench_problem q;
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0, "parse %s", buf);
    CHECK(!strcmp(impl, "avx512") && q.cell == RNN_LSTM && q.topology == RNN_MANY2ONE &&
              q.T == 64 && q.B == 1 && q.I == 512 && q.H == 512 && q.mode == BENCH_FWD &&
              q.variant == BENCH_HEADED && q.V == BENCH_V,
          "parse fields of %s", buf);

    /* Threads: a segment before the mode, only above one thread. */
    p.threads = 2;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:2/fwd"), "name %s", buf);
    printf("name: %s\n", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && q.threads == 2 &&
              q.mode == BENCH_FWD && q.H == 512 && !strcmp(impl, "avx512"),
          "parse %s: threads %d", buf, q.threads);
    p.threads = 0;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd"), "threads 0 is 1: %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && q.threads == 1,
          "a name without threads parses as 1 thread (%d)", q.threads);
    bench_problem sq = make(RNN_GRU, RNN_MANY2MANY, 25, 4, 512, 512, BENCH_TRAIN, BENCH_SEQ_NOPROJ);
    sq.threads = 16;
    bench_problem_name(&sq, "blas", buf, sizeof buf);
    CHECK(!strcmp(buf, "gru/many2many/blas/T:25/B:4/I:512/H:512/threads:16/train/seq_noproj"),
          "name %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && q.threads == 16 &&
              q.variant == BENCH_SEQ_NOPROJ && q.mode == BENCH_TRAIN,
          "parse %s", buf);
    CHECK(bench_problem_threads(&sq) == 16 && bench_problem_threads(&p) == 1, "threads helper");

    /* Every problem of every set survives name -> parse -> name unchanged. */
    for (int s = 0; s < SWEEP_COUNT; s++) {
        size_t n = sweep_problems((sweep_set)s, NULL, 0);
        bench_problem ps[600];
        CHECK(n <= 600, "set %d has %zu problems", s, n);
        sweep_problems((sweep_set)s, ps, 600);
        int bad = 0;
        for (size_t i = 0; i < n && i < 600; i++) {
            char a[256], b[256];
            bench_problem r;
            bench_problem_name(&ps[i], "onednn", a, sizeof a);
            if (bench_problem_parse(a, &r, impl, sizeof impl) ||
                bench_problem_name(&r, impl, b, sizeof b) < 0 || strcmp(a, b)) {
                if (!bad++)
                    printf("round trip broke: %s\n", a);
            }
        }
        CHECK(bad == 0, "set %s: %d names do not round-trip", sweep_name((sweep_set)s), bad);
    }

    const char *bad_names[] = {
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512",            /* no mode */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/bwd",        /* unknown mode */
        "lstm/sideways/avx512/T:64/B:1/I:512/H:512/fwd",        /* unknown topology */
        "lstm/many2one/avx512/T:0/B:1/I:512/H:512/fwd",         /* zero size */
        "lstm/many2one/avx512/B:1/T:64/I:512/H:512/fwd",        /* keys out of order */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd/seq",    /* seq needs many2many */
        "lstm/many2many/avx512/T:64/B:1/I:512/H:512/fwd/extra", /* unknown variant */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:1/fwd", /* 1 thread has no segment */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:0/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:02/fwd", /* not canonical */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:two/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:2",      /* no mode */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd/threads:2",  /* after the mode */
        "lstm/many2one/avx512/threads:2/T:64/B:1/I:512/H:512/fwd",  /* before the sizes */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/thread:2/fwd",
        "lstm/many2many/avx512/T:64/B:1/I:512/H:512/threads:2/fwd/seq/x", /* too many */
        "lstm/many2one/avx512/T:064/B:1/I:512/H:512/fwd",         /* not canonical */
    };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        CHECK(bench_problem_parse(bad_names[i], &q, impl, sizeof impl) != 0, "accepted %s",
              bad_names[i]);
}

static void test_flops(void)
{
    /* DESIGN.md: 2*B*(I+H)*G*H per cell step; head 2*B*H*V per scored step. */
    bench_problem p = make(RNN_LSTM, RNN_MANY2ONE, 64, 1, 512, 512, BENCH_FWD, BENCH_HEADED);
    double cell = 2.0 * 1 * (512 + 512) * 4 * 512 * 64, head = 2.0 * 1 * 512 * 256 * 1;
    CHECK(bench_cell_flops(&p) == cell, "cell flops %.0f, want %.0f", bench_cell_flops(&p), cell);
    CHECK(bench_head_flops(&p) == head, "head flops %.0f, want %.0f", bench_head_flops(&p), head);
    printf("lstm many2one T=64 B=1 I=H=512: %.4g cell + %.4g head flops\n", cell, head);

    p = make(RNN_GRU, RNN_SEQ2SEQ, 16, 64, 512, 512, BENCH_TRAIN, BENCH_HEADED);
    double want = 3.0 * (2.0 * 64 * 1024 * 3 * 512 * 32 + 2.0 * 64 * 512 * 256 * 16);
    CHECK(bench_total_flops(&p) == want, "seq2seq train flops %.6g, want %.6g",
          bench_total_flops(&p), want);
    CHECK(bench_problem_steps(&p) == 32 && bench_problem_scored(&p) == 16, "seq2seq steps");

    p = make(RNN_TANH, RNN_MANY2MANY, 25, 4, 1024, 1024, BENCH_FWD, BENCH_SEQ_NOPROJ);
    want = 2.0 * 4 * 1024 * 1 * 1024 * 25;
    CHECK(bench_total_flops(&p) == want, "noproj flops %.6g, want %.6g (no input, no head)",
          bench_total_flops(&p), want);
    p.variant = BENCH_SEQ;
    CHECK(bench_total_flops(&p) == 2 * want, "seq flops: input projection counted");

    p = make(RNN_LBR_GRU, RNN_ONE2MANY, 4, 1, 8, 16, BENCH_FWD, BENCH_HEADED);
    CHECK(bench_problem_scored(&p) == 4 && bench_problem_steps(&p) == 4, "one2many scores all");
}

static void test_sweeps(void)
{
    size_t n = sweep_problems(SWEEP_DEFAULT, NULL, 0);
    /* 2 batches x 4 cells x (1 + 4 topologies x 6 T) x 2 modes, then the
     * T=64 many2one grid: 7 (H, B) pairs not in the first part x 4 x 2, then
     * one2one latency at H = 256: 4 cells x 2 modes, then the batch-1 loop
     * alone (/seq_noproj): 3 H x 4 cells, fwd. */
    size_t want = 2 * 4 * 25 * 2 + 7 * 4 * 2 + 4 * 2 + 3 * 4;
    CHECK(n == want, "default sweep has %zu problems, want %zu", n, want);
    printf("default sweep: %zu problems; deepbench %zu; quick %zu; threads %zu\n", n,
           sweep_problems(SWEEP_DEEPBENCH, NULL, 0), sweep_problems(SWEEP_QUICK, NULL, 0),
           sweep_problems(SWEEP_THREADS, NULL, 0));
    bench_problem ps[600];
    sweep_problems(SWEEP_DEFAULT, ps, 600);
    int t1024 = 0, one2one_long = 0, h1024 = 0, latency = 0, multi = 0, ours_only = 0;
    for (size_t i = 0; i < n; i++) {
        t1024 += ps[i].T == 1024;
        one2one_long += ps[i].topology == RNN_ONE2ONE && ps[i].T != 1;
        h1024 += ps[i].H == 1024 && ps[i].T == 64 && ps[i].topology == RNN_MANY2ONE;
        latency += ps[i].topology == RNN_ONE2ONE && ps[i].B == 1 && ps[i].H == 256 &&
                   ps[i].I == 256;
        multi += bench_problem_threads(&ps[i]) != 1;
        ours_only += sweep_ours_only(SWEEP_DEFAULT, &ps[i]);
    }
    CHECK(t1024 == 2 * 4 * 4 * 2, "T=1024 rows: %d", t1024);
    CHECK(one2one_long == 0, "one2one is T=1 only");
    CHECK(h1024 == 3 * 4 * 2, "H=1024 judged rows: %d", h1024);
    CHECK(latency == 4 * 2, "one2one B=1 H=256 latency rows: %d, want every cell fwd and train",
          latency);
    CHECK(multi == 0 && ours_only == 0, "default rows are 1-thread with peers (%d, %d)", multi,
          ours_only);

    /* threads: the judged grid at 2 threads, each after its 1-thread twin,
     * which runs on our table alone. */
    size_t nt = sweep_problems(SWEEP_THREADS, ps, 600);
    CHECK(nt == 3 * 3 * 4 * 2 * 2, "threads set has %zu problems", nt);
    int paired = 1, grid = 1, only = 1;
    for (size_t i = 0; i + 1 < nt && i < 600; i += 2) {
        bench_problem a = ps[i], b = ps[i + 1];
        paired &= bench_problem_threads(&a) == 1 && b.threads == 2;
        b.threads = a.threads;
        paired &= same_problem(&a, &b);
        grid &= a.topology == RNN_MANY2ONE && a.T == 64 && a.I == a.H && a.V == BENCH_V &&
                (a.H == 256 || a.H == 512 || a.H == 1024) && (a.B == 1 || a.B == 16 || a.B == 64);
        only &= sweep_ours_only(SWEEP_THREADS, &ps[i]) && !sweep_ours_only(SWEEP_THREADS, &ps[i + 1]);
    }
    CHECK(paired, "threads set: every threads:2 problem follows the same problem at 1 thread");
    CHECK(grid, "threads set: many2one T=64 I=H in {256,512,1024}, B in {1,16,64}");
    CHECK(only, "threads set: peers only on the 2-thread problems");

    /* quick: one threads:2 problem, its 1-thread twin earlier in the set. */
    size_t nq = sweep_problems(SWEEP_QUICK, ps, 600);
    int n2 = 0, twin = 0;
    for (size_t i = 0; i < nq && i < 600; i++) {
        if (ps[i].threads != 2)
            continue;
        n2++;
        bench_problem one = ps[i];
        one.threads = 1;
        for (size_t j = 0; j < i; j++)
            twin += same_problem(&ps[j], &one);
    }
    CHECK(n2 == 1 && twin == 1, "quick set: %d threads:2 problems, %d earlier twins", n2, twin);

    sweep_set s;
    CHECK(sweep_parse("", &s) == 0 && s == SWEEP_DEFAULT, "empty SET is default");
    CHECK(sweep_parse("deepbench", &s) == 0 && s == SWEEP_DEEPBENCH, "deepbench");
    CHECK(sweep_parse("DeepBench", &s) != 0, "set names are exact");
    CHECK(sweep_parse("threads", &s) == 0 && s == SWEEP_THREADS &&
              !strcmp(sweep_name(s), "threads"),
          "threads");

    /* DeepBench rows: plain sequences, input size = hidden size, each twice. */
    size_t nd = sweep_problems(SWEEP_DEEPBENCH, ps, 600);
    int ok = nd % 2 == 0;
    for (size_t i = 0; i < nd && i < 600; i++)
        ok &= ps[i].I == ps[i].H && ps[i].topology == RNN_MANY2MANY &&
              ps[i].variant == (i % 2 ? BENCH_SEQ_NOPROJ : BENCH_SEQ);
    CHECK(ok, "deepbench rows are I = H sequences, /seq then /seq_noproj");
}

int main(void)
{
    test_names();
    test_flops();
    test_sweeps();
    return check_summary();
}
