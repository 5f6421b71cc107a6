/* test_npy.c — the .npy reader and writer (support/npy.c): bit-exact round
 * trips, the exact bytes numpy writes, files as other numpy versions write
 * them, and every malformed file the reader must refuse, each with its status
 * and a message that names the file and what was expected. Malformed inputs go
 * through both the in-memory parser and the file reader. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "file_io.h"
#include "npy.h"

static char dir[64];

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* A file as bytes: 1.0 preamble + header text (padded to 64 with '\n' at the
 * end, unless raw) + data. */
static size_t make_file(unsigned char *buf, int major, const char *header, int pad,
                        const void *data, size_t data_len)
{
    size_t hl = strlen(header), pre = major == 1 ? 10 : 12;
    size_t total_h = hl;
    if (pad) {
        size_t t = pre + hl + 1;
        total_h = (t + 63) / 64 * 64 - pre;
    }
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)(total_h & 0xff);
    buf[9] = (unsigned char)(total_h >> 8);
    if (major != 1) {
        buf[10] = (unsigned char)(total_h >> 16);
        buf[11] = (unsigned char)(total_h >> 24);
    }
    memcpy(buf + pre, header, hl);
    if (pad) {
        memset(buf + pre + hl, ' ', total_h - hl - 1);
        buf[pre + total_h - 1] = '\n';
    }
    memcpy(buf + pre + total_h, data, data_len);
    return pre + total_h + data_len;
}

static int count_dir_entries(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    if (!dp)
        return -1;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(dp);
    return n;
}

/* Whether a message is printable ASCII only: a file's bytes are escaped. */
static int printable(const char *s)
{
    for (; *s; s++)
        if (*s < 32 || *s >= 127)
            return 0;
    return 1;
}

/* Both the in-memory parser and the reader must refuse bytes with status
 * want and a message holding the file's name and the substring needle, in
 * printable ASCII. */
static void expect_bad(const char *label, const unsigned char *bytes, size_t len, rnn_status want,
                       const char *needle)
{
    char err[512] = "", path[128];
    rnn_npy a;
    rnn_status st = rnn_npy_parse("mem.npy", bytes, len, &a, err, sizeof err);
    CHECK(st == want, "%s: parse status %d (%s), expected %d", label, st, err, want);
    CHECK(strstr(err, "mem.npy") && strstr(err, needle), "%s: parse message \"%s\" lacks \"%s\"",
          label, err, needle);
    CHECK(a.data == NULL, "%s: parse left memory behind", label);
    CHECK(printable(err), "%s: a raw byte in the message", label);
    printf("  %-24s %s\n", label, err);

    path_in(path, sizeof path, "bad.npy");
    char werr[256];
    st = rnn_write_file_atomic(path, bytes, len, werr, sizeof werr);
    CHECK(st == RNN_OK, "%s: write %s", label, werr);
    err[0] = '\0';
    st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == want, "%s: read status %d (%s), expected %d", label, st, err, want);
    CHECK(strstr(err, path) && strstr(err, needle), "%s: read message \"%s\" lacks \"%s\"", label,
          err, needle);
    CHECK(a.data == NULL, "%s: read left memory behind", label);
    unlink(path);
}

static void test_round_trip_f32(void)
{
    /* (3, 4100): the writer encodes 4096 floats at a time, so three whole
     * chunks and a tail of 12. */
    const int64_t shapes[][4] = {{0}, {7}, {3, 5}, {2, 3, 4}, {1, 1, 1, 1}, {3, 4100}};
    const int ranks[] = {0, 1, 2, 3, 4, 2};
    for (int s = 0; s < 6; s++) {
        size_t n = 1;
        for (int i = 0; i < ranks[s]; i++)
            n *= (size_t)shapes[s][i];
        float *v = malloc(n * sizeof *v);
        rnn_fill_uniform(v, n, 42, (uint64_t)s, -3.0f, 3.0f);
        /* Special values must pass through bit for bit. */
        if (n >= 7) {
            v[0] = -0.0f;
            v[1] = INFINITY;
            v[2] = -INFINITY;
            v[3] = NAN;
            v[4] = 1e-45f;
            v[5] = 3.4028235e38f;
        }
        char path[128], err[256];
        path_in(path, sizeof path, "rt.npy");
        rnn_status st = rnn_npy_write(path, RNN_NPY_F32, v, ranks[s], shapes[s], err, sizeof err);
        CHECK(st == RNN_OK, "write rank %d: %s", ranks[s], err);
        rnn_npy a;
        st = rnn_npy_read(path, &a, err, sizeof err);
        CHECK(st == RNN_OK, "read rank %d: %s", ranks[s], err);
        if (st == RNN_OK) {
            CHECK(a.dtype == RNN_NPY_F32 && a.rank == ranks[s] && a.count == n,
                  "rank %d: got dtype %d rank %d count %zu", ranks[s], a.dtype, a.rank, a.count);
            int same_shape = 1;
            for (int i = 0; i < a.rank && i < ranks[s]; i++)
                same_shape &= a.shape[i] == shapes[s][i];
            CHECK(same_shape, "rank %d: shape differs", ranks[s]);
            CHECK(memcmp(a.data, v, n * sizeof *v) == 0, "rank %d: data differ", ranks[s]);
            rnn_npy_free(&a);
        }
        struct stat sb;
        stat(path, &sb);
        CHECK((sb.st_size - (off_t)(n * 4)) % 64 == 0, "rank %d: header+preamble %lld not a multiple of 64",
              ranks[s], (long long)(sb.st_size - (off_t)(n * 4)));
        free(v);
    }
    printf("  f32 round trips (ranks 0-4, past the writer's 4096-float chunks, specials bit-exact): done\n");
}

static void test_round_trip_i32_and_empty(void)
{
    int32_t v[6] = {0, -1, 2147483647, -2147483647 - 1, 5, 6};
    int64_t shape[2] = {2, 3};
    char path[128], err[256];
    path_in(path, sizeof path, "i.npy");
    CHECK(rnn_npy_write(path, RNN_NPY_I32, v, 2, shape, err, sizeof err) == RNN_OK, "%s", err);
    rnn_npy a;
    rnn_status st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == RNN_OK && a.dtype == RNN_NPY_I32 && a.count == 6 &&
              memcmp(a.data, v, sizeof v) == 0, "i32 round trip: %s", err);
    if (st == RNN_OK)
        rnn_npy_free(&a);
    /* An empty array is a valid file. */
    int64_t zshape[2] = {0, 4};
    CHECK(rnn_npy_write(path, RNN_NPY_F32, NULL, 2, zshape, err, sizeof err) == RNN_OK, "%s", err);
    st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == RNN_OK && a.count == 0 && a.rank == 2 && a.shape[1] == 4, "empty: %s", err);
    if (st == RNN_OK)
        rnn_npy_free(&a);
}

static void test_exact_bytes(void)
{
    /* What numpy 1.x writes for np.save(f, np.zeros((2, 3), np.float32)):
     * header_len 118, so magic + length + header = 128. */
    float z[6] = {0};
    int64_t shape[2] = {2, 3};
    char path[128], err[256];
    path_in(path, sizeof path, "z.npy");
    CHECK(rnn_npy_write(path, RNN_NPY_F32, z, 2, shape, err, sizeof err) == RNN_OK, "%s", err);
    unsigned char *buf;
    size_t len;
    CHECK(rnn_read_file(path, 1 << 20, &buf, &len, err, sizeof err) == RNN_OK, "%s", err);
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(len == 128 + 24, "file length %zu, expected 152", len);
    CHECK(memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10) == 0, "preamble differs from numpy's");
    CHECK(memcmp(buf + 10, want, strlen(want)) == 0, "header text differs: %.60s", buf + 10);
    int spaces = 1;
    for (size_t i = 10 + strlen(want); i < 127; i++)
        spaces &= buf[i] == ' ';
    CHECK(spaces && buf[127] == '\n', "padding is not spaces then a newline");
    /* 1.0 as float32 little-endian bytes. */
    float one = 1.0f;
    int64_t s1[1] = {1};
    CHECK(rnn_npy_write(path, RNN_NPY_F32, &one, 1, s1, err, sizeof err) == RNN_OK, "%s", err);
    free(buf);
    CHECK(rnn_read_file(path, 1 << 20, &buf, &len, err, sizeof err) == RNN_OK, "%s", err);
    /* 10 + 58 + 1 = 69 bytes of preamble and header pad to 128. */
    CHECK(len == 132 && memcmp(buf + 128, "\x00\x00\x80\x3f", 4) == 0, "1.0f bytes differ");
    CHECK(strstr((char *)buf + 10, "'shape': (1,), }") != NULL, "1-axis shape not written (1,)");
    free(buf);
}

static void test_other_writers(void)
{
    unsigned char buf[512];
    float d[2] = {1.5f, -2.0f};
    unsigned char le[8];
    memcpy(le, "\x00\x00\xc0\x3f\x00\x00\x00\xc0", 8);
    struct {
        const char *label, *header;
        int major, pad;
        int64_t dim0;
    } ok[] = {
        {"version 2.0", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 2, 1, 2},
        {"version 3.0", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 3, 1, 2},
        {"double quotes, reordered", "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}",
         1, 1, 2},
        {"16-byte padding", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }    \n", 1,
         0, 2},
        {"python 2 long", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", 1, 1, 2},
        {"2-d, no trailing comma", "{'descr':'<f4','fortran_order':False,'shape':(1,2)}", 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = make_file(buf, ok[i].major, ok[i].header, ok[i].pad, le, 8);
        rnn_npy a;
        char err[256] = "";
        rnn_status st = rnn_npy_parse("ok.npy", buf, n, &a, err, sizeof err);
        CHECK(st == RNN_OK, "%s: %s", ok[i].label, err);
        if (st == RNN_OK) {
            CHECK(a.count == 2 && a.shape[0] == ok[i].dim0 && memcmp(a.data, d, 8) == 0,
                  "%s: wrong contents", ok[i].label);
            rnn_npy_free(&a);
        }
    }
    printf("  versions 2.0/3.0, quoting, key order, old padding: read\n");
}

static void test_malformed(void)
{
    unsigned char buf[70000];
    unsigned char data[64] = {0};
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    size_t n;

    n = make_file(buf, 1, good, 1, data, 24);
    buf[1] = 'X';
    expect_bad("bad magic", buf, n, RNN_ERR_FORMAT, "expected the magic");
    expect_bad("empty file", buf, 0, RNN_ERR_FORMAT, "shorter than that");
    n = make_file(buf, 1, good, 1, data, 24);
    expect_bad("truncated preamble", buf, 8, RNN_ERR_FORMAT, "truncated");
    n = make_file(buf, 4, good, 1, data, 24);
    expect_bad("version 4.0", buf, n, RNN_ERR_FORMAT, "version 4.0 is unknown; expected 1.0, 2.0 or 3.0");
    n = make_file(buf, 1, good, 1, data, 24);
    buf[7] = 1;
    expect_bad("version 1.1", buf, n, RNN_ERR_FORMAT, "version 1.1");
    n = make_file(buf, 1, good, 1, data, 24);
    expect_bad("truncated header", buf, 40, RNN_ERR_FORMAT, "truncated: the header should be 118 bytes");
    expect_bad("truncated data", buf, n - 1, RNN_ERR_FORMAT, "truncated: the header's shape (2, 3) needs 24 bytes");
    n = make_file(buf, 1, good, 1, data, 28);
    expect_bad("header lies (extra data)", buf, n, RNN_ERR_FORMAT, "4 bytes after the data");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 1, data, 24);
    expect_bad("fortran order", buf, n, RNN_ERR_FORMAT, "fortran_order is True; expected C order");
    n = make_file(buf, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 1, data, 24);
    expect_bad("big-endian", buf, n, RNN_ERR_FORMAT, "'>f4' is big-endian; expected little-endian '<f4'");
    n = make_file(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1, data, 48);
    expect_bad("float64", buf, n, RNN_ERR_FORMAT, "dtype '<f8'; expected '<f4'");
    n = make_file(buf, 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 1, data, 8);
    expect_bad("structured dtype", buf, n, RNN_ERR_FORMAT, "not a plain dtype string");
    n = make_file(buf, 1, "{'descr': '<f4', 'shape': (2, 3), }", 1, data, 24);
    expect_bad("missing key", buf, n, RNN_ERR_FORMAT, "lacks 'fortran_order'");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 1, data, 24);
    expect_bad("extra key", buf, n, RNN_ERR_FORMAT, "unexpected key 'x'");
    n = make_file(buf, 1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 1, data, 24);
    expect_bad("duplicate key", buf, n, RNN_ERR_FORMAT, "'descr' twice");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", 1, data, 24);
    expect_bad("shape not a tuple", buf, n, RNN_ERR_FORMAT, "not a tuple of non-negative integers");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", 1, data, 24);
    expect_bad("negative extent", buf, n, RNN_ERR_FORMAT, "not a tuple of non-negative integers");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 1, data, 24);
    expect_bad("shape overflows", buf, n, RNN_ERR_FORMAT, "overflows");
    n = make_file(buf, 1, "['descr', '<f4']", 1, data, 24);
    expect_bad("not a dict", buf, n, RNN_ERR_FORMAT, "not a Python dict");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,) ", 1, data, 24);
    expect_bad("unterminated dict", buf, n, RNN_ERR_FORMAT, "expected ',' or '}'");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} junk", 1, data, 24);
    expect_bad("text after dict", buf, n, RNN_ERR_FORMAT, "unexpected text after");
    /* A 2.0 header claiming 20000 bytes: refused before reading it. */
    static char big[20001];
    memset(big, ' ', 20000);
    memcpy(big, good, strlen(good));
    n = make_file(buf, 2, big, 0, data, 24);
    expect_bad("oversized header", buf, n, RNN_ERR_FORMAT, "larger than the 10000 bytes allowed");
}

/* "\\x01" n times into out (at least 4n + 1 bytes), after prefix. */
static void escaped_ones(char *out, const char *prefix, int n, const char *suffix)
{
    strcpy(out, prefix);
    for (int i = 0; i < n; i++)
        strcat(out, "\\x01");
    strcat(out, suffix);
}

/* An excerpt shows the first 48 bytes of what it quotes, however many of
 * them must be escaped (4 characters each), then "...": each buffer that
 * holds one has room for that (a buffer a few bytes short shows fewer and
 * says nothing). The dtype with a NUL inside and 50 bytes 0x01, a shape
 * that is no tuple and a header that is no dict, each 60 bytes 0x01. */
static void test_long_excerpts(void)
{
    unsigned char buf[512], one[4] = {0x00, 0x00, 0x80, 0x3f};
    char ones[61], head[400], needle[300];
    memset(ones, 1, 60);
    ones[60] = '\0';

    static const char pre[] = "{'descr': '<f4";
    static const char post[] = "', 'fortran_order': False, 'shape': (1,), }";
    /* 54 bytes between the quotes: within the 63 the parser takes. */
    const size_t hl = sizeof pre - 1 + 1 + 50 + sizeof post - 1, total = 256 - 10;
    memset(head, ' ', total);
    memcpy(head, pre, sizeof pre - 1);
    head[sizeof pre - 1] = '\0'; /* the NUL inside the dtype */
    memcpy(head + sizeof pre, ones, 50);
    memcpy(head + sizeof pre + 50, post, sizeof post - 1);
    head[total - 1] = '\n';
    CHECK(hl < total, "the long dtype's header fits");
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(total & 0xff), buf[9] = (unsigned char)(total >> 8);
    memcpy(buf + 10, head, total);
    memcpy(buf + 10 + total, one, 4);
    escaped_ones(needle, "dtype '<f4\\x00", 44, "...'");
    expect_bad("long dtype with a NUL", buf, 10 + total + 4, RNN_ERR_FORMAT, needle);

    snprintf(head, sizeof head, "{'descr': '<f4', 'fortran_order': False, 'shape': %s}", ones);
    size_t n = make_file(buf, 1, head, 1, one, 4);
    escaped_ones(needle, "it reads \"", 48, "...\"");
    expect_bad("long shape", buf, n, RNN_ERR_FORMAT, needle);

    snprintf(head, sizeof head, "%s{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
             ones);
    n = make_file(buf, 1, head, 1, one, 4);
    escaped_ones(needle, "(it reads \"", 48, "...\")");
    expect_bad("long non-dict", buf, n, RNN_ERR_FORMAT, needle);
}

/* Bytes from the file reach a message only escaped (no terminal control
 * sequence gets through), and a header length field that disagrees with the
 * header is named as HEADER_LEN, whichever way it is wrong. */
static void test_header_len_and_escapes(void)
{
    unsigned char buf[512], one[4] = {0x00, 0x00, 0x80, 0x3f};
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    size_t n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"
                                 "\x1b[31mRED\x1b[0m", 1, one, 4);
    expect_bad("escape bytes after dict", buf, n, RNN_ERR_FORMAT, "\"\\x1b[31mRED\\x1b[0m\"");
    n = make_file(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '\x1b[2J': 1}",
                  1, one, 4);
    expect_bad("escape bytes in a key", buf, n, RNN_ERR_FORMAT, "unexpected key '\\x1b[2J'");
    n = make_file(buf, 1, "{'descr': '\x07\xff', 'fortran_order': False, 'shape': (1,), }", 1, one,
                  4);
    expect_bad("bytes in the dtype", buf, n, RNN_ERR_FORMAT, "dtype '\\x07\\xff'");
    static const char nul_descr[] = "{'descr': '<f4\0x', 'fortran_order': False, 'shape': (1,), }";
    unsigned char hdr[sizeof nul_descr + 64];
    memset(hdr, ' ', sizeof hdr);
    memcpy(hdr, nul_descr, sizeof nul_descr - 1);
    hdr[117] = '\n';
    memcpy(buf, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(buf + 10, hdr, 118);
    memcpy(buf + 128, one, 4);
    expect_bad("NUL in the dtype", buf, 132, RNN_ERR_FORMAT, "dtype '<f4\\x00x'");

    /* HEADER_LEN 10, shorter than the dict (the probe's "structured array?"). */
    n = make_file(buf, 1, good, 1, one, 4);
    buf[8] = 10, buf[9] = 0;
    expect_bad("HEADER_LEN inside the dict", buf, n, RNN_ERR_FORMAT,
               "the header length field HEADER_LEN = 10 bytes is too small");
    /* HEADER_LEN past the padding, into the data. */
    n = make_file(buf, 1, good, 1, one, 4);
    buf[8] += 4;
    expect_bad("HEADER_LEN into the data", buf, n, RNN_ERR_FORMAT,
               "\"\\x00\\x00\\x80?\" (at byte 118 of the 122 bytes that the header length "
               "field HEADER_LEN");
    /* HEADER_LEN short of the padding's end: the dict parses, the sizes don't. */
    n = make_file(buf, 1, good, 1, one, 4);
    buf[8] -= 2;
    expect_bad("HEADER_LEN inside the padding", buf, n, RNN_ERR_FORMAT,
               "is the header length field HEADER_LEN = 116 wrong?");
    /* A header cut inside a word: blamed on HEADER_LEN, not on the word. */
    n = make_file(buf, 1, good, 1, one, 4);
    buf[8] = 38;
    expect_bad("HEADER_LEN inside 'False'", buf, n, RNN_ERR_FORMAT,
               "(expected True or False after 'fortran_order' there): the header length field "
               "HEADER_LEN = 38");
}

static void test_expect(void)
{
    float v[12] = {0};
    int64_t shape[2] = {3, 4};
    char path[128], err[256];
    path_in(path, sizeof path, "w.npy");
    rnn_npy_write(path, RNN_NPY_F32, v, 2, shape, err, sizeof err);
    rnn_npy a;
    CHECK(rnn_npy_read(path, &a, err, sizeof err) == RNN_OK, "%s", err);
    int64_t any[2] = {3, -1}, wrong[2] = {3, 5}, r3[3] = {1, 3, 4};
    CHECK(rnn_npy_expect(&a, "w.npy", RNN_NPY_F32, 2, any, NULL, err, sizeof err) == RNN_OK,
          "wildcard: %s", err);
    rnn_status st = rnn_npy_expect(&a, "w.npy", RNN_NPY_F32, 2, wrong, "(G*H, H)", err, sizeof err);
    CHECK(st == RNN_ERR_SIZE && strstr(err, "w.npy: shape (3, 4) but expected (3, 5) = (G*H, H)"),
          "shape: %d %s", st, err);
    printf("  %-24s %s\n", "shape mismatch", err);
    st = rnn_npy_expect(&a, "w.npy", RNN_NPY_F32, 3, r3, "(T, B, I)", err, sizeof err);
    CHECK(st == RNN_ERR_SIZE && strstr(err, "w.npy: 2 axes (3, 4) but expected 3"), "rank: %s", err);
    printf("  %-24s %s\n", "rank mismatch", err);
    st = rnn_npy_expect(&a, "w.npy", RNN_NPY_I32, 2, any, NULL, err, sizeof err);
    CHECK(st == RNN_ERR_FORMAT && strstr(err, "w.npy: dtype '<f4' but expected '<i4'"), "dtype: %s", err);
    rnn_npy_free(&a);
}

static void test_io_errors_and_atomicity(void)
{
    char path[128], err[256];
    rnn_npy a;
    path_in(path, sizeof path, "missing.npy");
    rnn_status st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, path) && strstr(err, "No such file"), "missing: %s", err);
    printf("  %-24s %s\n", "missing file", err);

    /* A failed write leaves the old file and no temporary behind. */
    float one = 1.0f, two = 2.0f;
    int64_t s1[1] = {1};
    path_in(path, sizeof path, "keep.npy");
    CHECK(rnn_npy_write(path, RNN_NPY_F32, &one, 1, s1, err, sizeof err) == RNN_OK, "%s", err);
    int before = count_dir_entries(dir);
    char sub[128];
    path_in(sub, sizeof sub, "adir");
    mkdir(sub, 0755);
    st = rnn_npy_write(sub, RNN_NPY_F32, &two, 1, s1, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, sub), "write over a directory: %d %s", st, err);
    printf("  %-24s %s\n", "write over a directory", err);
    CHECK(count_dir_entries(dir) == before + 1, "a temporary file was left behind (%d entries)",
          count_dir_entries(dir));
    rmdir(sub);
    path_in(sub, sizeof sub, "nodir/x.npy");
    st = rnn_npy_write(sub, RNN_NPY_F32, &two, 1, s1, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, sub), "write into a missing directory: %s", err);
    st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == RNN_OK && ((float *)a.data)[0] == 1.0f, "the old file was damaged");
    if (st == RNN_OK)
        rnn_npy_free(&a);
    /* A successful write replaces it whole. */
    CHECK(rnn_npy_write(path, RNN_NPY_F32, &two, 1, s1, err, sizeof err) == RNN_OK, "%s", err);
    st = rnn_npy_read(path, &a, err, sizeof err);
    CHECK(st == RNN_OK && ((float *)a.data)[0] == 2.0f, "the replacement was not written");
    if (st == RNN_OK)
        rnn_npy_free(&a);
    CHECK(count_dir_entries(dir) == before, "entries after replace: %d, expected %d",
          count_dir_entries(dir), before);
}

/* The printing writer: what a stream commits is whole and in place with no
 * temporary file left; an aborted one leaves the old file as it was. */
static void test_atomic_stream(void)
{
    char path[128], err[256];
    path_in(path, sizeof path, "stream.txt");
    int before = count_dir_entries(dir);
    rnn_atomic_file af;
    FILE *f = rnn_atomic_stream(&af, path, err, sizeof err);
    CHECK(f != NULL, "stream: %s", err);
    if (!f)
        return;
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    CHECK(rnn_atomic_commit(&af, path, err, sizeof err) == RNN_OK, "commit: %s", err);
    unsigned char *buf;
    size_t len;
    CHECK(rnn_read_file(path, 1 << 20, &buf, &len, err, sizeof err) == RNN_OK, "%s", err);
    CHECK(len == 8890 && memcmp(buf + len - 9, "line 999\n", 9) == 0,
          "stream: %zu bytes written, expected 8890 ending in line 999", len);
    free(buf);
    CHECK(count_dir_entries(dir) == before + 1, "stream: %d entries, expected %d",
          count_dir_entries(dir), before + 1);
    f = rnn_atomic_stream(&af, path, err, sizeof err);
    CHECK(f != NULL, "stream again: %s", err);
    if (!f)
        return;
    fprintf(f, "replacement\n");
    rnn_atomic_abort(&af);
    CHECK(rnn_read_file(path, 1 << 20, &buf, &len, err, sizeof err) == RNN_OK, "%s", err);
    CHECK(len == 8890, "an aborted stream changed the file (%zu bytes)", len);
    free(buf);
    CHECK(count_dir_entries(dir) == before + 1, "abort left %d entries, expected %d",
          count_dir_entries(dir), before + 1);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rnnsimd_test_npy_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip_f32();
    test_round_trip_i32_and_empty();
    test_exact_bytes();
    test_other_writers();
    printf("malformed files (status and message):\n");
    test_malformed();
    test_header_len_and_escapes();
    test_long_excerpts();
    test_expect();
    test_io_errors_and_atomicity();
    test_atomic_stream();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
    return check_summary();
}
