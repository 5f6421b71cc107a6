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
    "                           [--dtype f32|bf16]) [--nan-equal]\n"
    "\n"
    "Compares GOT with REF (same dtype float32 and shape) by the project's tolerance check:\n"
    "norm-wise ||GOT-REF|| / ||REF|| <= tol and per element |d_i| <= 8 tol (|ref_i| + max|ref|).\n"
    "Prints the error as a fraction of the tolerance (< 1 passes) and how many positions\n"
    "are NaN in both files. Give either --tol or --policy, not both.\n"
    "  --tol X        the tolerance itself\n"
    "  --policy P     derive it as support/tolerance.h does: c u sqrt(K) sqrt(S), c = 64 forward,\n"
    "                 256 gradient; --depth K (dot-product depth, e.g. I + H), --steps S\n"
    "  --dtype T      f32 (default) or bf16: a bf16 plan's output against the bf16 reference\n"
    "                 (`run --dtype bf16`), whose tolerance adds bf16's operand rounding\n"
    "                 (docs/design.md §8)\n"
    "  --nan-equal    a NaN in both files at the same position counts as equal (e.g. a\n"
    "                 kernel propagating a NaN input as the reference does). Without it\n"
    "                 any NaN fails: a NaN in both is no evidence the two agree. A NaN in\n"
    "                 one file only always fails.\n"
    "Files whose names start with '-' go after --: npy-compare --tol 1e-5 -- -a.npy b.npy\n"
    "exit status: 0 within tolerance, 1 outside it or a bad file, 2 a usage error.\n";

/* The options of npy-compare once parsed: which tolerance, from where. */
typedef struct {
    const char *policy, *dtype_s;
    double tol, depth, steps;
    int tol_given, nan_equal;
} compare_opts;

/* The tolerance from --tol or --policy (exactly one); 0 or a usage error
 * after a message. Both given would silently drop one of them. */
static int compare_tolerance(compare_opts *o)
{
    const char *me = "rnnsimd npy-compare";
    if (o->tol_given && o->policy) {
        fprintf(stderr, "%s: --tol and --policy both set the tolerance; give one of them\n", me);
        return EXIT_USAGE;
    }
    if (!o->policy) {
        if (o->dtype_s || o->depth >= 0 || o->steps >= 0) {
            fprintf(stderr, "%s: --%s needs --policy\n", me,
                    o->dtype_s ? "dtype" : o->depth >= 0 ? "depth" : "steps");
            return EXIT_USAGE;
        }
        if (!o->tol_given) {
            fprintf(stderr, "%s: give --tol or --policy (see --help)\n", me);
            return EXIT_USAGE;
        }
        return 0;
    }
    if (o->depth < 0 || o->steps < 0) {
        fprintf(stderr, "%s: --policy needs --depth and --steps\n", me);
        return EXIT_USAGE;
    }
    if (strcmp(o->policy, "forward") && strcmp(o->policy, "gradient")) {
        fprintf(stderr, "%s: unknown --policy '%s'; expected forward or gradient\n", me,
                o->policy);
        return EXIT_USAGE;
    }
    rnn_dtype dtype = RNN_DTYPE_F32;
    if (o->dtype_s && rnn_dtype_parse(o->dtype_s, &dtype) != RNN_OK) {
        fprintf(stderr, "%s: unknown --dtype '%s'; expected f32 or bf16\n", me, o->dtype_s);
        return EXIT_USAGE;
    }
    const rnn_tol_kind kind =
        strcmp(o->policy, "forward") == 0 ? RNN_TOL_FORWARD : RNN_TOL_GRADIENT;
    o->tol = dtype == RNN_DTYPE_BF16 ? rnn_tolerance_bf16(kind, o->depth, o->steps)
                                     : rnn_tolerance(kind, o->depth, o->steps);
    return 0;
}

/* Positions where both are NaN (rnn_compare skips them as equal), and the
 * first of them in *first. */
static size_t nan_in_both(const float *a, const float *b, size_t n, size_t *first)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isnan(a[i]) && isnan(b[i]) && k++ == 0)
            *first = i;
    return k;
}

/* Compares two float32 arrays of the same shape and prints the verdict;
 * 0 within tolerance, EXIT_RUNTIME outside it. */
static int compare_print(const rnn_npy *a, const char *na, const rnn_npy *b, const char *nb,
                         const compare_opts *o)
{
    const float *ga = a->data, *gb = b->data;
    rnn_compare_result c = rnn_compare(ga, gb, a->count, o->tol);
    size_t first_nan = 0, n_nan = nan_in_both(ga, gb, a->count, &first_nan);
    int ok = c.frac < 1.0 && (n_nan == 0 || o->nan_equal);
    /* Within tolerance but for the NaNs: they are the worst positions. */
    size_t worst = c.frac < 1.0 && !ok ? first_nan : c.worst;
    printf("%s: %s vs %s: %zu values, norm err %.3g, worst [%zu] %.9g vs %.9g, %.3g of tol %.3g; "
           "%zu NaN in both files%s\n",
           ok ? "ok" : "FAIL", na, nb, a->count, c.norm_err, worst,
           a->count ? ga[worst] : 0.0, a->count ? gb[worst] : 0.0, c.frac, c.tol, n_nan,
           n_nan == 0       ? ""
           : o->nan_equal ? " (counted equal: --nan-equal)"
                          : " (a failure; --nan-equal counts them equal)");
    return ok ? 0 : EXIT_RUNTIME;
}

/* Reads both files and compares them; 0, or EXIT_RUNTIME after a message. */
static int compare_files(const char *na, const char *nb, const compare_opts *o)
{
    rnn_npy a, b;
    char err[1024];
    if (rnn_npy_read(na, &a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (rnn_npy_read(nb, &b, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n", err);
        rnn_npy_free(&a);
        return EXIT_RUNTIME;
    }
    int status;
    if (rnn_npy_expect(&a, na, RNN_NPY_F32, b.rank, b.shape, nb, err, sizeof err) != RNN_OK ||
        b.dtype != RNN_NPY_F32) {
        fprintf(stderr, "rnnsimd npy-compare: %s\n",
                b.dtype != RNN_NPY_F32 ? "REF is not float32" : err);
        status = EXIT_RUNTIME;
    } else {
        status = compare_print(&a, na, &b, nb, o);
    }
    rnn_npy_free(&a);
    rnn_npy_free(&b);
    return status;
}

int cmd_npy_compare(int argc, char **argv)
{
    const char *pos[2];
    int np = 0;
    compare_opts o = {NULL, NULL, -1, -1, -1, 0, 0};
    opt_spec specs[] = {
        {"tol", OPT_F64, &o.tol, 0, 1e30, 0, NULL, 0},
        {"policy", OPT_STR, &o.policy, 0, 0, 0, NULL, 0},
        {"depth", OPT_F64, &o.depth, 1, 1e12, 0, NULL, 0},
        {"steps", OPT_F64, &o.steps, 1, 1e12, 0, NULL, 0},
        {"dtype", OPT_STR, &o.dtype_s, 0, 0, 0, NULL, 0},
        {"nan-equal", OPT_FLAG, &o.nan_equal, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("npy-compare", argc, argv, specs, sizeof specs / sizeof specs[0],
                       compare_usage, pos, 2, &np);
    if (r)
        return r < 0 ? 0 : r;
    if (np != 2) {
        fprintf(stderr, "rnnsimd npy-compare: expected two files, GOT and REF\n");
        return EXIT_USAGE;
    }
    o.tol_given = specs[0].seen;
    if ((r = compare_tolerance(&o)) != 0)
        return r;
    return compare_files(pos[0], pos[1], &o);
}

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
