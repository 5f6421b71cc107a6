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
 * best of a few runs of about `seconds` each. 0 if the isa cannot run here,
 * -1 if the buffer cannot be allocated (a caller says memory ran out: a
 * measurement left out would read as one the machine does not have). */
double bench_read_bw_gbs(rnn_isa isa, size_t bytes, double seconds);

/* The bf16 dot-product peak of isa's table (avx512: vdpbf16ps), GFLOP/s
 * counting 2 flops a product (32 products an instruction); 0 when the table
 * has no such probe or the CPU lacks the feature (nothing then executes the
 * instruction). bench_bf16dot_why: NULL when it can run, else why not
 * ("CPU lacks avx512bf16", "avx512bf16 hidden by RNNSIMD_CPU_MASK", "the
 * avx2 table has no bf16 dot-product probe"). */
#define BENCH_BF16DOT_FEATURE "avx512bf16" /* the feature the only such probe needs */
double bench_peak_bf16dot_gflops(rnn_isa isa, double seconds);
const char *bench_bf16dot_why(rnn_isa isa);

/* The core clock in GHz: one-cycle dependent adds a second of thread CPU
 * time, best of 3 runs of about seconds/3 each. */
double bench_clock_ghz(double seconds);

/* Lanes of isa's FMA probe: 4 (generic, neon), 8 (avx2), 16 (avx512). */
unsigned bench_isa_lanes(rnn_isa isa);
/* FMA instructions retired a cycle at the peak: gflops / (2 x lanes x
 * GHz); 0 when either is unknown. bench_fma_ports rounds it to the FMA
 * units it implies (at least 1; 0 for 0). For generic, a multiply and an
 * add count as one FMA. */
double bench_fma_per_cycle(rnn_isa isa, double gflops, double ghz);
int bench_fma_ports(double per_cycle);

/* The read-bandwidth sweep's buffer sizes in KiB, from a quarter of a
 * typical L2 to well past any L3 (DRAM), and each one's context key
 * (read_bw_GBps_256KiB, read_bw_GBps_4MiB, ...). */
#define BENCH_BW_SIZES 5
extern const size_t bench_bw_kib[BENCH_BW_SIZES];
void bench_bw_key(char *key, size_t len, size_t kib);

/* This thread's CPU time in seconds, the probes' clock: on a shared machine
 * a descheduled probe would otherwise report a fraction of the core's peak. */
double bench_thread_seconds(void);

#endif /* RNNSIMD_BENCH_PEAK_H */
