/* data.h — the tensors of one benchmark problem, filled once and shared by
 * every implementation of that problem (ours and the peers), in PyTorch's
 * layouts (include/rnnsimd.h). Peers convert to their own layouts at setup,
 * outside the timed loop. */
#ifndef RNNSIMD_BENCH_DATA_H
#define RNNSIMD_BENCH_DATA_H

#include "problem.h"

typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} bench_cell_data;

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
    float *W_hy, *b_y;
    float *grad_output; /* headless train: upstream gradient on every h_t, T x B x H */
} bench_data;

/* Allocates and fills every tensor; 0 on success, -1 on a bad problem or no memory. */
int bench_data_create(bench_data *dt, const bench_problem *p);
void bench_data_free(bench_data *dt);

/* Our API's views of the data. */
rnn_params bench_data_params(const bench_data *dt);
rnn_inputs bench_data_inputs(const bench_data *dt);

#endif /* RNNSIMD_BENCH_DATA_H */
