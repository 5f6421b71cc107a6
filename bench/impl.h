/* impl.h — what every implementation of a benchmark problem provides: ours
 * (one per kernel table) and the peers (oneDNN, the OpenBLAS baseline).
 *
 * setup does everything that is not the measured work (allocation, weight
 * conversion and packing, format choices) and may write a short note for the
 * row's label; run is one iteration of the problem, the timed work; teardown
 * frees. setup returns NULL with a sentence in err when the implementation
 * cannot run the problem. run returns 0, or -1 with a sentence in err. */
#ifndef RNNSIMD_BENCH_IMPL_H
#define RNNSIMD_BENCH_IMPL_H

#include <stddef.h>
#include "data.h"

/* A named float tensor an implementation's run writes. */
typedef struct {
    const char *name;
    float *data;
    size_t n;
} bench_output;

#define BENCH_MAX_OUTPUTS 96 /* a chained 8-layer seq2seq stack's oneDNN row: 70 */

typedef struct bench_impl bench_impl;
struct bench_impl {
    const char *name; /* the IMPL segment of row names */
    int is_peer;
    rnn_isa isa;      /* ours: the kernel table; peers: RNN_ISA_AUTO */
    void *(*setup)(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                   char *err, size_t err_n);
    int (*run)(void *ctx, char *err, size_t err_n);
    void (*teardown)(void *ctx);
    /* Every buffer run writes that holds an output or gradient of the row's
     * work (never an input, never scratch that run reads before writing),
     * raw, in the implementation's own layout. The rows fill them with NaN
     * before the first timed loop and check them after it (rows.c), so a
     * timed call that does less than the untimed one is caught. Returns the
     * count (at most max). */
    int (*outputs)(void *ctx, bench_output *out, int max);
    /* After run, for --check: the row's results under check.c's names
     * ("loss", "h", "h_T", "c_T", "grad.x", "grad.weight_hh", ...), in
     * PyTorch's layouts (include/rnnsimd.h); may convert raw outputs into
     * buffers of its own, outside any timing. Returns the count. */
    int (*results)(void *ctx, bench_output *out, int max);
};

/* Our table for isa ("avx512"...) under its own name. */
bench_impl bench_impl_rnnsimd(rnn_isa isa);
extern const bench_impl bench_peer_onednn;
extern const bench_impl bench_peer_blas;

/* Our plans' rnn_plan_options.tuning for the rows set up from now on
 * (--tune; RNN_TUNE_ESTIMATE by default). */
void bench_rnnsimd_tuning(rnn_tuning t);

/* --check only: oneDNN's weight format for the rows set up from now on:
 * -1 its pilot's choice (the default), 0 its own (`any`), 1 plain ldigo. */
void bench_onednn_force_format(int plain);

/* Peer process settings, applied once before any peer runs: oneDNN's and
 * OpenBLAS's threads, and (limit_isa != RNN_ISA_AUTO) the vector ISA oneDNN
 * may use. Each returns a sentence for the JSON context. */
const char *bench_onednn_configure(rnn_isa limit_isa);
const char *bench_blas_configure(void);

#endif /* RNNSIMD_BENCH_IMPL_H */
