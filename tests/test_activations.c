/* test_activations.c — exp, tanh and sigmoid of every kernel table this CPU
 * runs against MPFR (80-bit, so the reference is exact at float scale), in
 * float ULPs of the true value: a dense grid over [-20, 20], random float bits
 * in that range, a logarithmic sweep of tiny |x| (tanh's relative accuracy
 * near 0), exp over its whole finite range and sigmoid down to its denormal
 * results. Prints function, ISA, max ULP and the bound it must meet (the
 * bounds stated in kernels/simd/vmath.h). Special values
 * (+-0, +-inf, NaN, denormals, saturation points) must give the exact limits
 * and identical bits on every table; so must every swept point, since all
 * tables run one algorithm. */
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "kernels.h"

enum { F_EXP, F_TANH, F_SIGMOID, F_COUNT };
static const char *const fname[F_COUNT] = {"exp", "tanh", "sigmoid"};
static const double bound[F_COUNT] = {1.0, 2.0, 2.0};

static void apply(const rnn_kernels *k, int f, size_t n, const float *x, float *y)
{
    if (f == F_EXP)
        k->vexp(n, x, y);
    else if (f == F_TANH)
        k->vtanh(n, x, y);
    else
        k->vsigmoid(n, x, y);
}

static double reference(int f, float xf)
{
    mpfr_t x, y;
    mpfr_inits2(80, x, y, (mpfr_ptr)0);
    mpfr_set_flt(x, xf, MPFR_RNDN);
    if (f == F_EXP) {
        mpfr_exp(y, x, MPFR_RNDN);
    } else if (f == F_TANH) {
        mpfr_tanh(y, x, MPFR_RNDN);
    } else {
        mpfr_neg(y, x, MPFR_RNDN);
        mpfr_exp(y, y, MPFR_RNDN);
        mpfr_add_ui(y, y, 1, MPFR_RNDN);
        mpfr_ui_div(y, 1, y, MPFR_RNDN);
    }
    double r = mpfr_get_d(y, MPFR_RNDN);
    mpfr_clears(x, y, (mpfr_ptr)0);
    return r;
}

/* |got - ref| in units of the float spacing at ref (2^-149 below the normals). */
static double ulp_error(float got, double ref)
{
    if (isnan(got) || isnan(ref))
        return isnan(got) && isnan(ref) ? 0 : INFINITY;
    if (isinf(got))
        return fabs(ref) >= FLT_MAX ? 0 : INFINITY;
    int e = ref == 0 ? -126 : ilogb(ref);
    if (e < -126)
        e = -126;
    return fabs((double)got - ref) / ldexp(1.0, e - 23);
}

static float rand_in(uint64_t i, float lo, float hi)
{
    /* random float bits, kept when in [lo, hi]: covers every binade alike */
    for (uint64_t t = 0;; t++) {
        uint32_t u = (uint32_t)rnn_prng_u64(99, i, t);
        float x;
        memcpy(&x, &u, 4);
        if (x >= lo && x <= hi)
            return x;
    }
}

int main(void)
{
    const rnn_kernels *ks[8];
    int nk = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *why;
        if (rnn_isa_check((*t)->isa, &why) != RNN_OK) {
            printf("skipping table %s: %s\n", (*t)->name, why);
            continue;
        }
        ks[nk++] = *t;
    }

    /* The points: grid, random bits, tiny |x|; then each function's tails. */
    const size_t n_grid = 700001, n_rand = 200000, n_tiny = 20000, n_tail = 40000;
    size_t n_max = n_grid + n_rand + n_tiny + n_tail;
    float *x = malloc(n_max * sizeof *x), *y = malloc(n_max * sizeof *y);
    float *y0 = malloc(n_max * sizeof *y0);
    double *ref = malloc(n_max * sizeof *ref);
    size_t base = 0;
    for (size_t i = 0; i < n_grid; i++)
        x[base++] = (float)(-20.0 + 40.0 * (double)i / (double)(n_grid - 1));
    for (size_t i = 0; i < n_rand; i++)
        x[base++] = rand_in(i, -20.0f, 20.0f);
    for (size_t i = 0; i < n_tiny; i++) {
        double a = pow(10.0, -44.0 + 41.0 * (double)i / (double)n_tiny); /* 1e-44 .. 1e-3 */
        x[base++] = (float)((i & 1) ? -a : a);
    }
    size_t n_common = base;

    printf("%-8s %-8s %10s %8s  %s\n", "function", "isa", "max ULP", "bound", "at x");
    for (int f = 0; f < F_COUNT; f++) {
        size_t n = n_common;
        /* tails: exp over its finite range; sigmoid down to denormal results */
        for (size_t i = 0; i < n_tail; i++) {
            double t = (double)i / (double)(n_tail - 1);
            x[n++] = f == F_EXP ? (float)(-103.9 + 192.6 * t)
                     : f == F_SIGMOID ? (float)(-103.9 + 83.9 * t)
                     : (float)(20.0 + 80.0 * t);
        }
        for (size_t i = 0; i < n; i++)
            ref[i] = reference(f, x[i]);
        for (int t = 0; t < nk; t++) {
            apply(ks[t], f, n, x, t == 0 ? y0 : y);
            const float *yy = t == 0 ? y0 : y;
            double worst = 0, worst_tail = 0;
            float at = 0;
            size_t differ = 0;
            for (size_t i = 0; i < n; i++) {
                double e = ulp_error(yy[i], ref[i]);
                if (e > worst)
                    worst = e, at = x[i];
                if (i >= n_common && e > worst_tail)
                    worst_tail = e;
                if (t > 0 && memcmp(&yy[i], &y0[i], 4) != 0)
                    differ++;
            }
            printf("%-8s %-8s %10.3f %8.1f  %.9g%s\n", fname[f], ks[t]->name, worst, bound[f],
                   at, f == F_SIGMOID ? "   (incl. x in [-103.9, -20]: tiny results)" : "");
            CHECK(worst <= bound[f], "%s on %s: %.3f ULP at x = %.9g exceeds the stated %.1f",
                  fname[f], ks[t]->name, worst, at, bound[f]);
            if (f == F_SIGMOID)
                printf("%-8s %-8s %10.3f           (x in [-103.9, -20] alone)\n", "", "", worst_tail);
            if (t > 0)
                CHECK(differ == 0, "%s on %s: %zu of %zu points differ in bits from %s",
                      fname[f], ks[t]->name, differ, n, ks[0]->name);
        }
    }

    /* Special values: exact limits, and identical bits on every table. */
    const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-40f, -1e-40f,
                        FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN, -FLT_MIN, 9.0f, -9.0f, 9.1f,
                        -9.1f, 10.0f, -10.0f, 20.0f, -20.0f, 88.72f, 88.73f, 89.0f, -87.4f,
                        -103.9f, -104.0f, -110.0f, 200.0f, -200.0f, FLT_MAX, -FLT_MAX, 0.625f,
                        -0.625f, 0.62499994f};
    const size_t ns = sizeof sp / sizeof *sp;
    float out[F_COUNT][8][sizeof sp / sizeof *sp];
    for (int f = 0; f < F_COUNT; f++)
        for (int t = 0; t < nk; t++) {
            /* through an odd offset and a tail: the special values exercise the mask paths */
            float xs[64], ys[64];
            memcpy(xs + 1, sp, sizeof sp);
            apply(ks[t], f, ns, xs + 1, ys + 1);
            memcpy(out[f][t], ys + 1, sizeof sp);
            for (size_t i = 0; i < ns; i++)
                CHECK(memcmp(&out[f][t][i], &out[f][0][i], 4) == 0 ||
                          (isnan(out[f][t][i]) && isnan(out[f][0][i])),
                      "%s(%g) on %s = %a, on %s = %a", fname[f], sp[i], ks[t]->name,
                      out[f][t][i], ks[0]->name, out[f][0][i]);
        }
    for (int t = 0; t < nk; t++) {
        const float *e = out[F_EXP][t], *th = out[F_TANH][t], *s = out[F_SIGMOID][t];
        const char *nm = ks[t]->name;
        CHECK(e[0] == 1 && e[1] == 1 && e[2] == INFINITY && e[3] == 0 && !signbit(e[3]),
              "%s exp limits: exp(0)=1, exp(inf)=inf, exp(-inf)=+0", nm);
        CHECK(isnan(e[4]) && isnan(th[4]) && isnan(s[4]) && isnan(e[5]) && isnan(th[5]) &&
                  isnan(s[5]),
              "%s NaN in gives NaN out", nm);
        CHECK(th[0] == 0 && !signbit(th[0]) && th[1] == 0 && signbit(th[1]),
              "%s tanh(+0) = +0, tanh(-0) = -0", nm);
        CHECK(th[2] == 1 && th[3] == -1 && s[2] == 1 && s[3] == 0, "%s tanh(+-inf) = +-1, "
              "sigmoid(inf) = 1, sigmoid(-inf) = 0", nm);
        CHECK(th[6] == sp[6] && th[7] == sp[7] && th[8] == sp[8] && th[9] == sp[9],
              "%s tanh(denormal) = the denormal", nm);
        CHECK(e[6] == 1 && e[7] == 1 && s[6] == 0.5f && s[7] == 0.5f,
              "%s exp and sigmoid of denormals", nm);
        CHECK(th[16] == 1 && th[17] == -1 && th[18] == 1 && th[19] == -1 && th[27] == 1 &&
                  th[28] == -1 && th[29] == 1 && th[30] == -1,
              "%s tanh saturates exactly to +-1", nm);
        CHECK(s[18] == 1 && s[27] == 1 && s[28] == 0 && s[29] == 1 && s[30] == 0 && s[26] == 0,
              "%s sigmoid saturates exactly to 0 and 1", nm);
        CHECK(e[22] == INFINITY && e[21] == INFINITY && e[27] == INFINITY && e[29] == INFINITY &&
                  isfinite(e[20]) && e[25] == 0 && e[26] == 0 && e[28] == 0 && e[30] == 0,
              "%s exp overflows to inf past 88.7228 and underflows to 0 below -103.97", nm);
        CHECK(e[23] > 0 && e[23] < FLT_MIN && e[24] > 0 && s[23] == e[23] && s[24] == e[24],
              "%s exp and sigmoid reach the denormals (sigmoid(x) = exp(x) there)", nm);
    }
    printf("special values: %zu inputs, exact limits and identical bits on %d tables\n", ns, nk);
    free(x), free(y), free(y0), free(ref);
    mpfr_free_cache();
    return check_summary();
}
