/* overlap.h — the overlap probe (`rnnsimd-bench --overlap`): how much of a
 * GEMM's arithmetic one core can hide under a batch-1 weight stream, the
 * schedule the batch-1 roofline ceiling of bench/targets.py assumes. The
 * default set also records its hidden shares in the JSON context, for
 * targets.py. */
#ifndef RNNSIMD_BENCH_OVERLAP_H
#define RNNSIMD_BENCH_OVERLAP_H

#include <stddef.h>
#include <stdio.h>
#include "rnnsimd.h"

/* The probed W sizes: 256 KiB, 1, 4 and 16 MiB (L2, its edge, L3, past it). */
#define OVERLAP_SIZES 4
extern const size_t overlap_bytes[OVERLAP_SIZES];

/* What runs beside the stream: the input projection's 8-row tile, or the
 * weight gradients' rank-8 updates (overlap.c). */
typedef enum { OVERLAP_TILE, OVERLAP_DW, OVERLAP_MIXES } overlap_mix;
const char *overlap_mix_name(overlap_mix mix);

/* Seconds per pass: the stream alone, the other part alone (the tiles, or
 * the dW updates: `tiles` names both), both in one loop. */
typedef struct {
    double stream, tiles, fused;
} overlap_times;

/* The share of the smaller part that the fused loop hid: (stream + tiles -
 * fused) / min(stream, tiles); negative when the mix is slower than both. */
double overlap_hidden(overlap_times t);

/* Times one mix and size at `ratio` tile k steps (or dW vectors) per 8
 * stream FMAs. 0; -1 when the isa has no probe (avx512 only); -2 when
 * memory runs out. */
int bench_overlap_measure(rnn_isa isa, overlap_mix mix, size_t bytes, int ratio,
                          overlap_times *out);

/* Prints the probe's table for the isa to out. quick: the smallest size and
 * few passes (checks that it runs; measures nothing). Returns 0, or -1 with
 * a message on out. */
int bench_overlap_report(rnn_isa isa, int quick, FILE *out);

#endif /* RNNSIMD_BENCH_OVERLAP_H */
