/* case.c — parsing and canonical printing of case lines (see case.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "case.h"

/* Sizes beyond this are a typo, not a test: the reference is naive. */
#define SIZE_LIMIT 1000000

/* Splits line at ':' into at most max fields; returns the count (max + 1 if
 * there are too many). Fields point into buf. */
static int split(char *buf, char **field, int max)
{
    int n = 0;
    char *p = buf;
    for (;;) {
        if (n == max)
            return max + 1;
        field[n++] = p;
        char *colon = strchr(p, ':');
        if (!colon)
            return n;
        *colon = '\0';
        p = colon + 1;
    }
}

/* A positive decimal integer without sign, leading zeros or blanks. */
static int parse_count(const char *s, int64_t *out)
{
    if (!*s || (s[0] == '0' && s[1]) )
        return 0;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
        if (v > SIZE_LIMIT)
            return 0;
    }
    *out = v;
    return v >= 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static void print_rho(double v, char *buf, size_t len);

/* digits '.' digits, e.g. 1.0 or 0.75: one spelling per value keeps lines
 * canonical. */
static int parse_rho(const char *s, double *out)
{
    const char *p = s;
    if (!(*p >= '0' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p != '.')
        return 0;
    p++;
    if (!(*p >= '0' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p)
        return 0;
    errno = 0;
    double v = strtod(s, NULL);
    if (errno || !(v > 0) || v > 16)
        return 0;
    /* A value whose canonical print would read back as another (more
     * digits than print_rho writes) would name another case. */
    char canon[32];
    print_rho(v, canon, sizeof canon);
    if (strtod(canon, NULL) != v)
        return 0;
    *out = v;
    return 1;
}

/* The shortest "%.Nf" that reads back as v, at least one decimal. */
static void print_rho(double v, char *buf, size_t len)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, len, "%.*f", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static rnn_status fail(char *err, size_t errlen, const char *line, int index,
                       const char *field, const char *expected)
{
    if (err && errlen)
        snprintf(err, errlen, "case '%s': field %d '%s': expected %s", line, index + 1,
                 field, expected);
    return RNN_ERR_FORMAT;
}

/* The optional fields after seed, in the order they must appear. */
static const char *const state_names[CONF_STATE_COUNT] = {NULL, "mixed", "h0zero", "c0zero",
                                                          "none"};
static const char optional_layout[] =
    "state=mixed|h0zero|c0zero|none, head=wide, x=sat, bf16 (each at most once, in this "
    "order)";

/* Field f (index i) after seed; *order is the rank of the last optional
 * field seen (1 state, 2 head, 3 x, 4 bf16), so order and repeats are
 * enforced. */
static rnn_status parse_optional(const char *line, int i, const char *f, conf_case *c,
                                 int *order, char *err, size_t errlen)
{
    int rank = 0;
    if (strncmp(f, "state=", 6) == 0) {
        rank = 1;
        int k = 1;
        while (k < CONF_STATE_COUNT && strcmp(f + 6, state_names[k]) != 0)
            k++;
        if (k == CONF_STATE_COUNT)
            return fail(err, errlen, line, i, f,
                        "state=mixed, state=h0zero, state=c0zero or state=none (no field: "
                        "h0 and c0 non-zero in every row)");
        if (k == CONF_STATE_C0_ZERO && c->desc.cell != RNN_LSTM)
            return fail(err, errlen, line, i, f, "state=c0zero only for lstm (the other cells "
                                                 "have no c0)");
        c->state = (conf_state_kind)k;
    } else if (strncmp(f, "head=", 5) == 0) {
        rank = 2;
        if (strcmp(f + 5, "wide") != 0)
            return fail(err, errlen, line, i, f, "head=wide (no field: the ordinary head)");
        if (c->desc.V < 2)
            return fail(err, errlen, line, i, f, "head=wide only with V >= 2 (one class has "
                                                 "no span of logits)");
        c->wide_head = 1;
    } else if (strncmp(f, "x=", 2) == 0) {
        rank = 3;
        if (strcmp(f + 2, "sat") != 0)
            return fail(err, errlen, line, i, f, "x=sat (no field: the ordinary inputs)");
        c->x_sat = 1;
    } else if (strcmp(f, "bf16") == 0) {
        rank = 4;
        c->bf16 = 1;
    } else {
        char w[160];
        snprintf(w, sizeof w, "nothing more, or %s", optional_layout);
        return fail(err, errlen, line, i, f, w);
    }
    if (rank <= *order) {
        char w[160];
        snprintf(w, sizeof w, "%s", rank == *order ? "each optional field at most once"
                                                   : optional_layout);
        return fail(err, errlen, line, i, f, w);
    }
    *order = rank;
    return RNN_OK;
}

rnn_status conf_case_parse(const char *line, conf_case *out, char *err, size_t errlen)
{
    if (!line || !out)
        return RNN_ERR_NULL;
    char buf[CONF_CASE_LINE_MAX];
    if (strlen(line) >= sizeof buf) {
        if (err && errlen)
            snprintf(err, errlen, "case line of %zu characters: longer than %d", strlen(line),
                     CONF_CASE_LINE_MAX - 1);
        return RNN_ERR_FORMAT;
    }
    strcpy(buf, line);
    /* 10 fixed fields at most (seq2seq), 2 optional stack fields, then 3
     * optional kind fields and the data type. */
    enum { MAX_FIELDS = 16 };
    char *f[MAX_FIELDS + 1];
    int n = split(buf, f, MAX_FIELDS);

    conf_case c;
    memset(&c, 0, sizeof c);
    static const char layout[] =
        "CELL:TOPOLOGY:T<n>[:To<n> for seq2seq]:B<n>:I<n>:H<n>[:L<n>][:bi]:V<n>:rho<x.y>:seed<n>"
        "[:state=..][:head=wide][:x=sat][:bf16]";
    if (n < 1 || rnn_cell_parse(f[0], &c.desc.cell) != RNN_OK)
        return fail(err, errlen, line, 0, f[0], "a cell: rnn_tanh, lstm, gru or lbr_gru");
    if (n < 2)
        return fail(err, errlen, line, 1, "", "a topology after the cell");
    if (rnn_topology_parse(f[1], &c.desc.topology) != RNN_OK)
        return fail(err, errlen, line, 1, f[1],
                    "a topology: one2one, one2many, many2one, seq2seq or many2many");
    const int seq2seq = c.desc.topology == RNN_SEQ2SEQ;
    const int want = seq2seq ? 10 : 9;
    if (n < want) {
        /* Name the first field that is not what the layout wants there. */
        static const char *const prefix[] = {"T", "To", "B", "I", "H", "V", "rho", "seed"};
        static const char *const what[] = {"T<steps>", "To<decoder steps>", "B<batch>",
                                           "I<input size>", "H<hidden size>", "V<classes>",
                                           "rho<x.y>", "seed<n>"};
        for (int i = 2, k = 0; i < n; i++, k++) {
            if (k == 1 && !seq2seq)
                k++;
            if (strncmp(f[i], "To", 2) == 0 && k != 1) {
                char w[96];
                snprintf(w, sizeof w, "%s%s", what[k],
                         seq2seq ? "" : " (To<decoder steps> is for seq2seq only)");
                return fail(err, errlen, line, i, f[i], w);
            }
            int match = strncmp(f[i], prefix[k], strlen(prefix[k])) == 0 &&
                        !(k == 0 && f[i][1] == 'o');
            if (!match)
                return fail(err, errlen, line, i, f[i], what[k]);
        }
        if (err && errlen)
            snprintf(err, errlen, "case '%s': %d fields where %s has %d: %s", line, n,
                     rnn_topology_name(c.desc.topology), want, layout);
        return RNN_ERR_FORMAT;
    }
    if (n > want + 6) {
        if (err && errlen)
            snprintf(err, errlen, "case '%s': more than %d fields: %s", line, want + 6, layout);
        return RNN_ERR_FORMAT;
    }

    int i = 2;
    if (f[i][0] != 'T' || f[i][1] == 'o' || !parse_count(f[i] + 1, &c.desc.T))
        return fail(err, errlen, line, i, f[i], "T<steps>, a positive integer like T17");
    i++;
    if (seq2seq) {
        if (strncmp(f[i], "To", 2) != 0 || !parse_count(f[i] + 2, &c.desc.T_out))
            return fail(err, errlen, line, i, f[i],
                        "To<decoder steps>, a positive integer like To9 (seq2seq only)");
        i++;
    }
    struct { char letter; int64_t *dst; const char *what; } sizes[] = {
        {'B', &c.desc.B, "B<batch>, a positive integer like B3"},
        {'I', &c.desc.I, "I<input size>, a positive integer like I7"},
        {'H', &c.desc.H, "H<hidden size>, a positive integer like H33"},
        {'V', &c.desc.V, "V<classes>, a positive integer like V5"},
    };
    for (int k = 0; k < 4; k++, i++) {
        if (i >= n)
            return fail(err, errlen, line, i, "", sizes[k].what);
        if (f[i][0] == 'T' && f[i][1] == 'o')
            return fail(err, errlen, line, i, f[i],
                        "no To here: To<decoder steps> is for seq2seq only");
        if (k == 3 && f[i][0] == 'L') {
            /* The stack fields, between H and V (case.h). */
            char w[96];
            snprintf(w, sizeof w, "L<layers>, an integer from 2 to %d like L3 (no field: one "
                                  "layer)", CONF_MAX_LAYERS);
            if (!parse_count(f[i] + 1, &c.desc.L) || c.desc.L < 2 || c.desc.L > CONF_MAX_LAYERS)
                return fail(err, errlen, line, i, f[i], w);
            if (++i >= n)
                return fail(err, errlen, line, i, "", sizes[k].what);
        }
        if (k == 3 && strcmp(f[i], "bi") == 0) {
            c.desc.bidirectional = 1;
            if (++i >= n)
                return fail(err, errlen, line, i, "", sizes[k].what);
        }
        if (f[i][0] != sizes[k].letter || !parse_count(f[i] + 1, sizes[k].dst))
            return fail(err, errlen, line, i, f[i],
                        k == 3 ? "V<classes>, a positive integer like V5 (after the optional "
                                 "L<n> and bi)"
                               : sizes[k].what);
    }
    if (i >= n)
        return fail(err, errlen, line, i, "", "rho<x.y>");
    if (strncmp(f[i], "rho", 3) != 0 || !parse_rho(f[i] + 3, &c.rho))
        return fail(err, errlen, line, i, f[i],
                    "rho<x.y>, the recurrent weights' spectral radius in (0, 16], like rho1.0");
    i++;
    if (i >= n)
        return fail(err, errlen, line, i, "", "seed<n>");
    if (strncmp(f[i], "seed", 4) != 0 || !parse_u64(f[i] + 4, &c.seed))
        return fail(err, errlen, line, i, f[i], "seed<n>, an unsigned 64-bit integer like seed5");
    i++;
    for (int order = 0; i < n; i++) {
        rnn_status s = parse_optional(line, i, f[i], &c, &order, err, errlen);
        if (s != RNN_OK)
            return s;
    }

    if (c.desc.topology == RNN_ONE2ONE && c.desc.T != 1)
        return fail(err, errlen, line, 2, f[2], "T1: one2one runs exactly one step");
    rnn_status s = rnn_desc_check(&c.desc, NULL);
    if (s != RNN_OK) {
        if (err && errlen)
            snprintf(err, errlen, "case '%s': %s", line, rnn_strerror(s));
        return s;
    }
    *out = c;
    return RNN_OK;
}

void conf_case_print(const conf_case *c, char *buf, size_t len)
{
    char rho[32], to[32] = "", kind[64] = "", stack[32] = "";
    print_rho(c->rho, rho, sizeof rho);
    if (c->desc.topology == RNN_SEQ2SEQ)
        snprintf(to, sizeof to, ":To%" PRId64, c->desc.T_out);
    if (c->desc.L > 1)
        snprintf(stack, sizeof stack, ":L%" PRId64, c->desc.L);
    if (c->desc.bidirectional)
        strcat(stack, ":bi");
    if (c->state > CONF_STATE_RANDOM && c->state < CONF_STATE_COUNT)
        snprintf(kind, sizeof kind, ":state=%s", state_names[c->state]);
    if (c->wide_head)
        strcat(kind, ":head=wide");
    if (c->x_sat)
        strcat(kind, ":x=sat");
    if (c->bf16)
        strcat(kind, ":bf16");
    snprintf(buf, len, "%s:%s:T%" PRId64 "%s:B%" PRId64 ":I%" PRId64 ":H%" PRId64 "%s:V%" PRId64
             ":rho%s:seed%" PRIu64 "%s",
             rnn_cell_name(c->desc.cell), rnn_topology_name(c->desc.topology), c->desc.T, to,
             c->desc.B, c->desc.I, c->desc.H, stack, c->desc.V, rho, c->seed, kind);
}

int conf_case_equal(const conf_case *a, const conf_case *b)
{
    const rnn_desc *x = &a->desc, *y = &b->desc;
    return x->cell == y->cell && x->topology == y->topology && x->T == y->T &&
           x->T_out == y->T_out && x->B == y->B && x->I == y->I && x->H == y->H &&
           x->V == y->V && (x->L > 1 ? x->L : 1) == (y->L > 1 ? y->L : 1) &&
           x->bidirectional == y->bidirectional && a->rho == b->rho && a->seed == b->seed && a->state == b->state &&
           a->wide_head == b->wide_head && a->x_sat == b->x_sat && a->bf16 == b->bf16;
}
