/* run_context.h — rnnsimd-bench's start-up probes of the machine and the
 * keys they and the run write into the JSON context (docs/benchmarks.md
 * lists them; bench/main.c says what each probe is for). */
#ifndef RNNSIMD_BENCH_RUN_CONTEXT_H
#define RNNSIMD_BENCH_RUN_CONTEXT_H

#include "identity.h"
#include "kernels.h"
#include "options.h"
#include "overlap.h"
#include "peak.h"
#include "sweep.h"

/* The start-up probes of the JSON context. */
typedef struct {
    double peaks[RNN_ISA_COUNT];
    rnn_isa best, peer_peak_isa;
    double bw[BENCH_BW_SIZES];
    rnn_cpu_caches caches;
    double clock_ghz;
    double bw_l1, bw_l2;  /* at half of L1d and of L2 */
    const char *bf16_why; /* bench_bf16dot_why of best */
    double bf16_gflops;
    double hidden[OVERLAP_MIXES][2][OVERLAP_SIZES];
    int have_overlap;
    rnn_isa isa;                         /* our table, benchmarked */
    double elementwise[RNN_CELL_COUNT]; /* bench_elementwise_ns of isa */
} bench_probes;

/* Probes the FMA peak of every table this CPU runs, `seconds` each (0:
 * none, the peaks stay 0); returns the best such table. */
rnn_isa bench_probe_peaks(double peaks[RNN_ISA_COUNT], double seconds);

/* Every start-up probe (--list: only those that size rows). Returns 0, or
 * -1 after a message when memory ran out. */
int bench_probes_run(bench_probes *pb, const bench_options *o, rnn_isa isa, sweep_set set,
                     int limit_peers);

/* The run's context keys: identity, the probes, the peers' messages, the
 * set's row hash. */
void bench_run_context(const bench_options *o, rnn_isa isa, sweep_set set, const bench_probes *pb,
                       const bench_hash *set_hash, int argc, char **argv, int interleaved,
                       const char *dnnl_msg, const char *blas_msg);

/* The load average at start, in the context, and a warning above 1.5. */
void bench_note_load(void);

#endif
