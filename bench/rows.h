/* rows.h — one benchmark row (a problem on one implementation) and the
 * Google Benchmark function that times it.
 *
 * Rows of one problem run back to back, peers first: each peer row leaves
 * its per-iteration time (the median of its repetitions) in a table, and our
 * row divides it by its own time into vs_blas (> 1: we are faster). A peer
 * that did not run (filtered out) is measured on demand. vs_onednn, the
 * headline ratio, is paired instead: after each of our repetitions the row
 * runs oneDNN on the same data for about as long (counter onednn_paired_us,
 * its time per run) and divides that by ours (counter ours_paired_us); the reported value is the
 * median over repetitions. A shared
 * host's slow spells (seconds long) then slow both sides of one ratio.
 *
 * Counters of every row: GFLOP/s (bench_total_flops: cells + head, training
 * 3x forward), steps_per_s (cell steps: T, or T + T_out) and pct_peak (share
 * of the FMA peak of the row's ISA, measured at start-up on one core; a row
 * on n threads is measured against n times that peak). Our rows on more than
 * one thread add speedup_vs_1thread: the time of our 1-thread row of the same
 * problem, if it ran earlier in this process, over this row's time. A bf16
 * row of ours (bench_problem.dtype) adds vs_f32: the median time of our
 * float32 row of the same problem, if it ran earlier in this process
 * (--dtype=all puts it right before), over this row's time; its vs_onednn
 * pairs it with oneDNN's bf16 row, and its pct_peak (ours and oneDNN's) is
 * against the bf16 dot-product peak (bench_row.peak_gflops, set by main.c).
 * All come from the row's own timed loop (gbench_elapsed_seconds), like its
 * real_time. A batched bf16 forward row of ours paired with oneDNN (B > 1;
 * many2one or many2many, one layer, one direction, one thread) adds its
 * bound, measured once, right after its first repetition (so at the clock
 * and load the row itself ran at, which a shared host moves over minutes):
 * bound_us (its products each at the faster of ours and oneDNN's matmul
 * timed alone, plus its gates), bound_gates_us, bound_ours_gflops and
 * bound_onednn_gflops (bench/gemm_probe.h). */
#ifndef RNNSIMD_BENCH_ROWS_H
#define RNNSIMD_BENCH_ROWS_H

#include "gbench.h"
#include "gemm_probe.h"
#include "impl.h"

typedef struct {
    bench_problem p;
    bench_impl impl;
    char name[192];
    double peak_gflops;            /* of the row's ISA (bf16 rows: its bf16 dot
                                      product); 0 = unknown */
    int warm_up;                   /* one untimed run after setup */
    const bench_impl *peers[2];    /* ours: the peers to compare with (may be NULL) */
    double judge_last_s;           /* ours: the judge's latest time per run (0: none
                                      yet), kept across the row's context
                                      switches so an interleaved repetition
                                      times it as long as its own run */
    int unslowed;                  /* left out of the slowdown hook */
    int bound_state;               /* ours, a batched bf16 forward row: 0 bound
                                      not measured yet, 1 measured, -1 failed */
    bench_gemm_bound bound;        /* its bound (gemm_probe.h), measured once */
} bench_row;

/* Test hook for the regression gate: our rows (but those marked unslowed)
 * run their work again this many extra times per timed run on average
 * (0.25: one more run every fourth, 1: every run twice; 0 = off), counted in
 * the counter test_hook_runs_per_iteration. Set from RNNSIMD_BENCH_SLOWDOWN
 * (and RNNSIMD_BENCH_SLOWDOWN_ROWS, a regex of the rows it slows). */
void bench_rows_set_slowdown(double extra_runs);

/* The gbench function of a row (user = bench_row *). */
void bench_row_run(gbench_state *st, void *row);

/* Frees whatever the last row left alive (call after gbench_main). */
void bench_rows_release(void);

#endif /* RNNSIMD_BENCH_ROWS_H */
