/* test_concurrency.c — the plan's promise (rnnsimd.h): immutable after
 * creation, so several threads may use one plan at once, each with its own
 * workspace. For every kernel table this CPU runs and every cell, two threads
 * (the machine's two cores) start together on one seq2seq plan (both cells'
 * packs and the head) and each runs train and forward repeatedly with its own
 * workspace and buffers; every result must have the bits of the sequential
 * run. Two threads also create plans at once (first use of CPU detection and
 * the environment). Run under ThreadSanitizer by `make sanitize`. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"

#define ITERS 150

typedef struct {
    float *h, *c, *logits, loss;
    float *gx, *gxd, *gh0, *gc0, *gcell[4], *gdec[4], *gWhy, *gby;
} results;

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *w[2][4], *W_hy, *b_y, *x[2], *x_dec[2], *h0[2], *c0[2];
    int32_t *targets[2];
    rnn_params p;
    rnn_inputs in[2]; /* each thread its own inputs, so a shared buffer would show */
} problem;

static float *floats(size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    if (f)
        rnn_fill_uniform(f, n, seed, stream, lo, hi);
    return f;
}

static void problem_make(problem *pr, rnn_cell cell)
{
    memset(pr, 0, sizeof *pr);
    pr->d = (rnn_desc){cell, RNN_SEQ2SEQ, 5, 3, 3, 7, 19, 5};
    rnn_desc_check(&pr->d, &pr->s);
    const rnn_sizes *s = &pr->s;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++)
            pr->w[k][j] = floats(n[j], 11, (uint64_t)(10 * k + j), -0.5f, 0.5f);
        rnn_cell_weights *cw = k ? &pr->p.decoder : &pr->p.cell;
        *cw = (rnn_cell_weights){pr->w[k][0], pr->w[k][1], pr->w[k][2], pr->w[k][3]};
    }
    pr->W_hy = floats(s->W_hy, 11, 30, -0.5f, 0.5f);
    pr->b_y = floats(s->b_y, 11, 31, -0.5f, 0.5f);
    pr->p.W_hy = pr->W_hy;
    pr->p.b_y = pr->b_y;
    for (int t = 0; t < 2; t++) {
        const uint64_t st = 40 + 10 * (uint64_t)t;
        pr->x[t] = floats(s->x, 11, st, -1, 1);
        pr->x_dec[t] = floats(s->x_dec, 11, st + 1, -1, 1);
        pr->h0[t] = floats(s->state, 11, st + 2, -1, 1);
        pr->c0[t] = floats(s->state, 11, st + 3, -1, 1);
        pr->targets[t] = malloc(s->targets * sizeof *pr->targets[t]);
        for (size_t i = 0; i < s->targets; i++)
            pr->targets[t][i] = (int32_t)(rnn_prng_u64(11, st + 4, i) % (uint64_t)pr->d.V);
        pr->in[t] = (rnn_inputs){pr->x[t], NULL, pr->x_dec[t], NULL, pr->h0[t],
                                 cell == RNN_LSTM ? pr->c0[t] : NULL, pr->targets[t]};
    }
}

static void problem_free(problem *pr)
{
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++)
            free(pr->w[k][j]);
    free(pr->W_hy), free(pr->b_y);
    for (int t = 0; t < 2; t++)
        free(pr->x[t]), free(pr->x_dec[t]), free(pr->h0[t]), free(pr->c0[t]), free(pr->targets[t]);
}

static void results_alloc(results *r, const rnn_sizes *s)
{
    memset(r, 0, sizeof *r);
    r->h = calloc(s->h, 4), r->c = calloc(s->h, 4), r->logits = calloc(s->logits, 4);
    r->gx = calloc(s->x, 4), r->gxd = calloc(s->x_dec, 4);
    r->gh0 = calloc(s->state, 4), r->gc0 = calloc(s->state, 4);
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    for (int j = 0; j < 4; j++)
        r->gcell[j] = calloc(n[j], 4), r->gdec[j] = calloc(n[j], 4);
    r->gWhy = calloc(s->W_hy, 4), r->gby = calloc(s->b_y, 4);
}

static void results_free(results *r)
{
    free(r->h), free(r->c), free(r->logits), free(r->gx), free(r->gxd), free(r->gh0);
    free(r->gc0), free(r->gWhy), free(r->gby);
    for (int j = 0; j < 4; j++)
        free(r->gcell[j]), free(r->gdec[j]);
}

static rnn_status run_train(const rnn_plan *plan, rnn_workspace *ws, const rnn_inputs *in,
                            results *r)
{
    rnn_outputs o = {r->h, r->c, r->logits, &r->loss};
    rnn_grads g = {r->gx, r->gxd, r->gh0, r->gc0,
                   {r->gcell[0], r->gcell[1], r->gcell[2], r->gcell[3]},
                   {r->gdec[0], r->gdec[1], r->gdec[2], r->gdec[3]}, r->gWhy, r->gby};
    return rnn_plan_train(plan, ws, in, &o, &g);
}

static int same(const void *a, const void *b, size_t n_floats)
{
    return memcmp(a, b, n_floats * 4) == 0;
}

static int results_same(const results *a, const results *b, const rnn_sizes *s)
{
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    int ok = same(a->h, b->h, s->h) && same(a->c, b->c, s->h) &&
             same(a->logits, b->logits, s->logits) && same(&a->loss, &b->loss, 1) &&
             same(a->gx, b->gx, s->x) && same(a->gxd, b->gxd, s->x_dec) &&
             same(a->gh0, b->gh0, s->state) && same(a->gc0, b->gc0, s->state) &&
             same(a->gWhy, b->gWhy, s->W_hy) && same(a->gby, b->gby, s->b_y);
    for (int j = 0; j < 4; j++)
        ok = ok && same(a->gcell[j], b->gcell[j], n[j]) && same(a->gdec[j], b->gdec[j], n[j]);
    return ok;
}

typedef struct {
    const rnn_plan *plan;
    const problem *pr;
    const rnn_inputs *in;
    const results *want;
    pthread_barrier_t *start;
    int mismatches, errors;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    rnn_workspace *ws = NULL;
    results r;
    results_alloc(&r, &w->pr->s);
    if (rnn_workspace_create(&ws, w->plan) != RNN_OK)
        w->errors++;
    pthread_barrier_wait(w->start);
    for (int i = 0; ws && i < ITERS; i++) {
        /* Alternate train and forward so the two threads are at different
         * phases of the same plan at once. */
        if (i % 3 == 2) {
            float *h = calloc(w->pr->s.h, 4);
            rnn_outputs o = {h, NULL, NULL, NULL};
            if (rnn_plan_forward(w->plan, ws, w->in, &o) != RNN_OK)
                w->errors++;
            else if (!same(h, w->want->h, w->pr->s.h))
                w->mismatches++;
            free(h);
            continue;
        }
        if (run_train(w->plan, ws, w->in, &r) != RNN_OK)
            w->errors++;
        else if (!results_same(&r, w->want, &w->pr->s))
            w->mismatches++;
    }
    rnn_workspace_destroy(ws);
    results_free(&r);
    return NULL;
}

/* Plans created by two threads at once equal one created alone. */
typedef struct {
    const problem *pr;
    rnn_isa isa;
    pthread_barrier_t *start;
    rnn_plan *plan;
    rnn_status st;
} creator;

static void *create(void *arg)
{
    creator *c = arg;
    rnn_plan_options opt = {.isa = c->isa, .threads = 1};
    pthread_barrier_wait(c->start);
    c->st = rnn_plan_create(&c->plan, &c->pr->d, &c->pr->p, &opt);
    return NULL;
}

static void check_table(const rnn_kernels *k, rnn_cell cell)
{
    problem pr;
    problem_make(&pr, cell);
    const char *what = rnn_cell_name(cell);
    rnn_plan_options opt = {.isa = k->isa, .threads = 1};
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    results want[2], again;
    results_alloc(&want[0], &pr.s);
    results_alloc(&want[1], &pr.s);
    results_alloc(&again, &pr.s);
    rnn_status st = rnn_plan_create(&plan, &pr.d, &pr.p, &opt);
    CHECK(st == RNN_OK, "%s %s: plan: %s", k->name, what, rnn_strerror(st));
    if (st == RNN_OK)
        st = rnn_workspace_create(&ws, plan);
    if (st == RNN_OK) {
        /* The sequential bits, and that they repeat. */
        for (int t = 0; t < 2; t++) {
            CHECK(run_train(plan, ws, &pr.in[t], &want[t]) == RNN_OK, "%s %s: train", k->name,
                  what);
            CHECK(run_train(plan, ws, &pr.in[t], &again) == RNN_OK, "%s %s: train", k->name,
                  what);
            CHECK(results_same(&want[t], &again, &pr.s), "%s %s: sequential runs differ",
                  k->name, what);
        }

        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        worker w[2];
        pthread_t th[2];
        for (int t = 0; t < 2; t++) {
            w[t] = (worker){plan, &pr, &pr.in[t], &want[t], &start, 0, 0};
            pthread_create(&th[t], NULL, work, &w[t]);
        }
        for (int t = 0; t < 2; t++)
            pthread_join(th[t], NULL);
        pthread_barrier_destroy(&start);
        int bad = w[0].mismatches + w[1].mismatches, errs = w[0].errors + w[1].errors;
        printf("  %-8s %-9s 2 threads x %d calls on one plan: %d mismatches, %d errors\n",
               k->name, what, ITERS, bad, errs);
        CHECK(bad == 0 && errs == 0, "%s %s: concurrent use: %d results differ from the "
              "sequential bits, %d calls failed", k->name, what, bad, errs);

        /* Two plans created at once compute the same bits as the first. */
        pthread_barrier_init(&start, NULL, 2);
        creator c[2];
        for (int t = 0; t < 2; t++) {
            c[t] = (creator){&pr, k->isa, &start, NULL, RNN_OK};
            pthread_create(&th[t], NULL, create, &c[t]);
        }
        for (int t = 0; t < 2; t++)
            pthread_join(th[t], NULL);
        pthread_barrier_destroy(&start);
        for (int t = 0; t < 2; t++) {
            CHECK(c[t].st == RNN_OK, "%s %s: concurrent create: %s", k->name, what,
                  rnn_strerror(c[t].st));
            if (c[t].st == RNN_OK) {
                CHECK(run_train(c[t].plan, ws, &pr.in[0], &again) == RNN_OK &&
                          results_same(&want[0], &again, &pr.s),
                      "%s %s: a plan created concurrently computes other bits", k->name, what);
            }
            rnn_plan_destroy(c[t].plan);
        }
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    results_free(&want[0]);
    results_free(&want[1]);
    results_free(&again);
    problem_free(&pr);
}

int main(void)
{
    int tables = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *why = NULL;
        if (rnn_isa_check((*t)->isa, &why) != RNN_OK) {
            printf("skip table %s: %s\n", (*t)->name, why ? why : "unsupported");
            continue;
        }
        tables++;
        for (int c = 0; c < RNN_CELL_COUNT; c++)
            check_table(*t, (rnn_cell)c);
    }
    CHECK(tables > 0, "no kernel table runs on this CPU");
    printf("%d tables x %d cells: one seq2seq plan shared by 2 threads\n", tables, RNN_CELL_COUNT);
    return check_summary();
}
