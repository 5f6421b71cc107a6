/* problem.h — one benchmark problem, its name and its work count.
 *
 * A name is the whole problem: CELL/TOPOLOGY/IMPL/T:../B:../I:../H:../MODE,
 * e.g. lstm/many2one/avx512/T:64/B:1/I:512/H:512/fwd, where IMPL is one of our
 * kernel tables (as kernels/isas.inc names them) or a peer (onednn, blas) and
 * MODE is fwd (inference) or train (forward + backward). A row on more than
 * one thread (both sides: ours and every peer) says so before MODE:
 * .../H:512/threads:2/fwd; single-threaded rows have no such segment, so
 * their names (and filters written for them) do not change. A stack
 * (docs/design.md §7) names its layers and directions before that:
 * .../H:512/L:4/bi/threads:2/fwd, L:N for N >= 2 layers, bi for two
 * directions; one layer in one direction has neither segment, so those names
 * are what they always were (L:1 is never written). A row whose products
 * are bf16 (rnn_plan_options.dtype; oneDNN's bf16 primitives) says so
 * after those and before MODE: .../H:512/bf16/fwd, .../H:512/threads:2/bf16/train;
 * float32 rows have no such segment (f32 is never written). Topologies with a
 * head score it with V classes (256 in every sweep; the row's label says so).
 * seq2seq runs T encoder steps then T_out = T decoder steps. DeepBench rows
 * are plain sequences without a head and end in a variant segment: /seq
 * (input projection timed) or /seq_noproj (input projection outside the
 * timed work, as DeepBench's rules say). */
#ifndef RNNSIMD_BENCH_PROBLEM_H
#define RNNSIMD_BENCH_PROBLEM_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd.h"

typedef enum { BENCH_FWD = 0, BENCH_TRAIN } bench_mode;
typedef enum {
    BENCH_HEADED = 0,   /* a topology of docs/design.md §5, with its head */
    BENCH_SEQ,          /* plain sequence (many2many without head), projection timed */
    BENCH_SEQ_NOPROJ    /* plain sequence, input projection not timed */
} bench_variant;

typedef struct {
    rnn_cell cell;
    rnn_topology topology;
    int64_t T, T_out, B, I, H, V;
    bench_mode mode;
    bench_variant variant;
    int threads; /* of every implementation of the row; 0 means 1 */
    int64_t L;   /* layers (docs/design.md §7); 0 means 1 */
    int bidirectional; /* 1: two directions (D = 2), 0: one */
    rnn_dtype dtype;   /* of the products (rnn_plan_options.dtype); 0 is float32 */
} bench_problem;

/* The head's classes in every sweep: a character-level vocabulary. */
#define BENCH_V 256

/* The rnn_desc of the problem (V is kept for headless variants: unused). */
rnn_desc bench_problem_desc(const bench_problem *p);
/* The row's thread count: threads, or 1 where it is 0. */
int bench_problem_threads(const bench_problem *p);
/* Layers (L, or 1 where it is 0) and directions (2 when bidirectional, else 1). */
int64_t bench_problem_layers(const bench_problem *p);
int bench_problem_dirs(const bench_problem *p);
/* 1 for a stack: more than one layer, or two directions. */
int bench_problem_stacked(const bench_problem *p);
/* Steps run: T, or T + T_out for seq2seq. Scored steps: 0 without a head. */
int64_t bench_problem_steps(const bench_problem *p);
int64_t bench_problem_scored(const bench_problem *p);

/* Floating-point operations of one iteration, by docs/design.md §13's model:
 * cells: 2*B*(K+H)*G*H per step of every cell, K its input width: I for
 * layer 0 (0 when the projection is not timed: /seq_noproj), D*H for the
 * encoder's layers above and H for a seq2seq decoder's; the encoder has L*D
 * cells running T steps, the decoder L cells running T_out steps. Head:
 * 2*B*W*V per scored step, W the width it reads (D*H; H for seq2seq, whose
 * head reads the decoder). Training counts 3x the forward work (each forward
 * product has two gradient products). GFLOP/s rows use the total. */
double bench_cell_flops(const bench_problem *p);
double bench_head_flops(const bench_problem *p);
double bench_total_flops(const bench_problem *p);

/* One product of a row's forward call, C (M x N) = A (M x K) W^T (+ bias),
 * run `times` times a call. */
typedef struct {
    size_t M, N, K, times;
} bench_product;

/* The forward products of a batched row of one layer in one direction
 * (B > 1; many2one or many2many) as our plans run them: the input
 * projection hoisted over the T steps (T*B rows, G*H columns, I deep; once)
 * and a step's recurrent products (B rows, H deep; G*H columns, or for gru
 * 2H then H: the reset gate comes between), T - 1 times: no implementation
 * is given h0, and from the zero state the first step's products are their
 * biases (tests/test_bench_work.c checks this list against the calls a plan
 * makes). The head is left out. Up to 3 into out; returns how many. */
size_t bench_forward_products(const bench_problem *p, bench_product out[3]);

/* Writes the row name for impl ("avx512", "onednn", "blas"...); returns the
 * length snprintf would write (truncated at n). */
int bench_problem_name(const bench_problem *p, const char *impl, char *buf, size_t n);
/* Parses a name back (impl copied into impl, up to impl_n). 0 on success. */
int bench_problem_parse(const char *name, bench_problem *p, char *impl, size_t impl_n);

const char *bench_mode_name(bench_mode m);
const char *bench_variant_name(bench_variant v); /* "" for BENCH_HEADED */

#endif /* RNNSIMD_BENCH_PROBLEM_H */
