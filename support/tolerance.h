/* tolerance.h — the one tolerance policy: how far a float32 kernel may be
 * from the reference. Tests and the conformance runner both use it.
 *
 * Policy. u = 2^-24 (float32 unit round-off). A forward value is a chain of
 * S steps, each a dot product of depth K = I + H followed by a gate; a
 * backward value adds a second chain of the same length and the head's depth
 * V. Round-off of a depth-K sum grows like sqrt(K) u for random signs, and a
 * chain of S such steps adds (does not multiply, while the recurrence is not
 * expanding) their errors, growing like sqrt(S). So
 *
 *     tol = c * u * sqrt(K) * sqrt(S),   K = I + H (+ V where the head is in
 *                                         the chain), S = steps run,
 *     c = 64 for forward tensors, 256 for gradients.
 *
 * The check is norm-wise and per element (like benchdnn's): with d = got - ref,
 *     norm: ||d||_2 / ||ref||_2 <= tol
 *     elem: |d_i| <= 8 tol (|ref_i| + ||ref||_inf)    for every i
 * (the per-element term catches a single wrong element that the norm would
 * average away; its 8 and the ||ref||_inf floor keep tiny entries, whose
 * relative error is meaningless, from failing by cancellation). A check's
 * "fraction" is the larger of the two ratios: < 1 passes, and how close to 1
 * it is shows the slack. NaN where the reference has none (or the reverse)
 * is fraction infinity. */
#ifndef RNNSIMD_TOLERANCE_H
#define RNNSIMD_TOLERANCE_H

#include <stddef.h>

typedef enum { RNN_TOL_FORWARD, RNN_TOL_GRADIENT } rnn_tol_kind;

double rnn_tolerance(rnn_tol_kind kind, double K, double S);
/* A bf16 plan against the bf16 reference (docs/design.md §8): see below. */
double rnn_tolerance_bf16(rnn_tol_kind kind, double K, double S);

typedef struct {
    double tol;        /* the tolerance used */
    double norm_err;   /* ||d||_2 / ||ref||_2 */
    double elem_frac;  /* max_i |d_i| / (8 tol (|ref_i| + ||ref||_inf)) */
    double frac;       /* max(norm_err / tol, elem_frac): passes when < 1 */
    size_t worst;      /* index of the worst element */
} rnn_compare_result;

rnn_compare_result rnn_compare(const float *got, const float *ref, size_t n, double tol);

#endif
