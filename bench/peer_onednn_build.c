/* peer_onednn_build.c — the primitives of one oneDNN peer run
 * (peer_onednn.c says which): the networks' state buffers and segments,
 * each segment's RNN primitive forward (and backward when training) with
 * its weights converted from PyTorch's layout, and the head's inner
 * product and softmax. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "onednn_layout.h"
#include "peer_onednn_ctx.h"

/* bf16: a oneDNN-allocated bf16 copy (md16) of the f32 host buffer at host
 * (md32), made once at setup: the row's inputs (x, h0) do not change, and a
 * bf16 network holds its activations in bf16. */
static dnnl_memory_t bf16_copy(dctx *c, const dnnl_memory_desc_t *md32, const float *host,
                               const dnnl_memory_desc_t *md16)
{
    dnnl_memory_t from = d_wrap(c, md32, host), to = d_wrap(c, md16, NULL);
    return d_reorder_step(c, from, to, NULL) ? NULL : to;
}

typedef struct {
    const dnnl_memory_desc_t *sl, *si, *sic, *wl, *wi, *b, *dl, *di, *dic;
} rnn_mds;

static dnnl_status_t fwd_desc(dnnl_rnn_desc_t *rd, rnn_cell cell, dnnl_prop_kind_t prop,
                              dnnl_rnn_direction_t dir, const rnn_mds *m)
{
    switch (cell) {
    case RNN_TANH:
        return dnnl_vanilla_rnn_forward_desc_init(rd, prop, dnnl_eltwise_tanh, dir, m->sl, m->si,
                                                  m->wl, m->wi, m->b, m->dl, m->di, 0, 0.f, 0.f);
    case RNN_LSTM:
        return dnnl_lstm_forward_desc_init(rd, prop, dir, m->sl, m->si, m->sic, m->wl, m->wi,
                                           m->b, m->dl, m->di, m->dic, 0);
    case RNN_GRU:
        return dnnl_gru_forward_desc_init(rd, prop, dir, m->sl, m->si, m->wl, m->wi, m->b, m->dl,
                                          m->di, 0);
    default:
        return dnnl_lbr_gru_forward_desc_init(rd, prop, dir, m->sl, m->si, m->wl, m->wi, m->b,
                                              m->dl, m->di, 0);
    }
}

static dnnl_status_t bwd_desc(dnnl_rnn_desc_t *rd, rnn_cell cell, dnnl_rnn_direction_t dir,
                              const rnn_mds *m, const rnn_mds *d)
{
    switch (cell) {
    case RNN_TANH:
        return dnnl_vanilla_rnn_backward_desc_init(
            rd, dnnl_backward, dnnl_eltwise_tanh, dir, m->sl, m->si, m->wl, m->wi, m->b, m->dl,
            m->di, d->sl, d->si, d->wl, d->wi, d->b, d->dl, d->di, 0, 0.f, 0.f);
    case RNN_LSTM:
        return dnnl_lstm_backward_desc_init(rd, dnnl_backward, dir, m->sl, m->si, m->sic, m->wl,
                                            m->wi, m->b, m->dl, m->di, m->dic, d->sl, d->si,
                                            d->sic, d->wl, d->wi, d->b, d->dl, d->di, d->dic, 0);
    case RNN_GRU:
        return dnnl_gru_backward_desc_init(rd, dnnl_backward, dir, m->sl, m->si, m->wl, m->wi,
                                           m->b, m->dl, m->di, d->sl, d->si, d->wl, d->wi, d->b,
                                           d->dl, d->di, 0);
    default:
        return dnnl_lbr_gru_backward_desc_init(rd, dnnl_backward, dir, m->sl, m->si, m->wl,
                                               m->wi, m->b, m->dl, m->di, d->sl, d->si, d->wl,
                                               d->wi, d->b, d->dl, d->di, 0);
    }
}

/* The weights of seg's cells in oneDNN's ldigo {Lp, D, K, G, H} (K = SLC for
 * weight_ih, H for weight_hh) and ldgo bias, converted cell by cell. The test
 * hook c->fault swaps the two H-wide input halves of layers l > 0 of a
 * bidirectional stack, as a peer that fed them [rev, fwd] would. */
static void seg_weights(dctx *c, const seg_io *io, float *wl_h, float *wi_h, float *b_h)
{
    const bench_data *dt = c->dt;
    const rnn_cell cell = c->cell;
    const int H = (int)dt->p.H, G = dt->G, Gb = rnn_onednn_bias_gates(cell);
    const int SLC = (int)io->SLC;
    const size_t GH = (size_t)G * (size_t)H;
    for (int l = 0; l < io->Lp; l++)
        for (int d = 0; d < io->D; d++) {
            const int j = l * io->D + d, k = (io->l0 + l) * io->D + d;
            const rnn_cell_weights w = bench_data_cell(dt, io->net, k);
            float *wl = wl_h + (size_t)j * (size_t)SLC * GH;
            rnn_onednn_weights_to(cell, H, SLC, w.weight_ih, wl);
            if (c->fault && io->D == 2 && io->l0 + l > 0) /* rows i of ldigo are inputs */
                for (size_t e = 0; e < (size_t)H * GH; e++) {
                    float t = wl[e];
                    wl[e] = wl[(size_t)H * GH + e];
                    wl[(size_t)H * GH + e] = t;
                }
            rnn_onednn_weights_to(cell, H, H, w.weight_hh, wi_h + (size_t)j * (size_t)H * GH);
            rnn_onednn_bias_to(cell, H, w.bias_ih, w.bias_hh, b_h + (size_t)j * (size_t)Gb * H);
        }
}

static int build_seg(dctx *c, int k, const seg_io *io)
{
    const bench_problem *p = &c->dt->p;
    const rnn_cell cell = p->cell;
    const int lstm = cell == RNN_LSTM;
    const dnnl_dim_t S = (dnnl_dim_t)io->S, B = p->B, I = io->SLC, H = p->H;
    const dnnl_dim_t Lp = io->Lp, D = io->D;
    const dnnl_dim_t G = rnn_cell_gates(cell), Gb = rnn_onednn_bias_gates(cell);
    const dnnl_rnn_direction_t dir = D == 2 ? dnnl_bidirectional_concat
                                            : dnnl_unidirectional_left2right;
    dnnl_dims_t d_sl = {S, B, I}, d_st = {Lp, D, B, H}, d_wl = {Lp, D, I, G, H},
                d_wi = {Lp, D, H, G, H}, d_b = {Lp, D, Gb, H}, d_dl = {S, B, D * H};
    dnnl_memory_desc_t sl = d_md(3, d_sl, dnnl_tnc), st = d_md(4, d_st, dnnl_ldnc),
                       dl = d_md(3, d_dl, dnnl_tnc), b = d_md(4, d_b, dnnl_ldgo);
    dnnl_memory_desc_t wl_plain = d_md(5, d_wl, dnnl_ldigo), wi_plain = d_md(5, d_wi, dnnl_ldigo);
    dnnl_memory_desc_t wl_any = d_md(5, d_wl, dnnl_format_tag_any),
                       wi_any = d_md(5, d_wi, dnnl_format_tag_any);
    const dnnl_memory_desc_t *wl = c->plain ? &wl_plain : &wl_any,
                             *wi = c->plain ? &wi_plain : &wi_any;
    rnn_mds m = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};
    /* bf16 (a single primitive, d_setup): src_layer, src_iter, both weights
     * and dst_layer, dst_iter in bf16; the c state and the bias in f32; the
     * gradients (backward's diff_*) in f32. The weights are reordered from
     * the f32 host copy into the format asked (any or ldigo, bf16) once. */
    const dnnl_data_type_t bf = dnnl_bf16;
    dnnl_memory_desc_t sl16 = d_md_dt(3, d_sl, bf, dnnl_tnc), st16 = d_md_dt(4, d_st, bf, dnnl_ldnc),
                       dl16 = d_md_dt(3, d_dl, bf, dnnl_tnc),
                       wl16 = d_md_dt(5, d_wl, bf, c->plain ? dnnl_ldigo : dnnl_format_tag_any),
                       wi16 = d_md_dt(5, d_wi, bf, c->plain ? dnnl_ldigo : dnnl_format_tag_any);
    if (c->bf16)
        m = (rnn_mds){&sl16, &st16, lstm ? &st : NULL, &wl16, &wi16, &b, &dl16, &st16,
                      lstm ? &st : NULL};

    float *wl_h = d_buf(c, (size_t)(Lp * D * I * G * H)), *wi_h = d_buf(c, (size_t)(Lp * D * H * G * H)),
          *b_h = d_buf(c, (size_t)(Lp * D * Gb * H));
    if (!wl_h || !wi_h || !b_h)
        return c->fail_what = "out of memory", -1;
    seg_weights(c, io, wl_h, wi_h, b_h);

    dnnl_rnn_desc_t rd;
    dnnl_primitive_desc_t fpd;
    TRY("rnn forward desc", fwd_desc(&rd, cell, c->train ? dnnl_forward_training
                                                         : dnnl_forward_inference, dir, &m));
    TRY("rnn forward primitive desc", dnnl_primitive_desc_create(&fpd, &rd, NULL, d_engine, NULL));
    const char *info = NULL;
    if (k == 0 && dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0, &info) ==
                      dnnl_success && info)
        snprintf(c->impl_info, sizeof c->impl_info, "%s", info);
    step *f = &c->fwd[k];
    dnnl_memory_t mwl = NULL, mwi = NULL, ws = NULL;
    int bad = d_weights_for(c, fpd, dnnl_query_weights_md, 0, &wl_plain, wl_h, &mwl) ||
              d_weights_for(c, fpd, dnnl_query_weights_md, 1, &wi_plain, wi_h, &mwi);
    const dnnl_memory_desc_t *wsmd = dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0);
    if (!bad && c->train && wsmd && dnnl_memory_desc_get_size(wsmd) > 0)
        bad = !(ws = d_wrap(c, wsmd, NULL));
    dnnl_primitive_t prim = NULL;
    if (!bad && dnnl_primitive_create(&prim, fpd) != dnnl_success)
        bad = 1, c->fail_what = "rnn forward primitive";
    if (bad || d_keep(c, prim)) {
        dnnl_primitive_desc_destroy(fpd);
        return -1;
    }
    f->prim = prim;
    dnnl_memory_t msl = d_wrap(c, &sl, io->src_layer), msi = d_wrap(c, &st, io->src_iter),
                  mb = d_wrap(c, &b, b_h), mdl = d_wrap(c, &dl, io->dst_layer),
                  mdi = d_wrap(c, &st, io->dst_iter);
    if (c->bf16) {
        /* Inputs converted once; outputs converted back after every forward
         * (timed, post[k]): the head and the caller read float32. */
        msl = bf16_copy(c, &sl, io->src_layer, &sl16);
        msi = bf16_copy(c, &st, io->src_iter, &st16);
        dnnl_memory_t dl_host = mdl, di_host = mdi;
        mdl = d_wrap(c, &dl16, NULL), mdi = d_wrap(c, &st16, NULL);
        if (!msl || !msi || d_reorder_step(c, mdl, dl_host, &c->post[k][0]) ||
            d_reorder_step(c, mdi, di_host, &c->post[k][1])) {
            dnnl_primitive_desc_destroy(fpd);
            return c->fail_what = c->fail_what ? c->fail_what : "bf16 memory", -1;
        }
    }
    dnnl_memory_t msic = lstm ? d_wrap(c, &st, io->src_iter_c) : NULL,
                  mdic = lstm ? d_wrap(c, &st, io->dst_iter_c) : NULL;
    d_arg(f, DNNL_ARG_SRC_LAYER, msl);
    d_arg(f, DNNL_ARG_SRC_ITER, msi);
    d_arg(f, DNNL_ARG_WEIGHTS_LAYER, mwl);
    d_arg(f, DNNL_ARG_WEIGHTS_ITER, mwi);
    d_arg(f, DNNL_ARG_BIAS, mb);
    d_arg(f, DNNL_ARG_DST_LAYER, mdl);
    d_arg(f, DNNL_ARG_DST_ITER, mdi);
    if (lstm) {
        d_arg(f, DNNL_ARG_SRC_ITER_C, msic);
        d_arg(f, DNNL_ARG_DST_ITER_C, mdic);
    }
    if (ws)
        d_arg(f, DNNL_ARG_WORKSPACE, ws);
    for (int i = 0; i < f->nargs; i++)
        if (!f->args[i].memory) {
            dnnl_primitive_desc_destroy(fpd);
            return c->fail_what = "rnn forward memory", -1;
        }
    if (!c->train) {
        dnnl_primitive_desc_destroy(fpd);
        return 0;
    }

    /* Backward: its own weight formats (`any` may pick others than forward);
     * bf16: float32 gradients, their weights' any or ldigo as forward's. */
    rnn_mds dm = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};
    if (c->bf16)
        dm.wl = c->plain ? &wl_plain : &wl_any, dm.wi = c->plain ? &wi_plain : &wi_any;
    dnnl_primitive_desc_t bpd;
    dnnl_status_t s1 = bwd_desc(&rd, cell, dir, &m, &dm);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&bpd, &rd, NULL, d_engine, fpd);
    dnnl_primitive_desc_destroy(fpd);
    TRY("rnn backward primitive desc", s1);
    step *bw = &c->bwd[k];
    dnnl_memory_t bwl = NULL, bwi = NULL;
    bad = d_weights_for(c, bpd, dnnl_query_weights_md, 0, &wl_plain, wl_h, &bwl) ||
          d_weights_for(c, bpd, dnnl_query_weights_md, 1, &wi_plain, wi_h, &bwi);
    dnnl_memory_t dwl = NULL, dwi = NULL, db = NULL;
    if (!bad) {
        dwl = d_wrap(c, dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_weights_md, 0), NULL);
        dwi = d_wrap(c, dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_weights_md, 1), NULL);
        db = d_wrap(c, &b, NULL);
        bad = !dwl || !dwi || !db;
    }
    if (!bad && dnnl_primitive_create(&prim, bpd) != dnnl_success)
        bad = 1, c->fail_what = "rnn backward primitive";
    dnnl_primitive_desc_destroy(bpd);
    if (bad || d_keep(c, prim))
        return -1;
    bw->prim = prim;
    c->dwl[k] = dwl, c->dwi[k] = dwi, c->db[k] = db;
    c->zero_mem[c->nzero++] = dwl;
    c->zero_mem[c->nzero++] = dwi;
    c->zero_mem[c->nzero++] = db;
    d_arg(bw, DNNL_ARG_SRC_LAYER, msl);
    d_arg(bw, DNNL_ARG_SRC_ITER, msi);
    d_arg(bw, DNNL_ARG_WEIGHTS_LAYER, bwl);
    d_arg(bw, DNNL_ARG_WEIGHTS_ITER, bwi);
    d_arg(bw, DNNL_ARG_BIAS, mb);
    d_arg(bw, DNNL_ARG_DST_LAYER, mdl);
    d_arg(bw, DNNL_ARG_DST_ITER, mdi);
    d_arg(bw, DNNL_ARG_WORKSPACE, ws);
    d_arg(bw, DNNL_ARG_DIFF_SRC_LAYER, d_wrap(c, &sl, io->diff_src_layer));
    d_arg(bw, DNNL_ARG_DIFF_SRC_ITER, d_wrap(c, &st, io->diff_src_iter));
    d_arg(bw, DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl);
    d_arg(bw, DNNL_ARG_DIFF_WEIGHTS_ITER, dwi);
    d_arg(bw, DNNL_ARG_DIFF_BIAS, db);
    d_arg(bw, DNNL_ARG_DIFF_DST_LAYER, d_wrap(c, &dl, io->diff_dst_layer));
    d_arg(bw, DNNL_ARG_DIFF_DST_ITER, d_wrap(c, &st, io->diff_dst_iter));
    if (lstm) {
        d_arg(bw, DNNL_ARG_SRC_ITER_C, msic);
        d_arg(bw, DNNL_ARG_DST_ITER_C, mdic);
        d_arg(bw, DNNL_ARG_DIFF_SRC_ITER_C, d_wrap(c, &st, io->diff_src_iter_c));
        d_arg(bw, DNNL_ARG_DIFF_DST_ITER_C, d_wrap(c, &st, io->diff_dst_iter_c));
    }
    for (int i = 0; i < bw->nargs; i++)
        if (!bw->args[i].memory)
            return c->fail_what = "rnn backward memory", -1;
    return 0;
}

/* The head on `rows` scored states at hsc; train: its gradient into dhsc. */
static int build_head(dctx *c, const float *hsc, float *dhsc)
{
    const bench_data *dt = c->dt;
    const dnnl_dim_t N = (dnnl_dim_t)c->rows, W = (dnnl_dim_t)c->head_in, V = (dnnl_dim_t)c->V;
    dnnl_dims_t d_src = {N, W}, d_w = {V, W}, d_b = {V}, d_dst = {N, V};
    dnnl_memory_desc_t src = d_md(2, d_src, dnnl_nc), w_plain = d_md(2, d_w, dnnl_oi),
                       w_any = d_md(2, d_w, dnnl_format_tag_any), bias = d_md(1, d_b, dnnl_x),
                       dst = d_md(2, d_dst, dnnl_nc);
    const dnnl_prop_kind_t prop = c->train ? dnnl_forward_training : dnnl_forward_inference;
    float *logits = d_buf(c, c->rows * c->V);
    c->probs = d_buf(c, c->rows * c->V);
    if (!logits || !c->probs)
        return c->fail_what = "out of memory", -1;

    dnnl_inner_product_desc_t ipd;
    dnnl_primitive_desc_t fpd;
    dnnl_primitive_t prim;
    TRY("inner product desc", dnnl_inner_product_forward_desc_init(&ipd, prop, &src, &w_any,
                                                                     &bias, &dst));
    TRY("inner product primitive desc", dnnl_primitive_desc_create(&fpd, &ipd, NULL, d_engine, NULL));
    dnnl_memory_t mw = NULL;
    int bad = d_weights_for(c, fpd, dnnl_query_weights_md, 0, &w_plain, dt->W_hy, &mw);
    if (!bad && (dnnl_primitive_create(&prim, fpd) != dnnl_success || d_keep(c, prim)))
        bad = 1, c->fail_what = "inner product primitive";
    if (bad) {
        dnnl_primitive_desc_destroy(fpd);
        return -1;
    }
    dnnl_memory_t msrc = d_wrap(c, &src, hsc), mlog = d_wrap(c, &dst, logits);
    c->ip_fwd.prim = prim;
    d_arg(&c->ip_fwd, DNNL_ARG_SRC, msrc);
    d_arg(&c->ip_fwd, DNNL_ARG_WEIGHTS, mw);
    d_arg(&c->ip_fwd, DNNL_ARG_BIAS, d_wrap(c, &bias, dt->b_y));
    d_arg(&c->ip_fwd, DNNL_ARG_DST, mlog);

    dnnl_softmax_desc_t sd;
    dnnl_primitive_desc_t spd;
    dnnl_status_t s1 = dnnl_softmax_forward_desc_init(&sd, prop, &dst, 1);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&spd, &sd, NULL, d_engine, NULL);
    if (s1 == dnnl_success) {
        s1 = dnnl_primitive_create(&prim, spd);
        dnnl_primitive_desc_destroy(spd);
    }
    if (s1 != dnnl_success || d_keep(c, prim)) {
        dnnl_primitive_desc_destroy(fpd);
        return c->fail_what = "softmax", -1;
    }
    c->softmax.prim = prim;
    d_arg(&c->softmax, DNNL_ARG_SRC, mlog);
    d_arg(&c->softmax, DNNL_ARG_DST, d_wrap(c, &dst, c->probs));
    if (!c->train) {
        dnnl_primitive_desc_destroy(fpd);
        return 0;
    }

    c->dlogits = d_buf(c, c->rows * c->V);
    dnnl_memory_t mdlog = c->dlogits ? d_wrap(c, &dst, c->dlogits) : NULL;
    dnnl_primitive_desc_t dpd = NULL, wpd = NULL;
    s1 = dnnl_inner_product_backward_data_desc_init(&ipd, &src, &w_any, &dst);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&dpd, &ipd, NULL, d_engine, fpd);
    if (s1 == dnnl_success)
        s1 = dnnl_inner_product_backward_weights_desc_init(&ipd, &src, &w_any, &bias, &dst);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&wpd, &ipd, NULL, d_engine, fpd);
    dnnl_primitive_desc_destroy(fpd);
    bad = s1 != dnnl_success || !mdlog;
    dnnl_memory_t bw_w = NULL;
    if (!bad)
        bad = d_weights_for(c, dpd, dnnl_query_weights_md, 0, &w_plain, dt->W_hy, &bw_w);
    if (!bad && (dnnl_primitive_create(&prim, dpd) != dnnl_success || d_keep(c, prim)))
        bad = 1;
    if (!bad) {
        c->ip_bwd_data.prim = prim;
        d_arg(&c->ip_bwd_data, DNNL_ARG_DIFF_DST, mdlog);
        d_arg(&c->ip_bwd_data, DNNL_ARG_WEIGHTS, bw_w);
        d_arg(&c->ip_bwd_data, DNNL_ARG_DIFF_SRC, d_wrap(c, &src, dhsc));
    }
    if (!bad && (dnnl_primitive_create(&prim, wpd) != dnnl_success || d_keep(c, prim)))
        bad = 1;
    if (!bad) {
        c->ip_bwd_weights.prim = prim;
        d_arg(&c->ip_bwd_weights, DNNL_ARG_SRC, msrc);
        d_arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_DST, mdlog);
        c->dW_hy = d_wrap(c, dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_weights_md, 0), NULL);
        c->db_y = d_wrap(c, &bias, NULL);
        d_arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_WEIGHTS, c->dW_hy);
        d_arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_BIAS, c->db_y);
    }
    if (dpd)
        dnnl_primitive_desc_destroy(dpd);
    if (wpd)
        dnnl_primitive_desc_destroy(wpd);
    return bad ? (c->fail_what = c->fail_what ? c->fail_what : "inner product backward", -1) : 0;
}

/* A network's state buffers: h0, c0 zero (our rows start from zeros), the
 * final states, and their gradients (dhn, dcn zero but across the seq2seq
 * bridge). */
static void net_alloc(dctx *c, net_states *n, int L, int D)
{
    const size_t BH = (size_t)(c->dt->p.B * c->dt->p.H), N = (size_t)L * (size_t)D * BH;
    const int lstm = c->cell == RNN_LSTM;
    n->L = L, n->D = D;
    n->h0 = d_buf(c, N), n->hn = d_buf(c, N);
    n->c0 = lstm ? d_buf(c, N) : NULL, n->cn = lstm ? d_buf(c, N) : NULL;
    if (c->train) {
        n->dh0 = d_buf(c, N), n->dhn = d_buf(c, N);
        n->dc0 = lstm ? d_buf(c, N) : NULL, n->dcn = lstm ? d_buf(c, N) : NULL;
    }
}

/* The primitives of one network: L layers in D directions over S steps of
 * src (SLC0 wide), output D*H wide. One primitive when oneDNN's semantics
 * are PyTorch's (docs/benchmarks.md §stacks): one layer, or one direction
 * with every layer's input H wide (oneDNN's weights_layer has one SLC for
 * all layers). Otherwise one primitive per layer, chained: layer l > 0 reads
 * layer l-1's output (D*H wide: for two directions their concatenation,
 * which oneDNN's own multi-layer bidirectional_concat does not feed the next
 * layer: it runs each direction's stack apart). Returns the first segment's
 * index; *out the last one's dst_layer. */
static int net_segs(dctx *c, int net, size_t S, const float *src, int64_t SLC0)
{
    const bench_data *dt = c->dt;
    const net_states *n = &c->net[net];
    const int L = n->L, D = n->D, lstm = c->cell == RNN_LSTM;
    const size_t BH = (size_t)(dt->p.B * dt->p.H), B = (size_t)dt->p.B;
    const int one = L == 1 || (D == 1 && SLC0 == dt->p.H);
    const int nprim = one ? 1 : L, first = c->nseg;
    for (int j = 0; j < nprim; j++) {
        seg_io *io = &c->seg[c->nseg++];
        const size_t at = (size_t)j * (size_t)D * BH; /* layer l0 = j of the state buffers */
        io->net = net, io->l0 = j, io->Lp = one ? L : 1, io->D = D;
        io->SLC = j == 0 ? SLC0 : (int64_t)D * dt->p.H;
        io->S = S;
        io->src_layer = j == 0 ? src : c->seg[c->nseg - 2].dst_layer;
        io->src_iter = n->h0 + at, io->dst_iter = n->hn + at;
        io->src_iter_c = lstm ? n->c0 + at : NULL, io->dst_iter_c = lstm ? n->cn + at : NULL;
        io->dst_layer = d_buf(c, S * (size_t)D * BH);
        if (c->train) {
            io->diff_src_layer = d_buf(c, S * B * (size_t)io->SLC);
            io->diff_src_iter = n->dh0 + at, io->diff_dst_iter = n->dhn + at;
            io->diff_src_iter_c = lstm ? n->dc0 + at : NULL;
            io->diff_dst_iter_c = lstm ? n->dcn + at : NULL;
            if (j > 0)
                c->seg[c->nseg - 2].diff_dst_layer = io->diff_src_layer;
        }
        if (c->oom)
            return -1;
    }
    return first;
}

int d_build(dctx *c)
{
    const bench_data *dt = c->dt;
    const bench_problem *p = &dt->p;
    const size_t T = (size_t)p->T, B = (size_t)p->B, I = (size_t)p->I, H = (size_t)p->H;
    const int s2s = p->topology == RNN_SEQ2SEQ && c->headed;
    const int L = (int)dt->L, D = dt->D;
    if (L > PEER_MAX_LAYERS) /* d_setup refuses these first, with a sentence */
        return c->fail_what = "layers above the peer's limit", -1;
    /* Encoder (or the only network). one2many's later steps get zero inputs. */
    const float *x = dt->x;
    if (p->topology == RNN_ONE2MANY) {
        float *x1 = d_buf(c, T * B * I);
        if (!x1)
            return c->fail_what = "out of memory", -1;
        memcpy(x1, dt->x, B * I * sizeof *x1);
        x = x1;
    }
    net_alloc(c, &c->net[0], L, D);
    if (s2s)
        net_alloc(c, &c->net[1], L, 1);
    if (c->oom || net_segs(c, 0, T, x, p->I) < 0)
        return c->fail_what = "out of memory", -1;
    c->nenc = c->nseg;
    if (s2s) {
        /* The decoder starts from the encoder's final states: shared buffers
         * for one direction; for two, their sum, made by the bridge in run. */
        net_states *e = &c->net[0], *d = &c->net[1];
        c->bridge = D == 2;
        if (!c->bridge) {
            d->h0 = e->hn, d->c0 = e->cn;
            if (c->train)
                e->dhn = d->dh0, e->dcn = d->dc0;
        }
        /* net_segs reads the buffers as set now: the encoder's segments were
         * built before the sharing, so point them at it again. */
        for (int j = 0; j < c->nenc && c->train && !c->bridge; j++) {
            const size_t at = (size_t)c->seg[j].l0 * BH_OF(p);
            c->seg[j].diff_dst_iter = e->dhn + at;
            c->seg[j].diff_dst_iter_c = e->dcn ? e->dcn + at : NULL;
        }
        if (net_segs(c, 1, (size_t)p->T_out, dt->x_dec, p->I) < 0)
            return c->fail_what = "out of memory", -1;
    }
    seg_io *last = &c->seg[c->nseg - 1];
    const size_t W = (size_t)last->D * H; /* what the head reads */
    c->head_in = W;
    /* The scored states and where their gradient goes. */
    const float *hsc = last->dst_layer;
    size_t off = 0;
    if (c->headed && (p->topology == RNN_MANY2ONE || p->topology == RNN_ONE2ONE))
        off = (last->S - 1) * B * W;
    if (c->train) {
        if (c->headed)
            last->diff_dst_layer = d_buf(c, last->S * B * W); /* zero where nothing is scored */
        else
            last->diff_dst_layer = dt->grad_output;
        if (s2s) /* the encoder's output is not scored: only its final states get gradients */
            c->seg[c->nenc - 1].diff_dst_layer = d_buf(c, T * B * (size_t)D * H);
    }
    if (c->oom)
        return c->fail_what = "out of memory", -1;
    for (int k = 0; k < c->nseg; k++)
        if (build_seg(c, k, &c->seg[k]))
            return -1;
    const int chained = c->nenc > 1 || c->nseg - c->nenc > 1;
    if (L > 1 || D > 1)
        snprintf(c->form, sizeof c->form, "%s", chained
                 ? (D == 2 ? "one 1-layer bidirectional_concat primitive per layer, chained"
                           : "one 1-layer primitive per layer, chained (I != H)")
                 : L > 1 ? "the whole stack in one primitive"
                         : "one bidirectional_concat primitive");
    if (!c->headed)
        return 0;
    return build_head(c, hsc + off, c->train ? (float *)last->diff_dst_layer + off : NULL);
}
