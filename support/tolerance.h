/* tolerance.h — the tolerance policy: how far a float32 kernel may be from
 * the reference, and (below) a bf16 plan from the bf16 reference. Tests
 * and the conformance runner both use it.
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
/* bf16 (docs/design.md §8): a bf16 plan against the bf16 reference, which
 * shares its bf16 weights and rounds each product's other operand as the
 * plan does, but from its own (double, then float) values. The plan's
 * operand differs from the reference's by the float32 error e (about t =
 * rnn_tolerance(kind, K, S), relative), and rounding both to bf16 mostly
 * gives the same bf16 value; but where a rounding boundary falls between
 * them (probability about e / b, b = 2^-8 the relative spacing of bf16
 * values) they land one bf16 ulp apart (b relative). Such a flip's mean
 * square is (e / b) b^2 = e b, so the operand's error after rounding has rms
 * sqrt(e b), the geometric mean of the float32 error and bf16's spacing,
 * and a dot product over K such operands has the same relative error
 * (random signs). Flips feed the recurrence like any other error (t
 * already has the sqrt(S) of the chain). So
 *
 *     tol_bf16 = t + c_b sqrt(t b),   c_b = 4,
 *
 * with the same compare (rnn_compare). c_b is measured (docs/design.md §8
 * has the runs): over the 120 bf16 cases of the matrix on the generic and
 * avx512 tables, at one and two threads, the worst fraction is 0.19; a
 * plan whose pair products are summed in the other order (a float32-level
 * change, like Arm's BFDOT's own rounding) reaches 0.46; operands rounded
 * by truncation, an operand not rounded, the weights not rounded and one k
 * dropped fail 98 to 100%, 61%, 57% and 100% of the cases. The flips make
 * the error heavy-tailed: most cases stay at float32's level, a few (long
 * seq2seq backward) reach 1e-3. */
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
