/* onednn_rnn.h — one oneDNN RNN primitive (libdnnl 2.6, C API, f32) run on
 * plain buffers, forward (training) then backward: the building block of
 * the cross-check (onednn_check.h), which runs one such primitive, or
 * chains several, per case.
 *
 * A primitive holds L layers of D directions (D = 1: left to right; D = 2:
 * bidirectional_concat) of one cell, over T steps, B rows, an input of SLC
 * channels and H hidden units. oneDNN runs each direction's L layers as a
 * stack of its own (layer l > 0 of direction d reads layer l-1 of the same
 * direction, H wide) and concatenates the two only in dst_layer; so it
 * wants SLC == H when L > 1. Buffers are plain and row-major: src_layer
 * T x B x SLC (tnc), dst_layer T x B x D*H, states (L*D) x B x H (ldnc:
 * index l*D + d, PyTorch's order), weights ldigo (cell l*D + d's block at
 * (l*D + d) * K*G*H, K = SLC or H), bias ldgo (G, or 4 for lbr_gru, blocks
 * of H per cell). Weights may be reordered into oneDNN's own layout on the
 * way in and the weight gradients back; nothing else is converted. */
#ifndef CONF_ONEDNN_RNN_H
#define CONF_ONEDNN_RNN_H

#include <oneapi/dnnl/dnnl.h>
#include "rnnsimd.h"

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t st;
    const char *failed; /* the first oneDNN call that failed; NULL while none has */
} conf_onednn_ctx;

typedef struct {
    rnn_cell cell;
    int L, D, T, B, SLC, H;
    dnnl_primitive_desc_t fpd, bpd;
    dnnl_primitive_t fp, bp;
    dnnl_memory_t ws; /* forward training's workspace, read by backward */
} conf_onednn_rnn;

/* The primitive's buffers (see above for shapes). c-state pointers are
 * read for lstm only. Forward reads src_*, weights_*, bias and writes dst_*;
 * backward reads those (dst_* as forward left them) and diff_dst_*, and
 * writes every diff_src_* and diff_weights_*, diff_bias (overwritten, not
 * accumulated into). */
typedef struct {
    const float *src_layer, *src_iter, *src_iter_c;
    const float *weights_layer, *weights_iter, *bias;
    float *dst_layer, *dst_iter, *dst_iter_c;
    const float *diff_dst_layer, *diff_dst_iter, *diff_dst_iter_c;
    float *diff_src_layer, *diff_src_iter, *diff_src_iter_c;
    float *diff_weights_layer, *diff_weights_iter, *diff_bias;
} conf_onednn_buffers;

/* Creates the forward and backward primitives. Returns 0, or -1 with why
 * (oneDNN refused a descriptor, or a call failed) in err. */
int conf_onednn_rnn_create(conf_onednn_ctx *x, conf_onednn_rnn *r, rnn_cell cell, int L, int D,
                           int T, int B, int SLC, int H, char *err, size_t errlen);
/* Run the primitive; 0, or -1 with x->failed naming the call that failed. */
int conf_onednn_rnn_forward(conf_onednn_ctx *x, conf_onednn_rnn *r, const conf_onednn_buffers *b);
int conf_onednn_rnn_backward(conf_onednn_ctx *x, conf_onednn_rnn *r,
                             const conf_onednn_buffers *b);
void conf_onednn_rnn_destroy(conf_onednn_rnn *r);

#endif
