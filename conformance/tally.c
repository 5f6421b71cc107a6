/* tally.c — see tally.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tally.h"

void conf_report_init(conf_report *r)
{
    for (int i = 0; i < RNN_ISA_COUNT; i++)
        for (int k = 0; k < CONF_MAX_TENSOR_NAMES; k++) {
            r->isa[i].tensor_worst[k] = r->isa[i].tensor_worst_quick[k] = -1.0;
            r->isa[i].budget[k] = r->isa[i].budget_quick[k] = NAN;
        }
    r->wide_min_span = INFINITY;
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

/* NaN (a check that could not compare) counts as the worst. */
static void raise_to(double *worst, double frac)
{
    if (!(frac <= *worst))
        *worst = isnan(frac) ? INFINITY : frac;
}

void conf_report_mode_add(conf_isa_summary *s, conf_mode_summary *ms, const char *line,
                          const conf_isa_result *res)
{
    ms->run = 1;
    ms->cases++;
    ms->passed += res->passed;
    ms->seconds += res->seconds;
    s->seconds += res->seconds;
    if (res->nchecks && (ms->cases == 1 || !(res->worst_frac <= ms->worst_frac))) {
        ms->worst_frac = res->worst_frac;
        ms->worst_tensor = res->worst_tensor;
        snprintf(ms->worst_case, sizeof ms->worst_case, "%s", line);
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

void conf_report_isa_result(conf_report *r, conf_isa_summary *s, conf_mode m, const char *line,
                            int quick, const conf_isa_result *res)
{
    conf_mode_summary *ms = &s->mode[m];
    conf_report_mode_add(s, ms, line, res);
    for (int i = 0; i < res->nchecks; i++) {
        int k = tensor_index(r, res->checks[i].tensor);
        if (k < 0)
            continue;
        raise_to(&s->tensor_worst[k], res->checks[i].frac);
        if (quick)
            raise_to(&s->tensor_worst_quick[k], res->checks[i].frac);
    }
}

void conf_report_bf16_result(conf_report *r, conf_isa_summary *s, conf_mode m, const char *line,
                             const conf_isa_result *res)
{
    (void)r;
    conf_report_mode_add(s, &s->bf16[m], line, res);
}

void conf_report_bf16_e2e(conf_report *r, const char *line, rnn_isa isa,
                          const conf_isa_result *res)
{
    if (!res->ne2e)
        return;
    if (r->ne2e == r->e2e_cap) {
        const int cap = r->e2e_cap ? 2 * r->e2e_cap : 64;
        conf_e2e_row *grown = realloc(r->e2e, (size_t)cap * sizeof *grown);
        if (!grown)
            return; /* shown, not judged: a row lost to memory is no failure */
        r->e2e = grown;
        r->e2e_cap = cap;
    }
    conf_e2e_row *row = &r->e2e[r->ne2e++];
    memset(row, 0, sizeof *row);
    snprintf(row->line, sizeof row->line, "%s", line);
    row->isa = isa;
    row->h = row->logits = row->loss = NAN;
    row->grad = -1;
    row->grad_tensor = "-";
    for (int i = 0; i < res->ne2e; i++) {
        const char *t = res->e2e_tensor[i];
        const double v = res->e2e_rel[i];
        if (!strcmp(t, "h"))
            row->h = v;
        else if (!strcmp(t, "logits"))
            row->logits = v;
        else if (!strcmp(t, "loss"))
            row->loss = v;
        else if (!strncmp(t, "grad.", 5) && !(v <= row->grad)) {
            row->grad = v;
            row->grad_tensor = t;
        }
    }
}

void conf_report_bf16_free(conf_report *r)
{
    free(r->e2e);
    r->e2e = NULL;
    r->ne2e = r->e2e_cap = 0;
}
