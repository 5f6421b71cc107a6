/* tolerance.c — see tolerance.h for the policies and their reasoning. */
#include <math.h>
#include "tolerance.h"

double rnn_tolerance(rnn_tol_kind kind, double K, double S)
{
    const double u = 1.0 / 16777216.0;
    const double c = kind == RNN_TOL_FORWARD ? 64.0 : 256.0;
    if (K < 1) K = 1;
    if (S < 1) S = 1;
    return c * u * sqrt(K) * sqrt(S);
}

double rnn_tolerance_bf16(rnn_tol_kind kind, double K, double S)
{
    const double b = 1.0 / 256.0; /* 2^-8: one bf16 ulp, relative, at a binade's bottom */
    const double t = rnn_tolerance(kind, K, S);
    return t + 4.0 * sqrt(t * b);
}

rnn_compare_result rnn_compare(const float *got, const float *ref, size_t n, double tol)
{
    rnn_compare_result r = {tol, 0, 0, 0, 0};
    double dd = 0, rr = 0, rmax = 0;
    for (size_t i = 0; i < n; i++) {
        int gn = isnan(got[i]), rn = isnan(ref[i]);
        if (gn != rn) {
            r.norm_err = r.elem_frac = r.frac = INFINITY;
            r.worst = i;
            return r;
        }
        if (gn)
            continue;
        if (isinf(ref[i]) || isinf(got[i])) {
            if (got[i] != ref[i]) {
                r.norm_err = r.elem_frac = r.frac = INFINITY;
                r.worst = i;
                return r;
            }
            continue;
        }
        double d = (double)got[i] - (double)ref[i], a = fabs((double)ref[i]);
        dd += d * d;
        rr += a * a;
        if (a > rmax) rmax = a;
    }
    r.norm_err = rr > 0 ? sqrt(dd / rr) : (dd > 0 ? INFINITY : 0);
    for (size_t i = 0; i < n; i++) {
        if (isnan(ref[i]) || isinf(ref[i]))
            continue;
        double d = fabs((double)got[i] - (double)ref[i]);
        double lim = 8.0 * tol * (fabs((double)ref[i]) + rmax);
        double f = lim > 0 ? d / lim : (d > 0 ? INFINITY : 0);
        if (f > r.elem_frac) {
            r.elem_frac = f;
            r.worst = i;
        }
    }
    double nf = r.norm_err / tol;
    r.frac = nf > r.elem_frac ? nf : r.elem_frac;
    return r;
}
