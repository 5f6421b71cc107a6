/* plan_spec.c — the problem of `rnnsimd info --plan SPEC` and `rnnsimd
 * profile SPEC`, named as the conformance case lines name one, without the
 * data's fields:
 *     CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>]
 * e.g. lstm:many2one:T64:B1:I512:H512 (V defaults to 1). To appears
 * exactly for seq2seq. The plan it makes has synthetic weights (U(-k, k),
 * k = 1/sqrt(H), a fixed seed): tuning only looks at shapes, and timing
 * only at shapes and the data type. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools.h"

/* A positive count after prefix pre in f (e.g. "T64"); 0 if not one. */
static int count(const char *f, const char *pre, int64_t *out)
{
    const size_t n = strlen(pre);
    if (strncmp(f, pre, n) != 0 || !f[n] || (f[n] == '0'))
        return 0;
    int64_t v = 0;
    for (const char *c = f + n; *c; c++) {
        if (*c < '0' || *c > '9' || v > 100000000)
            return 0;
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return v >= 1;
}

int plan_spec_parse(const char *spec, const char *what, rnn_desc *d, char *err, size_t errlen)
{
    static const char layout[] = "CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>]";
    char buf[256];
    memset(d, 0, sizeof *d);
    d->V = 1;
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, errlen, "%s '%.40s...': too long; expected %s", what, spec, layout);
        return -1;
    }
    strcpy(buf, spec);
    char *f[12];
    int n = 0;
    for (char *s = buf; n < 12;) {
        f[n++] = s;
        char *c = strchr(s, ':');
        if (!c)
            break;
        *c = '\0';
        s = c + 1;
    }
    int i = 0;
    const char *want = NULL;
    if (n < 2 || rnn_cell_parse(f[0], &d->cell) != RNN_OK)
        want = "a cell first (rnn_tanh, lstm, gru, lbr_gru)";
    else if (rnn_topology_parse(f[1], &d->topology) != RNN_OK)
        want = "a topology second (one2one, one2many, many2one, seq2seq, many2many)";
    if (!want) {
        i = 2;
        const int s2s = d->topology == RNN_SEQ2SEQ;
        if (i >= n || !count(f[i++], "T", &d->T) || (f[i - 1][1] == 'o'))
            want = "T<steps> after the topology";
        else if (s2s && (i >= n || !count(f[i++], "To", &d->T_out)))
            want = "To<decoder steps> after T (seq2seq)";
        else if (i >= n || !count(f[i++], "B", &d->B))
            want = "B<batch>";
        else if (i >= n || !count(f[i++], "I", &d->I))
            want = "I<input size>";
        else if (i >= n || !count(f[i++], "H", &d->H))
            want = "H<hidden size>";
    }
    if (!want && i < n && f[i][0] == 'L' && !count(f[i++], "L", &d->L))
        want = "L<layers>";
    if (!want && i < n && strcmp(f[i], "bi") == 0) {
        d->bidirectional = 1;
        i++;
    }
    if (!want && i < n && !count(f[i++], "V", &d->V))
        want = "V<classes> or nothing";
    if (!want && i < n)
        want = "nothing more";
    if (want) {
        snprintf(err, errlen, "%s '%s': expected %s (%s)", what, spec, want, layout);
        return -1;
    }
    const char *why = rnn_desc_problem(d);
    if (why) {
        snprintf(err, errlen, "%s '%s': %s", what, spec, why);
        return -1;
    }
    return 0;
}

rnn_status plan_spec_create(rnn_plan **plan, const rnn_desc *d, const rnn_plan_options *opt,
                            int head)
{
    rnn_sizes s;
    rnn_status st = rnn_desc_check(d, &s);
    if (st != RNN_OK)
        return st;
    /* One weight block per cell, the largest cell's size each (layer 0's
     * weight_ih may be the wider or the narrower). */
    const size_t wih = s.weight_ih > s.weight_ih_upper ? s.weight_ih : s.weight_ih_upper;
    const size_t per = wih + s.weight_hh + 2 * s.bias;
    const size_t cells = s.cells + (d->topology == RNN_SEQ2SEQ ? s.layers : 0);
    const size_t n = cells * per + (head ? s.W_hy + s.b_y : 0);
    float *w = malloc(n * sizeof *w);
    rnn_cell_weights *cw = calloc(cells, sizeof *cw);
    if (!w || !cw) {
        free(w);
        free(cw);
        return RNN_ERR_NOMEM;
    }
    const float k = (float)(1.0 / sqrt((double)d->H));
    rnn_fill_uniform(w, n, 1, 1, -k, k);
    for (size_t c = 0; c < cells; c++) {
        float *q = w + c * per;
        cw[c] = (rnn_cell_weights){q, q + wih, q + wih + s.weight_hh,
                                   q + wih + s.weight_hh + s.bias};
    }
    const float *hy = head ? w + cells * per : NULL;
    rnn_params p = {cw[0], d->topology == RNN_SEQ2SEQ ? cw[s.cells] : cw[0], hy,
                    hy ? hy + s.W_hy : NULL, cw, d->topology == RNN_SEQ2SEQ ? cw + s.cells : NULL};
    st = rnn_plan_create(plan, d, &p, opt);
    free(w);
    free(cw);
    return st;
}

int plan_spec_options(const char *cmd, const char *what, const char *spec, const char *tune,
                      int64_t threads, const char *isa_s, const char *dtype_s, rnn_desc *d,
                      rnn_plan_options *o)
{
    char err[512];
    if (plan_spec_parse(spec, what, d, err, sizeof err)) {
        fprintf(stderr, "rnnsimd %s: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    *o = (rnn_plan_options){.isa = RNN_ISA_AUTO, .threads = (int)threads};
    if (dtype_s && rnn_dtype_parse(dtype_s, &o->dtype) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: unknown --dtype '%s'; expected f32 or bf16\n", cmd, dtype_s);
        return EXIT_USAGE;
    }
    if (tune && strcmp(tune, "measure") == 0) {
        o->tuning = RNN_TUNE_MEASURE;
    } else if (tune && strcmp(tune, "estimate") != 0) {
        fprintf(stderr, "rnnsimd %s: --tune '%s': expected estimate or measure\n", cmd, tune);
        return EXIT_USAGE;
    }
    if (isa_s) {
        int ref = 0;
        int r = parse_isa_option(cmd, isa_s, &ref, &o->isa);
        if (!r && ref) {
            fprintf(stderr, "rnnsimd %s: --isa reference: the reference has no plan\n", cmd);
            r = EXIT_USAGE;
        }
        return r;
    }
    return 0;
}
