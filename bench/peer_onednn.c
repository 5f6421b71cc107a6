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
 * A stack (docs/design.md §7; docs/benchmarks.md §2.1) is one primitive
 * where oneDNN's semantics are PyTorch's (one layer; or one direction with
 * I == H: weights_layer {L, D, SLC, G, H} has one SLC for all layers), else
 * one 1-layer primitive per layer, chained (layer l's dst_layer feeds layer
 * l+1; two directions: bidirectional_concat, whose own multi-layer form runs
 * each direction's stack apart instead of feeding layer l+1 both directions'
 * concatenation as PyTorch does). A seq2seq decoder over two encoder
 * directions starts from the sum of their final states, made in scalar C
 * (bridge_fwd, bridge_bwd). The row's label names the form.
 *
 * Weight conversion from PyTorch's layout (gates of G*H rows) to ldigo:
 * lstm i,f,g,o and rnn_tanh map one to one with b = b_ih + b_hh. gru (Cho
 * et al. 2014, reset before the product) is oneDNN's vanilla GRU with update
 * gate u = 1 - z: gates u,r,o take the z rows negated, r, n;
 * b_o = b_in + b_hn (gru adds b_hn outside r*(.)).
 * lbr_gru: u = z, r, o = n, and four biases b_z, b_r, b_in, b_hn. For
 * --check the results go back the same way (diff weights reordered to plain
 * ldigo, then to PyTorch's rows; the combined bias gradient is both b_ih's
 * and b_hh's where the biases were added).
 *
 * A /bf16 row (docs/benchmarks.md §2.2) runs one primitive (no stack, no
 * seq2seq: d_setup refuses those) with src_layer, src_iter, the weights,
 * dst_layer and dst_iter in bf16, the c state, the bias and every gradient
 * in f32: x and h0 are converted once at setup, dst_layer and dst_iter back
 * to f32 after every forward (timed, c->post) for the head, which stays f32.
 * The pilot picks the weight format as for f32 rows (its key has the dtype). */
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

#define BH_OF(p) ((size_t)((p)->B * (p)->H))

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

/* A stack runs as at most MAX_SEG primitives (encoder and decoder together):
 * up to PEER_MAX_LAYERS layers each, chained one per layer. */
enum { PEER_MAX_LAYERS = 8, MAX_SEG = 2 * PEER_MAX_LAYERS };
enum { MAX_MEM = 40 * MAX_SEG + 32, MAX_PRIM = 2 * MAX_SEG + 8, MAX_BUF = 12 * MAX_SEG + 32 };

typedef struct {
    dnnl_primitive_t prim;
    dnnl_exec_arg_t args[24];
    int nargs;
} step;

/* One RNN primitive: layers [l0, l0 + Lp) of network net (0: the encoder, or
 * the only network; 1: seq2seq's decoder) in D directions, SLC inputs wide,
 * S steps. Its host buffers are plain (tnc, ldnc); the state buffers point
 * into the network's (L*D) x B x H ones at layer l0. */
typedef struct {
    int net, l0, Lp, D;
    int64_t SLC;
    size_t S;
    const float *src_layer;
    float *src_iter, *src_iter_c, *dst_layer, *dst_iter, *dst_iter_c;
    const float *diff_dst_layer;
    float *diff_dst_iter, *diff_dst_iter_c, *diff_src_layer, *diff_src_iter, *diff_src_iter_c;
} seg_io;

/* A network's (L*D) x B x H state buffers, index l*D + d as PyTorch's h_n. */
typedef struct {
    int L, D;
    float *h0, *c0, *hn, *cn, *dh0, *dc0, *dhn, *dcn;
} net_states;

typedef struct {
    const bench_data *dt;
    int train, headed, plain;
    int bf16;             /* a /bf16 row: see build_seg */
    step post[MAX_SEG][2]; /* bf16: dst_layer, dst_iter back to the f32 host buffers */
    rnn_cell cell;
    seg_io seg[MAX_SEG];  /* encoder's primitives, then the decoder's */
    step fwd[MAX_SEG], bwd[MAX_SEG];
    dnnl_memory_t dwl[MAX_SEG], dwi[MAX_SEG], db[MAX_SEG]; /* diff weights, maybe blocked */
    int nseg, nenc;       /* primitives in all; the encoder's */
    net_states net[2];
    int bridge;           /* seq2seq with two encoder directions: the decoder starts
                             from their sum (docs/design.md §7), done in scalar C */
    int fault;            /* the test hook (see d_setup): feed layers l > 0 [rev, fwd] */
    step ip_fwd, softmax, ip_bwd_data, ip_bwd_weights;
    float *probs, *dlogits; /* rows x V */
    size_t rows, V, head_in;
    float loss;
    dnnl_memory_t zero_mem[3 * MAX_SEG]; /* diff weights to zero each iteration */
    int nzero;
    dnnl_memory_t dW_hy, db_y;
    char impl_info[96];
    char form[160];       /* how the stack maps onto primitives, for the label */
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

static dnnl_memory_desc_t md_dt(int nd, const dnnl_dims_t dims, dnnl_data_type_t dt,
                                 dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, nd, dims, dt, tag);
    return md;
}

static dnnl_memory_desc_t md_of(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag)
{
    return md_dt(nd, dims, dnnl_f32, tag);
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

/* A reorder from memory `from` to memory `to` as a step (run executes it
 * when `s` is given), or done once here (s NULL). */
static int reorder_step(dctx *c, dnnl_memory_t from, dnnl_memory_t to, step *s)
{
    const dnnl_memory_desc_t *fmd = NULL, *tmd = NULL;
    if (!from || !to || dnnl_memory_get_memory_desc(from, &fmd) != dnnl_success ||
        dnnl_memory_get_memory_desc(to, &tmd) != dnnl_success)
        return c->fail_what = "bf16 memory", -1;
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t r;
    TRY("bf16 reorder", dnnl_reorder_primitive_desc_create(&rpd, fmd, g_eng, tmd, g_eng, NULL));
    dnnl_status_t st = dnnl_primitive_create(&r, rpd);
    dnnl_primitive_desc_destroy(rpd);
    TRY("bf16 reorder", st);
    if (s) {
        if (keep_prim(c, r))
            return c->fail_what = "bf16 reorder", -1;
        s->prim = r;
        arg(s, DNNL_ARG_FROM, from);
        arg(s, DNNL_ARG_TO, to);
        return 0;
    }
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    st = dnnl_primitive_execute(r, g_strm, 2, a);
    if (st == dnnl_success)
        st = dnnl_stream_wait(g_strm);
    dnnl_primitive_destroy(r);
    TRY("bf16 reorder", st);
    return 0;
}

/* bf16: a oneDNN-allocated bf16 copy (md16) of the f32 host buffer at host
 * (md32), made once at setup: the row's inputs (x, h0) do not change, and a
 * bf16 network holds its activations in bf16. */
static dnnl_memory_t bf16_copy(dctx *c, const dnnl_memory_desc_t *md32, const float *host,
                               const dnnl_memory_desc_t *md16)
{
    dnnl_memory_t from = wrap(c, md32, host), to = wrap(c, md16, NULL);
    return reorder_step(c, from, to, NULL) ? NULL : to;
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
    dnnl_memory_desc_t sl = md_of(3, d_sl, dnnl_tnc), st = md_of(4, d_st, dnnl_ldnc),
                       dl = md_of(3, d_dl, dnnl_tnc), b = md_of(4, d_b, dnnl_ldgo);
    dnnl_memory_desc_t wl_plain = md_of(5, d_wl, dnnl_ldigo), wi_plain = md_of(5, d_wi, dnnl_ldigo);
    dnnl_memory_desc_t wl_any = md_of(5, d_wl, dnnl_format_tag_any),
                       wi_any = md_of(5, d_wi, dnnl_format_tag_any);
    const dnnl_memory_desc_t *wl = c->plain ? &wl_plain : &wl_any,
                             *wi = c->plain ? &wi_plain : &wi_any;
    rnn_mds m = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};
    /* bf16 (a single primitive, d_setup): src_layer, src_iter, both weights
     * and dst_layer, dst_iter in bf16; the c state and the bias in f32; the
     * gradients (backward's diff_*) in f32. The weights are reordered from
     * the f32 host copy into the format asked (any or ldigo, bf16) once. */
    const dnnl_data_type_t bf = dnnl_bf16;
    dnnl_memory_desc_t sl16 = md_dt(3, d_sl, bf, dnnl_tnc), st16 = md_dt(4, d_st, bf, dnnl_ldnc),
                       dl16 = md_dt(3, d_dl, bf, dnnl_tnc),
                       wl16 = md_dt(5, d_wl, bf, c->plain ? dnnl_ldigo : dnnl_format_tag_any),
                       wi16 = md_dt(5, d_wi, bf, c->plain ? dnnl_ldigo : dnnl_format_tag_any);
    if (c->bf16)
        m = (rnn_mds){&sl16, &st16, lstm ? &st : NULL, &wl16, &wi16, &b, &dl16, &st16,
                      lstm ? &st : NULL};

    float *wl_h = hbuf(c, (size_t)(Lp * D * I * G * H)), *wi_h = hbuf(c, (size_t)(Lp * D * H * G * H)),
          *b_h = hbuf(c, (size_t)(Lp * D * Gb * H));
    if (!wl_h || !wi_h || !b_h)
        return c->fail_what = "out of memory", -1;
    seg_weights(c, io, wl_h, wi_h, b_h);

    dnnl_rnn_desc_t rd;
    dnnl_primitive_desc_t fpd;
    TRY("rnn forward desc", fwd_desc(&rd, cell, c->train ? dnnl_forward_training
                                                         : dnnl_forward_inference, dir, &m));
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
    if (c->bf16) {
        /* Inputs converted once; outputs converted back after every forward
         * (timed, post[k]): the head and the caller read float32. */
        msl = bf16_copy(c, &sl, io->src_layer, &sl16);
        msi = bf16_copy(c, &st, io->src_iter, &st16);
        dnnl_memory_t dl_host = mdl, di_host = mdi;
        mdl = wrap(c, &dl16, NULL), mdi = wrap(c, &st16, NULL);
        if (!msl || !msi || reorder_step(c, mdl, dl_host, &c->post[k][0]) ||
            reorder_step(c, mdi, di_host, &c->post[k][1])) {
            dnnl_primitive_desc_destroy(fpd);
            return c->fail_what = c->fail_what ? c->fail_what : "bf16 memory", -1;
        }
    }
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

    /* Backward: its own weight formats (`any` may pick others than forward);
     * bf16: float32 gradients, their weights' any or ldigo as forward's. */
    rnn_mds dm = {&sl, &st, lstm ? &st : NULL, wl, wi, &b, &dl, &st, lstm ? &st : NULL};
    if (c->bf16)
        dm.wl = c->plain ? &wl_plain : &wl_any, dm.wi = c->plain ? &wi_plain : &wi_any;
    dnnl_primitive_desc_t bpd;
    dnnl_status_t s1 = bwd_desc(&rd, cell, dir, &m, &dm);
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
    c->dwl[k] = dwl, c->dwi[k] = dwi, c->db[k] = db;
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
    const dnnl_dim_t N = (dnnl_dim_t)c->rows, W = (dnnl_dim_t)c->head_in, V = (dnnl_dim_t)c->V;
    dnnl_dims_t d_src = {N, W}, d_w = {V, W}, d_b = {V}, d_dst = {N, V};
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

/* A network's state buffers: h0, c0 zero (our rows start from zeros), the
 * final states, and their gradients (dhn, dcn zero but across the seq2seq
 * bridge). */
static void net_alloc(dctx *c, net_states *n, int L, int D)
{
    const size_t BH = (size_t)(c->dt->p.B * c->dt->p.H), N = (size_t)L * (size_t)D * BH;
    const int lstm = c->cell == RNN_LSTM;
    n->L = L, n->D = D;
    n->h0 = hbuf(c, N), n->hn = hbuf(c, N);
    n->c0 = lstm ? hbuf(c, N) : NULL, n->cn = lstm ? hbuf(c, N) : NULL;
    if (c->train) {
        n->dh0 = hbuf(c, N), n->dhn = hbuf(c, N);
        n->dc0 = lstm ? hbuf(c, N) : NULL, n->dcn = lstm ? hbuf(c, N) : NULL;
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
        io->dst_layer = hbuf(c, S * (size_t)D * BH);
        if (c->train) {
            io->diff_src_layer = hbuf(c, S * B * (size_t)io->SLC);
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

static int build(dctx *c)
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
        float *x1 = hbuf(c, T * B * I);
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
            last->diff_dst_layer = hbuf(c, last->S * B * W); /* zero where nothing is scored */
        else
            last->diff_dst_layer = dt->grad_output;
        if (s2s) /* the encoder's output is not scored: only its final states get gradients */
            c->seg[c->nenc - 1].diff_dst_layer = hbuf(c, T * B * (size_t)D * H);
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

static int exec(step *s)
{
    return s->prim && dnnl_primitive_execute(s->prim, g_strm, s->nargs, s->args) != dnnl_success
               ? -1
               : 0;
}

/* seq2seq over two encoder directions (docs/design.md §7): the decoder's
 * layer l starts from the sum of the encoder's two final states of layer l;
 * backward, both get the decoder's gradient on its start. */
static void bridge_fwd(dctx *c)
{
    const net_states *e = &c->net[0], *d = &c->net[1];
    const size_t BH = BH_OF(&c->dt->p);
    for (int l = 0; l < d->L; l++)
        for (size_t i = 0; i < BH; i++) {
            const size_t f = (size_t)(2 * l) * BH + i, r = f + BH, o = (size_t)l * BH + i;
            d->h0[o] = e->hn[f] + e->hn[r];
            if (d->c0)
                d->c0[o] = e->cn[f] + e->cn[r];
        }
}

static void bridge_bwd(dctx *c)
{
    const net_states *e = &c->net[0], *d = &c->net[1];
    const size_t BH = BH_OF(&c->dt->p);
    for (int l = 0; l < d->L; l++)
        for (int dir = 0; dir < 2; dir++) {
            memcpy(e->dhn + (size_t)(2 * l + dir) * BH, d->dh0 + (size_t)l * BH, BH * sizeof(float));
            if (d->dc0)
                memcpy(e->dcn + (size_t)(2 * l + dir) * BH, d->dc0 + (size_t)l * BH,
                       BH * sizeof(float));
        }
}

static int d_run(void *vctx, char *err, size_t err_n)
{
    dctx *c = vctx;
    int bad = 0;
    for (int k = 0; k < c->nseg; k++) {
        if (c->bridge && k == c->nenc) {
            dnnl_stream_wait(g_strm);
            bridge_fwd(c);
        }
        bad |= exec(&c->fwd[k]) | exec(&c->post[k][0]) | exec(&c->post[k][1]);
    }
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
        for (int k = c->nseg; k-- > 0;) {
            if (c->bridge && k == c->nenc - 1) {
                dnnl_stream_wait(g_strm);
                bridge_bwd(c);
            }
            bad |= exec(&c->bwd[k]);
        }
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
    c->bf16 = dt->p.dtype == RNN_DTYPE_BF16;
    c->cell = dt->p.cell;
    /* The test hook tests/cli_tests.sh plants to prove --check sees a
     * stack's wrong concatenation order (seg_weights). */
    const char *fault = getenv("RNNSIMD_BENCH_FAULT");
    c->fault = fault && !strcmp(fault, "onednn-bi-order");
    c->train = dt->p.mode == BENCH_TRAIN;
    c->headed = dt->p.variant == BENCH_HEADED;
    c->rows = c->headed ? dt->s.targets : 0;
    c->V = (size_t)dt->d.V;
    if (build(c)) {
        snprintf(err, err_n, "oneDNN %s%s weights: %s failed (status %d)", c->bf16 ? "bf16 " : "",
                 plain ? "ldigo" : "any", c->fail_what ? c->fail_what : "setup",
                 (int)c->fail_status);
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
    int64_t B, I, H, L;
    int bidirectional;
    int threads;
    rnn_dtype dtype;
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
            f->H == p->H && f->L == bench_problem_layers(p) &&
            f->bidirectional == p->bidirectional && f->threads == bench_problem_threads(p) &&
            f->dtype == p->dtype)
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
    fmt_choice f = {p->cell, p->mode, p->B, p->I, p->H, bench_problem_layers(p), p->bidirectional,
                    bench_problem_threads(p), p->dtype, 1, 1e30, 1e30};
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
    if (dt->p.dtype == RNN_DTYPE_BF16 &&
        (bench_problem_stacked(&dt->p) || dt->p.topology == RNN_SEQ2SEQ)) {
        snprintf(err, err_n, "the oneDNN peer runs bf16 as one primitive only: not stacks or "
                             "seq2seq");
        return NULL;
    }
    if (bench_problem_layers(&dt->p) > PEER_MAX_LAYERS) {
        snprintf(err, err_n, "the oneDNN peer chains at most %d layers (L:%lld)",
                 (int)PEER_MAX_LAYERS, (long long)bench_problem_layers(&dt->p));
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
    char thr[256] = "";
    int k = 0;
    if (want > 1)
        k = snprintf(thr, sizeof thr, ", %d OpenMP threads", got);
    if (c->form[0])
        k += snprintf(thr + k, sizeof thr - (size_t)k, ", %s", c->form);
    if (c->fault)
        snprintf(thr + k, sizeof thr - (size_t)k, ", FAULT PLANTED (RNNSIMD_BENCH_FAULT)");
    if (f && f->t_any < 1e29 && f->t_plain < 1e29)
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, %sweights %s (pilot T<=16: any %.3g ms, ldigo %.3g ms)",
                 v->major, v->minor, v->patch, c->impl_info, thr, c->bf16 ? "bf16 " : "",
                 plain ? "ldigo" : "any", f->t_any * 1e3, f->t_plain * 1e3);
    else
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, %sweights %s", v->major, v->minor, v->patch,
                 c->impl_info, thr, c->bf16 ? "bf16 " : "", plain ? "ldigo" : "any");
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

static int d_outputs(void *vctx, bench_output *out, int max)
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
        dnnl_memory_desc_t wl_md = md_of(5, d_wl, dnnl_ldigo), wi_md = md_of(5, d_wi, dnnl_ldigo);
        float *wl = hbuf(c, (size_t)cells * (size_t)SLC * GH),
              *wi = hbuf(c, (size_t)cells * (size_t)H * GH);
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

static int d_results(void *vctx, bench_output *out, int max)
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
        float *w_ih = hbuf(c, nc.weight_ih), *w_hh = hbuf(c, nc.weight_hh),
              *b_ih = hbuf(c, nc.bias), *b_hh = hbuf(c, nc.bias);
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
        dnnl_memory_desc_t w_md = md_of(2, d_w, dnnl_oi);
        float *w = hbuf(c, V * W);
        if (w && !to_plain(c, c->dW_hy, &w_md, w))
            n = put(out, n, max, "grad.W_hy", w, V * W);
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
