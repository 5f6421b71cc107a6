/* test_stack_plan.c — the optimized path's stacks (docs/design.md §7) against
 * the reference: every kernel table this CPU runs, every cell x topology,
 * two bidirectional layers, three layers of one direction and one
 * bidirectional layer, at batch 1 (two threads split hidden units) and
 * batch 5 (two threads split batch rows), one thread and two; one-hot
 * inputs on some cases. Every forward output (the top layer's h and c,
 * logits, loss) and every gradient (x, x_dec, h0, c0, each cell's four
 * tensors by PyTorch's names, W_hy, b_y) is judged by the tolerance policy
 * of support/tolerance.h with K = the widest input of a layer plus H (plus V
 * for what the head reaches) and S = the steps run times L (a value at the
 * top has passed through L chains). The plain sequence (rnn_plan_seq_*) of
 * stacks likewise against rnn_reference_seq_*. Also: bad stack arguments,
 * and the workspace of a stack of other directions or layers, are refused
 * with a named status. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"
#include "tolerance.h"

#define MAX_TABLES 8

static float *filled(size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    rnn_fill_uniform(p, n, seed, stream, lo, hi);
    return p;
}

static float *zeros(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

/* Every gradient of one train call. */
typedef struct {
    float *x, *x_dec, *h0, *c0, *W_hy, *b_y, *h, *c, *logits, loss;
    float *(*w)[4];
    rnn_cell_grads *cg;
} result;

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    size_t n;            /* cells: L*D, then the decoder's L */
    size_t *ih;          /* weight_ih size of each */
    float *(*w)[4];
    rnn_cell_weights *cw;
    float *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *x_index, *targets;
    rnn_params p;
    rnn_inputs in;
} problem;

static void problem_make(problem *pr, rnn_desc d, uint64_t seed, int one_hot)
{
    memset(pr, 0, sizeof *pr);
    pr->d = d;
    rnn_status st = rnn_desc_check(&d, &pr->s);
    CHECK(st == RNN_OK, "rnn_desc_check: %s", rnn_strerror(st));
    const rnn_sizes *s = &pr->s;
    const int seq2seq = d.topology == RNN_SEQ2SEQ;
    pr->n = s->cells + (seq2seq ? s->layers : 0);
    pr->ih = calloc(pr->n, sizeof *pr->ih);
    pr->w = calloc(pr->n, sizeof *pr->w);
    pr->cw = calloc(pr->n, sizeof *pr->cw);
    for (size_t k = 0; k < pr->n; k++) {
        const int dec = k >= s->cells;
        const size_t l = dec ? k - s->cells : k / s->directions;
        pr->ih[k] = l == 0 ? s->weight_ih : dec ? s->weight_hh : s->weight_ih_upper;
        const size_t sz[4] = {pr->ih[k], s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            pr->w[k][j] = filled(sz[j], seed, 10 * k + (size_t)j, -0.5f, 0.5f);
        pr->cw[k] = (rnn_cell_weights){pr->w[k][0], pr->w[k][1], pr->w[k][2], pr->w[k][3]};
    }
    pr->W_hy = filled(s->W_hy, seed, 901, -0.8f, 0.8f);
    pr->b_y = filled(s->b_y, seed, 902, -0.3f, 0.3f);
    pr->x = filled(s->x, seed, 903, -1.0f, 1.0f);
    pr->x_dec = filled(s->x_dec, seed, 904, -1.0f, 1.0f);
    pr->h0 = filled(s->state, seed, 905, -0.5f, 0.5f);
    pr->c0 = filled(s->state, seed, 906, -0.5f, 0.5f);
    pr->targets = calloc(s->targets, sizeof *pr->targets);
    for (size_t i = 0; i < s->targets; i++)
        pr->targets[i] = (int32_t)(rnn_prng_u64(seed, 907, i) % (uint64_t)d.V);
    if (one_hot) {
        const size_t rows = s->x / (size_t)d.I;
        pr->x_index = calloc(rows, sizeof *pr->x_index);
        for (size_t i = 0; i < rows; i++)
            pr->x_index[i] = (int32_t)(rnn_prng_u64(seed, 908, i) % (uint64_t)d.I);
    }
    pr->p = (rnn_params){{0}, {0}, pr->W_hy, pr->b_y, pr->cw, seq2seq ? pr->cw + s->cells : NULL};
    pr->in = (rnn_inputs){pr->x, pr->x_index, pr->x_dec, NULL, pr->h0, pr->c0, pr->targets};
}

static void problem_free(problem *pr)
{
    for (size_t k = 0; k < pr->n; k++)
        for (int j = 0; j < 4; j++)
            free(pr->w[k][j]);
    free(pr->w);
    free(pr->cw);
    free(pr->ih);
    free(pr->W_hy);
    free(pr->b_y);
    free(pr->x);
    free(pr->x_dec);
    free(pr->h0);
    free(pr->c0);
    free(pr->x_index);
    free(pr->targets);
}

static void result_make(result *r, const problem *pr)
{
    const rnn_sizes *s = &pr->s;
    memset(r, 0, sizeof *r);
    r->x = zeros(s->x);
    r->x_dec = zeros(s->x_dec);
    r->h0 = zeros(s->state);
    r->c0 = zeros(s->state);
    r->W_hy = zeros(s->W_hy);
    r->b_y = zeros(s->b_y);
    r->h = zeros(s->h);
    r->c = zeros(s->h);
    r->logits = zeros(s->logits);
    r->w = calloc(pr->n, sizeof *r->w);
    r->cg = calloc(pr->n, sizeof *r->cg);
    for (size_t k = 0; k < pr->n; k++) {
        const size_t sz[4] = {pr->ih[k], s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            r->w[k][j] = zeros(sz[j]);
        r->cg[k] = (rnn_cell_grads){r->w[k][0], r->w[k][1], r->w[k][2], r->w[k][3]};
    }
}

static void result_free(result *r, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 4; j++)
            free(r->w[k][j]);
    free(r->w);
    free(r->cg);
    free(r->x);
    free(r->x_dec);
    free(r->h0);
    free(r->c0);
    free(r->W_hy);
    free(r->b_y);
    free(r->h);
    free(r->c);
    free(r->logits);
}

static rnn_grads grads_of(const problem *pr, result *r)
{
    const int seq2seq = pr->d.topology == RNN_SEQ2SEQ;
    return (rnn_grads){r->x, r->x_dec, r->h0, r->c0, {0}, {0}, r->W_hy, r->b_y, r->cg,
                       seq2seq ? r->cg + pr->s.cells : NULL};
}

static double worst_frac;

/* The first tensor of a train call's results whose bits differ between a
 * and b, NULL when none does. */
static const char *first_difference(const problem *pr, const result *a, const result *b)
{
    const rnn_sizes *s = &pr->s;
    const struct {
        const char *name;
        const float *a, *b;
        size_t n;
    } t[] = {{"h", a->h, b->h, s->h},          {"c", a->c, b->c, s->h},
             {"logits", a->logits, b->logits, s->logits},
             {"loss", &a->loss, &b->loss, 1},  {"dx", a->x, b->x, s->x},
             {"dx_dec", a->x_dec, b->x_dec, s->x_dec},
             {"dh0", a->h0, b->h0, s->state},  {"dc0", a->c0, b->c0, s->state},
             {"W_hy", a->W_hy, b->W_hy, s->W_hy}, {"b_y", a->b_y, b->b_y, s->b_y}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (memcmp(t[i].a, t[i].b, t[i].n * sizeof(float)))
            return t[i].name;
    for (size_t k = 0; k < pr->n; k++) {
        const size_t sz[4] = {pr->ih[k], s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            if (memcmp(a->w[k][j], b->w[k][j], sz[j] * sizeof(float)))
                return "a cell's weight gradient";
    }
    return NULL;
}

static void compare(const char *what, const char *name, const float *got, const float *ref,
                    size_t n, double tol)
{
    if (!n)
        return;
    rnn_compare_result c = rnn_compare(got, ref, n, tol);
    if (!(c.frac <= worst_frac))
        worst_frac = c.frac;
    CHECK(c.frac < 1.0, "%s %s: %.3f of the tolerance at [%zu]: %.9g, reference %.9g", what,
          name, c.frac, c.worst, (double)got[c.worst], (double)ref[c.worst]);
}

static void check_case(const problem *pr, const rnn_kernels *const *tables, int n_tables,
                       const char *label)
{
    const rnn_desc *d = &pr->d;
    const rnn_sizes *s = &pr->s;
    const int lstm = d->cell == RNN_LSTM, seq2seq = d->topology == RNN_SEQ2SEQ;
    result ref;
    result_make(&ref, pr);
    rnn_grads rg = grads_of(pr, &ref);
    rnn_outputs ro = {ref.h, lstm ? ref.c : NULL, ref.logits, &ref.loss};
    rnn_status st = rnn_reference_train(d, &pr->p, &pr->in, &ro, &rg);
    CHECK(st == RNN_OK, "%s: rnn_reference_train: %s", label, rnn_strerror(st));

    const double Kin = (double)(d->I > (int64_t)s->out_width ? d->I : (int64_t)s->out_width);
    const double K = Kin + (double)d->H, KV = K + (double)d->V;
    const double S = (double)s->steps * (double)s->layers;
    const double tf = rnn_tolerance(RNN_TOL_FORWARD, K, S);
    const double tl = rnn_tolerance(RNN_TOL_FORWARD, KV, S);
    const double tg = rnn_tolerance(RNN_TOL_GRADIENT, KV, S);
    result one; /* threads:1's results, which threads:2 must give bit for bit */
    int have_one = 0;
    for (int t = 0; t < n_tables; t++)
        for (int threads = 1; threads <= 2; threads++) {
            char what[160];
            snprintf(what, sizeof what, "%s %s threads:%d", label, tables[t]->name, threads);
            rnn_plan_options opt = {tables[t]->isa, threads, 0};
            rnn_plan *plan = NULL;
            rnn_workspace *ws = NULL;
            st = rnn_plan_create(&plan, d, &pr->p, &opt);
            CHECK(st == RNN_OK, "%s: rnn_plan_create: %s", what, rnn_strerror(st));
            if (st == RNN_OK)
                st = rnn_workspace_create(&ws, plan);
            CHECK(st == RNN_OK, "%s: rnn_workspace_create: %s", what, rnn_strerror(st));
            if (st != RNN_OK) {
                rnn_plan_destroy(plan);
                continue;
            }
            result got;
            result_make(&got, pr);
            rnn_grads gg = grads_of(pr, &got);
            rnn_outputs go = {got.h, lstm ? got.c : NULL, got.logits, &got.loss};
            rnn_workspace_poison(ws); /* nothing left to stand in */
            st = rnn_plan_train(plan, ws, &pr->in, &go, &gg);
            CHECK(st == RNN_OK, "%s: rnn_plan_train: %s", what, rnn_strerror(st));
            compare(what, "h", got.h, ref.h, s->h, tf);
            if (lstm)
                compare(what, "c", got.c, ref.c, s->h, tf);
            compare(what, "logits", got.logits, ref.logits, s->logits, tl);
            compare(what, "loss", &got.loss, &ref.loss, 1, tl);
            if (!pr->x_index)
                compare(what, "dx", got.x, ref.x, s->x, tg);
            if (seq2seq)
                compare(what, "dx_dec", got.x_dec, ref.x_dec, s->x_dec, tg);
            compare(what, "dh0", got.h0, ref.h0, s->state, tg);
            if (lstm)
                compare(what, "dc0", got.c0, ref.c0, s->state, tg);
            static const char *base[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
            for (size_t k = 0; k < pr->n; k++) {
                const int dec = k >= s->cells;
                const size_t sz[4] = {pr->ih[k], s->weight_hh, s->bias, s->bias};
                for (int j = 0; j < 4; j++) {
                    char name[48];
                    if (dec)
                        snprintf(name, sizeof name, "decoder.%s_l%zu", base[j], k - s->cells);
                    else
                        snprintf(name, sizeof name, "%s_l%zu%s", base[j], k / s->directions,
                                 k % s->directions ? "_reverse" : "");
                    compare(what, name, got.w[k][j], ref.w[k][j], sz[j], tg);
                }
            }
            compare(what, "W_hy", got.W_hy, ref.W_hy, s->W_hy, tg);
            compare(what, "b_y", got.b_y, ref.b_y, s->b_y, tg);
            /* The forward call gives the train call's outputs. */
            float *h2 = zeros(s->h), *lg2 = zeros(s->logits), loss2 = 0.0f;
            rnn_outputs fo = {h2, NULL, lg2, &loss2};
            rnn_workspace_poison(ws);
            st = rnn_plan_forward(plan, ws, &pr->in, &fo);
            CHECK(st == RNN_OK && memcmp(h2, got.h, s->h * sizeof *h2) == 0 &&
                      memcmp(lg2, got.logits, s->logits * sizeof *lg2) == 0 && loss2 == got.loss,
                  "%s: forward differs from train's forward (%s)", what, rnn_strerror(st));
            free(h2);
            free(lg2);
            if (threads == 1) {
                one = got;
                have_one = 1;
            } else {
                /* Two threads (split stages, the directions on a thread each,
                 * or the layers' wavefront) run the same chains. */
                const char *diff = have_one ? first_difference(pr, &one, &got) : NULL;
                CHECK(!diff, "%s: %s differs from threads:1's in its bits", what, diff);
                if (have_one)
                    result_free(&one, pr->n);
                have_one = 0;
                result_free(&got, pr->n);
            }
            rnn_workspace_destroy(ws);
            rnn_plan_destroy(plan);
        }
    result_free(&ref, pr->n);
}

/* One layer, one direction given through the layers arrays (params and
 * grads) is the same call as through cell: the same bits, on a plan. */
static void check_single_as_layers(void)
{
    for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++) {
        rnn_desc d = {RNN_LSTM, (rnn_topology)t, t == RNN_ONE2ONE ? 1 : 4,
                      t == RNN_SEQ2SEQ ? 3 : 0, 2, 3, 5, 4};
        problem pr;
        problem_make(&pr, d, 90 + (uint64_t)t, 0);
        result a, b;
        result_make(&a, &pr);
        result_make(&b, &pr);
        rnn_params p1 = pr.p, p2 = pr.p;
        p1.cell = pr.cw[0];
        p1.layers = NULL;
        if (t == RNN_SEQ2SEQ) {
            p1.decoder = pr.cw[1];
            p1.decoder_layers = NULL;
        }
        rnn_grads g1 = grads_of(&pr, &a), g2 = grads_of(&pr, &b);
        g1.cell = a.cg[0];
        g1.layers = NULL;
        if (t == RNN_SEQ2SEQ) {
            g1.decoder = a.cg[1];
            g1.decoder_layers = NULL;
        }
        rnn_plan *q1 = NULL, *q2 = NULL;
        rnn_workspace *w1 = NULL, *w2 = NULL;
        rnn_status st = rnn_plan_create(&q1, &d, &p1, NULL);
        if (st == RNN_OK)
            st = rnn_plan_create(&q2, &d, &p2, NULL);
        if (st == RNN_OK)
            st = rnn_workspace_create(&w1, q1);
        if (st == RNN_OK)
            st = rnn_workspace_create(&w2, q2);
        if (st == RNN_OK)
            st = rnn_plan_train(q1, w1, &pr.in, NULL, &g1);
        if (st == RNN_OK)
            st = rnn_plan_train(q2, w2, &pr.in, NULL, &g2);
        size_t diff = 0;
        for (size_t k = 0; k < pr.n; k++)
            for (int j = 0; j < 4; j++) {
                const size_t n = j == 0 ? pr.ih[k] : j == 1 ? pr.s.weight_hh : pr.s.bias;
                diff += memcmp(a.w[k][j], b.w[k][j], n * sizeof(float)) != 0;
            }
        CHECK(st == RNN_OK && diff == 0,
              "%s: one cell through layers arrays differs from cell (%s, %zu tensors)",
              rnn_topology_name(d.topology), rnn_strerror(st), diff);
        rnn_workspace_destroy(w1);
        rnn_workspace_destroy(w2);
        rnn_plan_destroy(q1);
        rnn_plan_destroy(q2);
        result_free(&a, pr.n);
        result_free(&b, pr.n);
        problem_free(&pr);
    }
}

/* Stack arguments the plan refuses, each with its status. */
static void check_refusals(void)
{
    problem pr;
    rnn_desc d = {RNN_LSTM, RNN_SEQ2SEQ, 3, 2, 2, 3, 4, 3, 2, 1};
    problem_make(&pr, d, 5, 0);
    rnn_plan *plan = NULL;
    rnn_params p = pr.p;
    p.layers = NULL;
    rnn_status st = rnn_plan_create(&plan, &d, &p, NULL);
    CHECK(st == RNN_ERR_NULL && !plan, "a stack without layers: %s", rnn_strerror(st));
    p = pr.p;
    p.decoder_layers = NULL;
    st = rnn_plan_create(&plan, &d, &p, NULL);
    CHECK(st == RNN_ERR_NULL && !plan, "seq2seq L2 without decoder_layers: %s", rnn_strerror(st));
    rnn_cell_weights bad[6];
    memcpy(bad, pr.cw, sizeof bad);
    bad[3].weight_hh = NULL;
    p = pr.p;
    p.layers = bad;
    st = rnn_plan_create(&plan, &d, &p, NULL);
    CHECK(st == RNN_ERR_NULL && !plan, "weight_hh_l1_reverse NULL: %s", rnn_strerror(st));
    d.bidirectional = 3;
    st = rnn_plan_create(&plan, &d, &pr.p, NULL);
    CHECK(st == RNN_ERR_ARG && !plan, "bidirectional 3: %s", rnn_strerror(st));
    /* A workspace holds its own plan's cells: one of a stack that differs in
     * its directions or its layers only is refused before anything runs. */
    st = rnn_plan_create(&plan, &pr.d, &pr.p, NULL);
    CHECK(st == RNN_OK, "the L2 bidirectional plan: %s", rnn_strerror(st));
    for (int k = 0; k < 2 && plan; k++) {
        problem other;
        rnn_desc od = pr.d;
        if (k == 0)
            od.bidirectional = 0;
        else
            od.L = 3;
        problem_make(&other, od, 6, 0);
        rnn_plan *op = NULL;
        rnn_workspace *ows = NULL;
        if (rnn_plan_create(&op, &od, &other.p, NULL) == RNN_OK &&
            rnn_workspace_create(&ows, op) == RNN_OK) {
            result r;
            result_make(&r, &pr);
            rnn_outputs out = {r.h, r.c, r.logits, &r.loss};
            st = rnn_plan_forward(plan, ows, &pr.in, &out);
            CHECK(st == RNN_ERR_ARG, "forward on the workspace of a stack of %s: %s",
                  k ? "three layers" : "one direction", rnn_strerror(st));
            result_free(&r, pr.n);
        } else {
            CHECK(0, "the other stack's plan or workspace");
        }
        rnn_workspace_destroy(ows);
        rnn_plan_destroy(op);
        problem_free(&other);
    }
    rnn_plan_destroy(plan);
    problem_free(&pr);
}

/* A layer's gradient over an input the call still reads is refused, with
 * nothing written: x inside layer 1 reverse's dW_ih and x_dec inside the
 * decoder's layer 1 dW_hh of a seq2seq stack (each larger than the input, so
 * a missed check writes only what the test owns), and in the plain sequence
 * of a stack a layer's db_hh over grad_output. */
static void check_alias(void)
{
    problem pr;
    rnn_desc d = {RNN_LSTM, RNN_SEQ2SEQ, 3, 2, 2, 3, 4, 3, 2, 1};
    problem_make(&pr, d, 5, 0);
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    rnn_status st;
    if (rnn_plan_create(&plan, &d, &pr.p, NULL) == RNN_OK &&
        rnn_workspace_create(&ws, plan) == RNN_OK) {
        result r;
        result_make(&r, &pr);
        rnn_outputs out = {r.h, r.c, r.logits, &r.loss};
        rnn_grads g = grads_of(&pr, &r);
        for (int k = 0; k < 2; k++) {
            rnn_inputs in = pr.in;
            if (k == 0)
                in.x = memcpy(r.w[3][0], pr.x, pr.s.x * sizeof *pr.x);
            else
                in.x_dec = memcpy(r.w[pr.s.cells + 1][1], pr.x_dec, pr.s.x_dec * sizeof *pr.x);
            r.h[0] = -12345.0f;
            st = rnn_plan_train(plan, ws, &in, &out, &g);
            CHECK(st == RNN_ERR_ALIAS && r.h[0] == -12345.0f, "%s: %s",
                  k ? "x_dec inside the decoder's layer 1 dW_hh"
                    : "x inside layer 1 reverse's dW_ih",
                  rnn_strerror(st));
        }
        result_free(&r, pr.n);
    } else {
        CHECK(0, "the L2 bidirectional plan or workspace");
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    problem_free(&pr);

    rnn_desc sd = {RNN_GRU, RNN_MANY2MANY, 3, 0, 2, 3, 4, 3, 2, 1};
    problem_make(&pr, sd, 7, 0);
    plan = NULL;
    ws = NULL;
    if (rnn_plan_create(&plan, &sd, &pr.p, NULL) == RNN_OK &&
        rnn_workspace_create(&ws, plan) == RNN_OK) {
        result r;
        result_make(&r, &pr);
        float *gout = filled(pr.s.h, 7, 909, -1.0f, 1.0f);
        rnn_grads g = grads_of(&pr, &r);
        rnn_cell_grads cg[4];
        memcpy(cg, r.cg, pr.n * sizeof *cg);
        cg[2].bias_hh = gout + pr.s.h - pr.s.bias; /* within grad_output */
        g.layers = cg;
        r.x[0] = -12345.0f;
        st = rnn_plan_seq_backward(plan, ws, pr.x, pr.h0, NULL, gout, NULL, NULL, &g);
        CHECK(st == RNN_ERR_ALIAS && r.x[0] == -12345.0f,
              "seq_backward: layer 1's db_hh over grad_output's last floats: %s",
              rnn_strerror(st));
        free(gout);
        result_free(&r, pr.n);
    } else {
        CHECK(0, "the L2 bidirectional sequence plan");
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    problem_free(&pr);
}

/* The plain sequence of a stack (rnn_plan_seq_*) against the reference's:
 * the top layer's output, every cell's final h and c, and the backward from
 * upstream gradients on all of them. */
static void check_seq(const problem *pr, const rnn_kernels *const *tables, int n_tables,
                      const char *label)
{
    const rnn_desc *d = &pr->d;
    const rnn_sizes *s = &pr->s;
    const int lstm = d->cell == RNN_LSTM;
    float *gy = filled(s->h, 31, 1, -1.0f, 1.0f), *ghn = filled(s->state, 31, 2, -1.0f, 1.0f),
          *gcn = filled(s->state, 31, 3, -1.0f, 1.0f);
    result ref;
    result_make(&ref, pr);
    float *hn = zeros(s->state), *cn = zeros(s->state);
    rnn_status st = rnn_reference_seq_forward(d, pr->cw, pr->x, pr->h0, pr->c0, ref.h, hn, cn);
    rnn_grads rg = grads_of(pr, &ref);
    if (st == RNN_OK)
        st = rnn_reference_seq_backward(d, pr->cw, pr->x, pr->h0, pr->c0, gy, ghn, gcn, &rg);
    CHECK(st == RNN_OK, "%s: rnn_reference_seq_*: %s", label, rnn_strerror(st));
    const double K = (double)(d->I > (int64_t)s->out_width ? d->I : (int64_t)s->out_width) +
                     (double)d->H;
    const double S = (double)s->steps * (double)s->layers;
    const double tf = rnn_tolerance(RNN_TOL_FORWARD, K, S), tg = rnn_tolerance(RNN_TOL_GRADIENT, K, S);
    for (int t = 0; t < n_tables; t++)
        for (int threads = 1; threads <= 2; threads++) {
            char what[160];
            snprintf(what, sizeof what, "%s seq %s threads:%d", label, tables[t]->name, threads);
            rnn_plan_options opt = {tables[t]->isa, threads, 0};
            rnn_plan *plan = NULL;
            rnn_workspace *ws = NULL;
            rnn_params p = pr->p;
            p.W_hy = NULL;
            st = rnn_plan_create(&plan, d, &p, &opt);
            if (st == RNN_OK)
                st = rnn_workspace_create(&ws, plan);
            result got;
            result_make(&got, pr);
            float *ghn2 = zeros(s->state), *gcn2 = zeros(s->state);
            rnn_grads gg = grads_of(pr, &got);
            if (st == RNN_OK)
                st = rnn_plan_seq_forward(plan, ws, pr->x, pr->h0, pr->c0, got.h, ghn2, gcn2);
            if (st == RNN_OK)
                st = rnn_plan_seq_backward(plan, ws, pr->x, pr->h0, pr->c0, gy, ghn, gcn, &gg);
            CHECK(st == RNN_OK, "%s: %s", what, rnn_strerror(st));
            compare(what, "output", got.h, ref.h, s->h, tf);
            compare(what, "h_n", ghn2, hn, s->state, tf);
            if (lstm)
                compare(what, "c_n", gcn2, cn, s->state, tf);
            compare(what, "dx", got.x, ref.x, s->x, tg);
            compare(what, "dh0", got.h0, ref.h0, s->state, tg);
            if (lstm)
                compare(what, "dc0", got.c0, ref.c0, s->state, tg);
            for (size_t k = 0; k < pr->n; k++) {
                const size_t sz[4] = {pr->ih[k], s->weight_hh, s->bias, s->bias};
                for (int j = 0; j < 4; j++) {
                    char name[48];
                    snprintf(name, sizeof name, "cell %zu tensor %d", k, j);
                    compare(what, name, got.w[k][j], ref.w[k][j], sz[j], tg);
                }
            }
            free(ghn2);
            free(gcn2);
            result_free(&got, pr->n);
            rnn_workspace_destroy(ws);
            rnn_plan_destroy(plan);
        }
    free(gy);
    free(ghn);
    free(gcn);
    free(hn);
    free(cn);
    result_free(&ref, pr->n);
}

int main(void)
{
    const rnn_kernels *tables[MAX_TABLES];
    int n_tables = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t && n_tables < MAX_TABLES; t++)
        if (rnn_isa_check((*t)->isa, NULL) == RNN_OK)
            tables[n_tables++] = *t;
    int cases = 0;
    static const struct {
        int64_t L;
        int bi;
    } stacks[3] = {{2, 1}, {3, 0}, {1, 1}};
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++)
            for (int k = 0; k < 3; k++) {
                const int64_t B = (c + t + k) % 2 ? 1 : 5;
                const int64_t H = (c + k) % 2 ? 32 : 13;
                rnn_desc d = {(rnn_cell)c, (rnn_topology)t, t == RNN_ONE2ONE ? 1 : 6,
                              t == RNN_SEQ2SEQ ? 4 : 0, B, 7, H, 5, stacks[k].L, stacks[k].bi};
                problem pr;
                const int one_hot = (c + 2 * t + k) % 5 == 2;
                problem_make(&pr, d, 7000 + (uint64_t)(100 * c + 10 * t + k), one_hot);
                char label[96];
                snprintf(label, sizeof label, "%s %s L%d%s B%d H%d%s", rnn_cell_name(d.cell),
                         rnn_topology_name(d.topology), (int)d.L, d.bidirectional ? " bi" : "",
                         (int)B, (int)H, one_hot ? " one-hot" : "");
                check_case(&pr, tables, n_tables, label);
                problem_free(&pr);
                cases++;
            }
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int k = 0; k < 2; k++) {
            rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 7, 0, k ? 1 : 4, 5, k ? 32 : 11, 1,
                          k ? 3 : 2, !k};
            problem pr;
            problem_make(&pr, d, 8000 + (uint64_t)(10 * c + k), 0);
            char label[96];
            snprintf(label, sizeof label, "%s L%d%s B%d", rnn_cell_name(d.cell), (int)d.L,
                     d.bidirectional ? " bi" : "", (int)d.B);
            check_seq(&pr, tables, n_tables, label);
            problem_free(&pr);
        }
    check_refusals();
    check_alias();
    check_single_as_layers();
    printf("%d stacked cases x %d tables x 1 and 2 threads; worst fraction of tolerance %.3f\n",
           cases, n_tables, worst_frac);
    return check_summary();
}
