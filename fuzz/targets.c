/* targets.c — the fuzz targets of targets.h. Each returns the first broken
 * property as a sentence; the parsers' own memory safety is checked by the
 * sanitizers the target is built with. Static names carry a fz_ prefix:
 * tests/test_fuzz_replay.c compiles this file together with the parsers'
 * sources, whose static names it must not collide with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>
#include "targets.h"
#include "npy.h"
#include "../conformance/case.h"
#include "../conformance/golden.h"
#include "../examples/charlm/charlm.h"

/* ---- .npy: the in-memory parser and the file reader, side by side ---- */

/* One memfd for the process, rewritten per input: a real file for
 * rnn_npy_read without touching the disk. */
static int fz_memfd = -1;
static char fz_memfd_path[64];

static const char *fz_npy_file(const uint8_t *data, size_t size)
{
    if (fz_memfd < 0) {
        fz_memfd = memfd_create("fuzz.npy", 0);
        if (fz_memfd < 0)
            return "memfd_create failed (the harness, not the parser)";
        snprintf(fz_memfd_path, sizeof fz_memfd_path, "/proc/self/fd/%d", fz_memfd);
    }
    if (ftruncate(fz_memfd, 0) != 0 ||
        (size && pwrite(fz_memfd, data, size, 0) != (ssize_t)size))
        return "could not write the memfd (the harness, not the parser)";
    return NULL;
}

const char *fuzz_npy(const uint8_t *data, size_t size)
{
    const char *why = fz_npy_file(data, size);
    if (why)
        return why;
    const char *name = fz_memfd_path;
    char e_mem[600] = "", e_file[600] = "";
    rnn_npy a, b;
    rnn_status s_mem = rnn_npy_parse(name, data, size, &a, e_mem, sizeof e_mem);
    rnn_status s_file = rnn_npy_read(name, &b, e_file, sizeof e_file);
    why = NULL;
    if (s_mem != s_file)
        why = "rnn_npy_parse and rnn_npy_read disagree on the status";
    else if (s_mem != RNN_OK) {
        if (s_mem != RNN_ERR_FORMAT)
            why = "a malformed file gave a status other than RNN_ERR_FORMAT";
        else if (strcmp(e_mem, e_file) != 0)
            why = "rnn_npy_parse and rnn_npy_read give different messages";
        else if (!strstr(e_mem, name))
            why = "the message does not name the file";
        else if (a.data || b.data)
            why = "a refused file left memory in the result";
    } else {
        size_t count = 1;
        for (int i = 0; i < a.rank; i++)
            count *= (size_t)a.shape[i];
        char small[8];
        rnn_npy_shape_str(a.rank, a.shape, small, sizeof small); /* truncates safely */
        char e[600];
        if (a.rank < 0 || a.rank > RNN_NPY_MAX_RANK)
            why = "accepted rank out of range";
        else if (a.count != count)
            why = "count is not the product of the shape";
        else if (!a.data || !b.data)
            why = "an accepted file has no data buffer";
        else if (a.dtype != b.dtype || a.rank != b.rank || a.count != b.count ||
                 memcmp(a.shape, b.shape, sizeof a.shape[0] * (size_t)a.rank) != 0)
            why = "rnn_npy_parse and rnn_npy_read disagree on dtype or shape";
        else if (memcmp(a.data, b.data, a.count * 4) != 0)
            why = "rnn_npy_parse and rnn_npy_read decode different data";
        else if (rnn_npy_expect(&a, "x.npy", a.dtype, a.rank, a.shape, NULL, e, sizeof e) !=
                 RNN_OK)
            why = "rnn_npy_expect refuses the file's own shape";
        else if (size < 10 + count * 4)
            why = "accepted more data than the file holds";
    }
    if (s_mem == RNN_OK)
        rnn_npy_free(&a);
    if (s_file == RNN_OK)
        rnn_npy_free(&b);
    return why;
}

/* ---- golden files ---- */

static int fz_same_entries(const conf_golden *x, const conf_golden *y)
{
    if (x->n != y->n)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->e[i].line, y->e[i].line) != 0 || x->e[i].inputs != y->e[i].inputs ||
            x->e[i].forward != y->e[i].forward || x->e[i].gradients != y->e[i].gradients ||
            x->e[i].has_kernels != y->e[i].has_kernels ||
            (x->e[i].has_kernels && x->e[i].kernels != y->e[i].kernels))
            return 0;
    return 1;
}

const char *fuzz_golden(const uint8_t *data, size_t size)
{
    conf_golden g;
    char err[800] = "";
    rnn_status s = conf_golden_parse("fuzz.golden", (const char *)data, size, &g, err, sizeof err);
    if (s != RNN_OK) {
        if (s != RNN_ERR_FORMAT && s != RNN_ERR_NOMEM)
            return "a malformed golden file gave a status other than RNN_ERR_FORMAT";
        if (!strstr(err, "fuzz.golden"))
            return "the message does not name the file";
        if (g.e || g.n)
            return "a refused golden file left entries behind";
        return NULL;
    }
    const char *why = NULL;
    /* Printed back the way conf_golden_save writes it. */
    size_t cap = 64 + g.n * (CONF_CASE_LINE_MAX + 128);
    char *text = malloc(cap);
    size_t used = 0;
    if (!text)
        why = "out of memory (the harness)";
    for (size_t i = 0; !why && i < g.n; i++) {
        conf_case c;
        char cerr[600], canon[CONF_CASE_LINE_MAX];
        if (conf_case_parse(g.e[i].line, &c, cerr, sizeof cerr) != RNN_OK) {
            why = "an accepted entry's case line does not parse";
            break;
        }
        conf_case_print(&c, canon, sizeof canon);
        if (strcmp(canon, g.e[i].line) != 0)
            why = "an accepted entry's case line is not canonical";
        for (size_t j = 0; !why && j < i; j++)
            if (strcmp(g.e[j].line, g.e[i].line) == 0)
                why = "an accepted golden file has a case twice";
        used += (size_t)snprintf(text + used, cap - used,
                                 "%s inputs=%016llx forward=%016llx gradients=%016llx",
                                 g.e[i].line, (unsigned long long)g.e[i].inputs,
                                 (unsigned long long)g.e[i].forward,
                                 (unsigned long long)g.e[i].gradients);
        if (g.e[i].has_kernels)
            used += (size_t)snprintf(text + used, cap - used, " kernels=%016llx",
                                     (unsigned long long)g.e[i].kernels);
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    if (!why) {
        conf_golden g2;
        char err2[800] = "";
        if (conf_golden_parse("again.golden", text, used, &g2, err2, sizeof err2) != RNN_OK)
            why = "the printed-back golden file does not parse";
        else if (!fz_same_entries(&g, &g2))
            why = "the printed-back golden file parses to other entries";
        conf_golden_free(&g2);
    }
    free(text);
    conf_golden_free(&g);
    return why;
}

/* ---- case lines ---- */

const char *fuzz_case(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return "out of memory (the harness)";
    memcpy(line, data, size);
    line[size] = '\0';
    conf_case c, c2;
    char err[800] = "", p1[CONF_CASE_LINE_MAX], p2[CONF_CASE_LINE_MAX];
    rnn_status s = conf_case_parse(line, &c, err, sizeof err);
    free(line);
    if (s != RNN_OK) {
        if (s != RNN_ERR_FORMAT && s != RNN_ERR_SIZE && s != RNN_ERR_OVERFLOW)
            return "a bad case line gave a status other than FORMAT, SIZE or OVERFLOW";
        return err[0] ? NULL : "a bad case line gave no message";
    }
    if (rnn_desc_check(&c.desc, NULL) != RNN_OK)
        return "an accepted case line describes an invalid problem";
    if (!(c.rho > 0 && c.rho <= 16))
        return "an accepted rho is outside (0, 16]";
    conf_case_print(&c, p1, sizeof p1);
    if (conf_case_parse(p1, &c2, err, sizeof err) != RNN_OK)
        return "the canonical print of an accepted line does not parse";
    if (!conf_case_equal(&c, &c2))
        return "the canonical print parses to another case";
    if ((unsigned)c.state >= CONF_STATE_COUNT || (c.state == CONF_STATE_C0_ZERO &&
                                                  c.desc.cell != RNN_LSTM))
        return "an accepted state kind does not fit the cell";
    if (c.wide_head && c.desc.V < 2)
        return "an accepted head=wide has fewer than 2 classes";
    conf_case_print(&c2, p2, sizeof p2);
    if (strcmp(p1, p2) != 0)
        return "printing is not a fixed point";
    return NULL;
}

/* ---- charlm model files ---- */

static const char *fz_model_once(const uint8_t *data, size_t size)
{
    charlm_model m;
    char err[600] = "";
    rnn_status s = charlm_model_parse(&m, "fuzz.model", data, size, err, sizeof err);
    if (s != RNN_OK) {
        if (s != RNN_ERR_FORMAT && s != RNN_ERR_NOMEM)
            return "a bad model file gave a status other than RNN_ERR_FORMAT";
        if (!strstr(err, "fuzz.model"))
            return "the message does not name the file";
        if (m.theta)
            return "a refused model file left weights behind";
        return NULL;
    }
    const char *why = NULL;
    charlm_layout at;
    charlm_layout_of(m.cell, m.H, m.V, &at);
    if ((unsigned)m.cell >= RNN_CELL_COUNT || m.H < 1 || m.H > CHARLM_MAX_HIDDEN || m.V < 1 ||
        m.V > 256)
        why = "an accepted model has a size out of range";
    else if (!m.theta || at.total != m.at.total)
        why = "an accepted model's weights do not match its layout";
    for (size_t i = 0; !why && i < m.at.total; i++)
        if (!isfinite(m.theta[i]))
            why = "an accepted model has a weight that is not finite";
    for (int64_t i = 1; !why && i < m.V; i++)
        if (m.vocab[i] <= m.vocab[i - 1])
            why = "an accepted model's vocabulary is not increasing";
    charlm_model_free(&m);
    return why;
}

const char *fuzz_charlm_model(const uint8_t *data, size_t size)
{
    const char *why = fz_model_once(data, size);
    if (why || size < 16)
        return why;
    /* The same bytes with a matching hash: past the hash check, the fields. */
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return "out of memory (the harness)";
    memcpy(fixed, data, size);
    uint64_t h = XXH3_64bits(fixed, size - 8);
    for (int i = 0; i < 8; i++)
        fixed[size - 8 + i] = (uint8_t)(h >> (8 * i));
    why = fz_model_once(fixed, size);
    free(fixed);
    return why;
}

const fuzz_target fuzz_targets[] = {
    {"npy", fuzz_npy},
    {"golden", fuzz_golden},
    {"case", fuzz_case},
    {"charlm_model", fuzz_charlm_model},
    {NULL, NULL},
};
