/* overlap.h — the overlap probe (`rnnsimd-bench --overlap`): how much of a
 * GEMM's arithmetic one core can hide under a batch-1 weight stream, the
 * schedule that issue 7's batch-1 roofline ceiling assumes. */
#ifndef RNNSIMD_BENCH_OVERLAP_H
#define RNNSIMD_BENCH_OVERLAP_H

#include <stdio.h>
#include "rnnsimd.h"

/* Prints the probe's table for the isa (avx512 only) to out.
 * quick: one small size, few passes (checks that it runs; measures nothing).
 * Returns 0, or -1 (with a message on out) if the isa has no probe or the
 * buffers cannot be allocated. */
int bench_overlap_report(rnn_isa isa, int quick, FILE *out);

#endif /* RNNSIMD_BENCH_OVERLAP_H */
