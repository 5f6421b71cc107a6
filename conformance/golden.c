/* golden.c — reading and writing the golden file (format in golden.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file_io.h"
#include "golden.h"

static int parse_hex64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char ch = s[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else
            return 0;
        v = v << 4 | d;
    }
    if (s[16] != '\0')
        return 0;
    *out = v;
    return 1;
}

const conf_golden_entry *conf_golden_find(const conf_golden *g, const char *line)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->e[i].line, line) == 0)
            return &g->e[i];
    return NULL;
}

rnn_status conf_golden_put(conf_golden *g, const conf_golden_entry *e)
{
    conf_golden_entry *old = (conf_golden_entry *)conf_golden_find(g, e->line);
    if (old) {
        *old = *e;
        return RNN_OK;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256;
        conf_golden_entry *ne = realloc(g->e, cap * sizeof *ne);
        if (!ne)
            return RNN_ERR_NOMEM;
        g->e = ne;
        g->cap = cap;
    }
    g->e[g->n++] = *e;
    return RNN_OK;
}

void conf_golden_remove(conf_golden *g, const char *line)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->e[i].line, line) == 0) {
            memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof *g->e);
            g->n--;
            return;
        }
}

void conf_golden_free(conf_golden *g)
{
    free(g->e);
    memset(g, 0, sizeof *g);
}

static rnn_status bad(char *err, size_t errlen, const char *path, int lineno, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s:%d: %s", path, lineno, what);
    return RNN_ERR_FORMAT;
}

/* The lines of f; path names it in messages. */
static rnn_status load_stream(FILE *f, const char *path, conf_golden *g, char *err, size_t errlen)
{
    char buf[1024], what[600];
    int lineno = 0;
    rnn_status s = RNN_OK;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            s = bad(err, errlen, path, lineno, "line too long");
            break;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0 || buf[0] == '#')
            continue;
        char *fields[6];
        int n = 0;
        for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t"))
            if (n < 6)
                fields[n++] = tok;
            else
                n = 7;
        if (n != 4 && n != 5) {
            s = bad(err, errlen, path, lineno,
                    "expected 5 fields (4 in the older format): CASE inputs=<16 hex> forward=<16 hex> gradients=<16 hex> "
                    "kernels=<16 hex>");
            break;
        }
        conf_case c;
        char perr[400], canon[CONF_CASE_LINE_MAX];
        if (conf_case_parse(fields[0], &c, perr, sizeof perr) != RNN_OK) {
            s = bad(err, errlen, path, lineno, perr);
            break;
        }
        conf_case_print(&c, canon, sizeof canon);
        if (strcmp(canon, fields[0]) != 0) {
            snprintf(what, sizeof what, "case '%s' is not canonical: write it '%s'", fields[0],
                     canon);
            s = bad(err, errlen, path, lineno, what);
            break;
        }
        conf_golden_entry e;
        memset(&e, 0, sizeof e);
        strcpy(e.line, canon);
        static const char *const keys[4] = {"inputs=", "forward=", "gradients=", "kernels="};
        uint64_t *dst[4] = {&e.inputs, &e.forward, &e.gradients, &e.kernels};
        e.has_kernels = n == 5;
        for (int k = 0; k < n - 1 && s == RNN_OK; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(fields[k + 1], keys[k], kl) != 0 || !parse_hex64(fields[k + 1] + kl, dst[k])) {
                snprintf(what, sizeof what, "field %d '%s': expected %s<16 lowercase hex digits>",
                         k + 2, fields[k + 1], keys[k]);
                s = bad(err, errlen, path, lineno, what);
            }
        }
        if (s != RNN_OK)
            break;
        if (conf_golden_find(g, e.line)) {
            snprintf(what, sizeof what, "case '%s' appears twice", e.line);
            s = bad(err, errlen, path, lineno, what);
            break;
        }
        if ((s = conf_golden_put(g, &e)) != RNN_OK) {
            if (err && errlen)
                snprintf(err, errlen, "%s:%d: out of memory reading the golden file", path, lineno);
            break;
        }
    }
    if (s == RNN_OK && ferror(f)) {
        /* errno is the failed read's (EISDIR for a directory, which fopen opens). */
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot read the golden file: %s", path, strerror(errno));
        s = RNN_ERR_IO;
    }
    if (s != RNN_OK)
        conf_golden_free(g);
    return s;
}

rnn_status conf_golden_load(const char *path, conf_golden *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    FILE *f;
    char why[512];
    if (rnn_open_regular(path, "r", &f, why, sizeof why) != RNN_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s (the golden file; `make golden` creates it)", why);
        return RNN_ERR_IO;
    }
    rnn_status s = load_stream(f, path, g, err, errlen);
    fclose(f);
    return s;
}

rnn_status conf_golden_parse(const char *name, const char *text, size_t len, conf_golden *g,
                             char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    if (len == 0)
        return RNN_OK; /* fmemopen may refuse a zero size; no lines is an empty file */
    /* A read-only stream over the bytes, so memory and files share one parser. */
    FILE *f = fmemopen((void *)text, len, "r");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open a stream over %zu bytes", name, len);
        return RNN_ERR_NOMEM;
    }
    rnn_status s = load_stream(f, name, g, err, errlen);
    fclose(f);
    return s;
}

rnn_status conf_golden_save(const char *path, const conf_golden *g, char *err, size_t errlen)
{
    /* Atomically: an interrupted run leaves the old file whole. */
    rnn_atomic_file af;
    FILE *f = rnn_atomic_stream(&af, path, err, errlen);
    if (!f)
        return RNN_ERR_IO;
    fprintf(f, "# rnnsimd conformance golden hashes: written by `make golden`, never by hand.\n"
               "# CASE inputs=XXH3(generated tensors) forward=XXH3(reference outputs)"
               " gradients=XXH3(reference gradients)\n"
               "#      kernels=XXH3(the optimized outputs and gradients: one set of bits on every"
               " table)\n"
               "# Byte order and tensor order: conformance/golden.h and hash.h.\n"
               "# bf16 cases (:bf16) pin the bf16 reference only: no kernels= (bf16 is judged"
               " by its tolerance).\n");
    for (size_t i = 0; i < g->n; i++) {
        fprintf(f, "%s inputs=%016" PRIx64 " forward=%016" PRIx64 " gradients=%016" PRIx64,
                g->e[i].line, g->e[i].inputs, g->e[i].forward, g->e[i].gradients);
        if (g->e[i].has_kernels)
            fprintf(f, " kernels=%016" PRIx64, g->e[i].kernels);
        fprintf(f, "\n");
    }
    return rnn_atomic_commit(&af, path, err, errlen);
}
