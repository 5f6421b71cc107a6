/* test_support.c — the judges' small parts in support/: the tolerance
 * policy's numbers (docs/conformance.md §3) recomputed from the documented
 * formulas, rnn_compare on hand-made differences (every position, the last
 * one included, and NaN and infinity), and the JSON writers every report
 * uses (a float32 reads back exactly; quotes, backslashes and control
 * characters escaped). The conformance runner and npy-compare pass only if
 * these hold, and nothing else checks them directly: a looser tolerance or a
 * blind compare makes every other test pass. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "json.h"
#include "tolerance.h"

/* Relative closeness for the formulas: they are a few exact operations. */
static int close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fabs(b);
}

static void test_tolerance_formulas(void)
{
    const double u = ldexp(1.0, -24), b = ldexp(1.0, -8);
    const double K[] = {1, 3, 50, 1057}, S[] = {1, 2, 21, 300};
    for (int i = 0; i < 4; i++) {
        const double fw = 64 * u * sqrt(K[i]) * sqrt(S[i]);
        const double gr = 256 * u * sqrt(K[i]) * sqrt(S[i]);
        CHECK(close_to(rnn_tolerance(RNN_TOL_FORWARD, K[i], S[i]), fw),
              "forward tolerance at K %g, S %g: %.6g, documented %.6g", K[i], S[i],
              rnn_tolerance(RNN_TOL_FORWARD, K[i], S[i]), fw);
        CHECK(close_to(rnn_tolerance(RNN_TOL_GRADIENT, K[i], S[i]), gr),
              "gradient tolerance at K %g, S %g: %.6g, documented %.6g", K[i], S[i],
              rnn_tolerance(RNN_TOL_GRADIENT, K[i], S[i]), gr);
        /* tol_bf16 = tol + 4 sqrt(tol 2^-8) */
        CHECK(close_to(rnn_tolerance_bf16(RNN_TOL_FORWARD, K[i], S[i]), fw + 4 * sqrt(fw * b)),
              "bf16 forward tolerance at K %g, S %g: %.6g, documented %.6g", K[i], S[i],
              rnn_tolerance_bf16(RNN_TOL_FORWARD, K[i], S[i]), fw + 4 * sqrt(fw * b));
        CHECK(close_to(rnn_tolerance_bf16(RNN_TOL_GRADIENT, K[i], S[i]), gr + 4 * sqrt(gr * b)),
              "bf16 gradient tolerance at K %g, S %g: %.6g, documented %.6g", K[i], S[i],
              rnn_tolerance_bf16(RNN_TOL_GRADIENT, K[i], S[i]), gr + 4 * sqrt(gr * b));
    }
    /* Depth and steps below 1 count as 1. */
    CHECK(rnn_tolerance(RNN_TOL_FORWARD, 0, 0) == rnn_tolerance(RNN_TOL_FORWARD, 1, 1),
          "K = S = 0 not taken as 1");
}

/* One element of an otherwise exact copy moved, at every position in turn:
 * each must fail (frac >= 1) and be named as the worst. */
static void test_compare_every_position(void)
{
    enum { N = 37 };
    float ref[N], got[N];
    for (int i = 0; i < N; i++)
        ref[i] = (float)(0.5 + 0.01 * i);
    const double tol = 1e-5;
    int missed = 0, misnamed = 0;
    for (int k = 0; k < N; k++) {
        memcpy(got, ref, sizeof got);
        got[k] += 0.25f; /* far past 8 tol (|ref| + max|ref|) */
        rnn_compare_result c = rnn_compare(got, ref, N, tol);
        missed += !(c.frac >= 1.0);
        misnamed += c.worst != (size_t)k;
        if (!(c.frac >= 1.0) || c.worst != (size_t)k)
            printf("  element %d moved: fraction %.3g, worst %zu\n", k, c.frac, c.worst);
    }
    CHECK(missed == 0, "%d of %d single-element changes passed the compare", missed, N);
    CHECK(misnamed == 0, "%d of %d single-element changes named another element", misnamed, N);
    memcpy(got, ref, sizeof got);
    rnn_compare_result same = rnn_compare(got, ref, N, tol);
    CHECK(same.frac == 0 && same.norm_err == 0, "an exact copy: fraction %.3g", same.frac);
    /* A change inside the tolerance passes, with a fraction above 0: one
     * element moved by 2^-20 relative. */
    got[N - 1] = ref[N - 1] * (1.0f + 0x1p-20f);
    rnn_compare_result small = rnn_compare(got, ref, N, tol);
    CHECK(small.frac > 0 && small.frac < 1, "a change of 2^-20 relative: fraction %.3g",
          small.frac);
    /* One element: n = 1 is the last element too. */
    float one_ref = 1.0f, one_got = 1.5f;
    CHECK(rnn_compare(&one_got, &one_ref, 1, tol).frac >= 1, "a single wrong element passed");
}

static void test_compare_special(void)
{
    const double tol = 1e-5;
    float ref[4] = {1, 2, 3, 4}, got[4] = {1, 2, 3, 4};
    got[3] = NAN;
    rnn_compare_result c = rnn_compare(got, ref, 4, tol);
    CHECK(isinf(c.frac) && c.worst == 3, "NaN in the last element of got: fraction %g, worst %zu",
          c.frac, c.worst);
    got[3] = 4;
    ref[3] = NAN;
    c = rnn_compare(got, ref, 4, tol);
    CHECK(isinf(c.frac) && c.worst == 3, "NaN in the last element of ref only: fraction %g",
          c.frac);
    got[3] = NAN;
    c = rnn_compare(got, ref, 4, tol);
    CHECK(c.frac == 0, "NaN in both at one position counts as equal: fraction %g", c.frac);
    ref[3] = INFINITY;
    got[3] = INFINITY;
    c = rnn_compare(got, ref, 4, tol);
    CHECK(c.frac == 0, "the same infinity in both: fraction %g", c.frac);
    got[3] = -INFINITY;
    c = rnn_compare(got, ref, 4, tol);
    CHECK(isinf(c.frac) && c.worst == 3, "opposite infinities: fraction %g", c.frac);
}

/* What a writer printed, as a string (malloc'd). */
static char *written(void (*put)(FILE *, const void *), const void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    put(f, arg);
    fclose(f);
    return text;
}

static void put_string(FILE *f, const void *s)
{
    rnn_json_string(f, s);
}

static void put_number(FILE *f, const void *v)
{
    rnn_json_number(f, *(const double *)v);
}

static void test_json(void)
{
    struct {
        const char *in, *out;
    } strs[] = {
        {"plain", "\"plain\""},
        {"a\"b", "\"a\\\"b\""},
        {"C:\\dir\\x", "\"C:\\\\dir\\\\x\""},
        {"tab\there\nnl", "\"tab\\u0009here\\u000anl\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *t = written(put_string, strs[i].in);
        CHECK(t && strcmp(t, strs[i].out) == 0, "rnn_json_string: wrote %s, expected %s",
              t ? t : "(nothing)", strs[i].out);
        free(t);
    }
    /* Every float32 fraction a report writes must read back as itself. */
    const float vals[] = {0.1f, 1.0f / 3.0f, 0.0694f, 16777217.0f, 1.17549435e-38f,
                          3.40282347e38f, -2.5e-7f, 0.99999994f};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const double v = vals[i];
        char *t = written(put_number, &v);
        CHECK(t && strtof(t, NULL) == vals[i], "rnn_json_number(%.9g) wrote %s: reads back as "
              "%.9g", v, t ? t : "(nothing)", t ? strtof(t, NULL) : 0.0f);
        free(t);
    }
    const double nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        char *t = written(put_number, &nonfinite[i]);
        CHECK(t && strcmp(t, "null") == 0, "rnn_json_number(%g) wrote %s, not null",
              nonfinite[i], t ? t : "(nothing)");
        free(t);
    }
}

int main(void)
{
    test_tolerance_formulas();
    test_compare_every_position();
    test_compare_special();
    test_json();
    return check_summary();
}
