/* check.h — `rnnsimd-bench --check`: proof that every implementation in the
 * benchmark does the problem it claims, before its times mean anything. */
#ifndef RNNSIMD_BENCH_CHECK_H
#define RNNSIMD_BENCH_CHECK_H

#include "rnnsimd_reference.h"

/* On every headed problem of the quick set, runs ours (table isa), oneDNN
 * and the OpenBLAS baseline once and compares the loss and (train) the
 * gradient of x with the reference. Prints one line per check and the line
 * "N passed, N failed"; returns the number failed. */
int bench_check(rnn_isa isa);

#endif /* RNNSIMD_BENCH_CHECK_H */
