/* report.c — see report.h. */
#include <math.h>
#include <string.h>
#include "report.h"

void conf_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void conf_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f); /* JSON has no infinity or NaN */
}

static int tensor_index(conf_report *r, const char *name)
{
    for (int i = 0; i < r->ntensor; i++)
        if (strcmp(r->tensor[i], name) == 0)
            return i;
    if (r->ntensor == CONF_MAX_TENSOR_NAMES)
        return -1;
    r->tensor[r->ntensor] = name;
    return r->ntensor++;
}

void conf_report_isa_result(conf_report *r, conf_isa_summary *s, const char *line,
                            const conf_isa_result *res)
{
    s->cases++;
    s->passed += res->passed;
    s->seconds += res->seconds;
    if (!(res->worst_frac <= s->worst_frac) && res->nchecks) {
        s->worst_frac = res->worst_frac;
        s->worst_tensor = res->worst_tensor;
        snprintf(s->worst_case, sizeof s->worst_case, "%s", line);
    }
    for (int i = 0; i < res->nchecks; i++) {
        int k = tensor_index(r, res->checks[i].tensor);
        if (k >= 0 && !(res->checks[i].frac <= s->tensor_worst[k]))
            s->tensor_worst[k] = res->checks[i].frac;
    }
    for (int i = 0; i < res->ncontrols; i++) {
        if (!res->controls[i].applicable)
            s->controls_na++;
        else {
            s->controls_applied++;
            s->controls_caught += res->controls[i].caught;
        }
    }
}

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
        printf("  %-8s T%-3d B%-3d I%-3d H%-3d ", rnn_cell_name(d->cell), d->T, d->B, d->I, d->H);
        if (!d->ran) {
            printf("FAILED: %s\n", d->error);
            continue;
        }
        printf("forward %.3f (%s)  backward %.3f (%s)  %s%s%s\n", d->fwd_frac, d->worst_fwd,
               d->bwd_frac, d->worst_bwd, d->passed ? "ok" : "FAILED: ", d->passed ? "" : d->error,
               "");
    }
}

void conf_report_finish(conf_report *r, const conf_regime_cache *regimes,
                        const conf_onednn_result *dn, int ndn, double seconds)
{
    printf("\nKernel tables vs the reference (fraction = error / tolerance of core/tolerance.h; "
           "< 1 passes):\n");
    printf("  %-8s %6s %7s %8s  %-22s %s\n", "isa", "cases", "passed", "worst", "in tensor",
           "worst case");
    for (int i = 0; i < r->nisa; i++) {
        const conf_isa_summary *s = &r->isa[i];
        if (!s->run) {
            printf("  %-8s skipped: %s\n", rnn_isa_name(s->isa), s->reason);
            continue;
        }
        printf("  %-8s %6d %7d %8.4f  %-22s %s\n", rnn_isa_name(s->isa), s->cases, s->passed,
               s->worst_frac, s->worst_tensor ? s->worst_tensor : "-", s->worst_case);
    }
    int any_run = 0;
    for (int i = 0; i < r->nisa; i++)
        any_run |= r->isa[i].run && r->isa[i].cases;
    if (any_run) {
        printf("\nWorst fraction per ISA and tensor:\n  %-20s", "tensor");
        for (int i = 0; i < r->nisa; i++)
            if (r->isa[i].run)
                printf(" %9s", rnn_isa_name(r->isa[i].isa));
        printf("\n");
        for (int k = 0; k < r->ntensor; k++) {
            printf("  %-20s", r->tensor[k]);
            for (int i = 0; i < r->nisa; i++)
                if (r->isa[i].run)
                    printf(" %9.4f", r->isa[i].tensor_worst[k]);
            printf("\n");
        }
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
        fprintf(f, "\n  ],\n  \"isas\": [");
        for (int i = 0; i < r->nisa; i++) {
            const conf_isa_summary *s = &r->isa[i];
            fprintf(f, "%s\n    {\"isa\": ", i ? "," : "");
            conf_json_string(f, rnn_isa_name(s->isa));
            if (!s->run) {
                fprintf(f, ", \"run\": false, \"reason\": ");
                conf_json_string(f, s->reason);
                fprintf(f, "}");
                continue;
            }
            fprintf(f, ", \"run\": true, \"cases\": %d, \"passed\": %d, \"worst_fraction\": ",
                    s->cases, s->passed);
            conf_json_number(f, s->worst_frac);
            fprintf(f, ", \"worst_tensor\": ");
            conf_json_string(f, s->worst_tensor ? s->worst_tensor : "");
            fprintf(f, ", \"worst_case\": ");
            conf_json_string(f, s->worst_case);
            fprintf(f, ", \"controls\": {\"applied\": %d, \"caught\": %d, \"not_applicable\": %d}",
                    s->controls_applied, s->controls_caught, s->controls_na);
            fprintf(f, ", \"seconds\": %.3f, \"tensor_worst_fraction\": {", s->seconds);
            for (int k = 0; k < r->ntensor; k++) {
                fprintf(f, "%s", k ? ", " : "");
                conf_json_string(f, r->tensor[k]);
                fprintf(f, ": ");
                conf_json_number(f, s->tensor_worst[k]);
            }
            fprintf(f, "}}");
        }
        fprintf(f, "\n  ],\n  \"regimes\": [");
        for (size_t i = 0; regimes && i < regimes->n; i++) {
            const conf_regime_block *b = &regimes->b[i];
            fprintf(f, "%s\n    {\"H\": %zu, \"rho\": %g, \"seed\": %llu, \"stream\": %llu, "
                    "\"sigma_max\": ", i ? "," : "", b->H, b->rho, (unsigned long long)b->seed,
                    (unsigned long long)b->stream);
            conf_json_number(f, b->sigma_max);
            fprintf(f, ", \"spectral_radius\": ");
            conf_json_number(f, b->radius);
            fprintf(f, ", \"as_claimed\": %s, \"seconds\": %.3f}", conf_regime_ok(b) ? "true" : "false",
                    b->seconds);
        }
        fprintf(f, "\n  ],\n  \"onednn\": [");
        for (int i = 0; dn && i < ndn; i++) {
            const conf_onednn_result *d = &dn[i];
            fprintf(f, "%s\n    {\"cell\": \"%s\", \"T\": %d, \"B\": %d, \"I\": %d, \"H\": %d, "
                    "\"passed\": %s, \"forward_fraction\": ", i ? "," : "",
                    rnn_cell_name(d->cell), d->T, d->B, d->I, d->H, d->passed ? "true" : "false");
            conf_json_number(f, d->fwd_frac);
            fprintf(f, ", \"backward_fraction\": ");
            conf_json_number(f, d->bwd_frac);
            fprintf(f, ", \"error\": ");
            conf_json_string(f, d->error);
            fprintf(f, "}");
        }
        fprintf(f, "\n  ],\n  \"golden\": {\"match\": %d, \"missing\": %d, \"mismatch\": %d},\n",
                r->golden_ok, r->golden_missing, r->golden_mismatch);
        fprintf(f, "  \"seconds\": %.3f,\n  \"passed\": %d,\n  \"failed\": %d\n}\n", seconds,
                r->passed, r->failed);
        fclose(f);
        r->json = NULL;
    }
}
