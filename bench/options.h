/* options.h — rnnsimd-bench's own options (bench/main.c lists them; the
 * --benchmark_* flags are Google Benchmark's). */
#ifndef RNNSIMD_BENCH_OPTIONS_H
#define RNNSIMD_BENCH_OPTIONS_H

typedef struct {
    const char *cpu, *set, *peers, *tune, *dtype;
    int reps, list, check, print_isa, overlap; /* overlap: 0, 1, or 2 (quick) */
    int print_machine;                         /* 0, 1, or 2 (json) */
    double row_budget;
} bench_options;

/* Takes our flags out of argv, leaving Google Benchmark's (--benchmark_*,
 * --v=) in order for it. Returns opt_parse's status: 0 to go on, -1 after
 * --help or --version, else the exit status (a bad option, no memory). */
int bench_options_parse(int *argc, char **argv, bench_options *o);

/* Every option with a fixed set of values checked (a misspelt one is a
 * usage error, never silently the default); an empty one becomes NULL, the
 * default. Returns 0, or 2 after a message. */
int bench_options_check(bench_options *o);

#endif
