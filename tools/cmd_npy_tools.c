/* cmd_npy_tools.c — small .npy helpers for tests and scripts:
 *   npy-compare GOT REF   the project's tolerance check (support/tolerance.h)
 *   npy-write FILE V...   a .npy from numbers on the command line
 *   npy-print FILE        shape, dtype and values */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "npy.h"
#include "tolerance.h"
#include "tools.h"

static const char compare_usage[] =
    "usage: rnnsimd npy-compare GOT REF (--tol X | --policy forward|gradient --depth K --steps S\n"
    "                           [--dtype f32|bf16])\n"
    "\n"
    "Compares GOT with REF (same dtype float32 and shape) by the project's tolerance check:\n"
    "norm-wise ||GOT-REF|| / ||REF|| <= tol and per element |d_i| <= 8 tol (|ref_i| + max|ref|).\n"
    "Prints the error as a fraction of the tolerance (< 1 passes).\n"
    "  --tol X        the tolerance itself\n"
    "  --policy P     derive it as support/tolerance.h does: c u sqrt(K) sqrt(S), c = 64 forward,\n"
    "                 256 gradient; --depth K (dot-product depth, e.g. I + H), --steps S\n"
    "  --dtype T      f32 (default) or bf16: a bf16 plan's output against the bf16 reference\n"
    "                 (`run --dtype bf16`), whose tolerance adds bf16's operand rounding\n"
    "                 (docs/design.md §8)\n"
    "exit status: 0 within tolerance, 1 outside it or a bad file, 2 a usage error.\n";

int cmd_npy_compare(int argc, char **argv)
{
    const char *pos[2], *policy = NULL, *dtype_s = NULL;
    int np = 0;
    double tol = -1, depth = -1, steps = -1;
    opt_spec specs[] = {
        {"tol", OPT_F64, &tol, 0, 1e30, 0, NULL, 0},
        {"policy", OPT_STR, &policy, 0, 0, 0, NULL, 0},
        {"depth", OPT_F64, &depth, 1, 1e12, 0, NULL, 0},
        {"steps", OPT_F64, &steps, 1, 1e12, 0, NULL, 0},
        {"dtype", OPT_STR, &dtype_s, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("npy-compare", argc, argv, specs, 5, compare_usage, pos, 2, &np);
    if (r)
        return r < 0 ? 0 : r;
    if (np != 2) {
        fprintf(stderr, "rnnsimd npy-compare: expected two files, GOT and REF\n");
        return EXIT_USAGE;
    }
    if (policy) {
        if (depth < 0 || steps < 0) {
            fprintf(stderr, "rnnsimd npy-compare: --policy needs --depth and --steps\n");
            return EXIT_USAGE;
        }
        if (strcmp(policy, "forward") && strcmp(policy, "gradient")) {
            fprintf(stderr, "rnnsimd npy-compare: unknown --policy '%s'; expected forward or "
                            "gradient\n", policy);
            return EXIT_USAGE;
        }
        rnn_dtype dtype = RNN_DTYPE_F32;
        if (dtype_s && rnn_dtype_parse(dtype_s, &dtype) != RNN_OK) {
            fprintf(stderr, "rnnsimd npy-compare: unknown --dtype '%s'; expected f32 or bf16\n",
                    dtype_s);
            return EXIT_USAGE;
        }
        const rnn_tol_kind kind =
            strcmp(policy, "forward") == 0 ? RNN_TOL_FORWARD : RNN_TOL_GRADIENT;
        tol = dtype == RNN_DTYPE_BF16 ? rnn_tolerance_bf16(kind, depth, steps)
                                      : rnn_tolerance(kind, depth, steps);
    } else if (dtype_s) {
        fprintf(stderr, "rnnsimd npy-compare: --dtype needs --policy\n");
        return EXIT_USAGE;
    }
    if (tol < 0) {
        fprintf(stderr, "rnnsimd npy-compare: give --tol or --policy (see --help)\n");
        return EXIT_USAGE;
    }
    rnn_npy a, b;
    char err[1024];
    if (rnn_npy_read(pos[0], &a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (rnn_npy_read(pos[1], &b, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n", err);
        rnn_npy_free(&a);
        return EXIT_RUNTIME;
    }
    int status = 0;
    if (rnn_npy_expect(&a, pos[0], RNN_NPY_F32, b.rank, b.shape, pos[1], err, sizeof err) != RNN_OK ||
        b.dtype != RNN_NPY_F32) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n",
                b.dtype != RNN_NPY_F32 ? "REF is not float32" : err);
        status = EXIT_RUNTIME;
    } else {
        rnn_compare_result c = rnn_compare(a.data, b.data, a.count, tol);
        const float *ga = a.data, *gb = b.data;
        int ok = c.frac < 1.0;
        printf("%s: %s vs %s: %zu values, norm err %.3g, worst [%zu] %.9g vs %.9g, %.3g of tol %.3g\n",
               ok ? "ok" : "FAIL", pos[0], pos[1], a.count, c.norm_err, c.worst,
               a.count ? ga[c.worst] : 0.0, a.count ? gb[c.worst] : 0.0, c.frac, c.tol);
        status = ok ? 0 : EXIT_RUNTIME;
    }
    rnn_npy_free(&a);
    rnn_npy_free(&b);
    return status;
}

static const char write_usage[] =
    "usage: rnnsimd npy-write FILE --shape D0,D1,... [--dtype f4|i4] VALUE...\n"
    "\n"
    "Writes the values (C order) as a version 1.0 little-endian .npy file. --shape ''\n"
    "writes a scalar. The number of values must be the product of the shape.\n";

int cmd_npy_write(int argc, char **argv)
{
    const char *shape_s = NULL, *dtype_s = "f4";
    const char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *pos);
    if (!pos)
        return EXIT_RUNTIME;
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
        status = EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        char *end;
        errno = 0;
        if (dt == RNN_NPY_F32) {
            ((float *)data)[i] = strtof(pos[1 + i], &end);
        } else {
            long long v = strtoll(pos[1 + i], &end, 10);
            if (v < INT32_MIN || v > INT32_MAX)
                errno = ERANGE;
            ((int32_t *)data)[i] = (int32_t)v;
        }
        if (errno || end == pos[1 + i] || *end) {
            fprintf(stderr, "rnnsimd npy-write: value '%s' is not a %s\n", pos[1 + i],
                    dt == RNN_NPY_F32 ? "float32" : "int32");
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
    "usage: rnnsimd npy-print FILE\n"
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
