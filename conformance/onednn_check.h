/* onednn_check.h — the reference against oneDNN's RNN primitives (libdnnl,
 * C API, f32, one layer, left to right), forward and backward, for every
 * cell on a few small shapes: our definitions agree with an implementation
 * nobody here wrote. Conversions: oneDNN's weights are ldigo and its gates
 * are u, r, o for both GRUs; gru (Cho et al. 2014) has u = 1 - z (so the u gate gets
 * -W_z, -b_z), lbr_gru has u = z; biases are one vector b_ih + b_hh per gate,
 * except lbr_gru's fourth gate, which holds b_hn alone. */
#ifndef CONF_ONEDNN_CHECK_H
#define CONF_ONEDNN_CHECK_H

#include "case.h"

typedef struct {
    rnn_cell cell;
    int T, B, I, H;
    int ran;            /* 0: oneDNN refused or failed (error says why) */
    int passed;
    double fwd_frac;    /* worst fraction over dst_layer, dst_iter, dst_iter_c */
    double bwd_frac;    /* worst over every diff_* */
    const char *worst_fwd, *worst_bwd;
    char error[256];
} conf_onednn_result;

/* Runs the fixed list of shapes for every cell; returns the number of
 * results written (at most max). */
int conf_onednn_run(conf_onednn_result *res, int max);

#endif
