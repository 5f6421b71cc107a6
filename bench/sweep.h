/* sweep.h — the problem sets: the default sweep (issue 5), DeepBench's RNN
 * problems, two threads against one (issue 7, target 6), and a quick set for
 * CI that checks that everything runs. */
#ifndef RNNSIMD_BENCH_SWEEP_H
#define RNNSIMD_BENCH_SWEEP_H

#include <stddef.h>
#include "problem.h"

typedef enum { SWEEP_DEFAULT = 0, SWEEP_DEEPBENCH, SWEEP_QUICK, SWEEP_THREADS, SWEEP_COUNT } sweep_set;

/* Parses "default" (or ""), "deepbench", "quick", "threads". 0 on success. */
int sweep_parse(const char *name, sweep_set *out);
const char *sweep_name(sweep_set s);

/* Fills up to cap problems in run order; returns how many the set has (may
 * exceed cap: call with cap 0 to size the array). */
size_t sweep_problems(sweep_set s, bench_problem *out, size_t cap);

/* 1 if the set runs this problem on our table alone, without peers: the
 * threads set's 1-thread rows, there only to give each 2-thread row of ours
 * its speedup from the same process. */
int sweep_ours_only(sweep_set s, const bench_problem *p);

#endif /* RNNSIMD_BENCH_SWEEP_H */
