/* test_regime.c — the conformance runner's regime check (conformance/
 * regime.c) on blocks whose singular values and eigenvalues are known by
 * hand. Every matrix case is rho times an orthogonal matrix, so the
 * runner's own run only ever sees blocks that pass: a check that looked at
 * one of its two numbers, or at the smallest singular value, would pass it
 * too. These blocks pass or fail for one reason each. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "../conformance/regime.c"

/* The verdict on one n x n block claimed to be of regime rho, and what
 * was measured. */
static int judged(const float *w, size_t n, double rho, double *sigma, double *radius)
{
    conf_problem p;
    memset(&p, 0, sizeof p);
    p.kase.desc.H = (int64_t)n;
    p.kase.rho = rho;
    p.kase.seed = 1;
    p.G = 1;
    p.cell.weight_hh = (float *)w;
    conf_regime_cache cache;
    memset(&cache, 0, sizeof cache);
    size_t idx[8];
    int ok = -1;
    if (conf_regime_measure(&cache, &p, idx, 8) == 1) {
        *sigma = cache.b[idx[0]].sigma_max;
        *radius = cache.b[idx[0]].radius;
        ok = conf_regime_ok(&cache.b[idx[0]]);
    }
    conf_regime_free(&cache);
    return ok;
}

int main(void)
{
    struct {
        const char *what;
        float w[9];
        size_t n;
        double rho;
        int ok;
    } cases[] = {
        /* 1.5 times a rotation by 0.6 rad: every singular value and
         * |eigenvalue| 1.5. */
        {"1.5 x a rotation", {1.5f * 0.82533561f, -1.5f * 0.56464247f, 1.5f * 0.56464247f,
                              1.5f * 0.82533561f}, 2, 1.5, 1},
        /* A permutation (orthogonal) at 3 x 3, rho 0.5. */
        {"0.5 x a permutation", {0, 0.5f, 0, 0, 0, 0.5f, 0.5f, 0, 0}, 3, 0.5, 1},
        /* Nilpotent: sigma_max 1, every eigenvalue 0. */
        {"[[0 1] [0 0]] (radius 0)", {0, 1, 0, 0}, 2, 1.0, 0},
        /* Eigenvalues 1 and 0, sigma_max sqrt(2). */
        {"[[1 1] [0 0]] (sigma_max sqrt 2)", {1, 1, 0, 0}, 2, 1.0, 0},
        /* sigma_max and radius 1 (the largest), the smallest singular
         * value 0.2: the claim is about the largest. */
        {"diag(1, 0.2)", {1, 0, 0, 0.2f}, 2, 1.0, 1},
        {"diag(0.2, 1) claimed 0.2", {0.2f, 0, 0, 1}, 2, 0.2, 0},
        /* Relative tolerance 1e-3: 5e-4 off passes, 2e-3 off does not. */
        {"diag(1.0005, 1.0005)", {1.0005f, 0, 0, 1.0005f}, 2, 1.0, 1},
        {"diag(1.002, 1.002)", {1.002f, 0, 0, 1.002f}, 2, 1.0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double sigma = NAN, radius = NAN;
        int ok = judged(cases[i].w, cases[i].n, cases[i].rho, &sigma, &radius);
        CHECK(ok == cases[i].ok, "%s claimed rho %g: %s (measured sigma_max %.7f, radius %.7f), "
              "expected %s", cases[i].what, cases[i].rho, ok < 0 ? "not measured" :
              ok ? "as claimed" : "not as claimed", sigma, radius,
              cases[i].ok ? "as claimed" : "not as claimed");
    }
    return check_summary();
}
