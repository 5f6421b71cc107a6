/* charlm_model.c — the model's parameter layout and its file: saved
 * atomically, little-endian, with a format version and a hash; on load every
 * field, the exact length and the hash are checked before anything is used. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "charlm.h"
#include "file_io.h"
#include "npy.h"

static const char model_magic[8] = {'R', 'N', 'N', 'S', 'C', 'H', 'L', 'M'};
#define HEADER_BYTES (8 + 4 * 4 + 8 + 4 + 4)

void charlm_layout_of(rnn_cell cell, int64_t H, int64_t V, charlm_layout *at)
{
    const size_t G = (size_t)rnn_cell_gates(cell), h = (size_t)H, v = (size_t)V;
    size_t o = 0;
    at->weight_ih = o, o += G * h * v; /* I = V: one-hot characters */
    at->weight_hh = o, o += G * h * h;
    at->bias_ih = o, o += G * h;
    at->bias_hh = o, o += G * h;
    at->W_hy = o, o += v * h;
    at->b_y = o, o += v;
    at->total = o;
}

rnn_status charlm_model_alloc(charlm_model *m, rnn_cell cell, int64_t H, int64_t V)
{
    memset(m, 0, sizeof *m);
    if ((unsigned)cell >= RNN_CELL_COUNT)
        return RNN_ERR_CELL;
    if (H < 1 || H > CHARLM_MAX_HIDDEN || V < 1 || V > 256)
        return RNN_ERR_SIZE;
    m->cell = cell;
    m->H = H;
    m->V = V;
    charlm_layout_of(cell, H, V, &m->at);
    m->theta = calloc(m->at.total, sizeof *m->theta);
    return m->theta ? RNN_OK : RNN_ERR_NOMEM;
}

void charlm_model_free(charlm_model *m)
{
    free(m->theta);
    m->theta = NULL;
}

rnn_params charlm_params(const charlm_model *m, const float *t)
{
    rnn_params p = {0};
    p.cell.weight_ih = t + m->at.weight_ih;
    p.cell.weight_hh = t + m->at.weight_hh;
    p.cell.bias_ih = t + m->at.bias_ih;
    p.cell.bias_hh = t + m->at.bias_hh;
    p.W_hy = t + m->at.W_hy;
    p.b_y = t + m->at.b_y;
    return p;
}

rnn_grads charlm_grads(const charlm_model *m, float *g)
{
    rnn_grads r = {0};
    r.cell.weight_ih = g + m->at.weight_ih;
    r.cell.weight_hh = g + m->at.weight_hh;
    r.cell.bias_ih = g + m->at.bias_ih;
    r.cell.bias_hh = g + m->at.bias_hh;
    r.W_hy = g + m->at.W_hy;
    r.b_y = g + m->at.b_y;
    return r;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static size_t vocab_bytes(int64_t V)
{
    return ((size_t)V + 3) / 4 * 4;
}

rnn_status charlm_model_save(const charlm_model *m, const char *path, char *err, size_t errlen)
{
    const size_t vb = vocab_bytes(m->V), len = HEADER_BYTES + vb + m->at.total * 4 + 8;
    unsigned char *buf = calloc(len, 1);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return RNN_ERR_NOMEM;
    }
    unsigned char *p = buf;
    memcpy(p, model_magic, 8), p += 8;
    put_u32(p, CHARLM_FORMAT_VERSION), p += 4;
    put_u32(p, (uint32_t)m->cell), p += 4;
    put_u32(p, (uint32_t)m->H), p += 4;
    put_u32(p, (uint32_t)m->V), p += 4;
    put_u64(p, m->steps), p += 8;
    uint32_t lb;
    memcpy(&lb, &m->loss, 4);
    put_u32(p, lb), p += 4;
    put_u32(p, 0), p += 4;
    memcpy(p, m->vocab, (size_t)m->V), p += vb;
    for (size_t i = 0; i < m->at.total; i++, p += 4) {
        uint32_t u;
        memcpy(&u, &m->theta[i], 4);
        put_u32(p, u);
    }
    put_u64(p, XXH3_64bits(buf, (size_t)(p - buf)));
    rnn_status st = rnn_write_file_atomic(path, buf, len, err, errlen);
    free(buf);
    return st;
}

rnn_status charlm_model_load(charlm_model *m, const char *path, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    unsigned char *buf;
    size_t len;
    rnn_status st = rnn_read_file(path, (size_t)1 << 32, &buf, &len, err, errlen);
    if (st != RNN_OK)
        return st;
    st = charlm_model_parse(m, path, buf, len, err, errlen);
    free(buf);
    return st;
}

rnn_status charlm_model_parse(charlm_model *m, const char *path, const unsigned char *buf,
                              size_t len, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    rnn_status st = RNN_ERR_FORMAT;
    if (len < 8 || memcmp(buf, model_magic, 8) != 0) {
        snprintf(err, errlen, "%s: not an rnnsimd charlm model (expected the magic RNNSCHLM)", path);
        goto fail;
    }
    if (len < HEADER_BYTES) {
        snprintf(err, errlen, "%s: truncated: %zu bytes, shorter than the %d-byte header", path,
                 len, HEADER_BYTES);
        goto fail;
    }
    uint32_t version = get_u32(buf + 8), cell = get_u32(buf + 12), H = get_u32(buf + 16),
             V = get_u32(buf + 20);
    if (version != CHARLM_FORMAT_VERSION) {
        snprintf(err, errlen, "%s: model format version %u; this build reads version %d", path,
                 version, CHARLM_FORMAT_VERSION);
        goto fail;
    }
    if (cell >= RNN_CELL_COUNT || H < 1 || H > CHARLM_MAX_HIDDEN || V < 1 || V > 256) {
        snprintf(err, errlen,
                 "%s: bad header: cell %u (expected 0..%d), H %u (1..%d), V %u (1..256)", path,
                 cell, RNN_CELL_COUNT - 1, H, CHARLM_MAX_HIDDEN, V);
        goto fail;
    }
    charlm_layout at;
    charlm_layout_of((rnn_cell)cell, H, V, &at);
    const size_t want = HEADER_BYTES + vocab_bytes(V) + at.total * 4 + 8;
    if (len != want) {
        snprintf(err, errlen, "%s: %s: %zu bytes, but a %s model with H %u and V %u takes %zu",
                 path, len < want ? "truncated" : "trailing bytes", len,
                 rnn_cell_name((rnn_cell)cell), H, V, want);
        goto fail;
    }
    if (get_u64(buf + len - 8) != XXH3_64bits(buf, len - 8)) {
        snprintf(err, errlen, "%s: damaged: the content hash does not match", path);
        goto fail;
    }
    if (get_u32(buf + 36) != 0) {
        snprintf(err, errlen, "%s: bad header: reserved field is not zero", path);
        goto fail;
    }
    const unsigned char *vocab = buf + HEADER_BYTES;
    for (uint32_t i = 1; i < V; i++)
        if (vocab[i] <= vocab[i - 1]) {
            snprintf(err, errlen, "%s: bad vocabulary: bytes not strictly increasing at %u", path, i);
            goto fail;
        }
    st = charlm_model_alloc(m, (rnn_cell)cell, H, V);
    if (st != RNN_OK) {
        snprintf(err, errlen, "%s: %s", path, rnn_strerror(st));
        goto fail;
    }
    memcpy(m->vocab, vocab, V);
    m->steps = get_u64(buf + 24);
    uint32_t lb = get_u32(buf + 32);
    memcpy(&m->loss, &lb, 4);
    const unsigned char *p = vocab + vocab_bytes(V);
    for (size_t i = 0; i < at.total; i++, p += 4) {
        uint32_t u = get_u32(p);
        memcpy(&m->theta[i], &u, 4);
        if (!isfinite(m->theta[i])) {
            snprintf(err, errlen, "%s: weight %zu is not finite (the training diverged?)", path, i);
            charlm_model_free(m);
            st = RNN_ERR_FORMAT;
            goto fail;
        }
    }
    return RNN_OK;
fail:
    return st;
}
