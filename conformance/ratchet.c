/* ratchet.c — reading and writing the ratchet file (format in ratchet.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file_io.h"
#include "ratchet.h"

const char *conf_arch(void)
{
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "other";
#endif
}

double conf_ratchet_budget(double measured)
{
    /* Rounded up to 4 decimals, so the written text is the budget. */
    double b = ceil(CONF_RATCHET_MARGIN * measured * 1e4) / 1e4;
    return b > CONF_RATCHET_FLOOR ? b : CONF_RATCHET_FLOOR;
}

static int same_key(const conf_ratchet_entry *e, const char *selection, const char *arch,
                    const char *table, const char *tensor)
{
    return !strcmp(e->selection, selection) && !strcmp(e->arch, arch) &&
           !strcmp(e->table, table) && (!tensor || !strcmp(e->tensor, tensor));
}

const conf_ratchet_entry *conf_ratchet_find(const conf_ratchet *r, const char *selection,
                                            const char *arch, const char *table,
                                            const char *tensor)
{
    for (size_t i = 0; i < r->n; i++)
        if (same_key(&r->e[i], selection, arch, table, tensor))
            return &r->e[i];
    return NULL;
}

rnn_status conf_ratchet_put(conf_ratchet *r, const conf_ratchet_entry *e)
{
    conf_ratchet_entry *old =
        (conf_ratchet_entry *)conf_ratchet_find(r, e->selection, e->arch, e->table, e->tensor);
    if (old) {
        *old = *e;
        return RNN_OK;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 128;
        conf_ratchet_entry *ne = realloc(r->e, cap * sizeof *ne);
        if (!ne)
            return RNN_ERR_NOMEM;
        r->e = ne;
        r->cap = cap;
    }
    r->e[r->n++] = *e;
    return RNN_OK;
}

void conf_ratchet_drop(conf_ratchet *r, const char *selection, const char *arch,
                       const char *table)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!same_key(&r->e[i], selection, arch, table, NULL))
            r->e[k++] = r->e[i];
    r->n = k;
}

void conf_ratchet_free(conf_ratchet *r)
{
    free(r->e);
    memset(r, 0, sizeof *r);
}

/* A fraction as written: digits, one '.', digits; finite and >= 0. */
static int parse_fraction(const char *s, double *out)
{
    const char *p = s;
    int digits = 0, dot = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dot)
            dot = 1;
        else
            return 0;
    }
    if (!digits)
        return 0;
    errno = 0;
    double v = strtod(s, NULL);
    if (errno || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int copy_word(char *dst, size_t cap, const char *src)
{
    if (!*src || strlen(src) >= cap)
        return 0;
    strcpy(dst, src);
    return 1;
}

rnn_status conf_ratchet_load(const char *path, conf_ratchet *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    FILE *f;
    char why[512];
    if (rnn_open_regular(path, "r", &f, why, sizeof why) != RNN_OK) {
        snprintf(err, errlen, "%s (the ratchet file; `make ratchet` writes it)", why);
        return RNN_ERR_IO;
    }
    char buf[512];
    int lineno = 0;
    rnn_status s = RNN_OK;
    while (s == RNN_OK && fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0 || buf[0] == '#')
            continue;
        char *w[7];
        int n = 0;
        for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t"))
            if (n < 7)
                w[n++] = tok;
        conf_ratchet_entry e;
        memset(&e, 0, sizeof e);
        const char *bad = NULL;
        if (n != 6)
            bad = "expected 6 fields: SELECTION ARCH TABLE TENSOR budget=<x> measured=<x>";
        else if (strcmp(w[0], "full") && strcmp(w[0], "quick"))
            bad = "SELECTION must be full or quick";
        else if (!copy_word(e.selection, sizeof e.selection, w[0]) ||
                 !copy_word(e.arch, sizeof e.arch, w[1]) ||
                 !copy_word(e.table, sizeof e.table, w[2]) ||
                 !copy_word(e.tensor, sizeof e.tensor, w[3]))
            bad = "a name too long";
        else if (strncmp(w[4], "budget=", 7) || !parse_fraction(w[4] + 7, &e.budget))
            bad = "field 5: expected budget=<a fraction like 0.0868>";
        else if (strncmp(w[5], "measured=", 9) || !parse_fraction(w[5] + 9, &e.measured))
            bad = "field 6: expected measured=<a fraction like 0.0694>";
        else if (conf_ratchet_find(r, e.selection, e.arch, e.table, e.tensor))
            bad = "this selection, architecture, table and tensor appear twice";
        if (bad) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, bad);
            s = RNN_ERR_FORMAT;
        } else {
            s = conf_ratchet_put(r, &e);
        }
    }
    if (s == RNN_OK && ferror(f)) {
        /* errno is the failed read's (EISDIR for a directory, which fopen opens). */
        snprintf(err, errlen, "%s: cannot read the ratchet file: %s", path, strerror(errno));
        s = RNN_ERR_IO;
    }
    fclose(f);
    if (s != RNN_OK)
        conf_ratchet_free(r);
    return s;
}

static int by_key(const void *a, const void *b)
{
    const conf_ratchet_entry *x = a, *y = b;
    int c = strcmp(x->selection, y->selection);
    if (!c)
        c = strcmp(x->arch, y->arch);
    if (!c)
        c = strcmp(x->table, y->table);
    if (!c)
        c = strcmp(x->tensor, y->tensor);
    return c;
}

rnn_status conf_ratchet_save(const char *path, const conf_ratchet *r, char *err, size_t errlen)
{
    conf_ratchet_entry *sorted = malloc((r->n ? r->n : 1) * sizeof *sorted);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!sorted || !f) {
        free(sorted);
        if (f)
            fclose(f);
        free(text);
        snprintf(err, errlen, "%s: out of memory", path);
        return RNN_ERR_NOMEM;
    }
    memcpy(sorted, r->e, r->n * sizeof *sorted);
    qsort(sorted, r->n, sizeof *sorted, by_key);
    fprintf(f,
            "# rnnsimd conformance ratchet: written by `make ratchet`, never by hand.\n"
            "# Per selection (full matrix or quick subset), architecture, kernel table and\n"
            "# tensor: the worst fraction of tolerance over the selection and every mode\n"
            "# (measured) and the most the runner accepts (budget = %.2f x measured, at\n"
            "# least %.3f). Format: conformance/ratchet.h.\n",
            CONF_RATCHET_MARGIN, CONF_RATCHET_FLOOR);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%s %s %s %s budget=%.4f measured=%.4f\n", sorted[i].selection,
                sorted[i].arch, sorted[i].table, sorted[i].tensor, sorted[i].budget,
                sorted[i].measured);
    free(sorted);
    if (fclose(f) != 0) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", path);
        return RNN_ERR_NOMEM;
    }
    rnn_status s = rnn_write_file_atomic(path, text, len, err, errlen);
    free(text);
    return s;
}
