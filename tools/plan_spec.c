/* plan_spec.c — the problem of `rnnsimd info --plan SPEC` and `rnnsimd
 * profile SPEC`, named as the conformance case lines name one, without the
 * data's fields:
 *     CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>]
 * e.g. lstm:many2one:T64:B1:I512:H512 (V defaults to 1). To appears
 * exactly for seq2seq. The plan it makes has synthetic weights (U(-k, k),
 * k = 1/sqrt(H), a fixed seed): tuning only looks at shapes, and timing
 * only at shapes and the data type. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools.h"

#define SPEC_FIELDS 12 /* at most 10 in a valid spec: room to name the extra one */

static const char layout[] = "CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>]";

/* The spec cut at ':' and the next field to read; messages go to err as
 * "<what> '<spec>': <what is wrong> (<layout>)". */
typedef struct {
    char *f[SPEC_FIELDS];
    int n, i;
    const char *what, *spec;
    char *err;
    size_t errlen;
} spec_reader;

static int spec_fail(spec_reader *r, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s '%s': %s (%s)", r->what, r->spec, msg, layout);
    return -1;
}

/* Whether field f is pre's (e.g. "T64", "T0", "T"; not "To3", which is To's). */
static int is_field(const char *f, const char *pre)
{
    const size_t n = strlen(pre);
    const char c = f[n];
    return strncmp(f, pre, n) == 0 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* A positive count after prefix pre in f (e.g. "T64"): 1..10^9, no leading
 * 0 or sign; 0 if not one. */
static int count(const char *f, const char *pre, int64_t *out)
{
    const char *c = f + strlen(pre);
    if (!*c || *c == '0' || strspn(c, "0123456789") != strlen(c) || strlen(c) > 9)
        return 0;
    *out = strtoll(c, NULL, 10);
    return 1;
}

/* The field pre<n> (name: "T<steps>"), which must come next, after field
 * `after` (the previous field's text). */
static int need_count(spec_reader *r, const char *pre, const char *name, int64_t *out)
{
    const char *after = r->f[r->i - 1];
    if (r->i >= r->n)
        return spec_fail(r, "expected %s after '%s', where the spec ends", name, after);
    const char *f = r->f[r->i];
    if (!is_field(f, pre))
        return spec_fail(r, "expected %s after '%s', got '%s'", name, after, f);
    if (!count(f, pre, out))
        return spec_fail(r, "'%s': %s needs a whole number from 1 to 999999999", f, name);
    r->i++;
    return 0;
}

static int read_cell_topology(spec_reader *r, rnn_desc *d)
{
    if (rnn_cell_parse(r->f[0], &d->cell) != RNN_OK)
        return spec_fail(r, "unknown cell '%s'; expected rnn_tanh, lstm, gru or lbr_gru first",
                         r->f[0]);
    if (r->n < 2)
        return spec_fail(r, "expected a topology (one2one, one2many, many2one, seq2seq, "
                            "many2many) after the cell '%s', where the spec ends",
                         r->f[0]);
    if (rnn_topology_parse(r->f[1], &d->topology) != RNN_OK)
        return spec_fail(r, "unknown topology '%s'; expected one2one, one2many, many2one, "
                            "seq2seq or many2many after the cell", r->f[1]);
    r->i = 2;
    return 0;
}

/* T[:To]:B:I:H, each required; To exactly for seq2seq. */
static int read_sizes(spec_reader *r, rnn_desc *d)
{
    if (need_count(r, "T", "T<steps>", &d->T))
        return -1;
    const int s2s = d->topology == RNN_SEQ2SEQ;
    if (!s2s && r->i < r->n && is_field(r->f[r->i], "To"))
        return spec_fail(r, "'%s': To<decoder steps> is for seq2seq only, not %s", r->f[r->i],
                         r->f[1]);
    if (s2s && need_count(r, "To", "To<decoder steps> (seq2seq)", &d->T_out))
        return -1;
    if (need_count(r, "B", "B<batch>", &d->B) || need_count(r, "I", "I<input size>", &d->I) ||
        need_count(r, "H", "H<hidden size>", &d->H))
        return -1;
    return 0;
}

/* [:L<n>][:bi][:V<n>], in this order, each at most once. */
static int read_optional(spec_reader *r, rnn_desc *d)
{
    /* What may still come at each stage: 0 after H, 1 after L, 2 after bi, 3 after V. */
    static const char *const may_follow[] = {"[:L<n>][:bi][:V<n>] may follow",
                                             "[:bi][:V<n>] may follow",
                                             "[:V<n>] may follow", "nothing may follow"};
    int stage = 0;
    for (; r->i < r->n; r->i++) {
        const char *f = r->f[r->i];
        const int next = is_field(f, "L") ? 1 : strcmp(f, "bi") == 0 ? 2 : is_field(f, "V") ? 3 : -1;
        if (next < 0)
            return spec_fail(r, "unexpected field '%s' after '%s': %s", f, r->f[r->i - 1],
                             may_follow[stage]);
        if (next <= stage)
            return spec_fail(r, "'%s' after '%s' is out of order or repeated: %s", f,
                             r->f[r->i - 1], may_follow[stage]);
        if (next == 1 && !count(f, "L", &d->L))
            return spec_fail(r, "'%s': L<layers> needs a whole number from 1 to 999999999", f);
        if (next == 3 && !count(f, "V", &d->V))
            return spec_fail(r, "'%s': V<classes> needs a whole number from 1 to 999999999", f);
        d->bidirectional |= next == 2;
        stage = next;
    }
    return 0;
}

int plan_spec_parse(const char *spec, const char *what, rnn_desc *d, char *err, size_t errlen)
{
    char buf[256];
    spec_reader r = {{NULL}, 0, 0, what, spec, err, errlen};
    memset(d, 0, sizeof *d);
    d->V = 1;
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, errlen, "%s '%.40s...': too long; expected %s", what, spec, layout);
        return -1;
    }
    if (!spec[0])
        return spec_fail(&r, "empty; expected a spec like lstm:many2one:T64:B1:I512:H512");
    strcpy(buf, spec);
    for (char *s = buf; r.n < SPEC_FIELDS;) {
        r.f[r.n++] = s;
        char *c = strchr(s, ':');
        if (!c)
            break;
        *c = '\0';
        s = c + 1;
    }
    if (read_cell_topology(&r, d) || read_sizes(&r, d) || read_optional(&r, d))
        return -1;
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
