/* gemm_probe.h — the products of the batched bf16 rows timed alone: our
 * table's bf16 product and oneDNN's bf16 matmul at each product shape the
 * selected rows run, so bench/targets.py can bound a row by the fastest
 * product this machine has been measured to run at its shapes, not only by
 * the dot-product peak (bench/ceilings.py). */
#ifndef RNNSIMD_BENCH_GEMM_PROBE_H
#define RNNSIMD_BENCH_GEMM_PROBE_H

#include <stddef.h>
#include "problem.h"
#include "rnnsimd.h"

/* One product shape, C (M x N) = A (M x K) W^T + bias, and its rates in
 * GFLOP/s (2MNK): ours (the table's bf16_gemm_packed_nt on float32 A, which
 * it rounds, W packed once) and oneDNN's (dnnl_matmul on bf16 A, bf16 W in
 * the format it picks, reordered once, float32 C), each the fastest of its
 * runs, the two alternated; 0 for a side that could not run. */
typedef struct {
    size_t M, N, K;
    double ours, onednn;
} bench_gemm_rate;

/* Times shape s on isa's table and oneDNN for about `seconds` in all (at
 * least 3 alternated pairs). Returns 0; -1 when memory runs out; 1 when
 * our side cannot run (the table has no bf16 product here; s is then
 * left 0 on our side). */
int bench_gemm_probe(rnn_isa isa, bench_gemm_rate *s, double seconds);

/* A batched bf16 forward row's bound, measured now on the calling thread:
 * each of its products (bench_forward_products) timed on both sides for
 * about 0.2 s, and its gate kernels (bench_elementwise_ns_at, warm, at the
 * row's B x H). b->seconds is one call's products, each shape at the faster
 * side's rate, plus T x B x H units of gates; ours_gflops and onednn_gflops
 * are each side's rate over all the row's product flops (0: that side did
 * not run). No single-thread code that runs these products, then these
 * gates, runs the row faster than b->seconds unless its products beat both
 * sides (bench/ceilings.py). Returns 0; 1 when our side or the gates
 * cannot run here; -1 when memory runs out. */
typedef struct {
    double seconds, gates_seconds, ours_gflops, onednn_gflops;
} bench_gemm_bound;
int bench_gemm_bound_measure(rnn_isa isa, const bench_problem *p, bench_gemm_bound *b);

#endif /* RNNSIMD_BENCH_GEMM_PROBE_H */
