/* rnnsimd_reference.h — the oracle beside the library (librnnsimd_reference.a):
 * the naive reference of docs/design.md ("The math"), in double, and the
 * portable deterministic fills the conformance cases are made of. Both give
 * the same bits on every IEEE-754 machine (reference/ is built without
 * floating-point contraction), and share no code with librnnsimd.a: an
 * oracle that reused the code it judges would prove nothing. The types are
 * those of rnnsimd.h. */
#ifndef RNNSIMD_REFERENCE_H
#define RNNSIMD_REFERENCE_H

#include "rnnsimd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The reference: naive, double inside, bit-identical on every IEEE-754
 * machine. It shares no code with the kernels or the drivers. ---- */
rnn_status rnn_reference_forward(const rnn_desc *d, const rnn_params *p,
                                 const rnn_inputs *in, rnn_outputs *out);
/* Forward, then full BPTT of the mean cross-entropy. */
rnn_status rnn_reference_train(const rnn_desc *d, const rnn_params *p,
                               const rnn_inputs *in, rnn_outputs *out, rnn_grads *g);

/* A plain sequence, like PyTorch's nn.RNN / nn.LSTM / nn.GRU (batch_first=False,
 * num_layers = L, bidirectional as d says): d->topology must be RNN_MANY2MANY;
 * V and targets are not used. w: the cell, or for a stack (L*D > 1) its L*D
 * cells, index l*D + d (docs/design.md §7). output: T x B x D*H (the top
 * layer's h_t, forward direction first); h0, c0, hn, cn: (L*D) x B x H, as
 * PyTorch's h_n. Any output may be NULL. */
rnn_status rnn_reference_seq_forward(const rnn_desc *d, const rnn_cell_weights *w,
                                     const float *x, const float *h0, const float *c0,
                                     float *output, float *hn, float *cn);
/* Backward from upstream gradients on every h_t (grad_output, T x B x H) and on
 * h_T and c_T (grad_hn, grad_cn); each may be NULL (zero). Writes g->x, g->h0,
 * g->c0 and g->cell, or for a stack g->layers (L*D entries; those not NULL). */
rnn_status rnn_reference_seq_backward(const rnn_desc *d, const rnn_cell_weights *w,
                                      const float *x, const float *h0, const float *c0,
                                      const float *grad_output, const float *grad_hn,
                                      const float *grad_cn, rnn_grads *g);

/* ---- The reference of a bf16 plan (docs/design.md §8) ----
 * The _opt variants take options; NULL (or dtype RNN_DTYPE_F32) is the
 * float32 reference above, bit for bit. dtype RNN_DTYPE_BF16 computes what a
 * bf16 plan (rnn_plan_options.dtype) means, still in double: weight_ih,
 * weight_hh and W_hy rounded to bf16 (round to nearest even) once; each
 * product's other operand rounded to bf16 as it is read (x, h and gru's r*h
 * in the cell's products, h into the head; in backward the gate gradients
 * into W_hh^T and W_ih^T, dlogits into W_hy^T, and both operands of every
 * weight gradient product); biases, bias gradients (sums of the unrounded
 * gate gradients), states, gates, c and all element-wise work as in
 * float32. A value is rounded as float32 first, then to bf16 (what a kernel
 * holding the correctly rounded value reads). So the compare with a bf16
 * plan isolates the kernel's own error. Any other dtype: RNN_ERR_ARG. */
typedef struct {
    rnn_dtype dtype;
    /* bf16 only; 0 by default. 1: a second, equally valid bf16 reference
     * that rounds each product's other operand the other way wherever its
     * float32 value lies within 8 float32 ulps of a bf16 rounding tie (a
     * plan's operand, off by its own float32 error, may round either way
     * there). Its distance from the plain bf16 reference measures how much
     * this problem amplifies such flips (conformance's bf16 tolerance floor;
     * docs/design.md §8). The weights are rounded as without it. */
    int flip_near_ties;
} rnn_reference_options;

rnn_status rnn_reference_forward_opt(const rnn_desc *d, const rnn_params *p,
                                     const rnn_inputs *in, rnn_outputs *out,
                                     const rnn_reference_options *opt);
rnn_status rnn_reference_train_opt(const rnn_desc *d, const rnn_params *p, const rnn_inputs *in,
                                   rnn_outputs *out, rnn_grads *g,
                                   const rnn_reference_options *opt);
rnn_status rnn_reference_seq_forward_opt(const rnn_desc *d, const rnn_cell_weights *w,
                                         const float *x, const float *h0, const float *c0,
                                         float *output, float *hn, float *cn,
                                         const rnn_reference_options *opt);
rnn_status rnn_reference_seq_backward_opt(const rnn_desc *d, const rnn_cell_weights *w,
                                          const float *x, const float *h0, const float *c0,
                                          const float *grad_output, const float *grad_hn,
                                          const float *grad_cn, rnn_grads *g,
                                          const rnn_reference_options *opt);

/* ---- Portable deterministic fills: the same bits on every machine ---- */
/* Counter-based: value i of tensor `stream` under `seed` is a pure function of
 * (seed, stream, i), splitmix64-mixed. */
uint64_t rnn_prng_u64(uint64_t seed, uint64_t stream, uint64_t i);
/* Uniform in [lo, hi): lo + (hi-lo) * k / 2^24, k a 24-bit integer. */
void rnn_fill_uniform(float *dst, size_t n, uint64_t seed, uint64_t stream, float lo, float hi);
/* Approximately N(0, sigma^2): Irwin-Hall sum of 12 24-bit uniforms minus 6,
 * exact in double, so portable. */
void rnn_fill_normal(float *dst, size_t n, uint64_t seed, uint64_t stream, float sigma);
/* rho * Q with Q an n x n orthogonal matrix, the product of min(n, 16)
 * Householder reflections from PRNG vectors (few reflections keep it cheap;
 * orthogonal all the same), built with IEEE + - * / sqrt in double in a
 * fixed order: every singular value is rho, bit-identical on every machine.
 * dst is n x n with row stride ld. */
rnn_status rnn_fill_orthogonal(float *dst, size_t n, size_t ld, uint64_t seed,
                               uint64_t stream, double rho);

#ifdef __cplusplus
}
#endif
#endif /* RNNSIMD_REFERENCE_H */
