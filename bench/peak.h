/* peak.h — the machine's FMA peak per instruction set, measured at start-up
 * by a tight loop of independent fused multiply-adds (no memory traffic), so
 * that every row can say what share of the achievable arithmetic it used. */
#ifndef RNNSIMD_BENCH_PEAK_H
#define RNNSIMD_BENCH_PEAK_H

#include "rnnsimd.h"

/* GFLOP/s of one thread for the vector unit the isa's kernels use (generic:
 * the baseline compiler's 128-bit vectors, multiply and add); best of a few
 * runs of about `seconds` each. 0 if this build or CPU cannot run it. */
double bench_peak_gflops(rnn_isa isa, double seconds);

#endif /* RNNSIMD_BENCH_PEAK_H */
