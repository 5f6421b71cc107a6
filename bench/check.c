/* check.c — the benchmark's implementations against the reference, output
 * by output (see check.h).
 *
 * What a row must produce, by kind (names as bench_output's):
 *   headed fwd       loss
 *   headed train     loss and the gradient of every input that has one: x,
 *                    x_dec, h0, c0, both cells' weights and biases, W_hy, b_y
 *   /seq fwd         h (every step), h_T, c_T
 *   /seq train       the gradients of x, h0, c0 and the cell's weights and
 *                    biases, from the upstream gradient on every h_t
 *   /seq_noproj fwd  h, h_T
 * A stack's weight gradients are one tensor per kind, every cell's back to
 * back in cell order (bench/data.h); a stack's /seq_noproj has no h_T (its
 * h_n is every cell's final state, not a row of h).
 * An implementation that leaves one out, or leaves NaN in it, fails; so does
 * one that produces a tensor the row does not have (a decoder's gradient on
 * a row without a decoder: its results are wired to the wrong network) or a
 * name twice, and a problem whose reference is all zeros (the check could
 * not tell a row that did the work from one that wrote zeros). */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"
#include "onednn_semantics.h"
#include "sweep.h"
#include "tolerance.h"

typedef struct {
    const char *name;
    float *data;
    size_t n;
    int grad;
} ref_tensor;

typedef struct {
    ref_tensor t[BENCH_MAX_OUTPUTS];
    int n;
    float *mem[BENCH_MAX_OUTPUTS];
    int nmem;
    float loss;
} reference;

static float *ref_buf(reference *r, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (p)
        r->mem[r->nmem++] = p;
    return p;
}

static void ref_add(reference *r, const char *name, float *data, size_t n, int grad)
{
    if (data && r->n < BENCH_MAX_OUTPUTS)
        r->t[r->n++] = (ref_tensor){name, data, n, grad};
}

static void ref_free(reference *r)
{
    for (int i = 0; i < r->nmem; i++)
        free(r->mem[i]);
    memset(r, 0, sizeof *r);
}

/* The reference's results of the row's work. */
static rnn_status ref_run(const bench_data *dt, reference *r)
{
    memset(r, 0, sizeof *r);
    const rnn_sizes *s = &dt->s;
    const bench_problem *p = &dt->p;
    const int lstm = p->cell == RNN_LSTM, s2s = dt->d.topology == RNN_SEQ2SEQ;
    const int train = p->mode == BENCH_TRAIN;
    rnn_params prm = bench_data_params(dt);
    const rnn_cell_weights *seq_w = dt->layers ? dt->layers : &prm.cell;
    const bench_cell_counts nc = bench_data_counts(dt, 0),
                            nd = s2s ? bench_data_counts(dt, 1) : (bench_cell_counts){0, 0, 0};
    rnn_cell_grads views[2 * RNN_MAX_LAYERS + RNN_MAX_LAYERS];
    rnn_grads g;
    memset(&g, 0, sizeof g);
    if (train) {
        g.x = ref_buf(r, s->x);
        g.h0 = ref_buf(r, s->state);
        g.c0 = lstm ? ref_buf(r, s->state) : NULL;
        g.cell = (rnn_cell_grads){ref_buf(r, nc.weight_ih), ref_buf(r, nc.weight_hh),
                                  ref_buf(r, nc.bias), ref_buf(r, nc.bias)};
        if (s2s) {
            g.x_dec = ref_buf(r, s->x_dec);
            g.decoder = (rnn_cell_grads){ref_buf(r, nd.weight_ih), ref_buf(r, nd.weight_hh),
                                         ref_buf(r, nd.bias), ref_buf(r, nd.bias)};
        }
        if (dt->ncells > 1) {
            /* The reference writes each cell's gradient into its slice. */
            const int nenc = dt->ncells, ndec = s2s ? (int)dt->L : 0;
            for (int k = 0; k < nenc + ndec; k++) {
                const int dec = k >= nenc, kk = dec ? k - nenc : k;
                const rnn_cell_grads *base = dec ? &g.decoder : &g.cell;
                const bench_cell_counts o = bench_data_offsets(dt, dec, kk);
                if (!base->weight_ih || !base->weight_hh || !base->bias_ih || !base->bias_hh)
                    return RNN_ERR_NOMEM;
                views[k] = (rnn_cell_grads){base->weight_ih + o.weight_ih,
                                            base->weight_hh + o.weight_hh,
                                            base->bias_ih + o.bias, base->bias_hh + o.bias};
            }
            g.layers = views;
            g.decoder_layers = s2s ? views + nenc : NULL;
        }
    }
    rnn_status st;
    if (p->variant == BENCH_HEADED) {
        rnn_inputs in = bench_data_inputs(dt);
        rnn_outputs out = {.loss = &r->loss};
        if (train) {
            g.W_hy = ref_buf(r, s->W_hy);
            g.b_y = ref_buf(r, s->b_y);
            st = rnn_reference_train(&dt->d, &prm, &in, &out, &g);
        } else {
            st = rnn_reference_forward(&dt->d, &prm, &in, &out);
        }
        ref_add(r, "loss", &r->loss, 1, train);
    } else {
        /* /seq_noproj's one-hot inputs, spelled out for the reference. */
        const float *x = dt->x;
        if (dt->x_index) {
            float *x1 = ref_buf(r, s->x);
            if (!x1)
                return RNN_ERR_NOMEM;
            for (size_t row = 0; row < s->x / (size_t)p->I; row++)
                x1[row * (size_t)p->I + (size_t)dt->x_index[row]] = 1.0f;
            x = x1;
        }
        if (train) {
            st = rnn_reference_seq_backward(&dt->d, seq_w, x, NULL, NULL, dt->grad_output,
                                            NULL, NULL, &g);
        } else {
            float *h = ref_buf(r, s->h), *hn = ref_buf(r, s->state);
            float *cn = lstm && p->variant == BENCH_SEQ ? ref_buf(r, s->state) : NULL;
            st = rnn_reference_seq_forward(&dt->d, seq_w, x, NULL, NULL, h, hn, cn);
            ref_add(r, "h", h, s->h, 0);
            if (p->variant == BENCH_SEQ || dt->ncells == 1)
                ref_add(r, "h_T", hn, s->state, 0);
            ref_add(r, "c_T", cn, s->state, 0);
        }
    }
    if (train) {
        ref_add(r, "grad.x", g.x, s->x, 1);
        ref_add(r, "grad.x_dec", g.x_dec, s->x_dec, 1);
        ref_add(r, "grad.h0", g.h0, s->state, 1);
        ref_add(r, "grad.c0", g.c0, s->state, 1);
        ref_add(r, "grad.weight_ih", g.cell.weight_ih, nc.weight_ih, 1);
        ref_add(r, "grad.weight_hh", g.cell.weight_hh, nc.weight_hh, 1);
        ref_add(r, "grad.bias_ih", g.cell.bias_ih, nc.bias, 1);
        ref_add(r, "grad.bias_hh", g.cell.bias_hh, nc.bias, 1);
        ref_add(r, "grad.dec.weight_ih", g.decoder.weight_ih, nd.weight_ih, 1);
        ref_add(r, "grad.dec.weight_hh", g.decoder.weight_hh, nd.weight_hh, 1);
        ref_add(r, "grad.dec.bias_ih", g.decoder.bias_ih, nd.bias, 1);
        ref_add(r, "grad.dec.bias_hh", g.decoder.bias_hh, nd.bias, 1);
        ref_add(r, "grad.W_hy", g.W_hy, s->W_hy, 1);
        ref_add(r, "grad.b_y", g.b_y, s->b_y, 1);
    }
    return st;
}

/* Tolerance of a tensor: depth K + H, K the widest cell input (I, or D*H
 * above layer 0), + V where the head is in the chain, over every step the
 * problem runs times its layers (a stack's error passes through each layer;
 * the rule of tests/test_stack_plan.c; L = 1 gives I + H over the steps). */
static double tol_of(const bench_data *dt, const ref_tensor *t)
{
    const bench_problem *p = &dt->p;
    if (p->dtype == RNN_DTYPE_BF16) {
        /* A bf16 row against the float32 reference: each product's operands
         * carry a relative error up to 2^-9, so a depth-K sum's norm-wise
         * relative error is about 2^-8 whatever K (both grow with sqrt(K)),
         * adding up over the chain of S steps like float32's (sqrt(S)); c = 1
         * forward, 4 for gradients (the quick set's worst was 0.27 of it). A
         * wrong gate, state or missing product is off by O(1). */
        const double S = (double)bench_problem_steps(p) * (double)dt->L;
        return (t->grad ? 4.0 : 1.0) * 0x1p-8 * sqrt(S);
    }
    const int head = p->variant == BENCH_HEADED && (t->grad || !strcmp(t->name, "loss"));
    const int64_t upper = dt->L > 1 ? (int64_t)dt->D * p->H : 0;
    const double K = (double)((p->I > upper ? p->I : upper) + p->H) +
                     (head ? (double)dt->d.V : 0.0);
    return rnn_tolerance(t->grad ? RNN_TOL_GRADIENT : RNN_TOL_FORWARD, K,
                         (double)bench_problem_steps(p) * (double)dt->L);
}

/* One implementation on one problem: 0 passed, 1 failed, 2 could not set
 * up (err says why; nothing printed). */
static int check_one(const bench_impl *im, const bench_data *dt, const reference *ref,
                     const char *name, char *err, size_t err_n)
{
    char note[256];
    void *ctx = im->setup(im, dt, note, sizeof note, err, err_n);
    if (!ctx)
        return 2;
    /* NaN in every buffer the run writes: whatever it leaves unwritten shows. */
    bench_output raw[BENCH_MAX_OUTPUTS], got[BENCH_MAX_OUTPUTS];
    const int nraw = im->outputs(ctx, raw, BENCH_MAX_OUTPUTS);
    for (int i = 0; i < nraw; i++)
        for (size_t k = 0; k < raw[i].n; k++)
            raw[i].data[k] = NAN;
    if (im->run(ctx, err, err_n)) {
        printf("FAIL %-60s run: %s\n", name, err);
        im->teardown(ctx);
        return 1;
    }
    const int ngot = im->results(ctx, got, BENCH_MAX_OUTPUTS);
    double worst = 0.0;
    const char *worst_name = "-";
    char why[256] = "";
    for (int k = 0; k < ngot && !why[0]; k++) {
        int known = 0;
        for (int i = 0; i < ref->n && !known; i++)
            known = !strcmp(got[k].name, ref->t[i].name);
        for (int j = 0; j < k && !why[0]; j++)
            if (!strcmp(got[j].name, got[k].name))
                snprintf(why, sizeof why, "%s: produced twice", got[k].name);
        if (!known && !why[0])
            snprintf(why, sizeof why, "%s: produced, but the row's work has no such tensor",
                     got[k].name);
    }
    for (int i = 0; i < ref->n && !why[0]; i++) {
        const ref_tensor *r = &ref->t[i];
        const bench_output *o = NULL;
        for (int k = 0; k < ngot && !o; k++)
            if (!strcmp(got[k].name, r->name))
                o = &got[k];
        if (!o) {
            snprintf(why, sizeof why, "%s: not produced (the row's work includes it)", r->name);
            break;
        }
        if (o->n != r->n) {
            snprintf(why, sizeof why, "%s: %zu values, the reference has %zu", r->name, o->n,
                     r->n);
            break;
        }
        const double tol = tol_of(dt, r);
        rnn_compare_result c = rnn_compare(o->data, r->data, r->n, tol);
        if (!(c.frac <= worst) || worst_name[0] == '-') {
            worst = c.frac;
            worst_name = r->name;
        }
        if (!(c.frac < 1.0))
            snprintf(why, sizeof why, "%s: fraction of tolerance %.3g (element %zu: got %.9g, "
                     "reference %.9g, tol %.3g)", r->name, c.frac, c.worst,
                     (double)o->data[c.worst], (double)r->data[c.worst], tol);
    }
    im->teardown(ctx);
    if (why[0]) {
        printf("FAIL %-60s %s\n", name, why);
        return 1;
    }
    printf("ok   %-60s %2d outputs, worst fraction %.3f (%s)\n", name, ref->n, worst, worst_name);
    return 0;
}

/* The bf16 rows (--dtype=bf16): ours (rnn_plan_options.dtype) and oneDNN's
 * bf16 primitives in both weight formats, on the quick set's problems the
 * oneDNN bf16 peer runs (one layer, one direction, not seq2seq), against the
 * float32 reference within tol_of's bf16 bound. Ours is skipped, with the
 * reason, where the table cannot run bf16 here. */
static void check_bf16(rnn_isa isa, int *passed, int *failed)
{
    size_t np = sweep_problems(SWEEP_QUICK, NULL, 0);
    bench_problem *probs = calloc(np, sizeof *probs);
    if (!probs) {
        (*failed)++;
        return;
    }
    sweep_problems(SWEEP_QUICK, probs, np);
    const bench_impl ours = bench_impl_rnnsimd(isa);
    int ours_skipped = 0;
    for (size_t i = 0; i < np; i++) {
        bench_problem p = probs[i];
        if (bench_problem_stacked(&p) || p.topology == RNN_SEQ2SEQ ||
            bench_problem_threads(&p) > 1)
            continue;
        p.dtype = RNN_DTYPE_BF16;
        bench_data dt;
        reference ref;
        if (bench_data_create(&dt, &p)) {
            printf("FAIL bf16 problem %zu: cannot create its tensors\n", i);
            (*failed)++;
            continue;
        }
        if (ref_run(&dt, &ref) != RNN_OK) {
            printf("FAIL bf16 problem %zu: the reference failed\n", i);
            (*failed)++;
            bench_data_free(&dt);
            continue;
        }
        for (int k = 0; k < 3; k++) {
            const bench_impl *im = k == 0 ? &ours : &bench_peer_onednn;
            if (k > 0 && p.variant == BENCH_SEQ_NOPROJ)
                continue;
            char name[224], err[256] = "";
            const int n = bench_problem_name(&p, im->name, name, sizeof name);
            snprintf(name + n, sizeof name - (size_t)n, "%s",
                     k == 1 ? " (weights any)" : k == 2 ? " (weights ldigo)" : "");
            if (k > 0)
                bench_onednn_force_format(k - 1);
            const int rc = check_one(im, &dt, &ref, name, err, sizeof err);
            bench_onednn_force_format(-1);
            if (rc == 0) {
                (*passed)++;
            } else if (rc == 1) {
                (*failed)++;
            } else if (k == 0 && strstr(err, rnn_strerror(RNN_ERR_ISA_UNSUPPORTED))) {
                if (!ours_skipped++) /* the CPU cannot: said once */
                    printf("skip %-60s %s (and every bf16 row of ours)\n", name, err);
            } else if (k > 0) {
                printf("skip %-60s %s\n", name, err); /* the other format must build */
            } else {
                printf("FAIL %-60s setup: %s\n", name, err);
                (*failed)++;
            }
        }
        ref_free(&ref);
        bench_data_free(&dt);
    }
    free(probs);
}

int bench_check(rnn_isa isa)
{
    size_t np = sweep_problems(SWEEP_QUICK, NULL, 0);
    bench_problem *probs = calloc(np, sizeof *probs);
    if (!probs)
        return 1;
    sweep_problems(SWEEP_QUICK, probs, np);
    const bench_impl ours = bench_impl_rnnsimd(isa);
    /* oneDNN twice: the pilot of a timed row may pick either weight format. */
    const struct {
        const bench_impl *im;
        int onednn_format; /* bench_onednn_force_format's argument; -2: not oneDNN */
        const char *label;
    } impls[] = {{&ours, -2, ""},
                 {&bench_peer_onednn, 0, " (weights any)"},
                 {&bench_peer_onednn, 1, " (weights ldigo)"},
                 {&bench_peer_blas, -2, ""}};
    int passed = 0, failed = 0;
    for (size_t i = 0; i < np; i++) {
        bench_data dt;
        reference ref;
        if (bench_data_create(&dt, &probs[i])) {
            printf("FAIL problem %zu: cannot create its tensors\n", i);
            failed++;
            continue;
        }
        rnn_status st = ref_run(&dt, &ref);
        /* A reference of nothing but zeros could not tell a row that did the
         * work from one that wrote zeros (one tensor may be zero: one2one's
         * dW_hh from a zero state). */
        const char *blind = "every output";
        int dnn_built = 0, dnn_tried = 0;
        for (int k = 0; k < ref.n && blind; k++)
            for (size_t e = 0; e < ref.t[k].n && blind; e++)
                if (ref.t[k].data[e] != 0.0f)
                    blind = NULL;
        for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
            char name[224];
            const int n = bench_problem_name(&probs[i], impls[k].im->name, name, sizeof name);
            snprintf(name + n, sizeof name - (size_t)n, "%s", impls[k].label);
            if (impls[k].onednn_format >= 0 && probs[i].variant == BENCH_SEQ_NOPROJ)
                continue; /* the sweeps leave oneDNN out there: it always projects */
            if (impls[k].im == &bench_peer_blas && bench_problem_stacked(&probs[i]))
                continue; /* the baseline runs one layer in one direction (peer_blas.c) */
            if (st != RNN_OK || blind) {
                printf("FAIL %-60s reference: %s%s\n", name,
                       st != RNN_OK ? rnn_strerror(st) : blind,
                       st != RNN_OK ? "" : " all zeros: the check would not see the work skipped");
                failed++;
                continue;
            }
            const int dnn = impls[k].onednn_format >= 0;
            if (dnn)
                bench_onednn_force_format(impls[k].onednn_format);
            char err[256] = "";
            const int rc = check_one(impls[k].im, &dt, &ref, name, err, sizeof err);
            bench_onednn_force_format(-1);
            dnn_tried += dnn;
            if (rc == 0) {
                passed++;
                dnn_built += dnn;
            } else if (rc == 1) {
                failed++; /* check_one printed why */
                dnn_built += dnn;
            } else if (dnn) {
                /* A format oneDNN cannot build here: its pilot then takes the
                 * other one, which must. */
                printf("skip %-60s %s\n", name, err);
            } else {
                printf("FAIL %-60s setup: %s\n", name, err);
                failed++;
            }
        }
        if (dnn_tried && !dnn_built) {
            char name[224];
            bench_problem_name(&probs[i], "onednn", name, sizeof name);
            printf("FAIL %-60s neither weight format could be set up\n", name);
            failed++;
        }
        ref_free(&ref);
        bench_data_free(&dt);
    }
    free(probs);
    check_bf16(isa, &passed, &failed);
    /* Why the peer chains bidirectional stacks: a note, not a check (the
     * chain is PyTorch's stack whatever oneDNN's own form computes). */
    char why[512];
    bench_onednn_bidir_semantics(why, sizeof why);
    printf("note %s\n", why);
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}
