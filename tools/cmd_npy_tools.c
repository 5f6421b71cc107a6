/* cmd_npy_tools.c — small .npy helpers for tests and scripts:
 *   npy-write FILE V...   a .npy from numbers on the command line
 *   npy-print FILE        shape, dtype and values
 * (npy-compare, the tolerance check, is cmd_npy_compare.c.) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "npy.h"
#include "tools.h"

static const char write_usage[] =
    "usage: rnnsimd npy-write FILE --shape D0,D1,... [--dtype f4|i4] [--] VALUE...\n"
    "\n"
    "Writes the values (C order) as a version 1.0 little-endian .npy file. --shape ''\n"
    "writes a scalar. The number of values must be the product of the shape.\n"
    "An f4 value is any number strtof reads, rounded to float32: inf, nan and subnormals\n"
    "(down to 1.4e-45) included; one beyond float32's range (above 3.4e38 in magnitude,\n"
    "or nonzero but rounding to 0) is an error. A negative value (-1.5, -inf, -nan) may\n"
    "stand anywhere; after -- every argument is a value or FILE, whatever it looks like.\n";

/* A float32 value as typed; NULL, or what is wrong with it. strtof flags
 * subnormal results with ERANGE too, but they are float32 values (rounded
 * like any other); only overflow to inf and a nonzero text rounding to 0
 * would write a number that was not typed. */
static const char *parse_f32(const char *text, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(text, &end);
    if (end == text || *end)
        return "is not a float32";
    if (errno == ERANGE && isinf(v))
        return "is out of float32's range (its magnitude is above 3.40282347e+38)";
    if (errno == ERANGE && v == 0)
        return "is out of float32's range (nonzero, but below the smallest subnormal, "
               "1.4e-45: it would be 0)";
    *out = v;
    return NULL;
}

/* An int32 value; NULL, or what is wrong with it. */
static const char *parse_i32(const char *text, int32_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end)
        return "is not an int32";
    if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
        return "is out of int32's range";
    *out = (int32_t)v;
    return NULL;
}

int cmd_npy_write(int argc, char **argv)
{
    const char *shape_s = NULL, *dtype_s = "f4";
    const char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *pos);
    if (!pos) {
        fprintf(stderr, "rnnsimd npy-write: out of memory\n");
        return EXIT_RUNTIME;
    }
    int np = 0, status = 0;
    opt_spec specs[] = {
        {"shape", OPT_STR, &shape_s, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &dtype_s, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("npy-write", argc, argv, specs, 2, write_usage, pos, argc, &np);
    void *data = NULL;
    if (r) {
        status = r < 0 ? 0 : r;
        goto done;
    }
    if (!shape_s) {
        status = opts_missing("npy-write", "shape");
        goto done;
    }
    if (np < 1) {
        fprintf(stderr, "rnnsimd npy-write: expected FILE and values\n");
        status = EXIT_USAGE;
        goto done;
    }
    rnn_npy_dtype dt;
    if (strcmp(dtype_s, "f4") == 0)
        dt = RNN_NPY_F32;
    else if (strcmp(dtype_s, "i4") == 0)
        dt = RNN_NPY_I32;
    else {
        fprintf(stderr, "rnnsimd npy-write: unknown --dtype '%s'; expected f4 or i4\n", dtype_s);
        status = EXIT_USAGE;
        goto done;
    }
    int64_t shape[RNN_NPY_MAX_RANK];
    int rank = 0;
    size_t count = 1;
    for (const char *p = shape_s; *p;) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || end == p || v < 0 || rank == RNN_NPY_MAX_RANK || (*end && *end != ',') ||
            v > 1000000) {
            fprintf(stderr, "rnnsimd npy-write: --shape '%s' is not a list like 2,3\n", shape_s);
            status = EXIT_USAGE;
            goto done;
        }
        shape[rank++] = v;
        count *= (size_t)v;
        if (count > 100000000) {
            fprintf(stderr, "rnnsimd npy-write: --shape '%s' is too large\n", shape_s);
            status = EXIT_USAGE;
            goto done;
        }
        p = *end ? end + 1 : end;
    }
    if ((size_t)(np - 1) != count) {
        fprintf(stderr, "rnnsimd npy-write: shape (%s) holds %zu values, %d given\n", shape_s, count,
                np - 1);
        status = EXIT_USAGE;
        goto done;
    }
    data = malloc((count ? count : 1) * 4);
    if (!data) {
        fprintf(stderr, "rnnsimd npy-write: out of memory for %zu values\n", count);
        status = EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const char *why = dt == RNN_NPY_F32 ? parse_f32(pos[1 + i], (float *)data + i)
                                            : parse_i32(pos[1 + i], (int32_t *)data + i);
        if (why) {
            fprintf(stderr, "rnnsimd npy-write: value '%s' %s\n", pos[1 + i], why);
            status = EXIT_USAGE;
            goto done;
        }
    }
    char err[1024];
    if (rnn_npy_write(pos[0], dt, data, rank, shape, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-write: %s\n", err);
        status = EXIT_RUNTIME;
    }
done:
    free(data);
    free(pos);
    return status;
}

static const char print_usage[] =
    "usage: rnnsimd npy-print [--] FILE\n"
    "\n"
    "Prints the shape and dtype, then the values (%.9g: float32 exactly), one row of\n"
    "the last axis per line.\n";

int cmd_npy_print(int argc, char **argv)
{
    const char *pos[1];
    int np = 0;
    int r = opts_parse("npy-print", argc, argv, NULL, 0, print_usage, pos, 1, &np);
    if (r)
        return r < 0 ? 0 : r;
    if (np != 1) {
        fprintf(stderr, "rnnsimd npy-print: expected one FILE\n");
        return EXIT_USAGE;
    }
    rnn_npy a;
    char err[1024], shape[256];
    if (rnn_npy_read(pos[0], &a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-print: %s\n", err);
        return EXIT_RUNTIME;
    }
    rnn_npy_shape_str(a.rank, a.shape, shape, sizeof shape);
    printf("shape %s %s\n", shape, a.dtype == RNN_NPY_F32 ? "<f4" : "<i4");
    size_t row = a.rank ? (size_t)a.shape[a.rank - 1] : 1;
    for (size_t i = 0; i < a.count; i++) {
        if (a.dtype == RNN_NPY_F32)
            printf("%s%.9g", i % row ? " " : "", ((float *)a.data)[i]);
        else
            printf("%s%d", i % row ? " " : "", ((int32_t *)a.data)[i]);
        if ((i + 1) % row == 0)
            printf("\n");
    }
    rnn_npy_free(&a);
    return 0;
}
