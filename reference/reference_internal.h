/* reference_internal.h — the reference's double-precision layer: the model in
 * double from end to end (parameters, inputs, hidden states, loss and
 * gradients), below the float32 entry points of rnnsimd.h. Tests use it for
 * finite differences on the double loss. Private to reference/ and tests.
 *
 * Every function here is portable: only IEEE + - * / on doubles in a fixed
 * order, with reference/ built with -ffp-contract=off, so results are
 * bit-identical on every IEEE-754 machine. Nothing here is shared with core/
 * or kernels/; only the types and enums of rnnsimd.h are. */
#ifndef RNNSIMD_REFERENCE_INTERNAL_H
#define RNNSIMD_REFERENCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

/* ---- math.c: portable elementary functions (no libm) ---- */
double rnn_ref_exp(double x);   /* within 1 ulp */
double rnn_ref_expm1(double x); /* e^x - 1, accurate near 0 */
double rnn_ref_log(double x);   /* within 1 ulp */
double rnn_ref_tanh(double x);  /* a few ulp, accurate near 0 */
double rnn_ref_sigmoid(double x);

/* ---- bf16.c: v as a float32, rounded to bf16 (RNE), as a double: the
 * operands of a bf16 plan's products (docs/design.md §8) ---- */
double rnn_ref_bf16(double v);
/* A product's other operand rounded to bf16: rnn_ref_bf16, or with the
 * calling thread's flip_near_ties set (rnn_ref_bf16_flip_near_ties) the
 * other way when its float lies within 8 ulps of a tie. */
double rnn_ref_bf16_operand(double v);
void rnn_ref_bf16_flip_near_ties(int on);

/* ---- validate.c: the reference's own checks (not core's rnn_desc_check) ---- */
/* Same rules as docs/design.md §2 / rnnsimd.h; fills *s. RNN_ERR_OVERFLOW also when
 * the reference's own double buffers (8 bytes an element) would not fit. */
rnn_status rnn_ref_check_desc(const rnn_desc *d, rnn_sizes *s);
/* Number of gate blocks of a valid cell: 1, 4, 3, 3. */
size_t rnn_ref_gates(rnn_cell cell);
/* RNN_ERR_VALUE unless every v[i] is in [0, limit). */
rnn_status rnn_ref_check_indices(const int32_t *v, size_t n, int64_t limit);

/* ---- the model in double ---- */
/* One cell's parameters; every pointer required (the float layer passes
 * zeros for absent biases). */
typedef struct {
    const double *weight_ih, *weight_hh, *bias_ih, *bias_hh;
    /* 1: a bf16 plan's cell (docs/design.md §8). The weights given are
     * already bf16 values (the float layer rounds them once); each product's
     * other operand (x, h, r*h; in backward the gate gradients, and both
     * operands of every weight gradient product) is rounded to bf16 as it
     * is read; the sums stay in double, and biases, bias gradients (sums of
     * unrounded gate gradients) and all element-wise work are unchanged. */
    int bf16;
} ref_weights;

/* One layer and one direction: cell (and decoder). A stack (L*D > 1):
 * layers, L*D cells, index l*D + d, and dec_layers, L cells (seq2seq); then
 * cell and decoder are not read. */
typedef struct {
    ref_weights cell, decoder; /* decoder: seq2seq only */
    const double *W_hy, *b_y;  /* needed when logits, loss or gradients are */
    const ref_weights *layers, *dec_layers;
    int bf16; /* the head as a bf16 plan's: W_hy already bf16, h and dlogits
               * rounded as read, b_y and its gradient unchanged */
} ref_params;

typedef struct {
    const double *x;        /* sizes.x; one-hot inputs arrive here already expanded */
    const double *x_dec;    /* sizes.x_dec (seq2seq) */
    const double *h0, *c0;  /* (L*D) x B x H; NULL = zeros */
    const int32_t *targets; /* P x B; needed for the loss and for gradients */
} ref_inputs;

typedef struct {
    double *h, *c, *logits, *loss; /* like rnn_outputs; each may be NULL */
} ref_outputs;

typedef struct {
    double *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} ref_cell_grads;

typedef struct {
    double *x, *x_dec, *h0, *c0; /* like rnn_grads; each may be NULL */
    ref_cell_grads cell, decoder;
    double *W_hy, *b_y;
    ref_cell_grads *layers, *dec_layers; /* as ref_params' (NULL: cell, decoder) */
} ref_grads;

/* The whole topology forward, then (if g is not NULL) BPTT of the mean
 * cross-entropy. out may be NULL when g is not. */
rnn_status rnn_ref_model_run(const rnn_desc *d, const ref_params *p, const ref_inputs *in,
                             const ref_outputs *out, const ref_grads *g);

/* The plain sequence (many2many desc) of a stack: w holds its L*D cells (one
 * for a single cell). Forward writes output (T x B x D*H, the top layer), hn,
 * cn ((L*D) x B x H; any may be NULL). If g is not NULL, BPTT from
 * grad_output / grad_hn / grad_cn (each NULL = zero) writes g->x, g->h0,
 * g->c0 and the cells' gradients (g->layers, or g->cell for one cell). */
rnn_status rnn_ref_seq_run(const rnn_desc *d, const ref_weights *w, const double *x,
                           const double *h0, const double *c0, double *output, double *hn,
                           double *cn, const double *grad_output, const double *grad_hn,
                           const double *grad_cn, const ref_grads *g);

/* ---- cells.c: one step of one cell for one batch row ---- */
/* What a step keeps for its backward: gates are the G*H activations (rnn_tanh:
 * h'; lstm: i, f, g, o; both GRUs: r, z, n); aux is H values (lstm: tanh(c');
 * lbr_gru: W_hn h + b_hn; otherwise unused). scratch holds rnn_ref_cell_scratch(G,
 * H) doubles. */
size_t rnn_ref_cell_scratch(size_t G, size_t H);
void rnn_ref_cell_forward(rnn_cell cell, const ref_weights *w, size_t I, size_t H,
                          const double *x, const double *h, const double *c, double *gates,
                          double *aux, double *h_next, double *c_next, double *scratch);
/* From dh_next (and dc_next, lstm) on the step's outputs: dh, dc on its
 * inputs (dc: lstm only), dx (may be NULL), and the weight gradients added
 * into dw. */
void rnn_ref_cell_backward(rnn_cell cell, const ref_weights *w, size_t I, size_t H,
                           const double *x, const double *h, const double *c,
                           const double *gates, const double *aux, const double *dh_next,
                           const double *dc_next, double *dh, double *dc, double *dx,
                           const ref_cell_grads *dw, double *scratch);

/* ---- sequence.c: the time loop of one cell ---- */
/* Step k of a run (k = 0..S-1) reads the input of time t = k, or t = S-1-k
 * when reverse is set: the reverse direction walks the same x backwards.
 * h, c, gates, aux are kept in the order the steps ran (h[k+1] after step
 * k); x, dH and dx are in time order. */
typedef struct {
    rnn_cell cell;
    int reverse;
    size_t S, B, I, H, G;
    const ref_weights *w;
    const double *x; /* S x B x I */
    double *h;       /* (S+1) x B x H; h[0] is the initial state */
    double *c;       /* (S+1) x B x H (lstm; zeros otherwise) */
    double *gates;   /* S x B x G*H */
    double *aux;     /* S x B x H */
    double *scratch; /* rnn_ref_cell_scratch(G, H) */
} ref_run;

/* Allocates a run's buffers (x is the caller's); RNN_ERR_NOMEM on failure.
 * The run is forward in time; set reverse after allocating for the other. */
rnn_status rnn_ref_run_alloc(ref_run *r, rnn_cell cell, size_t S, size_t B, size_t I, size_t H,
                             const ref_weights *w, const double *x);
void rnn_ref_run_free(ref_run *r);
/* h[0] and c[0] must be set; fills steps 1..S. */
void rnn_ref_run_forward(ref_run *r);
/* dH: S x B x H upstream gradient on h_1..h_S (NULL = zero); dh_S, dc_S on the
 * final state (NULL = zero). Writes dx (S x B x I), dh0, dc0 (B x H) where not
 * NULL, and dw (each tensor not NULL is overwritten with the sum over steps).
 * RNN_ERR_NOMEM on failure. */
rnn_status rnn_ref_run_backward(const ref_run *r, const double *dH, const double *dh_S,
                                const double *dc_S, double *dx, double *dh0, double *dc0,
                                const ref_cell_grads *dw);

/* The time of step k, and the step that reads time t (the same map). */
static inline size_t rnn_ref_run_time(const ref_run *r, size_t k)
{
    return r->reverse ? r->S - 1 - k : k;
}
/* h after the step that read time t (B x H). */
static inline const double *rnn_ref_run_h_at(const ref_run *r, size_t t)
{
    return r->h + (rnn_ref_run_time(r, t) + 1) * r->B * r->H;
}
static inline const double *rnn_ref_run_c_at(const ref_run *r, size_t t)
{
    return r->c + (rnn_ref_run_time(r, t) + 1) * r->B * r->H;
}

/* ---- stack.c: L layers of D directions over one sequence (docs/design.md §7) ---- */
typedef struct {
    rnn_cell cell;
    size_t L, D, T, B, I, H;
    ref_run *run; /* L*D runs, index l*D + d; run l*D + 1 is reverse */
    double *y;    /* L x T x B x D*H: layer l's output at time t, the forward
                   * direction's h_t then the reverse direction's */
} ref_stack;

/* Allocates and runs the forward of every layer: layer 0 reads x (T x B x I),
 * layer l > 0 layer l-1's output (D*H wide); cell k = l*D + d has weights
 * w[k] and starts from h0 + k*B*H (c0 likewise; NULL = zeros). On failure
 * everything is freed and the status returned. */
rnn_status rnn_ref_stack_forward(ref_stack *st, rnn_cell cell, size_t L, size_t D, size_t T,
                                 size_t B, size_t I, size_t H, const ref_weights *w,
                                 const double *x, const double *h0, const double *c0);
void rnn_ref_stack_free(ref_stack *st);
/* The top layer's output (T x B x D*H). */
const double *rnn_ref_stack_top(const ref_stack *st);
/* The final state of cell k: after its last step (the reverse direction's
 * is at t = 0). */
const double *rnn_ref_stack_final_h(const ref_stack *st, size_t k);
const double *rnn_ref_stack_final_c(const ref_stack *st, size_t k);
/* The top layer's c at every time, laid out like its output (T x B x D*H). */
void rnn_ref_stack_top_c(const ref_stack *st, double *dst);
/* BPTT of the whole stack. dY: gradient on the top layer's output (T x B x
 * D*H; NULL = zero). dh_fin, dc_fin: on each cell's final state ((L*D) x B x
 * H; NULL = zero). Writes dx (T x B x I), dh0, dc0 ((L*D) x B x H) where not
 * NULL, and dw[k] of every cell (tensors not NULL). */
rnn_status rnn_ref_stack_backward(const ref_stack *st, const double *dY, const double *dh_fin,
                                  const double *dc_fin, double *dx, double *dh0, double *dc0,
                                  const ref_cell_grads *dw);

#endif
