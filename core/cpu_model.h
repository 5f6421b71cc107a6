/* cpu_model.h — what RNN_TUNE_ESTIMATE's rules know of the CPU they run on
 * (docs/design.md §12, "The machine model"). Private to core/.
 *
 * The one probed fact so far: whether a table's FMAs run at full width,
 * that is whether its FMA peak is about twice the next narrower table's
 * (avx512 over avx2). AMD Zen 4 splits a 512-bit FMA into two 256-bit
 * halves (ratio 1); Zen 5 and Intel Xeon have full-width 512-bit pipes
 * (ratio 2). Where the FMAs are full width, the batch-1 step's hoisted
 * GEMMs run twice as fast, and hiding them in the weight stream (the fused
 * step) no longer pays (docs/performance.md §5.18). */
#ifndef RNNSIMD_CPU_MODEL_H
#define RNNSIMD_CPU_MODEL_H

#include "kernels.h"

typedef enum { RNN_FMA_UNKNOWN = 0, RNN_FMA_SPLIT, RNN_FMA_FULL } rnn_fma_width;

/* Table k's FMA width: RNN_FMA_UNKNOWN for a table without a narrower one
 * to compare with (generic, avx2, neon) or when a probe cannot run; else
 * probed once per process (FMA chains of both tables in paired rounds on
 * the thread's CPU clock, the median ratio; 5-13 ms) and kept.
 * Thread-safe. */
rnn_fma_width rnn_cpu_fma_width(const rnn_kernels *k);

/* The ratio behind it (0 when unknown), for describe and the docs. */
double rnn_cpu_fma_ratio(const rnn_kernels *k);

/* Tests: make every later rnn_cpu_fma_width answer w (RNN_FMA_UNKNOWN
 * restores the probe's answer). Not for concurrent use with planning. */
void rnn_cpu_fma_width_force(rnn_fma_width w);

/* How much faster table k reads a buffer of 2 x bytes, pass after pass,
 * than one of bytes: the ratio of the two read rates (probe_read, paired
 * rounds, the median), probed once per process for each size (bytes
 * rounded up to 4 KiB; a few ms) and kept; 0 when it cannot be probed
 * (a table without the fused step, out of memory, or more sizes than the
 * cache holds). Why: on AMD Zen 5 a batch-1 stream of 256 KiB that stays
 * in L2 reads at about 175 GB/s, one of 512 KiB at about 230; two copies
 * of W_hh, streamed on alternate steps, then run the stream faster
 * (docs/performance.md §5.22). Thread-safe. */
double rnn_cpu_read_gain(const rnn_kernels *k, size_t bytes);

/* Tests: make every later rnn_cpu_read_gain of a table with the fused step
 * answer g (0 restores the probe's answers). Not for concurrent use with
 * planning. */
void rnn_cpu_read_gain_force(double g);

/* Its name in describe lines: "unknown", "split", "full". */
const char *rnn_fma_width_name(rnn_fma_width w);

#endif
