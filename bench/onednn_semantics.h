/* onednn_semantics.h — what oneDNN's own multi-layer bidirectional RNN
 * computes, measured, so that the peer's choice to chain 1-layer primitives
 * for bidirectional stacks (peer_onednn.c, docs/benchmarks.md §2.1) rests on
 * a run anyone can repeat: `rnnsimd-bench --check` prints it. The chain is
 * PyTorch's stack whatever this finds; the probe only says why one
 * multi-layer primitive is not used. */
#ifndef RNNSIMD_BENCH_ONEDNN_SEMANTICS_H
#define RNNSIMD_BENCH_ONEDNN_SEMANTICS_H

#include <stddef.h>

/* Builds a 2-layer bidirectional_concat vanilla tanh RNN (T = 3, B = 1,
 * H = 2) with SLC = 2H (the input width PyTorch's layer 1 reads) and with
 * SLC = H, runs the one oneDNN accepts, and writes one sentence into buf:
 * which were accepted and, for a run, the largest difference from each
 * direction's 2-layer stack run apart (layer 1's forward cell reading only
 * layer 0's forward output), computed here. Returns 1 if oneDNN runs the
 * directions apart (the peer's premise), 0 if not, -1 if it ran neither. */
int bench_onednn_bidir_semantics(char *buf, size_t n);

#endif /* RNNSIMD_BENCH_ONEDNN_SEMANTICS_H */
