/* main.c — rnnsimd-bench: the sweep, its peers and their context, on Google
 * Benchmark through bench/gbench.h. Usually run by `make bench` (bench/run.sh).
 *
 *   rnnsimd-bench [--cpu=ISA] [--set=default|deepbench|quick|threads|ci|stacks]
 *                 [--dtype=f32|bf16|all]
 *                 [--peers=all|onednn|blas|none] [--reps=N] [--row-budget=SECONDS]
 *                 [--list] [--check] [--print-isa] [--print-machine[=json]]
 *                 [--overlap[=quick]] [--benchmark_* flags of Google Benchmark]
 *
 * --cpu picks our kernel table (default: the best this CPU runs); a table the
 * CPU lacks is an error before anything runs. Each row runs --reps
 * repetitions (default 5), fewer for rows whose estimated time would exceed
 * --row-budget seconds (default 0.5), never fewer than 1 (9 in the ci set).
 * --list prints the rows --benchmark_filter selects, their repetitions and
 * the estimated total time without running; a run prints that estimate to
 * stderr first, then a progress line (bench/gbench.h);
 * --check compares every output and gradient of every implementation with the
 * reference on the quick set (every row kind) and exits (bench/check.h); --print-isa prints the table --cpu
 * resolves to (after the same check) and exits; --print-machine prints this
 * machine's results/ folder name (bench/identity.h; =json: its facts, the
 * content of results/<machine>/machine.json) and exits; --overlap prints the overlap
 * probe of the --cpu table (bench/overlap.c) and exits (=quick: a run that
 * only checks it works).
 *
 * Process setup, before any library reads its environment: OpenBLAS reads
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads and libgomp reads
 * OMP_NUM_THREADS likewise, so main re-executes itself once with them fixed:
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, then OPENBLAS_CORETYPE set to
 * SkylakeX on a CPU with AVX-512 (Haswell for --cpu=avx2 rows, so both sides
 * use the same vector ISA; PEER_ISA=best keeps SkylakeX), OMP_NUM_THREADS and
 * OPENBLAS_NUM_THREADS 1, and GLIBC_TUNABLES glibc.malloc.hugetlb=1 (the
 * peers' large buffers on huge pages, as core/memory.c puts ours).
 * RNNSIMD_BENCH_REEXEC marks the second run. Rows
 * named threads:N set both peers' threads in their setup (omp_set_num_threads,
 * openblas_set_num_threads), which overrides these variables.
 *
 * Start-up probes, in the JSON context (docs/benchmarks.md lists the keys):
 * the FMA peak of every table this CPU runs (one core), the core clock and
 * the FMAs a cycle and FMA ports it implies, the bf16 dot-product peak where
 * the CPU has one, the cache sizes (rnn_cpu_caches_get), and the one-core
 * read bandwidth at half of L1d and of L2 (read_bw_GBps_L1, _L2) and at
 * buffer sizes from L2 to DRAM (read_bw_GBps_<size>), against which
 * bench/targets.py judges batch-1 rows, which stream their recurrent
 * weights once a step. The context also
 * names the machine and the run (bench/identity.h): its facts, compiler,
 * flags, commit, kernel settings, the set and a hash of the set's row list
 * (set_rows_hash: every row name of the set before any filter), the filter,
 * and whether repetitions were interleaved: what the regression gate
 * (bench/gate.py) checks before it compares two files. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "check.h"
#include "cmdline.h"
#include "gbench.h"
#include "identity.h"
#include "kernels.h"
#include "options.h"
#include "out_file.h"
#include "overlap.h"
#include "run_context.h"
#include "rows.h"
#include "sweep.h"

static void reexec_with_clean_env(char **argv, rnn_isa isa)
{
    if (getenv("RNNSIMD_BENCH_REEXEC"))
        return;
    const char *ct = getenv("OPENBLAS_CORETYPE"), *l2 = getenv("OPENBLAS_L2_SIZE");
    char note[512];
    int n = snprintf(note, sizeof note, "unset OPENBLAS_CORETYPE (was %s) and OPENBLAS_L2_SIZE (was %s)",
                     ct ? ct : "unset", l2 ? l2 : "unset");
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("OPENBLAS_L2_SIZE");
    const char *peer_isa = getenv("PEER_ISA");
    const char *core = NULL;
    if (isa == RNN_ISA_AVX2 && !(peer_isa && !strcmp(peer_isa, "best")))
        core = "Haswell";
    else if (rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK)
        core = "SkylakeX";
    if (core) {
        setenv("OPENBLAS_CORETYPE", core, 1);
        snprintf(note + n, sizeof note - (size_t)n, "; set OPENBLAS_CORETYPE=%s", core);
    }
    setenv("OMP_NUM_THREADS", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    /* Our plans put weights of 2 MiB and more on huge pages (core/memory.c);
     * glibc's malloc does the same for the peers' large allocations with
     * this tunable, so both sides stream weights with the same TLB reach. */
    const char *tun = getenv("GLIBC_TUNABLES");
    char tunables[512];
    snprintf(tunables, sizeof tunables, "%s%sglibc.malloc.hugetlb=1", tun ? tun : "",
             tun && *tun ? ":" : "");
    setenv("GLIBC_TUNABLES", tunables, 1);
    setenv("RNNSIMD_BENCH_OPENBLAS_ENV", note, 1);
    setenv("RNNSIMD_BENCH_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* Not fatal (qemu-user cannot re-exec a foreign binary): say so. */
    char why[600];
    snprintf(why, sizeof why, "re-exec failed (%s): OpenBLAS kept the environment it loaded with",
             strerror(errno));
    setenv("RNNSIMD_BENCH_OPENBLAS_ENV", why, 1);
}

/* A rough time of one iteration, only to size repetitions (not reported):
 * single-core rates seen on an AVX-512 machine (oneDNN's backward is its
 * reference code, slow at batch 1), plus a few microseconds a step. */
static double est_seconds(const bench_problem *p, int is_peer)
{
    const int train = p->mode == BENCH_TRAIN;
    double rate = p->B == 1 ? (train ? (is_peer ? 8e9 : 15e9) : 20e9)
                : p->B < 16 ? (train ? 25e9 : 40e9)
                            : (train ? 70e9 : 90e9);
    /* A second thread rarely doubles the rate: count it as 1.5x. */
    if (bench_problem_threads(p) > 1)
        rate *= 1.5;
    return bench_total_flops(p) / rate + 2e-6 * (double)bench_problem_steps(p);
}

static int reps_for(double est, const bench_options *o)
{
    int r = (int)(o->row_budget / (est > 1e-9 ? est : 1e-9));
    return r < 1 ? 1 : r > o->reps ? o->reps : r;
}

/* --benchmark_enable_random_interleaving as given (the last one; Google
 * Benchmark's spellings of true), or -1 if not given. */
static int interleave_asked(int argc, char **argv)
{
    static const char flag[] = "--benchmark_enable_random_interleaving";
    int v = -1;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], flag, sizeof flag - 1)) {
            const char *a = argv[i] + sizeof flag - 1;
            v = !*a || !strcasecmp(a, "=true") || !strcmp(a, "=1") || !strcasecmp(a, "=yes") ||
                !strcasecmp(a, "=t") || !strcasecmp(a, "=y");
        }
    return v;
}

/* --cpu's table, checked before anything runs. Returns 0, or the exit
 * status after a message (2: not a table, 3: this CPU cannot run it). */
static int choose_isa(const bench_options *o, rnn_isa *isa)
{
    const char *why = NULL;
    *isa = RNN_ISA_AUTO;
    if (o->cpu && *o->cpu && rnn_isa_parse(o->cpu, isa) != RNN_OK) {
        fprintf(stderr, "rnnsimd-bench: --cpu: CPU=%s is not a kernel table (%s)\n", o->cpu,
                opt_isa_list(", "));
        return 2;
    }
    if (rnn_isa_resolve(*isa, isa, &why) != RNN_OK || rnn_isa_check(*isa, &why) != RNN_OK) {
        fprintf(stderr, "rnnsimd-bench: CPU=%s cannot run here: %s\n",
                o->cpu && *o->cpu ? o->cpu : rnn_isa_name(*isa), why ? why : "unsupported");
        return 3;
    }
    return 0;
}

/* --print-isa, --print-machine and --overlap: print and exit. Returns the
 * exit status, or -1 when none was asked for. */
static int print_and_exit(const bench_options *o, rnn_isa isa)
{
    if (o->print_isa) {
        printf("%s\n", rnn_isa_name(isa));
        return 0;
    }
    if (o->print_machine) {
        double peaks[RNN_ISA_COUNT] = {0};
        bench_probe_peaks(peaks, 0.1);
        bench_machine m;
        bench_machine_identify(&m, peaks);
        if (o->print_machine == 2)
            bench_machine_print_json(stdout, &m);
        else
            printf("%s\n", m.slug);
        return 0;
    }
    if (o->overlap)
        return bench_overlap_report(isa, o->overlap == 2, stdout) ? 1 : 0;
    return -1;
}

/* Why our table cannot run bf16 rows on this CPU, or NULL when it can
 * (rnn_plan_create would refuse them: rnn_plan_options.dtype). */
static const char *ours_bf16_why(rnn_isa isa)
{
    static char why[128];
    const rnn_kernels *k = NULL;
    const char *w = NULL;
    if (rnn_kernels_get(isa, &k, &w) != RNN_OK || !k) {
        snprintf(why, sizeof why, "the %s table cannot run here (%s)", rnn_isa_name(isa),
                 w ? w : "unsupported");
        return why;
    }
    if (!k->bf16_gemm_packed_nt) {
        snprintf(why, sizeof why, "the %s table has no bf16 products", rnn_isa_name(isa));
        return why;
    }
    if (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature)) {
        snprintf(why, sizeof why, "the %s table's bf16 products need %s, which %s",
                 rnn_isa_name(isa), k->bf16_feature,
                 rnn_cpu_feature_present(k->bf16_feature) ? "RNNSIMD_CPU_MASK hides"
                                                          : "this CPU lacks");
        return why;
    }
    return NULL;
}

/* The set's rows: every problem with ours and its peers. */
typedef struct {
    bench_problem *probs;
    bench_row *rows;
    size_t np, nr, nreps; /* problems; rows and repetitions the filter selects */
    double total;         /* their estimated seconds */
    bench_hash set_hash;  /* every row name of the set, selected or not */
} row_plan;

/* Registers with Google Benchmark the rows its filter selects (--list
 * prints them). Returns 0, or 2 on a bad filter. */
static int register_rows(row_plan *rp, const bench_options *o, rnn_isa isa, sweep_set set,
                         const bench_probes *pb, int interleaved)
{
    const int want_onednn = !o->peers || !strcmp(o->peers, "all") || !strcmp(o->peers, "onednn");
    const int want_blas =
        sweep_peer_rows(set) && (!o->peers || !strcmp(o->peers, "all") || !strcmp(o->peers, "blas"));
    const bench_impl ours = bench_impl_rnnsimd(isa);
    const char *no_bf16 = ours_bf16_why(isa);
    size_t skipped_bf16 = 0;
    bench_hash_init(&rp->set_hash);
    for (size_t i = 0; i < rp->np; i++) {
        const int bf16 = rp->probs[i].dtype == RNN_DTYPE_BF16;
        const bench_impl *peers[2] = {want_onednn ? &bench_peer_onednn : NULL,
                                      want_blas && !bf16 ? &bench_peer_blas : NULL};
        if (rp->probs[i].variant == BENCH_SEQ_NOPROJ)
            peers[0] = NULL; /* oneDNN's primitive cannot leave the projection out */
        if (bf16 && (bench_problem_stacked(&rp->probs[i]) ||
                     rp->probs[i].topology == RNN_SEQ2SEQ))
            peers[0] = NULL; /* the bf16 peer is one primitive (peer_onednn.c's d_setup) */
        if (bench_problem_stacked(&rp->probs[i]))
            peers[1] = NULL; /* the OpenBLAS baseline runs one layer in one direction */
        if (sweep_ours_only(set, &rp->probs[i]))
            peers[0] = peers[1] = NULL;
        for (int k = 0; k < 3; k++) {
            const bench_impl *im = k < 2 ? peers[k] : &ours;
            if (!im || (im->is_peer && !sweep_peer_rows(set)))
                continue;
            if (bf16 && !im->is_peer && no_bf16) {
                skipped_bf16++;
                continue;
            }
            bench_row *r = &rp->rows[rp->nr];
            memset(r, 0, sizeof *r); /* the slot of an unselected row is reused */
            r->p = rp->probs[i];
            r->impl = *im;
            r->peak_gflops = pb->peaks[im->is_peer ? pb->peer_peak_isa : isa];
            if (bf16) /* both sides' products run on the bf16 dot product */
                r->peak_gflops = (im->is_peer ? pb->peer_peak_isa : isa) == pb->best
                                     ? pb->bf16_gflops
                                     : 0.0;
            if (!im->is_peer)
                r->peers[0] = peers[0], r->peers[1] = peers[1];
            bench_problem_name(&r->p, im->name, r->name, sizeof r->name);
            double est = est_seconds(&r->p, im->is_peer);
            int reps = reps_for(est, o);
            if (reps < sweep_min_reps(set))
                reps = sweep_min_reps(set);
            /* A paired row of ours always gets its warm-up: the judge's
             * context is warmed when it is set up, so both sides' timed runs
             * then start warm (a cold first run pays the workspace's page
             * faults; docs/performance.md has how much). */
            r->warm_up = est < 2.0 || (!im->is_peer && peers[0]);
            bench_hash_add(&rp->set_hash, r->name);
            gbench_def def = {.name = r->name, .fn = bench_row_run, .user = r,
                              .repetitions = reps, .unit = GBENCH_US};
            const int sel = gbench_selected(&def);
            if (sel < 0)
                return 2;
            if (!sel)
                continue;
            /* Google Benchmark's estimate runs, then reps of >= min_time each. */
            double t = est * (reps + r->warm_up) + (est < 0.05 ? 0.05 * (reps + 1) : 0.0);
            const double judge = !im->is_peer && peers[0] ? est_seconds(&r->p, 1) : 0.0;
            if (judge > 0) /* the judge, timed after each repetition */
                t += judge * (reps + 2) + (est < 0.05 ? 0.05 * (reps + 1) : 0.0);
            if (interleaved) /* a context switch, so a warm-up, every repetition */
                t += (est + judge) * (reps - 1);
            rp->total += t;
            rp->nreps += (size_t)reps;
            if (o->list)
                printf("%-64s reps %d  est %.3g s/iter\n", r->name, reps, est);
            def.est_seconds = t;
            gbench_register(&def);
            rp->nr++;
        }
    }
    if (skipped_bf16) {
        /* Said once, on stderr and in the context: the set's bf16 problems
         * still run their oneDNN rows, which need no such feature. */
        char note[256];
        snprintf(note, sizeof note, "%zu bf16 rows of ours in the set skipped: %s", skipped_bf16, no_bf16);
        fprintf(stderr, "rnnsimd-bench: note: %s\n", note);
        gbench_add_context("bf16_rows", note);
    }
    return 0;
}

/* RNNSIMD_BENCH_SLOWDOWN (a test hook): slows our rows, those whose names
 * RNNSIMD_BENCH_SLOWDOWN_ROWS (an extended regular expression) matches if
 * given. Returns 0, or 2 for a bad expression. */
static int slowdown_hook(row_plan *rp)
{
    const char *slow = getenv("RNNSIMD_BENCH_SLOWDOWN");
    if (!slow || !(atof(slow) > 0))
        return 0;
    const char *only = getenv("RNNSIMD_BENCH_SLOWDOWN_ROWS");
    if (only && *only) {
        regex_t rx;
        if (regcomp(&rx, only, REG_EXTENDED | REG_NOSUB)) {
            fprintf(stderr, "rnnsimd-bench: RNNSIMD_BENCH_SLOWDOWN_ROWS=%s is not a regular"
                            " expression\n", only);
            return 2;
        }
        for (size_t i = 0; i < rp->nr; i++)
            rp->rows[i].unslowed = regexec(&rx, rp->rows[i].name, 0, NULL, 0) != 0;
        regfree(&rx);
        gbench_add_context("test_slowdown_rows", only);
    }
    bench_rows_set_slowdown(atof(slow));
    gbench_add_context("test_slowdown", slow);
    fprintf(stderr, "rnnsimd-bench: RNNSIMD_BENCH_SLOWDOWN=%s slows our rows%s%s (test hook)\n",
            slow, only && *only ? " matching " : "", only && *only ? only : "");
    return 0;
}

static void free_plan(row_plan *rp)
{
    free(rp->probs);
    free(rp->rows);
}

int main(int argc, char **argv)
{
    bench_options o = {.reps = 5, .row_budget = 0.5};
    /* The re-exec needs the arguments as given; parse_args edits argv. */
    char *orig_argv[argc + 1];
    memcpy(orig_argv, argv, (size_t)argc * sizeof *argv);
    orig_argv[argc] = NULL;
    int rc = bench_options_parse(&argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (bench_options_check(&o))
        return 2;
    rnn_isa isa;
    if ((rc = choose_isa(&o, &isa)) || (rc = print_and_exit(&o, isa)) >= 0)
        return rc;
    sweep_set set;
    sweep_dtypes dtypes;
    sweep_parse(o.set, &set); /* both checked by check_choices */
    sweep_dtypes_parse(o.dtype, &dtypes);
    bench_rnnsimd_tuning(o.tune && !strcmp(o.tune, "measure") ? RNN_TUNE_MEASURE
                                                              : RNN_TUNE_ESTIMATE);
    if (!o.list)
        reexec_with_clean_env(orig_argv, isa);

    const char *peer_isa = getenv("PEER_ISA");
    const int limit_peers = isa == RNN_ISA_AVX2 && !(peer_isa && !strcmp(peer_isa, "best"));
    const char *dnnl_msg = bench_onednn_configure(limit_peers ? RNN_ISA_AVX2 : RNN_ISA_AUTO);
    const char *blas_msg = bench_blas_configure();
    if (o.check)
        return bench_check(isa) ? 1 : 0;

    /* Google Benchmark reads its flags below, so that only rows the filter
     * selects are registered, listed and counted. The ci set interleaves its
     * repetitions unless told otherwise. */
    char *gargv[argc + 2];
    int gargc = argc;
    memcpy(gargv, argv, (size_t)argc * sizeof *argv);
    int interleaved = interleave_asked(argc, argv);
    if (interleaved < 0 && sweep_interleaved(set))
        gargv[gargc++] = (char *)"--benchmark_enable_random_interleaving=true";
    interleaved = interleaved < 0 ? sweep_interleaved(set) : interleaved;
    gargv[gargc] = NULL;
    /* --benchmark_out goes to a temporary file, renamed over its path when
     * the run ends well (bench/out_file.h); a path it cannot be is refused
     * now, not after the probes' seconds of measuring. */
    if (!o.list && (rc = bench_out_begin(gargc, gargv)))
        return rc;
    static bench_probes pb;
    if (bench_probes_run(&pb, &o, isa, set, limit_peers)) {
        bench_out_end(0);
        return 1;
    }
    if (gbench_init(&gargc, gargv))
        return 2;

    row_plan rp = {0};
    rp.np = sweep_problems(set, NULL, 0);
    rp.probs = calloc(rp.np, sizeof *rp.probs);
    rp.rows = calloc(rp.np * 3, sizeof *rp.rows);
    if (!rp.probs || !rp.rows) {
        fprintf(stderr, "rnnsimd-bench: out of memory\n");
        free_plan(&rp);
        return 1;
    }
    sweep_problems(set, rp.probs, rp.np);
    if (dtypes != SWEEP_DTYPE_F32) {
        /* Each problem with the data types asked for (sweep_with_dtypes). */
        const size_t n = sweep_with_dtypes(rp.probs, rp.np, dtypes, NULL, 0);
        bench_problem *both = calloc(n, sizeof *both);
        bench_row *rows = both ? realloc(rp.rows, n * 3 * sizeof *rows) : NULL;
        if (!both || !rows) {
            fprintf(stderr, "rnnsimd-bench: out of memory\n");
            free(both);
            free_plan(&rp);
            return 1;
        }
        rp.rows = rows;
        sweep_with_dtypes(rp.probs, rp.np, dtypes, both, n);
        free(rp.probs);
        rp.probs = both, rp.np = n;
    }
    if (register_rows(&rp, &o, isa, set, &pb, interleaved)) {
        free_plan(&rp);
        return 2;
    }
    if (o.list) {
        printf("%zu problems, %zu rows, estimated %.0f s\n", rp.np, rp.nr, rp.total);
        free_plan(&rp);
        return 0;
    }
    fprintf(stderr, "rnnsimd-bench: %zu rows, %zu repetitions%s, estimated %d:%02d\n", rp.nr,
            rp.nreps, interleaved ? " interleaved" : "", (int)(rp.total / 60), (int)rp.total % 60);
    bench_run_context(&o, isa, set, &pb, &rp.set_hash, argc, argv, interleaved, dnnl_msg, blas_msg);
    if (slowdown_hook(&rp)) {
        free_plan(&rp);
        return 2;
    }
    const char *emu = getenv("RNNSIMD_BENCH_EMULATED");
    if (emu && *emu)
        fprintf(stderr, "rnnsimd-bench: running under emulation: times are meaningless\n");
    bench_note_load();

    rc = gbench_run();
    if (bench_out_end(rc == 0) && rc == 0)
        rc = 1;
    /* Rows that ended in an error are in the output, marked, and the end of
     * the run counts them; the status tells a script so without reading it. */
    if (rc == 0 && gbench_errored() > 0)
        rc = 4;
    bench_rows_release();
    free_plan(&rp);
    return rc;
}
