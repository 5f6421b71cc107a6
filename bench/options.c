/* options.c — rnnsimd-bench's command line: its usage text, our options
 * taken out of argv (support/cmdline.h) and the values checked. */
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "kernels.h"
#include "options.h"
#include "sweep.h"

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
int bench_options_parse(int *argc, char **argv, bench_options *o)
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
int bench_options_check(bench_options *o)
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
