/* test_bench_shim.c — the benchmark's names, work counts, sweeps, machine
 * names, problem tensors and machine-model arithmetic (the parts of bench/
 * that need neither Google Benchmark nor the peers; the shim and the peers
 * are exercised by `make bench BENCH_QUICK=1` and `build/rnnsimd-bench
 * --check`). Tests link only the library and the reference, so the small
 * bench sources are compiled into this program directly (identity.c's
 * context calls go to a stub). */
#include <math.h>
#include <string.h>
#include "check.h"
#include "../bench/gbench.h"
#include "../bench/problem.c"
#include "../bench/sweep.c"
#include "../bench/identity.c"
#include "../bench/data.c"
#include "../bench/peak.c"

void gbench_add_context(const char *key, const char *value)
{
    (void)key;
    (void)value;
}

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
           bench_problem_threads(a) == bench_problem_threads(b) &&
           bench_problem_layers(a) == bench_problem_layers(b) &&
           bench_problem_dirs(a) == bench_problem_dirs(b) && a->dtype == b->dtype;
}

/* bf16 rows: a bf16 segment after threads:N and before the mode; float32
 * rows keep their names (no f32 segment, which the parser refuses). */
static void test_dtype_names(void)
{
    char buf[192], impl[32];
    bench_problem p = make(RNN_GRU, RNN_MANY2ONE, 64, 1, 512, 512, BENCH_FWD, BENCH_HEADED), q;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "gru/many2one/avx512/T:64/B:1/I:512/H:512/fwd"), "f32 name %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && q.dtype == RNN_DTYPE_F32,
          "f32 parse %s", buf);
    p.dtype = RNN_DTYPE_BF16;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "gru/many2one/avx512/T:64/B:1/I:512/H:512/bf16/fwd"), "bf16 name %s", buf);
    printf("name: %s\n", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&p, &q) &&
              q.dtype == RNN_DTYPE_BF16 && !strcmp(impl, "avx512"),
          "parse %s", buf);
    p.L = 2, p.bidirectional = 1, p.threads = 2, p.mode = BENCH_TRAIN;
    bench_problem_name(&p, "onednn", buf, sizeof buf);
    CHECK(!strcmp(buf, "gru/many2one/onednn/T:64/B:1/I:512/H:512/L:2/bi/threads:2/bf16/train"),
          "bf16 stack name %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&p, &q),
          "parse %s", buf);
    bench_problem s = make(RNN_LSTM, RNN_MANY2MANY, 25, 4, 512, 512, BENCH_FWD, BENCH_SEQ);
    s.dtype = RNN_DTYPE_BF16;
    bench_problem_name(&s, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2many/avx512/T:25/B:4/I:512/H:512/bf16/fwd/seq"), "name %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&s, &q),
          "parse %s", buf);
    const char *bad[] = {
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/f32/fwd",       /* f32 is never written */
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/fwd/bf16",      /* after the mode */
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/bf16/threads:2/fwd", /* before threads */
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/bf16/bf16/fwd",
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/bf16",          /* no mode */
        "gru/many2one/avx512/T:64/B:1/I:512/H:512/BF16/fwd",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(bench_problem_parse(bad[i], &q, impl, sizeof impl) != 0, "accepted %s", bad[i]);
    /* The implementation's name and its terminator must fit the buffer:
     * "avx512" takes 7 bytes, so 6 refuse it (never a byte past them). */
    char small[8] = "-------";
    CHECK(bench_problem_parse("gru/many2one/avx512/T:64/B:1/I:512/H:512/fwd", &q, small, 6) != 0 &&
              !strcmp(small, "-------"),
          "an implementation name of 6 characters parsed into 6 bytes: '%s'", small);
    CHECK(bench_problem_parse("gru/many2one/avx512/T:64/B:1/I:512/H:512/fwd", &q, small, 7) == 0 &&
              !strcmp(small, "avx512"),
          "an implementation name of 6 characters not parsed into 7 bytes: '%s'", small);

    /* --dtype: f32 leaves a set as it was; all puts each bf16 twin right
     * after its float32 problem; bf16 alone keeps only the twins. */
    sweep_dtypes d;
    CHECK(sweep_dtypes_parse("", &d) == 0 && d == SWEEP_DTYPE_F32 &&
              sweep_dtypes_parse("bf16", &d) == 0 && d == SWEEP_DTYPE_BF16 &&
              sweep_dtypes_parse("all", &d) == 0 && d == SWEEP_DTYPE_ALL &&
              sweep_dtypes_parse("fp16", &d) != 0,
          "sweep_dtypes_parse");
    bench_problem in[600], out[1200];
    const size_t n = sweep_problems(SWEEP_CI, in, 600);
    CHECK(sweep_with_dtypes(in, n, SWEEP_DTYPE_F32, out, 1200) == n, "f32 keeps the set");
    int same = 1;
    for (size_t i = 0; i < n; i++)
        same &= same_problem(&in[i], &out[i]);
    CHECK(same, "f32 rows unchanged");
    CHECK(sweep_with_dtypes(in, n, SWEEP_DTYPE_ALL, out, 1200) == 2 * n, "all doubles the set");
    int paired = 1;
    for (size_t i = 0; i < n; i++) {
        bench_problem a = out[2 * i], b = out[2 * i + 1];
        paired &= a.dtype == RNN_DTYPE_F32 && b.dtype == RNN_DTYPE_BF16;
        b.dtype = RNN_DTYPE_F32;
        paired &= same_problem(&a, &b) && same_problem(&a, &in[i]);
    }
    CHECK(paired, "all: each bf16 twin right after its float32 problem");
    CHECK(sweep_with_dtypes(in, n, SWEEP_DTYPE_BF16, out, 1200) == n && out[0].dtype == RNN_DTYPE_BF16,
          "bf16 alone");
    CHECK(sweep_with_dtypes(in, n, SWEEP_DTYPE_ALL, out, 3) == 2 * n, "a short cap still counts");
}

/* Stacks (docs/design.md §7): L:N and bi before threads:N and the mode; a
 * single layer in one direction keeps its old name. */
static void test_stack_names(void)
{
    char buf[192], impl[32];
    bench_problem p = make(RNN_LSTM, RNN_MANY2ONE, 64, 1, 512, 512, BENCH_FWD, BENCH_HEADED), q;
    p.L = 1;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd"), "L 1 name %s", buf);
    CHECK(!bench_problem_stacked(&p), "L 1, one direction is not a stack");
    p.L = 4;
    p.bidirectional = 1;
    bench_problem_name(&p, "avx512", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:4/bi/fwd"), "name %s", buf);
    printf("name: %s\n", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&p, &q) &&
              q.L == 4 && q.bidirectional == 1 && !strcmp(impl, "avx512"),
          "parse %s: L %lld bi %d", buf, (long long)q.L, q.bidirectional);
    p.threads = 2;
    p.L = 2;
    p.mode = BENCH_TRAIN;
    bench_problem_name(&p, "onednn", buf, sizeof buf);
    CHECK(!strcmp(buf, "lstm/many2one/onednn/T:64/B:1/I:512/H:512/L:2/bi/threads:2/train"),
          "name %s", buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&p, &q),
          "parse %s", buf);
    p = make(RNN_GRU, RNN_MANY2MANY, 25, 4, 512, 512, BENCH_FWD, BENCH_SEQ_NOPROJ);
    p.bidirectional = 1;
    bench_problem_name(&p, "avx2", buf, sizeof buf);
    CHECK(!strcmp(buf, "gru/many2many/avx2/T:25/B:4/I:512/H:512/bi/fwd/seq_noproj"), "name %s",
          buf);
    CHECK(bench_problem_parse(buf, &q, impl, sizeof impl) == 0 && same_problem(&p, &q) &&
              bench_problem_layers(&q) == 1 && bench_problem_stacked(&q),
          "parse %s", buf);
    const char *bad[] = {
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:1/fwd",      /* L:1 is never written */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:0/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:02/fwd",     /* not canonical */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:257/fwd",    /* above RNN_MAX_LAYERS */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/bi/L:2/fwd",   /* L after bi */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:2/L:2/fwd", /* after threads */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/threads:2/bi/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd/bi",       /* after the mode */
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/bi/bi/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/L:2/L:2/fwd",
        "lstm/many2one/avx512/T:64/B:1/I:512/H:512/uni/fwd",
        "lstm/many2many/avx512/T:64/B:1/I:512/H:512/L:2/bi/threads:2/fwd/seq/x", /* too many */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(bench_problem_parse(bad[i], &q, impl, sizeof impl) != 0, "accepted %s", bad[i]);
}

/* §13's model over a stack: every cell, layer l > 0 reading D*H, the head D*H. */
static void test_stack_flops(void)
{
    bench_problem p = make(RNN_LSTM, RNN_MANY2ONE, 64, 1, 256, 512, BENCH_FWD, BENCH_HEADED);
    p.L = 3;
    p.bidirectional = 1;
    const double G = 4, H = 512, T = 64, V = 256;
    double cell = 2.0 * (2 * (256 + H) + 2 * 2 * (2 * H + H)) * G * H * T, head = 2.0 * 2 * H * V;
    CHECK(bench_cell_flops(&p) == cell, "stack cell flops %.6g, want %.6g", bench_cell_flops(&p),
          cell);
    CHECK(bench_head_flops(&p) == head, "stack head flops %.6g, want %.6g", bench_head_flops(&p),
          head);
    p.mode = BENCH_TRAIN;
    CHECK(bench_total_flops(&p) == 3 * (cell + head), "stack train flops");
    /* seq2seq: the encoder's L*D cells over T, the decoder's L (one
     * direction, layer l > 0 reading H) over T_out, the head reading H. */
    p = make(RNN_GRU, RNN_SEQ2SEQ, 16, 2, 8, 32, BENCH_FWD, BENCH_HEADED);
    p.L = 2;
    p.bidirectional = 1;
    cell = 2.0 * 2 * 3 * 32 * ((2 * (8 + 32) + 2 * (64 + 32)) * 16 + ((8 + 32) + (32 + 32)) * 16);
    head = 2.0 * 2 * 32 * 256 * 16;
    CHECK(bench_cell_flops(&p) == cell && bench_head_flops(&p) == head,
          "seq2seq stack flops %.6g + %.6g, want %.6g + %.6g", bench_cell_flops(&p),
          bench_head_flops(&p), cell, head);
    /* /seq_noproj: layer 0's projection is a gather, the layers above project. */
    p = make(RNN_TANH, RNN_MANY2MANY, 10, 1, 100, 16, BENCH_FWD, BENCH_SEQ_NOPROJ);
    p.L = 2;
    cell = 2.0 * ((0 + 16) + (16 + 16)) * 16 * 10;
    CHECK(bench_total_flops(&p) == cell, "noproj stack flops %.6g, want %.6g",
          bench_total_flops(&p), cell);
    (void)V;
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
                bench_problem_name(&r, impl, b, sizeof b) < 0 || strcmp(a, b) ||
                !same_problem(&ps[i], &r)) {
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
    /* docs/design.md §13: 2*B*(I+H)*G*H per cell step; head 2*B*H*V per scored step. */
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
    printf("default sweep: %zu problems; deepbench %zu; quick %zu; threads %zu; stacks %zu\n", n,
           sweep_problems(SWEEP_DEEPBENCH, NULL, 0), sweep_problems(SWEEP_QUICK, NULL, 0),
           sweep_problems(SWEEP_THREADS, NULL, 0), sweep_problems(SWEEP_STACKS, NULL, 0));
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

    /* quick (what --check checks): every row kind the other sets time, B > 1
     * and T > 1 (but one2one), each threads:2 problem after its 1-thread
     * twin; /seq_noproj forward only. */
    size_t nq = sweep_problems(SWEEP_QUICK, ps, 600);
    int n2 = 0, twin = 0, small = 0, noproj_train = 0, kinds[3][2][2] = {{{0}}};
    for (size_t i = 0; i < nq && i < 600; i++) {
        small += ps[i].B < 2 || (ps[i].T < 2 && ps[i].topology != RNN_ONE2ONE);
        noproj_train += ps[i].variant == BENCH_SEQ_NOPROJ && ps[i].mode == BENCH_TRAIN;
        kinds[ps[i].variant][ps[i].mode][bench_problem_threads(&ps[i]) - 1]++;
        if (ps[i].threads != 2)
            continue;
        n2++;
        bench_problem one = ps[i];
        one.threads = 1;
        for (size_t j = 0; j < i; j++)
            twin += same_problem(&ps[j], &one);
    }
    CHECK(n2 > 0 && twin == n2, "quick set: %d threads:2 problems, %d earlier twins", n2, twin);
    CHECK(small == 0, "quick set: %d problems with B = 1 or T = 1 (one2one aside)", small);
    CHECK(noproj_train == 0, "quick set: %d /seq_noproj training problems", noproj_train);
    int missing = 0;
    for (int v = 0; v < 3; v++)
        for (int m = 0; m < 2; m++)
            for (int t = 0; t < 2; t++)
                missing += !kinds[v][m][t] && !(v == BENCH_SEQ_NOPROJ && m == BENCH_TRAIN);
    CHECK(missing == 0, "quick set: %d of the 10 row kinds (variant x mode x threads) missing",
          missing);
    int topo_mode[RNN_CELL_COUNT][RNN_TOPOLOGY_COUNT][2] = {{{0}}}, gaps = 0;
    for (size_t i = 0; i < nq && i < 600; i++)
        if (ps[i].variant == BENCH_HEADED)
            topo_mode[ps[i].cell][ps[i].topology][ps[i].mode] = 1;
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++)
            gaps += !topo_mode[c][t][0] + !topo_mode[c][t][1];
    CHECK(gaps == 0, "quick set: %d cell x topology x mode missing", gaps);

    /* ci: the judged many2one grid but B = 64 at H = 1024, every cell and
     * mode, then one row per other topology; ours alone (paired with
     * oneDNN), 9+ repetitions, interleaved. */
    size_t nc = sweep_problems(SWEEP_CI, ps, 600);
    CHECK(nc == 8 * 4 * 2 + 4, "ci set has %zu problems, want %d", nc, 8 * 4 * 2 + 4);
    int grid_ci = 0, topo_seen[RNN_TOPOLOGY_COUNT] = {0}, bad_ci = 0, cells_modes = 0;
    for (size_t i = 0; i < nc && i < 600; i++) {
        const bench_problem *q = &ps[i];
        topo_seen[q->topology]++;
        bad_ci += bench_problem_threads(q) != 1 || q->variant != BENCH_HEADED || q->I != q->H;
        if (q->topology == RNN_MANY2ONE) {
            grid_ci += q->T == 64 && (q->H == 256 || q->H == 512 || q->H == 1024) &&
                       (q->B == 1 || q->B == 16 || q->B == 64) && !(q->H == 1024 && q->B == 64);
            cells_modes |= 1 << (q->cell * 2 + q->mode);
        }
    }
    CHECK(grid_ci == 64 && cells_modes == 0xff, "ci: 64 judged many2one rows over every cell and mode"
          " (%d, mask %x)", grid_ci, cells_modes);
    CHECK(topo_seen[RNN_ONE2ONE] == 1 && topo_seen[RNN_ONE2MANY] == 1 && topo_seen[RNN_SEQ2SEQ] == 1 &&
              topo_seen[RNN_MANY2MANY] == 1,
          "ci: one row per other topology");
    CHECK(bad_ci == 0, "ci: single-threaded headed rows with I = H (%d not)", bad_ci);
    CHECK(!sweep_peer_rows(SWEEP_CI) && sweep_peer_rows(SWEEP_DEFAULT) && sweep_peer_rows(SWEEP_QUICK),
          "ci runs our rows alone; the other sets give peers rows");
    CHECK(sweep_min_reps(SWEEP_CI) >= 9 && sweep_min_reps(SWEEP_DEFAULT) == 1,
          "ci: at least 9 repetitions a row (%d)", sweep_min_reps(SWEEP_CI));
    CHECK(sweep_interleaved(SWEEP_CI) && !sweep_interleaved(SWEEP_DEFAULT),
          "ci interleaves its repetitions, the default sweep does not");

    /* stacks: 3 H x L {2, 4} x 2 directions x 4 cells x 2 modes at B 1, then
     * B 64 fwd at L 2 (3 H x 2 x 4), then threads:2 (3 H x 2 x 4 x 2) whose
     * 1-thread problems come earlier; only stacks, and no other set has one. */
    size_t nst = sweep_problems(SWEEP_STACKS, ps, 600);
    CHECK(nst == 96 + 24 + 48, "stacks has %zu problems, want 168", nst);
    int unstacked = 0, twinless = 0;
    for (size_t i = 0; i < nst && i < 600; i++) {
        unstacked += !bench_problem_stacked(&ps[i]);
        if (bench_problem_threads(&ps[i]) == 2) {
            bench_problem one = ps[i];
            one.threads = 1;
            int found = 0;
            for (size_t k = 0; k < i; k++)
                found |= same_problem(&ps[k], &one);
            twinless += !found;
        }
    }
    CHECK(unstacked == 0 && twinless == 0, "stacks: %d unstacked, %d 2-thread rows without an "
          "earlier 1-thread problem", unstacked, twinless);
    const sweep_set plain_sets[] = {SWEEP_DEFAULT, SWEEP_DEEPBENCH, SWEEP_THREADS, SWEEP_CI};
    for (size_t k = 0; k < 4; k++) {
        size_t np = sweep_problems(plain_sets[k], ps, 600);
        int st = 0;
        for (size_t i = 0; i < np && i < 600; i++)
            st += bench_problem_stacked(&ps[i]);
        CHECK(st == 0, "set %s has %d stacked problems (its row names must not change)",
              sweep_name(plain_sets[k]), st);
    }

    sweep_set s;
    CHECK(sweep_parse("stacks", &s) == 0 && s == SWEEP_STACKS && !strcmp(sweep_name(s), "stacks"),
          "stacks");
    CHECK(sweep_parse("ci", &s) == 0 && s == SWEEP_CI && !strcmp(sweep_name(s), "ci"), "ci");
    CHECK(sweep_parse("", &s) == 0 && s == SWEEP_DEFAULT, "empty SET is default");
    CHECK(sweep_parse("deepbench", &s) == 0 && s == SWEEP_DEEPBENCH, "deepbench");
    CHECK(sweep_parse("DeepBench", &s) != 0, "set names are exact");
    CHECK(sweep_parse("threads", &s) == 0 && s == SWEEP_THREADS &&
              !strcmp(sweep_name(s), "threads"),
          "threads");

    /* DeepBench rows: plain sequences, input size = hidden size, /seq then
     * (forward) /seq_noproj. */
    size_t nd = sweep_problems(SWEEP_DEEPBENCH, ps, 600);
    int ok = nd > 0;
    for (size_t i = 0; i < nd && i < 600; i++) {
        ok &= ps[i].I == ps[i].H && ps[i].topology == RNN_MANY2MANY;
        if (ps[i].variant == BENCH_SEQ_NOPROJ)
            ok &= ps[i].mode == BENCH_FWD && i > 0 && ps[i - 1].variant == BENCH_SEQ &&
                  ps[i - 1].mode == BENCH_FWD && ps[i - 1].H == ps[i].H;
        else if (ps[i].mode == BENCH_FWD)
            ok &= i + 1 < nd && ps[i + 1].variant == BENCH_SEQ_NOPROJ;
    }
    CHECK(ok, "deepbench rows are I = H sequences, /seq then, forward, /seq_noproj");
}

/* Machine names from made-up /proc/cpuinfo texts and peaks. */
static void test_identity(void)
{
    static const char zen5[] = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
                               "model\t\t: 2\nmodel name\t: AMD EPYC\nstepping\t: 1\n\n"
                               "processor\t: 1\nvendor_id\t: GenuineIntel\n";
    static const char n1[] = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n"
                             "CPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\n"
                             "CPU revision\t: 1\n\n";
    static const char xeon[] = "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
                               "model name\t: Intel(R) Xeon(R) Processor\n";
    double two[RNN_ISA_COUNT] = {0}, one[RNN_ISA_COUNT] = {0}, avx2[RNN_ISA_COUNT] = {0},
           neon[RNN_ISA_COUNT] = {0};
    two[RNN_ISA_AVX2] = 103.5, two[RNN_ISA_AVX512] = 209.1;  /* Zen 5: 2 x 512-bit pipes */
    one[RNN_ISA_AVX2] = 114.4, one[RNN_ISA_AVX512] = 114.7;  /* Zen 4: double-pumped */
    avx2[RNN_ISA_AVX2] = 100.0;
    neon[RNN_ISA_NEON] = 40.0;
    bench_machine m;
    identify_from(&m, "x86_64", zen5, two);
    CHECK(!strcmp(m.slug, "x86_64-amd-f26m2s1-fma512x2") && !strcmp(m.model_name, "AMD EPYC"),
          "zen5 slug %s", m.slug);
    printf("machine: %s\n", m.slug);
    identify_from(&m, "x86_64", zen5, one);
    CHECK(!strcmp(m.fma_class, "fma512x1"), "AVX-512 at the AVX2 rate: %s", m.fma_class);
    /* The class splits at 1.5x: a third of noise either way keeps it. */
    one[RNN_ISA_AVX512] = 114.4 * 1.45, two[RNN_ISA_AVX512] = 103.5 * 1.55;
    identify_from(&m, "x86_64", zen5, one);
    CHECK(!strcmp(m.fma_class, "fma512x1"), "ratio 1.45: %s", m.fma_class);
    identify_from(&m, "x86_64", zen5, two);
    CHECK(!strcmp(m.fma_class, "fma512x2"), "ratio 1.55: %s", m.fma_class);
    identify_from(&m, "x86_64", xeon, avx2);
    CHECK(!strcmp(m.slug, "x86_64-intel-f6m143-fma256"), "stepping unknown, no AVX-512: %s", m.slug);
    identify_from(&m, "aarch64", n1, neon);
    CHECK(!strcmp(m.slug, "aarch64-arm-d0c-r3p1-neon") && m.part == 0xd0c && m.implementer == 0x41,
          "neoverse n1: %s", m.slug);
    printf("machine: %s\n", m.slug);
    /* qemu-user shows an aarch64 binary the x86 host's cpuinfo: none of it counts. */
    identify_from(&m, "aarch64", zen5, neon);
    CHECK(!strcmp(m.slug, "aarch64-unknown-unknown-neon") && !m.model_name[0],
          "emulated aarch64: %s", m.slug);
    identify_from(&m, "x86_64", NULL, avx2);
    CHECK(!strcmp(m.slug, "x86_64-unknown-unknown-fma256"), "no cpuinfo: %s", m.slug);
    bench_hash h1, h2;
    bench_hash_init(&h1), bench_hash_init(&h2);
    bench_hash_add(&h1, "a/b"), bench_hash_add(&h1, "c");
    bench_hash_add(&h2, "a/bc");
    char x1[24], x2[24];
    bench_hash_hex(&h1, x1, sizeof x1), bench_hash_hex(&h2, x2, sizeof x2);
    CHECK(strlen(x1) == 16 && strcmp(x1, x2), "row-list hash separates names: %s %s", x1, x2);
    /* The committed baselines' set_rows_hash were made with this function:
     * FNV-1a 64 over each name and a newline. Any change to it makes every
     * baseline "another row list" to the gate, so its value is pinned. */
    CHECK(!strcmp(x1, "49fbd6e6c5023eb4"), "row-list hash of a/b, c: %s, want 49fbd6e6c5023eb4", x1);
}

/* The largest |v[i]| of n floats. */
static float max_abs(const float *v, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++)
        m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
    return m;
}

/* The problem tensors every implementation and the reference share
 * (bench/data.c). They must not hide a peer's mistake by coincidence: b_hh
 * is not b_ih (a peer adding one of them twice would still agree), x_dec is
 * not x (a decoder fed the encoder's input would), and a stack's cells are
 * laid out back to back without overlap (cell 0 holds the one-cell
 * problem's weights, its fill being counter based). */
static void test_data(void)
{
    bench_problem one = make(RNN_LSTM, RNN_SEQ2SEQ, 5, 3, 12, 16, BENCH_TRAIN, BENCH_HEADED);
    bench_problem st = one;
    st.L = 2, st.bidirectional = 1;
    bench_data a, b;
    if (bench_data_create(&a, &one) || bench_data_create(&b, &st)) {
        CHECK(0, "bench_data_create");
        return;
    }
    const size_t GH = 4 * 16, nb = GH;
    CHECK(memcmp(a.cell.bias_ih, a.cell.bias_hh, nb * sizeof(float)) != 0 &&
              memcmp(a.decoder.bias_ih, a.decoder.bias_hh, nb * sizeof(float)) != 0,
          "b_hh drawn apart from b_ih");
    CHECK(a.x_dec && memcmp(a.x, a.x_dec, a.s.x_dec * sizeof(float)) != 0, "x_dec drawn apart from x");
    CHECK(memcmp(a.cell.weight_ih, a.decoder.weight_ih, a.s.weight_ih * sizeof(float)) != 0,
          "the decoder's weights drawn apart from the encoder's");
    const float k = 1.0f / sqrtf(16.0f);
    CHECK(max_abs(a.cell.weight_hh, a.s.weight_hh) <= k && max_abs(a.cell.weight_hh, a.s.weight_hh) > 0.9f * k &&
              max_abs(a.x, a.s.x) <= 1.0f && max_abs(a.x, a.s.x) > 0.9f,
          "weights in +-1/sqrt(H) (%g), inputs in +-1 (%g)", (double)max_abs(a.cell.weight_hh, a.s.weight_hh),
          (double)max_abs(a.x, a.s.x));
    int targets_ok = 1;
    for (size_t i = 0; i < a.s.targets; i++)
        targets_ok &= a.targets[i] >= 0 && a.targets[i] < (int32_t)a.d.V;
    CHECK(targets_ok, "targets in [0, V)");
    /* The stack: 4 encoder cells (layer 0 I wide, layer 1 2H wide), 2 decoder cells. */
    const bench_cell_counts n = bench_data_counts(&b, 0), nd = bench_data_counts(&b, 1);
    CHECK(n.weight_ih == GH * (2 * 12 + 2 * 32) && n.weight_hh == 4 * GH * 16 && n.bias == 4 * GH,
          "encoder counts %zu %zu %zu", n.weight_ih, n.weight_hh, n.bias);
    CHECK(nd.weight_ih == GH * (12 + 16) && nd.weight_hh == 2 * GH * 16 && nd.bias == 2 * GH,
          "decoder counts %zu %zu %zu", nd.weight_ih, nd.weight_hh, nd.bias);
    for (int dec = 0; dec < 2; dec++) {
        const int cells = dec ? 2 : 4;
        size_t ih = 0;
        for (int c = 0; c < cells; c++) {
            const bench_cell_counts o = bench_data_offsets(&b, dec, c);
            const int64_t in = bench_data_cell_input(&b, dec, c);
            CHECK(o.weight_ih == ih && o.weight_hh == GH * 16 * (size_t)c && o.bias == GH * (size_t)c,
                  "%s cell %d: offsets %zu %zu %zu", dec ? "decoder" : "encoder", c, o.weight_ih,
                  o.weight_hh, o.bias);
            CHECK(in == (c < (dec ? 1 : 2) ? 12 : (dec ? 16 : 32)), "%s cell %d input %lld",
                  dec ? "decoder" : "encoder", c, (long long)in);
            ih += GH * (size_t)in;
        }
    }
    CHECK(!memcmp(b.cell.weight_ih, a.cell.weight_ih, a.s.weight_ih * sizeof(float)) &&
              !memcmp(b.cell.weight_hh, a.cell.weight_hh, a.s.weight_hh * sizeof(float)) &&
              !memcmp(b.cell.bias_hh, a.cell.bias_hh, nb * sizeof(float)) &&
              b.layers && b.layers[0].weight_hh == b.cell.weight_hh &&
              b.layers[3].bias_hh == b.cell.bias_hh + 3 * nb,
          "a stack's cell 0 is the one-cell problem's, its views at the offsets");
    bench_data_free(&a);
    bench_data_free(&b);
}

/* The machine model's arithmetic (bench/peak.c): FMAs a cycle from a peak
 * and a clock (2 flops per lane), and the FMA units, that rounded. */
static void test_peak_model(void)
{
    CHECK(bench_isa_lanes(RNN_ISA_AVX512) == 16 && bench_isa_lanes(RNN_ISA_AVX2) == 8 &&
              bench_isa_lanes(RNN_ISA_GENERIC) == 4 && bench_isa_lanes(RNN_ISA_NEON) == 4,
          "lanes");
    CHECK(fabs(bench_fma_per_cycle(RNN_ISA_AVX512, 192.0, 3.0) - 2.0) < 1e-12 &&
              fabs(bench_fma_per_cycle(RNN_ISA_AVX2, 48.0, 3.0) - 1.0) < 1e-12 &&
              bench_fma_per_cycle(RNN_ISA_AVX2, 48.0, 0.0) == 0.0,
          "FMAs a cycle");
    CHECK(bench_fma_ports(1.9) == 2 && bench_fma_ports(2.4) == 2 && bench_fma_ports(1.45) == 1 &&
              bench_fma_ports(0.3) == 1 && bench_fma_ports(0.0) == 0,
          "FMA units: %d %d %d %d %d", bench_fma_ports(1.9), bench_fma_ports(2.4),
          bench_fma_ports(1.45), bench_fma_ports(0.3), bench_fma_ports(0.0));
}

int main(void)
{
    test_names();
    test_dtype_names();
    test_stack_names();
    test_flops();
    test_stack_flops();
    test_sweeps();
    test_identity();
    test_data();
    test_peak_model();
    return check_summary();
}
