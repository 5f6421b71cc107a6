/* npy.c — the .npy reader and writer of npy.h (the writer writes through
 * file_io.h's atomic file).
 *
 * The reader trusts nothing in a file: the header is parsed as the small
 * subset of Python literals numpy writes (a dict of strings, True/False and a
 * tuple of non-negative integers), every key must be there exactly once, the
 * shape's byte size must fit in size_t, and the file must hold exactly that
 * many bytes after the header (a shorter file is truncated, a longer one has a
 * header that lies). Data are decoded byte by byte from little-endian, so the
 * code is right on a big-endian host as well. */
#include "npy.h"
#include "errmsg.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

void rnn_npy_shape_str(int rank, const int64_t *shape, char *buf, size_t len)
{
    size_t used = 0;
    if (!buf || !len)
        return;
    buf[0] = '\0';
#define APPEND(...)                                                            \
    do {                                                                       \
        if (used < len) {                                                      \
            int n_ = snprintf(buf + used, len - used, __VA_ARGS__);            \
            used += n_ > 0 ? (size_t)n_ : 0;                                   \
        }                                                                      \
    } while (0)
    APPEND("(");
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 0)
            APPEND("%s*", i ? ", " : "");
        else
            APPEND("%s%lld", i ? ", " : "", (long long)shape[i]);
    }
    APPEND(rank == 1 ? ",)" : ")");
#undef APPEND
}

static const char *dtype_descr(rnn_npy_dtype t)
{
    return t == RNN_NPY_I32 ? "<i4" : "<f4";
}

static const char *dtype_words(rnn_npy_dtype t)
{
    return t == RNN_NPY_I32 ? "little-endian int32" : "little-endian float32";
}

/* ---- the header: a tiny parser for the Python literals numpy writes ---- */

typedef struct {
    const char *s, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

static int eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes (numpy's keys and descrs never need them).
 * On failure the cursor stays at the string's start (so a message shows it),
 * or at the header's end when the string runs into it (a cut header). */
static int parse_string(cursor *c, char *dst, size_t cap)
{
    skip_ws(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
        return 0;
    const char *start = c->s;
    char q = *c->s++;
    size_t n = 0;
    while (c->s < c->end && *c->s != q) {
        if (*c->s == '\\' || n + 1 >= cap) {
            c->s = start;
            return 0;
        }
        dst[n++] = *c->s++;
    }
    if (c->s >= c->end)
        return 0;
    c->s++;
    dst[n] = '\0';
    return 1;
}

/* A word such as True or False. A strict prefix of it at the header's end
 * ("Fal") is consumed, so the caller sees a dict cut short rather than a
 * wrong value. */
static int parse_word(cursor *c, const char *word)
{
    skip_ws(c);
    size_t n = strlen(word), left = (size_t)(c->end - c->s);
    if (left >= n && memcmp(c->s, word, n) == 0) {
        const char *after = c->s + n;
        if (after < c->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                               (*after >= '0' && *after <= '9') || *after == '_'))
            return 0;
        c->s = after;
        return 1;
    }
    if (left < n && memcmp(c->s, word, left) == 0)
        c->s = c->end;
    return 0;
}

/* A tuple of non-negative integers: "()", "(3,)", "(2, 3)" (trailing comma
 * optional beyond one element; Python 2's "3L" accepted). -1: not a tuple of
 * integers; -2: too many axes; -3: an extent too large. */
static int parse_shape(cursor *c, int64_t *shape, int *rank)
{
    if (!eat(c, '('))
        return -1;
    int n = 0, trailing_comma = 0;
    skip_ws(c);
    if (eat(c, ')')) {
        *rank = 0;
        return 0;
    }
    for (;;) {
        skip_ws(c);
        if (c->s >= c->end || *c->s < '0' || *c->s > '9')
            return -1;
        int64_t v = 0;
        while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return -3;
            v = v * 10 + (*c->s++ - '0');
        }
        if (c->s < c->end && *c->s == 'L')
            c->s++;
        if (n == RNN_NPY_MAX_RANK)
            return -2;
        shape[n++] = v;
        trailing_comma = 0;
        if (eat(c, ',')) {
            trailing_comma = 1;
            if (eat(c, ')'))
                break;
            continue;
        }
        if (eat(c, ')'))
            break;
        return -1;
    }
    if (n == 1 && !trailing_comma)
        return -1; /* "(3)" is the integer 3 in Python, not a shape */
    *rank = n;
    return 0;
}

/* Copies at most NPY_EXCERPT bytes of file content into buf (cap at least
 * 4 * NPY_EXCERPT + 4) as printable ASCII: any other byte as \xNN, '\' and
 * '"' escaped, "..." after a cut. A file's bytes never reach a terminal raw
 * (no escape sequences from a message), and a message stays one short line. */
#define NPY_EXCERPT 48
static void excerpt(const char *s, size_t n, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0, i = 0;
    for (; i < n && i < NPY_EXCERPT && k + 8 < cap; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b == '\\' || b == '"') {
            buf[k++] = '\\';
            buf[k++] = (char)b;
        } else if (b >= 32 && b < 127) {
            buf[k++] = (char)b;
        } else {
            buf[k++] = '\\', buf[k++] = 'x', buf[k++] = hex[b >> 4], buf[k++] = hex[b & 15];
        }
    }
    if (i < n && k + 3 < cap)
        buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
    buf[k] = '\0';
}

/* excerpt() without the header's trailing padding (spaces, '\n'). */
static void excerpt_padded(const char *s, size_t n, char *buf, size_t cap)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    excerpt(s, n, buf, cap);
}

/* One header being parsed, and what its messages need. */
typedef struct {
    const char *name;
    cursor c;
    size_t len;                       /* HEADER_LEN */
    char shown[4 * NPY_EXCERPT + 8];  /* the header's start, escaped */
    char *err;
    size_t errlen;
} header_parse;

/* A malformed dict. When the parse ran into the end of the header, the dict
 * is cut short: numpy's dicts close before the padding, so the likely cause
 * is a header length field smaller than the header, and the message says so
 * rather than blame the token that was cut. */
static rnn_status malformed(const header_parse *p, const char *expected)
{
    if (p->c.s >= p->c.end)
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: the header ends inside its dict (%s there): the header length "
                          "field HEADER_LEN = %zu bytes is too small, or the dict is "
                          "incomplete; the header reads \"%s\"",
                          p->name, expected, p->len, p->shown);
    char at[4 * NPY_EXCERPT + 8];
    excerpt_padded(p->c.s, (size_t)(p->c.end - p->c.s), at, sizeof at);
    return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                      "%s: malformed header: %s at byte %zu of the header, which reads \"%s\"",
                      p->name, expected, (size_t)(p->c.s - (p->c.end - p->len)), at);
}

/* The value of one key, the n bytes at key (as in the file: a NUL in it is
 * part of it); a key seen twice or unknown is refused. seen[] counts descr,
 * fortran_order, shape. */
static rnn_status parse_entry(header_parse *p, const char *key, size_t n, int seen[3],
                              char *descr, size_t descr_cap, rnn_npy *out)
{
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    int i = 0;
    while (i < 3 && !(strlen(keys[i]) == n && memcmp(key, keys[i], n) == 0))
        i++;
    if (i == 3) {
        char k[4 * NPY_EXCERPT + 8];
        excerpt(key, n, k, sizeof k);
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: unexpected key '%s' in the header; expected only 'descr', "
                          "'fortran_order' and 'shape'", p->name, k);
    }
    if (seen[i]++)
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen, "%s: header has '%s' twice", p->name,
                          keys[i]);
    if (i == 0) {
        skip_ws(&p->c);
        const char *at = p->c.s + 1; /* past the quote */
        if (parse_string(&p->c, descr, descr_cap)) {
            const size_t len = (size_t)(p->c.s - at) - 1;
            if (strlen(descr) == len)
                return RNN_OK;
            /* A NUL inside: "<f4\0..." must not compare equal to '<f4'. */
            char d[4 * NPY_EXCERPT + 8];
            excerpt(at, len, d, sizeof d);
            return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                              "%s: dtype '%s'; expected '<f4' (float32)", p->name, d);
        }
        if (p->c.s >= p->c.end)
            return malformed(p, "expected a quoted dtype string after 'descr'");
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: 'descr' is not a plain dtype string (a structured array?); "
                          "expected '<f4'", p->name);
    }
    if (i == 1) {
        if (parse_word(&p->c, "True"))
            return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                              "%s: fortran_order is True; expected C order (save "
                              "np.ascontiguousarray(a))", p->name);
        if (parse_word(&p->c, "False"))
            return RNN_OK;
        if (p->c.s >= p->c.end)
            return malformed(p, "expected True or False after 'fortran_order'");
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: 'fortran_order' is neither True nor False", p->name);
    }
    skip_ws(&p->c);
    const char *at = p->c.s;
    int r = parse_shape(&p->c, out->shape, &out->rank);
    if (r == -2)
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen, "%s: shape has more than %d axes",
                          p->name, RNN_NPY_MAX_RANK);
    if (r == -3)
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen, "%s: a shape extent is too large",
                          p->name);
    if (r != 0 && p->c.s >= p->c.end)
        return malformed(p, "expected a tuple of integers after 'shape'");
    if (r != 0) {
        char s[4 * NPY_EXCERPT + 8];
        excerpt_padded(at, (size_t)(p->c.end - at), s, sizeof s);
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: 'shape' in the header is not a tuple of non-negative integers: "
                          "it reads \"%s\"", p->name, s);
    }
    return RNN_OK;
}

/* The dict itself, up to its '}' and the whitespace after it, which must be
 * the end of the header as HEADER_LEN gives it. */
static rnn_status parse_dict(header_parse *p, char *descr, size_t descr_cap, rnn_npy *out)
{
    int seen[3] = {0, 0, 0};
    char key[32];
    if (!eat(&p->c, '{')) {
        if (p->c.s >= p->c.end)
            return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                              "%s: the header is not a Python dict: it is blank (the header "
                              "length field HEADER_LEN = %zu bytes is too small?)",
                              p->name, p->len);
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: the header is not a Python dict (it reads \"%s\"); expected "
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (...), }",
                          p->name, p->shown);
    }
    for (;;) {
        if (eat(&p->c, '}'))
            break;
        skip_ws(&p->c);
        const char *key_at = p->c.s + 1; /* past the quote */
        if (!parse_string(&p->c, key, sizeof key))
            return malformed(p, "expected a quoted key or '}'");
        const size_t key_len = (size_t)(p->c.s - key_at) - 1;
        if (!eat(&p->c, ':')) {
            char k[4 * NPY_EXCERPT + 8], what[sizeof k + 32];
            excerpt(key_at, key_len, k, sizeof k);
            snprintf(what, sizeof what, "expected ':' after '%s'", k);
            return malformed(p, what);
        }
        rnn_status st = parse_entry(p, key_at, key_len, seen, descr, descr_cap, out);
        if (st != RNN_OK)
            return st;
        if (eat(&p->c, ','))
            continue;
        if (eat(&p->c, '}'))
            break;
        return malformed(p, "expected ',' or '}'");
    }
    skip_ws(&p->c);
    if (p->c.s != p->c.end) {
        /* Numpy pads with spaces up to HEADER_LEN: anything else after the
         * dict means HEADER_LEN runs past the header (into the data), or junk. */
        char after[4 * NPY_EXCERPT + 8];
        size_t at = (size_t)(p->c.s - (p->c.end - p->len));
        excerpt_padded(p->c.s, (size_t)(p->c.end - p->c.s), after, sizeof after);
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: unexpected text after the header's dict: \"%s\" (at byte %zu of "
                          "the %zu bytes that the header length field HEADER_LEN gives: junk "
                          "after the dict, or HEADER_LEN too large)", p->name, after, at, p->len);
    }
    if (!seen[0] || !seen[1] || !seen[2])
        return rnn_errorf(RNN_ERR_FORMAT, p->err, p->errlen,
                          "%s: the header lacks '%s'; expected 'descr', 'fortran_order' and "
                          "'shape'", p->name,
                          !seen[0] ? "descr" : !seen[1] ? "fortran_order" : "shape");
    return RNN_OK;
}

/* The dtype from descr, and the element count from the shape. */
static rnn_status header_dtype_count(const char *name, const char *descr, rnn_npy *out, char *err,
                                     size_t errlen)
{
    char d[4 * NPY_EXCERPT + 8];
    excerpt(descr, strlen(descr), d, sizeof d);
    if (strcmp(descr, "<f4") == 0)
        out->dtype = RNN_NPY_F32;
    else if (strcmp(descr, "<i4") == 0)
        out->dtype = RNN_NPY_I32;
    else if (descr[0] == '>' && (strcmp(descr + 1, "f4") == 0 || strcmp(descr + 1, "i4") == 0))
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: dtype '%s' is big-endian; expected little-endian '<%s' (save "
                    "a.astype('<%s'))", name, descr, descr + 1, descr + 1);
    else
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: dtype '%s'; expected '<f4' (float32%s; save a.astype(np.float32))", name,
                    d, strcmp(descr, "<f8") == 0 ? ", not float64" : "");

    size_t count = 1;
    for (int i = 0; i < out->rank; i++) {
        uint64_t e = (uint64_t)out->shape[i];
        if (e != 0 && count > (SIZE_MAX / 4) / e)
            return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                        "%s: shape's byte size overflows this machine's address space", name);
        count *= (size_t)e;
    }
    out->count = count;
    return RNN_OK;
}

static rnn_status parse_header(const char *name, const char *text, size_t len, rnn_npy *out,
                               char *err, size_t errlen)
{
    header_parse p = {name, {text, text + len}, len, "", err, errlen};
    excerpt_padded(text, len, p.shown, sizeof p.shown);
    char descr[64];
    rnn_status st = parse_dict(&p, descr, sizeof descr, out);
    if (st != RNN_OK)
        return st;
    return header_dtype_count(name, descr, out, err, errlen);
}

/* The magic, version and header length: prefix is the first 12 bytes (or
 * fewer if the file is shorter, n of them). */
static rnn_status parse_prefix(const char *name, const unsigned char *p, size_t n,
                               size_t *header_len, size_t *header_start, int *text_utf8,
                               char *err, size_t errlen)
{
    if (n < 10 || memcmp(p, npy_magic, 6) != 0) {
        if (n >= 6 && memcmp(p, npy_magic, 6) == 0)
            return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                        "%s: truncated: the file ends inside the .npy preamble (%zu bytes)", name, n);
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: not a .npy file (expected the magic \\x93NUMPY at the start%s)", name,
                    n < 6 ? "; the file is shorter than that" : "");
    }
    unsigned major = p[6], minor = p[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: .npy format version %u.%u is unknown; expected 1.0, 2.0 or 3.0", name,
                    major, minor);
    if (major == 1) {
        *header_len = (size_t)p[8] | (size_t)p[9] << 8;
        *header_start = 10;
    } else {
        if (n < 12)
            return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                        "%s: truncated: the file ends inside the .npy preamble (%zu bytes)", name, n);
        uint32_t v = (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 |
                     (uint32_t)p[11] << 24;
        *header_len = v;
        *header_start = 12;
    }
    /* 3.0 differs from 2.0 only in a utf-8 header; ours is ASCII either way. */
    *text_utf8 = major == 3;
    if (*header_len > RNN_NPY_MAX_HEADER)
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: header of %zu bytes is larger than the %d bytes allowed (numpy's "
                    "max_header_size); the file is damaged or not a plain array",
                    name, *header_len, RNN_NPY_MAX_HEADER);
    return RNN_OK;
}

static void decode_le32(void *dst, const unsigned char *src, size_t count)
{
    uint32_t *d = dst;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *b = src + 4 * i;
        d[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    }
}

static void encode_le32(unsigned char *dst, const void *src, size_t count)
{
    const uint32_t *s = src;
    for (size_t i = 0; i < count; i++) {
        uint32_t v = s[i];
        dst[4 * i] = (unsigned char)v;
        dst[4 * i + 1] = (unsigned char)(v >> 8);
        dst[4 * i + 2] = (unsigned char)(v >> 16);
        dst[4 * i + 3] = (unsigned char)(v >> 24);
    }
}

/* hdr_nl: the header (HEADER_LEN bytes) ends in '\n', as numpy's always do;
 * when not, a wrong size is more likely a wrong HEADER_LEN than wrong data. */
static rnn_status check_data_size(const char *name, const rnn_npy *a, size_t have, int hdr_nl,
                                  size_t hlen, char *err, size_t errlen)
{
    size_t want = a->count * 4;
    if (have == want)
        return RNN_OK;
    char s[256], hint[160] = "";
    rnn_npy_shape_str(a->rank, a->shape, s, sizeof s);
    if (!hdr_nl)
        snprintf(hint, sizeof hint, " (the header does not end in a newline as numpy's do: is "
                 "the header length field HEADER_LEN = %zu wrong?)", hlen);
    if (have < want)
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: truncated: the header's shape %s needs %zu bytes of data, the file "
                    "has %zu%s", name, s, want, have, hint);
    return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                "%s: %zu bytes after the data: the header's shape %s accounts for %zu bytes "
                "but the file has %zu%s", name, have - want, s, want, have, hint);
}

void rnn_npy_free(rnn_npy *a)
{
    if (a) {
        free(a->data);
        a->data = NULL;
        a->count = 0;
    }
}

rnn_status rnn_npy_parse(const char *name, const unsigned char *buf, size_t len, rnn_npy *out,
                         char *err, size_t errlen)
{
    if (!name || !out || (!buf && len))
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "npy: a required pointer is NULL");
    memset(out, 0, sizeof *out);
    size_t hlen, hstart;
    int utf8;
    rnn_status st = parse_prefix(name, buf, len, &hlen, &hstart, &utf8, err, errlen);
    if (st != RNN_OK)
        return st;
    if (len - hstart < hlen)
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                    "%s: truncated: the header should be %zu bytes (HEADER_LEN), the file has %zu "
                    "after the preamble", name, hlen, len - hstart);
    st = parse_header(name, (const char *)buf + hstart, hlen, out, err, errlen);
    if (st != RNN_OK)
        return st;
    size_t data_at = hstart + hlen;
    st = check_data_size(name, out, len - data_at, hlen && buf[data_at - 1] == '\n', hlen, err,
                         errlen);
    if (st != RNN_OK)
        return st;
    out->data = malloc(out->count ? out->count * 4 : 1);
    if (!out->data)
        return rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory for %zu elements", name,
                    out->count);
    decode_le32(out->data, buf + data_at, out->count);
    return RNN_OK;
}

rnn_status rnn_npy_read(const char *path, rnn_npy *out, char *err, size_t errlen)
{
    if (!path || !out)
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "npy: a required pointer is NULL");
    memset(out, 0, sizeof *out);
    FILE *f;
    rnn_status st = rnn_open_regular(path, "rb", &f, err, errlen);
    if (st != RNN_OK)
        return st;
    unsigned char pre[12], *hdr = NULL;
    struct stat sb;
    size_t n = fread(pre, 1, sizeof pre, f), hlen = 0, hstart = 0;
    int utf8;
    if (ferror(f) || fstat(fileno(f), &sb) != 0) {
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: not a regular file", path);
        goto done;
    }
    st = parse_prefix(path, pre, n, &hlen, &hstart, &utf8, err, errlen);
    if (st != RNN_OK)
        goto done;
    size_t fsize = (size_t)sb.st_size;
    if (fsize - hstart < hlen) {
        st = rnn_errorf(RNN_ERR_FORMAT, err, errlen,
                  "%s: truncated: the header should be %zu bytes (HEADER_LEN), the file has %zu "
                  "after the preamble", path, hlen, fsize - hstart);
        goto done;
    }
    hdr = malloc(hlen + 1);
    if (!hdr) {
        st = rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (fseek(f, (long)hstart, SEEK_SET) != 0 || fread(hdr, 1, hlen, f) != hlen) {
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot read the header: %s", path,
                  ferror(f) ? strerror(errno) : "the file shrank while being read");
        goto done;
    }
    st = parse_header(path, (const char *)hdr, hlen, out, err, errlen);
    if (st != RNN_OK)
        goto done;
    st = check_data_size(path, out, fsize - hstart - hlen, hlen && hdr[hlen - 1] == '\n', hlen,
                         err, errlen);
    if (st != RNN_OK)
        goto done;
    size_t bytes = out->count * 4;
    out->data = malloc(bytes ? bytes : 1);
    if (!out->data) {
        st = rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory for %zu elements", path,
                  out->count);
        goto done;
    }
    if (fread(out->data, 1, bytes, f) != bytes) {
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot read the data: %s", path,
                  ferror(f) ? strerror(errno) : "the file shrank while being read");
        goto done;
    }
    /* In place: each element is read as bytes before it is overwritten. */
    decode_le32(out->data, out->data, out->count);
done:
    free(hdr);
    fclose(f);
    if (st != RNN_OK)
        rnn_npy_free(out);
    return st;
}

rnn_status rnn_npy_expect(const rnn_npy *a, const char *name, rnn_npy_dtype dtype, int rank,
                          const int64_t *shape, const char *what, char *err, size_t errlen)
{
    char got[256], want[256];
    rnn_npy_shape_str(a->rank, a->shape, got, sizeof got);
    rnn_npy_shape_str(rank, shape, want, sizeof want);
    if (a->dtype != dtype)
        return rnn_errorf(RNN_ERR_FORMAT, err, errlen, "%s: dtype '%s' but expected '%s' (%s)", name,
                    dtype_descr(a->dtype), dtype_descr(dtype), dtype_words(dtype));
    if (a->rank != rank)
        return rnn_errorf(RNN_ERR_SIZE, err, errlen, "%s: %d axes %s but expected %d: %s%s%s", name,
                    a->rank, got, rank, want, what ? " = " : "", what ? what : "");
    for (int i = 0; i < rank; i++)
        if (shape[i] >= 0 && a->shape[i] != shape[i])
            return rnn_errorf(RNN_ERR_SIZE, err, errlen, "%s: shape %s but expected %s%s%s", name, got,
                        want, what ? " = " : "", what ? what : "");
    return RNN_OK;
}

/* ---- writing (atomically: file_io.h) ---- */

rnn_status rnn_npy_stage(rnn_atomic_file *af, const char *path, rnn_npy_dtype dtype,
                         const void *data, int rank, const int64_t *shape, char *err,
                         size_t errlen)
{
    *af = (rnn_atomic_file){NULL, -1, NULL};
    if (!path || (rank > 0 && !shape))
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "npy: a required pointer is NULL");
    if (rank < 0 || rank > RNN_NPY_MAX_RANK)
        return rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: rank %d; expected 0 to %d", path, rank,
                    RNN_NPY_MAX_RANK);
    if (dtype != RNN_NPY_F32 && dtype != RNN_NPY_I32)
        return rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: unknown dtype", path);
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 0 || (shape[i] && count > (SIZE_MAX / 4) / (uint64_t)shape[i]))
            return rnn_errorf(RNN_ERR_SIZE, err, errlen, "%s: invalid or oversized shape", path);
        count *= (size_t)shape[i];
    }
    if (!data && count)
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "%s: data is NULL", path);

    /* numpy 1.x pads magic + length + header to a multiple of 64 bytes so the
     * data are aligned for memory mapping; the header ends with '\n'. */
    char shp[RNN_NPY_MAX_RANK * 22 + 8];
    rnn_npy_shape_str(rank, shape, shp, sizeof shp);
    char hdr[sizeof shp + 128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     dtype_descr(dtype), shp);
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - 10;
    memset(hdr + n, ' ', hlen - 1 - (size_t)n);
    hdr[hlen - 1] = '\n';
    unsigned char pre[10];
    memcpy(pre, npy_magic, 6);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);

    rnn_status st = rnn_atomic_open(af, path, err, errlen);
    if (st != RNN_OK)
        return st;
    st = rnn_atomic_write(af, path, pre, sizeof pre, err, errlen);
    if (st == RNN_OK)
        st = rnn_atomic_write(af, path, hdr, hlen, err, errlen);
    unsigned char chunk[4096 * 4];
    const uint32_t *src = data;
    for (size_t i = 0; st == RNN_OK && i < count; i += 4096) {
        size_t m = count - i < 4096 ? count - i : 4096;
        encode_le32(chunk, src + i, m);
        st = rnn_atomic_write(af, path, chunk, m * 4, err, errlen);
    }
    if (st != RNN_OK)
        rnn_atomic_abort(af);
    return st;
}

rnn_status rnn_npy_write(const char *path, rnn_npy_dtype dtype, const void *data, int rank,
                         const int64_t *shape, char *err, size_t errlen)
{
    rnn_atomic_file af;
    rnn_status st = rnn_npy_stage(&af, path, dtype, data, rank, shape, err, errlen);
    return st == RNN_OK ? rnn_atomic_commit(&af, path, err, errlen) : st;
}
