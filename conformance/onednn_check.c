/* onednn_check.c — see onednn_check.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <oneapi/dnnl/dnnl.h>
#include "generate.h"
#include "onednn_check.h"
#include "onednn_layout.h"
#include "tolerance.h"

/* Shapes (T, B, I, H): a single unit, odd sizes, vector edges. */
static const int shapes[][4] = {{1, 1, 1, 1}, {5, 3, 7, 9}, {17, 2, 16, 33}, {4, 16, 17, 15}};

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t st;
    const char *failed; /* the first call that failed */
} ctx;

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

/* An execution argument bound to a plain user buffer, through a reorder when
 * the primitive wants another layout. */
typedef struct {
    int arg;
    dnnl_memory_t user, prim;
} binding;

static void reorder(ctx *x, dnnl_memory_t from, dnnl_memory_t to)
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

/* is_input: reorder user -> prim now; outputs are zeroed (oneDNN accumulates
 * some diff_weights) and reordered back by unbind(). */
static void bind(ctx *x, binding *b, dnnl_primitive_desc_t pd, int arg,
                 const dnnl_memory_desc_t *user_md, void *ptr, int is_input)
{
    b->arg = arg;
    b->user = b->prim = NULL;
    if (x->failed)
        return;
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    if (!want) {
        x->failed = "dnnl_primitive_desc_query_md: argument unknown to the primitive";
        return;
    }
    DN(dnnl_memory_create(&b->user, user_md, x->eng, ptr));
    if (!x->failed && !dnnl_memory_desc_equal(want, user_md)) {
        DN(dnnl_memory_create(&b->prim, want, x->eng, DNNL_MEMORY_ALLOCATE));
        if (!x->failed && is_input)
            reorder(x, b->user, b->prim);
    }
    if (!x->failed && !is_input) {
        void *h = NULL;
        dnnl_memory_t m = b->prim ? b->prim : b->user;
        DN(dnnl_memory_get_data_handle(m, &h));
        if (h)
            memset(h, 0, dnnl_memory_desc_get_size(want));
    }
}

static void unbind(ctx *x, binding *b, int is_output)
{
    if (b->prim && is_output)
        reorder(x, b->prim, b->user);
    if (b->prim)
        dnnl_memory_destroy(b->prim);
    if (b->user)
        dnnl_memory_destroy(b->user);
    b->prim = b->user = NULL;
}

static dnnl_memory_t mem_of(const binding *b)
{
    return b->prim ? b->prim : b->user;
}

static void compare(conf_onednn_result *r, int backward, const char *name, const float *got,
                    const float *ref, size_t n, double tol)
{
    rnn_compare_result c = rnn_compare(got, ref, n, tol);
    double *worst = backward ? &r->bwd_frac : &r->fwd_frac;
    const char **wn = backward ? &r->worst_bwd : &r->worst_fwd;
    if (!(c.frac <= *worst) || **wn == '-') {
        *worst = c.frac;
        *wn = name;
    }
    if (!(c.frac < 1.0) && r->passed) {
        r->passed = 0;
        snprintf(r->error, sizeof r->error, "%s: fraction %.3g (worst element %zu: oneDNN %.9g, "
                 "reference %.9g)", name, c.frac, c.worst, got[c.worst], ref[c.worst]);
    }
}

static void run_one(ctx *x, conf_onednn_result *r)
{
    const rnn_cell cell = r->cell;
    const int T = r->T, B = r->B, I = r->I, H = r->H;
    const int G = rnn_cell_gates(cell), Gb = cell == RNN_LBR_GRU ? 4 : G;
    const int lstm = cell == RNN_LSTM;
    conf_case cs = {.desc = {cell, RNN_MANY2MANY, T, 0, B, I, H, 1}, .rho = 1.0, .seed = 77};
    conf_problem p;
    if (conf_problem_generate(&cs, &p) != RNN_OK) {
        snprintf(r->error, sizeof r->error, "could not generate the problem");
        return;
    }
    const size_t TBH = (size_t)T * B * H, BH = (size_t)B * H, TBI = (size_t)T * B * I;
    const size_t GHI = (size_t)G * H * I, GHH = (size_t)G * H * H;
    /* Upstream gradients on every h_t, on h_T and on c_T. */
    float *gout = malloc(TBH * 4), *ghn = malloc(BH * 4), *gcn = malloc(BH * 4);
    float *ref_out = malloc(TBH * 4), *ref_hn = malloc(BH * 4), *ref_cn = malloc(BH * 4);
    float *dn_out = calloc(TBH, 4), *dn_hn = calloc(BH, 4), *dn_cn = calloc(BH, 4);
    float *wl = malloc(GHI * 4), *wi = malloc(GHH * 4), *bias = calloc((size_t)Gb * H, 4);
    float *ref_gx = malloc(TBI * 4), *ref_gh0 = malloc(BH * 4), *ref_gc0 = malloc(BH * 4);
    float *ref_gwih = malloc(GHI * 4), *ref_gwhh = malloc(GHH * 4);
    float *ref_gbih = malloc((size_t)G * H * 4), *ref_gbhh = malloc((size_t)G * H * 4);
    float *dn_gx = calloc(TBI, 4), *dn_gh0 = calloc(BH, 4), *dn_gc0 = calloc(BH, 4);
    float *dn_gwl = calloc(GHI, 4), *dn_gwi = calloc(GHH, 4), *dn_gb = calloc((size_t)Gb * H, 4);
    float *conv_gwih = malloc(GHI * 4), *conv_gwhh = malloc(GHH * 4);
    float *conv_gbih = malloc((size_t)G * H * 4), *conv_gbhh = malloc((size_t)G * H * 4);
    dnnl_primitive_desc_t fpd = NULL, bpd = NULL;
    dnnl_primitive_t fp = NULL, bp = NULL;
    dnnl_memory_t wsmem = NULL;
    binding fb[12], bb[20];
    int nfb = 0, nbb = 0;
    memset(fb, 0, sizeof fb);
    memset(bb, 0, sizeof bb);
    if (!gout || !ghn || !gcn || !ref_out || !ref_hn || !ref_cn || !dn_out || !dn_hn ||
        !dn_cn || !wl || !wi || !bias || !ref_gx || !ref_gh0 || !ref_gc0 || !ref_gwih ||
        !ref_gwhh || !ref_gbih || !ref_gbhh || !dn_gx || !dn_gh0 || !dn_gc0 || !dn_gwl ||
        !dn_gwi || !dn_gb || !conv_gwih || !conv_gwhh || !conv_gbih || !conv_gbhh) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto done;
    }
    rnn_fill_uniform(gout, TBH, cs.seed, 400, -1.0f, 1.0f);
    rnn_fill_uniform(ghn, BH, cs.seed, 401, -1.0f, 1.0f);
    rnn_fill_uniform(gcn, BH, cs.seed, 402, -1.0f, 1.0f);

    /* The reference. */
    rnn_cell_weights w = p.params.cell;
    rnn_grads g;
    memset(&g, 0, sizeof g);
    g.x = ref_gx;
    g.h0 = ref_gh0;
    g.c0 = lstm ? ref_gc0 : NULL;
    g.cell = (rnn_cell_grads){ref_gwih, ref_gwhh, ref_gbih, ref_gbhh};
    rnn_status s = rnn_reference_seq_forward(&cs.desc, &w, p.x, p.h0, lstm ? p.c0 : NULL,
                                             ref_out, ref_hn, lstm ? ref_cn : NULL);
    if (s == RNN_OK)
        s = rnn_reference_seq_backward(&cs.desc, &w, p.x, p.h0, lstm ? p.c0 : NULL, gout, ghn,
                                       lstm ? gcn : NULL, &g);
    if (s != RNN_OK) {
        snprintf(r->error, sizeof r->error, "reference: %s", rnn_strerror(s));
        goto done;
    }

    /* oneDNN's weights and bias. */
    rnn_onednn_weights_to(cell, H, I, p.cell.weight_ih, wl);
    rnn_onednn_weights_to(cell, H, H, p.cell.weight_hh, wi);
    rnn_onednn_bias_to(cell, H, p.cell.bias_ih, p.cell.bias_hh, bias);

    dnnl_memory_desc_t m_src = md(3, T, B, I, 0, 0, dnnl_tnc);
    dnnl_memory_desc_t m_dst = md(3, T, B, H, 0, 0, dnnl_tnc);
    dnnl_memory_desc_t m_iter = md(4, 1, 1, B, H, 0, dnnl_ldnc);
    dnnl_memory_desc_t m_wl = md(5, 1, 1, I, G, H, dnnl_ldigo);
    dnnl_memory_desc_t m_wi = md(5, 1, 1, H, G, H, dnnl_ldigo);
    dnnl_memory_desc_t m_b = md(4, 1, 1, Gb, H, 0, dnnl_ldgo);
    dnnl_memory_desc_t a_wl = md(5, 1, 1, I, G, H, dnnl_format_tag_any);
    dnnl_memory_desc_t a_wi = md(5, 1, 1, H, G, H, dnnl_format_tag_any);
    const dnnl_memory_desc_t *ic = lstm ? &m_iter : NULL;
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
    const dnnl_prop_kind_t fk = dnnl_forward_training;
    dnnl_rnn_desc_t fd, bd;
    dnnl_status_t ds;
    switch (cell) {
    case RNN_TANH:
        ds = dnnl_vanilla_rnn_forward_desc_init(&fd, fk, dnnl_eltwise_tanh, dir, &m_src, &m_iter,
                                                &a_wl, &a_wi, &m_b, &m_dst, &m_iter, 0, 0, 0);
        break;
    case RNN_LSTM:
        ds = dnnl_lstm_forward_desc_init(&fd, fk, dir, &m_src, &m_iter, ic, &a_wl, &a_wi, &m_b,
                                         &m_dst, &m_iter, ic, 0);
        break;
    case RNN_GRU:
        ds = dnnl_gru_forward_desc_init(&fd, fk, dir, &m_src, &m_iter, &a_wl, &a_wi, &m_b, &m_dst,
                                        &m_iter, 0);
        break;
    default:
        ds = dnnl_lbr_gru_forward_desc_init(&fd, fk, dir, &m_src, &m_iter, &a_wl, &a_wi, &m_b,
                                            &m_dst, &m_iter, 0);
        break;
    }
    if (ds != dnnl_success || dnnl_primitive_desc_create(&fpd, &fd, NULL, x->eng, NULL) != dnnl_success ||
        dnnl_primitive_create(&fp, fpd) != dnnl_success) {
        snprintf(r->error, sizeof r->error, "oneDNN refused the forward primitive");
        goto done;
    }
    const dnnl_memory_desc_t *wsmd = dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0);
    if (wsmd && dnnl_memory_desc_get_size(wsmd) > 0)
        DN(dnnl_memory_create(&wsmem, wsmd, x->eng, DNNL_MEMORY_ALLOCATE));

    bind(x, &fb[nfb++], fpd, DNNL_ARG_SRC_LAYER, &m_src, p.x, 1);
    bind(x, &fb[nfb++], fpd, DNNL_ARG_SRC_ITER, &m_iter, p.h0, 1);
    if (lstm)
        bind(x, &fb[nfb++], fpd, DNNL_ARG_SRC_ITER_C, &m_iter, p.c0, 1);
    bind(x, &fb[nfb++], fpd, DNNL_ARG_WEIGHTS_LAYER, &m_wl, wl, 1);
    bind(x, &fb[nfb++], fpd, DNNL_ARG_WEIGHTS_ITER, &m_wi, wi, 1);
    bind(x, &fb[nfb++], fpd, DNNL_ARG_BIAS, &m_b, bias, 1);
    int first_out = nfb;
    bind(x, &fb[nfb++], fpd, DNNL_ARG_DST_LAYER, &m_dst, dn_out, 0);
    bind(x, &fb[nfb++], fpd, DNNL_ARG_DST_ITER, &m_iter, dn_hn, 0);
    if (lstm)
        bind(x, &fb[nfb++], fpd, DNNL_ARG_DST_ITER_C, &m_iter, dn_cn, 0);
    if (x->failed)
        goto fail;
    {
        dnnl_exec_arg_t a[16];
        int na = 0;
        for (int i = 0; i < nfb; i++)
            a[na++] = (dnnl_exec_arg_t){fb[i].arg, mem_of(&fb[i])};
        if (wsmem)
            a[na++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, wsmem};
        DN(dnnl_primitive_execute(fp, x->st, na, a));
        DN(dnnl_stream_wait(x->st));
    }
    for (int i = first_out; i < nfb; i++)
        unbind(x, &fb[i], 1);
    if (x->failed)
        goto fail;
    {
        double tf = rnn_tolerance(RNN_TOL_FORWARD, I + H, T);
        compare(r, 0, "dst_layer", dn_out, ref_out, TBH, tf);
        compare(r, 0, "dst_iter", dn_hn, ref_hn, BH, tf);
        if (lstm)
            compare(r, 0, "dst_iter_c", dn_cn, ref_cn, BH, tf);
    }

    /* Backward: everything in plain layouts except the weights, which
     * oneDNN may want in its own (reordered by bind). */
    switch (cell) {
    case RNN_TANH:
        ds = dnnl_vanilla_rnn_backward_desc_init(&bd, dnnl_backward, dnnl_eltwise_tanh, dir, &m_src,
                                                 &m_iter, &a_wl, &a_wi, &m_b, &m_dst, &m_iter,
                                                 &m_src, &m_iter, &a_wl, &a_wi, &m_b, &m_dst,
                                                 &m_iter, 0, 0, 0);
        break;
    case RNN_LSTM:
        ds = dnnl_lstm_backward_desc_init(&bd, dnnl_backward, dir, &m_src, &m_iter, ic, &a_wl,
                                          &a_wi, &m_b, &m_dst, &m_iter, ic, &m_src, &m_iter, ic,
                                          &a_wl, &a_wi, &m_b, &m_dst, &m_iter, ic, 0);
        break;
    case RNN_GRU:
        ds = dnnl_gru_backward_desc_init(&bd, dnnl_backward, dir, &m_src, &m_iter, &a_wl, &a_wi,
                                         &m_b, &m_dst, &m_iter, &m_src, &m_iter, &a_wl, &a_wi,
                                         &m_b, &m_dst, &m_iter, 0);
        break;
    default:
        ds = dnnl_lbr_gru_backward_desc_init(&bd, dnnl_backward, dir, &m_src, &m_iter, &a_wl,
                                             &a_wi, &m_b, &m_dst, &m_iter, &m_src, &m_iter,
                                             &a_wl, &a_wi, &m_b, &m_dst, &m_iter, 0);
        break;
    }
    if (ds != dnnl_success || dnnl_primitive_desc_create(&bpd, &bd, NULL, x->eng, fpd) != dnnl_success ||
        dnnl_primitive_create(&bp, bpd) != dnnl_success) {
        snprintf(r->error, sizeof r->error, "oneDNN refused the backward primitive");
        goto done;
    }
    bind(x, &bb[nbb++], bpd, DNNL_ARG_SRC_LAYER, &m_src, p.x, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_SRC_ITER, &m_iter, p.h0, 1);
    if (lstm)
        bind(x, &bb[nbb++], bpd, DNNL_ARG_SRC_ITER_C, &m_iter, p.c0, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_WEIGHTS_LAYER, &m_wl, wl, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_WEIGHTS_ITER, &m_wi, wi, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_BIAS, &m_b, bias, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DST_LAYER, &m_dst, dn_out, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DST_ITER, &m_iter, dn_hn, 1);
    if (lstm)
        bind(x, &bb[nbb++], bpd, DNNL_ARG_DST_ITER_C, &m_iter, dn_cn, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_DST_LAYER, &m_dst, gout, 1);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_DST_ITER, &m_iter, ghn, 1);
    if (lstm)
        bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_DST_ITER_C, &m_iter, gcn, 1);
    first_out = nbb;
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_SRC_LAYER, &m_src, dn_gx, 0);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_SRC_ITER, &m_iter, dn_gh0, 0);
    if (lstm)
        bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_SRC_ITER_C, &m_iter, dn_gc0, 0);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_WEIGHTS_LAYER, &m_wl, dn_gwl, 0);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_WEIGHTS_ITER, &m_wi, dn_gwi, 0);
    bind(x, &bb[nbb++], bpd, DNNL_ARG_DIFF_BIAS, &m_b, dn_gb, 0);
    if (x->failed)
        goto fail;
    {
        dnnl_exec_arg_t a[24];
        int na = 0;
        for (int i = 0; i < nbb; i++)
            a[na++] = (dnnl_exec_arg_t){bb[i].arg, mem_of(&bb[i])};
        if (wsmem)
            a[na++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, wsmem};
        DN(dnnl_primitive_execute(bp, x->st, na, a));
        DN(dnnl_stream_wait(x->st));
    }
    for (int i = first_out; i < nbb; i++)
        unbind(x, &bb[i], 1);
    if (x->failed)
        goto fail;
    {
        double tb = rnn_tolerance(RNN_TOL_GRADIENT, I + H, T);
        rnn_onednn_weights_from(cell, H, I, dn_gwl, conv_gwih);
        rnn_onednn_weights_from(cell, H, H, dn_gwi, conv_gwhh);
        rnn_onednn_bias_grad_from(cell, H, dn_gb, conv_gbih, conv_gbhh);
        compare(r, 1, "diff_src_layer", dn_gx, ref_gx, TBI, tb);
        compare(r, 1, "diff_src_iter", dn_gh0, ref_gh0, BH, tb);
        if (lstm)
            compare(r, 1, "diff_src_iter_c", dn_gc0, ref_gc0, BH, tb);
        compare(r, 1, "diff_weights_layer", conv_gwih, ref_gwih, GHI, tb);
        compare(r, 1, "diff_weights_iter", conv_gwhh, ref_gwhh, GHH, tb);
        compare(r, 1, "diff_bias (as b_ih)", conv_gbih, ref_gbih, (size_t)G * H, tb);
        compare(r, 1, "diff_bias (as b_hh)", conv_gbhh, ref_gbhh, (size_t)G * H, tb);
    }
    r->ran = 1;
    goto done;
fail:
    snprintf(r->error, sizeof r->error, "oneDNN call failed: %s", x->failed);
    r->passed = 0;
done:
    for (int i = 0; i < nfb; i++)
        unbind(x, &fb[i], 0);
    for (int i = 0; i < nbb; i++)
        unbind(x, &bb[i], 0);
    if (wsmem)
        dnnl_memory_destroy(wsmem);
    if (fp)
        dnnl_primitive_destroy(fp);
    if (bp)
        dnnl_primitive_destroy(bp);
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    if (bpd)
        dnnl_primitive_desc_destroy(bpd);
    float *bufs[] = {gout, ghn, gcn, ref_out, ref_hn, ref_cn, dn_out, dn_hn, dn_cn, wl, wi, bias,
                     ref_gx, ref_gh0, ref_gc0, ref_gwih, ref_gwhh, ref_gbih, ref_gbhh, dn_gx,
                     dn_gh0, dn_gc0, dn_gwl, dn_gwi, dn_gb, conv_gwih, conv_gwhh, conv_gbih,
                     conv_gbhh};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    conf_problem_free(&p);
    x->failed = NULL;
}

int conf_onednn_run(conf_onednn_result *res, int max)
{
    ctx c = {NULL, NULL, NULL}, *x = &c;
    int n = 0;
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    DN(dnnl_engine_create(&c.eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&c.st, c.eng, dnnl_stream_default_flags));
    for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
        for (int s = 0; s < nshapes && n < max; s++) {
            conf_onednn_result *r = &res[n++];
            memset(r, 0, sizeof *r);
            r->cell = (rnn_cell)cell;
            r->T = shapes[s][0];
            r->B = shapes[s][1];
            r->I = shapes[s][2];
            r->H = shapes[s][3];
            r->passed = 1;
            r->worst_fwd = r->worst_bwd = "-";
            if (c.failed) {
                snprintf(r->error, sizeof r->error, "oneDNN unavailable: %s", c.failed);
                r->passed = 0;
                continue;
            }
            run_one(x, r);
            if (!r->ran)
                r->passed = 0;
        }
    if (c.st)
        dnnl_stream_destroy(c.st);
    if (c.eng)
        dnnl_engine_destroy(c.eng);
    return n;
}
