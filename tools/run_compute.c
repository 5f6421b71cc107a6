/* run_compute.c — `rnnsimd run`'s computation: the forward, and the
 * backward when an upstream gradient was given, on the reference (--isa
 * reference) or a plan (every other --isa), called the same way and writing
 * the same outputs, so the two can be compared file by file. */
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"
#include "run_io.h"

static const float *data_of(const run_tensor *t)
{
    return t->present ? t->a.data : NULL;
}

/* Gradient floats of weight file i (4 a cell): a bias absent (bias=False)
 * still gets its G*H, which the library writes and the run does not save. */
static size_t grad_floats(const run_inputs *ri, int64_t i)
{
    return ri->w[i].present ? ri->w[i].a.count : (size_t)ri->GH;
}

/* The floats of the output block: output, hn, cn, and for backward also
 * grad_input, grad_h0, grad_c0 and one gradient per weight file. Each term
 * fits (rnn_desc_check, the files' own sizes); their sum is checked too.
 * Returns 0 when it overflows size_t or its bytes do. */
static int buffer_floats(const rnn_sizes *sz, const run_inputs *ri, size_t *n)
{
    size_t two_ss = 0, sum = 0, bytes = 0; /* zero: GCC -O1 cannot see the && chain set them */
    int ok = !__builtin_mul_overflow(sz->state, (size_t)2, &two_ss) &&
             !__builtin_add_overflow(sz->h, two_ss, &sum);
    if (ri->backward) {
        ok = ok && !__builtin_add_overflow(sum, sz->x, &sum) &&
             !__builtin_add_overflow(sum, two_ss, &sum);
        for (int64_t i = 0; ok && i < 4 * ri->cells; i++)
            ok = !__builtin_add_overflow(sum, grad_floats(ri, i), &sum);
    }
    *n = sum;
    return ok && !__builtin_mul_overflow(sum, sizeof(float), &bytes);
}

int run_compute(const run_opts *o, const run_inputs *ri, run_outputs *ro)
{
    const run_tensor *t = ri->t;
    const int lstm = o->cell == RNN_LSTM;
    rnn_desc d = {o->cell, RNN_MANY2MANY, ri->T, 0, ri->B, ri->I, ri->H, 1, ri->L, ri->D == 2};
    rnn_sizes sz;
    rnn_status st = rnn_desc_check(&d, &sz);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: T=%lld B=%lld I=%lld H=%lld L=%lld D=%lld: %s\n",
                (long long)ri->T, (long long)ri->B, (long long)ri->I, (long long)ri->H,
                (long long)ri->L, (long long)ri->D, rnn_desc_problem(&d));
        return EXIT_RUNTIME;
    }
    const size_t cells = sz.cells, SS = sz.state;
    size_t n_buf;
    if (!buffer_floats(&sz, ri, &n_buf)) {
        fprintf(stderr, "rnnsimd run: the outputs' size overflows this machine's address space\n");
        return EXIT_RUNTIME;
    }
    ro->buf = malloc(n_buf * sizeof *ro->buf);
    ro->cg = calloc(cells, sizeof *ro->cg);
    rnn_cell_weights *w = calloc(cells, sizeof *w);
    if (!ro->buf || !ro->cg || !w) {
        free(w);
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    ro->output = ro->buf, ro->hn = ro->output + sz.h, ro->cn = ro->hn + SS;
    rnn_grads *g = &ro->g;
    g->x = ro->cn + SS;
    g->h0 = g->x + sz.x;
    g->c0 = g->h0 + SS;
    float *next = g->c0 + SS;
    /* bias=False: PyTorch's module adds nothing, which is biases of zero. */
    float *zeros = ri->no_bias ? calloc((size_t)ri->GH, sizeof *zeros) : NULL;
    if (ri->no_bias && !zeros) {
        free(w);
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t k = 0; k < cells; k++) {
        const run_tensor *c = &ri->w[4 * k];
        w[k] = (rnn_cell_weights){data_of(&c[0]), data_of(&c[1]),
                                  zeros ? zeros : data_of(&c[2]),
                                  zeros ? zeros : data_of(&c[3])};
        float **dst[4] = {&ro->cg[k].weight_ih, &ro->cg[k].weight_hh, &ro->cg[k].bias_ih,
                          &ro->cg[k].bias_hh};
        for (int j = 0; j < 4; j++) {
            *dst[j] = next;
            next += grad_floats(ri, 4 * (int64_t)k + j);
        }
    }
    g->layers = ro->cg;

    const float *x = data_of(&t[T_INPUT]), *h0 = data_of(&t[T_H0]), *c0 = data_of(&t[T_C0]);
    const float *gout = data_of(&t[T_GOUT]), *ghn = data_of(&t[T_GHN]), *gcn = data_of(&t[T_GCN]);
    float *cn = lstm ? ro->cn : NULL;
    ro->ran_on = "reference";
    double t0 = 1e3 * rnn_seconds_now();
    if (o->use_ref) {
        const rnn_reference_options ropt = {.dtype = o->dtype};
        st = rnn_reference_seq_forward_opt(&d, w, x, h0, c0, ro->output, ro->hn, cn, &ropt);
        ro->t_fwd = 1e3 * rnn_seconds_now() - t0;
        if (st == RNN_OK && ri->backward) {
            t0 = 1e3 * rnn_seconds_now();
            st = rnn_reference_seq_backward_opt(&d, w, x, h0, c0, gout, ghn, gcn, g, &ropt);
            ro->t_bwd = 1e3 * rnn_seconds_now() - t0;
        }
    } else {
        rnn_plan *plan = NULL;
        rnn_workspace *ws = NULL;
        rnn_params params = {0};
        params.cell = w[0];
        params.layers = w;
        rnn_plan_options opt = {.isa = o->isa, .threads = 1, .dtype = o->dtype};
        st = rnn_plan_create(&plan, &d, &params, &opt);
        if (st == RNN_OK)
            st = rnn_workspace_create(&ws, plan);
        t0 = 1e3 * rnn_seconds_now();
        if (st == RNN_OK)
            st = rnn_plan_seq_forward(plan, ws, x, h0, c0, ro->output, ro->hn, cn);
        ro->t_fwd = 1e3 * rnn_seconds_now() - t0;
        if (st == RNN_OK && ri->backward) {
            t0 = 1e3 * rnn_seconds_now();
            st = rnn_plan_seq_backward(plan, ws, x, h0, c0, gout, ghn, gcn, g);
            ro->t_bwd = 1e3 * rnn_seconds_now() - t0;
        }
        if (plan)
            ro->ran_on = rnn_isa_name(rnn_plan_isa(plan));
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(plan);
    }
    free(w);
    free(zeros);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s %s failed: %s\n", o->cell_s,
                o->use_ref ? "reference" : ro->ran_on, rnn_strerror(st));
        return EXIT_RUNTIME;
    }
    return 0;
}

void run_outputs_free(run_outputs *ro)
{
    free(ro->buf);
    free(ro->cg);
}
