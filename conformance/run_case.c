/* run_case.c — one case of an rnnsimd-conformance run: the reference and
 * the checks on it alone (golden hashes, the measured regime, a wide head),
 * then every kernel table in every mode it runs against it, each verdict on
 * the report, the console and the JSON; and the progress line. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "golden.h"
#include "hash.h"
#include "json.h"
#include "kernel_check.h"
#include "kernels_golden.h"
#include "modes.h"
#include "run_reference.h"
#include "run_state.h"

void conf_progress_show(conf_progress *pr, const char *line, const char *what)
{
    pr->done++;
    if (pr->tty) {
        fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", pr->done, pr->total, line, what);
        fflush(stderr);
        return;
    }
    /* Not a terminal (make test captures it): one line per tenth. */
    int decile = (int)(10 * pr->done / (pr->total ? pr->total : 1));
    if (decile != pr->last_decile) {
        pr->last_decile = decile;
        fprintf(stderr, "[%zu/%zu] %s %s\n", pr->done, pr->total, line, what);
    }
}

void conf_progress_end(conf_progress *pr)
{
    if (pr->tty && pr->done)
        fprintf(stderr, "\r\033[K");
}

/* The narrowest max - min of the reference's logits over the scored rows. */
static double narrowest_span(const conf_problem *p, const conf_result *ref)
{
    const size_t V = (size_t)p->kase.desc.V, rows = p->sz.targets;
    double span = INFINITY;
    for (size_t r = 0; r < rows; r++) {
        const float *l = ref->logits + r * V;
        float lo = l[0], hi = l[0];
        for (size_t v = 1; v < V; v++) {
            lo = l[v] < lo ? l[v] : lo;
            hi = l[v] > hi ? l[v] : hi;
        }
        span = fmin(span, (double)hi - (double)lo);
    }
    return span;
}

/* One case's reference run and the checks on it. */
typedef struct {
    char line[CONF_CASE_LINE_MAX];
    conf_problem p;
    conf_result ref;
    int ref_ok;
    conf_result ref32; /* a bf16 case's float32 reference (the data type's cost) */
    int ref32_ok;
    conf_result flip; /* a bf16 case's reference with near ties flipped (its floor) */
    int flip_ok;
    conf_hashes h;
    char golden_status[200];
    int regime_ok;
    size_t blocks[8];
    int nblocks;
    double span;
} case_state;

/* Golden: which part moved says who changed. */
static void check_golden(conf_run_state *r, case_state *c)
{
    conf_report *rep = &r->rep;
    const char *line = c->line;
    const conf_hashes h = c->h;
    const conf_golden_entry *g = r->golden_loaded ? conf_golden_find(&r->golden, line) : NULL;
    if (!g) {
        rep->golden_missing++;
        rep->failed++;
        snprintf(c->golden_status, sizeof c->golden_status, "missing");
        printf("FAIL %s: no golden line in %s: run `make golden` (or pass --no-golden "
               "for a case outside the matrix)\n", line, r->o.golden_path);
    } else if (g->inputs != h.inputs) {
        rep->golden_mismatch++;
        rep->failed++;
        snprintf(c->golden_status, sizeof c->golden_status, "mismatch: inputs");
        printf("FAIL %s: golden mismatch in inputs (%016" PRIx64 ", golden %016" PRIx64
               "): the generator changed\n  reproduce: build/" PROG " --case '%s'\n",
               line, h.inputs, g->inputs, line);
    } else if (g->forward != h.forward || g->gradients != h.gradients) {
        rep->golden_mismatch++;
        rep->failed++;
        int fw = g->forward != h.forward, gr = g->gradients != h.gradients;
        snprintf(c->golden_status, sizeof c->golden_status, "mismatch: %s%s%s",
                 fw ? "forward" : "", fw && gr ? ", " : "", gr ? "gradients" : "");
        printf("FAIL %s: golden mismatch in %s%s%s (forward %016" PRIx64 " golden %016"
               PRIx64 ", gradients %016" PRIx64 " golden %016" PRIx64
               "): the reference changed\n  reproduce: build/" PROG " --case '%s'\n",
               line, fw ? "forward" : "", fw && gr ? " and " : "",
               gr ? "gradients" : "", h.forward, g->forward, h.gradients,
               g->gradients, line);
    } else {
        rep->golden_ok++;
        rep->passed++;
        snprintf(c->golden_status, sizeof c->golden_status, "ok");
    }
}

/* The claimed regime, measured; and a wide head as claimed: every scored
 * row's logits span widely. */
static void check_regime(conf_run_state *r, case_state *c)
{
    conf_report *rep = &r->rep;
    const char *line = c->line;
    c->nblocks = conf_regime_measure(&r->regimes, &c->p, c->blocks, 8);
    c->regime_ok = c->nblocks > 0;
    for (int b = 0; b < c->nblocks; b++)
        c->regime_ok &= conf_regime_ok(&r->regimes.b[c->blocks[b]]);
    if (c->regime_ok) {
        rep->regimes_ok++;
        rep->passed++;
    } else {
        rep->regimes_bad++;
        rep->failed++;
        if (c->nblocks < 0)
            printf("FAIL %s: out of memory measuring the regime (rho %g)", line, c->p.kase.rho);
        else
            printf("FAIL %s: regime not as claimed (rho %g):", line, c->p.kase.rho);
        for (int b = 0; b < c->nblocks; b++)
            printf(" block %d sigma_max %.6f radius %.6f;", b,
                   r->regimes.b[c->blocks[b]].sigma_max, r->regimes.b[c->blocks[b]].radius);
        printf("\n  reproduce: build/" PROG " --case '%s'\n", line);
    }
    if (!c->p.kase.wide_head)
        return;
    c->span = narrowest_span(&c->p, &c->ref);
    rep->wide_cases++;
    rep->wide_min_span = fmin(rep->wide_min_span, c->span);
    if (c->span >= CONF_WIDE_SPAN) {
        rep->passed++;
    } else {
        rep->wide_bad++;
        rep->failed++;
        printf("FAIL %s: head=wide, but a scored row's logits span only %.2f (at "
               "least %.0f claimed): the generator changed\n  reproduce: build/" PROG
               " --case '%s'\n", line, c->span, CONF_WIDE_SPAN, line);
    }
}

/* The reference's run of case ci and every check on it alone. */
static void check_reference(conf_run_state *r, size_t ci, case_state *c)
{
    conf_report *rep = &r->rep;
    rnn_status s = conf_problem_generate(&r->cases[ci], &c->p);
    memset(&c->ref, 0, sizeof c->ref);
    if (s == RNN_OK) {
        double t0 = rnn_seconds_now();
        s = conf_reference_run(&c->p, &c->ref);
        if (s == RNN_OK && c->p.kase.bf16) {
            c->ref_ok = 1; /* so conf_run_case frees it whatever follows */
            s = conf_reference_run_f32(&c->p, &c->ref32);
            c->ref32_ok = s == RNN_OK;
            if (s == RNN_OK) {
                s = conf_reference_run_flipped(&c->p, &c->flip);
                c->flip_ok = s == RNN_OK;
            }
        }
        rep->ref_seconds += rnn_seconds_now() - t0;
    }
    conf_progress_show(&r->pr, c->line, "reference");
    if (s != RNN_OK) {
        rep->failed++;
        printf("FAIL %s: reference: %s\n  reproduce: build/" PROG " --case '%s'\n", c->line,
               rnn_strerror(s), c->line);
        return;
    }
    c->ref_ok = 1;
    conf_case_hashes(&c->p, &c->ref, &c->h);
    const int seen = conf_hash_sees_flip(&c->p, c->h.inputs);
    if (seen < 0) {
        rep->failed++;
        printf("FAIL %s: out of memory for the golden hash's control\n", c->line);
    } else {
        rep->hash_controls++;
        rep->hash_controls_caught += seen;
    }
    if (!r->o.no_golden)
        check_golden(r, c);
    check_regime(r, c);
}

/* The case's JSON record up to its tables. */
static void json_case(const conf_run_state *r, size_t ci, const case_state *c)
{
    FILE *f = r->rep.json;
    fprintf(f, "%s\n    {\"case\": ", r->rep.json_cases ? "," : "");
    rnn_json_string(f, c->line);
    fprintf(f, ", \"quick\": %s, \"reference\": %s", r->case_quick[ci] ? "true" : "false",
            c->ref_ok ? "\"ok\"" : "\"failed\"");
    if (c->ref_ok)
        fprintf(f, ", \"hashes\": {\"inputs\": \"%016" PRIx64 "\", \"forward\": \"%016" PRIx64
                "\", \"gradients\": \"%016" PRIx64 "\"}", c->h.inputs, c->h.forward,
                c->h.gradients);
    fprintf(f, ", \"golden\": ");
    rnn_json_string(f, c->golden_status);
    if (c->p.kase.wide_head) {
        fprintf(f, ", \"narrowest_logit_span\": ");
        rnn_json_number(f, c->span);
    }
    fprintf(f, ", \"regime\": {\"claimed_rho\": %g, \"as_claimed\": %s, \"blocks\": [",
            r->cases[ci].rho, c->regime_ok == 1 ? "true" : "false");
    for (int b = 0; b < c->nblocks; b++) {
        fprintf(f, "%s{\"sigma_max\": ", b ? ", " : "");
        rnn_json_number(f, r->regimes.b[c->blocks[b]].sigma_max);
        fprintf(f, ", \"spectral_radius\": ");
        rnn_json_number(f, r->regimes.b[c->blocks[b]].radius);
        fprintf(f, "}");
    }
    fprintf(f, "]}, \"isa\": {");
}

/* One table-mode result's JSON record. */
static void json_mode(FILE *f, int first_mode, conf_mode mode, const conf_isa_result *res)
{
    fprintf(f, "%s\"%s\": {\"passed\": %s, \"worst_fraction\": ", first_mode ? "" : ", ",
            conf_mode_name(mode), res->passed ? "true" : "false");
    rnn_json_number(f, res->worst_frac);
    fprintf(f, ", \"worst_tensor\": ");
    rnn_json_string(f, res->worst_tensor);
    fprintf(f, ", \"deterministic\": %s, \"output_hash\": \"%016" PRIx64 "\", "
            "\"seconds\": %.4f, \"fractions\": {",
            res->deterministic ? "true" : "false", res->out_hash, res->seconds);
    for (int c = 0; c < res->nchecks; c++) {
        fprintf(f, "%s", c ? ", " : "");
        rnn_json_string(f, res->checks[c].tensor);
        fprintf(f, ": ");
        rnn_json_number(f, res->checks[c].frac);
    }
    /* The tolerance each fraction is of (support/tolerance.h at the case's
     * depth; a bf16 case's may be raised to its flip floor), so a report
     * shows the bound it was judged by, not only how close it came. */
    fprintf(f, "}, \"tolerances\": {");
    for (int c = 0; c < res->nchecks; c++) {
        fprintf(f, "%s", c ? ", " : "");
        rnn_json_string(f, res->checks[c].tensor);
        fprintf(f, ": ");
        rnn_json_number(f, res->checks[c].tol);
    }
    int applied = 0, caught = 0;
    for (int c = 0; c < res->ncontrols; c++) {
        applied += res->controls[c].applicable;
        caught += res->controls[c].applicable && res->controls[c].caught;
    }
    fprintf(f, "}, \"controls\": {\"applied\": %d, \"caught\": %d}, \"error\": ", applied,
            caught);
    rnn_json_string(f, res->error);
    fprintf(f, "}");
}

#define MAX_RUNS (RNN_ISA_COUNT * CONF_MODE_COUNT)

/* One run's verdict on the report, the console and the JSON. */
static void report_run(conf_run_state *r, size_t ci, const char *line, conf_isa_summary *sum,
                       conf_mode mode, const conf_isa_result *res, int first_mode)
{
    conf_report *rep = &r->rep;
    conf_report_isa_result(rep, sum, mode, line, r->case_quick[ci], res);
    if (res->passed) {
        rep->passed++;
    } else {
        rep->failed++;
        printf("FAIL %s on %s, mode %s: %s\n  reproduce: build/" PROG
               " --case '%s' --isa %s --mode %s\n", line, rnn_isa_name(sum->isa),
               conf_mode_name(mode), res->error, line, rnn_isa_name(sum->isa),
               conf_mode_name(mode));
    }
    if (rep->json)
        json_mode(rep->json, first_mode, mode, res);
}

/* An x86 table with bf16 products (avx512; avx2 has none). */
static int x86(rnn_isa isa)
{
    return isa == RNN_ISA_AVX2 || isa == RNN_ISA_AVX512;
}

/* A bf16 case (case.h) on every table that has usable bf16 products, in
 * threads1 and threads2 (and unfused where the table has bf16_gemv_ride:
 * threads1 then runs the fused step wherever it applies), against the bf16
 * reference under the bf16
 * tolerance; a table without is counted as skipped, never failed. No
 * kernels= hash (bf16 rounds per ISA); on x86, where the avx512 table's
 * vdpbf16ps and generic's emulation agree by contract, each run must give
 * generic's bits in the same mode (judged: a float32-level change, such as
 * a pair's products summed in the other order, hides in any tolerance).
 * The first threads1 run gives the case's end-to-end row against the
 * float32 reference. */
static void check_tables_bf16(conf_run_state *r, const case_state *c)
{
    static conf_isa_result res[MAX_RUNS];
    conf_report *rep = &r->rep;
    conf_isa_summary *sums[MAX_RUNS];
    conf_mode modes[MAX_RUNS];
    int n = 0, first_isa = 1, e2e_done = 0;
    rep->bf16_cases++;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        const rnn_kernels *table = r->table_of[sum->isa];
        const int usable = conf_bf16_usable(table, sum->bf16_why, sizeof sum->bf16_why);
        if (rep->json)
            fprintf(rep->json, "%s\"%s\": {", first_isa ? "" : ", ", rnn_isa_name(sum->isa));
        first_isa = 0;
        int first_mode = 1;
        for (int md = 0; md < CONF_MODE_COUNT && n < MAX_RUNS; md++) {
            const conf_mode mode = (conf_mode)md;
            if (!(r->o.mode_mask >> md & 1) || !conf_mode_applies_bf16(mode, table))
                continue;
            if (!usable || !c->ref_ok) {
                sum->bf16_skipped += !usable;
                conf_progress_show(&r->pr, c->line, rnn_isa_name(sum->isa));
                continue;
            }
            const rnn_plan_options opt = conf_mode_options_bf16(mode, sum->isa);
            conf_check_isa(&c->p, &c->ref, &opt, c->ref32_ok ? &c->ref32 : NULL,
                           c->flip_ok ? &c->flip : NULL, &res[n]);
            sums[n] = sum, modes[n] = mode;
            conf_progress_show(&r->pr, c->line, rnn_isa_name(sum->isa));
            /* generic's run of the same mode (threads1 for unfused: generic
             * has no fused step), on x86 (the tables of one architecture
             * are listed together, generic first). */
            const conf_mode gmode = mode == CONF_MODE_UNFUSED ? CONF_MODE_THREADS1 : mode;
            for (int j = 0; j < n; j++)
                if (modes[j] == gmode && sums[j]->isa == RNN_ISA_GENERIC && x86(sum->isa) &&
                    res[j].hashed && res[n].hashed) {
                    sum->bf16_bits_compared++;
                    if (res[j].out_hash == res[n].out_hash) {
                        sum->bf16_bits_same++;
                    } else if (res[n].passed) {
                        res[n].passed = 0;
                        snprintf(res[n].error, sizeof res[n].error, "bf16 bits differ from "
                                 "generic %s's (x86: vdpbf16ps and generic's emulation of it "
                                 "agree bit for bit by contract)", conf_mode_name(mode));
                    }
                }
            if (!e2e_done && mode == CONF_MODE_THREADS1 && res[n].ne2e) {
                conf_report_bf16_e2e(rep, c->line, sum->isa, &res[n]);
                e2e_done = 1;
            }
            conf_report_bf16_result(rep, sum, mode, c->line, &res[n]);
            if (res[n].passed) {
                rep->passed++;
            } else {
                rep->failed++;
                printf("FAIL %s on %s, mode %s: %s\n  reproduce: build/" PROG
                       " --case '%s' --isa %s --mode %s\n", c->line, rnn_isa_name(sum->isa),
                       conf_mode_name(mode), res[n].error, c->line, rnn_isa_name(sum->isa),
                       conf_mode_name(mode));
            }
            if (rep->json)
                json_mode(rep->json, first_mode, mode, &res[n]);
            first_mode = 0;
            n++;
        }
        if (rep->json)
            fprintf(rep->json, "}");
    }
}

/* Case ci on every table in every mode it runs: the runs first, then the
 * verdicts that need several of them (a table's modes share its bits; every
 * run gives the golden kernels= bits), then the report, table by table. */
static void check_tables(conf_run_state *r, size_t ci, const case_state *c)
{
    static conf_isa_result res[MAX_RUNS]; /* large: not on the stack */
    conf_report *rep = &r->rep;
    conf_run runs[MAX_RUNS];
    conf_isa_summary *sums[MAX_RUNS];
    conf_mode modes[MAX_RUNS];
    int n = 0;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        for (int md = 0; md < CONF_MODE_COUNT && n < MAX_RUNS; md++) {
            const conf_mode mode = (conf_mode)md;
            if (!(r->o.mode_mask >> md & 1) || !conf_mode_applies(mode, r->table_of[sum->isa]))
                continue;
            snprintf(runs[n].name, sizeof runs[n].name, "%s %s", rnn_isa_name(sum->isa),
                     conf_mode_name(mode));
            if (!c->ref_ok) {
                conf_progress_show(&r->pr, c->line, runs[n].name);
                continue;
            }
            const rnn_plan_options opt = conf_mode_options(mode, sum->isa);
            conf_check_isa(&c->p, &c->ref, &opt, NULL, NULL, &res[n]);
            conf_progress_show(&r->pr, c->line, runs[n].name);
            runs[n].res = &res[n], sums[n] = sum, modes[n] = mode;
            n++;
        }
    }
    /* A table's other modes against its threads1 run. */
    for (int i = 0; i < n; i++) {
        const conf_isa_result *one = NULL;
        for (int j = 0; j < i && !one; j++)
            if (sums[j] == sums[i] && modes[j] == CONF_MODE_THREADS1 && res[j].deterministic)
                one = &res[j];
        if (!one)
            continue;
        if (res[i].deterministic && res[i].out_hash == one->out_hash) {
            sums[i]->mode[modes[i]].same_bits++;
        } else if (modes[i] == CONF_MODE_UNFUSED && res[i].passed) {
            /* The fused step promises the hoisted projection's bits
             * (rnn_plan_options.no_fused_step). */
            res[i].passed = 0;
            snprintf(res[i].error, sizeof res[i].error, "the outputs differ from mode "
                     "threads1's bits (the fused batch-1 step must not change them)");
        }
    }
    const conf_golden_entry *g =
        !r->o.no_golden && r->golden_loaded ? conf_golden_find(&r->golden, c->line) : NULL;
    if (g && g->has_kernels) {
        rep->kernels_mismatch += conf_kernels_judge(runs, n, g->kernels);
    } else if (g) {
        for (int i = 0; i < n; i++)
            if (res[i].hashed && res[i].passed) {
                res[i].passed = 0;
                rep->kernels_mismatch++;
                snprintf(res[i].error, sizeof res[i].error, "the golden line has no kernels= "
                         "hash (a file from before it existed): run `make golden`");
            }
    }
    int first_isa = 1;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        if (rep->json)
            fprintf(rep->json, "%s\"%s\": {", first_isa ? "" : ", ", rnn_isa_name(sum->isa));
        first_isa = 0;
        int first_mode = 1;
        for (int i = 0; i < n; i++)
            if (sums[i] == sum) {
                if (g && res[i].hashed)
                    rep->kernels_checked++;
                report_run(r, ci, c->line, sum, modes[i], &res[i], first_mode);
                first_mode = 0;
            }
        if (rep->json)
            fprintf(rep->json, "}");
    }
}

/* Case ci: the reference and its checks, then every table that runs. */
void conf_run_case(conf_run_state *r, size_t ci)
{
    conf_report *rep = &r->rep;
    case_state c;
    memset(&c, 0, sizeof c);
    c.regime_ok = -1;
    c.span = NAN;
    snprintf(c.golden_status, sizeof c.golden_status, "not checked");
    conf_case_print(&r->cases[ci], c.line, sizeof c.line);
    double t_case = rnn_seconds_now();
    check_reference(r, ci, &c);
    if (rep->json) {
        json_case(r, ci, &c);
        rep->json_cases++;
    }
    if (r->cases[ci].bf16)
        check_tables_bf16(r, &c);
    else
        check_tables(r, ci, &c);
    if (rep->json)
        fprintf(rep->json, "}, \"seconds\": %.4f}", rnn_seconds_now() - t_case);
    if (c.ref_ok)
        conf_result_free(&c.ref);
    if (c.ref32_ok)
        conf_result_free(&c.ref32);
    if (c.flip_ok)
        conf_result_free(&c.flip);
    conf_problem_free(&c.p);
}
