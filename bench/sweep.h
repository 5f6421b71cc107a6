/* sweep.h — the problem sets: the default sweep, DeepBench's RNN
 * problems, two threads against one (target 6), stacked and bidirectional
 * networks (stacks), a quick set for
 * CI that checks that everything runs, and the regression set CI times
 * (ci: the judged shapes the regression gate compares commit to commit). */
#ifndef RNNSIMD_BENCH_SWEEP_H
#define RNNSIMD_BENCH_SWEEP_H

#include <stddef.h>
#include "problem.h"

typedef enum {
    SWEEP_DEFAULT = 0,
    SWEEP_DEEPBENCH,
    SWEEP_QUICK,
    SWEEP_THREADS,
    SWEEP_CI,
    SWEEP_STACKS,
    SWEEP_COUNT
} sweep_set;

/* Parses "default" (or ""), "deepbench", "quick", "threads", "ci", "stacks". 0 on success. */
int sweep_parse(const char *name, sweep_set *out);
const char *sweep_name(sweep_set s);

/* Fills up to cap problems in run order; returns how many the set has (may
 * exceed cap: call with cap 0 to size the array). */
size_t sweep_problems(sweep_set s, bench_problem *out, size_t cap);

/* 1 if the set runs this problem on our table alone, without peers: the
 * threads set's 1-thread rows, there only to give each 2-thread row of ours
 * its speedup from the same process. (The stacks set needs none: its
 * 2-thread problems ran at one thread earlier, with their peers.) */
int sweep_ours_only(sweep_set s, const bench_problem *p);

/* 1 if the peers get rows of their own in this set. The ci set runs our
 * rows alone, each still paired with oneDNN (vs_onednn and onednn_paired_us
 * per repetition, bench/rows.h): the gate judges our times and that ratio,
 * and a separate oneDNN row would double the run for nothing it gates. */
int sweep_peer_rows(sweep_set s);

/* The fewest repetitions every row of the set gets (the row budget never
 * cuts below it): 9 for ci, so each gated row has a usable rank test
 * (Google Benchmark's compare.py asks for 9 or more); 1 otherwise. */
int sweep_min_reps(sweep_set s);

/* 1 if the set's repetitions run interleaved in random order (Google
 * Benchmark's --benchmark_enable_random_interleaving), so a slow spell or a
 * drift of the machine during the run hits every row alike: ci. */
int sweep_interleaved(sweep_set s);

/* The data types a run times (--dtype): float32 rows only (the default,
 * every set's rows as they always were), bf16 rows only, or both. */
typedef enum { SWEEP_DTYPE_F32 = 0, SWEEP_DTYPE_BF16, SWEEP_DTYPE_ALL } sweep_dtypes;

/* Parses "f32" (or ""), "bf16", "all". 0 on success. */
int sweep_dtypes_parse(const char *name, sweep_dtypes *out);

/* The n problems of in with the data types asked for, into out (up to cap;
 * returns how many there are, which may exceed cap). With both, each
 * problem's float32 row comes first and its bf16 twin right after it, so a
 * bf16 row of ours finds our float32 row of the same problem already timed
 * in this process (its vs_f32, bench/rows.h). in and out must not overlap. */
size_t sweep_with_dtypes(const bench_problem *in, size_t n, sweep_dtypes d, bench_problem *out,
                         size_t cap);

#endif /* RNNSIMD_BENCH_SWEEP_H */
