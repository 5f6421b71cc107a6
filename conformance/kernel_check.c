/* kernel_check.c — see kernel_check.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hash.h"
#include "fault.h"
#include "kernel_check.h"
#include "tolerance.h"
#include "clock.h"

/* The policy of support/tolerance.h: float32's, or bf16's for a bf16 case. */
static double tol_of(const conf_problem *p, const conf_tensor *t)
{
    double K, S;
    conf_tensor_depth(p, t, &K, &S);
    const rnn_tol_kind kind = t->part == CONF_T_GRADIENT ? RNN_TOL_GRADIENT : RNN_TOL_FORWARD;
    return p->kase.bf16 ? rnn_tolerance_bf16(kind, K, S) : rnn_tolerance(kind, K, S);
}

/* A bf16 case's tolerance is at least this many times the distance between
 * its two bf16 references, the plain one and the one with near ties flipped
 * (kernel_check.h). */
#define FLIP_FLOOR 4.0

/* ||got - ref||_2 / ||ref||_2 (0 / 0 = 0; NaN stays NaN). */
static double rel_norm(const float *got, const float *ref, size_t n)
{
    double dd = 0, rr = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)got[i] - (double)ref[i];
        dd += d * d;
        rr += (double)ref[i] * (double)ref[i];
    }
    return rr > 0 ? sqrt(dd / rr) : (dd > 0 ? INFINITY : sqrt(dd));
}

static void record(conf_isa_result *res, const char *name, rnn_compare_result c)
{
    if (res->nchecks == CONF_MAX_CHECKS)
        return;
    res->checks[res->nchecks++] = (conf_check){name, c.frac, c.norm_err, c.elem_frac, c.tol, c.worst};
    if (!(c.frac <= res->worst_frac) || res->nchecks == 1) { /* NaN counts as worst */
        res->worst_frac = c.frac;
        res->worst_tensor = name;
    }
}

static void fail(conf_isa_result *res, const char *fmt, ...)
{
    if (!res->passed)
        return; /* keep the first failure */
    res->passed = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
}

/* Stable names for the forward-only checks (the report keeps pointers). */
static const char *fwd_only_name(const char *name)
{
    static const char *const names[][2] = {
        {"h", "fwd-only.h"}, {"c", "fwd-only.c"}, {"logits", "fwd-only.logits"},
        {"loss", "fwd-only.loss"}, {"h_T", "fwd-only.h_T"}, {"c_T", "fwd-only.c_T"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], name) == 0)
            return names[i][1];
    return "fwd-only.?";
}

/* ---- negative controls: corrupt a copy, run the same compare ---- */

static conf_control *control(conf_isa_result *res, const char *what)
{
    if (res->ncontrols == CONF_MAX_CONTROLS)
        return NULL;
    conf_control *k = &res->controls[res->ncontrols++];
    memset(k, 0, sizeof *k);
    k->what = what;
    return k;
}

static void judge(conf_control *k, const float *bad, const float *good, const float *ref,
                  size_t n, double tol)
{
    k->applicable = memcmp(bad, good, n * sizeof *bad) != 0;
    rnn_compare_result c = rnn_compare(bad, ref, n, tol);
    k->frac = c.frac;
    k->caught = !(c.frac < 1.0);
}

/* One element, the reference's largest in magnitude, moved by 4 of its
 * per-element tolerances 8 tol (|ref_i| + ||ref||_inf). */
static void control_perturb(conf_isa_result *res, const conf_tensor *got, const conf_tensor *ref,
                            double tol, float *scratch)
{
    conf_control *k = control(res, "perturb one element");
    if (!k)
        return;
    const float *r = ref->data;
    size_t imax = 0;
    double rmax = 0;
    for (size_t i = 0; i < ref->n; i++)
        if (fabs((double)r[i]) > rmax) {
            rmax = fabs((double)r[i]);
            imax = i;
        }
    memcpy(scratch, got->data, got->n * sizeof *scratch);
    double delta = 4.0 * 8.0 * tol * (2.0 * rmax);
    if (delta == 0)
        delta = 1e-30; /* an all-zero reference: any change must be caught */
    scratch[imax] = (float)((double)scratch[imax] + delta);
    snprintf(k->detail, sizeof k->detail, "%s[%zu] += %.3g", got->name, imax, delta);
    judge(k, scratch, got->data, r, got->n, tol);
}

/* Gate blocks 0 and 1 of a gated gradient exchanged (for rnn_tanh, which has
 * one block, the first and last hidden unit's rows). */
static void control_swap(conf_isa_result *res, const conf_tensor *got, const conf_tensor *ref,
                         double tol, float *scratch, int G)
{
    conf_control *k = control(res, "swap two gates");
    if (!k)
        return;
    const size_t H = got->gate_rows, L = got->row_len;
    memcpy(scratch, got->data, got->n * sizeof *scratch);
    size_t a, b, len;
    if (G >= 2) {
        a = 0, b = H * L, len = H * L;
        snprintf(k->detail, sizeof k->detail, "%s gate blocks 0 <-> 1", got->name);
    } else {
        a = 0, b = (H - 1) * L, len = L;
        snprintf(k->detail, sizeof k->detail, "%s rows 0 <-> %zu", got->name, H - 1);
    }
    for (size_t i = 0; i < len && a != b; i++) {
        float t = scratch[a + i];
        scratch[a + i] = scratch[b + i];
        scratch[b + i] = t;
    }
    judge(k, scratch, got->data, ref->data, got->n, tol);
}

/* The last time step's slice of dx zeroed, as if BPTT had skipped the last
 * step's contribution to the input gradient. */
static void control_drop_last(conf_isa_result *res, const conf_tensor *got,
                              const conf_tensor *ref, double tol, float *scratch)
{
    conf_control *k = control(res, "drop the last step");
    if (!k)
        return;
    memcpy(scratch, got->data, got->n * sizeof *scratch);
    size_t from = got->n - got->step_len;
    memset(scratch + from, 0, got->step_len * sizeof *scratch);
    snprintf(k->detail, sizeof k->detail, "%s[%zu..%zu) = 0", got->name, from, got->n);
    judge(k, scratch, got->data, ref->data, got->n, tol);
}

static void run_controls(const conf_problem *p, conf_isa_result *res, const conf_tensor *got,
                         const conf_tensor *ref, int n, float *scratch)
{
    for (int i = 0; i < n; i++) {
        double tol = tol_of(p, &ref[i]);
        control_perturb(res, &got[i], &ref[i], tol, scratch);
        /* Weight gradients with two blocks (or rows) to exchange. */
        if (got[i].gate_rows && got[i].row_len > 1 && (p->G >= 2 || got[i].gate_rows >= 2))
            control_swap(res, &got[i], &ref[i], tol, scratch, p->G);
        if (got[i].step_len)
            control_drop_last(res, &got[i], &ref[i], tol, scratch);
    }
    for (int i = 0; i < res->ncontrols; i++) {
        conf_control *k = &res->controls[i];
        if (k->applicable && !k->caught)
            fail(res, "negative control not caught: %s (fraction %.3g < 1): the compare is blind",
                 k->detail, k->frac);
    }
}

void conf_check_isa(const conf_problem *p, const conf_result *ref, const rnn_plan_options *opt,
                    const conf_result *ref_f32, const conf_result *ref_flip,
                    conf_isa_result *res)
{
    const rnn_isa isa = opt->isa;
    double t0 = rnn_seconds_now();
    memset(res, 0, sizeof *res);
    res->passed = 1;
    res->worst_tensor = "-";
    conf_result run[3]; /* two training runs, one forward-only */
    int allocated = 0;
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    float *scratch = NULL;
    rnn_status s;
    for (; allocated < 3; allocated++)
        if (conf_result_alloc(p, &run[allocated]) != RNN_OK)
            break;
    size_t biggest = p->sz.h;
    conf_tensor rt[CONF_MAX_TENSORS], gt[CONF_MAX_TENSORS], ft[CONF_MAX_TENSORS];
    int nt = conf_result_tensors(p, ref, rt);
    for (int i = 0; i < nt; i++)
        if (rt[i].n > biggest)
            biggest = rt[i].n;
    scratch = malloc(biggest * sizeof *scratch);
    if (allocated < 3 || !scratch) {
        fail(res, "out of memory");
        goto done;
    }
    if ((s = rnn_plan_create(&plan, &p->kase.desc, &p->params, opt)) != RNN_OK) {
        fail(res, "rnn_plan_create: %s", rnn_strerror(s));
        goto done;
    }
    if (rnn_plan_isa(plan) != isa) {
        fail(res, "rnn_plan_create gave the %s table, not the one asked for",
             rnn_isa_name(rnn_plan_isa(plan)));
        goto done;
    }
    if ((s = rnn_workspace_create(&ws, plan)) != RNN_OK) {
        fail(res, "rnn_workspace_create: %s", rnn_strerror(s));
        goto done;
    }
    for (int r = 0; r < 3; r++)
        conf_result_poison(p, &run[r]);
    /* Each call on a NaN workspace: nothing an earlier call left can stand
     * in for what this one failed to compute. */
    rnn_workspace_poison(ws);
    if ((s = rnn_plan_forward(plan, ws, &p->inputs, &run[2].out)) != RNN_OK) {
        fail(res, "rnn_plan_forward: %s", rnn_strerror(s));
        goto done;
    }
    for (int r = 0; r < 2; r++)
        if (rnn_workspace_poison(ws) != RNN_OK ||
            (s = rnn_plan_train(plan, ws, &p->inputs, &run[r].out, &run[r].grads)) != RNN_OK) {
            fail(res, "rnn_plan_train: %s", rnn_strerror(s));
            goto done;
        }

    for (int r = 0; r < 3; r++) /* none unless a test plants one (fault.h) */
        conf_fault_plant_run(opt, r, run[r].h, p->sz.h);
    conf_result_tensors(p, &run[0], gt);
    conf_result_tensors(p, &run[2], ft);
    conf_tensor xt[CONF_MAX_TENSORS];
    if (ref_flip)
        conf_result_tensors(p, ref_flip, xt);
    for (int i = 0; i < nt; i++) {
        double tol = tol_of(p, &rt[i]);
        if (ref_flip) {
            const double floor = FLIP_FLOOR * rel_norm(xt[i].data, rt[i].data, rt[i].n);
            if (floor > tol)
                tol = floor;
        }
        rnn_compare_result c = rnn_compare(gt[i].data, rt[i].data, rt[i].n, tol);
        record(res, rt[i].name, c);
        if (!(c.frac < 1.0))
            fail(res, "tolerance: %s fraction %.3g (norm %.3g, worst element %zu: got %.9g, "
                 "reference %.9g, tol %.3g)", rt[i].name, c.frac, c.norm_err, c.worst,
                 ((const float *)gt[i].data)[c.worst], ((const float *)rt[i].data)[c.worst], tol);
        if (rt[i].part == CONF_T_FORWARD) {
            const char *name = fwd_only_name(rt[i].name);
            c = rnn_compare(ft[i].data, rt[i].data, rt[i].n, tol);
            record(res, name, c);
            if (!(c.frac < 1.0))
                fail(res, "tolerance: %s (rnn_plan_forward) fraction %.3g (worst element %zu)",
                     name, c.frac, c.worst);
        }
    }

    res->deterministic = 1;
    conf_tensor g2[CONF_MAX_TENSORS];
    conf_result_tensors(p, &run[1], g2);
    for (int i = 0; i < nt; i++)
        if (memcmp(gt[i].data, g2[i].data, gt[i].n * 4) != 0) {
            res->deterministic = 0;
            fail(res, "determinism: %s differs between two identical training runs",
                 gt[i].name);
            break;
        }
    res->out_hash = conf_hash_tensors(gt, nt, -1);
    for (int i = 0; i < nt; i++)
        if (!gt[i].is_view) {
            res->tensor[res->ntensors] = gt[i].name;
            res->tensor_hash[res->ntensors++] = conf_hash_tensors(&gt[i], 1, -1);
        }
    res->hashed = 1;
    if (ref_f32) {
        conf_tensor f32[CONF_MAX_TENSORS];
        conf_result_tensors(p, ref_f32, f32);
        for (int i = 0; i < nt; i++)
            if (!gt[i].is_view) {
                res->e2e_tensor[res->ne2e] = gt[i].name;
                res->e2e_rel[res->ne2e++] = rel_norm(gt[i].data, f32[i].data, gt[i].n);
            }
    }
    run_controls(p, res, gt, rt, nt, scratch);

done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    for (int r = 0; r < allocated; r++)
        conf_result_free(&run[r]);
    free(scratch);
    res->seconds = rnn_seconds_now() - t0;
}
