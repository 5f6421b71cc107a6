/* wisdom.c — the choices of RNN_TUNE_MEASURE plans, kept for the process
 * and as text (rnnsimd.h: rnn_wisdom_export, _import, _forget).
 *
 * Text: a first line "rnnsimd-wisdom 2", then one line per entry: its key
 * (one token) and the tunables as rnn_tunables_print writes them, e.g.
 *   x86/AuthenticAMD/25/17/1:avx512:lstm:many2one:T64:To0:B1:I512:H512:L1:D1:threads1:unfused0:f32
 *   ride=1 ride_max=any ride_dx_max=4194304 stream=alt chunk=16384 wave_chunk=0 wave_chunk_dec=0
 *   panels=4 copies=1 ride_rows=8 places=1
 * (on one line; a line of an earlier version without copies reads as
 * copies=1, one without ride_rows as ride_rows=8, one without places as
 * places=1). The key is the machine (the CPU's identity from
 * /proc/cpuinfo: x86 vendor/family/model/stepping, or an Arm core's
 * implementer/architecture/variant/part/revision), the kernel table, and
 * every field of the problem a choice can depend on (not V: the head is not
 * tuned). A key of another machine is never used: its timings say nothing
 * about this one, so import skips it.
 *
 * Thread safety: one mutex guards the table; plans created at once on
 * several threads may each look up and store. Import parses the whole text
 * before taking the lock, so malformed text leaves the table as it was. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers.h"

#define KEY_MAX 256
/* Version 2: keys end with the data type. */
#define WISDOM_HEADER "rnnsimd-wisdom 2"
/* Bounds of what an imported value may say (every value is bit-neutral;
 * these keep a typo from meaning hours). */
#define CHUNK_LIMIT (1u << 26)
#define WAVE_LIMIT (1u << 30)

typedef struct {
    char key[KEY_MAX];
    rnn_tunables t;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *table;
static size_t n_table, cap_table;

/* ---- the machine ---- */

static pthread_once_t machine_once = PTHREAD_ONCE_INIT;
static char machine[160];

/* Keeps [A-Za-z0-9._-] of v, others as '_': the key stays one token. */
static void token(char *dst, size_t n, const char *v)
{
    size_t j = 0;
    for (; *v && j + 1 < n; v++, j++) {
        const char c = *v;
        const int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        dst[j] = ok ? c : '_';
    }
    dst[j] = '\0';
}

/* The first processor's fields of /proc/cpuinfo; "unknown" where none. */
static void machine_init(void)
{
    static const char *const names[] = {"vendor_id",    "cpu family",  "model",
                                        "stepping",     "CPU implementer",
                                        "CPU architecture", "CPU variant", "CPU part",
                                        "CPU revision"};
    enum { N = sizeof names / sizeof *names };
    char val[N][24];
    memset(val, 0, sizeof val);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '\n' && (val[0][0] || val[4][0]))
            break; /* the end of the first processor's block */
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        size_t klen = (size_t)(colon - line);
        while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
            klen--;
        for (int i = 0; i < N; i++)
            if (strlen(names[i]) == klen && strncmp(line, names[i], klen) == 0 && !val[i][0])
                token(val[i], sizeof val[i], v);
    }
    if (f)
        fclose(f);
    if (val[0][0])
        snprintf(machine, sizeof machine, "x86/%s/%s/%s/%s", val[0], val[1], val[2], val[3]);
    else if (val[4][0])
        snprintf(machine, sizeof machine, "arm/%s/%s/%s/%s/%s", val[4], val[5], val[6], val[7],
                 val[8]);
    else
        snprintf(machine, sizeof machine, "unknown");
}

static const char *this_machine(void)
{
    pthread_once(&machine_once, machine_init);
    return machine;
}

void rnn_wisdom_key(const rnn_plan *p, char *buf, size_t n)
{
    const rnn_desc *d = &p->desc;
    snprintf(buf, n, "%s:%s:%s:%s:T%lld:To%lld:B%lld:I%lld:H%lld:L%zu:D%zu:threads%d:unfused%d:%s",
             this_machine(), p->k->name, rnn_cell_name(d->cell), rnn_topology_name(d->topology),
             (long long)d->T, (long long)d->T_out, (long long)d->B, (long long)d->I,
             (long long)d->H, p->sizes.layers, p->sizes.directions, p->threads,
             p->no_fused_step ? 1 : p->fused_always ? 2 : 0, rnn_dtype_name(p->dtype));
}

/* ---- the table ---- */

static entry *find(const char *key)
{
    for (size_t i = 0; i < n_table; i++)
        if (strcmp(table[i].key, key) == 0)
            return &table[i];
    return NULL;
}

int rnn_wisdom_lookup(const char *key, rnn_tunables *t)
{
    pthread_mutex_lock(&lock);
    const entry *e = find(key);
    if (e)
        *t = e->t;
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

/* Room for more entries. With the lock held. */
static rnn_status reserve(size_t more)
{
    if (n_table + more <= cap_table)
        return RNN_OK;
    size_t cap = cap_table ? cap_table : 16;
    while (cap < n_table + more)
        cap *= 2;
    entry *grown = realloc(table, cap * sizeof *grown);
    if (!grown)
        return RNN_ERR_NOMEM;
    table = grown;
    cap_table = cap;
    return RNN_OK;
}

/* With the lock held. */
static rnn_status put(const char *key, const rnn_tunables *t)
{
    entry *e = find(key);
    if (!e) {
        if (reserve(1) != RNN_OK)
            return RNN_ERR_NOMEM;
        e = &table[n_table++];
        snprintf(e->key, sizeof e->key, "%s", key);
    }
    e->t = *t;
    return RNN_OK;
}

rnn_status rnn_wisdom_store(const char *key, const rnn_tunables *t)
{
    if (strlen(key) >= KEY_MAX)
        return RNN_ERR_ARG;
    pthread_mutex_lock(&lock);
    const rnn_status st = put(key, t);
    pthread_mutex_unlock(&lock);
    return st;
}

void rnn_wisdom_forget(void)
{
    pthread_mutex_lock(&lock);
    free(table);
    table = NULL;
    n_table = cap_table = 0;
    pthread_mutex_unlock(&lock);
}

rnn_status rnn_wisdom_export(char *buf, size_t n, size_t *len)
{
    pthread_mutex_lock(&lock);
    size_t need = strlen(WISDOM_HEADER) + 1;
    char line[KEY_MAX + 256];
    for (size_t i = 0; i < n_table; i++) {
        const int w = rnn_tunables_print(&table[i].t, line, sizeof line);
        need += strlen(table[i].key) + 1 + (size_t)w + 1;
    }
    rnn_status st = RNN_OK;
    if (len)
        *len = need;
    if (!buf || n <= need) {
        if (buf && n)
            buf[0] = '\0';
        st = !buf && n ? RNN_ERR_NULL : RNN_ERR_SIZE;
    } else {
        size_t at = (size_t)snprintf(buf, n, "%s\n", WISDOM_HEADER);
        for (size_t i = 0; i < n_table; i++) {
            rnn_tunables_print(&table[i].t, line, sizeof line);
            at += (size_t)snprintf(buf + at, n - at, "%s %s\n", table[i].key, line);
        }
    }
    pthread_mutex_unlock(&lock);
    return st;
}

/* ---- import ---- */

/* A decimal in [0, max] spelled by s[0..len) alone. */
static int number(const char *s, size_t len, size_t max, size_t *out)
{
    if (len == 0 || len > 20)
        return 0;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        const size_t d = (size_t)(s[i] - '0');
        if (d > max || v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* The value of "name=" at *at, up to the next blank or the line's end; *at
 * moves past it and one blank. */
static int field(const char **at, const char *end, const char *name, const char **v,
                 size_t *vlen)
{
    const size_t nl = strlen(name);
    if ((size_t)(end - *at) <= nl || strncmp(*at, name, nl) != 0 || (*at)[nl] != '=')
        return 0;
    *v = *at + nl + 1;
    const char *e = *v;
    while (e < end && *e != ' ')
        e++;
    *vlen = (size_t)(e - *v);
    *at = e < end ? e + 1 : e;
    return *vlen > 0;
}

static int limit(const char *v, size_t len, size_t *out)
{
    if (len == 3 && strncmp(v, "any", 3) == 0) {
        *out = RNN_TUNE_ANY;
        return 1;
    }
    return number(v, len, (size_t)1 << 40, out);
}

/* Whether key (len bytes) has the shape rnn_wisdom_key writes: 14 fields,
 * the first a machine token, then names and prefixed counts, the last the
 * data type. */
static int key_ok(const char *k, size_t len, char *machine_out, size_t mlen)
{
    static const char *const prefix[] = {NULL, NULL, NULL, NULL, "T", "To", "B", "I", "H",
                                         "L",  "D",  "threads", "unfused", NULL};
    if (len == 0 || len >= KEY_MAX)
        return 0;
    const char *f = k, *end = k + len;
    for (int i = 0; i < 14; i++) {
        const char *e = f;
        while (e < end && *e != ':')
            e++;
        if ((e == end) != (i == 13) || e == f)
            return 0;
        char buf[KEY_MAX];
        memcpy(buf, f, (size_t)(e - f));
        buf[e - f] = '\0';
        for (const char *c = buf; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_' ||
                  (i == 0 && *c == '/')))
                return 0;
        rnn_cell cell;
        rnn_topology topo;
        rnn_isa isa;
        rnn_dtype dtype;
        size_t v;
        if (i == 0)
            snprintf(machine_out, mlen, "%s", buf);
        else if (i == 1 && (rnn_isa_parse(buf, &isa) != RNN_OK || isa == RNN_ISA_AUTO))
            return 0;
        else if (i == 2 && rnn_cell_parse(buf, &cell) != RNN_OK)
            return 0;
        else if (i == 3 && rnn_topology_parse(buf, &topo) != RNN_OK)
            return 0;
        else if (i == 13 && rnn_dtype_parse(buf, &dtype) != RNN_OK)
            return 0;
        else if (i >= 4 && i < 13) {
            const size_t pl = strlen(prefix[i]);
            if (strncmp(buf, prefix[i], pl) != 0 || !number(buf + pl, strlen(buf + pl),
                                                           (size_t)1 << 40, &v))
                return 0;
        }
        f = e + 1;
    }
    return 1;
}

/* The stream word v (len chars) as *s: 1, or 0 if it names none. */
static int stream_of(const char *v, size_t len, rnn_stream *s)
{
    for (rnn_stream k = RNN_STREAM_FORWARD; k <= RNN_STREAM_WRAP; k++) {
        const char *name = rnn_stream_name(k);
        if (len == strlen(name) && strncmp(v, name, len) == 0) {
            *s = k;
            return 1;
        }
    }
    return 0;
}

/* One entry line [s, end): 1 and *e, *mine (whether it is this machine's);
 * 0 if malformed. */
static int parse_line(const char *s, const char *end, entry *e, int *mine)
{
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    char m[KEY_MAX];
    if (!sp || !key_ok(s, (size_t)(sp - s), m, sizeof m))
        return 0;
    memcpy(e->key, s, (size_t)(sp - s));
    e->key[sp - s] = '\0';
    *mine = strcmp(m, this_machine()) == 0;
    const char *at = sp + 1, *v;
    size_t len, ride, chunk, wave, wave_dec, panels, copies = 1, rows = RNN_RIDE_ROWS_MIN,
                                                     places = 1;
    rnn_tunables *t = &e->t;
    memset(t, 0, sizeof *t);
    if (!field(&at, end, "ride", &v, &len) || !number(v, len, 1, &ride) ||
        !field(&at, end, "ride_max", &v, &len) || !limit(v, len, &t->ride_max) ||
        !field(&at, end, "ride_dx_max", &v, &len) || !limit(v, len, &t->ride_dx_max) ||
        !field(&at, end, "stream", &v, &len))
        return 0;
    if (!stream_of(v, len, &t->stream))
        return 0;
    if (!field(&at, end, "chunk", &v, &len) || !number(v, len, CHUNK_LIMIT, &chunk) ||
        chunk == 0 || !field(&at, end, "wave_chunk", &v, &len) ||
        !number(v, len, WAVE_LIMIT, &wave) || !field(&at, end, "wave_chunk_dec", &v, &len) ||
        !number(v, len, WAVE_LIMIT, &wave_dec) || !field(&at, end, "panels", &v, &len) ||
        !number(v, len, 4, &panels) || (panels != 2 && panels != 4))
        return 0;
    /* copies, ride_rows and places came later: a line without them means
     * one copy, the 8-row ride of its time and the allocator's placement. */
    if (at != end && (!field(&at, end, "copies", &v, &len) || !number(v, len, 2, &copies) ||
                      copies == 0))
        return 0;
    if (at != end &&
        (!field(&at, end, "ride_rows", &v, &len) || !number(v, len, RNN_RIDE_ROWS_MAX, &rows) ||
         (rows != RNN_RIDE_ROWS_MIN && rows != RNN_RIDE_ROWS_MAX)))
        return 0;
    if (at != end && (!field(&at, end, "places", &v, &len) ||
                      !number(v, len, RNN_TUNE_PLACES_MAX, &places) || places == 0))
        return 0;
    if (at != end)
        return 0;
    t->hh_places = places;
    t->gemv_panels = panels;
    t->hh_copies = copies;
    t->ride_rows = rows;
    t->ride = (int)ride;
    t->chunk_floats = chunk;
    t->wave_chunk = wave;
    t->wave_chunk_dec = wave_dec;
    return 1;
}

rnn_status rnn_wisdom_import(const char *text)
{
    if (!text)
        return RNN_ERR_NULL;
    const size_t hl = strlen(WISDOM_HEADER);
    if (strncmp(text, WISDOM_HEADER, hl) != 0 || (text[hl] != '\n' && text[hl] != '\0'))
        return RNN_ERR_ARG;
    /* Parse everything first: a malformed line imports nothing. */
    entry *got = NULL;
    size_t n_got = 0, cap = 0;
    rnn_status st = RNN_OK;
    for (const char *s = text + hl + (text[hl] == '\n'); *s && st == RNN_OK;) {
        const char *nl = strchr(s, '\n');
        const char *end = nl ? nl : s + strlen(s);
        if (end > s) {
            entry e;
            int mine = 0;
            if (!parse_line(s, end, &e, &mine)) {
                st = RNN_ERR_ARG;
            } else if (mine) {
                if (n_got == cap) {
                    cap = cap ? 2 * cap : 8;
                    entry *g = realloc(got, cap * sizeof *g);
                    if (!g)
                        st = RNN_ERR_NOMEM;
                    else
                        got = g;
                }
                if (st == RNN_OK)
                    got[n_got++] = e;
            }
        }
        s = nl ? nl + 1 : end;
    }
    if (st == RNN_OK) {
        /* Room first, so that the entries go in all or none. */
        pthread_mutex_lock(&lock);
        st = reserve(n_got);
        for (size_t i = 0; i < n_got && st == RNN_OK; i++)
            st = put(got[i].key, &got[i].t);
        pthread_mutex_unlock(&lock);
    }
    free(got);
    return st;
}
