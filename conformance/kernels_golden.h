/* kernels_golden.h — the golden file's kernels= hash, judged over every run
 * of one case: each table in each mode must give the pinned bits, and a run
 * that does not is failed with a message naming the tensors that differ. */
#ifndef CONF_KERNELS_GOLDEN_H
#define CONF_KERNELS_GOLDEN_H

#include <stdint.h>
#include "kernel_check.h"

/* One run of the case: its result and its name ("avx2 threads2"). */
typedef struct {
    conf_isa_result *res;
    char name[40];
} conf_run;

/* Fails every run of runs[0..n) whose outputs were hashed and differ from
 * golden (res->passed = 0; the error names the golden and the run's hash
 * and, against a run of this case that gives the golden bits, the tensors
 * that differ; when no run gives them, whether the runs agree with each
 * other). A run that failed already keeps its first error. Returns how
 * many hashed runs differ. */
int conf_kernels_judge(conf_run *runs, int n, uint64_t golden);

/* The kernels= hash the golden writer pins: the runs' common hash. 0 and a
 * message in why (naming the runs that disagree, and where) when a run
 * failed to hash or two runs differ. */
int conf_kernels_agree(const conf_run *runs, int n, uint64_t *hash, char *why, size_t whylen);

#endif
