/* generate.h — a case's tensors, derived deterministically from its line, and
 * the buffers that hold one run's outputs and gradients.
 *
 * Every float comes from the portable fills of rnnsimd.h (integer PRNG, exact
 * dyadic arithmetic, correctly rounded + - * / sqrt in a fixed order), so the
 * generated bits, and the golden "inputs" hash over them, are the same on
 * every IEEE-754 machine. */
#ifndef CONF_GENERATE_H
#define CONF_GENERATE_H

#include <stddef.h>
#include <stdint.h>
#include "case.h"

/* PRNG streams: one per tensor; the recurrent weights take one per gate
 * block, and the same stream for the same block index whatever the cell, so
 * equal (H, rho, seed) share blocks (and their LAPACKE measurements). */
enum {
    CONF_STREAM_WEIGHT_IH = 1, CONF_STREAM_BIAS_IH = 3, CONF_STREAM_BIAS_HH = 4,
    CONF_STREAM_WEIGHT_HH = 16,     /* + gate block index */
    CONF_STREAM_DECODER = 100,      /* + the cell's stream for the decoder's tensor */
    CONF_STREAM_W_HY = 200, CONF_STREAM_B_Y = 201,
    CONF_STREAM_X = 300, CONF_STREAM_X_DEC = 301, CONF_STREAM_H0 = 302,
    CONF_STREAM_C0 = 303, CONF_STREAM_TARGETS = 304,
    CONF_STREAM_STACK = 1000,       /* + 100 u: a stack's further cell u (conf_problem.upper) */
};

typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} conf_cell_tensors;

typedef struct {
    conf_case kase;
    rnn_sizes sz;
    int G;
    conf_cell_tensors cell, decoder; /* decoder: seq2seq only, else NULL */
    float *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *targets;
    rnn_params params; /* views of the above, ready for the API */
    rnn_inputs inputs;
    /* A stack (docs/design.md §7): cell is layer 0's forward cell and
     * decoder the decoder's layer 0; upper holds the others, the encoder's
     * cells k = 1 .. L*D-1 (index k - 1), then the decoder's layers
     * 1 .. L-1. layers and decoder_layers are params' arrays of views;
     * names, each further cell's tensor names (inputs, then gradients),
     * static strings (reports and the ratchet keep them past the problem). */
    size_t n_upper;
    conf_cell_tensors *upper;
    rnn_cell_weights *layers, *decoder_layers;
    const char *(*names)[8];
} conf_problem;

typedef struct {
    float *h, *c, *logits, loss[1];
    float *x, *x_dec, *h0, *c0, *W_hy, *b_y;
    conf_cell_tensors cell, decoder;
    rnn_outputs out; /* views of the above */
    rnn_grads grads;
    size_t n_upper;
    conf_cell_tensors *upper;       /* a stack's further cells, as conf_problem's */
    rnn_cell_grads *layers, *decoder_layers; /* grads' arrays of views */
} conf_result;

/* A named tensor of a problem or a result, for hashing and comparison. */
typedef enum { CONF_T_INPUT, CONF_T_FORWARD, CONF_T_GRADIENT } conf_tensor_part;
typedef struct {
    const char *name;
    conf_tensor_part part;
    const void *data;  /* float, except the int32 targets */
    size_t n;          /* elements */
    int is_int32;
    int is_view;       /* a slice of another tensor: compared, never hashed */
    size_t gate_rows;  /* gradient of a gated weight/bias: rows per gate block (H), else 0 */
    size_t row_len;    /* elements per row (I, H or 1) */
    size_t step_len;   /* x-like tensors: elements per time step (B*I), else 0 */
} conf_tensor;

/* 32 for one cell, plus 4 for each further cell of a stack (case.h's
 * CONF_MAX_LAYERS layers, two directions, and the decoder's). */
#define CONF_MAX_TENSORS (32 + 4 * 3 * CONF_MAX_LAYERS)

rnn_status conf_problem_generate(const conf_case *c, conf_problem *p);
void conf_problem_free(conf_problem *p);

rnn_status conf_result_alloc(const conf_problem *p, conf_result *r);
void conf_result_free(conf_result *r);
/* Fills every output/gradient with a NaN pattern, so an entry a run fails to
 * write cannot pass as a stale value of an earlier run. */
void conf_result_poison(const conf_problem *p, conf_result *r);

/* The problem's generated tensors in hash order (see golden.h). */
int conf_problem_tensors(const conf_problem *p, conf_tensor *t);
/* A result's outputs then gradients in hash order, plus views (h_T, c_T). */
int conf_result_tensors(const conf_problem *p, const conf_result *r, conf_tensor *t);

/* Tolerance depth K and steps S of a tensor under support/tolerance.h's policy. */
void conf_tensor_depth(const conf_problem *p, const conf_tensor *t, double *K, double *S);

/* The depth of a network's recurrent chains, without a head: its widest
 * layer input plus H (a stack of cells > 1 reads out_width = D*H above its
 * first layer). The oneDNN cross-check's tolerance uses it too. */
double conf_chain_depth(int cells, int64_t out_width, int64_t I, int64_t H);

#endif
