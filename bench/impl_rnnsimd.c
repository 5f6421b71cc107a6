/* impl_rnnsimd.c — our rows: a plan on one kernel table, its workspace and
 * every output and gradient a framework would ask for (the peers produce the
 * same set), created at setup; run is one rnn_plan_* call.
 *
 * The plan runs on the problem's thread count (rnn_plan_options.threads)
 * and data type (rnn_plan_options.dtype: a /bf16 row's plan packs bf16
 * weights; its inputs, outputs and gradients stay float32).
 * Headed problems: rnn_plan_forward (loss through the head) or rnn_plan_train
 * (all gradients: x, x_dec, h0, c0, both cells, head). /seq rows:
 * rnn_plan_seq_forward, or rnn_plan_seq_backward (which runs its own forward).
 * /seq_noproj rows (forward only): one-hot inputs by index, so the input
 * projection is a row gather, with a one-class head (2*B*H flops a step,
 * nothing beside the cell), every h_t written out like the other sequences.
 * outputs and results name every output and gradient the call writes.
 * A stack (docs/design.md §7) runs the same calls with the stack's desc and
 * cells (rnn_params.layers, decoder_layers); its weight gradients are one
 * buffer per kind, every cell's back to back in cell order (bench/data.h),
 * which rnn_grads.layers views.
 *
 * Two test hooks (RNNSIMD_BENCH_FAULT, as peer_onednn.c's) plant faults
 * the benchmark's own checks must catch; tests/cli_tests.sh sets them:
 *   ours-lazy      run does the work on its first call in a context only
 *                  (a timed loop of calls that skip it: bench/rows.c must
 *                  fail the row)
 *   ours-last-nan  results hands --check a NaN as the last element of the
 *                  last output (bench/check.c must compare every output to
 *                  its end, and fail every row of ours). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"

typedef struct {
    const bench_data *dt;
    rnn_plan *plan;
    rnn_workspace *ws;
    rnn_inputs in;
    rnn_outputs out;
    rnn_grads g;
    float loss;
    float *output, *hn, *cn; /* /seq, and output for /seq_noproj */
    float *bufs[20]; /* 15 at most, and the last-nan hook's copy */
    int nbufs, oom;
    rnn_cell_grads *glayers, *gdec_layers; /* a stack's gradient views */
    bench_cell_counts nc, nd;              /* the gradients' counts: cells, decoder */
    int lazy, last_nan; /* the test hooks (see the top of the file) */
    long calls;         /* runs so far (the lazy hook's) */
} ours_ctx;

static float *buf(ours_ctx *c, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (p)
        c->bufs[c->nbufs++] = p;
    else
        c->oom = 1;
    return p;
}

static void ours_teardown(void *vctx)
{
    ours_ctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nbufs; i++)
        free(c->bufs[i]);
    rnn_workspace_destroy(c->ws);
    rnn_plan_destroy(c->plan);
    free(c->glayers);
    free(c->gdec_layers);
    free(c);
}

/* Views of n cells' gradients in the buffers of g (offsets as the weights'). */
static rnn_cell_grads *grad_views(const bench_data *dt, int decoder, int n, const rnn_cell_grads *g)
{
    rnn_cell_grads *v = malloc((size_t)n * sizeof *v);
    if (v)
        for (int k = 0; k < n; k++) {
            const bench_cell_counts o = bench_data_offsets(dt, decoder, k);
            v[k] = (rnn_cell_grads){g->weight_ih + o.weight_ih, g->weight_hh + o.weight_hh,
                                    g->bias_ih + o.bias, g->bias_hh + o.bias};
        }
    return v;
}

static int alloc_grads(ours_ctx *c)
{
    const bench_data *dt = c->dt;
    const rnn_sizes *s = &dt->s;
    const int lstm = dt->p.cell == RNN_LSTM, s2s = dt->p.topology == RNN_SEQ2SEQ;
    rnn_grads *g = &c->g;
    if (!dt->x_index)
        g->x = buf(c, s->x);
    g->h0 = buf(c, s->state);
    if (lstm)
        g->c0 = buf(c, s->state);
    const bench_cell_counts *nc = &c->nc, *nd = &c->nd;
    g->cell = (rnn_cell_grads){buf(c, nc->weight_ih), buf(c, nc->weight_hh), buf(c, nc->bias),
                               buf(c, nc->bias)};
    if (s2s) {
        g->x_dec = buf(c, s->x_dec);
        g->decoder = (rnn_cell_grads){buf(c, nd->weight_ih), buf(c, nd->weight_hh),
                                      buf(c, nd->bias), buf(c, nd->bias)};
    }
    if (!c->oom && dt->ncells > 1) {
        g->layers = c->glayers = grad_views(dt, 0, dt->ncells, &g->cell);
        if (s2s)
            g->decoder_layers = c->gdec_layers = grad_views(dt, 1, (int)dt->L, &g->decoder);
        if (!g->layers || (s2s && !g->decoder_layers))
            c->oom = 1;
    }
    if (dt->p.variant == BENCH_HEADED) {
        g->W_hy = buf(c, s->W_hy);
        g->b_y = buf(c, s->b_y);
    }
    return c->oom ? -1 : 0;
}

static rnn_tuning g_tuning = RNN_TUNE_ESTIMATE;

void bench_rnnsimd_tuning(rnn_tuning t)
{
    g_tuning = t;
}

static void *ours_setup(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                        char *err, size_t err_n)
{
    if (dt->p.variant == BENCH_SEQ_NOPROJ && dt->p.mode == BENCH_TRAIN) {
        snprintf(err, err_n, "/seq_noproj rows are forward only: the API has no one-hot "
                             "sequence backward from upstream gradients");
        return NULL;
    }
    ours_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_n, "out of memory");
        return NULL;
    }
    c->dt = dt;
    const char *fault = getenv("RNNSIMD_BENCH_FAULT");
    c->lazy = fault && !strcmp(fault, "ours-lazy");
    c->last_nan = fault && !strcmp(fault, "ours-last-nan");
    c->nc = bench_data_counts(dt, 0);
    c->nd = dt->p.topology == RNN_SEQ2SEQ ? bench_data_counts(dt, 1) : (bench_cell_counts){0, 0, 0};
    rnn_params params = bench_data_params(dt);
    rnn_plan_options opt = {.isa = impl->isa, .threads = bench_problem_threads(&dt->p),
                            .tuning = g_tuning, .dtype = dt->p.dtype};
    rnn_status st = rnn_plan_create(&c->plan, &dt->d, &params, &opt);
    if (st == RNN_OK)
        st = rnn_workspace_create(&c->ws, c->plan);
    if (st != RNN_OK) {
        snprintf(err, err_n, "rnnsimd %s: %s", impl->name, rnn_strerror(st));
        ours_teardown(c);
        return NULL;
    }
    c->in = bench_data_inputs(dt);
    c->out.loss = &c->loss;
    int fail = 0;
    /* The plain sequence's backward writes gradients only. */
    if (dt->p.variant == BENCH_SEQ && dt->p.mode == BENCH_FWD) {
        const int lstm = dt->p.cell == RNN_LSTM;
        c->output = buf(c, dt->s.h);
        c->hn = buf(c, dt->s.state);
        if (lstm)
            c->cn = buf(c, dt->s.state);
        fail = c->oom;
    } else if (dt->p.variant == BENCH_SEQ_NOPROJ) {
        c->out.h = c->output = buf(c, dt->s.h);
        fail = c->oom;
    }
    if (!fail && dt->p.mode == BENCH_TRAIN)
        fail = alloc_grads(c) != 0;
    if (fail) {
        snprintf(err, err_n, "out of memory");
        ours_teardown(c);
        return NULL;
    }
    char stack[64] = "";
    if (dt->ncells > 1)
        snprintf(stack, sizeof stack, ", %lld layer%s x %d direction%s", (long long)dt->L,
                 dt->L > 1 ? "s" : "", dt->D, dt->D > 1 ? "s" : "");
    /* A measured plan's choices are part of what the row timed. */
    char tune[560] = "";
    if (opt.tuning == RNN_TUNE_MEASURE) {
        char line[512];
        if (rnn_plan_describe(c->plan, line, sizeof line) == RNN_OK)
            snprintf(tune, sizeof tune, "; plan: %s", line);
    }
    char threads[32] = "";
    if (opt.threads > 1)
        snprintf(threads, sizeof threads, ", %d threads", opt.threads);
    snprintf(note, note_n, "rnnsimd %s%s%s%s%s%s", impl->name,
             opt.dtype == RNN_DTYPE_BF16 ? " bf16" : "", stack, threads, tune,
             c->lazy || c->last_nan ? ", FAULT PLANTED (RNNSIMD_BENCH_FAULT)" : "");
    return c;
}

static int ours_run(void *vctx, char *err, size_t err_n)
{
    ours_ctx *c = vctx;
    const bench_data *dt = c->dt;
    if (c->lazy && c->calls++ > 0)
        return 0;
    rnn_status st;
    if (dt->p.variant == BENCH_SEQ) {
        if (dt->p.mode == BENCH_FWD)
            st = rnn_plan_seq_forward(c->plan, c->ws, dt->x, NULL, NULL, c->output, c->hn, c->cn);
        else
            st = rnn_plan_seq_backward(c->plan, c->ws, dt->x, NULL, NULL, dt->grad_output, NULL,
                                       NULL, &c->g);
    } else if (dt->p.mode == BENCH_FWD) {
        st = rnn_plan_forward(c->plan, c->ws, &c->in, &c->out);
    } else {
        st = rnn_plan_train(c->plan, c->ws, &c->in, &c->out, &c->g);
    }
    if (st != RNN_OK) {
        snprintf(err, err_n, "rnnsimd: %s", rnn_strerror(st));
        return -1;
    }
    return 0;
}

static int put(bench_output *out, int n, int max, const char *name, float *data, size_t count)
{
    if (data && n < max)
        out[n++] = (bench_output){name, data, count};
    return n;
}

/* Every output and gradient the call writes; views: also h_T of /seq_noproj's h. */
static int list(const ours_ctx *c, bench_output *out, int max, int views)
{
    const bench_data *dt = c->dt;
    const rnn_sizes *s = &dt->s;
    int n = 0;
    if (dt->p.variant == BENCH_HEADED)
        n = put(out, n, max, "loss", (float *)&c->loss, 1);
    n = put(out, n, max, "h", c->output, s->h);
    n = put(out, n, max, "h_T", c->hn, s->state);
    n = put(out, n, max, "c_T", c->cn, s->state);
    if (views && !c->hn && c->output && dt->ncells == 1) /* a stack's h_n is not its top output */
        n = put(out, n, max, "h_T", c->output + s->h - s->state, s->state);
    const rnn_grads *g = &c->g;
    const bench_cell_counts *nc = &c->nc, *nd = &c->nd;
    n = put(out, n, max, "grad.x", g->x, s->x);
    n = put(out, n, max, "grad.x_dec", g->x_dec, s->x_dec);
    n = put(out, n, max, "grad.h0", g->h0, s->state);
    n = put(out, n, max, "grad.c0", g->c0, s->state);
    n = put(out, n, max, "grad.weight_ih", g->cell.weight_ih, nc->weight_ih);
    n = put(out, n, max, "grad.weight_hh", g->cell.weight_hh, nc->weight_hh);
    n = put(out, n, max, "grad.bias_ih", g->cell.bias_ih, nc->bias);
    n = put(out, n, max, "grad.bias_hh", g->cell.bias_hh, nc->bias);
    n = put(out, n, max, "grad.dec.weight_ih", g->decoder.weight_ih, nd->weight_ih);
    n = put(out, n, max, "grad.dec.weight_hh", g->decoder.weight_hh, nd->weight_hh);
    n = put(out, n, max, "grad.dec.bias_ih", g->decoder.bias_ih, nd->bias);
    n = put(out, n, max, "grad.dec.bias_hh", g->decoder.bias_hh, nd->bias);
    n = put(out, n, max, "grad.W_hy", g->W_hy, s->W_hy);
    n = put(out, n, max, "grad.b_y", g->b_y, s->b_y);
    return n;
}

static int ours_outputs(void *vctx, bench_output *out, int max)
{
    return list(vctx, out, max, 0);
}

static int ours_results(void *vctx, bench_output *out, int max)
{
    ours_ctx *c = vctx;
    const int n = list(c, out, max, 1);
    if (c->last_nan && n > 0) {
        /* A copy: the run's own buffer (maybe the loss) stays as written. */
        const bench_output *o = &out[n - 1];
        float *q = malloc(o->n * sizeof *q);
        if (q && c->nbufs < (int)(sizeof c->bufs / sizeof c->bufs[0])) {
            memcpy(q, o->data, o->n * sizeof *q);
            q[o->n - 1] = NAN;
            c->bufs[c->nbufs++] = q;
            out[n - 1].data = q;
        } else {
            free(q);
        }
    }
    return n;
}

bench_impl bench_impl_rnnsimd(rnn_isa isa)
{
    bench_impl b = {
        .name = rnn_isa_name(isa),
        .is_peer = 0,
        .isa = isa,
        .setup = ours_setup,
        .run = ours_run,
        .teardown = ours_teardown,
        .outputs = ours_outputs,
        .results = ours_results,
    };
    return b;
}
