/* cmd_npy_compare.c — `rnnsimd npy-compare`: the project's tolerance check
 * (support/tolerance.h) on two .npy files, or on every .npy file of two
 * directories (a `run --out` directory against the outputs PyTorch or the
 * reference gave), each file judged by its own policy. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "npy.h"
#include "tolerance.h"
#include "tools.h"

static const char compare_usage[] =
    "usage: rnnsimd npy-compare GOT REF (--tol X | --policy forward|gradient|auto --depth K\n"
    "                           --steps S [--dtype f32|bf16]) [--nan-equal]\n"
    "\n"
    "Compares GOT with REF (same dtype float32 and shape) by the project's tolerance check:\n"
    "norm-wise ||GOT-REF|| / ||REF|| <= tol and per element |d_i| <= 8 tol (|ref_i| + max|ref|).\n"
    "Prints the error as a fraction of the tolerance (< 1 passes) and how many positions\n"
    "are NaN in both files. Give either --tol or --policy, not both.\n"
    "GOT and REF may both be directories: every .npy file of REF is compared with the file\n"
    "of the same name in GOT, a line each, then a summary line; a .npy file in only one of\n"
    "them fails, and so does a REF holding none. Other entries are not looked at.\n"
    "  --tol X        the tolerance itself\n"
    "  --policy P     derive it as support/tolerance.h does: c u sqrt(K) sqrt(S), c = 64 forward,\n"
    "                 256 gradient; --depth K (dot-product depth, e.g. I + H), --steps S.\n"
    "                 auto: gradient for a REF file whose name starts with grad_, forward\n"
    "                 for any other (the names `rnnsimd run` writes)\n"
    "  --dtype T      f32 (default) or bf16: a bf16 plan's output against the bf16 reference\n"
    "                 (`run --dtype bf16`), whose tolerance adds bf16's operand rounding\n"
    "                 (docs/design.md §8)\n"
    "  --nan-equal    a NaN in both files at the same position counts as equal (e.g. a\n"
    "                 kernel propagating a NaN input as the reference does). Without it\n"
    "                 any NaN fails: a NaN in both is no evidence the two agree. A NaN in\n"
    "                 one file only always fails.\n"
    "Files whose names start with '-' go after --: npy-compare --tol 1e-5 -- -a.npy b.npy\n"
    "exit status: 0 within tolerance (every file, for directories), 1 outside it, a bad or\n"
    "missing file, 2 a usage error.\n";

static const char me[] = "rnnsimd npy-compare";

/* The options of npy-compare once parsed: which tolerance, from where. */
typedef struct {
    const char *policy, *dtype_s;
    double tol, depth, steps;
    int tol_given, nan_equal;
    rnn_dtype dtype;
} compare_opts;

/* Checks --tol against --policy (exactly one) and the policy's inputs; 0
 * or a usage error after a message. Both given would silently drop one of
 * them. The policy's tolerance itself is file_tolerance's, per file. */
static int compare_options(compare_opts *o)
{
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
    if (strcmp(o->policy, "forward") && strcmp(o->policy, "gradient") &&
        strcmp(o->policy, "auto")) {
        fprintf(stderr, "%s: unknown --policy '%s'; expected forward, gradient or auto\n", me,
                o->policy);
        return EXIT_USAGE;
    }
    o->dtype = RNN_DTYPE_F32;
    if (o->dtype_s && rnn_dtype_parse(o->dtype_s, &o->dtype) != RNN_OK) {
        fprintf(stderr, "%s: unknown --dtype '%s'; expected f32 or bf16\n", me, o->dtype_s);
        return EXIT_USAGE;
    }
    return 0;
}

/* The tolerance for REF file path: --tol, or the policy's (auto: by the
 * file's base name). */
static double file_tolerance(const compare_opts *o, const char *ref)
{
    if (!o->policy)
        return o->tol;
    const char *base = strrchr(ref, '/');
    base = base ? base + 1 : ref;
    const int gradient = strcmp(o->policy, "auto") == 0 ? strncmp(base, "grad_", 5) == 0
                                                        : strcmp(o->policy, "gradient") == 0;
    const rnn_tol_kind kind = gradient ? RNN_TOL_GRADIENT : RNN_TOL_FORWARD;
    return o->dtype == RNN_DTYPE_BF16 ? rnn_tolerance_bf16(kind, o->depth, o->steps)
                                      : rnn_tolerance(kind, o->depth, o->steps);
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

/* Compares two float32 arrays of the same shape under tol and prints the
 * verdict; 0 within tolerance, EXIT_RUNTIME outside it. */
static int compare_print(const rnn_npy *a, const char *na, const rnn_npy *b, const char *nb,
                         double tol, int nan_equal)
{
    const float *ga = a->data, *gb = b->data;
    rnn_compare_result c = rnn_compare(ga, gb, a->count, tol);
    size_t first_nan = 0, n_nan = nan_in_both(ga, gb, a->count, &first_nan);
    int ok = c.frac < 1.0 && (n_nan == 0 || nan_equal);
    /* Within tolerance but for the NaNs: they are the worst positions. */
    size_t worst = c.frac < 1.0 && !ok ? first_nan : c.worst;
    printf("%s: %s vs %s: %zu values, norm err %.3g, worst [%zu] %.9g vs %.9g, %.3g of tol %.3g; "
           "%zu NaN in both files%s\n",
           ok ? "ok" : "FAIL", na, nb, a->count, c.norm_err, worst,
           a->count ? ga[worst] : 0.0, a->count ? gb[worst] : 0.0, c.frac, c.tol, n_nan,
           n_nan == 0   ? ""
           : nan_equal ? " (counted equal: --nan-equal)"
                       : " (a failure; --nan-equal counts them equal)");
    return ok ? 0 : EXIT_RUNTIME;
}

/* Reads both files and compares them; 0, or EXIT_RUNTIME after a message. */
static int compare_files(const char *na, const char *nb, const compare_opts *o)
{
    rnn_npy a, b;
    char err[1024];
    if (rnn_npy_read(na, &a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "%s: %s\n", me, err);
        return EXIT_RUNTIME;
    }
    if (rnn_npy_read(nb, &b, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "%s: %s\n", me, err);
        rnn_npy_free(&a);
        return EXIT_RUNTIME;
    }
    int status;
    if (rnn_npy_expect(&a, na, RNN_NPY_F32, b.rank, b.shape, nb, err, sizeof err) != RNN_OK ||
        b.dtype != RNN_NPY_F32) {
        fprintf(stderr, "%s: %s\n", me, b.dtype != RNN_NPY_F32 ? "REF is not float32" : err);
        status = EXIT_RUNTIME;
    } else {
        status = compare_print(&a, na, &b, nb, file_tolerance(o, nb), o->nan_equal);
    }
    rnn_npy_free(&a);
    rnn_npy_free(&b);
    return status;
}

/* ---- two directories ---- */

typedef struct {
    char **v;
    size_t n;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that end in .npy (and are more than that), sorted;
 * 0, or EXIT_RUNTIME after a message. */
static int npy_names(const char *dir, name_list *l)
{
    l->v = NULL;
    l->n = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "%s: %s: cannot list: %s\n", me, dir, strerror(errno));
        return EXIT_RUNTIME;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".npy") != 0)
            continue;
        if (l->n == cap) {
            cap = cap ? 2 * cap : 16;
            char **v = realloc(l->v, cap * sizeof *v);
            if (!v)
                goto nomem;
            l->v = v;
        }
        if (!(l->v[l->n] = strdup(e->d_name)))
            goto nomem;
        l->n++;
    }
    closedir(dp);
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, by_name);
    return 0;
nomem:
    closedir(dp);
    names_free(l);
    fprintf(stderr, "%s: %s: out of memory listing it\n", me, dir);
    return EXIT_RUNTIME;
}

/* dir/name into a new string (NULL when out of memory). */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *p = malloc(n + 1 + strlen(name) + 1);
    if (p)
        sprintf(p, "%.*s/%s", (int)n, dir, name);
    return p;
}

/* Every .npy of ref against got's file of the same name, the two lists
 * walked in order; a name in one list only fails. Prints a line a file
 * and a summary; 0 when every file passed, else EXIT_RUNTIME. */
static int compare_dirs(const char *got, const char *ref, const compare_opts *o)
{
    name_list g, r;
    if (npy_names(got, &g))
        return EXIT_RUNTIME;
    if (npy_names(ref, &r)) {
        names_free(&g);
        return EXIT_RUNTIME;
    }
    size_t ok = 0, bad = 0, i = 0, j = 0;
    const int empty = r.n == 0; /* nothing compared is no evidence of agreement */
    if (empty)
        fprintf(stderr, "%s: %s holds no .npy file to compare with\n", me, ref);
    while (i < g.n || j < r.n) {
        const int c = i == g.n ? 1 : j == r.n ? -1 : strcmp(g.v[i], r.v[j]);
        if (c < 0) {
            printf("FAIL: %s: %s has it, %s does not\n", g.v[i], got, ref);
            bad++, i++;
            continue;
        }
        if (c > 0) {
            printf("FAIL: %s: missing from %s (%s has it)\n", r.v[j], got, ref);
            bad++, j++;
            continue;
        }
        char *pg = join(got, g.v[i]), *pr = join(ref, r.v[j]);
        if (pg && pr && compare_files(pg, pr, o) == 0)
            ok++;
        else
            bad++;
        if (!pg || !pr)
            fprintf(stderr, "%s: out of memory\n", me);
        free(pg);
        free(pr);
        i++, j++;
    }
    printf("%s vs %s: %zu files, %zu ok, %zu failed\n", got, ref, ok + bad, ok, bad);
    names_free(&g);
    names_free(&r);
    return bad || empty ? EXIT_RUNTIME : 0;
}

/* 1 a directory, 0 anything else, -1 nothing there (*why says why). */
static int is_dir(const char *path, int *why)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *why = errno;
        return -1;
    }
    return S_ISDIR(st.st_mode) != 0;
}

int cmd_npy_compare(int argc, char **argv)
{
    const char *pos[2];
    int np = 0;
    compare_opts o = {NULL, NULL, -1, -1, -1, 0, 0, RNN_DTYPE_F32};
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
        fprintf(stderr, "%s: expected two files (or two directories), GOT and REF\n", me);
        return EXIT_USAGE;
    }
    o.tol_given = specs[0].seen;
    if ((r = compare_options(&o)) != 0)
        return r;
    int eg = 0, er = 0;
    const int dg = is_dir(pos[0], &eg), dr = is_dir(pos[1], &er);
    if (dg == 1 || dr == 1) {
        const char *dir = dg == 1 ? pos[0] : pos[1], *other = dg == 1 ? pos[1] : pos[0];
        const int other_kind = dg == 1 ? dr : dg;
        if (other_kind < 0) { /* e.g. a run that never wrote its --out */
            fprintf(stderr, "%s: %s: %s\n", me, other, strerror(dg == 1 ? er : eg));
            return EXIT_RUNTIME;
        }
        if (other_kind == 0) {
            fprintf(stderr, "%s: %s is a directory and %s is not; give two files or two "
                    "directories\n", me, dir, other);
            return EXIT_USAGE;
        }
        return compare_dirs(pos[0], pos[1], &o);
    }
    return compare_files(pos[0], pos[1], &o);
}
