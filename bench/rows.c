/* rows.c — timing one row, the peer-time table and the derived counters.
 *
 * One problem's data and one row's implementation stay alive between the
 * calls Google Benchmark makes for a row (its iteration estimate and each
 * repetition) and are replaced when another row starts: setup never runs in
 * a timed loop, and a problem's tensors are filled once for all its rows.
 * A new implementation context gets one untimed warm-up run first (rows
 * estimated under 2 s, and every row of ours paired with oneDNN, whose
 * context is warmed likewise), so first-touch page faults of fresh
 * workspaces are not measured; longer peer rows skip it to keep the sweep's
 * time, and their first repetition carries those faults.
 *
 * The timed runs do the work `--check` checks: before a context's first
 * timed loop every buffer its run writes (bench_impl.outputs) is filled
 * with NaN, and after that loop those buffers must hold what the untimed
 * warm-up run wrote (within 1e-5; where no warm-up ran or the outputs are
 * larger than VERIFY_COPY_MAX, they must hold no NaN). A row whose timed
 * calls skip part of the work fails with an error instead of reporting a
 * flattering time. */
#include "rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tolerance.h"
#include "clock.h"

#define VERIFY_COPY_MAX ((size_t)64 << 20) /* bytes of outputs kept from the warm-up */

static double slowdown;

void bench_rows_set_slowdown(double extra_runs)
{
    slowdown = extra_runs > 0 ? extra_runs : 0;
}

/* Sleeps long enough (0.25 s) for a peer's idle worker threads, which spin
 * before they sleep, to give the second core back. */
static void settle_cores(void)
{
    struct timespec settle = {0, 250000000};
    nanosleep(&settle, NULL);
}

/* ---- the live problem data and row context ---- */
static bench_data live_data;
static char live_key[192];
static const bench_row *live_row;
static void *live_ctx;

static void key_of(const bench_problem *p, char *buf, size_t n)
{
    bench_problem_name(p, "*", buf, n);
}

/* The judge's context beside our row's (see bench_row_run): set up with
 * ours, dropped with it. pair_last is its latest time per run. */
static void *pair_ctx;
static const bench_impl *pair_impl;
static double pair_last;
static char pair_note[256]; /* its setup's note (oneDNN: the weight format), for our label */

/* The live context's outputs, and what its warm-up run wrote into them. */
static bench_output live_out[BENCH_MAX_OUTPUTS];
static int live_nout, live_unverified;
static float *live_copy;
static double live_owed; /* the slowdown hook's extra runs not yet made */

static void drop_ctx(void)
{
    free(live_copy);
    live_copy = NULL;
    live_nout = live_unverified = 0;
    live_owed = 0.0;
    if (pair_ctx)
        pair_impl->teardown(pair_ctx);
    pair_ctx = NULL;
    pair_impl = NULL;
    if (live_ctx)
        live_row->impl.teardown(live_ctx);
    live_ctx = NULL;
    live_row = NULL;
}

void bench_rows_release(void)
{
    drop_ctx();
    bench_data_free(&live_data);
    live_key[0] = '\0';
}

static int ensure_data(const bench_problem *p, char *err, size_t err_n)
{
    char key[192];
    key_of(p, key, sizeof key);
    if (!strcmp(key, live_key))
        return 0;
    bench_rows_release();
    if (bench_data_create(&live_data, p)) {
        snprintf(err, err_n, "cannot create the problem's tensors (size or memory)");
        return -1;
    }
    strcpy(live_key, key);
    return 0;
}

static char live_note[256];

static int ensure_ctx(const bench_row *row, char *err, size_t err_n)
{
    if (live_row == row && live_ctx)
        return 0;
    drop_ctx();
    if (ensure_data(&row->p, err, err_n))
        return -1;
    live_note[0] = '\0';
    void *ctx = row->impl.setup(&row->impl, &live_data, live_note, sizeof live_note, err, err_n);
    if (!ctx)
        return -1;
    if (bench_problem_threads(&row->p) > 1) {
        /* The previous row's worker threads may still spin for a core (an
         * idle OpenBLAS thread polls for 2^28 TSC ticks, about 0.1 s, before
         * it sleeps): let them settle before this row measures two threads. */
        settle_cores();
    }
    if (row->warm_up && row->impl.run(ctx, err, err_n)) {
        row->impl.teardown(ctx);
        return -1;
    }
    live_ctx = ctx;
    live_row = row;
    /* Keep the warm-up's outputs, then fill them with NaN for the first
     * timed loop (see the top of the file). */
    live_nout = row->impl.outputs(ctx, live_out, BENCH_MAX_OUTPUTS);
    size_t total = 0;
    for (int i = 0; i < live_nout; i++)
        total += live_out[i].n;
    if (row->warm_up && total * sizeof(float) <= VERIFY_COPY_MAX &&
        (live_copy = malloc((total ? total : 1) * sizeof *live_copy)) != NULL) {
        float *q = live_copy;
        for (int i = 0; i < live_nout; q += live_out[i].n, i++)
            memcpy(q, live_out[i].data, live_out[i].n * sizeof *q);
    }
    for (int i = 0; i < live_nout; i++)
        for (size_t k = 0; k < live_out[i].n; k++)
            live_out[i].data[k] = NAN;
    live_unverified = 1;
    const bench_impl *judge = row->impl.is_peer ? NULL : row->peers[0];
    if (judge) {
        /* A peer that cannot set up or run leaves the ratio to its row's
         * median (or the on-demand timing), as without pairing. */
        char perr[256];
        pair_note[0] = '\0';
        void *pc = judge->setup(judge, &live_data, pair_note, sizeof pair_note, perr, sizeof perr);
        if (pc && judge->run(pc, perr, sizeof perr) == 0) {
            pair_ctx = pc, pair_impl = judge, pair_last = row->judge_last_s;
        } else if (pc) {
            judge->teardown(pc);
        }
    }
    return 0;
}

/* Runs the judge for about `secs` (at least once, as many runs as its
 * latest time per run says fit) right after one of our repetitions: its
 * time per run, or 0 if a run failed. */
static double pair_time(double secs, int threads)
{
    char err[256];
    int64_t n = pair_last > 0 ? (int64_t)(secs / pair_last + 0.5) : 1;
    n = n < 1 ? 1 : n;
    const double t0 = rnn_seconds_now();
    for (int64_t i = 0; i < n; i++)
        if (pair_impl->run(pair_ctx, err, sizeof err))
            return 0.0;
    pair_last = (rnn_seconds_now() - t0) / (double)n;
    if (threads > 1) {
        /* Its OpenMP worker spins on the second core for a while after the
         * last run: let it sleep before our next repetition needs that core. */
        settle_cores();
    }
    return pair_last;
}

/* ---- peer times: per (problem, peer), the final-count runs' times ---- */
typedef struct {
    char key[192];
    const char *peer;
    int n;
    int64_t iters[32];
    double per_iter[32];
} peer_times;

static peer_times *ptab;
/* Our own rows are kept in the table under this name (keyed by their
 * problem, threads and data type included), so that a multi-thread row of
 * ours can report its speedup over one thread and a bf16 row its ratio to
 * our float32 row of the same problem. */
static const char ours_1thread[] = "ours at 1 thread";
static size_t pn, pcap;

static peer_times *peer_entry(const char *key, const char *peer, int create)
{
    for (size_t i = pn; i-- > 0;)
        if (ptab[i].peer == peer && !strcmp(ptab[i].key, key))
            return &ptab[i];
    if (!create)
        return NULL;
    if (pn == pcap) {
        size_t nc = pcap ? 2 * pcap : 256;
        peer_times *t = realloc(ptab, nc * sizeof *t);
        if (!t)
            return NULL;
        ptab = t, pcap = nc;
    }
    peer_times *e = &ptab[pn++];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->peer = peer;
    return e;
}

static void peer_record(const char *key, const char *peer, int64_t iters, double per_iter)
{
    peer_times *e = peer_entry(key, peer, 1);
    if (!e)
        return;
    if (e->n == 32) { /* keep the latest: shift out the oldest */
        memmove(e->iters, e->iters + 1, 31 * sizeof e->iters[0]);
        memmove(e->per_iter, e->per_iter + 1, 31 * sizeof e->per_iter[0]);
        e->n = 31;
    }
    e->iters[e->n] = iters;
    e->per_iter[e->n++] = per_iter;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Median over the runs with the largest iteration count: Google Benchmark
 * fixes the count in the first repetition and keeps it, so these are the
 * reported repetitions, not the shorter estimation runs. */
static double peer_median(const peer_times *e)
{
    int64_t most = 0;
    double v[32];
    int n = 0;
    for (int i = 0; i < e->n; i++)
        most = e->iters[i] > most ? e->iters[i] : most;
    for (int i = 0; i < e->n; i++)
        if (e->iters[i] == most)
            v[n++] = e->per_iter[i];
    return n ? median(v, n) : 0.0;
}

/* A peer that has no row in this run (filtered out): time it here on the
 * live data, warm-up then the median of at least 3 runs and 0.2 s. */
static double peer_on_demand(const bench_impl *peer, const char *key)
{
    char note[256], err[256];
    void *ctx = peer->setup(peer, &live_data, note, sizeof note, err, sizeof err);
    if (!ctx)
        return 0.0;
    double v[32];
    int n = 0;
    if (peer->run(ctx, err, sizeof err) == 0) {
        double start = rnn_seconds_now();
        while (n < 32 && (n < 3 || rnn_seconds_now() - start < 0.2)) {
            double t0 = rnn_seconds_now();
            if (peer->run(ctx, err, sizeof err))
                break;
            v[n++] = rnn_seconds_now() - t0;
        }
    }
    peer->teardown(ctx);
    if (n == 0)
        return 0.0;
    double m = median(v, n);
    peer_record(key, peer->name, 1, m);
    return m;
}

/* After the live context's first timed loop: NULL if its outputs are what
 * the untimed run wrote, else a sentence naming the first that is not. */
static const char *verify_outputs(char *why, size_t why_n)
{
    const float *q = live_copy;
    for (int i = 0; i < live_nout; i++) {
        const bench_output *o = &live_out[i];
        if (q) {
            rnn_compare_result c = rnn_compare(o->data, q, o->n, 1e-5);
            if (!(c.frac < 1.0)) {
                snprintf(why, why_n, "the timed runs' %s differs from the warm-up run's "
                         "(element %zu: %.9g, warm-up %.9g): a timed call did less than an "
                         "untimed one", o->name, c.worst, (double)o->data[c.worst],
                         (double)q[c.worst]);
                return why;
            }
            q += o->n;
            continue;
        }
        for (size_t k = 0; k < o->n; k++)
            if (isnan(o->data[k])) {
                snprintf(why, why_n, "the timed runs left %s[%zu] unwritten (NaN before the "
                         "loop): a timed call did less than the checked one", o->name, k);
                return why;
            }
    }
    return NULL;
}

/* A batched bf16 forward row's bound (rows.h), measured after its first
 * repetition, then set on every repetition. */
static void row_bound(gbench_state *st, bench_row *row)
{
    const bench_problem *p = &row->p;
    if (p->dtype != RNN_DTYPE_BF16 || p->B < 2 || p->mode != BENCH_FWD ||
        p->variant != BENCH_HEADED || bench_problem_stacked(p) ||
        bench_problem_threads(p) != 1 ||
        (p->topology != RNN_MANY2ONE && p->topology != RNN_MANY2MANY))
        return;
    if (!row->bound_state) {
        const int rc = bench_gemm_bound_measure(row->impl.isa, p, &row->bound);
        row->bound_state = rc ? -1 : 1;
        if (rc < 0)
            fprintf(stderr, "rnnsimd-bench: %s: out of memory measuring its bound\n", row->name);
    }
    if (row->bound_state != 1)
        return;
    gbench_set_counter(st, "bound_us", row->bound.seconds * 1e6, GBENCH_COUNTER_PLAIN);
    gbench_set_counter(st, "bound_gates_us", row->bound.gates_seconds * 1e6,
                       GBENCH_COUNTER_PLAIN);
    gbench_set_counter(st, "bound_ours_gflops", row->bound.ours_gflops, GBENCH_COUNTER_PLAIN);
    if (row->bound.onednn_gflops > 0)
        gbench_set_counter(st, "bound_onednn_gflops", row->bound.onednn_gflops,
                           GBENCH_COUNTER_PLAIN);
}

void bench_row_run(gbench_state *st, void *vrow)
{
    bench_row *row = vrow;
    char err[256] = "";
    if (ensure_ctx(row, err, sizeof err)) {
        gbench_skip_with_error(st, err);
        while (gbench_keep_running(st, 1)) {
        }
        return;
    }
    /* The test hook: whole extra runs of ours, slowdown per timed run on
     * average, counted (the counter below says how many ran). */
    const double slow = row->impl.is_peer || row->unslowed ? 0.0 : slowdown;
    int64_t extra = 0;
    while (gbench_keep_running(st, 1)) {
        if (row->impl.run(live_ctx, err, sizeof err)) {
            gbench_skip_with_error(st, err);
            continue;
        }
        for (live_owed += slow; live_owed >= 1.0; live_owed -= 1.0, extra++)
            if (row->impl.run(live_ctx, err, sizeof err)) {
                gbench_skip_with_error(st, err);
                break;
            }
    }
    if (live_unverified) {
        live_unverified = 0;
        char why[320];
        if (verify_outputs(why, sizeof why)) {
            gbench_skip_with_error(st, why);
            return;
        }
    }
    const int64_t iters = gbench_iterations(st);
    const double secs = gbench_elapsed_seconds(st);
    if (iters <= 0 || secs <= 0)
        return;
    const double per_iter = secs / (double)iters;
    const double gflops = bench_total_flops(&row->p) / per_iter * 1e-9;
    gbench_set_counter(st, "GFLOP/s", gflops, GBENCH_COUNTER_PLAIN);
    gbench_set_counter(st, "steps_per_s", (double)bench_problem_steps(&row->p) / per_iter,
                       GBENCH_COUNTER_PLAIN);
    const int threads = bench_problem_threads(&row->p);
    if (row->peak_gflops > 0) /* the peak is one core's: n threads may reach n times it */
        gbench_set_counter(st, "pct_peak", 100.0 * gflops / (row->peak_gflops * threads),
                           GBENCH_COUNTER_PLAIN);
    char key[192];
    key_of(&row->p, key, sizeof key);
    if (row->impl.is_peer) {
        peer_record(key, row->impl.name, iters, per_iter);
    } else {
        peer_record(key, ours_1thread, iters, per_iter);
    }
    if (!row->impl.is_peer && row->p.dtype != RNN_DTYPE_F32) {
        /* Our float32 row of the same problem, if it ran earlier in this
         * process (--dtype=all puts it right before): its median time over
         * this row's time, > 1 where bf16 is faster. */
        bench_problem f = row->p;
        f.dtype = RNN_DTYPE_F32;
        char keyf[192];
        key_of(&f, keyf, sizeof keyf);
        const peer_times *e = peer_entry(keyf, ours_1thread, 0);
        const double tf = e ? peer_median(e) : 0.0;
        if (tf > 0)
            gbench_set_counter(st, "vs_f32", tf / per_iter, GBENCH_COUNTER_PLAIN);
    }
    if (!row->impl.is_peer && threads > 1) {
        bench_problem one = row->p;
        one.threads = 1;
        char key1[192];
        key_of(&one, key1, sizeof key1);
        const peer_times *e = peer_entry(key1, ours_1thread, 0);
        const double t1 = e ? peer_median(e) : 0.0;
        if (t1 > 0)
            gbench_set_counter(st, "speedup_vs_1thread", t1 / per_iter, GBENCH_COUNTER_PLAIN);
    }
    if (slow > 0)
        gbench_set_counter(st, "test_hook_runs_per_iteration", (double)(iters + extra) /
                           (double)iters, GBENCH_COUNTER_PLAIN);
    if (!row->impl.is_peer) {
        /* The judge's time is taken right after this repetition, for as
         * long: a shared host's slow spells then hit both sides of the
         * ratio alike (they last seconds, longer than a row's repetition
         * but shorter than its five). The other peer's ratio uses the
         * median of its row's repetitions. */
        const double paired = pair_ctx ? pair_time(secs, threads) : 0.0;
        if (paired > 0)
            row->judge_last_s = paired;
        if (paired > 0) {
            gbench_set_counter(st, "onednn_paired_us", paired * 1e6, GBENCH_COUNTER_PLAIN);
            /* Our time as the ratio saw it (Google Benchmark's real_time
             * bounds a slightly different interval): vs_onednn is exactly
             * onednn_paired_us / ours_paired_us, which the tests check. */
            gbench_set_counter(st, "ours_paired_us", per_iter * 1e6, GBENCH_COUNTER_PLAIN);
        }
        if (paired > 0)
            row_bound(st, row);
        for (int k = 0; k < 2; k++) {
            const bench_impl *peer = row->peers[k];
            if (!peer)
                continue;
            const peer_times *e = peer_entry(key, peer->name, 0);
            double t = k == 0 && paired > 0 ? paired
                       : e                  ? peer_median(e)
                                            : peer_on_demand(peer, key);
            char cname[32];
            snprintf(cname, sizeof cname, "vs_%s", peer->name);
            if (t > 0)
                gbench_set_counter(st, cname, t / per_iter, GBENCH_COUNTER_PLAIN);
        }
    }
    /* The judge's note too: its weight format is chosen per process by a
     * pilot run, and a different choice moves vs_onednn (bench/gate.py
     * compares it between runs). */
    char label[640];
    const char *head = row->p.variant == BENCH_HEADED ? "head V=256" : "no head";
    snprintf(label, sizeof label, "%s; %s%s%s%s%s", live_note, head,
             row->p.topology == RNN_SEQ2SEQ ? ", T_out=T" : "",
             slow > 0 ? "; SLOWED BY THE TEST HOOK RNNSIMD_BENCH_SLOWDOWN" : "",
             pair_ctx && pair_note[0] ? "; paired with " : "", pair_ctx ? pair_note : "");
    gbench_set_label(st, label);
}
