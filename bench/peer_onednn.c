/* peer_onednn.c — oneDNN 2.6's RNN primitives as a peer, at their best:
 * weights either in oneDNN's own format (`any`, reordered once at setup) or
 * plain ldigo, whichever a pilot run at T <= 16 finds faster for the cell,
 * mode, sizes and threads (the choice is cached and named in the row's label).
 * Single-threaded, unless the row says threads:N: setup then sets oneDNN's
 * OpenMP to N threads before it creates the primitives (oneDNN sizes its
 * work split when a primitive is created) and back to 1 for 1-thread rows.
 *
 * The same work as our rows: one primitive per cell run (encoder and decoder
 * for seq2seq, the decoder starting from the encoder's dst_iter), one2many's
 * later steps fed zero inputs, and the head as an inner product plus oneDNN's
 * softmax, with the cross-entropy and its gradient (p - onehot)/N in scalar C.
 * Training is forward_training, then the inner product's backward (data and
 * weights) and the RNN backward, decoder first. oneDNN accumulates into its
 * diff weights, so each iteration zeroes them first, as a framework must.
 *
 * Weight conversion from PyTorch's layout (gates of G*H rows) to ldigo:
 * lstm i,f,g,o and rnn_tanh map one to one with b = b_ih + b_hh. gru (Cho
 * et al. 2014, reset before the product) is oneDNN's vanilla GRU with update
 * gate u = 1 - z: gates u,r,o take the z rows negated, r, n;
 * b_o = b_in + b_hn (gru adds b_hn outside r*(.)).
 * lbr_gru: u = z, r, o = n, and four biases b_z, b_r, b_in, b_hn. For
 * --check the results go back the same way (diff weights reordered to plain
 * ldigo, then to PyTorch's rows; the combined bias gradient is both b_ih's
 * and b_hh's where the biases were added). */
#include <dlfcn.h>
#include <dnnl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "impl.h"
#include "clock.h"
#include "onednn_layout.h"

static dnnl_engine_t g_eng;
static dnnl_stream_t g_strm;
/* libgomp's, looked up at run time: the bench does not link OpenMP itself. */
static void (*g_omp_set_threads)(int);
static int (*g_omp_max_threads)(void);

static void omp_lookup(void)
{
    if (!g_omp_set_threads)
        g_omp_set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!g_omp_max_threads)
        g_omp_max_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
}

/* The OpenMP threads oneDNN will use from now on; -1 if OpenMP is not there. */
static int omp_threads(int n)
{
    omp_lookup();
    if (g_omp_set_threads)
        g_omp_set_threads(n);
    return g_omp_max_threads ? g_omp_max_threads() : -1;
}

enum { MAX_MEM = 96, MAX_PRIM = 24, MAX_BUF = 48 };

typedef struct {
    dnnl_primitive_t prim;
    dnnl_exec_arg_t args[24];
    int nargs;
} step;

/* What run writes, per cell run: the states (dst_*), the gradients on the
 * inputs (diff_src_*: host buffers) and on the weights (oneDNN memories,
 * maybe in a blocked format). */
typedef struct {
    size_t S;
    float *h, *h_T, *c_T, *dx, *dh0, *dc0;
    dnnl_memory_t dwl, dwi, db;
} seg_out;

typedef struct {
    const bench_data *dt;
    int train, headed, plain;
    rnn_cell cell;
    step fwd[2], bwd[2];  /* per cell run: [0] encoder (or the cell), [1] decoder */
    int nseg;
    step ip_fwd, softmax, ip_bwd_data, ip_bwd_weights;
    float *probs, *dlogits; /* rows x V */
    size_t rows, V;
    float loss;
    dnnl_memory_t zero_mem[8]; /* diff weights to zero each iteration */
    int nzero;
    seg_out out[2];
    dnnl_memory_t dW_hy, db_y;
    char impl_info[96];
    /* ownership */
    dnnl_memory_t mem[MAX_MEM];
    dnnl_primitive_t prims[MAX_PRIM];
    void *bufs[MAX_BUF];
    int nmem, nprims, nbufs, oom;
    dnnl_status_t fail_status;
    const char *fail_what;
} dctx;

#define TRY(what, call)                                                         \
    do {                                                                        \
        dnnl_status_t s_ = (call);                                              \
        if (s_ != dnnl_success) {                                               \
            c->fail_status = s_;                                                \
            c->fail_what = (what);                                              \
            return -1;                                                          \
        }                                                                       \
    } while (0)

static float *hbuf(dctx *c, size_t n)
{
    float *p = NULL;
    if (c->nbufs < MAX_BUF && (p = calloc(n ? n : 1, sizeof *p)))
        c->bufs[c->nbufs++] = p;
    else
        c->oom = 1;
    return p;
}

static dnnl_memory_desc_t md_of(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, nd, dims, dnnl_f32, tag);
    return md;
}

/* A memory wrapping a host pointer (NULL: oneDNN allocates). */
static dnnl_memory_t wrap(dctx *c, const dnnl_memory_desc_t *md, const void *ptr)
{
    dnnl_memory_t m = NULL;
    if (c->nmem >= MAX_MEM ||
        dnnl_memory_create(&m, md, g_eng, ptr ? (void *)ptr : DNNL_MEMORY_ALLOCATE) !=
            dnnl_success)
        return NULL;
    c->mem[c->nmem++] = m;
    return m;
}

static int keep_prim(dctx *c, dnnl_primitive_t p)
{
    if (c->nprims >= MAX_PRIM) {
        dnnl_primitive_destroy(p);
        return -1;
    }
    c->prims[c->nprims++] = p;
    return 0;
}

/* The memory a primitive wants for a weight: the plain data itself when the
 * format matches, otherwise a reordered copy made here, outside timing. */
static int weights_for(dctx *c, const_dnnl_primitive_desc_t pd, dnnl_query_t q, int idx,
                       const dnnl_memory_desc_t *plain_md, const float *plain, dnnl_memory_t *out)
{
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, q, idx);
    if (!want)
        return c->fail_what = "weights query", -1;
    dnnl_memory_t src = wrap(c, plain_md, plain);
    if (!src)
        return c->fail_what = "weights memory", -1;
    if (dnnl_memory_desc_equal(want, plain_md)) {
        *out = src;
        return 0;
    }
    dnnl_memory_t dst = wrap(c, want, NULL);
    if (!dst)
        return c->fail_what = "weights memory", -1;
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t r;
    TRY("reorder", dnnl_reorder_primitive_desc_create(&rpd, plain_md, g_eng, want, g_eng, NULL));
    dnnl_status_t st = dnnl_primitive_create(&r, rpd);
    dnnl_primitive_desc_destroy(rpd);
    TRY("reorder", st);
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    st = dnnl_primitive_execute(r, g_strm, 2, a);
    if (st == dnnl_success)
        st = dnnl_stream_wait(g_strm);
    dnnl_primitive_destroy(r);
    TRY("reorder", st);
    *out = dst;
    return 0;
}

static void arg(step *s, int what, dnnl_memory_t m)
{
    s->args[s->nargs++] = (dnnl_exec_arg_t){what, m};
}

typedef struct {
    const dnnl_memory_desc_t *sl, *si, *sic, *wl, *wi, *b, *dl, *di, *dic;
} rnn_mds;

static dnnl_status_t fwd_desc(dnnl_rnn_desc_t *rd, rnn_cell cell, dnnl_prop_kind_t prop,
                              const rnn_mds *m)
{
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
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

static dnnl_status_t bwd_desc(dnnl_rnn_desc_t *rd, rnn_cell cell, const rnn_mds *m,
                              const rnn_mds *d)
{
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
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

/* Host buffers of one cell run (all plain: tnc, ldnc). */
typedef struct {
    size_t S;
    const float *src_layer;
    float *src_iter, *src_iter_c, *dst_layer, *dst_iter, *dst_iter_c;
    const float *diff_dst_layer;
    float *diff_dst_iter, *diff_dst_iter_c, *diff_src_layer, *diff_src_iter, *diff_src_iter_c;
    const bench_cell_data *w;
} seg_io;

static int build_seg(dctx *c, int k, const seg_io *io)
{
    const bench_problem *p = &c->dt->p;
    const rnn_cell cell = p->cell;
    const int lstm = cell == RNN_LSTM;
    const dnnl_dim_t S = (dnnl_dim_t)io->S, B = p->B, I = p->I, H = p->H;
    const dnnl_dim_t G = rnn_cell_gates(cell), Gb = cell == RNN_LBR_GRU ? 4 : G;
    dnnl_dims_t d_sl = {S, B, I}, d_st = {1, 1, B, H}, d_wl = {1, 1, I, G, H},
                d_wi = {1, 1, H, G, H}, d_b = {1, 1, Gb, H}, d_dl = {S, B, H};
    dnnl_memory_desc_t sl = md_of(3, d_sl, dnnl_tnc), st = md_of(4, d_st, dnnl_ldnc),
                       dl = md_of(3, d_dl, dnnl_tnc), b = md_of(4, d_b, dnnl_ldgo);
    dnnl_memory_desc_t wl_plain = md_of(5, d_wl, dnnl_ldigo), wi_plain = md_of(5, d_wi, dnnl_ldigo);
    dnnl_memory_desc_t wl_any = md_of(5, d_wl, dnnl_format_tag_any),
                       wi_any = md_of(5, d_wi, dnnl_format_tag_any);
    const dnnl_memory_desc_t *wl = c->plain ? &wl_plain : &wl_any,
                             *wi = c->plain ? &wi_plain : &wi_any;
    rnn_mds m = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};

    float *wl_h = hbuf(c, (size_t)(I * G * H)), *wi_h = hbuf(c, (size_t)(H * G * H)),
          *b_h = hbuf(c, (size_t)(Gb * H));
    if (!wl_h || !wi_h || !b_h)
        return c->fail_what = "out of memory", -1;
    rnn_onednn_weights_to(cell, (int)H, (int)I, io->w->weight_ih, wl_h);
    rnn_onednn_weights_to(cell, (int)H, (int)H, io->w->weight_hh, wi_h);
    rnn_onednn_bias_to(cell, (int)H, io->w->bias_ih, io->w->bias_hh, b_h);

    dnnl_rnn_desc_t rd;
    dnnl_primitive_desc_t fpd;
    TRY("rnn forward desc", fwd_desc(&rd, cell, c->train ? dnnl_forward_training
                                                         : dnnl_forward_inference, &m));
    TRY("rnn forward primitive desc", dnnl_primitive_desc_create(&fpd, &rd, NULL, g_eng, NULL));
    const char *info = NULL;
    if (k == 0 && dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0, &info) ==
                      dnnl_success && info)
        snprintf(c->impl_info, sizeof c->impl_info, "%s", info);
    step *f = &c->fwd[k];
    dnnl_memory_t mwl = NULL, mwi = NULL, ws = NULL;
    int bad = weights_for(c, fpd, dnnl_query_weights_md, 0, &wl_plain, wl_h, &mwl) ||
              weights_for(c, fpd, dnnl_query_weights_md, 1, &wi_plain, wi_h, &mwi);
    const dnnl_memory_desc_t *wsmd = dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0);
    if (!bad && c->train && wsmd && dnnl_memory_desc_get_size(wsmd) > 0)
        bad = !(ws = wrap(c, wsmd, NULL));
    dnnl_primitive_t prim = NULL;
    if (!bad && dnnl_primitive_create(&prim, fpd) != dnnl_success)
        bad = 1, c->fail_what = "rnn forward primitive";
    if (bad || keep_prim(c, prim)) {
        dnnl_primitive_desc_destroy(fpd);
        return -1;
    }
    f->prim = prim;
    dnnl_memory_t msl = wrap(c, &sl, io->src_layer), msi = wrap(c, &st, io->src_iter),
                  mb = wrap(c, &b, b_h), mdl = wrap(c, &dl, io->dst_layer),
                  mdi = wrap(c, &st, io->dst_iter);
    dnnl_memory_t msic = lstm ? wrap(c, &st, io->src_iter_c) : NULL,
                  mdic = lstm ? wrap(c, &st, io->dst_iter_c) : NULL;
    arg(f, DNNL_ARG_SRC_LAYER, msl);
    arg(f, DNNL_ARG_SRC_ITER, msi);
    arg(f, DNNL_ARG_WEIGHTS_LAYER, mwl);
    arg(f, DNNL_ARG_WEIGHTS_ITER, mwi);
    arg(f, DNNL_ARG_BIAS, mb);
    arg(f, DNNL_ARG_DST_LAYER, mdl);
    arg(f, DNNL_ARG_DST_ITER, mdi);
    if (lstm) {
        arg(f, DNNL_ARG_SRC_ITER_C, msic);
        arg(f, DNNL_ARG_DST_ITER_C, mdic);
    }
    if (ws)
        arg(f, DNNL_ARG_WORKSPACE, ws);
    for (int i = 0; i < f->nargs; i++)
        if (!f->args[i].memory) {
            dnnl_primitive_desc_destroy(fpd);
            return c->fail_what = "rnn forward memory", -1;
        }
    if (!c->train) {
        dnnl_primitive_desc_destroy(fpd);
        return 0;
    }

    /* Backward: its own weight formats (`any` may pick others than forward). */
    rnn_mds dm = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};
    dnnl_primitive_desc_t bpd;
    dnnl_status_t s1 = bwd_desc(&rd, cell, &m, &dm);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&bpd, &rd, NULL, g_eng, fpd);
    dnnl_primitive_desc_destroy(fpd);
    TRY("rnn backward primitive desc", s1);
    step *bw = &c->bwd[k];
    dnnl_memory_t bwl = NULL, bwi = NULL;
    bad = weights_for(c, bpd, dnnl_query_weights_md, 0, &wl_plain, wl_h, &bwl) ||
          weights_for(c, bpd, dnnl_query_weights_md, 1, &wi_plain, wi_h, &bwi);
    dnnl_memory_t dwl = NULL, dwi = NULL, db = NULL;
    if (!bad) {
        dwl = wrap(c, dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_weights_md, 0), NULL);
        dwi = wrap(c, dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_weights_md, 1), NULL);
        db = wrap(c, &b, NULL);
        bad = !dwl || !dwi || !db;
    }
    if (!bad && dnnl_primitive_create(&prim, bpd) != dnnl_success)
        bad = 1, c->fail_what = "rnn backward primitive";
    dnnl_primitive_desc_destroy(bpd);
    if (bad || keep_prim(c, prim))
        return -1;
    bw->prim = prim;
    c->out[k].dwl = dwl, c->out[k].dwi = dwi, c->out[k].db = db;
    c->zero_mem[c->nzero++] = dwl;
    c->zero_mem[c->nzero++] = dwi;
    c->zero_mem[c->nzero++] = db;
    arg(bw, DNNL_ARG_SRC_LAYER, msl);
    arg(bw, DNNL_ARG_SRC_ITER, msi);
    arg(bw, DNNL_ARG_WEIGHTS_LAYER, bwl);
    arg(bw, DNNL_ARG_WEIGHTS_ITER, bwi);
    arg(bw, DNNL_ARG_BIAS, mb);
    arg(bw, DNNL_ARG_DST_LAYER, mdl);
    arg(bw, DNNL_ARG_DST_ITER, mdi);
    arg(bw, DNNL_ARG_WORKSPACE, ws);
    arg(bw, DNNL_ARG_DIFF_SRC_LAYER, wrap(c, &sl, io->diff_src_layer));
    arg(bw, DNNL_ARG_DIFF_SRC_ITER, wrap(c, &st, io->diff_src_iter));
    arg(bw, DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl);
    arg(bw, DNNL_ARG_DIFF_WEIGHTS_ITER, dwi);
    arg(bw, DNNL_ARG_DIFF_BIAS, db);
    arg(bw, DNNL_ARG_DIFF_DST_LAYER, wrap(c, &dl, io->diff_dst_layer));
    arg(bw, DNNL_ARG_DIFF_DST_ITER, wrap(c, &st, io->diff_dst_iter));
    if (lstm) {
        arg(bw, DNNL_ARG_SRC_ITER_C, msic);
        arg(bw, DNNL_ARG_DST_ITER_C, mdic);
        arg(bw, DNNL_ARG_DIFF_SRC_ITER_C, wrap(c, &st, io->diff_src_iter_c));
        arg(bw, DNNL_ARG_DIFF_DST_ITER_C, wrap(c, &st, io->diff_dst_iter_c));
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
    const dnnl_dim_t N = (dnnl_dim_t)c->rows, H = dt->p.H, V = (dnnl_dim_t)c->V;
    dnnl_dims_t d_src = {N, H}, d_w = {V, H}, d_b = {V}, d_dst = {N, V};
    dnnl_memory_desc_t src = md_of(2, d_src, dnnl_nc), w_plain = md_of(2, d_w, dnnl_oi),
                       w_any = md_of(2, d_w, dnnl_format_tag_any), bias = md_of(1, d_b, dnnl_x),
                       dst = md_of(2, d_dst, dnnl_nc);
    const dnnl_prop_kind_t prop = c->train ? dnnl_forward_training : dnnl_forward_inference;
    float *logits = hbuf(c, c->rows * c->V);
    c->probs = hbuf(c, c->rows * c->V);
    if (!logits || !c->probs)
        return c->fail_what = "out of memory", -1;

    dnnl_inner_product_desc_t ipd;
    dnnl_primitive_desc_t fpd;
    dnnl_primitive_t prim;
    TRY("inner product desc", dnnl_inner_product_forward_desc_init(&ipd, prop, &src, &w_any,
                                                                     &bias, &dst));
    TRY("inner product primitive desc", dnnl_primitive_desc_create(&fpd, &ipd, NULL, g_eng, NULL));
    dnnl_memory_t mw = NULL;
    int bad = weights_for(c, fpd, dnnl_query_weights_md, 0, &w_plain, dt->W_hy, &mw);
    if (!bad && (dnnl_primitive_create(&prim, fpd) != dnnl_success || keep_prim(c, prim)))
        bad = 1, c->fail_what = "inner product primitive";
    if (bad) {
        dnnl_primitive_desc_destroy(fpd);
        return -1;
    }
    dnnl_memory_t msrc = wrap(c, &src, hsc), mlog = wrap(c, &dst, logits);
    c->ip_fwd.prim = prim;
    arg(&c->ip_fwd, DNNL_ARG_SRC, msrc);
    arg(&c->ip_fwd, DNNL_ARG_WEIGHTS, mw);
    arg(&c->ip_fwd, DNNL_ARG_BIAS, wrap(c, &bias, dt->b_y));
    arg(&c->ip_fwd, DNNL_ARG_DST, mlog);

    dnnl_softmax_desc_t sd;
    dnnl_primitive_desc_t spd;
    dnnl_status_t s1 = dnnl_softmax_forward_desc_init(&sd, prop, &dst, 1);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&spd, &sd, NULL, g_eng, NULL);
    if (s1 == dnnl_success) {
        s1 = dnnl_primitive_create(&prim, spd);
        dnnl_primitive_desc_destroy(spd);
    }
    if (s1 != dnnl_success || keep_prim(c, prim)) {
        dnnl_primitive_desc_destroy(fpd);
        return c->fail_what = "softmax", -1;
    }
    c->softmax.prim = prim;
    arg(&c->softmax, DNNL_ARG_SRC, mlog);
    arg(&c->softmax, DNNL_ARG_DST, wrap(c, &dst, c->probs));
    if (!c->train) {
        dnnl_primitive_desc_destroy(fpd);
        return 0;
    }

    c->dlogits = hbuf(c, c->rows * c->V);
    dnnl_memory_t mdlog = c->dlogits ? wrap(c, &dst, c->dlogits) : NULL;
    dnnl_primitive_desc_t dpd = NULL, wpd = NULL;
    s1 = dnnl_inner_product_backward_data_desc_init(&ipd, &src, &w_any, &dst);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&dpd, &ipd, NULL, g_eng, fpd);
    if (s1 == dnnl_success)
        s1 = dnnl_inner_product_backward_weights_desc_init(&ipd, &src, &w_any, &bias, &dst);
    if (s1 == dnnl_success)
        s1 = dnnl_primitive_desc_create(&wpd, &ipd, NULL, g_eng, fpd);
    dnnl_primitive_desc_destroy(fpd);
    bad = s1 != dnnl_success || !mdlog;
    dnnl_memory_t bw_w = NULL;
    if (!bad)
        bad = weights_for(c, dpd, dnnl_query_weights_md, 0, &w_plain, dt->W_hy, &bw_w);
    if (!bad && (dnnl_primitive_create(&prim, dpd) != dnnl_success || keep_prim(c, prim)))
        bad = 1;
    if (!bad) {
        c->ip_bwd_data.prim = prim;
        arg(&c->ip_bwd_data, DNNL_ARG_DIFF_DST, mdlog);
        arg(&c->ip_bwd_data, DNNL_ARG_WEIGHTS, bw_w);
        arg(&c->ip_bwd_data, DNNL_ARG_DIFF_SRC, wrap(c, &src, dhsc));
    }
    if (!bad && (dnnl_primitive_create(&prim, wpd) != dnnl_success || keep_prim(c, prim)))
        bad = 1;
    if (!bad) {
        c->ip_bwd_weights.prim = prim;
        arg(&c->ip_bwd_weights, DNNL_ARG_SRC, msrc);
        arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_DST, mdlog);
        c->dW_hy = wrap(c, dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_weights_md, 0), NULL);
        c->db_y = wrap(c, &bias, NULL);
        arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_WEIGHTS, c->dW_hy);
        arg(&c->ip_bwd_weights, DNNL_ARG_DIFF_BIAS, c->db_y);
    }
    if (dpd)
        dnnl_primitive_desc_destroy(dpd);
    if (wpd)
        dnnl_primitive_desc_destroy(wpd);
    return bad ? (c->fail_what = c->fail_what ? c->fail_what : "inner product backward", -1) : 0;
}

static void d_teardown(void *vctx)
{
    dctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nprims; i++)
        dnnl_primitive_destroy(c->prims[i]);
    for (int i = 0; i < c->nmem; i++)
        dnnl_memory_destroy(c->mem[i]);
    for (int i = 0; i < c->nbufs; i++)
        free(c->bufs[i]);
    free(c);
}

static int engine_init(void)
{
    if (g_eng)
        return 0;
    if (dnnl_engine_create(&g_eng, dnnl_cpu, 0) != dnnl_success)
        return -1;
    if (dnnl_stream_create(&g_strm, g_eng, dnnl_stream_default_flags) != dnnl_success)
        return -1;
    return 0;
}

static int build(dctx *c)
{
    const bench_data *dt = c->dt;
    const bench_problem *p = &dt->p;
    const size_t T = (size_t)p->T, B = (size_t)p->B, I = (size_t)p->I, H = (size_t)p->H,
                 BH = B * H;
    const int lstm = p->cell == RNN_LSTM, s2s = p->topology == RNN_SEQ2SEQ && c->headed;
    seg_io e = {.S = T, .w = &dt->cell};
    seg_io d = {.S = (size_t)p->T_out, .w = &dt->decoder};
    /* Encoder (or the only cell). */
    if (p->topology == RNN_ONE2MANY) {
        float *x = hbuf(c, T * B * I); /* zero inputs after step 1 */
        if (!x)
            return c->fail_what = "out of memory", -1;
        memcpy(x, dt->x, B * I * sizeof *x);
        e.src_layer = x;
    } else {
        e.src_layer = dt->x;
    }
    e.src_iter = hbuf(c, BH);
    e.dst_layer = hbuf(c, T * BH);
    e.dst_iter = hbuf(c, BH);
    if (lstm) {
        e.src_iter_c = hbuf(c, BH);
        e.dst_iter_c = hbuf(c, BH);
    }
    if (s2s) {
        d.src_layer = dt->x_dec;
        d.src_iter = e.dst_iter, d.src_iter_c = e.dst_iter_c;
        d.dst_layer = hbuf(c, d.S * BH);
        d.dst_iter = hbuf(c, BH);
        d.dst_iter_c = lstm ? hbuf(c, BH) : NULL;
    }
    seg_io *last = s2s ? &d : &e;
    /* The scored states and where their gradient goes. */
    const float *hsc = last->dst_layer;
    size_t off = 0;
    if (c->headed && (p->topology == RNN_MANY2ONE || p->topology == RNN_ONE2ONE))
        off = (last->S - 1) * BH;
    if (c->train) {
        float *ddl = NULL;
        if (c->headed) {
            ddl = hbuf(c, last->S * BH); /* zero where no step is scored */
            last->diff_dst_layer = ddl;
        } else {
            last->diff_dst_layer = dt->grad_output;
        }
        last->diff_dst_iter = hbuf(c, BH);
        last->diff_dst_iter_c = lstm ? hbuf(c, BH) : NULL;
        e.diff_src_layer = hbuf(c, T * B * I);
        e.diff_src_iter = hbuf(c, BH);
        e.diff_src_iter_c = lstm ? hbuf(c, BH) : NULL;
        if (s2s) {
            e.diff_dst_layer = hbuf(c, T * BH);
            d.diff_src_layer = hbuf(c, d.S * B * I);
            e.diff_dst_iter = d.diff_src_iter = hbuf(c, BH);
            e.diff_dst_iter_c = d.diff_src_iter_c = lstm ? hbuf(c, BH) : NULL;
        }
        if (c->headed && !ddl)
            return c->fail_what = "out of memory", -1;
    }
    if (c->oom)
        return c->fail_what = "out of memory", -1;
    c->nseg = s2s ? 2 : 1;
    const seg_io *io[2] = {&e, &d};
    for (int k = 0; k < c->nseg; k++)
        c->out[k] = (seg_out){io[k]->S, io[k]->dst_layer, io[k]->dst_iter,
                              io[k]->dst_iter_c, io[k]->diff_src_layer, io[k]->diff_src_iter,
                              io[k]->diff_src_iter_c, c->out[k].dwl, c->out[k].dwi,
                              c->out[k].db};
    if (build_seg(c, 0, &e) || (s2s && build_seg(c, 1, &d)))
        return -1;
    if (!c->headed)
        return 0;
    return build_head(c, hsc + off, c->train ? (float *)last->diff_dst_layer + off : NULL);
}

static int exec(step *s)
{
    return s->prim && dnnl_primitive_execute(s->prim, g_strm, s->nargs, s->args) != dnnl_success
               ? -1
               : 0;
}

static int d_run(void *vctx, char *err, size_t err_n)
{
    dctx *c = vctx;
    int bad = 0;
    for (int k = 0; k < c->nseg; k++)
        bad |= exec(&c->fwd[k]);
    if (c->headed) {
        bad |= exec(&c->ip_fwd) | exec(&c->softmax);
        dnnl_stream_wait(g_strm);
        const int32_t *tg = c->dt->targets;
        const size_t V = c->V;
        const float scale = 1.0f / (float)c->rows;
        double loss = 0.0;
        for (size_t r = 0; r < c->rows; r++) {
            const float *pr = c->probs + r * V;
            loss -= log((double)pr[tg[r]]);
            if (c->train) {
                float *d = c->dlogits + r * V;
                for (size_t v = 0; v < V; v++)
                    d[v] = scale * pr[v];
                d[tg[r]] -= scale;
            }
        }
        c->loss = (float)(loss / (double)c->rows);
    }
    if (c->train) {
        for (int i = 0; i < c->nzero; i++) {
            void *h = NULL;
            dnnl_memory_get_data_handle(c->zero_mem[i], &h);
            const dnnl_memory_desc_t *md = NULL;
            dnnl_memory_get_memory_desc(c->zero_mem[i], &md);
            memset(h, 0, dnnl_memory_desc_get_size(md));
        }
        if (c->headed)
            bad |= exec(&c->ip_bwd_data) | exec(&c->ip_bwd_weights);
        for (int k = c->nseg; k-- > 0;)
            bad |= exec(&c->bwd[k]);
    }
    dnnl_stream_wait(g_strm);
    if (bad) {
        snprintf(err, err_n, "oneDNN: a primitive failed to execute");
        return -1;
    }
    return 0;
}

static dctx *d_create(const bench_data *dt, int plain, char *err, size_t err_n)
{
    dctx *c = calloc(1, sizeof *c);
    if (!c || engine_init()) {
        snprintf(err, err_n, "oneDNN: %s", c ? "no CPU engine" : "out of memory");
        free(c);
        return NULL;
    }
    c->dt = dt;
    c->plain = plain;
    c->cell = dt->p.cell;
    c->train = dt->p.mode == BENCH_TRAIN;
    c->headed = dt->p.variant == BENCH_HEADED;
    c->rows = c->headed ? dt->s.targets : 0;
    c->V = (size_t)dt->d.V;
    if (build(c)) {
        snprintf(err, err_n, "oneDNN %s weights: %s failed (status %d)", plain ? "ldigo" : "any",
                 c->fail_what ? c->fail_what : "setup", (int)c->fail_status);
        d_teardown(c);
        return NULL;
    }
    return c;
}

/* Best of a few runs after a warm-up: enough to rank two formats. */
static double pilot_time(dctx *c)
{
    char e[64];
    double best = 1e30;
    if (d_run(c, e, sizeof e))
        return best;
    for (int i = 0; i < 3; i++) {
        double t0 = rnn_seconds_now();
        if (d_run(c, e, sizeof e))
            return 1e30;
        double t = rnn_seconds_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* The format decision per (cell, mode, B, I, H), from a pilot at T <= 16. */
typedef struct {
    rnn_cell cell;
    bench_mode mode;
    int64_t B, I, H;
    int threads;
    int plain;
    double t_any, t_plain;
} fmt_choice;
static fmt_choice g_choices[256];
static int g_nchoices;

static const fmt_choice *choose_format(const bench_data *dt)
{
    const bench_problem *p = &dt->p;
    for (int i = 0; i < g_nchoices; i++) {
        const fmt_choice *f = &g_choices[i];
        if (f->cell == p->cell && f->mode == p->mode && f->B == p->B && f->I == p->I &&
            f->H == p->H && f->threads == bench_problem_threads(p))
            return f;
    }
    bench_problem q = *p;
    q.topology = RNN_MANY2MANY;
    q.variant = BENCH_SEQ;
    q.T = p->T < 16 ? p->T : 16;
    q.T_out = 0;
    bench_data pd;
    if (bench_data_create(&pd, &q))
        return NULL;
    char e[256];
    fmt_choice f = {p->cell, p->mode, p->B, p->I, p->H, bench_problem_threads(p), 1, 1e30, 1e30};
    for (int plain = 0; plain < 2; plain++) {
        dctx *c = d_create(&pd, plain, e, sizeof e);
        if (!c)
            continue;
        double t = pilot_time(c);
        *(plain ? &f.t_plain : &f.t_any) = t;
        d_teardown(c);
    }
    bench_data_free(&pd);
    f.plain = f.t_plain <= f.t_any;
    if (g_nchoices < (int)(sizeof g_choices / sizeof g_choices[0]))
        g_choices[g_nchoices++] = f;
    return g_nchoices ? &g_choices[g_nchoices - 1] : NULL;
}

static int g_force_plain = -1;

void bench_onednn_force_format(int plain)
{
    g_force_plain = plain < 0 ? -1 : plain != 0;
}

static void *d_setup(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                     char *err, size_t err_n)
{
    (void)impl;
    if (dt->p.variant == BENCH_SEQ_NOPROJ) {
        snprintf(err, err_n, "oneDNN's RNN primitive always projects its input");
        return NULL;
    }
    if (engine_init()) {
        snprintf(err, err_n, "oneDNN: no CPU engine");
        return NULL;
    }
    const int want = bench_problem_threads(&dt->p);
    const int got = omp_threads(want);
    if (got != want && (want > 1 || got > 1)) {
        snprintf(err, err_n, "oneDNN: asked OpenMP for %d thread%s, it has %d", want,
                 want > 1 ? "s" : "", got);
        return NULL;
    }
    const fmt_choice *f = g_force_plain < 0 ? choose_format(dt) : NULL;
    int plain = f ? f->plain : g_force_plain < 0 ? 1 : g_force_plain;
    dctx *c = d_create(dt, plain, err, err_n);
    if (!c && f) /* the pilot's loser may still build where the winner cannot */
        c = d_create(dt, !plain, err, err_n), plain = !plain;
    if (!c)
        return NULL;
    const dnnl_version_t *v = dnnl_version();
    char thr[32] = "";
    if (want > 1)
        snprintf(thr, sizeof thr, ", %d OpenMP threads", got);
    if (f && f->t_any < 1e29 && f->t_plain < 1e29)
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, weights %s (pilot T<=16: any %.3g ms, ldigo %.3g ms)",
                 v->major, v->minor, v->patch, c->impl_info, thr, plain ? "ldigo" : "any",
                 f->t_any * 1e3, f->t_plain * 1e3);
    else
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, weights %s", v->major, v->minor, v->patch,
                 c->impl_info, thr, plain ? "ldigo" : "any");
    return c;
}

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

static int d_outputs(void *vctx, bench_output *out, int max)
{
    dctx *c = vctx;
    const bench_data *dt = c->dt;
    const size_t BH = (size_t)(dt->p.B * dt->p.H);
    int n = 0;
    if (c->headed)
        n = put(out, n, max, "loss", &c->loss, 1);
    if (!c->headed && !c->train) {
        n = put(out, n, max, "h", c->out[0].h, c->out[0].S * BH);
        n = put(out, n, max, "h_T", c->out[0].h_T, BH);
        n = put(out, n, max, "c_T", c->out[0].c_T, BH);
    }
    if (!c->train)
        return n;
    static const char *const names[2][4] = {
        {"grad.x", "grad.weight_ih", "grad.weight_hh", "grad.bias"},
        {"grad.x_dec", "grad.dec.weight_ih", "grad.dec.weight_hh", "grad.dec.bias"}};
    for (int k = 0; k < c->nseg; k++) {
        const seg_out *o = &c->out[k];
        n = put(out, n, max, names[k][0], o->dx, o->S * (size_t)(dt->p.B * dt->p.I));
        n = put_mem(out, n, max, names[k][1], o->dwl);
        n = put_mem(out, n, max, names[k][2], o->dwi);
        n = put_mem(out, n, max, names[k][3], o->db);
    }
    n = put(out, n, max, "grad.h0", c->out[0].dh0, BH);
    n = put(out, n, max, "grad.c0", c->out[0].dc0, BH);
    n = put_mem(out, n, max, "grad.W_hy", c->dW_hy);
    return put_mem(out, n, max, "grad.b_y", c->db_y);
}

/* dst (plain layout plain_md) = the memory `from`, whatever its format. */
static int to_plain(dctx *c, dnnl_memory_t from, const dnnl_memory_desc_t *plain_md, float *dst)
{
    const dnnl_memory_desc_t *fmd = NULL;
    dnnl_memory_t to = wrap(c, plain_md, dst);
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t r;
    if (!to || dnnl_memory_get_memory_desc(from, &fmd) != dnnl_success ||
        dnnl_reorder_primitive_desc_create(&rpd, fmd, g_eng, plain_md, g_eng, NULL) !=
            dnnl_success)
        return -1;
    dnnl_status_t st = dnnl_primitive_create(&r, rpd);
    dnnl_primitive_desc_destroy(rpd);
    if (st != dnnl_success)
        return -1;
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    st = dnnl_primitive_execute(r, g_strm, 2, a);
    if (st == dnnl_success)
        st = dnnl_stream_wait(g_strm);
    dnnl_primitive_destroy(r);
    return st == dnnl_success ? 0 : -1;
}

/* The inverse of onednn_layout.h's conversion: PyTorch-layout gradients of one cell run
 * from oneDNN's (ldigo weights, ldgo bias). */
static int seg_results(dctx *c, const seg_out *o, float **w_ih, float **w_hh, float **b_ih,
                       float **b_hh)
{
    const bench_problem *p = &c->dt->p;
    const rnn_cell cell = p->cell;
    const size_t I = (size_t)p->I, H = (size_t)p->H, G = (size_t)rnn_cell_gates(cell);
    dnnl_dims_t d_wl = {1, 1, (dnnl_dim_t)I, (dnnl_dim_t)G, (dnnl_dim_t)H},
                d_wi = {1, 1, (dnnl_dim_t)H, (dnnl_dim_t)G, (dnnl_dim_t)H};
    dnnl_memory_desc_t wl_md = md_of(5, d_wl, dnnl_ldigo), wi_md = md_of(5, d_wi, dnnl_ldigo);
    float *wl = hbuf(c, I * G * H), *wi = hbuf(c, H * G * H);
    *w_ih = hbuf(c, G * H * I), *w_hh = hbuf(c, G * H * H);
    *b_ih = hbuf(c, G * H), *b_hh = hbuf(c, G * H);
    void *dbh = NULL;
    if (c->oom || to_plain(c, o->dwl, &wl_md, wl) || to_plain(c, o->dwi, &wi_md, wi) ||
        dnnl_memory_get_data_handle(o->db, &dbh) != dnnl_success)
        return -1;
    rnn_onednn_weights_from(cell, (int)H, (int)I, wl, *w_ih);
    rnn_onednn_weights_from(cell, (int)H, (int)H, wi, *w_hh);
    rnn_onednn_bias_grad_from(cell, (int)H, dbh, *b_ih, *b_hh);
    return 0;
}

static int d_results(void *vctx, bench_output *out, int max)
{
    dctx *c = vctx;
    const bench_data *dt = c->dt;
    const size_t BH = (size_t)(dt->p.B * dt->p.H);
    int n = 0;
    if (c->headed)
        n = put(out, n, max, "loss", &c->loss, 1);
    if (!c->headed && !c->train) {
        n = put(out, n, max, "h", c->out[0].h, c->out[0].S * BH);
        n = put(out, n, max, "h_T", c->out[0].h_T, BH);
        n = put(out, n, max, "c_T", c->out[0].c_T, BH);
    }
    if (!c->train)
        return n;
    static const char *const names[2][5] = {
        {"grad.x", "grad.weight_ih", "grad.weight_hh", "grad.bias_ih", "grad.bias_hh"},
        {"grad.x_dec", "grad.dec.weight_ih", "grad.dec.weight_hh", "grad.dec.bias_ih",
         "grad.dec.bias_hh"}};
    for (int k = 0; k < c->nseg; k++) {
        const seg_out *o = &c->out[k];
        float *w_ih, *w_hh, *b_ih, *b_hh;
        if (seg_results(c, o, &w_ih, &w_hh, &b_ih, &b_hh))
            return n; /* what is missing then fails the check */
        const size_t G = (size_t)dt->G, H = (size_t)dt->p.H, I = (size_t)dt->p.I;
        /* one2many feeds zeros after step 1: x's gradient is the first step's. */
        const size_t x_rows = k == 0 && dt->p.topology == RNN_ONE2MANY ? 1 : o->S;
        n = put(out, n, max, names[k][0], o->dx, x_rows * (size_t)dt->p.B * I);
        n = put(out, n, max, names[k][1], w_ih, G * H * I);
        n = put(out, n, max, names[k][2], w_hh, G * H * H);
        n = put(out, n, max, names[k][3], b_ih, G * H);
        n = put(out, n, max, names[k][4], b_hh, G * H);
    }
    n = put(out, n, max, "grad.h0", c->out[0].dh0, BH);
    n = put(out, n, max, "grad.c0", c->out[0].dc0, BH);
    if (c->dW_hy) {
        const size_t V = (size_t)dt->d.V, H = (size_t)dt->p.H;
        dnnl_dims_t d_w = {(dnnl_dim_t)V, (dnnl_dim_t)H};
        dnnl_memory_desc_t w_md = md_of(2, d_w, dnnl_oi);
        float *w = hbuf(c, V * H);
        if (w && !to_plain(c, c->dW_hy, &w_md, w))
            n = put(out, n, max, "grad.W_hy", w, V * H);
        void *bh = NULL;
        if (dnnl_memory_get_data_handle(c->db_y, &bh) == dnnl_success)
            n = put(out, n, max, "grad.b_y", bh, V);
    }
    return n;
}

const char *bench_onednn_configure(rnn_isa limit_isa)
{
    static char msg[256];
    /* libgomp read OMP_NUM_THREADS when it loaded; the re-exec in main set it
     * to 1, and this call makes sure even without the re-exec. threads:N rows
     * override it in their setup (a run-time call beats the environment). */
    const int threads = omp_threads(1);
    const char *isa = "all this CPU has";
    if (limit_isa == RNN_ISA_AVX2) {
        dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
        isa = "avx2 (dnnl_set_max_cpu_isa, matching the avx2 rows)";
    }
    const dnnl_version_t *v = dnnl_version();
    snprintf(msg, sizeof msg, "oneDNN %d.%d.%d (%s), OpenMP threads %d (threads:N rows: N, "
             "set by omp_set_num_threads in their setup), ISA: %s", v->major, v->minor, v->patch,
             v->hash, threads, isa);
    return msg;
}

const bench_impl bench_peer_onednn = {
    .name = "onednn",
    .is_peer = 1,
    .isa = RNN_ISA_AUTO,
    .setup = d_setup,
    .run = d_run,
    .teardown = d_teardown,
    .outputs = d_outputs,
    .results = d_results,
};
