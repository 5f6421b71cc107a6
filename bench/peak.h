/* peak.h — the machine's FMA peak per instruction set, measured at start-up
 * by a tight loop of independent fused multiply-adds (no memory traffic), so
 * that every row can say what share of the achievable arithmetic it used;
 * and its read bandwidth by buffer size, so that a batch-1 row, which streams
 * its weights once a step, can say what share of the bandwidth of the cache
 * level holding them it used. */
#ifndef RNNSIMD_BENCH_PEAK_H
#define RNNSIMD_BENCH_PEAK_H

#include <stddef.h>
#include "rnnsimd.h"

/* GFLOP/s of one thread for the vector unit the isa's kernels use (generic:
 * the baseline compiler's 128-bit vectors, multiply and add); best of a few
 * runs of about `seconds` each. 0 if this build or CPU cannot run it. */
double bench_peak_gflops(rnn_isa isa, double seconds);

/* GB/s (1e9 bytes) one thread reads from a buffer of `bytes` that it reads
 * over and over (so it lives in the smallest cache level that holds it, or
 * in DRAM), with the isa's widest loads summed into independent accumulators;
 * best of a few runs of about `seconds` each. 0 if the isa cannot run here
 * or the buffer cannot be allocated. */
double bench_read_bw_gbs(rnn_isa isa, size_t bytes, double seconds);

/* This thread's CPU time in seconds, the probes' clock: on a shared machine
 * a descheduled probe would otherwise report a fraction of the core's peak. */
double bench_thread_seconds(void);

#endif /* RNNSIMD_BENCH_PEAK_H */
