/* generate.c — a case's tensors from its line (see generate.h).
 *
 * What is drawn (all portable fills of rnnsimd.h, seed = the case's seed):
 *   weight_ih   uniform [-1/sqrt(I), 1/sqrt(I))  (PyTorch-like scale)
 *   weight_hh   gate block g (rows g*H..g*H+H-1) = rho * Q_g, Q_g orthogonal
 *               from rnn_fill_orthogonal (stream CONF_STREAM_WEIGHT_HH + g)
 *   bias_ih/hh  uniform [-0.2, 0.2)
 *   W_hy        uniform [-1/sqrt(H), 1/sqrt(H)),  b_y uniform [-0.2, 0.2)
 *   x, x_dec    uniform [-1, 1)
 *   h0, c0      uniform [-0.5, 0.5)  (non-zero, so their gradients matter)
 *   targets     rnn_prng_u64(seed, CONF_STREAM_TARGETS, i) mod V
 * The decoder of seq2seq draws its own four tensors the same way from streams
 * offset by CONF_STREAM_DECODER. A stack's further cells (every cell but the
 * encoder's and the decoder's layer 0 forward) draw theirs the same way from
 * streams offset by CONF_STREAM_STACK + 100 u, weight_ih's scale 1/sqrt of
 * the cell's input width (I, D*H, or H for the decoder); W_hy's scale is
 * 1/sqrt of the width the head reads (H for one direction).
 *
 * The kind fields of the line (case.h) then change some of these, always
 * after the draw, so every value they leave alone keeps its bits:
 *   state=mixed   h0's even batch rows and c0's odd ones set to exact zeros
 *                 (so with B >= 2 some rows start from zero and others not,
 *                 and for lstm a row's h and c differ in being zero)
 *   state=h0zero  h0 all zeros (given, not NULL); c0 (lstm) as drawn
 *   state=c0zero  c0 all zeros; h0 as drawn (lstm only)
 *   state=none    h0 and c0 not given (NULL: the API's zeros)
 *   head=wide     W_hy times 4 (exact), and b_y[v] = 48 - 96 v / (V-1): the
 *                 logits of every row span about 96, so the softmax sums
 *                 exponentials from 1 down to below float's normal range
 *                 (CONF_WIDE_SPAN is the least span the runner accepts)
 *   x=sat         x (and x_dec) times 64 (exact) at step t, batch row b with
 *                 t + b odd: pre-activations of about +-20, so those rows'
 *                 gates saturate while the others' do not
 *
 * What rho means. Every gate block of weight_hh (and of the decoder's) is
 * exactly rho times an orthogonal matrix: all its singular values, so its
 * spectral norm and spectral radius, are rho (up to float rounding; LAPACKE
 * verifies it per case, see regime.c). Per cell, the step Jacobian dh'/dh is:
 *   rnn_tanh: diag(1 - h'^2) W_hh, so rho bounds its norm: rho 0.5 contracts
 *             (vanishing gradients), rho 1.5 expands wherever units are not
 *             saturated (exploding regime);
 *   lstm:     a gate-weighted sum of the four blocks (the g block through
 *             o*(1-tanh^2 c)*i) plus the cell path f; rho scales every block;
 *   gru:      diag(1-z) + gate-weighted terms of the r, z blocks and of
 *             W_hn diag(r) (the candidate block); rho scales every block;
 *   lbr_gru:  diag(z) + gate-weighted terms, with diag(r) W_hn for the
 *             candidate; rho scales every block.
 * So rho is the regime of the recurrent product itself: < 1 contracts,
 * > 1 expands, 1 preserves norms; the gates then damp it per cell. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "generate.h"

static float *falloc(size_t n, int *ok)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        *ok = 0;
    return p;
}

static void free_cell(conf_cell_tensors *c)
{
    free(c->weight_ih);
    free(c->weight_hh);
    free(c->bias_ih);
    free(c->bias_hh);
    memset(c, 0, sizeof *c);
}

void conf_problem_free(conf_problem *p)
{
    if (!p)
        return;
    for (size_t u = 0; p->upper && u < p->n_upper; u++)
        free_cell(&p->upper[u]);
    free(p->upper);
    free(p->layers);
    free(p->decoder_layers);
    free(p->names);
    free_cell(&p->cell);
    free_cell(&p->decoder);
    free(p->W_hy);
    free(p->b_y);
    free(p->x);
    free(p->x_dec);
    free(p->h0);
    free(p->c0);
    free(p->targets);
    memset(p, 0, sizeof *p);
}

/* 1/sqrt(n) with correctly rounded operations only: portable. */
static float inv_sqrt(int64_t n)
{
    double r = 1.0 / sqrt((double)n);
    return (float)r;
}

/* The name of tensor j (weight_ih, weight_hh, bias_ih, bias_hh; + 4: their
 * gradients) of layer l's cell (rev: the reverse one; dec: the decoder's):
 * "weight_ih_l1_reverse", "grad.dec.bias_hh_l2", ... Static strings, made
 * once, so they outlive every problem. */
static const char *stack_name(int dec, size_t l, int rev, int j)
{
    static char names[2][CONF_MAX_LAYERS][2][8][40];
    static const char *base[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    char *s = names[dec][l][rev][j];
    if (!s[0])
        snprintf(s, sizeof names[0][0][0][0], "%s%s%s_l%zu%s", j >= 4 ? "grad." : "",
                 dec ? "dec." : "", base[j % 4], l, rev ? "_reverse" : "");
    return s;
}

/* Input width of further cell u of a stack (conf_problem.upper). */
static size_t upper_width(const conf_problem *p, size_t u, int *decoder)
{
    const size_t cells = p->sz.cells, D = p->sz.directions;
    if (u + 1 < cells) {
        *decoder = 0;
        return (u + 1) / D ? p->sz.out_width : (size_t)p->kase.desc.I;
    }
    *decoder = 1;
    return (size_t)p->kase.desc.H;
}

static rnn_status fill_cell(conf_cell_tensors *t, const conf_problem *p, uint64_t offset,
                            size_t width)
{
    const rnn_desc *d = &p->kase.desc;
    const uint64_t seed = p->kase.seed;
    const float a = inv_sqrt((int64_t)width);
    rnn_fill_uniform(t->weight_ih, (size_t)p->G * (size_t)d->H * width, seed,
                     offset + CONF_STREAM_WEIGHT_IH, -a, a);
    for (int g = 0; g < p->G; g++) {
        size_t H = (size_t)d->H;
        rnn_status s = rnn_fill_orthogonal(t->weight_hh + (size_t)g * H * H, H, H, seed,
                                           offset + CONF_STREAM_WEIGHT_HH + (uint64_t)g, p->kase.rho);
        if (s != RNN_OK)
            return s;
    }
    rnn_fill_uniform(t->bias_ih, p->sz.bias, seed, offset + CONF_STREAM_BIAS_IH, -0.2f, 0.2f);
    rnn_fill_uniform(t->bias_hh, p->sz.bias, seed, offset + CONF_STREAM_BIAS_HH, -0.2f, 0.2f);
    return RNN_OK;
}

/* Zeros in the rows b of a B x H state with b % 2 == parity. */
static void zero_rows(float *s, const rnn_desc *d, int parity)
{
    for (int64_t b = parity; b < d->B; b += 2)
        memset(s + (size_t)b * (size_t)d->H, 0, (size_t)d->H * sizeof *s);
}

/* x (steps x B x I): rows b of step t with t + b odd times 64. */
static void saturate(float *x, size_t steps, const rnn_desc *d)
{
    const size_t B = (size_t)d->B, I = (size_t)d->I;
    for (size_t t = 0; t < steps; t++)
        for (size_t b = (t + 1) % 2; b < B; b += 2)
            for (size_t i = 0; i < I; i++)
                x[(t * B + b) * I + i] *= 64.0f;
}

/* The case's kind fields, on the drawn tensors (see the top of the file). */
static void apply_kind(conf_problem *p)
{
    const rnn_desc *d = &p->kase.desc;
    switch (p->kase.state) {
    case CONF_STATE_MIXED:
        zero_rows(p->h0, d, 0);
        if (p->c0)
            zero_rows(p->c0, d, 1);
        break;
    case CONF_STATE_H0_ZERO:
        memset(p->h0, 0, p->sz.state * sizeof *p->h0);
        break;
    case CONF_STATE_C0_ZERO:
        memset(p->c0, 0, p->sz.state * sizeof *p->c0);
        break;
    default:
        break;
    }
    if (p->kase.wide_head) {
        for (size_t i = 0; i < p->sz.W_hy; i++)
            p->W_hy[i] *= 4.0f;
        for (int64_t v = 0; v < d->V; v++)
            p->b_y[v] = (float)(48.0 - 96.0 * (double)v / (double)(d->V - 1));
    }
    if (p->kase.x_sat) {
        saturate(p->x, p->sz.x / ((size_t)d->B * (size_t)d->I), d);
        if (p->x_dec)
            saturate(p->x_dec, (size_t)d->T_out, d);
    }
}

/* n_ih: weight_ih's size (it depends on the layer). */
static void alloc_cell(conf_cell_tensors *t, const rnn_sizes *sz, size_t n_ih, int *ok)
{
    t->weight_ih = falloc(n_ih, ok);
    t->weight_hh = falloc(sz->weight_hh, ok);
    t->bias_ih = falloc(sz->bias, ok);
    t->bias_hh = falloc(sz->bias, ok);
}

rnn_status conf_problem_generate(const conf_case *c, conf_problem *p)
{
    memset(p, 0, sizeof *p);
    p->kase = *c;
    rnn_status s = rnn_desc_check(&c->desc, &p->sz);
    if (s != RNN_OK)
        return s;
    const rnn_desc *d = &c->desc;
    const int seq2seq = d->topology == RNN_SEQ2SEQ, lstm = d->cell == RNN_LSTM;
    p->G = rnn_cell_gates(d->cell);
    int ok = 1;
    alloc_cell(&p->cell, &p->sz, p->sz.weight_ih, &ok);
    if (seq2seq)
        alloc_cell(&p->decoder, &p->sz, p->sz.weight_ih, &ok);
    const int stack = p->sz.cells > 1;
    if (stack) {
        p->n_upper = p->sz.cells - 1 + (seq2seq ? p->sz.layers - 1 : 0);
        p->upper = calloc(p->n_upper ? p->n_upper : 1, sizeof *p->upper);
        p->names = calloc(p->n_upper ? p->n_upper : 1, sizeof *p->names);
        p->layers = calloc(p->sz.cells, sizeof *p->layers);
        p->decoder_layers = calloc(p->sz.layers, sizeof *p->decoder_layers);
        if (!p->upper || !p->names || !p->layers || !p->decoder_layers)
            ok = 0;
        for (size_t u = 0; ok && u < p->n_upper; u++) {
            int dec;
            const size_t w = upper_width(p, u, &dec);
            alloc_cell(&p->upper[u], &p->sz, (size_t)p->G * (size_t)d->H * w, &ok);
        }
    }
    p->W_hy = falloc(p->sz.W_hy, &ok);
    p->b_y = falloc(p->sz.b_y, &ok);
    p->x = falloc(p->sz.x, &ok);
    if (seq2seq)
        p->x_dec = falloc(p->sz.x_dec, &ok);
    const int given = c->state != CONF_STATE_NONE;
    if (given)
        p->h0 = falloc(p->sz.state, &ok);
    if (lstm && given)
        p->c0 = falloc(p->sz.state, &ok);
    p->targets = calloc(p->sz.targets, sizeof *p->targets);
    if (!ok || !p->targets) {
        conf_problem_free(p);
        return RNN_ERR_NOMEM;
    }

    const uint64_t seed = c->seed;
    if ((s = fill_cell(&p->cell, p, 0, (size_t)d->I)) != RNN_OK ||
        (seq2seq && (s = fill_cell(&p->decoder, p, CONF_STREAM_DECODER, (size_t)d->I)) != RNN_OK)) {
        conf_problem_free(p);
        return s;
    }
    for (size_t u = 0; u < p->n_upper; u++) {
        int dec;
        const size_t w = upper_width(p, u, &dec);
        if ((s = fill_cell(&p->upper[u], p, CONF_STREAM_STACK + 100 * (uint64_t)u, w)) != RNN_OK) {
            conf_problem_free(p);
            return s;
        }
    }
    const float hy = inv_sqrt((int64_t)p->sz.head_in);
    rnn_fill_uniform(p->W_hy, p->sz.W_hy, seed, CONF_STREAM_W_HY, -hy, hy);
    rnn_fill_uniform(p->b_y, p->sz.b_y, seed, CONF_STREAM_B_Y, -0.2f, 0.2f);
    rnn_fill_uniform(p->x, p->sz.x, seed, CONF_STREAM_X, -1.0f, 1.0f);
    if (seq2seq)
        rnn_fill_uniform(p->x_dec, p->sz.x_dec, seed, CONF_STREAM_X_DEC, -1.0f, 1.0f);
    if (p->h0)
        rnn_fill_uniform(p->h0, p->sz.state, seed, CONF_STREAM_H0, -0.5f, 0.5f);
    if (p->c0)
        rnn_fill_uniform(p->c0, p->sz.state, seed, CONF_STREAM_C0, -0.5f, 0.5f);
    for (size_t i = 0; i < p->sz.targets; i++)
        p->targets[i] = (int32_t)(rnn_prng_u64(seed, CONF_STREAM_TARGETS, i) % (uint64_t)d->V);
    apply_kind(p);

    p->params.cell = (rnn_cell_weights){p->cell.weight_ih, p->cell.weight_hh,
                                        p->cell.bias_ih, p->cell.bias_hh};
    if (seq2seq)
        p->params.decoder = (rnn_cell_weights){p->decoder.weight_ih, p->decoder.weight_hh,
                                               p->decoder.bias_ih, p->decoder.bias_hh};
    p->params.W_hy = p->W_hy;
    p->params.b_y = p->b_y;
    if (stack) {
        /* params' arrays, and the tensors' names as PyTorch spells them. */
        const size_t D = p->sz.directions;
        p->layers[0] = p->params.cell;
        if (seq2seq)
            p->decoder_layers[0] = p->params.decoder;
        for (size_t u = 0; u < p->n_upper; u++) {
            const conf_cell_tensors *t = &p->upper[u];
            const rnn_cell_weights w = {t->weight_ih, t->weight_hh, t->bias_ih, t->bias_hh};
            int dec;
            (void)upper_width(p, u, &dec);
            const size_t k = dec ? u + 2 - p->sz.cells : u + 1;
            if (dec)
                p->decoder_layers[k] = w;
            else
                p->layers[k] = w;
            for (int j = 0; j < 8; j++)
                p->names[u][j] = dec ? stack_name(1, k, 0, j) : stack_name(0, k / D, (int)(k % D), j);
        }
        p->params.layers = p->layers;
        p->params.decoder_layers = seq2seq ? p->decoder_layers : NULL;
    }
    p->inputs.x = p->x;
    p->inputs.x_dec = p->x_dec;
    p->inputs.h0 = p->h0;
    p->inputs.c0 = p->c0;
    p->inputs.targets = p->targets;
    return RNN_OK;
}

void conf_result_free(conf_result *r)
{
    if (!r)
        return;
    free(r->h);
    free(r->c);
    free(r->logits);
    free(r->x);
    free(r->x_dec);
    free(r->h0);
    free(r->c0);
    free(r->W_hy);
    free(r->b_y);
    free_cell(&r->cell);
    free_cell(&r->decoder);
    for (size_t u = 0; r->upper && r->n_upper > u; u++)
        free_cell(&r->upper[u]);
    free(r->upper);
    free(r->layers);
    free(r->decoder_layers);
    memset(r, 0, sizeof *r);
}

rnn_status conf_result_alloc(const conf_problem *p, conf_result *r)
{
    memset(r, 0, sizeof *r);
    const int seq2seq = p->kase.desc.topology == RNN_SEQ2SEQ;
    const int lstm = p->kase.desc.cell == RNN_LSTM;
    int ok = 1;
    r->h = falloc(p->sz.h, &ok);
    if (lstm)
        r->c = falloc(p->sz.h, &ok);
    r->logits = falloc(p->sz.logits, &ok);
    r->x = falloc(p->sz.x, &ok);
    if (seq2seq)
        r->x_dec = falloc(p->sz.x_dec, &ok);
    r->h0 = falloc(p->sz.state, &ok);
    if (lstm)
        r->c0 = falloc(p->sz.state, &ok);
    r->W_hy = falloc(p->sz.W_hy, &ok);
    r->b_y = falloc(p->sz.b_y, &ok);
    alloc_cell(&r->cell, &p->sz, p->sz.weight_ih, &ok);
    if (seq2seq)
        alloc_cell(&r->decoder, &p->sz, p->sz.weight_ih, &ok);
    if (p->n_upper || p->sz.cells > 1) {
        r->n_upper = p->n_upper;
        r->upper = calloc(p->n_upper ? p->n_upper : 1, sizeof *r->upper);
        r->layers = calloc(p->sz.cells, sizeof *r->layers);
        r->decoder_layers = calloc(p->sz.layers, sizeof *r->decoder_layers);
        if (!r->upper || !r->layers || !r->decoder_layers)
            ok = 0;
        for (size_t u = 0; ok && u < p->n_upper; u++) {
            int dec;
            const size_t w = upper_width(p, u, &dec);
            alloc_cell(&r->upper[u], &p->sz, (size_t)p->G * (size_t)p->kase.desc.H * w, &ok);
        }
    }
    if (!ok) {
        conf_result_free(r);
        return RNN_ERR_NOMEM;
    }
    r->out = (rnn_outputs){r->h, r->c, r->logits, r->loss};
    r->grads.x = r->x;
    r->grads.x_dec = r->x_dec;
    r->grads.h0 = r->h0;
    r->grads.c0 = r->c0;
    r->grads.cell = (rnn_cell_grads){r->cell.weight_ih, r->cell.weight_hh, r->cell.bias_ih,
                                     r->cell.bias_hh};
    if (seq2seq)
        r->grads.decoder = (rnn_cell_grads){r->decoder.weight_ih, r->decoder.weight_hh,
                                            r->decoder.bias_ih, r->decoder.bias_hh};
    r->grads.W_hy = r->W_hy;
    r->grads.b_y = r->b_y;
    if (r->layers) {
        r->layers[0] = r->grads.cell;
        if (seq2seq)
            r->decoder_layers[0] = r->grads.decoder;
        for (size_t u = 0; u < p->n_upper; u++) {
            const conf_cell_tensors *t = &r->upper[u];
            const rnn_cell_grads g = {t->weight_ih, t->weight_hh, t->bias_ih, t->bias_hh};
            int dec;
            (void)upper_width(p, u, &dec);
            if (dec)
                r->decoder_layers[u + 2 - p->sz.cells] = g;
            else
                r->layers[u + 1] = g;
        }
        r->grads.layers = r->layers;
        r->grads.decoder_layers = seq2seq ? r->decoder_layers : NULL;
    }
    return RNN_OK;
}

void conf_result_poison(const conf_problem *p, conf_result *r)
{
    conf_tensor t[CONF_MAX_TENSORS];
    int n = conf_result_tensors(p, r, t);
    for (int i = 0; i < n; i++) {
        float *f = (float *)t[i].data; /* our own buffers: writable */
        for (size_t k = 0; k < t[i].n; k++)
            f[k] = NAN;
    }
}

static int add(conf_tensor *t, int n, const char *name, conf_tensor_part part, const void *data,
               size_t count)
{
    if (!data)
        return n;
    t[n] = (conf_tensor){name, part, data, count, 0, 0, 0, 1, 0};
    return n + 1;
}

int conf_problem_tensors(const conf_problem *p, conf_tensor *t)
{
    int n = 0;
    const rnn_sizes *s = &p->sz;
    n = add(t, n, "weight_ih", CONF_T_INPUT, p->cell.weight_ih, s->weight_ih);
    n = add(t, n, "weight_hh", CONF_T_INPUT, p->cell.weight_hh, s->weight_hh);
    n = add(t, n, "bias_ih", CONF_T_INPUT, p->cell.bias_ih, s->bias);
    n = add(t, n, "bias_hh", CONF_T_INPUT, p->cell.bias_hh, s->bias);
    n = add(t, n, "dec.weight_ih", CONF_T_INPUT, p->decoder.weight_ih, s->weight_ih);
    n = add(t, n, "dec.weight_hh", CONF_T_INPUT, p->decoder.weight_hh, s->weight_hh);
    n = add(t, n, "dec.bias_ih", CONF_T_INPUT, p->decoder.bias_ih, s->bias);
    n = add(t, n, "dec.bias_hh", CONF_T_INPUT, p->decoder.bias_hh, s->bias);
    n = add(t, n, "W_hy", CONF_T_INPUT, p->W_hy, s->W_hy);
    n = add(t, n, "b_y", CONF_T_INPUT, p->b_y, s->b_y);
    n = add(t, n, "x", CONF_T_INPUT, p->x, s->x);
    n = add(t, n, "x_dec", CONF_T_INPUT, p->x_dec, s->x_dec);
    n = add(t, n, "h0", CONF_T_INPUT, p->h0, s->state);
    n = add(t, n, "c0", CONF_T_INPUT, p->c0, s->state);
    n = add(t, n, "targets", CONF_T_INPUT, p->targets, s->targets);
    t[n - 1].is_int32 = 1;
    for (size_t u = 0; u < p->n_upper; u++) {
        const conf_cell_tensors *c = &p->upper[u];
        int dec;
        const size_t w = upper_width(p, u, &dec);
        n = add(t, n, p->names[u][0], CONF_T_INPUT, c->weight_ih, (size_t)p->G * (size_t)p->kase.desc.H * w);
        n = add(t, n, p->names[u][1], CONF_T_INPUT, c->weight_hh, s->weight_hh);
        n = add(t, n, p->names[u][2], CONF_T_INPUT, c->bias_ih, s->bias);
        n = add(t, n, p->names[u][3], CONF_T_INPUT, c->bias_hh, s->bias);
    }
    return n;
}

static int add_gated(conf_tensor *t, int n, const char *name, const void *data, size_t count,
                     size_t H, size_t row_len)
{
    if (!data)
        return n;
    n = add(t, n, name, CONF_T_GRADIENT, data, count);
    t[n - 1].gate_rows = H;
    t[n - 1].row_len = row_len;
    return n;
}

int conf_result_tensors(const conf_problem *p, const conf_result *r, conf_tensor *t)
{
    int n = 0;
    const rnn_sizes *s = &p->sz;
    const size_t H = (size_t)p->kase.desc.H, I = (size_t)p->kase.desc.I;
    const size_t BI = (size_t)p->kase.desc.B * I;
    n = add(t, n, "h", CONF_T_FORWARD, r->h, s->h);
    n = add(t, n, "c", CONF_T_FORWARD, r->c, s->h);
    n = add(t, n, "logits", CONF_T_FORWARD, r->logits, s->logits);
    n = add(t, n, "loss", CONF_T_FORWARD, r->loss, 1);
    n = add(t, n, "grad.x", CONF_T_GRADIENT, r->x, s->x);
    t[n - 1].step_len = BI;
    n = add(t, n, "grad.x_dec", CONF_T_GRADIENT, r->x_dec, s->x_dec);
    if (r->x_dec)
        t[n - 1].step_len = BI;
    n = add(t, n, "grad.h0", CONF_T_GRADIENT, r->h0, s->state);
    n = add(t, n, "grad.c0", CONF_T_GRADIENT, r->c0, s->state);
    n = add_gated(t, n, "grad.weight_ih", r->cell.weight_ih, s->weight_ih, H, I);
    n = add_gated(t, n, "grad.weight_hh", r->cell.weight_hh, s->weight_hh, H, H);
    n = add_gated(t, n, "grad.bias_ih", r->cell.bias_ih, s->bias, H, 1);
    n = add_gated(t, n, "grad.bias_hh", r->cell.bias_hh, s->bias, H, 1);
    n = add_gated(t, n, "grad.dec.weight_ih", r->decoder.weight_ih, s->weight_ih, H, I);
    n = add_gated(t, n, "grad.dec.weight_hh", r->decoder.weight_hh, s->weight_hh, H, H);
    n = add_gated(t, n, "grad.dec.bias_ih", r->decoder.bias_ih, s->bias, H, 1);
    n = add_gated(t, n, "grad.dec.bias_hh", r->decoder.bias_hh, s->bias, H, 1);
    n = add(t, n, "grad.W_hy", CONF_T_GRADIENT, r->W_hy, s->W_hy);
    n = add(t, n, "grad.b_y", CONF_T_GRADIENT, r->b_y, s->b_y);
    for (size_t u = 0; u < p->n_upper; u++) {
        const conf_cell_tensors *c = &r->upper[u];
        int dec;
        const size_t w = upper_width(p, u, &dec);
        n = add_gated(t, n, p->names[u][4], c->weight_ih, (size_t)p->G * H * w, H, w);
        n = add_gated(t, n, p->names[u][5], c->weight_hh, s->weight_hh, H, H);
        n = add_gated(t, n, p->names[u][6], c->bias_ih, s->bias, H, 1);
        n = add_gated(t, n, p->names[u][7], c->bias_hh, s->bias, H, 1);
    }
    /* The final step's output is a slice of h (c): checked on its own, since
     * a bug in the last step alone hides in the whole-sequence norm. One
     * cell: the final state, B x H; a stack: the top layer's last row,
     * B x D*H (B x H for seq2seq's decoder). */
    const size_t last = (size_t)p->kase.desc.B *
                        (p->kase.desc.topology == RNN_SEQ2SEQ ? H : s->out_width);
    n = add(t, n, "h_T", CONF_T_FORWARD, r->h + (s->h - last), last);
    t[n - 1].is_view = 1;
    if (r->c) {
        n = add(t, n, "c_T", CONF_T_FORWARD, r->c + (s->h - last), last);
        t[n - 1].is_view = 1;
    }
    return n;
}

void conf_tensor_depth(const conf_problem *p, const conf_tensor *t, double *K, double *S)
{
    const rnn_desc *d = &p->kase.desc;
    const int head = strcmp(t->name, "logits") == 0 || strcmp(t->name, "loss") == 0 ||
                     t->part == CONF_T_GRADIENT;
    /* A stack: S times L (a value at the top has passed through L chains),
     * as tests/test_stack_plan.c. */
    *K = conf_chain_depth(p->sz.cells, (int64_t)p->sz.out_width, d->I, d->H) +
         (head ? (double)d->V : 0.0);
    *S = (double)p->sz.steps * (double)p->sz.layers;
}

double conf_chain_depth(int cells, int64_t out_width, int64_t I, int64_t H)
{
    return (double)((cells > 1 && out_width > I ? out_width : I) + H);
}
