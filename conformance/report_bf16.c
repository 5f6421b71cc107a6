/* report_bf16.c — the bf16 cases in the runner's report (report_bf16.h): per
 * table and mode, the runs against the bf16 reference under the bf16
 * tolerance (judged); the tables that could not run them (counted, never
 * failed); on x86 whether the tables gave generic's bits (judged in
 * main.c); and per case
 * the plan's distance from the float32 reference (the data type's cost:
 * shown, not judged; docs/conformance.md §2.4). */
#include <math.h>
#include "json.h"
#include "report_bf16.h"

void conf_report_bf16_print(const conf_report *r)
{
    if (!r->bf16_cases)
        return;
    printf("\nbf16 cases vs the bf16 reference (%d cases; fraction = error / the bf16 tolerance "
           "of support/tolerance.h; < 1 passes):\n", r->bf16_cases);
    printf("  %-8s %-9s %6s %7s %8s  %-20s %s\n", "isa", "mode", "cases", "passed", "worst",
           "in tensor", "worst case");
    /* Fractions far below float32's: three significant digits, not four decimals. */
    for (int i = 0; i < r->nisa; i++) {
        const conf_isa_summary *s = &r->isa[i];
        if (!s->run)
            continue;
        int any = 0;
        for (int m = 0; m < CONF_MODE_COUNT; m++) {
            const conf_mode_summary *ms = &s->bf16[m];
            if (!ms->run)
                continue;
            any = 1;
            printf("  %-8s %-9s %6d %7d %8.3g  %-20s %s\n", rnn_isa_name(s->isa),
                   conf_mode_name((conf_mode)m), ms->cases, ms->passed, ms->worst_frac,
                   ms->worst_tensor ? ms->worst_tensor : "-", ms->worst_case);
        }
        if (s->bf16_skipped)
            printf("  %-8s skipped %d bf16 runs: %s\n", rnn_isa_name(s->isa), s->bf16_skipped,
                   s->bf16_why);
        else if (!any)
            printf("  %-8s no bf16 run\n", rnn_isa_name(s->isa));
    }
    for (int i = 0; i < r->nisa; i++) {
        const conf_isa_summary *s = &r->isa[i];
        if (s->bf16_bits_compared)
            printf("  bf16 bits: %s gave generic's in %d of %d runs (x86: vdpbf16ps and its "
                   "emulation agree by contract; judged)\n", rnn_isa_name(s->isa),
                   s->bf16_bits_same, s->bf16_bits_compared);
    }
    if (!r->ne2e)
        return;
    printf("\nbf16 plans vs the float32 reference (the data type's cost, shown, not judged: "
           "||plan - ref_f32|| / ||ref_f32||, one table's threads1 run per case):\n");
    printf("  %-8s %9s %9s %9s %9s %-22s %s\n", "isa", "h", "logits", "loss", "grads",
           " (worst gradient)", "case");
    double worst_h = 0, worst_g = 0;
    for (int i = 0; i < r->ne2e; i++) {
        const conf_e2e_row *e = &r->e2e[i];
        printf("  %-8s %9.2e %9.2e %9.2e %9.2e  %-21s %s\n", rnn_isa_name(e->isa), e->h,
               e->logits, e->loss, e->grad, e->grad_tensor, e->line);
        worst_h = fmax(worst_h, e->h);
        worst_g = fmax(worst_g, e->grad);
    }
    printf("  (largest: h %.2e, a gradient %.2e; bf16 keeps 8 significant bits, 2^-9 = %.2e "
           "relative round-off)\n", worst_h, worst_g, ldexp(1.0, -9));
}

void conf_report_bf16_json(FILE *f, const conf_isa_summary *s)
{
    fprintf(f, ", \"bf16\": {\"skipped\": %d, \"why\": ", s->bf16_skipped);
    rnn_json_string(f, s->bf16_skipped ? s->bf16_why : "");
    fprintf(f, ", \"bits_compared\": %d, \"bits_same\": %d, \"modes\": {",
            s->bf16_bits_compared, s->bf16_bits_same);
    int first = 1;
    for (int m = 0; m < CONF_MODE_COUNT; m++) {
        const conf_mode_summary *ms = &s->bf16[m];
        if (!ms->run)
            continue;
        fprintf(f, "%s\"%s\": {\"cases\": %d, \"passed\": %d, \"worst_fraction\": ",
                first ? "" : ", ", conf_mode_name((conf_mode)m), ms->cases, ms->passed);
        rnn_json_number(f, ms->worst_frac);
        fprintf(f, ", \"worst_tensor\": ");
        rnn_json_string(f, ms->worst_tensor ? ms->worst_tensor : "");
        fprintf(f, ", \"worst_case\": ");
        rnn_json_string(f, ms->worst_case);
        fprintf(f, "}");
        first = 0;
    }
    fprintf(f, "}}");
}
