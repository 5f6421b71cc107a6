/* plan.c — rnn_plan_create: validate the problem, choose the kernel table,
 * and pack the weights once in the order the table's GEMM reads them.
 *
 * What a plan keeps per cell: weight_ih and weight_hh packed for C = A W^T
 * (the forward products), their transposes packed the same way (backward
 * needs dX = dG W_ih and dh_prev = dG W_hh, products with W itself, not W^T;
 * packing W^T lets them stream the weights like the forward does), plain
 * copies, weight_ih transposed (a one-hot input's projection is one of its
 * rows: a gather, not a product), and the biases. weight_hh is packed by
 * the phases of the cell's step (cells.h): gru's r,z rows and n
 * rows apart, because W_hn multiplies r*h_prev, known only after the r,z
 * gates of the same step. The head keeps W_hy packed and plain.
 *
 * Options: threads 0 or 1 runs on the calling thread; threads 2 lets a call
 * share its work with the helper thread of a workspace made from such a plan
 * (see threads.h); anything else is RNN_ERR_ARG. The plan is immutable after
 * create, so threads may share it with one workspace each. no_fused_step 1
 * turns the fused batch-1 step off (projection_ride.c); 0 or 1 only.
 * tuning: how the schedule's tunables are chosen once the weights are
 * packed (tune.h): RNN_TUNE_ESTIMATE's rules or RNN_TUNE_MEASURE's timing;
 * anything else is RNN_ERR_ARG.
 * W_hy may be NULL: a plan without a head (for rnn_plan_seq_*, or forward
 * of the states only). A NULL bias (bias_ih, bias_hh, b_y) means zeros, as
 * in the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "drivers.h"

static void cell_pack_free(cell_pack *w)
{
    free(w->w_ih);
    free(w->onehot_xp);
    free(w->w_hh);
    free(w->b_ih);
    free(w->b_hh);
    free(w->ih_packed);
    free(w->ih_t_packed);
    for (size_t ph = 0; ph < RNN_MAX_PHASES; ph++) {
        free(w->hh_packed[ph]);
        free(w->hh_copy[ph]);
        free(w->hh_t_packed[ph]);
    }
    memset(w, 0, sizeof *w);
}

static float *copy_or_zero(const float *src, size_t n)
{
    float *d = rnn_alloc_floats(n);
    if (!d)
        return NULL;
    if (src)
        memcpy(d, src, n * sizeof *d);
    else
        memset(d, 0, n * sizeof *d);
    return d;
}

/* The floats a packed W^T (N x K) takes in plan p: pack_nt's, or on a bf16
 * plan rnn_bf16_pack's pair words (one float's size each). */
static size_t packed_floats(const rnn_plan *p, size_t N, size_t K)
{
    return p->dtype == RNN_DTYPE_BF16 ? rnn_bf16_packed_size(N, K) : p->k->packed_size(N, K);
}

static void pack(const rnn_plan *p, size_t N, size_t K, const float *W, size_t ldw, float *dst)
{
    if (p->dtype == RNN_DTYPE_BF16)
        rnn_bf16_pack(N, K, W, ldw, (rnn_bf16x2 *)(void *)dst);
    else
        p->k->pack_nt(N, K, W, ldw, dst);
}

/* A bf16 plan computes with its weights rounded to bf16: its plain copies
 * hold them so (the one-hot projection's rows, the finiteness test) and so
 * do its packed ones (rnn_bf16_pack rounds the same way). */
static void round_weights(const rnn_plan *p, float *w, size_t n)
{
    if (p->dtype == RNN_DTYPE_BF16)
        for (size_t i = 0; i < n; i++)
            w[i] = rnn_bf16_round(w[i]);
}

static rnn_status cell_pack_build(cell_pack *w, const rnn_plan *p, const rnn_cell_weights *src)
{
    const rnn_cell_ops *ops = p->ops;
    const size_t GH = p->GH, H = (size_t)p->desc.H, I = (size_t)p->desc.I;
    if (!src->weight_ih || !src->weight_hh)
        return RNN_ERR_NULL;
    w->w_ih = copy_or_zero(src->weight_ih, GH * I);
    w->w_hh = copy_or_zero(src->weight_hh, GH * H);
    w->b_ih = copy_or_zero(src->bias_ih, GH);
    w->b_hh = copy_or_zero(src->bias_hh, GH);
    w->onehot_xp = rnn_alloc_floats(I * GH);
    w->ih_packed = rnn_alloc_floats(packed_floats(p, GH, I));
    w->ih_t_packed = rnn_alloc_floats(packed_floats(p, I, GH));
    int ok = 1;
    for (size_t ph = 0; ph < ops->phases; ph++) {
        const size_t rows = (ops->phase[ph].g1 - ops->phase[ph].g0) * H;
        w->hh_packed[ph] = rnn_alloc_floats(packed_floats(p, rows, H));
        w->hh_t_packed[ph] = rnn_alloc_floats(packed_floats(p, H, rows));
        ok &= w->hh_packed[ph] && w->hh_t_packed[ph];
    }
    /* w_hh^T, only while packing */
    float *hh_t = rnn_alloc_floats(H * GH);
    if (!ok || !w->w_ih || !w->w_hh || !w->b_ih || !w->b_hh || !w->onehot_xp ||
        !w->ih_packed || !w->ih_t_packed || !hh_t) {
        free(hh_t);
        return RNN_ERR_NOMEM;
    }
    round_weights(p, w->w_ih, GH * I);
    round_weights(p, w->w_hh, GH * H);
    for (size_t g = 0; g < GH; g++)
        for (size_t i = 0; i < I; i++)
            w->onehot_xp[i * GH + g] = w->w_ih[g * I + i];
    for (size_t g = 0; g < GH; g++)
        for (size_t j = 0; j < H; j++)
            hh_t[j * GH + g] = w->w_hh[g * H + j];
    w->hh_finite = 1;
    for (size_t i = 0; i < GH * H; i++)
        w->hh_finite &= isfinite(w->w_hh[i]) != 0;
    pack(p, GH, I, w->w_ih, I, w->ih_packed);
    pack(p, I, GH, w->onehot_xp, GH, w->ih_t_packed);
    /* Then the bias, folded in: a one-hot row's projection becomes a copy.
     * The same one addition as at run time, so the same bits. */
    for (size_t i = 0; i < I; i++)
        for (size_t g = 0; g < GH; g++)
            w->onehot_xp[i * GH + g] += w->b_ih[g];
    /* A phase's rows of w_hh, and of w_hh^T (row j of which holds column j
     * of every gate) its columns. */
    for (size_t ph = 0; ph < ops->phases; ph++) {
        const size_t r0 = ops->phase[ph].g0 * H, rows = ops->phase[ph].g1 * H - r0;
        pack(p, rows, H, w->w_hh + r0 * H, H, w->hh_packed[ph]);
        pack(p, H, rows, hh_t + r0, GH, w->hh_t_packed[ph]);
    }
    free(hh_t);
    return RNN_OK;
}

/* The column width of the table's packed panels, if its format is panels of
 * K x NR (NR = packed_size(1, 1)), panel c0/NR at packed + c0*K, which a
 * product over a range of whole panels can be pointed into; 0 if not. Checked
 * on a small pack, so no table has to promise it. */
static size_t panel_width(const rnn_kernels *k)
{
    const size_t nr = k->packed_size(1, 1), K = 3;
    if (nr < 2 || nr > 64)
        return 0;
    const size_t N = 2 * nr;
    float W[2 * 64 * 3], packed[2 * 64 * 3];
    if (k->packed_size(N, K) != N * K)
        return 0;
    for (size_t i = 0; i < N * K; i++)
        W[i] = (float)i;
    k->pack_nt(N, K, W, K, packed);
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < K; j++)
            if (packed[(n / nr) * nr * K + j * nr + n % nr] != W[n * K + j])
                return 0;
    return nr;
}

size_t rnn_hh_phase_floats(const rnn_plan *p, size_t ph)
{
    const rnn_cell_phase *f = &p->ops->phase[ph];
    return packed_floats(p, (f->g1 - f->g0) * (size_t)p->desc.H, (size_t)p->desc.H);
}

/* The bytes of one cell's packed W_hh (every phase). */
size_t rnn_hh_packed_bytes(const rnn_plan *p)
{
    size_t n = 0;
    for (size_t ph = 0; ph < p->ops->phases; ph++)
        n += rnn_hh_phase_floats(p, ph);
    return n * sizeof(float);
}

static rnn_status cell_copies(const rnn_plan *p, cell_pack *w, int on)
{
    const size_t H = (size_t)p->desc.H;
    for (size_t ph = 0; ph < p->ops->phases; ph++) {
        if (!on || !w->hh_packed[ph]) {
            free(w->hh_copy[ph]);
            w->hh_copy[ph] = NULL;
            continue;
        }
        if (w->hh_copy[ph])
            continue;
        const size_t r0 = p->ops->phase[ph].g0 * H, rows = p->ops->phase[ph].g1 * H - r0;
        w->hh_copy[ph] = rnn_alloc_floats(packed_floats(p, rows, H));
        if (!w->hh_copy[ph])
            return RNN_ERR_NOMEM;
        pack(p, rows, H, w->w_hh + r0 * H, H, w->hh_copy[ph]);
    }
    return RNN_OK;
}

rnn_status rnn_hh_copies(rnn_plan *p, int on)
{
    rnn_status st = cell_copies(p, &p->cell, on);
    if (st == RNN_OK && p->desc.topology == RNN_SEQ2SEQ)
        st = cell_copies(p, &p->decoder, on);
    if (st != RNN_OK)
        (void)rnn_hh_copies(p, 0);
    return st;
}

void rnn_plan_destroy(rnn_plan *p)
{
    if (!p)
        return;
    rnn_stack_plan_free(p);
    cell_pack_free(&p->cell);
    cell_pack_free(&p->decoder);
    free(p->b_y);
    free(p->hy_packed);
    free(p->hy_t_packed);
    free(p->xp_bias);
    free(p);
}

rnn_status rnn_plan_create(rnn_plan **out, const rnn_desc *d, const rnn_params *params,
                           const rnn_plan_options *opt)
{
    if (!out || !d || !params)
        return RNN_ERR_NULL;
    *out = NULL;
    rnn_sizes sz;
    rnn_status st = rnn_desc_check(d, &sz);
    if (st != RNN_OK)
        return st;
    rnn_isa isa = opt ? opt->isa : RNN_ISA_AUTO;
    int threads = opt ? opt->threads : 1;
    const int no_fused = opt ? opt->no_fused_step : 0;
    const int always = opt ? opt->fused_step_always : 0;
    const rnn_tuning tuning = opt ? opt->tuning : RNN_TUNE_ESTIMATE;
    const rnn_dtype dtype = opt ? opt->dtype : RNN_DTYPE_F32;
    if ((unsigned)dtype >= RNN_DTYPE_COUNT)
        return RNN_ERR_ARG;
    if (threads < 0 || threads > 2 || (no_fused != 0 && no_fused != 1) ||
        (always != 0 && always != 1) || (always && no_fused) ||
        (unsigned)tuning >= RNN_TUNE_COUNT)
        return RNN_ERR_ARG;
    if ((unsigned)isa >= RNN_ISA_COUNT)
        return RNN_ERR_ISA_UNKNOWN;
    const rnn_kernels *k = NULL;
    st = rnn_kernels_get(isa, &k, NULL);
    if (st != RNN_OK)
        return st;
    if (dtype == RNN_DTYPE_BF16 && rnn_dtype_check(dtype, k->isa, NULL) != RNN_OK)
        return RNN_ERR_ISA_UNSUPPORTED;
    rnn_plan *p = calloc(1, sizeof *p);
    if (!p)
        return RNN_ERR_NOMEM;
    p->desc = *d;
    p->sizes = sz;
    p->k = k;
    p->ops = rnn_cell_ops_of(d->cell);
    p->G = p->ops->gates;
    p->GH = p->G * (size_t)d->H;
    p->W = p->ops->cache_width;
    p->threads = threads == 2 ? 2 : 1;
    p->dtype = dtype;
    p->no_fused_step = no_fused || (dtype == RNN_DTYPE_BF16 && !k->bf16_gemv_ride);
    p->fused_always = always;
    p->nr = dtype == RNN_DTYPE_BF16 ? RNN_BF16_NR : panel_width(k);

    if (sz.cells > 1) {
        st = rnn_stack_plan_build(p, params);
    } else {
        /* One cell: layers[0] stands for cell when given (rnnsimd.h). */
        st = cell_pack_build(&p->cell, p, params->layers ? &params->layers[0] : &params->cell);
        if (st == RNN_OK && d->topology == RNN_SEQ2SEQ)
            st = cell_pack_build(&p->decoder, p,
                                 params->decoder_layers ? &params->decoder_layers[0]
                                                        : &params->decoder);
    }
    if (st == RNN_OK && params->W_hy) {
        /* H: the width the head reads (D*H for a bidirectional stack). */
        const size_t V = (size_t)d->V, H = sz.head_in;
        p->has_head = 1;
        p->b_y = copy_or_zero(params->b_y, V);
        p->hy_packed = rnn_alloc_floats(packed_floats(p, V, H));
        /* dH = dlogits W_hy through W_hy^T packed like the backward
         * products: at one scored row a GEMV on the plan's panels, where
         * gemm would pack all of W_hy on every call. */
        p->hy_t_packed = rnn_alloc_floats(packed_floats(p, H, V));
        float *hy_t = rnn_alloc_floats(H * V);
        if (!p->b_y || !p->hy_packed || !p->hy_t_packed || !hy_t) {
            st = RNN_ERR_NOMEM;
        } else {
            pack(p, V, H, params->W_hy, H, p->hy_packed);
            for (size_t v = 0; v < V; v++)
                for (size_t j = 0; j < H; j++)
                    hy_t[j * V + v] = params->W_hy[v * H + j];
            pack(p, H, V, hy_t, V, p->hy_t_packed);
        }
        free(hy_t);
    }
    if (st == RNN_OK && d->topology == RNN_ONE2MANY && !p->cells) {
        /* Steps 2..T see a zero input: their projection is bias_ih, once. */
        const size_t B = (size_t)d->B;
        p->xp_bias = rnn_alloc_floats(B * p->GH);
        if (!p->xp_bias)
            st = RNN_ERR_NOMEM;
        else
            for (size_t b = 0; b < B; b++)
                memcpy(p->xp_bias + b * p->GH, p->cell.b_ih, p->GH * sizeof(float));
    }
    /* Last: MEASURE times calls on the finished plan. */
    if (st == RNN_OK)
        st = rnn_tune_plan(p, tuning);
    if (st != RNN_OK) {
        rnn_plan_destroy(p);
        return st;
    }
    *out = p;
    return RNN_OK;
}

rnn_isa rnn_plan_isa(const rnn_plan *p)
{
    return p ? p->k->isa : RNN_ISA_AUTO;
}

const rnn_desc *rnn_plan_desc(const rnn_plan *p)
{
    return p ? &p->desc : NULL;
}
