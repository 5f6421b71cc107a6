/* check.h — `rnnsimd-bench --check`: proof that every implementation in the
 * benchmark does the whole problem it claims, before its times mean anything. */
#ifndef RNNSIMD_BENCH_CHECK_H
#define RNNSIMD_BENCH_CHECK_H

#include "rnnsimd_reference.h"

/* On every problem of the quick set (every row kind the sweeps time: headed
 * fwd and train of every cell and topology, /seq fwd and train, /seq_noproj
 * fwd, threads:2; B > 1 everywhere and T > 1 but for one2one), runs ours
 * (table isa), oneDNN in both weight formats and the OpenBLAS baseline once,
 * through the same run function the timed loop calls, on outputs filled with
 * NaN, and compares every output and gradient that call writes with the
 * reference under support/tolerance.h's policy. Prints one line per
 * implementation and problem and "N passed, N failed"; returns the number
 * failed. */
int bench_check(rnn_isa isa);

#endif /* RNNSIMD_BENCH_CHECK_H */
