/* report.c — see report.h. */
#include <math.h>
#include <string.h>
#include "report.h"
#include "report_bf16.h"

/* ---- the ratchet ---- */

static const char *const selections[2] = {"full", "quick"};

static int judged(const conf_report *r, int sel)
{
    return sel == 0 ? r->ratchet_full : r->ratchet_quick;
}

void conf_report_ratchet(conf_report *r, const conf_ratchet *rt, const char *path)
{
    const char *arch = conf_arch();
    const char *redo = strcmp(arch, "aarch64") ? "make ratchet"
                                               : "make ratchet ARCH=aarch64 ARGS=--quick";
    if (!rt) {
        r->ratchet_missing++;
        r->failed++;
        printf("FAIL ratchet: no budgets (%s cannot be read): run `%s` and review it\n", path,
               redo);
        return;
    }
    for (int sel = 0; sel < 2; sel++) {
        if (!judged(r, sel))
            continue;
        for (int i = 0; i < r->nisa; i++) {
            conf_isa_summary *s = &r->isa[i];
            if (!s->run)
                continue;
            const char *table = rnn_isa_name(s->isa);
            const int any = conf_ratchet_find(rt, selections[sel], arch, table, NULL) != NULL;
            int missing = 0;
            for (int k = 0; k < r->ntensor; k++) {
                const double worst = sel == 0 ? s->tensor_worst[k] : s->tensor_worst_quick[k];
                if (worst < 0)
                    continue;
                const conf_ratchet_entry *e =
                    conf_ratchet_find(rt, selections[sel], arch, table, r->tensor[k]);
                r->ratchet_checked++;
                if (!e) {
                    r->ratchet_missing++;
                    if (any)
                        printf("FAIL ratchet: no budget for %s %s %s %s in %s: run `%s` and "
                               "review the diff\n", selections[sel], arch, table, r->tensor[k],
                               path, redo);
                    missing++;
                    continue;
                }
                (sel == 0 ? s->budget : s->budget_quick)[k] = e->budget;
                /* The fractions are deterministic, so one far below what was
                 * measured is a change too: the judging got looser (a
                 * tolerance or comparison changed) or the table more
                 * accurate; either way the budgets are rewritten. */
                if (worst <= e->budget && !(worst < e->measured / 2)) {
                    r->passed++;
                    continue;
                }
                if (worst <= e->budget) {
                    r->ratchet_under++;
                    r->failed++;
                    printf("FAIL ratchet: %s on %s, %s selection: worst fraction %.4f below half "
                           "of the %.4f measured when written (%s): the judging got looser or "
                           "the table more accurate. If that is intended, `%s` rewrites the "
                           "budgets\n",
                           r->tensor[k], table, selections[sel], worst, e->measured, path, redo);
                    continue;
                }
                r->ratchet_over++;
                r->failed++;
                printf("FAIL ratchet: %s on %s, %s selection: worst fraction %.4f above its "
                       "budget %.4f (measured %.4f when written; %s): the table got less "
                       "accurate. If that is intended, `%s` rewrites the budgets\n",
                       r->tensor[k], table, selections[sel], worst, e->budget, e->measured, path,
                       redo);
            }
            if (missing && !any)
                printf("FAIL ratchet: no budgets for %s %s %s in %s (%d tensors): run `%s` and "
                       "review the diff\n", selections[sel], arch, table, path, missing, redo);
            /* One failure per table without budgets, one per missing tensor otherwise. */
            r->failed += any ? missing : missing > 0;
        }
    }
}

void conf_report_update_ratchet(const conf_report *r, conf_ratchet *rt)
{
    const char *arch = conf_arch();
    int added = 0, changed = 0, same = 0;
    for (int sel = 0; sel < 2; sel++) {
        if (!judged(r, sel))
            continue;
        for (int i = 0; i < r->nisa; i++) {
            const conf_isa_summary *s = &r->isa[i];
            if (!s->run)
                continue;
            const char *table = rnn_isa_name(s->isa);
            conf_ratchet old = {0};
            /* Keep the old entries of this table for the comparison. */
            for (size_t e = 0; e < rt->n; e++)
                if (!strcmp(rt->e[e].selection, selections[sel]) &&
                    !strcmp(rt->e[e].arch, arch) && !strcmp(rt->e[e].table, table))
                    conf_ratchet_put(&old, &rt->e[e]);
            conf_ratchet_drop(rt, selections[sel], arch, table);
            for (int k = 0; k < r->ntensor; k++) {
                const double worst = sel == 0 ? s->tensor_worst[k] : s->tensor_worst_quick[k];
                if (worst < 0)
                    continue;
                conf_ratchet_entry e;
                memset(&e, 0, sizeof e);
                snprintf(e.selection, sizeof e.selection, "%s", selections[sel]);
                snprintf(e.arch, sizeof e.arch, "%s", arch);
                snprintf(e.table, sizeof e.table, "%s", table);
                snprintf(e.tensor, sizeof e.tensor, "%s", r->tensor[k]);
                /* As written: 4 decimals. */
                e.measured = round(worst * 1e4) / 1e4;
                e.budget = conf_ratchet_budget(worst);
                const conf_ratchet_entry *o =
                    conf_ratchet_find(&old, e.selection, arch, table, e.tensor);
                if (!o) {
                    printf("added:   %s %s %s %s budget %.4f (measured %.4f)\n", e.selection,
                           arch, table, e.tensor, e.budget, e.measured);
                    added++;
                } else if (o->budget != e.budget) {
                    printf("%s: %s %s %s %s budget %.4f -> %.4f (measured %.4f -> %.4f)\n",
                           e.budget > o->budget ? "RAISED " : "lowered", e.selection, arch,
                           table, e.tensor, o->budget, e.budget, o->measured, e.measured);
                    changed++;
                } else {
                    same++;
                }
                conf_ratchet_put(rt, &e);
            }
            for (size_t e = 0; e < old.n; e++)
                if (!conf_ratchet_find(rt, old.e[e].selection, arch, table, old.e[e].tensor))
                    printf("removed: %s %s %s %s\n", old.e[e].selection, arch, table,
                           old.e[e].tensor);
            conf_ratchet_free(&old);
        }
    }
    printf("ratchet: %d added, %d changed, %d unchanged\n", added, changed, same);
}

/* ---- the summary ---- */

static void print_regimes(conf_report *r, const conf_regime_cache *c)
{
    printf("\nRegimes (LAPACKE dgesvd/dgeev on every gate block of weight_hh; claimed rho "
           "checked within %g relative):\n", CONF_REGIME_RTOL);
    printf("  %-6s %7s %6s  %-25s %-25s %s\n", "rho", "blocks", "max H", "sigma_max range",
           "spectral radius range", "status");
    const double rhos[] = {0.5, 1.0, 1.5};
    /* The three regimes of the matrix first, then any other rho seen. */
    double seen[64];
    int nseen = 0;
    for (int i = 0; i < 3; i++)
        seen[nseen++] = rhos[i];
    for (size_t i = 0; i < c->n && nseen < 64; i++) {
        int found = 0;
        for (int k = 0; k < nseen; k++)
            found |= seen[k] == c->b[i].rho;
        if (!found)
            seen[nseen++] = c->b[i].rho;
    }
    for (int k = 0; k < nseen; k++) {
        int n = 0, bad = 0;
        size_t maxH = 0;
        double smin = INFINITY, smax = -INFINITY, rmin = INFINITY, rmax = -INFINITY;
        for (size_t i = 0; i < c->n; i++) {
            const conf_regime_block *b = &c->b[i];
            if (b->rho != seen[k])
                continue;
            n++;
            bad += !conf_regime_ok(b);
            if (b->H > maxH)
                maxH = b->H;
            smin = fmin(smin, b->sigma_max);
            smax = fmax(smax, b->sigma_max);
            rmin = fmin(rmin, b->radius);
            rmax = fmax(rmax, b->radius);
        }
        if (!n)
            continue;
        char sr[40], rr[40];
        snprintf(sr, sizeof sr, "[%.7f, %.7f]", smin, smax);
        snprintf(rr, sizeof rr, "[%.7f, %.7f]", rmin, rmax);
        printf("  %-6.2f %7d %6zu  %-25s %-25s %s\n", seen[k], n, maxH, sr, rr,
               bad ? "MISMATCH" : "as claimed");
    }
    printf("  (%zu distinct blocks measured in %.2f s; %d cases as claimed, %d not)\n", c->n,
           c->seconds, r->regimes_ok, r->regimes_bad);
}

static void print_onednn(const conf_onednn_result *dn, int n)
{
    printf("\noneDNN cross-check (reference vs oneDNN %s primitives, f32, forward and backward):\n",
           "RNN");
    for (int i = 0; i < n; i++) {
        const conf_onednn_result *d = &dn[i];
        char shape[64];
        conf_onednn_shape(d, shape, sizeof shape);
        char how[24];
        snprintf(how, sizeof how, "%d %s", d->primitives,
                 d->primitives > 1 ? "chained" : "primitive");
        printf("  %-8s %-22s %-11s ", rnn_cell_name(d->cell), shape, how);
        if (!d->ran) {
            printf("FAILED: %s\n", d->error);
            continue;
        }
        printf("forward %.3f (%s)  backward %.3f (%s)  %s%s%s\n", d->fwd_frac, d->worst_fwd,
               d->bwd_frac, d->worst_bwd, d->passed ? "ok" : "FAILED: ", d->passed ? "" : d->error,
               "");
    }
}

/* A table's fraction with its budget: "0.0694/0.0868", "0.0694" unjudged,
 * "-" unmeasured, '!' when over. */
static void cell_text(char *buf, size_t n, double worst, double budget)
{
    if (worst < 0)
        snprintf(buf, n, "-");
    else if (isnan(budget))
        snprintf(buf, n, "%.4f", worst);
    else
        snprintf(buf, n, "%.4f/%.4f%s", worst, budget, worst > budget ? "!" : "");
}

static void print_tensors(const conf_report *r)
{
    const int quick_only = r->ratchet_quick && !r->ratchet_full;
    printf("\nWorst fraction per table and tensor over %s and every mode%s:\n  %-20s",
           quick_only ? "the quick subset" : "the cases run",
           r->ratchet_full || r->ratchet_quick ? " (/ the ratchet's budget; ! over it)" : "",
           "tensor");
    for (int i = 0; i < r->nisa; i++)
        if (r->isa[i].run)
            printf(" %16s", rnn_isa_name(r->isa[i].isa));
    printf("\n");
    for (int k = 0; k < r->ntensor; k++) {
        printf("  %-20s", r->tensor[k]);
        for (int i = 0; i < r->nisa; i++) {
            const conf_isa_summary *s = &r->isa[i];
            if (!s->run)
                continue;
            char cell[40];
            if (quick_only)
                cell_text(cell, sizeof cell, s->tensor_worst_quick[k], s->budget_quick[k]);
            else
                cell_text(cell, sizeof cell, s->tensor_worst[k],
                          r->ratchet_full ? s->budget[k] : NAN);
            printf(" %16s", cell);
        }
        printf("\n");
    }
}

static void json_tensor_map(FILE *f, const conf_report *r, const double *v)
{
    fprintf(f, "{");
    int first = 1;
    for (int k = 0; k < r->ntensor; k++) {
        if (v[k] < 0 || isnan(v[k]))
            continue;
        fprintf(f, "%s", first ? "" : ", ");
        rnn_json_string(f, r->tensor[k]);
        fprintf(f, ": ");
        rnn_json_number(f, v[k]);
        first = 0;
    }
    fprintf(f, "}");
}

void conf_report_finish(conf_report *r, const conf_regime_cache *regimes,
                        const conf_onednn_result *dn, int ndn, double seconds)
{
    printf("\nModes:\n");
    for (int m = 0; m < CONF_MODE_COUNT; m++) {
        if (!(r->modes >> m & 1))
            continue;
        printf("  %-9s %s; ran on:", conf_mode_name((conf_mode)m), conf_mode_what((conf_mode)m));
        int any = 0;
        for (int i = 0; i < r->nisa; i++)
            if (r->isa[i].run && r->isa[i].mode[m].run) {
                printf(" %s", rnn_isa_name(r->isa[i].isa));
                any = 1;
            }
        printf("%s\n", any ? "" : " none");
    }
    printf("\nKernel tables vs the reference (fraction = error / tolerance of support/tolerance.h; "
           "< 1 passes):\n");
    printf("  %-8s %-9s %6s %7s %8s %9s  %-20s %s\n", "isa", "mode", "cases", "passed", "worst",
           "same bits", "in tensor", "worst case");
    for (int i = 0; i < r->nisa; i++) {
        const conf_isa_summary *s = &r->isa[i];
        if (!s->run) {
            printf("  %-8s skipped: %s\n", rnn_isa_name(s->isa), s->reason);
            continue;
        }
        for (int m = 0; m < CONF_MODE_COUNT; m++) {
            const conf_mode_summary *ms = &s->mode[m];
            if (!ms->run)
                continue;
            char same[24] = "-";
            if (m != CONF_MODE_THREADS1 && s->mode[CONF_MODE_THREADS1].run)
                snprintf(same, sizeof same, "%d/%d", ms->same_bits, ms->cases);
            printf("  %-8s %-9s %6d %7d %8.4f %9s  %-20s %s\n", rnn_isa_name(s->isa),
                   conf_mode_name((conf_mode)m), ms->cases, ms->passed, ms->worst_frac, same,
                   ms->worst_tensor ? ms->worst_tensor : "-", ms->worst_case);
        }
    }
    printf("  (same bits: cases whose outputs and gradients were the threads1 run's, bit for "
           "bit; judged for unfused, reported for threads2; every run is also judged by the "
           "golden kernels= hash)\n");
    conf_report_bf16_print(r);
    int any_run = 0;
    for (int i = 0; i < r->nisa; i++)
        any_run |= r->isa[i].run && r->isa[i].seconds > 0;
    if (any_run) {
        print_tensors(r);
        if (r->ratchet_full || r->ratchet_quick)
            printf("  ratchet: %d budgets checked (%s%s%s, %s), %d over, %d under half of "
                   "the measured, %d missing\n",
                   r->ratchet_checked, r->ratchet_full ? "full" : "",
                   r->ratchet_full && r->ratchet_quick ? " and " : "",
                   r->ratchet_quick ? "quick" : "", conf_arch(), r->ratchet_over,
                   r->ratchet_under, r->ratchet_missing);
        else
            printf("  ratchet: not judged (it covers the whole matrix and the quick subset, "
                   "not a selection of cases)\n");
        printf("\nNegative controls (corrupted copies of each run's outputs, same compare):\n");
        for (int i = 0; i < r->nisa; i++) {
            const conf_isa_summary *s = &r->isa[i];
            if (s->run)
                printf("  %-8s %d applied, %d caught, %d not applicable (corruption changed "
                       "nothing)\n", rnn_isa_name(s->isa), s->controls_applied,
                       s->controls_caught, s->controls_na);
        }
    }
    printf("  golden   %d of %d one-bit input flips changed the inputs hash\n",
           r->hash_controls_caught, r->hash_controls);
    printf("\nGolden hashes: %d match, %d missing, %d mismatched\n", r->golden_ok,
           r->golden_missing, r->golden_mismatch);
    printf("Kernel bits: %d of %d runs (table x mode x case) give the golden kernels= hash\n",
           r->kernels_checked - r->kernels_mismatch, r->kernels_checked);
    if (r->wide_cases)
        printf("Wide heads: %d cases (head=wide), narrowest scored row's logits span %.1f "
               "(at least %.0f claimed); %d too narrow\n", r->wide_cases, r->wide_min_span,
               CONF_WIDE_SPAN, r->wide_bad);
    if (regimes)
        print_regimes(r, regimes);
    if (dn)
        print_onednn(dn, ndn);
    printf("\nTime: %.1f s (reference %.1f s", seconds, r->ref_seconds);
    for (int i = 0; i < r->nisa; i++)
        if (r->isa[i].run)
            printf(", %s %.1f s", rnn_isa_name(r->isa[i].isa), r->isa[i].seconds);
    printf(", LAPACKE %.1f s)\n", regimes ? regimes->seconds : 0.0);

    if (r->json) {
        FILE *f = r->json;
        fprintf(f, "\n  ],\n  \"modes\": [");
        int first = 1;
        for (int m = 0; m < CONF_MODE_COUNT; m++)
            if (r->modes >> m & 1) {
                fprintf(f, "%s{\"mode\": \"%s\", \"what\": ", first ? "" : ", ",
                        conf_mode_name((conf_mode)m));
                rnn_json_string(f, conf_mode_what((conf_mode)m));
                fprintf(f, "}");
                first = 0;
            }
        fprintf(f, "],\n  \"isas\": [");
        for (int i = 0; i < r->nisa; i++) {
            const conf_isa_summary *s = &r->isa[i];
            fprintf(f, "%s\n    {\"isa\": ", i ? "," : "");
            rnn_json_string(f, rnn_isa_name(s->isa));
            if (!s->run) {
                fprintf(f, ", \"run\": false, \"reason\": ");
                rnn_json_string(f, s->reason);
                fprintf(f, "}");
                continue;
            }
            fprintf(f, ", \"run\": true, \"modes\": {");
            first = 1;
            for (int m = 0; m < CONF_MODE_COUNT; m++) {
                const conf_mode_summary *ms = &s->mode[m];
                if (!ms->run)
                    continue;
                fprintf(f, "%s\"%s\": {\"cases\": %d, \"passed\": %d, \"same_bits\": %d, "
                        "\"worst_fraction\": ", first ? "" : ", ", conf_mode_name((conf_mode)m),
                        ms->cases, ms->passed, ms->same_bits);
                rnn_json_number(f, ms->worst_frac);
                fprintf(f, ", \"worst_tensor\": ");
                rnn_json_string(f, ms->worst_tensor ? ms->worst_tensor : "");
                fprintf(f, ", \"worst_case\": ");
                rnn_json_string(f, ms->worst_case);
                fprintf(f, ", \"seconds\": %.3f}", ms->seconds);
                first = 0;
            }
            fprintf(f, "}, \"controls\": {\"applied\": %d, \"caught\": %d, \"not_applicable\": %d}",
                    s->controls_applied, s->controls_caught, s->controls_na);
            fprintf(f, ", \"seconds\": %.3f, \"tensor_worst_fraction\": ", s->seconds);
            json_tensor_map(f, r, s->tensor_worst);
            fprintf(f, ", \"tensor_worst_fraction_quick\": ");
            json_tensor_map(f, r, s->tensor_worst_quick);
            fprintf(f, ", \"ratchet_budget\": ");
            json_tensor_map(f, r, s->budget);
            fprintf(f, ", \"ratchet_budget_quick\": ");
            json_tensor_map(f, r, s->budget_quick);
            conf_report_bf16_json(f, s);
            fprintf(f, "}");
        }
        fprintf(f, "\n  ],\n  \"ratchet\": {\"arch\": \"%s\", \"full\": %s, \"quick\": %s, "
                "\"checked\": %d, \"over\": %d, \"missing\": %d},", conf_arch(),
                r->ratchet_full ? "true" : "false", r->ratchet_quick ? "true" : "false",
                r->ratchet_checked, r->ratchet_over, r->ratchet_missing);
        fprintf(f, "\n  \"regimes\": [");
        for (size_t i = 0; regimes && i < regimes->n; i++) {
            const conf_regime_block *b = &regimes->b[i];
            fprintf(f, "%s\n    {\"H\": %zu, \"rho\": %g, \"seed\": %llu, \"stream\": %llu, "
                    "\"sigma_max\": ", i ? "," : "", b->H, b->rho, (unsigned long long)b->seed,
                    (unsigned long long)b->stream);
            rnn_json_number(f, b->sigma_max);
            fprintf(f, ", \"spectral_radius\": ");
            rnn_json_number(f, b->radius);
            fprintf(f, ", \"as_claimed\": %s, \"seconds\": %.3f}", conf_regime_ok(b) ? "true" : "false",
                    b->seconds);
        }
        fprintf(f, "\n  ],\n  \"onednn\": [");
        for (int i = 0; dn && i < ndn; i++) {
            const conf_onednn_result *d = &dn[i];
            fprintf(f, "%s\n    {\"cell\": \"%s\", \"T\": %d, \"B\": %d, \"I\": %d, \"H\": %d, "
                    "\"L\": %d, \"bidirectional\": %s, \"primitives\": %d, "
                    "\"passed\": %s, \"forward_fraction\": ", i ? "," : "",
                    rnn_cell_name(d->cell), d->T, d->B, d->I, d->H, d->L,
                    d->bi ? "true" : "false", d->primitives, d->passed ? "true" : "false");
            rnn_json_number(f, d->fwd_frac);
            fprintf(f, ", \"backward_fraction\": ");
            rnn_json_number(f, d->bwd_frac);
            fprintf(f, ", \"error\": ");
            rnn_json_string(f, d->error);
            fprintf(f, "}");
        }
        fprintf(f, "\n  ],\n  \"golden\": {\"match\": %d, \"missing\": %d, \"mismatch\": %d, "
                "\"kernels_checked\": %d, \"kernels_mismatch\": %d},\n",
                r->golden_ok, r->golden_missing, r->golden_mismatch, r->kernels_checked,
                r->kernels_mismatch);
        fprintf(f, "  \"wide_heads\": {\"cases\": %d, \"too_narrow\": %d, \"narrowest_span\": ",
                r->wide_cases, r->wide_bad);
        rnn_json_number(f, r->wide_cases ? r->wide_min_span : NAN);
        fprintf(f, "},\n  \"seconds\": %.3f,\n  \"passed\": %d,\n  \"failed\": %d\n}\n", seconds,
                r->passed, r->failed);
    }
}
