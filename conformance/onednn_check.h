/* onednn_check.h — the reference against oneDNN's RNN primitives (libdnnl,
 * C API, f32), forward and backward, for every cell on a few small shapes:
 * our definitions agree with an implementation nobody here wrote.
 * Conversions (support/onednn_layout.h): oneDNN's weights are ldigo and its
 * gates are u, r, o for both GRUs; gru (Cho et al. 2014) has u = 1 - z (so
 * the u gate gets -W_z, -b_z), lbr_gru has u = z; biases are one vector
 * b_ih + b_hh per gate, except lbr_gru's fourth gate, which holds b_hn alone.
 *
 * Stacks (docs/design.md §7, PyTorch's num_layers and bidirectional): the
 * reference's plain sequence (rnn_reference_seq_*) against oneDNN run as
 * PyTorch runs them. oneDNN's multi-layer primitive gives every layer one
 * input width (SLC) and runs each direction's layers as a stack of their
 * own, concatenating the directions only at the top; PyTorch's layer l > 0
 * reads both directions of the layer below. So a case runs ONE primitive
 * when that is the same network (L = 1, or one direction with I == H) and
 * otherwise CHAINS one single-layer primitive per layer (left2right or
 * bidirectional_concat), layer l's src_layer being layer l-1's dst_layer
 * (D*H wide), and backward, top down, layer l-1's diff_dst_layer being
 * layer l's diff_src_layer. */
#ifndef CONF_ONEDNN_CHECK_H
#define CONF_ONEDNN_CHECK_H

#include <stddef.h>
#include "case.h"

/* The longest tensor name a result carries ("diff_bias (as bias_hh_l1_reverse)"). */
#define CONF_ONEDNN_NAME_MAX 48

typedef struct {
    rnn_cell cell;
    int T, B, I, H;
    int L, bi;          /* layers (1: one), bi: two directions (bidirectional_concat) */
    int primitives;     /* oneDNN primitives run: 1, or L chained */
    int ran;            /* 0: oneDNN refused or failed (error says why) */
    int passed;
    double fwd_frac;    /* worst fraction over dst_layer, dst_iter, dst_iter_c */
    double bwd_frac;    /* worst over every diff_* */
    char worst_fwd[CONF_ONEDNN_NAME_MAX], worst_bwd[CONF_ONEDNN_NAME_MAX];
    char error[256];
} conf_onednn_result;

/* Runs the fixed list of shapes for every cell; returns the number of
 * results written (at most max). */
int conf_onednn_run(conf_onednn_result *res, int max);

/* The result's shape as the case lines spell it, e.g. "T5 B3 I7 H9 L2 bi"
 * (L1 and one direction are not spelled out; case.h). */
void conf_onednn_shape(const conf_onednn_result *r, char *buf, size_t len);

#endif
