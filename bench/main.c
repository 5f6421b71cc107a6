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
#include "elementwise.h"
#include "gbench.h"
#include "identity.h"
#include "kernels.h"
#include "out_file.h"
#include "overlap.h"
#include "peak.h"
#include "rows.h"
#include "sweep.h"

typedef struct {
    const char *cpu, *set, *peers, *tune, *dtype;
    int reps, list, check, print_isa, overlap; /* overlap: 0, 1, or 2 (quick) */
    int print_machine;                         /* 0, 1, or 2 (json) */
    double row_budget;
} options;

static const char usage_text[] =
    "usage: rnnsimd-bench [options] [--benchmark_* flags of Google Benchmark]\n"
    "Runs the benchmark sweep: our kernel table beside oneDNN and OpenBLAS, in one\n"
    "process. Usually run by `make bench` (bench/run.sh), which writes the JSON.\n"
    "\n"
    "  --cpu=ISA                       our kernel table, {isas:|} (default: the\n"
    "                                  best this CPU runs); one the CPU lacks fails\n"
    "                                  before any run\n"
    "  --set=default|deepbench|quick|threads|ci|stacks  the problem set (default:\n"
    "                                  default; ci: the regression gate's, 9+\n"
    "                                  interleaved repetitions a row; stacks: L:N\n"
    "                                  layers and bi directions)\n"
    "  --peers=all|onednn|blas|none    which peers run beside us (default: all)\n"
    "  --dtype=f32|bf16|all            the rows' data type (default f32: every row as\n"
    "                                  it always was); bf16: rows named .../bf16/MODE,\n"
    "                                  ours with rnn_plan_options.dtype bf16 and oneDNN's\n"
    "                                  bf16 primitives, pct_peak against the probed bf16\n"
    "                                  dot-product peak; all: each float32 row then its\n"
    "                                  bf16 twin, whose vs_f32 is our float32 row's time\n"
    "                                  over its own. Our bf16 rows are skipped, with a\n"
    "                                  note, where the table has no bf16 products on\n"
    "                                  this CPU (avx512 needs avx512bf16)\n"
    "  --tune=estimate|measure         our plans' tuning (rnn_plan_options.tuning;\n"
    "                                  default estimate: the fixed rules; measure:\n"
    "                                  each plan times its candidates once, in setup,\n"
    "                                  and the row's label shows what it chose)\n"
    "  --reps=N                        repetitions per row (default 5)\n"
    "  --row-budget=SECONDS            fewer repetitions for rows estimated above\n"
    "                                  this (default 0.5), never fewer than 1\n"
    "  --list                          print the rows --benchmark_filter selects, their\n"
    "                                  repetitions and estimated time, run nothing\n"
    "  --check                         compare every output and gradient of every\n"
    "                                  implementation with the reference (quick set:\n"
    "                                  every row kind), exit\n"
    "  --print-isa                     print the table --cpu resolves to, exit\n"
    "  --print-machine[=json]          print this machine's results/ folder name (json:\n"
    "                                  the facts it comes from), exit\n"
    "  --overlap[=quick]               how much GEMM work this core hides under a\n"
    "                                  batch-1 weight stream (avx512), exit\n"
    "  --help                          this text (--benchmark_help: Google Benchmark's)\n"
    "  --version                       the library version\n"
    "Each option takes --name=value or --name value. A value outside an option's list\n"
    "is a usage error (exit 2); an empty one (--peers=) is the option's default.\n"
    "Exit status: 0 every row measured; 4 rows ended in an error (the output keeps\n"
    "them, marked, and the run's end counts them); 1 a failure (no memory, no row\n"
    "selected: --benchmark_out's file left as it was); 2 a usage error.\n";

/* --print-machine[=json] and --overlap[=quick]: 1 bare, 2 with the value. */
static int on_optional(void *ctx, const char *name, const char *v, char *err, size_t errlen)
{
    const char *want = name[0] == 'p' ? "json" : "quick";
    if (v && strcmp(v, want) != 0) {
        snprintf(err, errlen, "'%s' is not %s (or give no value)", v, want);
        return -1;
    }
    *(int *)ctx = v ? 2 : 1;
    return 0;
}

/* Takes our flags out of argv, leaving Google Benchmark's (--benchmark_*,
 * --v=) in order for it. Returns opt_parse's status: 0 to go on, -1 after
 * --help or --version, else the exit status (a bad option, no memory). */
static int parse_args(int *argc, char **argv, options *o)
{
    int64_t reps = o->reps;
    opt_spec specs[] = {
        {"cpu", OPT_STR, &o->cpu, 0, 0, 0, NULL, 0},
        {"set", OPT_STR, &o->set, 0, 0, 0, NULL, 0},
        {"peers", OPT_STR, &o->peers, 0, 0, 0, NULL, 0},
        {"tune", OPT_STR, &o->tune, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &o->dtype, 0, 0, 0, NULL, 0},
        {"reps", OPT_INT, &reps, 1, 1000000, 0, NULL, 0},
        {"row-budget", OPT_F64, &o->row_budget, 1e-9, 1e9, 0, NULL, 0},
        {"list", OPT_FLAG, &o->list, 0, 0, 0, NULL, 0},
        {"check", OPT_FLAG, &o->check, 0, 0, 0, NULL, 0},
        {"print-isa", OPT_FLAG, &o->print_isa, 0, 0, 0, NULL, 0},
        {"print-machine", OPT_CALL, &o->print_machine, 0, 0, OPT_OPTIONAL, on_optional, 0},
        {"overlap", OPT_CALL, &o->overlap, 0, 0, OPT_OPTIONAL, on_optional, 0},
    };
    static const char *const google[] = {"--benchmark_", "--v=", NULL};
    opt_program p = {"rnnsimd-bench", usage_text, NULL, 0, 0, google};
    int r = opt_parse(&p, argc, argv, specs, sizeof specs / sizeof specs[0]);
    o->reps = (int)reps;
    return r;
}

/* 0 when value is one of choices (a NULL-terminated list), empty or not
 * given (the default); else 2, after a usage error naming the option, the
 * value and the choices. */
static int check_choice(const char *option, const char *value, const char *const *choices)
{
    if (!value || !*value)
        return 0;
    char list[160] = "";
    for (size_t i = 0; choices[i]; i++) {
        if (!strcmp(value, choices[i]))
            return 0;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? (choices[i + 1] ? ", " : " or ") : "", choices[i]);
    }
    fprintf(stderr, "rnnsimd-bench: --%s=%s is not %s\n", option, value, list);
    return 2;
}

/* Every option with a fixed set of values, checked before anything runs or
 * prints, so that a misspelt one is never silently the default (an unknown
 * --peers once meant "no peers"); an empty one becomes NULL, the default.
 * --set keeps the make variable's name (make bench SET=...) beside the
 * option's. Returns 0 or 2. */
static int check_choices(options *o)
{
    static const char *const peers[] = {"all", "onednn", "blas", "none", NULL};
    static const char *const dtypes[] = {"f32", "bf16", "all", NULL};
    static const char *const tunes[] = {"estimate", "measure", NULL};
    sweep_set set;
    if (sweep_parse(o->set, &set)) {
        fprintf(stderr, "rnnsimd-bench: --set: SET=%s is not default, deepbench, quick, threads, "
                        "ci or stacks\n", o->set);
        return 2;
    }
    if (check_choice("peers", o->peers, peers) || check_choice("dtype", o->dtype, dtypes) ||
        check_choice("tune", o->tune, tunes))
        return 2;
    const char **values[] = {&o->cpu, &o->set, &o->peers, &o->dtype, &o->tune};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (*values[i] && !**values[i])
            *values[i] = NULL;
    return 0;
}

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

static int reps_for(double est, const options *o)
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

/* Probes the FMA peak of every table this CPU runs, `seconds` each (0:
 * none, the peaks stay 0); returns the best such table. */
static rnn_isa probe_peaks(double peaks[RNN_ISA_COUNT], double seconds)
{
    const rnn_kernels *const *tables = rnn_kernel_tables();
    rnn_isa best = RNN_ISA_GENERIC;
    for (size_t i = 0; tables[i]; i++) {
        rnn_isa t = tables[i]->isa;
        if (rnn_isa_check(t, NULL) != RNN_OK)
            continue;
        if (seconds > 0)
            peaks[t] = bench_peak_gflops(t, seconds);
        best = t;
    }
    return best;
}

static void add_context_double(const char *key, double v, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    gbench_add_context(key, buf);
}

/* --cpu's table, checked before anything runs. Returns 0, or the exit
 * status after a message (2: not a table, 3: this CPU cannot run it). */
static int choose_isa(const options *o, rnn_isa *isa)
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
static int print_and_exit(const options *o, rnn_isa isa)
{
    if (o->print_isa) {
        printf("%s\n", rnn_isa_name(isa));
        return 0;
    }
    if (o->print_machine) {
        double peaks[RNN_ISA_COUNT] = {0};
        probe_peaks(peaks, 0.1);
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

#define bw_kib bench_bw_kib
#define N_BW BENCH_BW_SIZES

/* The start-up probes of the JSON context. */
typedef struct {
    double peaks[RNN_ISA_COUNT];
    rnn_isa best, peer_peak_isa;
    double bw[N_BW];
    rnn_cpu_caches caches;
    double clock_ghz;
    double bw_l1, bw_l2;  /* at half of L1d and of L2 */
    const char *bf16_why; /* bench_bf16dot_why of best */
    double bf16_gflops;
    double hidden[OVERLAP_MIXES][2][OVERLAP_SIZES];
    int have_overlap;
    rnn_isa isa;                         /* our table, benchmarked */
    double elementwise[RNN_CELL_COUNT]; /* bench_elementwise_ns of isa */
} probes;

/* Peaks: our table's, and the best the peers may use; the read bandwidths;
 * the overlap probe (about 4 s) for the default set's batch-1 ceilings, when
 * our table has one (avx512). --list measures nothing but what sizes rows.
 * Returns 0, or -1 after a message when memory ran out: a probe left out of
 * the context would read as one this machine cannot run. */
static int run_probes(probes *pb, const options *o, rnn_isa isa, sweep_set set, int limit_peers)
{
    int nomem = 0;
    memset(pb, 0, sizeof *pb);
    pb->best = probe_peaks(pb->peaks, o->list ? 0.0 : 0.2);
    pb->peer_peak_isa = limit_peers ? RNN_ISA_AVX2 : pb->best;
    rnn_cpu_caches_get(&pb->caches);
    pb->bf16_why = bench_bf16dot_why(pb->best);
    if (!o->list) {
        /* About 0.3 s on top of the peaks and the sweep. */
        pb->clock_ghz = bench_clock_ghz(0.05);
        if (!pb->bf16_why)
            pb->bf16_gflops = bench_peak_bf16dot_gflops(pb->best, 0.1);
        pb->bw_l1 = bench_read_bw_gbs(pb->best, pb->caches.l1d / 2, 0.06);
        pb->bw_l2 = bench_read_bw_gbs(pb->best, pb->caches.l2 / 2, 0.06);
        nomem |= pb->bw_l1 < 0 || pb->bw_l2 < 0;
        for (size_t i = 0; i < N_BW; i++) {
            pb->bw[i] = bench_read_bw_gbs(pb->best, bw_kib[i] * 1024, 0.06);
            nomem |= pb->bw[i] < 0;
        }
        /* About 0.25 s: the batched rows' ceilings count their gates. */
        for (int c = 0; c < RNN_CELL_COUNT; c++) {
            pb->elementwise[c] = bench_elementwise_ns(isa, (rnn_cell)c, 0.03);
            nomem |= pb->elementwise[c] < 0;
        }
    }
    pb->isa = isa;
    pb->have_overlap = !o->list && set == SWEEP_DEFAULT;
    for (int m = 0; m < OVERLAP_MIXES && pb->have_overlap; m++)
        for (int r = 0; r < 2 && pb->have_overlap; r++)
            for (size_t i = 0; i < OVERLAP_SIZES && pb->have_overlap; i++) {
                overlap_times ot;
                const int st = bench_overlap_measure(isa, (overlap_mix)m, overlap_bytes[i], r + 1, &ot);
                nomem |= st == -2;
                pb->have_overlap = st == 0;
                pb->hidden[m][r][i] = pb->have_overlap ? overlap_hidden(ot) : 0.0;
            }
    if (nomem)
        fprintf(stderr, "rnnsimd-bench: out of memory measuring the machine (the probes)\n");
    return nomem ? -1 : 0;
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
static int register_rows(row_plan *rp, const options *o, rnn_isa isa, sweep_set set,
                         const probes *pb, int interleaved)
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

static void add_context_size(const char *key, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    gbench_add_context(key, buf);
}

/* The machine model's keys (docs/design.md §12): caches, clock, FMAs a
 * cycle and ports per table, the bf16 dot peak, bandwidth per cache level. */
static void add_machine_model(const probes *pb)
{
    add_context_size("l1d_bytes", pb->caches.l1d);
    add_context_size("l2_bytes", pb->caches.l2);
    add_context_size("l3_bytes", pb->caches.l3);
    gbench_add_context("caches_probe", "rnn_cpu_caches_get: sysconf, else sysfs, else defaults "
                                       "(32 KiB, 1 MiB, 0 = unknown); l3 as the OS reports "
                                       "it, which a VM may invent");
    if (pb->clock_ghz > 0)
        add_context_double("clock_GHz", pb->clock_ghz, 2);
    for (int t = 1; t < RNN_ISA_COUNT && pb->clock_ghz > 0; t++)
        if (pb->peaks[t] > 0) {
            char key[48];
            const double per = bench_fma_per_cycle((rnn_isa)t, pb->peaks[t], pb->clock_ghz);
            snprintf(key, sizeof key, "fma_per_cycle_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, per, 2);
            snprintf(key, sizeof key, "fma_ports_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, bench_fma_ports(per), 0);
        }
    gbench_add_context("clock_probe", "1 thread, a chain of dependent register adds (1 cycle "
                                      "each) on the thread CPU clock, best of 3; fma_per_cycle "
                                      "= peak / (2 x lanes x clock), fma_ports it rounded");
    char key[48], note[160];
    if (pb->bf16_gflops > 0) {
        snprintf(key, sizeof key, "peak_gflops_bf16dot_%s", rnn_isa_name(pb->best));
        add_context_double(key, pb->bf16_gflops, 1);
        if (pb->peaks[pb->best] > 0)
            add_context_double("bf16dot_over_fma", pb->bf16_gflops / pb->peaks[pb->best], 3);
        snprintf(note, sizeof note, "1 thread, 16 independent %s bf16 dot-product chains, best "
                 "of 3; 2 flops a product", rnn_isa_name(pb->best));
    } else {
        snprintf(note, sizeof note, "not measured: %s",
                 pb->bf16_why ? pb->bf16_why : "the probe gave nothing");
    }
    gbench_add_context("bf16dot_probe", note);
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        if (pb->elementwise[c] > 0) {
            snprintf(key, sizeof key, "elementwise_ns_unit_%s_%s", rnn_cell_name((rnn_cell)c),
                     rnn_isa_name(pb->isa));
            add_context_double(key, pb->elementwise[c], 3);
        }
    if (pb->elementwise[0] > 0)
        gbench_add_context("elementwise_probe",
                           "1 thread, ns per hidden unit and batch row of one inference step's "
                           "gate kernels on warm operands (the lesser of B 64 x H 256 and B 16 x "
                           "H 1024), best of 3");
    if (pb->bw_l1 > 0)
        add_context_double("read_bw_GBps_L1", pb->bw_l1, 1);
    if (pb->bw_l2 > 0)
        add_context_double("read_bw_GBps_L2", pb->bw_l2, 1);
}

/* The run's JSON context (bench/identity.h says what a comparison needs). */
static void add_run_context(const options *o, rnn_isa isa, sweep_set set, const probes *pb,
                            const row_plan *rp, int argc, char **argv, int interleaved,
                            const char *dnnl_msg, const char *blas_msg)
{
    const char *emu = getenv("RNNSIMD_BENCH_EMULATED");
    gbench_add_context("rnnsimd_version", RNNSIMD_VERSION);
    gbench_add_context("rnnsimd_isa", rnn_isa_name(isa));
    bench_machine machine;
    bench_machine_identify(&machine, pb->peaks);
    bench_machine_context(&machine);
    bench_environment_context();
    gbench_add_context("emulated", emu && *emu ? "yes: times are emulated and meaningless" : "no");
    gbench_add_context("sweep", sweep_name(set));
    gbench_add_context("dtype", o->dtype && *o->dtype ? o->dtype : "f32");
    char model[160];
    if (rnn_machine_describe(isa, model, sizeof model) == RNN_OK)
        gbench_add_context("planner_model", model);
    gbench_add_context("tuning", o->tune && !strcmp(o->tune, "measure")
                                     ? "measure: each plan of ours timed its candidates in "
                                       "setup (its choices in the row's label)"
                                     : "estimate: our plans' rules, from the machine model "
                                       "(L2 size, FMA width; docs/design.md section 12)");
    char hash_hex[24];
    bench_hash_hex(&rp->set_hash, hash_hex, sizeof hash_hex);
    gbench_add_context("set_rows_hash", hash_hex);
    const char *filter = NULL;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--benchmark_filter=", 19))
            filter = argv[i] + 19;
    gbench_add_context("filter", filter && *filter ? filter : "none");
    gbench_add_context("interleaved", interleaved ? "yes" : "no");
    for (int t = 1; t < RNN_ISA_COUNT; t++)
        if (pb->peaks[t] > 0) {
            char key[48];
            snprintf(key, sizeof key, "peak_gflops_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, pb->peaks[t], 1);
        }
    gbench_add_context("peak_probe", "1 thread, independent FMA chains in registers, best of 3; "
                                     "pct_peak of a threads:N row is against N x this peak");
    add_machine_model(pb);
    for (size_t i = 0; i < N_BW; i++)
        if (pb->bw[i] > 0) {
            char key[48];
            bench_bw_key(key, sizeof key, bw_kib[i]);
            add_context_double(key, pb->bw[i], 1);
        }
    char bw_note[160];
    snprintf(bw_note, sizeof bw_note, "1 thread, %s loads summed into independent accumulators, "
             "the buffer read over and over, best of 3; GB = 1e9 bytes", rnn_isa_name(pb->best));
    gbench_add_context("read_bw_probe", bw_note);
    for (int m = 0; m < OVERLAP_MIXES && pb->have_overlap; m++)
        for (int r = 0; r < 2; r++)
            for (size_t i = 0; i < OVERLAP_SIZES; i++) {
                char key[64];
                snprintf(key, sizeof key, "overlap_hidden_%s%zuKiB_ratio%d",
                         m == OVERLAP_DW ? "dw_" : "", overlap_bytes[i] >> 10, r + 1);
                add_context_double(key, pb->hidden[m][r][i], 3);
            }
    if (pb->have_overlap)
        gbench_add_context("overlap_probe",
                           "rnnsimd-bench --overlap: the share of the smaller of a GEMV stream "
                           "over W bytes and an 8-row GEMM tile (ratio tile FMAs per stream "
                           "FMA, its panels streaming another W bytes) hidden when both run "
                           "in one loop; overlap_hidden_dw_*: the same with rank-8 updates of "
                           "another W bytes (a weight gradient riding the step) in place of "
                           "the tile");
    gbench_add_context("onednn", dnnl_msg);
    gbench_add_context("openblas", blas_msg);
    gbench_add_context("flops_model",
                       "GFLOP/s counts 2*B*(I+H)*G*H per cell step (2*B*H*G*H for seq_noproj) plus "
                       "2*B*H*V per scored step of the head; train counts 3x forward");
    gbench_add_context("ratios", "vs_onednn, vs_blas = peer time / our time in this process (>1: "
                                 "ours is faster); vs_onednn per repetition: oneDNN timed right "
                                 "after it, for as long (paired), median over repetitions; "
                                 "vs_blas: the median of OpenBLAS's row");
    char buf[160];
    snprintf(buf, sizeof buf, "up to %d per row (fewer above %.2g s estimated per row, at least %d)",
             o->reps > sweep_min_reps(set) ? o->reps : sweep_min_reps(set), o->row_budget,
             sweep_min_reps(set));
    gbench_add_context("repetitions", buf);
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

/* Other work on the machine shows as real_time > cpu_time in the rows; the
 * load at start says whether a baseline is worth keeping. */
static void note_load(void)
{
    FILE *la = fopen("/proc/loadavg", "r");
    double load = -1;
    if (la) {
        if (fscanf(la, "%lf", &load) != 1)
            load = -1;
        fclose(la);
    }
    if (load >= 0) {
        add_context_double("load_average_1min_at_start", load, 1);
        if (load > 1.5)
            fprintf(stderr, "rnnsimd-bench: warning: load average %.1f: other work competes for "
                            "the cores; times will be noisy (compare real_time with cpu_time)\n",
                    load);
    }
}

static void free_plan(row_plan *rp)
{
    free(rp->probs);
    free(rp->rows);
}

int main(int argc, char **argv)
{
    options o = {.reps = 5, .row_budget = 0.5};
    /* The re-exec needs the arguments as given; parse_args edits argv. */
    char *orig_argv[argc + 1];
    memcpy(orig_argv, argv, (size_t)argc * sizeof *argv);
    orig_argv[argc] = NULL;
    int rc = parse_args(&argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (check_choices(&o))
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
    static probes pb;
    if (run_probes(&pb, &o, isa, set, limit_peers)) {
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
    add_run_context(&o, isa, set, &pb, &rp, argc, argv, interleaved, dnnl_msg, blas_msg);
    if (slowdown_hook(&rp)) {
        free_plan(&rp);
        return 2;
    }
    const char *emu = getenv("RNNSIMD_BENCH_EMULATED");
    if (emu && *emu)
        fprintf(stderr, "rnnsimd-bench: running under emulation: times are meaningless\n");
    note_load();

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
