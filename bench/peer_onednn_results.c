/* peer_onednn_results.c — what a oneDNN peer run leaves: its outputs as
 * they lie (the loss, or h, h_T, c_T; training's gradients in oneDNN's
 * formats) and, for --check, the same as PyTorch-layout results (diff
 * weights reordered to plain ldigo, then to PyTorch's rows). */
#include <stdio.h>
#include <stdlib.h>
#include "onednn_layout.h"
#include "peer_onednn_ctx.h"

static int put(bench_output *out, int n, int max, const char *name, float *data, size_t count)
{
    if (data && n < max)
        out[n++] = (bench_output){name, data, count};
    return n;
}

/* A oneDNN memory's buffer as floats. */
static int put_mem(bench_output *out, int n, int max, const char *name, dnnl_memory_t m)
{
    void *h = NULL;
    const dnnl_memory_desc_t *md = NULL;
    if (!m || dnnl_memory_get_data_handle(m, &h) != dnnl_success ||
        dnnl_memory_get_memory_desc(m, &md) != dnnl_success)
        return n;
    return put(out, n, max, name, h, dnnl_memory_desc_get_size(md) / sizeof(float));
}

/* What both views of a run start with: the loss of a headed run, or an
 * inference run's outputs (the top layer's h over the steps, the final h
 * and c); training gradients follow in each view. */
static int put_forward(dctx *c, bench_output *out, int max)
{
    const bench_data *dt = c->dt;
    const size_t BH = BH_OF(&dt->p), NS = (size_t)dt->ncells * BH;
    const seg_io *top = &c->seg[c->nenc - 1];
    int n = 0;
    if (c->headed)
        n = put(out, n, max, "loss", &c->loss, 1);
    if (!c->headed && !c->train) {
        n = put(out, n, max, "h", top->dst_layer, top->S * (size_t)top->D * BH);
        n = put(out, n, max, "h_T", c->net[0].hn, NS);
        n = put(out, n, max, "c_T", c->net[0].cn, NS);
    }
    return n;
}

int d_outputs(void *vctx, bench_output *out, int max)
{
    dctx *c = vctx;
    const bench_data *dt = c->dt;
    const size_t NS = (size_t)dt->ncells * BH_OF(&dt->p);
    int n = put_forward(c, out, max);
    if (!c->train)
        return n;
    static const char *const names[2][4] = {
        {"grad.x", "grad.weight_ih", "grad.weight_hh", "grad.bias"},
        {"grad.x_dec", "grad.dec.weight_ih", "grad.dec.weight_hh", "grad.dec.bias"}};
    for (int k = 0; k < c->nseg; k++) {
        const seg_io *io = &c->seg[k];
        if (io->l0 == 0)
            n = put(out, n, max, names[io->net][0], io->diff_src_layer,
                    io->S * (size_t)(dt->p.B * dt->p.I));
        n = put_mem(out, n, max, names[io->net][1], c->dwl[k]);
        n = put_mem(out, n, max, names[io->net][2], c->dwi[k]);
        n = put_mem(out, n, max, names[io->net][3], c->db[k]);
    }
    n = put(out, n, max, "grad.h0", c->net[0].dh0, NS);
    n = put(out, n, max, "grad.c0", c->net[0].dc0, NS);
    n = put_mem(out, n, max, "grad.W_hy", c->dW_hy);
    return put_mem(out, n, max, "grad.b_y", c->db_y);
}

/* dst (plain layout plain_md) = the memory `from`, whatever its format. */
static int to_plain(dctx *c, dnnl_memory_t from, const dnnl_memory_desc_t *plain_md, float *dst)
{
    return d_reorder_step(c, from, d_wrap(c, plain_md, dst), NULL);
}

/* The inverse of onednn_layout.h's conversion: PyTorch-layout gradients of
 * the cells of network net (every cell's back to back, bench/data.h) from
 * its primitives' (ldigo weights, ldgo bias), cell by cell. */
static int net_results(dctx *c, int net, float *w_ih, float *w_hh, float *b_ih, float *b_hh)
{
    const bench_data *dt = c->dt;
    const rnn_cell cell = c->cell;
    const int H = (int)dt->p.H, G = dt->G, Gb = rnn_onednn_bias_gates(cell);
    const size_t GH = (size_t)G * (size_t)H;
    for (int k = 0; k < c->nseg; k++) {
        const seg_io *io = &c->seg[k];
        if (io->net != net)
            continue;
        const int SLC = (int)io->SLC, cells = io->Lp * io->D;
        dnnl_dims_t d_wl = {io->Lp, io->D, SLC, G, H}, d_wi = {io->Lp, io->D, H, G, H};
        dnnl_memory_desc_t wl_md = d_md(5, d_wl, dnnl_ldigo), wi_md = d_md(5, d_wi, dnnl_ldigo);
        float *wl = d_buf(c, (size_t)cells * (size_t)SLC * GH),
              *wi = d_buf(c, (size_t)cells * (size_t)H * GH);
        void *dbh = NULL;
        if (c->oom || to_plain(c, c->dwl[k], &wl_md, wl) || to_plain(c, c->dwi[k], &wi_md, wi) ||
            dnnl_memory_get_data_handle(c->db[k], &dbh) != dnnl_success)
            return -1;
        for (int j = 0; j < cells; j++) {
            const int kk = (io->l0 + j / io->D) * io->D + j % io->D;
            const bench_cell_counts o = bench_data_offsets(dt, net, kk);
            rnn_onednn_weights_from(cell, H, SLC, wl + (size_t)j * (size_t)SLC * GH,
                                    w_ih + o.weight_ih);
            rnn_onednn_weights_from(cell, H, H, wi + (size_t)j * (size_t)H * GH,
                                    w_hh + o.weight_hh);
            rnn_onednn_bias_grad_from(cell, H, (const float *)dbh + (size_t)j * (size_t)Gb * H,
                                      b_ih + o.bias, b_hh + o.bias);
        }
    }
    return 0;
}

int d_results(void *vctx, bench_output *out, int max)
{
    dctx *c = vctx;
    const bench_data *dt = c->dt;
    const size_t NS = (size_t)dt->ncells * BH_OF(&dt->p);
    int n = put_forward(c, out, max);
    if (!c->train)
        return n;
    static const char *const names[2][5] = {
        {"grad.x", "grad.weight_ih", "grad.weight_hh", "grad.bias_ih", "grad.bias_hh"},
        {"grad.x_dec", "grad.dec.weight_ih", "grad.dec.weight_hh", "grad.dec.bias_ih",
         "grad.dec.bias_hh"}};
    const int nets = c->nseg > c->nenc ? 2 : 1;
    for (int net = 0; net < nets; net++) {
        const bench_cell_counts nc = bench_data_counts(dt, net);
        float *w_ih = d_buf(c, nc.weight_ih), *w_hh = d_buf(c, nc.weight_hh),
              *b_ih = d_buf(c, nc.bias), *b_hh = d_buf(c, nc.bias);
        if (c->oom || net_results(c, net, w_ih, w_hh, b_ih, b_hh))
            return n; /* what is missing then fails the check */
        const seg_io *first = &c->seg[net ? c->nenc : 0];
        /* one2many feeds zeros after step 1: x's gradient is the first step's. */
        const size_t x_rows = net == 0 && dt->p.topology == RNN_ONE2MANY ? 1 : first->S;
        n = put(out, n, max, names[net][0], first->diff_src_layer,
                x_rows * (size_t)dt->p.B * (size_t)dt->p.I);
        n = put(out, n, max, names[net][1], w_ih, nc.weight_ih);
        n = put(out, n, max, names[net][2], w_hh, nc.weight_hh);
        n = put(out, n, max, names[net][3], b_ih, nc.bias);
        n = put(out, n, max, names[net][4], b_hh, nc.bias);
    }
    n = put(out, n, max, "grad.h0", c->net[0].dh0, NS);
    n = put(out, n, max, "grad.c0", c->net[0].dc0, NS);
    if (c->dW_hy) {
        const size_t V = (size_t)dt->d.V, W = c->head_in;
        dnnl_dims_t d_w = {(dnnl_dim_t)V, (dnnl_dim_t)W};
        dnnl_memory_desc_t w_md = d_md(2, d_w, dnnl_oi);
        float *w = d_buf(c, V * W);
        if (w && !to_plain(c, c->dW_hy, &w_md, w))
            n = put(out, n, max, "grad.W_hy", w, V * W);
        void *bh = NULL;
        if (dnnl_memory_get_data_handle(c->db_y, &bh) == dnnl_success)
            n = put(out, n, max, "grad.b_y", bh, V);
    }
    return n;
}
