/* gradflow_measure.c — the measurement behind `rnnsimd gradflow` (see
 * gradflow.h): a one-step "stepper" on a plan or on the reference, the O(T)
 * chain of one-step backwards that yields ||dL/dh_t|| for every t, the exact
 * step Jacobians, the rate fit, and the self-checks against full-length runs. */
/* Our own complex types stop lapack.h from including <complex.h>, whose
 * macro I would clash with rnn_desc's field I. */
#define lapack_complex_float float _Complex
#define lapack_complex_double double _Complex
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gradflow.h"

/* OpenBLAS's own: LAPACK's threads would only fight the kernels' thread and
 * the other jobs on a small machine. */
void openblas_set_num_threads(int n);

typedef struct {
    const gf_problem *p;
    gf_backend be;
    rnn_desc d; /* one step (T = 1), batch d.B */
    rnn_plan *plan;
    rnn_workspace *ws;
} stepper;

static rnn_desc seq_desc(const gf_problem *p, int64_t T, int64_t B)
{
    rnn_desc d = {p->cell, RNN_MANY2MANY, T, 0, B, p->I, p->H, 1};
    return d;
}

static void stepper_free(stepper *s)
{
    rnn_workspace_destroy(s->ws);
    rnn_plan_destroy(s->plan);
    memset(s, 0, sizeof *s);
}

static rnn_status stepper_init(stepper *s, const gf_problem *p, gf_backend be, int64_t T,
                               int64_t B)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->be = be;
    s->d = seq_desc(p, T, B);
    rnn_status st = rnn_desc_check(&s->d, NULL);
    if (st != RNN_OK || be.reference)
        return st;
    rnn_params params = {0};
    params.cell = p->w;
    rnn_plan_options opt = {.isa = be.isa, .threads = 1};
    if ((st = rnn_plan_create(&s->plan, &s->d, &params, &opt)) == RNN_OK)
        st = rnn_workspace_create(&s->ws, s->plan);
    if (st != RNN_OK)
        stepper_free(s);
    return st;
}

static rnn_status run_forward(stepper *s, const float *x, const float *h, const float *c,
                              float *output, float *hn, float *cn)
{
    if (s->be.reference)
        return rnn_reference_seq_forward(&s->d, &s->p->w, x, h, c, output, hn, cn);
    return rnn_plan_seq_forward(s->plan, s->ws, x, h, c, output, hn, cn);
}

/* Gradients on h0 (and c0) of the run from (h, c) for upstream gh (and gc). */
static rnn_status run_backward(stepper *s, const float *x, const float *h, const float *c,
                               const float *gh, const float *gc, float *dh, float *dc)
{
    rnn_grads g;
    memset(&g, 0, sizeof g);
    g.h0 = dh;
    g.c0 = dc;
    if (s->be.reference)
        return rnn_reference_seq_backward(&s->d, &s->p->w, x, h, c, NULL, gh, gc, &g);
    return rnn_plan_seq_backward(s->plan, s->ws, x, h, c, NULL, gh, gc, &g);
}

static double norm(const float *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

static double max_abs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)v[i]) > m)
            m = fabs((double)v[i]);
    return m;
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)a[i] - b[i]) > d)
            d = fabs((double)a[i] - b[i]);
    return d;
}

/* max |a - b| / max |b|; NaN when b has underflowed (no relative scale):
 * a gradient that vanished has nothing left to check. */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double scale = max_abs(b, n);
    return scale > GF_FIT_FLOOR ? max_diff(a, b, n) / scale : NAN;
}

/* The same for states, but absolute when b has no scale: states all 0 (an
 * input scale of 0 keeps every h at 0) are a result to check, and 0/0
 * would be NaN, a failed check. */
static double state_diff(const float *a, const float *b, size_t n)
{
    double scale = max_abs(b, n), d = max_diff(a, b, n);
    return scale > GF_FIT_FLOOR ? d / scale : d;
}

double gf_fit_slope(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxy / sxx;
}

/* Fit over d = 1..end, end the last d before the norm leaves (FLOOR, inf):
 * d = 0 is the unit vector itself (for lstm the first step moves the
 * gradient from h into c, a jump rather than a rate). */
static double fit_rate(const double *nrm, int64_t T, int64_t *end, double *buf_x, double *buf_y)
{
    size_t n = 0;
    int64_t d = 1;
    for (; d <= T && isfinite(nrm[d]) && nrm[d] > GF_FIT_FLOOR; d++) {
        buf_x[n] = (double)d;
        buf_y[n] = log(nrm[d]);
        n++;
    }
    *end = d - 1;
    return gf_fit_slope(buf_x, buf_y, n);
}

rnn_status gf_singular_range(const double *a, size_t m, size_t n, double *smax, double *smin)
{
    static int single;
    if (!single) {
        openblas_set_num_threads(1);
        single = 1;
    }
    size_t k = m < n ? m : n;
    double *work = malloc(m * n * sizeof *work), *s = malloc(k * sizeof *s);
    double *superb = malloc((k > 1 ? k : 2) * sizeof *superb);
    rnn_status st = RNN_ERR_NOMEM;
    if (work && s && superb) {
        memcpy(work, a, m * n * sizeof *work);
        double dummy[1];
        lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)m,
                                         (lapack_int)n, work, (lapack_int)n, s, dummy, 1, dummy,
                                         1, superb);
        st = info == 0 ? RNN_OK : RNN_ERR_ARG;
        if (st == RNN_OK) {
            if (smax)
                *smax = s[0]; /* dgesvd sorts descending */
            if (smin)
                *smin = s[k - 1];
        }
    }
    free(work);
    free(s);
    free(superb);
    return st;
}

/* J of one step into J (S x S), on a stepper of batch S. */
static rnn_status jacobian(stepper *s, const float *x_t, const float *h_prev, const float *c_prev,
                           double *J, float *scratch)
{
    const gf_problem *p = s->p;
    const size_t H = (size_t)p->H, I = (size_t)p->I, S = (size_t)s->d.B;
    const int lstm = p->cell == RNN_LSTM;
    float *xs = scratch, *hs = xs + S * I, *cs = hs + S * H, *gh = cs + S * H, *gc = gh + S * H,
          *dh = gc + S * H, *dc = dh + S * H;
    memset(gh, 0, 2 * S * H * sizeof *gh);
    for (size_t k = 0; k < S; k++) {
        memcpy(xs + k * I, x_t, I * sizeof *xs);
        memcpy(hs + k * H, h_prev, H * sizeof *hs);
        if (lstm)
            memcpy(cs + k * H, c_prev, H * sizeof *cs);
        if (k < H)
            gh[k * H + k] = 1.0f;
        else
            gc[k * H + (k - H)] = 1.0f;
    }
    rnn_status st = run_backward(s, xs, hs, lstm ? cs : NULL, gh, lstm ? gc : NULL, dh,
                                 lstm ? dc : NULL);
    if (st != RNN_OK)
        return st;
    for (size_t k = 0; k < S; k++)
        for (size_t j = 0; j < H; j++) {
            J[k * S + j] = dh[k * H + j];
            if (lstm)
                J[k * S + H + j] = dc[k * H + j];
        }
    return RNN_OK;
}

static size_t state_size(const gf_problem *p)
{
    return (size_t)(p->cell == RNN_LSTM ? 2 * p->H : p->H);
}

static float *jacobian_scratch(const gf_problem *p)
{
    const size_t S = state_size(p), H = (size_t)p->H, I = (size_t)p->I;
    return malloc(S * (I + 6 * H) * sizeof(float));
}

rnn_status gf_step_jacobian(const gf_problem *p, gf_backend be, const float *x_t,
                            const float *h_prev, const float *c_prev, double *J)
{
    stepper s;
    rnn_status st = stepper_init(&s, p, be, 1, (int64_t)state_size(p));
    if (st != RNN_OK)
        return st;
    float *scratch = jacobian_scratch(p);
    st = scratch ? jacobian(&s, x_t, h_prev, c_prev, J, scratch) : RNN_ERR_NOMEM;
    free(scratch);
    stepper_free(&s);
    return st;
}

void gf_result_free(gf_result *r)
{
    free(r->norm_h);
    free(r->norm_c);
    free(r->hs);
    free(r->cs);
    memset(r, 0, sizeof *r);
}

/* The states, by single steps: the chain below starts each backward step from
 * exactly the state the forward computed. */
static rnn_status forward_states(stepper *one, const gf_problem *p, gf_result *r)
{
    const size_t H = (size_t)p->H, I = (size_t)p->I;
    const int lstm = p->cell == RNN_LSTM;
    for (int64_t t = 1; t <= p->T; t++) {
        size_t prev = (size_t)(t - 1) * H, cur = (size_t)t * H;
        rnn_status st = run_forward(one, p->x + (size_t)(t - 1) * I, r->hs + prev,
                                    lstm ? r->cs + prev : NULL, NULL, r->hs + cur,
                                    lstm ? r->cs + cur : NULL);
        if (st != RNN_OK)
            return st;
    }
    r->max_abs_h = max_abs(r->hs, (size_t)(p->T + 1) * H);
    return RNN_OK;
}

/* dL/dh_t (dL/dc_t) for t = T-1..0 by one-step backwards; gh ends as dL/dh_0. */
static rnn_status backward_chain(stepper *one, const gf_problem *p, gf_result *r, float *gh,
                                 float *gc)
{
    const size_t H = (size_t)p->H, I = (size_t)p->I;
    const int lstm = p->cell == RNN_LSTM;
    float *dh = gc + H, *dc = dh + H;
    memcpy(gh, p->u, H * sizeof *gh);
    memset(gc, 0, H * sizeof *gc);
    r->norm_h[0] = norm(gh, H);
    if (lstm)
        r->norm_c[0] = NAN;
    for (int64_t d = 1; d <= p->T; d++) {
        size_t t = (size_t)(p->T - d); /* the step from h_t to h_{t+1} */
        rnn_status st = run_backward(one, p->x + t * I, r->hs + t * H, lstm ? r->cs + t * H : NULL,
                                     gh, lstm ? gc : NULL, dh, lstm ? dc : NULL);
        if (st != RNN_OK)
            return st;
        memcpy(gh, dh, H * sizeof *gh);
        r->norm_h[d] = norm(gh, H);
        if (lstm) {
            memcpy(gc, dc, H * sizeof *gc);
            r->norm_c[d] = norm(gc, H);
        }
    }
    return RNN_OK;
}

/* One full-length forward and backward on the same backend, against the
 * stepped states and the chain's dL/dh_0. */
static rnn_status full_length_checks(const gf_problem *p, gf_backend be, gf_result *r,
                                     const float *dh0_chain)
{
    const size_t H = (size_t)p->H, T = (size_t)p->T;
    stepper full;
    rnn_status st = stepper_init(&full, p, be, p->T, 1);
    if (st != RNN_OK)
        return st;
    float *out = malloc((T + 1) * H * sizeof *out);
    if (!out) {
        stepper_free(&full);
        return RNN_ERR_NOMEM;
    }
    float *dh0 = out + T * H;
    st = run_forward(&full, p->x, NULL, NULL, out, NULL, NULL);
    if (st == RNN_OK) {
        r->check_forward = state_diff(r->hs + H, out, T * H);
        st = run_backward(&full, p->x, NULL, NULL, p->u, NULL, dh0, NULL);
    }
    if (st == RNN_OK)
        r->check_backward = rel_diff(dh0_chain, dh0, H);
    free(out);
    stepper_free(&full);
    return st;
}

static rnn_status jacobians(const gf_problem *p, gf_backend be, gf_result *r)
{
    const size_t H = (size_t)p->H, I = (size_t)p->I, S = state_size(p);
    const int lstm = p->cell == RNN_LSTM;
    stepper batch;
    rnn_status st = stepper_init(&batch, p, be, 1, (int64_t)S);
    if (st != RNN_OK)
        return st;
    double *J = malloc(2 * S * S * sizeof *J), *Jsum = J ? J + S * S : NULL;
    float *scratch = jacobian_scratch(p);
    if (!J || !scratch) {
        st = RNN_ERR_NOMEM;
    } else {
        memset(Jsum, 0, S * S * sizeof *Jsum);
        double sum_sigma = 0;
        for (int64_t t = 1; t <= p->T && st == RNN_OK; t++) {
            size_t prev = (size_t)(t - 1);
            st = jacobian(&batch, p->x + prev * I, r->hs + prev * H,
                          lstm ? r->cs + prev * H : NULL, J, scratch);
            double smax = NAN;
            if (st == RNN_OK)
                st = gf_singular_range(J, S, S, &smax, NULL);
            sum_sigma += smax;
            for (size_t i = 0; st == RNN_OK && i < S * S; i++)
                Jsum[i] += J[i];
        }
        if (st == RNN_OK) {
            for (size_t i = 0; i < S * S; i++)
                Jsum[i] /= (double)p->T;
            r->mean_sigma_jacobian = sum_sigma / (double)p->T;
            st = gf_singular_range(Jsum, S, S, &r->sigma_mean_jacobian, NULL);
        }
    }
    free(J);
    free(scratch);
    stepper_free(&batch);
    return st;
}

static void linear_rate(const gf_problem *p, gf_result *r)
{
    const size_t H = (size_t)p->H;
    double sum = 0;
    r->n_linear = 0;
    for (int64_t d = 1; d <= p->T; d++) {
        size_t t = (size_t)(p->T - d); /* the step from h_t to h_{t+1} */
        double a = r->norm_h[d - 1], b = r->norm_h[d];
        if (max_abs(r->hs + t * H, 2 * H) <= GF_LINEAR_H && a > GF_FIT_FLOOR &&
            b > GF_FIT_FLOOR && isfinite(a) && isfinite(b)) {
            sum += log(b / a);
            r->n_linear++;
        }
    }
    r->rate_h_linear = r->n_linear ? sum / (double)r->n_linear : NAN;
}

double gf_check_tolerance(const gf_result *r)
{
    return 1e-5 * (r->max_growth > 1 ? r->max_growth : 1);
}

rnn_status gf_measure(const gf_problem *p, gf_backend be, gf_result *r)
{
    memset(r, 0, sizeof *r);
    if (!p || !p->x || !p->u || !p->w.weight_hh)
        return RNN_ERR_NULL;
    const size_t H = (size_t)p->H, T = (size_t)p->T;
    const int lstm = p->cell == RNN_LSTM;
    stepper one;
    rnn_status st = stepper_init(&one, p, be, 1, 1);
    if (st != RNN_OK)
        return st;
    r->T = p->T;
    r->norm_h = malloc((T + 1) * sizeof *r->norm_h);
    r->hs = calloc((T + 1) * H, sizeof *r->hs);
    if (lstm) {
        r->norm_c = malloc((T + 1) * sizeof *r->norm_c);
        r->cs = calloc((T + 1) * H, sizeof *r->cs);
    }
    float *vec = malloc(4 * H * sizeof *vec); /* gh, gc, dh, dc */
    double *fx = malloc(2 * (T + 1) * sizeof *fx);
    if (!r->norm_h || !r->hs || (lstm && (!r->norm_c || !r->cs)) || !vec || !fx)
        st = RNN_ERR_NOMEM;
    if (st == RNN_OK)
        st = forward_states(&one, p, r);
    if (st == RNN_OK)
        st = backward_chain(&one, p, r, vec, vec + H);
    if (st == RNN_OK)
        st = full_length_checks(p, be, r, vec);
    if (st == RNN_OK)
        st = jacobians(p, be, r);
    if (st == RNN_OK) {
        r->rate_h = fit_rate(r->norm_h, p->T, &r->fit_end_h, fx, fx + T + 1);
        r->rate_c = lstm ? fit_rate(r->norm_c, p->T, &r->fit_end_c, fx, fx + T + 1) : NAN;
        linear_rate(p, r);
        double lowest = r->norm_h[0];
        r->max_growth = 1;
        for (int64_t d = 1; d <= p->T; d++) {
            double n = r->norm_h[d];
            if (n > GF_FIT_FLOOR && lowest > GF_FIT_FLOOR && n / lowest > r->max_growth)
                r->max_growth = n / lowest;
            lowest = n < lowest ? n : lowest;
        }
        r->d_1e6 = -1;
        for (int64_t d = 1; d <= p->T && r->d_1e6 < 0; d++)
            if (r->norm_h[d] < 1e-6 * r->norm_h[0])
                r->d_1e6 = d;
    }
    free(vec);
    free(fx);
    stepper_free(&one);
    if (st != RNN_OK)
        gf_result_free(r);
    return st;
}
