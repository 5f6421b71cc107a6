/* gradflow.h — measuring how a gradient put on the last hidden state of a
 * sequence flows back through time (`rnnsimd gradflow`, and its unit test).
 *
 * For a loss L = u . h_T (u a unit vector, batch 1, h0 = c0 = 0), it records
 * ||dL/dh_t|| for every t = T..0 (and ||dL/dc_t|| for lstm), indexed by the
 * distance d = T - t from the end. How: one forward pass by single steps
 * keeps every state (h_t, c_t); then the gradient is carried back one step at
 * a time, each step being a one-step sequence backward (rnn_plan_seq_backward
 * or rnn_reference_seq_backward on a T = 1 problem) started from the stored
 * state with the carried gradient as grad_hn (grad_cn). That is BPTT split at
 * every step, exactly the chain rule, so it costs O(T) steps rather than the
 * O(T^2) of one backward per suffix; the run checks it against one full-length
 * backward (its h0 gradient) and one full-length forward (every h_t).
 *
 * The step Jacobian J_t = d(s_t)/d(s_{t-1}) of the state s (h, or (h, c) for
 * lstm: 2H x 2H, since gradients flow through both) is formed exactly, not by
 * finite differences: one backward of a batch of S = |s| copies of the step,
 * row k carrying the unit vector e_k, returns row k of J_t. */
#ifndef RNNSIMD_GRADFLOW_H
#define RNNSIMD_GRADFLOW_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

/* One experiment: a cell's weights (PyTorch layout), its input and the
 * direction u of the gradient on h_T. */
typedef struct {
    rnn_cell cell;
    int64_t H, I, T;
    rnn_cell_weights w;
    const float *x; /* T x 1 x I */
    const float *u; /* H, unit norm */
} gf_problem;

/* Where the steps run: a kernel table through a plan, or the reference. */
typedef struct {
    int reference;
    rnn_isa isa;
} gf_backend;

typedef struct {
    int64_t T;
    /* d = 0..T; norm_c[0] is NaN (the loss has no gradient on c_T of its
     * own; dL/dc_T only exists through h_T, inside the last step). */
    double *norm_h, *norm_c; /* norm_c NULL unless lstm */
    float *hs, *cs;          /* (T+1) x H forward states, hs[0] = h0 */
    /* Least-squares slope of ln ||dL/dh|| against d over d = 1..fit_end (the
     * last d whose norm is above GF_FIT_FLOOR): the per-step log rate;
     * exp(rate) is the factor per step. NaN when fewer than 2 points. */
    double rate_h, rate_c;
    int64_t fit_end_h, fit_end_c;
    /* The same rate over near-linear steps only: the mean of
     * ln(norm_h[d] / norm_h[d-1]) over the n_linear steps whose states on
     * both sides have every |h| <= GF_LINEAR_H. It is the rate "before
     * saturation": where rho > 1 drives the forward into saturation, the
     * whole-range fit mixes growth (early steps) with the damping of
     * saturated ones. NaN when no step qualifies. */
    double rate_h_linear;
    int64_t n_linear;
    /* First d with norm_h[d] < 1e-6 norm_h[0]; -1 if none within T. */
    int64_t d_1e6;
    /* Step Jacobians: largest singular value of their mean over t = 1..T,
     * and the mean over t of each one's largest singular value. */
    double sigma_mean_jacobian, mean_sigma_jacobian;
    /* The largest |h_t| of the run (near-linear while well below 1). */
    double max_abs_h;
    /* Self-checks of the O(T) chain: max relative differences between the
     * stepped forward and one full-length forward (every h_t; absolute when
     * every h_t of the full-length one is within 1e-30 of 0), and between
     * the chain's dL/dh_0 and one full-length backward's h0 gradient (NaN
     * when that has underflowed below 1e-30: not checked). */
    double check_forward, check_backward;
    /* The largest growth of the curve over any stretch: max norm_h[d2] /
     * norm_h[d1], d2 >= d1 (1 when it never grows). Round-off is amplified
     * like the gradient, so the checks above scale their tolerance by it. */
    double max_growth;
} gf_result;

/* Tolerance of check_forward and check_backward: float round-off of a few
 * steps, times the growth the recurrence applies to it. */
double gf_check_tolerance(const gf_result *r);

/* tanh' >= 0.94 while every |h| is below this: a near-linear step. */
#define GF_LINEAR_H 0.25
/* Norms this far below the start are float round-off, not a rate. */
#define GF_FIT_FLOOR 1e-30

rnn_status gf_measure(const gf_problem *p, gf_backend be, gf_result *r);
void gf_result_free(gf_result *r);

/* J_t for one step from (h_prev, c_prev) with input x_t (I floats): S x S
 * row-major, S = H (2H for lstm, ordered h then c). */
rnn_status gf_step_jacobian(const gf_problem *p, gf_backend be, const float *x_t,
                            const float *h_prev, const float *c_prev, double *J);

/* Largest (and smallest) singular value of an m x n row-major matrix, by
 * LAPACKE_dgesvd. RNN_ERR_ARG if LAPACK fails to converge. */
rnn_status gf_singular_range(const double *a, size_t m, size_t n, double *smax, double *smin);

/* Least-squares slope of y against x over n points (NaN if n < 2). */
double gf_fit_slope(const double *x, const double *y, size_t n);

/* ---- The default experiment's construction (gradflow_setup.c) ---- */
typedef struct {
    rnn_cell cell;
    int64_t H, I, T;
    double rho;        /* every gate block of weight_hh is rho * orthogonal */
    double carry_bias; /* bias_hh on the carry gate: lstm f (+), gru z (-), lbr_gru z (+) */
    double x_scale;    /* x ~ U(-x_scale, x_scale) */
    uint64_t seed;
} gf_setup;

typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh, *x, *u;
} gf_tensors;

/* Fills t (allocating it) and p (pointing into t) from s. */
rnn_status gf_build(const gf_setup *s, gf_tensors *t, gf_problem *p);
void gf_tensors_free(gf_tensors *t);

/* Every singular value of every gate block of weight_hh (LAPACKE_dgesvd):
 * the smallest and the largest, to check "rho exact". */
rnn_status gf_weight_hh_sigmas(const gf_problem *p, double *smin, double *smax);

#endif /* RNNSIMD_GRADFLOW_H */
