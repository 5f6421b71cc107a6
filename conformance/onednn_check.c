/* onednn_check.c — see onednn_check.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fault.h"
#include "generate.h"
#include "onednn_check.h"
#include "onednn_layout.h"
#include "onednn_rnn.h"
#include "tolerance.h"

/* Shapes: one layer (a single unit, odd sizes, vector edges), then stacks:
 * two layers in one primitive (I == H) and chained (I != H), one
 * bidirectional layer (one primitive), two bidirectional layers (chained;
 * T = 1 too, where the reverse cell's first step is the forward one's). */
typedef struct {
    int T, B, I, H, L, bi;
} shape;
static const shape shapes[] = {
    {1, 1, 1, 1, 1, 0}, {5, 3, 7, 9, 1, 0}, {17, 2, 16, 33, 1, 0}, {4, 16, 17, 15, 1, 0},
    {5, 3, 9, 9, 2, 0}, {4, 2, 7, 17, 2, 0}, {5, 3, 7, 9, 1, 1},   {1, 1, 1, 1, 2, 1},
    {6, 2, 16, 15, 2, 1},
};

/* The most cells (L*D) a shape above has. */
#define MAX_CELLS 4

/* Every buffer of a case, zeroed, freed together. */
typedef struct {
    float *p[128];
    int n, oom;
} pool;

static float *take(pool *pl, size_t n)
{
    float *f = pl->n < (int)(sizeof pl->p / sizeof pl->p[0]) ? calloc(n, sizeof *f) : NULL;
    if (!f)
        pl->oom = 1;
    else
        pl->p[pl->n++] = f;
    return f;
}

static void pool_free(pool *pl)
{
    for (int i = 0; i < pl->n; i++)
        free(pl->p[i]);
    pl->n = 0;
}

/* A copy of n floats with the last of every `per` (each cell's slice of
 * a state; n for a whole tensor) moved far outside any tolerance: by 1 +
 * 1000 |v|, where the compare's per-element limit is 8 tol (|ref| +
 * max|ref|) with tol below 1e-3 here. NULL, and pl->oom, without memory. */
static float *moved(pool *pl, const float *v, size_t n, size_t per)
{
    float *c = take(pl, n);
    if (c) {
        memcpy(c, v, n * sizeof *c);
        for (size_t i = per; i <= n; i += per)
            c[i - 1] += 1.0f + 1000.0f * fabsf(c[i - 1]);
    }
    return c;
}

void conf_onednn_shape(const conf_onednn_result *r, char *buf, size_t len)
{
    char l[16] = "";
    if (r->L > 1)
        snprintf(l, sizeof l, " L%d", r->L);
    snprintf(buf, len, "T%d B%d I%d H%d%s%s", r->T, r->B, r->I, r->H, l, r->bi ? " bi" : "");
}

/* One tensor's compare. In the negative control (control set), got is a
 * copy of oneDNN's tensor with its last element moved far outside the
 * tolerance: the compare must fail, and one that passes fails the case (the
 * cross-check is blind there: a compare of the wrong buffers, or one that
 * stops short), leaving the worst fractions to the real compare. Outside
 * the control, a test's fault (fault.h) that names this compare moves the
 * last element of a copy of got, as a wrong oneDNN result would. */
static void compare(conf_onednn_result *r, int control, int backward, const char *name,
                    const float *got, const float *ref, size_t n, double tol)
{
    float *planted = NULL;
    if (!control && n && conf_fault_onednn_hits(name)) {
        planted = malloc(n * sizeof *planted);
        if (!planted) {
            if (r->passed)
                snprintf(r->error, sizeof r->error, "out of memory for the planted fault in %s",
                         name);
            r->passed = 0;
            return;
        }
        memcpy(planted, got, n * sizeof *planted);
        planted[n - 1] += 1.0f;
        got = planted;
    }
    rnn_compare_result c = rnn_compare(got, ref, n, tol);
    if (control) {
        if (c.frac < 1.0 && r->passed) {
            r->passed = 0;
            snprintf(r->error, sizeof r->error, "negative control not caught: %s with its last "
                     "element moved passed (fraction %.3g): the cross-check is blind there",
                     name, c.frac);
        }
        return;
    }
    const float got_worst = n ? got[c.worst] : 0.0f; /* read before planted is freed */
    free(planted);
    double *worst = backward ? &r->bwd_frac : &r->fwd_frac;
    char *wn = backward ? r->worst_bwd : r->worst_fwd;
    if (!(c.frac <= *worst) || wn[0] == '-') {
        *worst = c.frac;
        snprintf(wn, CONF_ONEDNN_NAME_MAX, "%s", name);
    }
    if (!(c.frac < 1.0) && r->passed) {
        r->passed = 0;
        snprintf(r->error, sizeof r->error, "%s: fraction %.3g (worst element %zu: oneDNN %.9g, "
                 "reference %.9g)", name, c.frac, c.worst, got_worst, ref[c.worst]);
    }
}

/* A tensor's name for cell k of D directions: the name alone for one cell,
 * else with the cell's PyTorch suffix, "dst_iter (l1_reverse)", or with
 * its PyTorch parameter, "diff_weights_layer (weight_ih_l1_reverse)" (param
 * not NULL). */
static const char *name_of(char *buf, const char *tensor, const char *param, int ncell, int k,
                           int D)
{
    if (ncell == 1)
        return tensor;
    /* The longest name fits (CONF_ONEDNN_NAME_MAX); a longer one is cut. */
    if (snprintf(buf, CONF_ONEDNN_NAME_MAX, "%s (%s%sl%d%s)", tensor, param ? param : "",
                 param ? "_" : "", k / D, k % D ? "_reverse" : "") >= CONF_ONEDNN_NAME_MAX)
        buf[CONF_ONEDNN_NAME_MAX - 1] = '\0';
    return buf;
}

/* The tensors a case compares, oneDNN's or the reference's, in PyTorch's
 * layout: the output, h_n and c_n (L*D x B x H), the gradients of x, h0
 * and c0, and every cell's weight and bias gradients. */
typedef struct {
    float *out, *hn, *cn, *gx, *gh0, *gc0;
    rnn_cell_grads g[MAX_CELLS];
} tensors;

/* A case's sizes, as the compares need them. */
typedef struct {
    int ncell, D, lstm, I, H, W;
    size_t TBW, TBI, BH, GH;
    double tf, tb; /* the forward and gradient tolerances */
} sizes;

/* Every compare of a case: the forward tensors, then the gradients. */
static void compare_all(conf_onednn_result *r, int control, const tensors *dn,
                        const tensors *ref, const sizes *z)
{
    char nm[CONF_ONEDNN_NAME_MAX];
    const size_t BH = z->BH, GH = z->GH;
    const int ncell = z->ncell, D = z->D;
    compare(r, control, 0, "dst_layer", dn->out, ref->out, z->TBW, z->tf);
    for (int k = 0; k < ncell; k++) {
        compare(r, control, 0, name_of(nm, "dst_iter", NULL, ncell, k, D), dn->hn + k * BH,
                ref->hn + k * BH, BH, z->tf);
        if (z->lstm)
            compare(r, control, 0, name_of(nm, "dst_iter_c", NULL, ncell, k, D),
                    dn->cn + k * BH, ref->cn + k * BH, BH, z->tf);
    }
    compare(r, control, 1, "diff_src_layer", dn->gx, ref->gx, z->TBI, z->tb);
    for (int k = 0; k < ncell; k++) {
        compare(r, control, 1, name_of(nm, "diff_src_iter", NULL, ncell, k, D),
                dn->gh0 + k * BH, ref->gh0 + k * BH, BH, z->tb);
        if (z->lstm)
            compare(r, control, 1, name_of(nm, "diff_src_iter_c", NULL, ncell, k, D),
                    dn->gc0 + k * BH, ref->gc0 + k * BH, BH, z->tb);
    }
    for (int k = 0; k < ncell; k++) {
        const size_t Kk = k < D ? (size_t)z->I : (size_t)z->W;
        const rnn_cell_grads *d = &dn->g[k], *f = &ref->g[k];
        compare(r, control, 1, name_of(nm, "diff_weights_layer", "weight_ih", ncell, k, D),
                d->weight_ih, f->weight_ih, GH * Kk, z->tb);
        compare(r, control, 1, name_of(nm, "diff_weights_iter", "weight_hh", ncell, k, D),
                d->weight_hh, f->weight_hh, GH * (size_t)z->H, z->tb);
        compare(r, control, 1, ncell == 1 ? "diff_bias (as b_ih)"
                                          : name_of(nm, "diff_bias", "as bias_ih", ncell, k, D),
                d->bias_ih, f->bias_ih, GH, z->tb);
        compare(r, control, 1, ncell == 1 ? "diff_bias (as b_hh)"
                                          : name_of(nm, "diff_bias", "as bias_hh", ncell, k, D),
                d->bias_hh, f->bias_hh, GH, z->tb);
    }
}

/* One primitive of a case and its oneDNN-layout buffers. */
typedef struct {
    conf_onednn_rnn rnn;
    int SLC;
    float *wl, *wi, *bias, *dst, *gsrc, *gwl, *gwi, *gb;
} stage;

static void run_one(conf_onednn_ctx *x, conf_onednn_result *r)
{
    const rnn_cell cell = r->cell;
    const int T = r->T, B = r->B, I = r->I, H = r->H, L = r->L, D = r->bi ? 2 : 1;
    const int G = rnn_cell_gates(cell), Gb = rnn_onednn_bias_gates(cell), lstm = cell == RNN_LSTM;
    const int ncell = L * D, W = D * H;
    conf_case cs = {.desc = {cell, RNN_MANY2MANY, T, 0, B, I, H, 1, L > 1 ? L : 0, r->bi},
                    .rho = 1.0, .seed = 77};
    conf_problem p;
    const rnn_status gst = ncell > MAX_CELLS ? RNN_ERR_ARG : conf_problem_generate(&cs, &p);
    if (gst != RNN_OK) {
        snprintf(r->error, sizeof r->error, "could not generate the problem: %s",
                 rnn_strerror(gst));
        return;
    }
    /* The cells, index l*D + d (docs/design.md §7); layer 0 reads I, the
     * others D*H. */
    const rnn_cell_weights *w = ncell > 1 ? p.params.layers : &p.params.cell;
    /* One primitive where oneDNN's stack is PyTorch's (onednn_check.h),
     * else one per layer, chained. */
    const int one = L == 1 || (D == 1 && I == H);
    const int nprim = one ? 1 : L, Lp = one ? L : 1;
    r->primitives = nprim;
    const size_t TBW = (size_t)T * B * W, TBI = (size_t)T * B * I, BH = (size_t)B * H;
    const size_t S = (size_t)ncell * BH, GH = (size_t)G * H;
    pool pl = {.n = 0}, ctl = {.n = 0}; /* ctl: the negative control's copies */
    /* Upstream gradients on every output row, on every h_n and c_n. */
    float *gout = take(&pl, TBW), *ghn = take(&pl, S), *gcn = take(&pl, S);
    float *ref_out = take(&pl, TBW), *ref_hn = take(&pl, S), *ref_cn = take(&pl, S);
    float *ref_gx = take(&pl, TBI), *ref_gh0 = take(&pl, S), *ref_gc0 = take(&pl, S);
    float *dn_out = take(&pl, TBW), *dn_hn = take(&pl, S), *dn_cn = take(&pl, S);
    float *dn_gx = take(&pl, TBI), *dn_gh0 = take(&pl, S), *dn_gc0 = take(&pl, S);
    rnn_cell_grads ref_g[MAX_CELLS], dn_g[MAX_CELLS];
    for (int k = 0; k < ncell; k++) {
        const size_t K = k < D ? (size_t)I : (size_t)W;
        ref_g[k] = (rnn_cell_grads){take(&pl, GH * K), take(&pl, GH * H), take(&pl, GH),
                                    take(&pl, GH)};
        dn_g[k] = (rnn_cell_grads){take(&pl, GH * K), take(&pl, GH * H), take(&pl, GH),
                                   take(&pl, GH)};
    }
    stage st[MAX_CELLS];
    memset(st, 0, sizeof st);
    for (int j = 0; j < nprim; j++) {
        stage *s = &st[j];
        const size_t c = (size_t)Lp * D;
        s->SLC = j ? W : I;
        s->wl = take(&pl, c * s->SLC * GH);
        s->wi = take(&pl, c * H * GH);
        s->bias = take(&pl, c * Gb * H);
        s->gwl = take(&pl, c * s->SLC * GH);
        s->gwi = take(&pl, c * H * GH);
        s->gb = take(&pl, c * Gb * H);
        s->dst = j + 1 < nprim ? take(&pl, TBW) : dn_out;
        s->gsrc = j ? take(&pl, (size_t)T * B * s->SLC) : dn_gx;
    }
    if (pl.oom) {
        snprintf(r->error, sizeof r->error, "out of memory");
        goto done;
    }
    rnn_fill_uniform(gout, TBW, cs.seed, 400, -1.0f, 1.0f);
    rnn_fill_uniform(ghn, S, cs.seed, 401, -1.0f, 1.0f);
    rnn_fill_uniform(gcn, S, cs.seed, 402, -1.0f, 1.0f);

    /* oneDNN's primitives and weights: primitive j holds cells
     * j*Lp*D .. (j+1)*Lp*D - 1, its block c being cell j*Lp*D + c. */
    for (int j = 0; j < nprim; j++) {
        stage *s = &st[j];
        if (conf_onednn_rnn_create(x, &s->rnn, cell, Lp, D, T, B, s->SLC, H, r->error,
                                   sizeof r->error))
            goto done;
        for (int c = 0; c < Lp * D; c++) {
            const rnn_cell_weights *wk = &w[j * Lp * D + c];
            rnn_onednn_weights_to(cell, H, s->SLC, wk->weight_ih, s->wl + c * s->SLC * GH);
            rnn_onednn_weights_to(cell, H, H, wk->weight_hh, s->wi + c * H * GH);
            rnn_onednn_bias_to(cell, H, wk->bias_ih, wk->bias_hh, s->bias + (size_t)c * Gb * H);
        }
    }

    /* The reference: PyTorch's nn.RNN/LSTM/GRU(num_layers=L, bidirectional). */
    rnn_grads g;
    memset(&g, 0, sizeof g);
    g.x = ref_gx;
    g.h0 = ref_gh0;
    g.c0 = lstm ? ref_gc0 : NULL;
    if (ncell > 1)
        g.layers = ref_g;
    else
        g.cell = ref_g[0];
    rnn_status rs = rnn_reference_seq_forward(&cs.desc, w, p.x, p.h0, lstm ? p.c0 : NULL,
                                              ref_out, ref_hn, lstm ? ref_cn : NULL);
    if (rs == RNN_OK)
        rs = rnn_reference_seq_backward(&cs.desc, w, p.x, p.h0, lstm ? p.c0 : NULL, gout, ghn,
                                        lstm ? gcn : NULL, &g);
    if (rs != RNN_OK) {
        snprintf(r->error, sizeof r->error, "reference: %s", rnn_strerror(rs));
        goto done;
    }

    /* Forward, bottom up: primitive j's states are the slice of h0, c0, h_n,
     * c_n from its first cell on (ldnc is PyTorch's (L*D) x B x H order). */
    conf_onednn_buffers buf[MAX_CELLS];
    for (int j = 0; j < nprim; j++) {
        const size_t off = (size_t)j * Lp * D * BH;
        stage *s = &st[j];
        buf[j] = (conf_onednn_buffers){
            .src_layer = j ? st[j - 1].dst : p.x,
            .src_iter = p.h0 + off, .src_iter_c = lstm ? p.c0 + off : NULL,
            .weights_layer = s->wl, .weights_iter = s->wi, .bias = s->bias,
            .dst_layer = s->dst, .dst_iter = dn_hn + off, .dst_iter_c = dn_cn + off,
            .diff_dst_layer = j + 1 < nprim ? st[j + 1].gsrc : gout,
            .diff_dst_iter = ghn + off, .diff_dst_iter_c = gcn + off,
            .diff_src_layer = s->gsrc, .diff_src_iter = dn_gh0 + off,
            .diff_src_iter_c = dn_gc0 + off,
            .diff_weights_layer = s->gwl, .diff_weights_iter = s->gwi, .diff_bias = s->gb};
        if (conf_onednn_rnn_forward(x, &s->rnn, &buf[j]))
            goto fail;
    }

    /* Backward, top down: primitive j's diff_dst_layer is primitive j+1's
     * diff_src_layer (set above). */
    for (int j = nprim - 1; j >= 0; j--)
        if (conf_onednn_rnn_backward(x, &st[j].rnn, &buf[j]))
            goto fail;
    for (int j = 0; j < nprim; j++)
        for (int c = 0; c < Lp * D; c++) {
            const stage *s = &st[j];
            const rnn_cell_grads *dk = &dn_g[j * Lp * D + c];
            rnn_onednn_weights_from(cell, H, s->SLC, s->gwl + c * s->SLC * GH, dk->weight_ih);
            rnn_onednn_weights_from(cell, H, H, s->gwi + c * H * GH, dk->weight_hh);
            rnn_onednn_bias_grad_from(cell, H, s->gb + (size_t)c * Gb * H, dk->bias_ih,
                                      dk->bias_hh);
        }
    /* The conformance runner's depth (conf_tensor_depth), over T*L steps. */
    const double K = conf_chain_depth(ncell, W, I, H), steps = (double)T * L;
    const sizes z = {ncell, D, lstm, I, H, W, TBW, TBI, BH, GH,
                     rnn_tolerance(RNN_TOL_FORWARD, K, steps),
                     rnn_tolerance(RNN_TOL_GRADIENT, K, steps)};
    tensors dn = {dn_out, dn_hn, dn_cn, dn_gx, dn_gh0, dn_gc0, {{0}}};
    tensors ref = {ref_out, ref_hn, ref_cn, ref_gx, ref_gh0, ref_gc0, {{0}}};
    for (int k = 0; k < ncell; k++)
        dn.g[k] = dn_g[k], ref.g[k] = ref_g[k];
    compare_all(r, 0, &dn, &ref, &z);
    /* The negative control: the same compares of oneDNN's tensors, each
     * with its last element moved, must all fail. */
    tensors bad = {moved(&ctl, dn_out, TBW, TBW), moved(&ctl, dn_hn, S, BH),
                   moved(&ctl, dn_cn, S, BH),     moved(&ctl, dn_gx, TBI, TBI),
                   moved(&ctl, dn_gh0, S, BH),    moved(&ctl, dn_gc0, S, BH), {{0}}};
    for (int k = 0; k < ncell; k++) {
        const size_t Kk = k < D ? (size_t)I : (size_t)W;
        bad.g[k] = (rnn_cell_grads){moved(&ctl, dn_g[k].weight_ih, GH * Kk, GH * Kk),
                                    moved(&ctl, dn_g[k].weight_hh, GH * H, GH * H),
                                    moved(&ctl, dn_g[k].bias_ih, GH, GH),
                                    moved(&ctl, dn_g[k].bias_hh, GH, GH)};
    }
    if (ctl.oom) {
        snprintf(r->error, sizeof r->error, "out of memory for the negative control");
        r->passed = 0;
    } else {
        compare_all(r, 1, &bad, &ref, &z);
    }
    r->ran = 1;
    goto done;
fail:
    snprintf(r->error, sizeof r->error, "oneDNN call failed: %s", x->failed);
    r->passed = 0;
done:
    for (int j = 0; j < nprim; j++)
        conf_onednn_rnn_destroy(&st[j].rnn);
    pool_free(&pl);
    pool_free(&ctl);
    conf_problem_free(&p);
    x->failed = NULL;
}

int conf_onednn_run(conf_onednn_result *res, int max)
{
    conf_onednn_ctx c = {NULL, NULL, NULL}, *x = &c;
    int n = 0;
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    if (dnnl_engine_create(&c.eng, dnnl_cpu, 0) != dnnl_success)
        c.failed = "dnnl_engine_create";
    else if (dnnl_stream_create(&c.st, c.eng, dnnl_stream_default_flags) != dnnl_success)
        c.failed = "dnnl_stream_create";
    for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
        for (int s = 0; s < nshapes && n < max; s++) {
            conf_onednn_result *r = &res[n++];
            memset(r, 0, sizeof *r);
            r->cell = (rnn_cell)cell;
            r->T = shapes[s].T;
            r->B = shapes[s].B;
            r->I = shapes[s].I;
            r->H = shapes[s].H;
            r->L = shapes[s].L;
            r->bi = shapes[s].bi;
            r->passed = 1;
            snprintf(r->worst_fwd, sizeof r->worst_fwd, "-");
            snprintf(r->worst_bwd, sizeof r->worst_bwd, "-");
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
