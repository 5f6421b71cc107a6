/* gbench.h — a small C face on Google Benchmark (1.7.1, C++), so that every
 * benchmark of rnnsimd is written in C. bench/gbench.cc implements it.
 *
 * Modelled on IREE's runtime/src/iree/testing/benchmark.h: a benchmark is a C
 * function and a user pointer registered under a name; the function loops on
 * gbench_keep_running() and may pause/resume timing, set counters and a label.
 *
 *   static void bm(gbench_state *st, void *user) {
 *       while (gbench_keep_running(st, 1)) work(user);
 *       gbench_set_counter(st, "items", 1.0, GBENCH_COUNTER_RATE | GBENCH_COUNTER_PER_ITERATION);
 *   }
 *   gbench_register(&(gbench_def){.name = "my/bench", .fn = bm, .user = p});
 *   return gbench_main(argc, argv);  // --benchmark_* flags pass through
 *
 * or, to register only what --benchmark_filter selects (and count it first):
 * gbench_init(&argc, argv), gbench_selected(&def) per benchmark, gbench_run().
 *
 * While benchmarks run, a progress line goes to stderr after repetitions:
 * "[k/N] name  eta mm:ss", k and N counting repetitions of the selected
 * benchmarks, the ETA scaling the defs' estimates (est_seconds) by the pace
 * so far. On a terminal it is one status line redrawn in place; otherwise a
 * line at most every 10 s and after the last repetition.
 *
 * Every registered benchmark reports real (wall-clock) time: single-threaded
 * kernels, and the peers' OpenMP runtimes may not charge CPU time to us. */
#ifndef RNNSIMD_BENCH_GBENCH_H
#define RNNSIMD_BENCH_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gbench_state gbench_state;
typedef void (*gbench_fn)(gbench_state *st, void *user);

typedef enum { GBENCH_NS = 0, GBENCH_US, GBENCH_MS, GBENCH_S } gbench_unit;

typedef struct {
    const char *name;     /* copied at registration */
    gbench_fn fn;
    void *user;           /* passed to fn untouched; the caller owns it */
    int repetitions;      /* 0: --benchmark_repetitions decides */
    double min_time;      /* seconds; 0: --benchmark_min_time decides */
    int64_t iterations;   /* 0: chosen by Google Benchmark from min_time */
    gbench_unit unit;     /* display unit of times */
    double est_seconds;   /* estimated wall time of all its repetitions, for
                             the progress line's ETA; 0: unknown */
} gbench_def;

/* Registers a benchmark; 0 on success, -1 if def is incomplete. Benchmarks
 * run in the order they were registered. */
int gbench_register(const gbench_def *def);

/* True while the benchmark should run `batch` more iterations (batch >= 1).
 * The function must not return before this has returned false. */
bool gbench_keep_running(gbench_state *st, int64_t batch);
void gbench_pause_timing(gbench_state *st);
void gbench_resume_timing(gbench_state *st);

/* Iterations of the run so far (the final count once keep_running is false). */
int64_t gbench_iterations(const gbench_state *st);
/* Wall-clock seconds between the first keep_running call and the false one,
 * without paused spans: what this run measured, for derived numbers that
 * Google Benchmark's own counters cannot express (ratios between rows). */
double gbench_elapsed_seconds(const gbench_state *st);

enum {
    GBENCH_COUNTER_PLAIN = 0,
    GBENCH_COUNTER_RATE = 1 << 0,          /* divided by the run's time */
    GBENCH_COUNTER_PER_ITERATION = 1 << 1, /* value is per iteration: times iterations */
    GBENCH_COUNTER_AVG_ITERATIONS = 1 << 2 /* divided by the iterations */
};
/* A named number in the row (aggregated over repetitions like the times). */
void gbench_set_counter(gbench_state *st, const char *name, double value, int flags);
void gbench_set_label(gbench_state *st, const char *label);
/* Marks the run failed with a message; the caller must still return without
 * looping (keep_running returns false from then on). */
void gbench_skip_with_error(gbench_state *st, const char *message);

/* A key/value pair in the JSON "context" (machine, library versions...). */
void gbench_add_context(const char *key, const char *value);

/* Initialises Google Benchmark with argv (so --benchmark_* flags work; they
 * are taken out of argv) and rejects unknown arguments: 0, or 2 after
 * naming them. */
int gbench_init(int *argc, char **argv);

/* After gbench_init: 1 if --benchmark_filter selects a benchmark registered
 * with this def, 0 if not, -1 (with a message on stderr) if the filter is not
 * a valid regular expression. Google Benchmark's own rule: a POSIX extended
 * expression searched in the full instance name (the name, then
 * /repeats:N and /real_time), a leading '-' negating it. */
int gbench_selected(const gbench_def *def);

/* Runs the registered benchmarks the filter selects, with the progress line
 * above, and shuts Google Benchmark down. 0, or 1 if none matched. */
int gbench_run(void);

/* How many of the benchmarks gbench_run ran ended in an error (a repetition
 * that called gbench_skip_with_error): they stay in the output, marked. */
size_t gbench_errored(void);

/* gbench_init then gbench_run: 0, 1 if no benchmark matched, 2 on unknown
 * arguments. */
int gbench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* RNNSIMD_BENCH_GBENCH_H */
