/* test_gradcheck.c — the reference's BPTT against central finite differences
 * of its own double-precision loss, for every cell x every topology x every
 * gradient tensor, on small odd shapes; the plain sequence's backward against
 * finite differences of sum(gy*y) + sum(ghn*hn) + sum(gcn*cn); and the float
 * API's gradients against the double path rounded to float (bit for bit);
 * and stacks (docs/design.md §7): L layers, one or two directions, every
 * topology, every cell's gradients by PyTorch's names (weight_ih_l1_reverse,
 * decoder.weight_hh_l1, ...).
 *
 * Error measure per sampled entry: |fd - an| / max(|fd|, |an|, 1e-3 * max |an|
 * over the tensor, 1e-12): relative, but tiny entries of a tensor are judged
 * against its scale (their relative error is round-off noise).
 * Finite differences: the fourth-order central stencil
 *     f' = (8 (f(w+s) - f(w-s)) - (f(w+2s) - f(w-2s))) / (12 s) + O(s^4),
 * s = 1e-3 * max(1, |w|). The loss carries ~1e-15 of summation round-off, so
 * plain central differences (error s^2 + 1e-15/s, at best ~1e-10 absolute)
 * cannot resolve gradient entries of 1e-5 to better than 1e-5 relative; this
 * stencil (s^4 + 1e-15/s ~ 1e-12) can. Measured: correct gradients show at
 * most a few 1e-9; a wrong term shows 1e-2..1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "../reference/reference_internal.h"

#define SAMPLES 24
#define THRESHOLD 1e-6
#ifndef STEP
#define STEP 1e-3
#endif

static double worst_overall;

/* ---- random data: floats from the library PRNG, widened to double ---- */
typedef struct {
    size_t n;
    float *f;
    double *d;
} tensor;

static tensor make(size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    tensor t = {n, calloc(n ? n : 1, sizeof(float)), calloc(n ? n : 1, sizeof(double))};
    rnn_fill_uniform(t.f, n, seed, stream, lo, hi);
    for (size_t i = 0; i < n; i++)
        t.d[i] = t.f[i];
    return t;
}

static void drop(tensor *t)
{
    free(t->f);
    free(t->d);
    t->f = NULL;
    t->d = NULL;
}

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    tensor w[2][4]; /* [cell, decoder][weight_ih, weight_hh, bias_ih, bias_hh] */
    tensor W_hy, b_y, x, x_dec, h0, c0;
    int32_t *targets;
    ref_params pd;
    ref_inputs id;
} problem;

static void build(problem *p, rnn_desc d, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->d = d;
    rnn_status st = rnn_ref_check_desc(&d, &p->s);
    CHECK(st == RNN_OK, "rnn_ref_check_desc: %d", (int)st);
    const rnn_sizes *s = &p->s;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            p->w[c][k] = make(n[k], seed, (uint64_t)(10 * c + k), -0.6f, 0.6f);
    p->W_hy = make(s->W_hy, seed, 20, -1.0f, 1.0f);
    p->b_y = make(s->b_y, seed, 21, -0.5f, 0.5f);
    p->x = make(s->x, seed, 22, -1.0f, 1.0f);
    p->x_dec = make(s->x_dec, seed, 23, -1.0f, 1.0f);
    p->h0 = make(s->state, seed, 24, -0.5f, 0.5f);
    p->c0 = make(s->state, seed, 25, -0.5f, 0.5f);
    p->targets = calloc(s->targets, sizeof *p->targets);
    for (size_t i = 0; i < s->targets; i++)
        p->targets[i] = (int32_t)(rnn_prng_u64(seed, 26, i) % (uint64_t)d.V);
    for (int c = 0; c < 2; c++) {
        ref_weights *w = c ? &p->pd.decoder : &p->pd.cell;
        w->weight_ih = p->w[c][0].d;
        w->weight_hh = p->w[c][1].d;
        w->bias_ih = p->w[c][2].d;
        w->bias_hh = p->w[c][3].d;
    }
    p->pd.W_hy = p->W_hy.d;
    p->pd.b_y = p->b_y.d;
    p->id = (ref_inputs){p->x.d, p->x_dec.d, p->h0.d, d.cell == RNN_LSTM ? p->c0.d : NULL,
                         p->targets};
}

static void destroy(problem *p)
{
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            drop(&p->w[c][k]);
    drop(&p->W_hy);
    drop(&p->b_y);
    drop(&p->x);
    drop(&p->x_dec);
    drop(&p->h0);
    drop(&p->c0);
    free(p->targets);
}

/* ---- the finite-difference check of one tensor ---- */
typedef double (*scalar_fn)(void *ctx);

/* A stable number from a tensor's name, to vary the sampled entries. */
static uint64_t name_salt(const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211ull;
    return h;
}

/* Entries to sample: all of a small tensor, else SAMPLES spread over it. */
static size_t sample_index(size_t n, size_t k, uint64_t salt)
{
    if (n <= SAMPLES)
        return k;
    size_t stride = n / SAMPLES;
    return k * stride + (size_t)(rnn_prng_u64(7, salt, k) % stride);
}

static double check_tensor(const char *entry, const char *cell, const char *topo,
                           const char *name, double *param, const double *grad, size_t n,
                           scalar_fn f, void *ctx)
{
    double scale = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(grad[i]) > scale)
            scale = fabs(grad[i]);
    const size_t count = n < SAMPLES ? n : SAMPLES;
    double worst = 0.0;
    size_t worst_i = 0;
    double worst_fd = 0.0;
    for (size_t k = 0; k < count; k++) {
        const size_t i = sample_index(n, k, name_salt(name));
        const double w0 = param[i];
        const double step = STEP * (fabs(w0) > 1.0 ? fabs(w0) : 1.0);
        param[i] = w0 + step;
        const double f1p = f(ctx);
        param[i] = w0 - step;
        const double f1m = f(ctx);
        param[i] = w0 + 2.0 * step;
        const double f2p = f(ctx);
        param[i] = w0 - 2.0 * step;
        const double f2m = f(ctx);
        param[i] = w0;
        const double fd = (8.0 * (f1p - f1m) - (f2p - f2m)) / (12.0 * step);
        double den = fabs(fd);
        if (fabs(grad[i]) > den)
            den = fabs(grad[i]);
        if (1e-3 * scale > den)
            den = 1e-3 * scale;
        if (den < 1e-12)
            den = 1e-12;
        const double rel = fabs(fd - grad[i]) / den;
        if (!(rel <= worst)) {
            worst = rel;
            worst_i = i;
            worst_fd = fd;
        }
    }
    printf("%-6s %-9s %-10s %-18s %5zu %10.2e %10.2e\n", entry, cell, topo, name, count, scale,
           worst);
    CHECK(worst <= THRESHOLD, "%s %s %s %s: rel error %.3e at [%zu] (fd %.10e, analytic %.10e)",
          entry, cell, topo, name, worst, worst_i, worst_fd, grad[worst_i]);
    if (!(worst <= worst_overall))
        worst_overall = worst;
    return worst;
}

/* ---- the topology loss ---- */
static double model_loss(void *ctx)
{
    problem *p = ctx;
    double loss = 0.0;
    ref_outputs out = {NULL, NULL, NULL, &loss};
    rnn_status st = rnn_ref_model_run(&p->d, &p->pd, &p->id, &out, NULL);
    if (st != RNN_OK)
        return NAN;
    return loss;
}

typedef struct {
    double *x, *x_dec, *h0, *c0, *W_hy, *b_y;
    double *cw[2][4];
} grad_bufs;

static void check_model(rnn_desc d, uint64_t seed)
{
    problem p;
    build(&p, d, seed);
    const rnn_sizes *s = &p.s;
    const int seq2seq = d.topology == RNN_SEQ2SEQ, lstm = d.cell == RNN_LSTM;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    grad_bufs gb;
    gb.x = calloc(s->x, sizeof(double));
    gb.x_dec = calloc(s->x_dec + 1, sizeof(double));
    gb.h0 = calloc(s->state, sizeof(double));
    gb.c0 = calloc(s->state, sizeof(double));
    gb.W_hy = calloc(s->W_hy, sizeof(double));
    gb.b_y = calloc(s->b_y, sizeof(double));
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            gb.cw[c][k] = calloc(n[k], sizeof(double));
    ref_grads g = {gb.x, seq2seq ? gb.x_dec : NULL, gb.h0, lstm ? gb.c0 : NULL,
                   {gb.cw[0][0], gb.cw[0][1], gb.cw[0][2], gb.cw[0][3]},
                   {gb.cw[1][0], gb.cw[1][1], gb.cw[1][2], gb.cw[1][3]}, gb.W_hy, gb.b_y};
    double loss = 0.0;
    ref_outputs out = {NULL, NULL, NULL, &loss};
    rnn_status st = rnn_ref_model_run(&d, &p.pd, &p.id, &out, &g);
    CHECK(st == RNN_OK, "rnn_ref_model_run: %d", (int)st);
    CHECK(loss == model_loss(&p), "loss of train %.17g != loss of forward", loss);

    const char *cell = rnn_cell_name(d.cell), *topo = rnn_topology_name(d.topology);
    static const char *wname[2][4] = {
        {"weight_ih", "weight_hh", "bias_ih", "bias_hh"},
        {"decoder.weight_ih", "decoder.weight_hh", "decoder.bias_ih", "decoder.bias_hh"}};
    check_tensor("train", cell, topo, "x", p.x.d, gb.x, s->x, model_loss, &p);
    if (seq2seq)
        check_tensor("train", cell, topo, "x_dec", p.x_dec.d, gb.x_dec, s->x_dec, model_loss,
                     &p);
    check_tensor("train", cell, topo, "h0", p.h0.d, gb.h0, s->state, model_loss, &p);
    if (lstm)
        check_tensor("train", cell, topo, "c0", p.c0.d, gb.c0, s->state, model_loss, &p);
    for (int c = 0; c < (seq2seq ? 2 : 1); c++)
        for (int k = 0; k < 4; k++)
            check_tensor("train", cell, topo, wname[c][k], p.w[c][k].d, gb.cw[c][k], n[k],
                         model_loss, &p);
    check_tensor("train", cell, topo, "W_hy", p.W_hy.d, gb.W_hy, s->W_hy, model_loss, &p);
    check_tensor("train", cell, topo, "b_y", p.b_y.d, gb.b_y, s->b_y, model_loss, &p);

    /* The float API on the same (float) data: every output and gradient is
     * the double path's, rounded once. */
    float *fg[2][4];
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            fg[c][k] = calloc(n[k], sizeof(float));
    float *fx = calloc(s->x, sizeof(float)), *fxd = calloc(s->x_dec + 1, sizeof(float)),
          *fh0 = calloc(s->state, sizeof(float)), *fc0 = calloc(s->state, sizeof(float)),
          *fW = calloc(s->W_hy, sizeof(float)), *fb = calloc(s->b_y, sizeof(float));
    float floss = 0.0f;
    rnn_params fp = {{p.w[0][0].f, p.w[0][1].f, p.w[0][2].f, p.w[0][3].f},
                     {p.w[1][0].f, p.w[1][1].f, p.w[1][2].f, p.w[1][3].f}, p.W_hy.f, p.b_y.f};
    rnn_inputs fi = {p.x.f, NULL, p.x_dec.f, NULL, p.h0.f, p.c0.f, p.targets};
    rnn_outputs fo = {NULL, NULL, NULL, &floss};
    rnn_grads fgr = {fx, fxd, fh0, fc0, {fg[0][0], fg[0][1], fg[0][2], fg[0][3]},
                     {fg[1][0], fg[1][1], fg[1][2], fg[1][3]}, fW, fb};
    st = rnn_reference_train(&d, &fp, &fi, &fo, &fgr);
    CHECK(st == RNN_OK, "rnn_reference_train: %d", (int)st);
    size_t mismatches = 0;
#define SAME(fl, db, cnt)                                  \
    for (size_t i_ = 0; i_ < (cnt); i_++)                  \
        mismatches += (fl)[i_] != (float)(db)[i_];
    SAME(fx, gb.x, s->x);
    if (seq2seq)
        SAME(fxd, gb.x_dec, s->x_dec);
    SAME(fh0, gb.h0, s->state);
    if (lstm)
        SAME(fc0, gb.c0, s->state);
    for (int c = 0; c < (seq2seq ? 2 : 1); c++)
        for (int k = 0; k < 4; k++)
            SAME(fg[c][k], gb.cw[c][k], n[k]);
    SAME(fW, gb.W_hy, s->W_hy);
    SAME(fb, gb.b_y, s->b_y);
#undef SAME
    CHECK(mismatches == 0 && floss == (float)loss,
          "%s %s: float API differs from the rounded double path in %zu gradient entries"
          " (loss %.9g vs %.9g)", cell, topo, mismatches, (double)floss, (double)(float)loss);

    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++) {
            free(gb.cw[c][k]);
            free(fg[c][k]);
        }
    free(gb.x);
    free(gb.x_dec);
    free(gb.h0);
    free(gb.c0);
    free(gb.W_hy);
    free(gb.b_y);
    free(fx);
    free(fxd);
    free(fh0);
    free(fc0);
    free(fW);
    free(fb);
    destroy(&p);
}

/* ---- the plain sequence: F = sum(gy*y) + sum(ghn*hn) + sum(gcn*cn) ---- */
typedef struct {
    problem *p;
    tensor gy, ghn, gcn;
} seq_ctx;

/* F of a plain sequence run on cells (one, or a stack's L*D). */
static double seq_objective(const rnn_desc *d, const rnn_sizes *s, const void *cells,
                            const double *x, const double *h0, const double *c0,
                            const double *gy, const double *ghn, const double *gcn)
{
    double *y = calloc(s->h, sizeof *y), *hn = calloc(s->state, sizeof *hn),
           *cn = calloc(s->state, sizeof *cn);
    rnn_status st = rnn_ref_seq_run(d, cells, x, h0, c0, y, hn, cn, NULL, NULL, NULL, NULL);
    double F = NAN;
    if (st == RNN_OK) {
        F = 0.0;
        for (size_t i = 0; i < s->h; i++)
            F += gy[i] * y[i];
        for (size_t i = 0; i < s->state; i++)
            F += ghn[i] * hn[i] + (d->cell == RNN_LSTM ? gcn[i] * cn[i] : 0.0);
    }
    free(y);
    free(hn);
    free(cn);
    return F;
}

static double seq_scalar(void *ctx)
{
    seq_ctx *q = ctx;
    problem *p = q->p;
    return seq_objective(&p->d, &p->s, &p->pd.cell, p->x.d, p->h0.d, p->c0.d, q->gy.d, q->ghn.d,
                         q->gcn.d);
}

static void check_seq(rnn_desc d, uint64_t seed)
{
    problem p;
    build(&p, d, seed);
    const rnn_sizes *s = &p.s;
    seq_ctx q = {&p, make(s->h, seed, 40, -1.0f, 1.0f), make(s->state, seed, 41, -1.0f, 1.0f),
                 make(s->state, seed, 42, -1.0f, 1.0f)};
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    double *dx = calloc(s->x, sizeof *dx), *dh0 = calloc(s->state, sizeof *dh0),
           *dc0 = calloc(s->state, sizeof *dc0), *dw[4];
    for (int k = 0; k < 4; k++)
        dw[k] = calloc(n[k], sizeof(double));
    ref_grads g = {dx, NULL, dh0, dc0, {dw[0], dw[1], dw[2], dw[3]}, {0}, NULL, NULL};
    rnn_status st = rnn_ref_seq_run(&d, &p.pd.cell, p.x.d, p.h0.d, p.c0.d, NULL, NULL, NULL,
                                    q.gy.d, q.ghn.d, q.gcn.d, &g);
    CHECK(st == RNN_OK, "rnn_ref_seq_run backward: %d", (int)st);
    const char *cell = rnn_cell_name(d.cell), *topo = rnn_topology_name(d.topology);
    static const char *wname[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    check_tensor("seq", cell, topo, "x", p.x.d, dx, s->x, seq_scalar, &q);
    check_tensor("seq", cell, topo, "h0", p.h0.d, dh0, s->state, seq_scalar, &q);
    if (d.cell == RNN_LSTM)
        check_tensor("seq", cell, topo, "c0", p.c0.d, dc0, s->state, seq_scalar, &q);
    for (int k = 0; k < 4; k++)
        check_tensor("seq", cell, topo, wname[k], p.w[0][k].d, dw[k], n[k], seq_scalar, &q);

    /* The float seq API: the double path rounded. */
    float *fx = calloc(s->x, sizeof *fx), *fh0 = calloc(s->state, sizeof *fh0),
          *fc0 = calloc(s->state, sizeof *fc0), *fw[4];
    for (int k = 0; k < 4; k++)
        fw[k] = calloc(n[k], sizeof(float));
    rnn_cell_weights w = {p.w[0][0].f, p.w[0][1].f, p.w[0][2].f, p.w[0][3].f};
    rnn_grads fg = {fx, NULL, fh0, fc0, {fw[0], fw[1], fw[2], fw[3]}, {0}, NULL, NULL};
    st = rnn_reference_seq_backward(&d, &w, p.x.f, p.h0.f, p.c0.f, q.gy.f, q.ghn.f, q.gcn.f,
                                    &fg);
    CHECK(st == RNN_OK, "rnn_reference_seq_backward: %d", (int)st);
    size_t mismatches = 0;
    for (size_t i = 0; i < s->x; i++)
        mismatches += fx[i] != (float)dx[i];
    for (size_t i = 0; i < s->state; i++)
        mismatches += (fh0[i] != (float)dh0[i]) +
                      (d.cell == RNN_LSTM && fc0[i] != (float)dc0[i]);
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n[k]; i++)
            mismatches += fw[k][i] != (float)dw[k][i];
    CHECK(mismatches == 0, "%s seq: float API differs from the rounded double path in %zu entries",
          cell, mismatches);

    for (int k = 0; k < 4; k++) {
        free(dw[k]);
        free(fw[k]);
    }
    free(dx);
    free(dh0);
    free(dc0);
    free(fx);
    free(fh0);
    free(fc0);
    drop(&q.gy);
    drop(&q.ghn);
    drop(&q.gcn);
    destroy(&p);
}

/* ---- stacks: L layers x D directions, every cell's tensors ---- */
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    size_t n_enc, n_dec;      /* cells: L*D, and L for seq2seq's decoder */
    tensor (*w)[4];           /* n_enc + n_dec cells' weight_ih, weight_hh, bias_ih, bias_hh */
    ref_weights *rw;          /* the same as ref_weights */
    tensor W_hy, b_y, x, x_dec, h0, c0;
    int32_t *targets;
    ref_params pd;
    ref_inputs id;
} stack_problem;

/* weight_ih's size of cell k (encoder cells first, then the decoder's). */
static size_t stack_ih(const stack_problem *p, size_t k)
{
    const size_t D = p->s.directions;
    if (k < p->n_enc)
        return k / D ? p->s.weight_ih_upper : p->s.weight_ih;
    return k - p->n_enc ? p->s.weight_hh : p->s.weight_ih;
}

/* PyTorch's name of tensor j of cell k: weight_ih_l1_reverse, decoder.bias_hh_l0. */
static void stack_name(const stack_problem *p, size_t k, int j, char *buf, size_t n)
{
    static const char *base[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    const size_t D = p->s.directions;
    if (k < p->n_enc)
        snprintf(buf, n, "%s_l%zu%s", base[j], k / D, k % D ? "_reverse" : "");
    else
        snprintf(buf, n, "decoder.%s_l%zu", base[j], k - p->n_enc);
}

static void stack_build(stack_problem *p, rnn_desc d, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->d = d;
    rnn_status st = rnn_ref_check_desc(&d, &p->s);
    CHECK(st == RNN_OK, "rnn_ref_check_desc: %d", (int)st);
    const rnn_sizes *s = &p->s;
    p->n_enc = s->cells;
    p->n_dec = d.topology == RNN_SEQ2SEQ ? s->layers : 0;
    const size_t n = p->n_enc + p->n_dec;
    p->w = calloc(n, sizeof *p->w);
    p->rw = calloc(n, sizeof *p->rw);
    for (size_t k = 0; k < n; k++) {
        const size_t sz[4] = {stack_ih(p, k), s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            p->w[k][j] = make(sz[j], seed, (uint64_t)(100 + 10 * k + (size_t)j), -0.6f, 0.6f);
        p->rw[k] = (ref_weights){p->w[k][0].d, p->w[k][1].d, p->w[k][2].d, p->w[k][3].d};
    }
    p->W_hy = make(s->W_hy, seed, 20, -1.0f, 1.0f);
    p->b_y = make(s->b_y, seed, 21, -0.5f, 0.5f);
    p->x = make(s->x, seed, 22, -1.0f, 1.0f);
    p->x_dec = make(s->x_dec, seed, 23, -1.0f, 1.0f);
    p->h0 = make(s->state, seed, 24, -0.5f, 0.5f);
    p->c0 = make(s->state, seed, 25, -0.5f, 0.5f);
    p->targets = calloc(s->targets, sizeof *p->targets);
    for (size_t i = 0; i < s->targets; i++)
        p->targets[i] = (int32_t)(rnn_prng_u64(seed, 26, i) % (uint64_t)d.V);
    p->pd.layers = p->rw;
    p->pd.dec_layers = p->n_dec ? p->rw + p->n_enc : NULL;
    p->pd.W_hy = p->W_hy.d;
    p->pd.b_y = p->b_y.d;
    p->id = (ref_inputs){p->x.d, p->x_dec.d, p->h0.d, d.cell == RNN_LSTM ? p->c0.d : NULL,
                         p->targets};
}

static void stack_destroy(stack_problem *p)
{
    for (size_t k = 0; k < p->n_enc + p->n_dec; k++)
        for (int j = 0; j < 4; j++)
            drop(&p->w[k][j]);
    free(p->w);
    free(p->rw);
    drop(&p->W_hy);
    drop(&p->b_y);
    drop(&p->x);
    drop(&p->x_dec);
    drop(&p->h0);
    drop(&p->c0);
    free(p->targets);
}

static double stack_loss(void *ctx)
{
    stack_problem *p = ctx;
    double loss = 0.0;
    ref_outputs out = {NULL, NULL, NULL, &loss};
    rnn_status st = rnn_ref_model_run(&p->d, &p->pd, &p->id, &out, NULL);
    return st == RNN_OK ? loss : NAN;
}

static void check_stack(rnn_desc d, uint64_t seed)
{
    stack_problem p;
    stack_build(&p, d, seed);
    const rnn_sizes *s = &p.s;
    const int seq2seq = d.topology == RNN_SEQ2SEQ, lstm = d.cell == RNN_LSTM;
    const size_t n = p.n_enc + p.n_dec;
    double *gx = calloc(s->x, sizeof(double)), *gxd = calloc(s->x_dec + 1, sizeof(double)),
           *gh0 = calloc(s->state, sizeof(double)), *gc0 = calloc(s->state, sizeof(double)),
           *gW = calloc(s->W_hy, sizeof(double)), *gb = calloc(s->b_y, sizeof(double));
    double *(*gw)[4] = calloc(n, sizeof *gw);
    ref_cell_grads *rg = calloc(n, sizeof *rg);
    for (size_t k = 0; k < n; k++) {
        const size_t sz[4] = {stack_ih(&p, k), s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            gw[k][j] = calloc(sz[j], sizeof(double));
        rg[k] = (ref_cell_grads){gw[k][0], gw[k][1], gw[k][2], gw[k][3]};
    }
    ref_grads g = {gx, seq2seq ? gxd : NULL, gh0, lstm ? gc0 : NULL, {0}, {0}, gW, gb,
                   rg, seq2seq ? rg + p.n_enc : NULL};
    double loss = 0.0;
    ref_outputs out = {NULL, NULL, NULL, &loss};
    rnn_status st = rnn_ref_model_run(&d, &p.pd, &p.id, &out, &g);
    CHECK(st == RNN_OK, "rnn_ref_model_run (stack): %d", (int)st);
    CHECK(loss == stack_loss(&p), "stack: loss of train %.17g != loss of forward", loss);

    char topo[40], name[40];
    snprintf(topo, sizeof topo, "%s:L%zu%s", rnn_topology_name(d.topology), s->layers,
             s->directions == 2 ? ":bi" : "");
    const char *cell = rnn_cell_name(d.cell);
    check_tensor("stack", cell, topo, "x", p.x.d, gx, s->x, stack_loss, &p);
    if (seq2seq)
        check_tensor("stack", cell, topo, "x_dec", p.x_dec.d, gxd, s->x_dec, stack_loss, &p);
    check_tensor("stack", cell, topo, "h0", p.h0.d, gh0, s->state, stack_loss, &p);
    if (lstm)
        check_tensor("stack", cell, topo, "c0", p.c0.d, gc0, s->state, stack_loss, &p);
    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 4; j++) {
            stack_name(&p, k, j, name, sizeof name);
            check_tensor("stack", cell, topo, name, p.w[k][j].d, gw[k][j], p.w[k][j].n,
                         stack_loss, &p);
        }
    check_tensor("stack", cell, topo, "W_hy", p.W_hy.d, gW, s->W_hy, stack_loss, &p);
    check_tensor("stack", cell, topo, "b_y", p.b_y.d, gb, s->b_y, stack_loss, &p);

    /* The float API: the double path rounded, tensor by tensor. */
    rnn_cell_weights *fw = calloc(n, sizeof *fw);
    rnn_cell_grads *fgc = calloc(n, sizeof *fgc);
    float *(*fgw)[4] = calloc(n, sizeof *fgw);
    for (size_t k = 0; k < n; k++) {
        fw[k] = (rnn_cell_weights){p.w[k][0].f, p.w[k][1].f, p.w[k][2].f, p.w[k][3].f};
        for (int j = 0; j < 4; j++)
            fgw[k][j] = calloc(p.w[k][j].n, sizeof(float));
        fgc[k] = (rnn_cell_grads){fgw[k][0], fgw[k][1], fgw[k][2], fgw[k][3]};
    }
    float *fx = calloc(s->x, sizeof(float)), *fxd = calloc(s->x_dec + 1, sizeof(float)),
          *fh0 = calloc(s->state, sizeof(float)), *fc0 = calloc(s->state, sizeof(float)),
          *fW = calloc(s->W_hy, sizeof(float)), *fb = calloc(s->b_y, sizeof(float));
    float floss = 0.0f;
    rnn_params fp = {{0}, {0}, p.W_hy.f, p.b_y.f, fw, seq2seq ? fw + p.n_enc : NULL};
    rnn_inputs fi = {p.x.f, NULL, p.x_dec.f, NULL, p.h0.f, p.c0.f, p.targets};
    rnn_outputs fo = {NULL, NULL, NULL, &floss};
    rnn_grads fgr = {fx, fxd, fh0, fc0, {0}, {0}, fW, fb, fgc, seq2seq ? fgc + p.n_enc : NULL};
    st = rnn_reference_train(&d, &fp, &fi, &fo, &fgr);
    CHECK(st == RNN_OK, "rnn_reference_train (stack): %d", (int)st);
    size_t mismatches = 0;
#define SAME(fl, db, cnt)                                  \
    for (size_t i_ = 0; i_ < (cnt); i_++)                  \
        mismatches += (fl)[i_] != (float)(db)[i_];
    SAME(fx, gx, s->x);
    if (seq2seq)
        SAME(fxd, gxd, s->x_dec);
    SAME(fh0, gh0, s->state);
    if (lstm)
        SAME(fc0, gc0, s->state);
    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 4; j++)
            SAME(fgw[k][j], gw[k][j], p.w[k][j].n);
    SAME(fW, gW, s->W_hy);
    SAME(fb, gb, s->b_y);
#undef SAME
    CHECK(mismatches == 0 && floss == (float)loss,
          "%s %s: float API differs from the rounded double path in %zu gradient entries"
          " (loss %.9g vs %.9g)", cell, topo, mismatches, (double)floss, (double)(float)loss);

    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 4; j++) {
            free(gw[k][j]);
            free(fgw[k][j]);
        }
    free(gw);
    free(fgw);
    free(rg);
    free(fw);
    free(fgc);
    free(gx);
    free(gxd);
    free(gh0);
    free(gc0);
    free(gW);
    free(gb);
    free(fx);
    free(fxd);
    free(fh0);
    free(fc0);
    free(fW);
    free(fb);
    stack_destroy(&p);
}

/* The plain sequence of a stack: F = sum(gy*y) + sum(ghn*hn) + sum(gcn*cn),
 * y the top layer's output, hn and cn every cell's final state. */
typedef struct {
    stack_problem *p;
    tensor gy, ghn, gcn;
} stack_seq_ctx;

static double stack_seq_scalar(void *ctx)
{
    stack_seq_ctx *q = ctx;
    stack_problem *p = q->p;
    return seq_objective(&p->d, &p->s, p->rw, p->x.d, p->h0.d, p->c0.d, q->gy.d, q->ghn.d,
                         q->gcn.d);
}

static void check_seq_stack(rnn_desc d, uint64_t seed)
{
    stack_problem p;
    stack_build(&p, d, seed);
    const rnn_sizes *s = &p.s;
    stack_seq_ctx q = {&p, make(s->h, seed, 40, -1.0f, 1.0f),
                       make(s->state, seed, 41, -1.0f, 1.0f),
                       make(s->state, seed, 42, -1.0f, 1.0f)};
    double *dx = calloc(s->x, sizeof *dx), *dh0 = calloc(s->state, sizeof *dh0),
           *dc0 = calloc(s->state, sizeof *dc0);
    double *(*gw)[4] = calloc(p.n_enc, sizeof *gw);
    ref_cell_grads *rg = calloc(p.n_enc, sizeof *rg);
    for (size_t k = 0; k < p.n_enc; k++) {
        for (int j = 0; j < 4; j++)
            gw[k][j] = calloc(p.w[k][j].n, sizeof(double));
        rg[k] = (ref_cell_grads){gw[k][0], gw[k][1], gw[k][2], gw[k][3]};
    }
    ref_grads g = {dx, NULL, dh0, dc0, {0}, {0}, NULL, NULL, rg, NULL};
    rnn_status st = rnn_ref_seq_run(&d, p.rw, p.x.d, p.h0.d, p.c0.d, NULL, NULL, NULL, q.gy.d,
                                    q.ghn.d, q.gcn.d, &g);
    CHECK(st == RNN_OK, "rnn_ref_seq_run (stack) backward: %d", (int)st);
    char topo[40], name[40];
    snprintf(topo, sizeof topo, "seq:L%zu%s", s->layers, s->directions == 2 ? ":bi" : "");
    const char *cell = rnn_cell_name(d.cell);
    check_tensor("seq", cell, topo, "x", p.x.d, dx, s->x, stack_seq_scalar, &q);
    check_tensor("seq", cell, topo, "h0", p.h0.d, dh0, s->state, stack_seq_scalar, &q);
    if (d.cell == RNN_LSTM)
        check_tensor("seq", cell, topo, "c0", p.c0.d, dc0, s->state, stack_seq_scalar, &q);
    for (size_t k = 0; k < p.n_enc; k++)
        for (int j = 0; j < 4; j++) {
            stack_name(&p, k, j, name, sizeof name);
            check_tensor("seq", cell, topo, name, p.w[k][j].d, gw[k][j], p.w[k][j].n,
                         stack_seq_scalar, &q);
        }
    for (size_t k = 0; k < p.n_enc; k++)
        for (int j = 0; j < 4; j++)
            free(gw[k][j]);
    free(gw);
    free(rg);
    free(dx);
    free(dh0);
    free(dc0);
    drop(&q.gy);
    drop(&q.ghn);
    drop(&q.gcn);
    stack_destroy(&p);
}

int main(void)
{
    /* A spread of small odd shapes {T, B, I, H, V}; cell c with topology t
     * takes shape (c + t) % 5, so every cell meets every shape. */
    static const int64_t shapes[5][5] = {
        {5, 3, 4, 5, 3}, {2, 1, 7, 9, 6}, {5, 1, 1, 1, 2}, {2, 3, 7, 5, 3}, {5, 3, 4, 9, 2}};
    printf("%-6s %-9s %-10s %-18s %5s %10s %10s\n", "entry", "cell", "topology", "tensor",
           "n", "max|grad|", "max rel");
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++) {
            const int64_t *sh = shapes[(c + t) % 5];
            rnn_desc d = {(rnn_cell)c, (rnn_topology)t, sh[0], 0, sh[1], sh[2], sh[3], sh[4]};
            if (t == RNN_ONE2ONE)
                d.T = 1;
            if (t == RNN_SEQ2SEQ)
                d.T_out = c % 2 ? 3 : 1;
            check_model(d, 1000 + (uint64_t)(c * 10 + t));
        }
    static const int64_t seq_shapes[2][4] = {{5, 3, 4, 5}, {2, 1, 7, 9}};
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int k = 0; k < 2; k++) {
            const int64_t *sh = seq_shapes[k];
            rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, sh[0], 0, sh[1], sh[2], sh[3], 1};
            check_seq(d, 2000 + (uint64_t)(c * 10 + k));
        }
    /* Stacks: every cell x topology as two bidirectional layers, and a
     * few more shapes: three layers of one direction, one layer of two. */
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++) {
            rnn_desc d = {(rnn_cell)c, (rnn_topology)t, t == RNN_ONE2ONE ? 1 : 4,
                          t == RNN_SEQ2SEQ ? 2 : 0, 2, 3, c % 2 ? 3 : 4, 3, 2, 1};
            check_stack(d, 3000 + (uint64_t)(c * 10 + t));
            if ((c + t) % 3 == 0) {
                d.L = 3;
                d.bidirectional = 0;
                check_stack(d, 4000 + (uint64_t)(c * 10 + t));
            } else if ((c + t) % 3 == 1) {
                d.L = 1;
                check_stack(d, 5000 + (uint64_t)(c * 10 + t));
            }
        }
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 4, 0, 2, 3, 3, 1, 2, 1};
        check_seq_stack(d, 6000 + (uint64_t)c);
    }
    printf("worst relative error over all checks: %.3e (threshold %.0e)\n", worst_overall,
           THRESHOLD);
    return check_summary();
}
