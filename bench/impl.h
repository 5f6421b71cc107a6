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

typedef struct bench_impl bench_impl;
struct bench_impl {
    const char *name; /* the IMPL segment of row names */
    int is_peer;
    rnn_isa isa;      /* ours: the kernel table; peers: RNN_ISA_AUTO */
    void *(*setup)(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                   char *err, size_t err_n);
    int (*run)(void *ctx, char *err, size_t err_n);
    void (*teardown)(void *ctx);
    /* Optional, for --check: after run, the loss (headed problems) and the
     * gradient of x (train, T x B x I like dt->x) the implementation computed.
     * NULL pointers mean not available. */
    void (*results)(void *ctx, const float **loss, const float **grad_x);
};

/* Our table for isa ("avx512"...) under its own name. */
bench_impl bench_impl_rnnsimd(rnn_isa isa);
extern const bench_impl bench_peer_onednn;
extern const bench_impl bench_peer_blas;

/* Peer process settings, applied once before any peer runs: oneDNN's and
 * OpenBLAS's threads, and (limit_isa != RNN_ISA_AUTO) the vector ISA oneDNN
 * may use. Each returns a sentence for the JSON context. */
const char *bench_onednn_configure(rnn_isa limit_isa);
const char *bench_blas_configure(void);

#endif /* RNNSIMD_BENCH_IMPL_H */
