/* onednn_layout.h — one cell's weights between PyTorch's layout (ours) and
 * oneDNN's, for the programs that run oneDNN beside us: the conformance
 * runner's cross-check and the benchmark's peer. One conversion, so both
 * feed oneDNN the same problem.
 *
 * Ours (PyTorch): W[(g*H + o)*K + i] with the gates in PyTorch's order
 * (lstm i,f,g,o; gru and lbr_gru r,z,n), biases b_ih and b_hh of G*H.
 * oneDNN: weights ldigo, W[(i*G + gd)*H + o]; bias ldgo, G*H (G+1 for
 * lbr_gru, whose last block is b_hn). Its GRU gates are u, r, o: u is our z
 * (negated for gru, whose oneDNN form is h' = u h + (1 - u) n, so u = 1 - z =
 * sigma(-(W_z x + U_z h + b_z))), r is r, o is n; where oneDNN has one bias,
 * it is b_ih + b_hh. The conversion is exact (copies and sign flips). */
#ifndef RNNSIMD_ONEDNN_LAYOUT_H
#define RNNSIMD_ONEDNN_LAYOUT_H

#include "rnnsimd.h"

/* Gates of oneDNN's bias for cell: G, plus one for lbr_gru. */
int rnn_onednn_bias_gates(rnn_cell cell);

/* Weights of K inputs (I for weight_ih, H for weight_hh), to and from ldigo. */
void rnn_onednn_weights_to(rnn_cell cell, int H, int K, const float *w, float *ldigo);
void rnn_onednn_weights_from(rnn_cell cell, int H, int K, const float *ldigo, float *w);

/* b_ih and b_hh to oneDNN's ldgo bias. */
void rnn_onednn_bias_to(rnn_cell cell, int H, const float *b_ih, const float *b_hh, float *ldgo);

/* A gradient of oneDNN's bias back to the gradients of b_ih and b_hh (where
 * oneDNN's bias is their sum, both get its gradient). */
void rnn_onednn_bias_grad_from(rnn_cell cell, int H, const float *ldgo, float *gb_ih,
                               float *gb_hh);

#endif /* RNNSIMD_ONEDNN_LAYOUT_H */
