/* onednn_rnn.c — see onednn_rnn.h. */
#include <stdio.h>
#include <string.h>
#include "onednn_rnn.h"

#define DN(call)                                                                       \
    do {                                                                               \
        if (!x->failed && (call) != dnnl_success)                                      \
            x->failed = #call;                                                         \
    } while (0)

static dnnl_memory_desc_t md(int nd, dnnl_dim_t a, dnnl_dim_t b, dnnl_dim_t c, dnnl_dim_t d,
                             dnnl_dim_t e, dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t m;
    dnnl_dims_t dims = {a, b, c, d, e};
    memset(&m, 0, sizeof m);
    dnnl_memory_desc_init_by_tag(&m, nd, dims, dnnl_f32, tag);
    return m;
}

/* The plain descriptors of one primitive's tensors (onednn_rnn.h), and the
 * weights as "any" (oneDNN picks its layout). */
typedef struct {
    dnnl_memory_desc_t src, dst, iter, wl, wi, b, any_wl, any_wi;
} descs;

static descs make_descs(const conf_onednn_rnn *r)
{
    const int G = rnn_cell_gates(r->cell), Gb = G + (r->cell == RNN_LBR_GRU);
    descs d;
    d.src = md(3, r->T, r->B, r->SLC, 0, 0, dnnl_tnc);
    d.dst = md(3, r->T, r->B, (dnnl_dim_t)r->D * r->H, 0, 0, dnnl_tnc);
    d.iter = md(4, r->L, r->D, r->B, r->H, 0, dnnl_ldnc);
    d.wl = md(5, r->L, r->D, r->SLC, G, r->H, dnnl_ldigo);
    d.wi = md(5, r->L, r->D, r->H, G, r->H, dnnl_ldigo);
    d.b = md(4, r->L, r->D, Gb, r->H, 0, dnnl_ldgo);
    d.any_wl = md(5, r->L, r->D, r->SLC, G, r->H, dnnl_format_tag_any);
    d.any_wi = md(5, r->L, r->D, r->H, G, r->H, dnnl_format_tag_any);
    return d;
}

static void reorder(conf_onednn_ctx *x, dnnl_memory_t from, dnnl_memory_t to)
{
    const dnnl_memory_desc_t *fm, *tm;
    DN(dnnl_memory_get_memory_desc(from, &fm));
    DN(dnnl_memory_get_memory_desc(to, &tm));
    if (x->failed)
        return;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t rp = NULL;
    DN(dnnl_reorder_primitive_desc_create(&rpd, fm, x->eng, tm, x->eng, NULL));
    if (!x->failed)
        DN(dnnl_primitive_create(&rp, rpd));
    if (!x->failed) {
        dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
        DN(dnnl_primitive_execute(rp, x->st, 2, a));
        DN(dnnl_stream_wait(x->st));
    }
    if (rp)
        dnnl_primitive_destroy(rp);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
}

/* An execution argument bound to a plain user buffer, through a reorder when
 * the primitive wants another layout. */
typedef struct {
    int arg, is_input;
    dnnl_memory_t user, prim;
} binding;

/* Inputs are reordered user -> prim now; outputs are zeroed (oneDNN
 * accumulates diff_weights into what is there) and reordered back by
 * unbind_all(). */
static void bind(conf_onednn_ctx *x, binding *bs, int *n, dnnl_primitive_desc_t pd, int arg,
                 const dnnl_memory_desc_t *user_md, const void *ptr, int is_input)
{
    binding *b = &bs[(*n)++];
    b->arg = arg;
    b->is_input = is_input;
    b->user = b->prim = NULL;
    if (x->failed)
        return;
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    if (!want) {
        x->failed = "dnnl_primitive_desc_query_md: argument unknown to the primitive";
        return;
    }
    /* oneDNN takes a non-const handle for inputs too; it does not write them. */
    DN(dnnl_memory_create(&b->user, user_md, x->eng, (void *)ptr));
    if (!x->failed && !dnnl_memory_desc_equal(want, user_md)) {
        DN(dnnl_memory_create(&b->prim, want, x->eng, DNNL_MEMORY_ALLOCATE));
        if (!x->failed && is_input)
            reorder(x, b->user, b->prim);
    }
    if (!x->failed && !is_input) {
        void *h = NULL;
        DN(dnnl_memory_get_data_handle(b->prim ? b->prim : b->user, &h));
        if (h)
            memset(h, 0, dnnl_memory_desc_get_size(want));
    }
}

/* Executes the primitive on the bindings (and the workspace), copies the
 * outputs back to the user's buffers, and releases every binding. */
static int execute(conf_onednn_ctx *x, dnnl_primitive_t p, dnnl_memory_t ws, binding *bs, int n)
{
    if (!x->failed) {
        dnnl_exec_arg_t a[24];
        int na = 0;
        for (int i = 0; i < n; i++)
            a[na++] = (dnnl_exec_arg_t){bs[i].arg, bs[i].prim ? bs[i].prim : bs[i].user};
        if (ws)
            a[na++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, ws};
        DN(dnnl_primitive_execute(p, x->st, na, a));
        DN(dnnl_stream_wait(x->st));
    }
    for (int i = 0; i < n; i++) {
        if (bs[i].prim && !bs[i].is_input && !x->failed)
            reorder(x, bs[i].prim, bs[i].user);
        if (bs[i].prim)
            dnnl_memory_destroy(bs[i].prim);
        if (bs[i].user)
            dnnl_memory_destroy(bs[i].user);
        bs[i].prim = bs[i].user = NULL;
    }
    return x->failed ? -1 : 0;
}

int conf_onednn_rnn_create(conf_onednn_ctx *x, conf_onednn_rnn *r, rnn_cell cell, int L, int D,
                           int T, int B, int SLC, int H, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->cell = cell;
    r->L = L;
    r->D = D;
    r->T = T;
    r->B = B;
    r->SLC = SLC;
    r->H = H;
    descs m = make_descs(r);
    const dnnl_memory_desc_t *ic = cell == RNN_LSTM ? &m.iter : NULL;
    const dnnl_rnn_direction_t dir = D == 2 ? dnnl_bidirectional_concat
                                            : dnnl_unidirectional_left2right;
    const dnnl_prop_kind_t fk = dnnl_forward_training, bk = dnnl_backward;
    dnnl_rnn_desc_t fd, bd;
    dnnl_status_t fs, bs;
    switch (cell) {
    case RNN_TANH:
        fs = dnnl_vanilla_rnn_forward_desc_init(&fd, fk, dnnl_eltwise_tanh, dir, &m.src, &m.iter,
                                                &m.any_wl, &m.any_wi, &m.b, &m.dst, &m.iter, 0,
                                                0, 0);
        bs = dnnl_vanilla_rnn_backward_desc_init(&bd, bk, dnnl_eltwise_tanh, dir, &m.src, &m.iter,
                                                 &m.any_wl, &m.any_wi, &m.b, &m.dst, &m.iter,
                                                 &m.src, &m.iter, &m.any_wl, &m.any_wi, &m.b,
                                                 &m.dst, &m.iter, 0, 0, 0);
        break;
    case RNN_LSTM:
        fs = dnnl_lstm_forward_desc_init(&fd, fk, dir, &m.src, &m.iter, ic, &m.any_wl, &m.any_wi,
                                         &m.b, &m.dst, &m.iter, ic, 0);
        bs = dnnl_lstm_backward_desc_init(&bd, bk, dir, &m.src, &m.iter, ic, &m.any_wl,
                                          &m.any_wi, &m.b, &m.dst, &m.iter, ic, &m.src, &m.iter,
                                          ic, &m.any_wl, &m.any_wi, &m.b, &m.dst, &m.iter, ic, 0);
        break;
    case RNN_GRU:
        fs = dnnl_gru_forward_desc_init(&fd, fk, dir, &m.src, &m.iter, &m.any_wl, &m.any_wi,
                                        &m.b, &m.dst, &m.iter, 0);
        bs = dnnl_gru_backward_desc_init(&bd, bk, dir, &m.src, &m.iter, &m.any_wl, &m.any_wi,
                                         &m.b, &m.dst, &m.iter, &m.src, &m.iter, &m.any_wl,
                                         &m.any_wi, &m.b, &m.dst, &m.iter, 0);
        break;
    default:
        fs = dnnl_lbr_gru_forward_desc_init(&fd, fk, dir, &m.src, &m.iter, &m.any_wl, &m.any_wi,
                                            &m.b, &m.dst, &m.iter, 0);
        bs = dnnl_lbr_gru_backward_desc_init(&bd, bk, dir, &m.src, &m.iter, &m.any_wl,
                                             &m.any_wi, &m.b, &m.dst, &m.iter, &m.src, &m.iter,
                                             &m.any_wl, &m.any_wi, &m.b, &m.dst, &m.iter, 0);
        break;
    }
    const char *which = NULL;
    if (fs != dnnl_success ||
        dnnl_primitive_desc_create(&r->fpd, &fd, NULL, x->eng, NULL) != dnnl_success ||
        dnnl_primitive_create(&r->fp, r->fpd) != dnnl_success)
        which = "forward";
    else if (bs != dnnl_success ||
             dnnl_primitive_desc_create(&r->bpd, &bd, NULL, x->eng, r->fpd) != dnnl_success ||
             dnnl_primitive_create(&r->bp, r->bpd) != dnnl_success)
        which = "backward";
    if (which) {
        snprintf(err, errlen, "oneDNN refused the %s primitive (L %d, %s, SLC %d, H %d)", which,
                 L, D == 2 ? "bidirectional_concat" : "left2right", SLC, H);
        return -1;
    }
    const dnnl_memory_desc_t *wsmd = dnnl_primitive_desc_query_md(r->fpd, dnnl_query_workspace_md, 0);
    if (wsmd && dnnl_memory_desc_get_size(wsmd) > 0)
        DN(dnnl_memory_create(&r->ws, wsmd, x->eng, DNNL_MEMORY_ALLOCATE));
    if (x->failed) {
        snprintf(err, errlen, "oneDNN call failed: %s", x->failed);
        return -1;
    }
    return 0;
}

/* The forward's arguments: its inputs (copied in), and its outputs, which
 * the backward reads as inputs too (dst_in). */
static void bind_forward_args(conf_onednn_ctx *x, binding *bs, int *n, dnnl_primitive_desc_t pd,
                              const descs *m, const conf_onednn_buffers *b, int lstm, int dst_in)
{
    bind(x, bs, n, pd, DNNL_ARG_SRC_LAYER, &m->src, b->src_layer, 1);
    bind(x, bs, n, pd, DNNL_ARG_SRC_ITER, &m->iter, b->src_iter, 1);
    if (lstm)
        bind(x, bs, n, pd, DNNL_ARG_SRC_ITER_C, &m->iter, b->src_iter_c, 1);
    bind(x, bs, n, pd, DNNL_ARG_WEIGHTS_LAYER, &m->wl, b->weights_layer, 1);
    bind(x, bs, n, pd, DNNL_ARG_WEIGHTS_ITER, &m->wi, b->weights_iter, 1);
    bind(x, bs, n, pd, DNNL_ARG_BIAS, &m->b, b->bias, 1);
    bind(x, bs, n, pd, DNNL_ARG_DST_LAYER, &m->dst, b->dst_layer, dst_in);
    bind(x, bs, n, pd, DNNL_ARG_DST_ITER, &m->iter, b->dst_iter, dst_in);
    if (lstm)
        bind(x, bs, n, pd, DNNL_ARG_DST_ITER_C, &m->iter, b->dst_iter_c, dst_in);
}

int conf_onednn_rnn_forward(conf_onednn_ctx *x, conf_onednn_rnn *r, const conf_onednn_buffers *b)
{
    const int lstm = r->cell == RNN_LSTM;
    descs m = make_descs(r);
    const dnnl_primitive_desc_t pd = r->fpd;
    binding bs[12];
    int n = 0;
    bind_forward_args(x, bs, &n, pd, &m, b, lstm, 0);
    return execute(x, r->fp, r->ws, bs, n);
}

/* Backward: everything in plain layouts except the weights, which oneDNN
 * may want in its own (reordered by bind). */
int conf_onednn_rnn_backward(conf_onednn_ctx *x, conf_onednn_rnn *r,
                             const conf_onednn_buffers *b)
{
    const int lstm = r->cell == RNN_LSTM;
    descs m = make_descs(r);
    const dnnl_primitive_desc_t pd = r->bpd;
    binding bs[20];
    int n = 0;
    bind_forward_args(x, bs, &n, pd, &m, b, lstm, 1);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_DST_LAYER, &m.dst, b->diff_dst_layer, 1);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_DST_ITER, &m.iter, b->diff_dst_iter, 1);
    if (lstm)
        bind(x, bs, &n, pd, DNNL_ARG_DIFF_DST_ITER_C, &m.iter, b->diff_dst_iter_c, 1);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_SRC_LAYER, &m.src, b->diff_src_layer, 0);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_SRC_ITER, &m.iter, b->diff_src_iter, 0);
    if (lstm)
        bind(x, bs, &n, pd, DNNL_ARG_DIFF_SRC_ITER_C, &m.iter, b->diff_src_iter_c, 0);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_WEIGHTS_LAYER, &m.wl, b->diff_weights_layer, 0);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_WEIGHTS_ITER, &m.wi, b->diff_weights_iter, 0);
    bind(x, bs, &n, pd, DNNL_ARG_DIFF_BIAS, &m.b, b->diff_bias, 0);
    return execute(x, r->bp, r->ws, bs, n);
}

void conf_onednn_rnn_destroy(conf_onednn_rnn *r)
{
    if (r->ws)
        dnnl_memory_destroy(r->ws);
    if (r->fp)
        dnnl_primitive_destroy(r->fp);
    if (r->bp)
        dnnl_primitive_destroy(r->bp);
    if (r->fpd)
        dnnl_primitive_desc_destroy(r->fpd);
    if (r->bpd)
        dnnl_primitive_desc_destroy(r->bpd);
    memset(r, 0, sizeof *r);
}
