/* api.c — the reference's public float32 entry points (rnnsimd.h): validate,
 * widen every input to double, run the double model (topology.c), round each
 * output to float once at the end. A one-hot input given by index becomes a
 * dense one-hot vector here, so the model sees exactly what a dense x with
 * one 1.0 a row would give. Inputs are copied before any output is written,
 * so overlapping buffers cannot change the result. */
#include <stdlib.h>
#include <string.h>
#include "reference_internal.h"

/* Every buffer one call allocates, freed together (a stack has 8 per cell). */
typedef struct {
    void **ptr;
    size_t n, cap;
    int failed;
} pool;

static void *pool_add(pool *pl, void *p)
{
    if (!p || pl->failed) {
        free(p);
        pl->failed = 1;
        return NULL;
    }
    if (pl->n == pl->cap) {
        const size_t cap = pl->cap ? 2 * pl->cap : 64;
        void **grown = realloc(pl->ptr, cap * sizeof *grown);
        if (!grown) {
            free(p);
            pl->failed = 1;
            return NULL;
        }
        pl->ptr = grown;
        pl->cap = cap;
    }
    pl->ptr[pl->n++] = p;
    return p;
}

static double *pool_zeros(pool *pl, size_t n)
{
    if (pl->failed)
        return NULL;
    return pool_add(pl, calloc(n ? n : 1, sizeof(double)));
}

static void pool_free(pool *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        free(pl->ptr[i]);
    free(pl->ptr);
    pl->ptr = NULL;
    pl->n = pl->cap = 0;
}

/* A double copy of src, or NULL if src is NULL. */
static const double *widen(pool *pl, const float *src, size_t n)
{
    if (!src)
        return NULL;
    double *d = pool_zeros(pl, n);
    if (d)
        for (size_t i = 0; i < n; i++)
            d[i] = (double)src[i];
    return d;
}

/* A weight tensor (weight_ih, weight_hh, W_hy) widened, and for a bf16
 * problem rounded to bf16 once, as a bf16 plan packs it. */
static const double *widen_weight(pool *pl, const float *src, size_t n, int bf16)
{
    double *d = (double *)widen(pl, src, n);
    if (d && bf16)
        for (size_t i = 0; i < n; i++)
            d[i] = rnn_ref_bf16(d[i]);
    return d;
}

/* A double copy of src, or zeros if src is NULL (an absent bias). */
static const double *widen_or_zeros(pool *pl, const float *src, size_t n)
{
    return src ? widen(pl, src, n) : pool_zeros(pl, n);
}

/* rows one-hot vectors of length I from their indices (checked in range). */
static const double *one_hot(pool *pl, const int32_t *idx, size_t rows, size_t I)
{
    double *d = pool_zeros(pl, rows * I);
    if (d)
        for (size_t r = 0; r < rows; r++)
            d[r * I + (size_t)idx[r]] = 1.0;
    return d;
}

/* A double buffer for an output the caller wants (dst not NULL), else NULL. */
static double *wanted(pool *pl, const void *dst, size_t n)
{
    return dst ? pool_zeros(pl, n) : NULL;
}

static void narrow(float *dst, const double *src, size_t n)
{
    if (dst && src)
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
}

/* n_ih: the cell's weight_ih size (it depends on the layer, rnnsimd.h). */
static rnn_status widen_cell(pool *pl, const rnn_sizes *s, size_t n_ih, const rnn_cell_weights *w,
                             int bf16, ref_weights *out)
{
    if (!w->weight_ih || !w->weight_hh)
        return RNN_ERR_NULL;
    out->bf16 = bf16;
    out->weight_ih = widen_weight(pl, w->weight_ih, n_ih, bf16);
    out->weight_hh = widen_weight(pl, w->weight_hh, s->weight_hh, bf16);
    out->bias_ih = widen_or_zeros(pl, w->bias_ih, s->bias);
    out->bias_hh = widen_or_zeros(pl, w->bias_hh, s->bias);
    return RNN_OK;
}

/* weight_ih's size of layer l: I wide for layer 0, the layer below's output
 * above (D*H for the encoder, H for the one-direction decoder). */
static size_t ih_size(const rnn_sizes *s, size_t l, int decoder)
{
    if (l == 0)
        return s->weight_ih;
    return decoder ? s->weight_hh : s->weight_ih_upper;
}

/* The n cells of a stack: src[k] (a layers array), or the single cell when
 * n is 1 and src NULL; widened into a pool array written to *out. */
static rnn_status widen_cells(pool *pl, const rnn_sizes *s, const rnn_cell_weights *single,
                              const rnn_cell_weights *src, size_t n, size_t D, int decoder,
                              int bf16, const ref_weights **out)
{
    if (!src && n > 1)
        return RNN_ERR_NULL;
    ref_weights *w = pool_add(pl, calloc(n, sizeof *w));
    if (!w)
        return RNN_ERR_NOMEM;
    for (size_t k = 0; k < n; k++) {
        rnn_status st = widen_cell(pl, s, ih_size(s, k / D, decoder), src ? &src[k] : single,
                                   bf16, &w[k]);
        if (st != RNN_OK)
            return st;
    }
    *out = w;
    return RNN_OK;
}

/* Checks and widens parameters and inputs shared by forward and train. */
static rnn_status widen_problem(pool *pl, const rnn_desc *d, const rnn_sizes *s,
                                const rnn_params *p, const rnn_inputs *in, int want_head,
                                int want_loss, int bf16, ref_params *pd, ref_inputs *id)
{
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
    const size_t I = (size_t)d->I;
    rnn_status st;
    memset(pd, 0, sizeof *pd);
    memset(id, 0, sizeof *id);
    pd->bf16 = bf16;
    if ((st = widen_cells(pl, s, &p->cell, p->layers, s->cells, s->directions, 0, bf16,
                          &pd->layers)) != RNN_OK)
        return st;
    if (seq2seq && (st = widen_cells(pl, s, &p->decoder, p->decoder_layers, s->layers, 1, 1,
                                     bf16, &pd->dec_layers)) != RNN_OK)
        return st;
    if (want_head && !p->W_hy)
        return RNN_ERR_NULL;
    if (!in->x && !in->x_index)
        return RNN_ERR_NULL;
    if (seq2seq && !in->x_dec && !in->x_dec_index)
        return RNN_ERR_NULL;
    if (want_loss && !in->targets)
        return RNN_ERR_NULL;
    if (in->x_index && (st = rnn_ref_check_indices(in->x_index, s->x / I, d->I)) != RNN_OK)
        return st;
    if (seq2seq && in->x_dec_index &&
        (st = rnn_ref_check_indices(in->x_dec_index, s->x_dec / I, d->I)) != RNN_OK)
        return st;
    if (want_loss && (st = rnn_ref_check_indices(in->targets, s->targets, d->V)) != RNN_OK)
        return st;

    if (want_head) {
        pd->W_hy = widen_weight(pl, p->W_hy, s->W_hy, bf16);
        pd->b_y = widen_or_zeros(pl, p->b_y, s->b_y);
    }
    id->x = in->x_index ? one_hot(pl, in->x_index, s->x / I, I) : widen(pl, in->x, s->x);
    if (seq2seq)
        id->x_dec = in->x_dec_index ? one_hot(pl, in->x_dec_index, s->x_dec / I, I)
                                    : widen(pl, in->x_dec, s->x_dec);
    id->h0 = widen(pl, in->h0, s->state);
    id->c0 = d->cell == RNN_LSTM ? widen(pl, in->c0, s->state) : NULL;
    id->targets = want_loss ? in->targets : NULL;
    return pl->failed ? RNN_ERR_NOMEM : RNN_OK;
}

/* The options' bf16 flag; RNN_ERR_ARG for a dtype the reference lacks. */
static rnn_status options_bf16(const rnn_reference_options *o, int *bf16)
{
    *bf16 = 0;
    rnn_ref_bf16_flip_near_ties(o && o->dtype == RNN_DTYPE_BF16 && o->flip_near_ties);
    if (!o || o->dtype == RNN_DTYPE_F32)
        return RNN_OK;
    if (o->dtype != RNN_DTYPE_BF16)
        return RNN_ERR_ARG;
    *bf16 = 1;
    return RNN_OK;
}

rnn_status rnn_reference_forward(const rnn_desc *d, const rnn_params *p, const rnn_inputs *in,
                                 rnn_outputs *out)
{
    return rnn_reference_forward_opt(d, p, in, out, NULL);
}

rnn_status rnn_reference_forward_opt(const rnn_desc *d, const rnn_params *p,
                                     const rnn_inputs *in, rnn_outputs *out,
                                     const rnn_reference_options *opt)
{
    rnn_sizes s;
    int bf16;
    rnn_status st = rnn_ref_check_desc(d, &s);
    if (st != RNN_OK)
        return st;
    if ((st = options_bf16(opt, &bf16)) != RNN_OK)
        return st;
    if (!p || !in || !out)
        return RNN_ERR_NULL;
    const int lstm = d->cell == RNN_LSTM;
    const int want_loss = out->loss != NULL, want_head = want_loss || out->logits;
    pool pl = {0};
    ref_params pd;
    ref_inputs id;
    st = widen_problem(&pl, d, &s, p, in, want_head, want_loss, bf16, &pd, &id);
    double loss = 0.0;
    ref_outputs od = {wanted(&pl, out->h, s.h), wanted(&pl, lstm ? out->c : NULL, s.h),
                      wanted(&pl, out->logits, s.logits), want_loss ? &loss : NULL};
    if (st == RNN_OK && pl.failed)
        st = RNN_ERR_NOMEM;
    if (st == RNN_OK)
        st = rnn_ref_model_run(d, &pd, &id, &od, NULL);
    if (st == RNN_OK) {
        narrow(out->h, od.h, s.h);
        narrow(out->c, od.c, s.h);
        narrow(out->logits, od.logits, s.logits);
        if (out->loss)
            *out->loss = (float)loss;
    }
    pool_free(&pl);
    return st;
}

static void widen_cell_grads(pool *pl, const rnn_sizes *s, size_t n_ih, const rnn_cell_grads *g,
                             ref_cell_grads *out)
{
    out->weight_ih = wanted(pl, g->weight_ih, n_ih);
    out->weight_hh = wanted(pl, g->weight_hh, s->weight_hh);
    out->bias_ih = wanted(pl, g->bias_ih, s->bias);
    out->bias_hh = wanted(pl, g->bias_hh, s->bias);
}

static void narrow_cell_grads(const rnn_sizes *s, size_t n_ih, const ref_cell_grads *src,
                              rnn_cell_grads *g)
{
    narrow(g->weight_ih, src->weight_ih, n_ih);
    narrow(g->weight_hh, src->weight_hh, s->weight_hh);
    narrow(g->bias_ih, src->bias_ih, s->bias);
    narrow(g->bias_hh, src->bias_hh, s->bias);
}

/* The gradients of a stack's n cells: the caller's layers array, or its
 * single cell (n = 1 and layers NULL; with layers NULL and n > 1 only the
 * caller's cell, layer 0's forward cell, is wanted). */
static ref_cell_grads *widen_grads(pool *pl, const rnn_sizes *s, const rnn_cell_grads *single,
                                   const rnn_cell_grads *layers, size_t n, size_t D, int decoder)
{
    ref_cell_grads *gd = pool_add(pl, calloc(n, sizeof *gd));
    if (gd)
        for (size_t k = 0; k < n; k++)
            if (layers || k == 0)
                widen_cell_grads(pl, s, ih_size(s, k / D, decoder), layers ? &layers[k] : single,
                                 &gd[k]);
    return gd;
}

static void narrow_grads(const rnn_sizes *s, const ref_cell_grads *gd, rnn_cell_grads *single,
                         rnn_cell_grads *layers, size_t n, size_t D, int decoder)
{
    for (size_t k = 0; k < n; k++)
        if (layers || k == 0)
            narrow_cell_grads(s, ih_size(s, k / D, decoder), &gd[k], layers ? &layers[k] : single);
}

rnn_status rnn_reference_train(const rnn_desc *d, const rnn_params *p, const rnn_inputs *in,
                               rnn_outputs *out, rnn_grads *g)
{
    return rnn_reference_train_opt(d, p, in, out, g, NULL);
}

rnn_status rnn_reference_train_opt(const rnn_desc *d, const rnn_params *p, const rnn_inputs *in,
                                   rnn_outputs *out, rnn_grads *g,
                                   const rnn_reference_options *opt)
{
    rnn_sizes s;
    int bf16;
    rnn_status st = rnn_ref_check_desc(d, &s);
    if (st != RNN_OK)
        return st;
    if ((st = options_bf16(opt, &bf16)) != RNN_OK)
        return st;
    if (!p || !in || !g)
        return RNN_ERR_NULL;
    rnn_outputs none = {0};
    if (!out)
        out = &none;
    const int lstm = d->cell == RNN_LSTM, seq2seq = d->topology == RNN_SEQ2SEQ;
    pool pl = {0};
    ref_params pd;
    ref_inputs id;
    st = widen_problem(&pl, d, &s, p, in, 1, 1, bf16, &pd, &id);
    double loss = 0.0;
    ref_outputs od = {wanted(&pl, out->h, s.h), wanted(&pl, lstm ? out->c : NULL, s.h),
                      wanted(&pl, out->logits, s.logits), &loss};
    ref_grads gd;
    memset(&gd, 0, sizeof gd);
    gd.x = in->x_index ? NULL : wanted(&pl, g->x, s.x);
    gd.x_dec = seq2seq && !in->x_dec_index ? wanted(&pl, g->x_dec, s.x_dec) : NULL;
    gd.h0 = wanted(&pl, g->h0, s.state);
    gd.c0 = lstm ? wanted(&pl, g->c0, s.state) : NULL;
    gd.layers = widen_grads(&pl, &s, &g->cell, g->layers, s.cells, s.directions, 0);
    if (seq2seq)
        gd.dec_layers = widen_grads(&pl, &s, &g->decoder, g->decoder_layers, s.layers, 1, 1);
    gd.W_hy = wanted(&pl, g->W_hy, s.W_hy);
    gd.b_y = wanted(&pl, g->b_y, s.b_y);
    if (st == RNN_OK && pl.failed)
        st = RNN_ERR_NOMEM;
    if (st == RNN_OK)
        st = rnn_ref_model_run(d, &pd, &id, &od, &gd);
    if (st == RNN_OK) {
        narrow(out->h, od.h, s.h);
        narrow(out->c, od.c, s.h);
        narrow(out->logits, od.logits, s.logits);
        if (out->loss)
            *out->loss = (float)loss;
        narrow(g->x, gd.x, s.x);
        narrow(g->x_dec, gd.x_dec, s.x_dec);
        narrow(g->h0, gd.h0, s.state);
        narrow(g->c0, gd.c0, s.state);
        narrow_grads(&s, gd.layers, &g->cell, g->layers, s.cells, s.directions, 0);
        if (seq2seq)
            narrow_grads(&s, gd.dec_layers, &g->decoder, g->decoder_layers, s.layers, 1, 1);
        narrow(g->W_hy, gd.W_hy, s.W_hy);
        narrow(g->b_y, gd.b_y, s.b_y);
    }
    pool_free(&pl);
    return st;
}

/* Checks shared by the two sequence entry points; widens w, x, h0, c0. */
static rnn_status widen_seq(pool *pl, const rnn_desc *d, rnn_sizes *s, const rnn_cell_weights *w,
                            const float *x, const float *h0, const float *c0,
                            const rnn_reference_options *opt, const ref_weights **wd,
                            const double **xd, const double **h0d, const double **c0d)
{
    int bf16;
    rnn_status st = rnn_ref_check_desc(d, s);
    if (st != RNN_OK)
        return st;
    if ((st = options_bf16(opt, &bf16)) != RNN_OK)
        return st;
    if (d->topology != RNN_MANY2MANY)
        return RNN_ERR_TOPOLOGY;
    if (!w || !x)
        return RNN_ERR_NULL;
    /* w: one cell, or a stack's L*D cells. */
    if ((st = widen_cells(pl, s, w, s->cells > 1 ? w : NULL, s->cells, s->directions, 0, bf16,
                          wd)) != RNN_OK)
        return st;
    *xd = widen(pl, x, s->x);
    *h0d = widen(pl, h0, s->state);
    *c0d = d->cell == RNN_LSTM ? widen(pl, c0, s->state) : NULL;
    return pl->failed ? RNN_ERR_NOMEM : RNN_OK;
}

rnn_status rnn_reference_seq_forward(const rnn_desc *d, const rnn_cell_weights *w,
                                     const float *x, const float *h0, const float *c0,
                                     float *output, float *hn, float *cn)
{
    return rnn_reference_seq_forward_opt(d, w, x, h0, c0, output, hn, cn, NULL);
}

rnn_status rnn_reference_seq_forward_opt(const rnn_desc *d, const rnn_cell_weights *w,
                                         const float *x, const float *h0, const float *c0,
                                         float *output, float *hn, float *cn,
                                         const rnn_reference_options *opt)
{
    pool pl = {0};
    rnn_sizes s;
    const ref_weights *wd = NULL;
    const double *xd = NULL, *h0d = NULL, *c0d = NULL;
    rnn_status st = widen_seq(&pl, d, &s, w, x, h0, c0, opt, &wd, &xd, &h0d, &c0d);
    if (st == RNN_OK) {
        const int lstm = d->cell == RNN_LSTM;
        double *od = wanted(&pl, output, s.h), *hd = wanted(&pl, hn, s.state),
               *cd = wanted(&pl, lstm ? cn : NULL, s.state);
        st = pl.failed ? RNN_ERR_NOMEM
                       : rnn_ref_seq_run(d, wd, xd, h0d, c0d, od, hd, cd, NULL, NULL, NULL, NULL);
        if (st == RNN_OK) {
            narrow(output, od, s.h);
            narrow(hn, hd, s.state);
            narrow(cn, cd, s.state);
        }
    }
    pool_free(&pl);
    return st;
}

rnn_status rnn_reference_seq_backward(const rnn_desc *d, const rnn_cell_weights *w,
                                      const float *x, const float *h0, const float *c0,
                                      const float *grad_output, const float *grad_hn,
                                      const float *grad_cn, rnn_grads *g)
{
    return rnn_reference_seq_backward_opt(d, w, x, h0, c0, grad_output, grad_hn, grad_cn, g,
                                          NULL);
}

rnn_status rnn_reference_seq_backward_opt(const rnn_desc *d, const rnn_cell_weights *w,
                                          const float *x, const float *h0, const float *c0,
                                          const float *grad_output, const float *grad_hn,
                                          const float *grad_cn, rnn_grads *g,
                                          const rnn_reference_options *opt)
{
    pool pl = {0};
    rnn_sizes s;
    const ref_weights *wd = NULL;
    const double *xd = NULL, *h0d = NULL, *c0d = NULL;
    rnn_status st = widen_seq(&pl, d, &s, w, x, h0, c0, opt, &wd, &xd, &h0d, &c0d);
    if (st == RNN_OK && !g)
        st = RNN_ERR_NULL;
    if (st == RNN_OK) {
        const int lstm = d->cell == RNN_LSTM;
        const double *god = widen(&pl, grad_output, s.h), *ghd = widen(&pl, grad_hn, s.state),
                     *gcd = lstm ? widen(&pl, grad_cn, s.state) : NULL;
        ref_grads gd;
        memset(&gd, 0, sizeof gd);
        gd.x = wanted(&pl, g->x, s.x);
        gd.h0 = wanted(&pl, g->h0, s.state);
        gd.c0 = lstm ? wanted(&pl, g->c0, s.state) : NULL;
        gd.layers = widen_grads(&pl, &s, &g->cell, g->layers, s.cells, s.directions, 0);
        st = pl.failed ? RNN_ERR_NOMEM
                       : rnn_ref_seq_run(d, wd, xd, h0d, c0d, NULL, NULL, NULL, god, ghd, gcd,
                                         &gd);
        if (st == RNN_OK) {
            narrow(g->x, gd.x, s.x);
            narrow(g->h0, gd.h0, s.state);
            narrow(g->c0, gd.c0, s.state);
            narrow_grads(&s, gd.layers, &g->cell, g->layers, s.cells, s.directions, 0);
        }
    }
    pool_free(&pl);
    return st;
}
