/* test_threads.c — two-thread plans (rnn_plan_options.threads = 2) compute
 * what one thread computes. For every kernel table this CPU runs, every cell
 * and topology, batch 1, 2, 3 (hidden units split when H is a multiple of
 * the panel width: H 32 and 96; else one thread: H 8, 40, 100) and 16 (rows
 * split, panel tails at every H), T 1 and 5: forward and train with threads
 * 2 must give threads 1's bits in every tensor (each output is one chain
 * one thread computes whole: docs/design.md §9.2); a difference also
 * reports its size as a fraction of support/tolerance.h's tolerance. Also: threads 3 and -1 are RNN_ERR_ARG; a workspace
 * and a plan that disagree run on one thread; 200 two-thread workspaces
 * created and destroyed (no leak, no hang); two workspaces of one plan used
 * from two caller threads at once (four threads on the machine's two cores);
 * the plain sequence calls. Run under ThreadSanitizer by `make sanitize`. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"
#include "tolerance.h"

/* Every tensor a train call writes, in one struct so the comparisons loop. */
enum { T_H, T_C, T_LOGITS, T_LOSS, T_GX, T_GXD, T_GH0, T_GC0, T_GWIH, T_GWHH, T_GBIH, T_GBHH,
       T_DWIH, T_DWHH, T_DBIH, T_DBHH, T_GWHY, T_GBY, T_COUNT };
static const char *const tensor_name[T_COUNT] = {
    "h", "c", "logits", "loss", "dx", "dx_dec", "dh0", "dc0", "dW_ih", "dW_hh", "db_ih", "db_hh",
    "dec dW_ih", "dec dW_hh", "dec db_ih", "dec db_hh", "dW_hy", "db_y"};

typedef struct {
    float *t[T_COUNT];
    size_t n[T_COUNT];
} tensors;

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *w[2][4], *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *x_index, *targets;
    rnn_params p;
    rnn_inputs in;
} problem;

/* Totals over the whole sweep. */
static double worst_frac;
static char worst_where[240];
static long tensors_compared, tensors_bitwise;
/* Per batch size of the sweep (index into Bs in main), for the summary. */
static int batch_slot;
static long slot_compared[4], slot_bitwise[4];

static float *floats(size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    if (f)
        rnn_fill_uniform(f, n, seed, stream, lo, hi);
    return f;
}

static int32_t *classes(size_t n, uint64_t seed, uint64_t stream, int64_t limit)
{
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = (int32_t)(rnn_prng_u64(seed, stream, i) % (uint64_t)limit);
    return v;
}

static int problem_make(problem *pr, const rnn_desc *d, int one_hot, uint64_t seed)
{
    memset(pr, 0, sizeof *pr);
    pr->d = *d;
    if (rnn_desc_check(d, &pr->s) != RNN_OK)
        return 0;
    const rnn_sizes *s = &pr->s;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    const float a = 1.0f / sqrtf((float)d->H);
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++)
            pr->w[k][j] = floats(n[j], seed, (uint64_t)(10 * k + j), -a, a);
        rnn_cell_weights *cw = k ? &pr->p.decoder : &pr->p.cell;
        *cw = (rnn_cell_weights){pr->w[k][0], pr->w[k][1], pr->w[k][2], pr->w[k][3]};
    }
    pr->W_hy = floats(s->W_hy, seed, 30, -a, a);
    pr->b_y = floats(s->b_y, seed, 31, -0.5f, 0.5f);
    pr->p.W_hy = pr->W_hy;
    pr->p.b_y = pr->b_y;
    pr->x = floats(s->x, seed, 40, -1, 1);
    pr->x_dec = floats(s->x_dec, seed, 41, -1, 1);
    pr->h0 = floats(s->state, seed, 42, -1, 1);
    pr->c0 = floats(s->state, seed, 43, -1, 1);
    pr->targets = classes(s->targets, seed, 44, d->V);
    pr->x_index = one_hot ? classes(s->x / (size_t)d->I, seed, 45, d->I) : NULL;
    pr->in = (rnn_inputs){one_hot ? NULL : pr->x, pr->x_index, pr->x_dec, NULL, pr->h0,
                          d->cell == RNN_LSTM ? pr->c0 : NULL, pr->targets};
    return 1;
}

static void problem_free(problem *pr)
{
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++)
            free(pr->w[k][j]);
    free(pr->W_hy), free(pr->b_y), free(pr->x), free(pr->x_dec), free(pr->h0), free(pr->c0);
    free(pr->targets), free(pr->x_index);
}

static void tensors_alloc(tensors *r, const problem *pr)
{
    const rnn_sizes *s = &pr->s;
    const int lstm = pr->d.cell == RNN_LSTM, s2s = pr->d.topology == RNN_SEQ2SEQ;
    const int dx = pr->x_index == NULL;
    const size_t n[T_COUNT] = {s->h, lstm ? s->h : 0, s->logits, 1, dx ? s->x : 0,
                               s2s ? s->x_dec : 0, s->state, lstm ? s->state : 0,
                               s->weight_ih, s->weight_hh, s->bias, s->bias,
                               s2s ? s->weight_ih : 0, s2s ? s->weight_hh : 0,
                               s2s ? s->bias : 0, s2s ? s->bias : 0, s->W_hy, s->b_y};
    for (int i = 0; i < T_COUNT; i++) {
        r->n[i] = n[i];
        /* NaN fill: anything a call forgets to write shows in the comparison. */
        r->t[i] = n[i] ? malloc(n[i] * sizeof(float)) : NULL;
        for (size_t j = 0; j < n[i]; j++)
            r->t[i][j] = NAN;
    }
}

static void tensors_free(tensors *r)
{
    for (int i = 0; i < T_COUNT; i++)
        free(r->t[i]);
}

static rnn_status run(const rnn_plan *plan, rnn_workspace *ws, const problem *pr, tensors *r,
                      int train)
{
    float **t = r->t;
    rnn_outputs o = {t[T_H], t[T_C], t[T_LOGITS], t[T_LOSS]};
    /* On a NaN workspace: nothing an earlier call left stands in. */
    if (rnn_workspace_poison(ws) != RNN_OK)
        return RNN_ERR_NULL;
    if (!train)
        return rnn_plan_forward(plan, ws, &pr->in, &o);
    rnn_grads g = {t[T_GX], t[T_GXD], t[T_GH0], t[T_GC0],
                   {t[T_GWIH], t[T_GWHH], t[T_GBIH], t[T_GBHH]},
                   {t[T_DWIH], t[T_DWHH], t[T_DBIH], t[T_DBHH]}, t[T_GWHY], t[T_GBY]};
    return rnn_plan_train(plan, ws, &pr->in, &o, &g);
}

/* Compares every tensor of got (threads 2) with want (threads 1). */
static void compare(const tensors *got, const tensors *want, const problem *pr, int train,
                    const char *label)
{
    const rnn_desc *d = &pr->d;
    const double S = (double)pr->s.steps, K = (double)(d->I + d->H);
    for (int i = 0; i < T_COUNT; i++) {
        if (!got->n[i] || (!train && i > T_LOSS))
            continue;
        const int grad = i > T_LOSS;
        const double tol = rnn_tolerance(grad ? RNN_TOL_GRADIENT : RNN_TOL_FORWARD,
                                         K + (grad || i == T_LOGITS ? (double)d->V : 0.0), S);
        rnn_compare_result c = rnn_compare(got->t[i], want->t[i], got->n[i], tol);
        tensors_compared++;
        slot_compared[batch_slot]++;
        const int same = memcmp(got->t[i], want->t[i], got->n[i] * sizeof(float)) == 0;
        if (same) {
            tensors_bitwise++;
            slot_bitwise[batch_slot]++;
        }
        CHECK(same, "%s %s: threads 2 gives other bits than threads 1 (fraction of tolerance "
              "%.3g at [%zu]: %a vs %a)", label, tensor_name[i], c.frac, c.worst,
              (double)got->t[i][c.worst], (double)want->t[i][c.worst]);
        if (c.frac > worst_frac) {
            worst_frac = c.frac;
            snprintf(worst_where, sizeof worst_where, "%s %s", label, tensor_name[i]);
        }
        CHECK(c.frac < 1.0, "%s %s: threads 2 vs 1: fraction of tolerance %.3g at [%zu]: %g vs %g",
              label, tensor_name[i], c.frac, c.worst, (double)got->t[i][c.worst],
              (double)want->t[i][c.worst]);
    }
}

static void check_case(const rnn_kernels *k, const rnn_desc *d, int one_hot)
{
    char label[128];
    snprintf(label, sizeof label, "%s %s:%s:T%lld:B%lld:H%lld%s", k->name, rnn_cell_name(d->cell),
             rnn_topology_name(d->topology), (long long)d->T, (long long)d->B, (long long)d->H,
             one_hot ? " one-hot" : "");
    problem pr;
    if (!problem_make(&pr, d, one_hot, 7 + (uint64_t)d->H)) {
        CHECK(0, "%s: bad desc", label);
        return;
    }
    rnn_plan *plan[2] = {NULL, NULL};
    rnn_workspace *ws[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        rnn_plan_options opt = {.isa = k->isa, .threads = i + 1};
        rnn_status st = rnn_plan_create(&plan[i], d, &pr.p, &opt);
        if (st == RNN_OK)
            st = rnn_workspace_create(&ws[i], plan[i]);
        CHECK(st == RNN_OK, "%s: threads %d: %s", label, i + 1, rnn_strerror(st));
    }
    if (ws[0] && ws[1]) {
        for (int train = 0; train < 2; train++) {
            tensors r[2];
            for (int i = 0; i < 2; i++) {
                tensors_alloc(&r[i], &pr);
                rnn_status st = run(plan[i], ws[i], &pr, &r[i], train);
                CHECK(st == RNN_OK, "%s: %s threads %d: %s", label, train ? "train" : "forward",
                      i + 1, rnn_strerror(st));
            }
            char l2[200];
            snprintf(l2, sizeof l2, "%s %s", label, train ? "train" : "forward");
            compare(&r[1], &r[0], &pr, train, l2);
            tensors_free(&r[0]);
            tensors_free(&r[1]);
        }
    }
    for (int i = 0; i < 2; i++) {
        rnn_workspace_destroy(ws[i]);
        rnn_plan_destroy(plan[i]);
    }
    problem_free(&pr);
}

/* The plain sequence calls (rnn_plan_seq_*), batch 1 and 3, every cell. */
static void check_seq(const rnn_kernels *k)
{
    static const int64_t Bs[2] = {1, 3};
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int b = 0; b < 2; b++) {
            rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 5, 0, Bs[b], 7, 64, 5};
            problem pr;
            problem_make(&pr, &d, 0, 99);
            const rnn_sizes *s = &pr.s;
            float *out[2], *dx[2], *dw[2], *dgo = floats(s->h, 99, 60, -1, 1);
            rnn_plan *plan[2] = {NULL, NULL};
            rnn_workspace *ws[2] = {NULL, NULL};
            rnn_status st = RNN_OK;
            for (int i = 0; i < 2; i++) {
                rnn_plan_options opt = {.isa = k->isa, .threads = i + 1};
                out[i] = calloc(s->h, 4), dx[i] = calloc(s->x, 4), dw[i] = calloc(s->weight_hh, 4);
                if (st == RNN_OK)
                    st = rnn_plan_create(&plan[i], &d, &pr.p, &opt);
                if (st == RNN_OK)
                    st = rnn_workspace_create(&ws[i], plan[i]);
                if (st == RNN_OK)
                    st = rnn_plan_seq_forward(plan[i], ws[i], pr.x, pr.h0, pr.c0, out[i], NULL,
                                              NULL);
                rnn_grads g = {0};
                g.x = dx[i];
                g.cell.weight_hh = dw[i];
                if (st == RNN_OK)
                    st = rnn_plan_seq_backward(plan[i], ws[i], pr.x, pr.h0, pr.c0, dgo, NULL,
                                               NULL, &g);
            }
            CHECK(st == RNN_OK, "%s seq %s B%d: %s", k->name, rnn_cell_name(d.cell), (int)d.B,
                  rnn_strerror(st));
            if (st == RNN_OK) {
                const double K = (double)(d.I + d.H), S = (double)d.T;
                rnn_compare_result r1 =
                    rnn_compare(out[1], out[0], s->h, rnn_tolerance(RNN_TOL_FORWARD, K, S));
                rnn_compare_result r2 =
                    rnn_compare(dx[1], dx[0], s->x, rnn_tolerance(RNN_TOL_GRADIENT, K, S));
                rnn_compare_result r3 = rnn_compare(dw[1], dw[0], s->weight_hh,
                                                    rnn_tolerance(RNN_TOL_GRADIENT, K, S));
                CHECK(r1.frac < 1 && r2.frac < 1 && r3.frac < 1,
                      "%s seq %s B%d: threads 2 vs 1: output %.3g, dx %.3g, dW_hh %.3g", k->name,
                      rnn_cell_name(d.cell), (int)d.B, r1.frac, r2.frac, r3.frac);
            }
            for (int i = 0; i < 2; i++) {
                rnn_workspace_destroy(ws[i]);
                rnn_plan_destroy(plan[i]);
                free(out[i]), free(dx[i]), free(dw[i]);
            }
            free(dgo);
            problem_free(&pr);
        }
}

/* ---- options, lifetimes, callers on two threads ---- */

static void check_options(void)
{
    rnn_desc d = {RNN_LSTM, RNN_MANY2ONE, 4, 0, 2, 3, 8, 3};
    problem pr;
    problem_make(&pr, &d, 0, 5);
    static const int bad[] = {3, -1, 64, -1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rnn_plan *plan = (rnn_plan *)&pr; /* must be reset to NULL */
        rnn_plan_options opt = {.isa = RNN_ISA_AUTO, .threads = bad[i]};
        rnn_status st = rnn_plan_create(&plan, &d, &pr.p, &opt);
        CHECK(st == RNN_ERR_ARG && plan == NULL, "threads %d: %s, want RNN_ERR_ARG", bad[i],
              rnn_strerror(st));
    }
    /* A plan and a workspace that disagree run on one thread: the bits of
     * threads 1, both ways round. */
    rnn_plan *p1 = NULL, *p2 = NULL;
    rnn_plan_options o1 = {.isa = RNN_ISA_AUTO, .threads = 1},
                     o2 = {.isa = RNN_ISA_AUTO, .threads = 2};
    rnn_workspace *w1 = NULL, *w2 = NULL;
    rnn_status st = rnn_plan_create(&p1, &d, &pr.p, &o1);
    if (st == RNN_OK)
        st = rnn_plan_create(&p2, &d, &pr.p, &o2);
    if (st == RNN_OK)
        st = rnn_workspace_create(&w1, p1);
    if (st == RNN_OK)
        st = rnn_workspace_create(&w2, p2);
    CHECK(st == RNN_OK, "mixed: %s", rnn_strerror(st));
    if (st == RNN_OK) {
        tensors r[3];
        for (int i = 0; i < 3; i++)
            tensors_alloc(&r[i], &pr);
        rnn_status a = run(p1, w1, &pr, &r[0], 1);
        rnn_status b = run(p2, w1, &pr, &r[1], 1);
        rnn_status c = run(p1, w2, &pr, &r[2], 1);
        CHECK(a == RNN_OK && b == RNN_OK && c == RNN_OK, "mixed: train failed");
        int same = 1;
        for (int i = 0; i < T_COUNT; i++)
            for (int j = 1; j < 3; j++)
                if (r[0].n[i] && memcmp(r[0].t[i], r[j].t[i], r[0].n[i] * 4) != 0)
                    same = 0;
        CHECK(same, "mixed: a threads-2 plan on a threads-1 workspace (or the reverse) "
                    "changed the bits of threads 1");
        for (int i = 0; i < 3; i++)
            tensors_free(&r[i]);
    }
    rnn_workspace_destroy(w1);
    rnn_workspace_destroy(w2);
    rnn_plan_destroy(p1);
    rnn_plan_destroy(p2);
    problem_free(&pr);
}

static void check_lifetimes(void)
{
    rnn_desc d = {RNN_GRU, RNN_MANY2MANY, 3, 0, 1, 3, 8, 3};
    problem pr;
    problem_make(&pr, &d, 0, 6);
    rnn_plan *plan = NULL;
    rnn_plan_options opt = {.isa = RNN_ISA_AUTO, .threads = 2};
    rnn_status st = rnn_plan_create(&plan, &d, &pr.p, &opt);
    CHECK(st == RNN_OK, "lifetimes: plan: %s", rnn_strerror(st));
    int made = 0, ran = 0;
    tensors r;
    tensors_alloc(&r, &pr);
    for (int i = 0; st == RNN_OK && i < 200; i++) {
        rnn_workspace *ws = NULL;
        if (rnn_workspace_create(&ws, plan) != RNN_OK)
            break;
        made++;
        /* Every other one runs a call first; the rest are destroyed with a
         * helper that never had work. */
        if (i % 2 == 0 && run(plan, ws, &pr, &r, 1) == RNN_OK)
            ran++;
        rnn_workspace_destroy(ws);
    }
    printf("lifetimes: %d two-thread workspaces created and destroyed, %d of them ran train\n",
           made, ran);
    CHECK(made == 200 && ran == 100, "lifetimes: %d of 200 created, %d of 100 ran", made, ran);
    tensors_free(&r);
    rnn_plan_destroy(plan);
    problem_free(&pr);
}

typedef struct {
    const rnn_plan *plan;
    const problem *pr;
    const tensors *want;
    pthread_barrier_t *start;
    int calls, mismatches, errors;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    rnn_workspace *ws = NULL;
    tensors r;
    tensors_alloc(&r, c->pr);
    if (rnn_workspace_create(&ws, c->plan) != RNN_OK)
        c->errors++;
    pthread_barrier_wait(c->start);
    for (int i = 0; ws && i < c->calls; i++) {
        if (run(c->plan, ws, c->pr, &r, 1) != RNN_OK) {
            c->errors++;
            continue;
        }
        for (int j = 0; j < T_COUNT; j++)
            if (r.n[j] && memcmp(r.t[j], c->want->t[j], r.n[j] * 4) != 0) {
                c->mismatches++;
                break;
            }
    }
    rnn_workspace_destroy(ws);
    tensors_free(&r);
    return NULL;
}

/* Two caller threads, each with its own two-thread workspace of one plan:
 * four threads on two cores, so the barriers must yield, not only spin.
 * Batch 1 (barriers every step) and batch 4 (rows split). */
static void check_two_callers(int64_t B)
{
    rnn_desc d = {RNN_LSTM, RNN_SEQ2SEQ, 6, 3, B, 5, 64, 7};
    problem pr;
    problem_make(&pr, &d, 0, 8);
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    rnn_plan_options opt = {.isa = RNN_ISA_AUTO, .threads = 2};
    rnn_status st = rnn_plan_create(&plan, &d, &pr.p, &opt);
    if (st == RNN_OK)
        st = rnn_workspace_create(&ws, plan);
    tensors want;
    tensors_alloc(&want, &pr);
    if (st == RNN_OK)
        st = run(plan, ws, &pr, &want, 1);
    CHECK(st == RNN_OK, "two callers: %s", rnn_strerror(st));
    rnn_workspace_destroy(ws);
    if (st == RNN_OK) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        caller c[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            c[i] = (caller){plan, &pr, &want, &start, 40, 0, 0};
            pthread_create(&t[i], NULL, caller_main, &c[i]);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);
        const int bad = c[0].mismatches + c[1].mismatches, errs = c[0].errors + c[1].errors;
        printf("two callers, B=%d: 2 x %d train calls, each on its own two-thread workspace: "
               "%d differ from the lone call's bits, %d failed\n",
               (int)B, c[0].calls, bad, errs);
        CHECK(bad == 0 && errs == 0, "two callers B=%d: %d mismatches, %d errors", (int)B, bad,
              errs);
    }
    tensors_free(&want);
    rnn_plan_destroy(plan);
    problem_free(&pr);
}

int main(void)
{
    static const int64_t Bs[] = {1, 2, 3, 16}, Hs[] = {8, 32, 40, 96, 100}, Ts[] = {1, 5};
    int tables = 0, cases = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *why = NULL;
        if (rnn_isa_check((*t)->isa, &why) != RNN_OK) {
            printf("skip table %s: %s\n", (*t)->name, why ? why : "unsupported");
            continue;
        }
        tables++;
        const int before = check_failed;
        const long cmp0 = tensors_compared, bit0 = tensors_bitwise;
        for (int c = 0; c < RNN_CELL_COUNT; c++)
            for (int to = 0; to < RNN_TOPOLOGY_COUNT; to++)
                for (size_t b = 0; b < 4; b++)
                    for (size_t h = 0; h < 5; h++)
                        for (size_t ti = 0; ti < 2; ti++) {
                            const rnn_topology topo = (rnn_topology)to;
                            if (topo == RNN_ONE2ONE && Ts[ti] != 1)
                                continue;
                            /* V 37 on the H = 40 cases: the head's bias
                             * gradient (its column sums, split in units of 16
                             * columns) then has a share on each thread. */
                            rnn_desc d = {(rnn_cell)c, topo, Ts[ti],
                                          topo == RNN_SEQ2SEQ ? 3 : 0, Bs[b], 7, Hs[h],
                                          Hs[h] == 40 ? 37 : 5};
                            /* One-hot inputs on the H = 96 cases: the split
                             * gather and the split dW_ih accumulation. */
                            batch_slot = (int)b;
                            check_case(*t, &d, Hs[h] == 96);
                            cases++;
                        }
        check_seq(*t);
        printf("%-8s %ld tensors compared, %ld bitwise equal to threads 1, %d failures\n",
               (*t)->name, tensors_compared - cmp0, tensors_bitwise - bit0,
               check_failed - before);
    }
    CHECK(tables > 0, "no kernel table runs on this CPU");
    printf("%d tables, %d cases (cell x topology x B {1,2,3,16} x H {8,32,40,96,100} x T {1,5}; "
           "V 37 at H 40, else 5), "
           "forward and train\n", tables, cases);
    printf("threads 2 vs 1: %ld tensors, %ld bitwise equal; worst %.3g of the tolerance%s%s\n",
           tensors_compared, tensors_bitwise, worst_frac, worst_frac > 0 ? ": " : "",
           worst_where);
    for (int b = 0; b < 4; b++)
        printf("  B=%-2d %ld of %ld tensors bitwise equal\n", (int)Bs[b], slot_bitwise[b],
               slot_compared[b]);
    check_options();
    check_lifetimes();
    check_two_callers(1);
    check_two_callers(4);
    return check_summary();
}
