/* data.h — the tensors of one benchmark problem, filled once and shared by
 * every implementation of that problem (ours and the peers), in PyTorch's
 * layouts (include/rnnsimd.h). Peers convert to their own layouts at setup,
 * outside the timed loop. */
#ifndef RNNSIMD_BENCH_DATA_H
#define RNNSIMD_BENCH_DATA_H

#include "problem.h"

/* A network's cell weights. One cell: its four tensors. A stack
 * (docs/design.md §7): every cell's tensor of a kind back to back in cell
 * order (index l*D + d), so weight_ih holds layer 0's D matrices of G*H x I,
 * then those of the layers above (G*H x D*H; the decoder's G*H x H).
 * bench_data_cell gives one cell's view. A single cell's values do not
 * depend on the stack: cell 0 of a stack is the one-cell problem's cell. */
typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} bench_cell_data;

/* Element counts of a bench_cell_data's four tensors (all cells). */
typedef struct {
    size_t weight_ih, weight_hh, bias;
} bench_cell_counts;

typedef struct {
    bench_problem p;
    rnn_desc d;      /* the problem's desc (headless variants: many2many) */
    rnn_sizes s;
    int G;
    float *x;        /* s.x floats: T x B x I (1 x B x I for one2one/one2many) */
    float *x_dec;    /* seq2seq: T_out x B x I */
    int32_t *x_index; /* seq_noproj: a one-hot index per step and row, in [0, I) */
    int32_t *targets; /* P x B, in [0, V) */
    bench_cell_data cell, decoder;
    int64_t L;          /* layers (1 for one) */
    int D;              /* directions */
    int ncells;         /* L*D: the encoder's (or the only) cells */
    rnn_cell_weights *layers, *decoder_layers; /* a stack's views (NULL for one cell) */
    float *W_hy, *b_y;
    float *grad_output; /* headless train: upstream gradient on every h_t, T x B x D*H */
} bench_data;

/* Allocates and fills every tensor; 0 on success, -1 on a bad problem or no memory. */
int bench_data_create(bench_data *dt, const bench_problem *p);
void bench_data_free(bench_data *dt);

/* The counts of cell (decoder 0) or decoder (1) of a problem, and one
 * cell's offsets into them and its input width (I, D*H or H). */
bench_cell_counts bench_data_counts(const bench_data *dt, int decoder);
bench_cell_counts bench_data_offsets(const bench_data *dt, int decoder, int k);
int64_t bench_data_cell_input(const bench_data *dt, int decoder, int k);
/* Cell k of the encoder (decoder 0) or decoder (1), as our API's view. */
rnn_cell_weights bench_data_cell(const bench_data *dt, int decoder, int k);

/* Our API's views of the data (for a stack: layers and decoder_layers). */
rnn_params bench_data_params(const bench_data *dt);
rnn_inputs bench_data_inputs(const bench_data *dt);

#endif /* RNNSIMD_BENCH_DATA_H */
