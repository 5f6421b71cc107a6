/* kernels.h — the kernel table: the one contract between the ISA-independent
 * drivers (core/) and the code of one instruction set (kernels/<isa>/). Its
 * entries and their contracts are the list of entries.inc beside it; the
 * instruction sets and the features they need, that of kernels/isas.inc.
 * The only header of kernels/ that core/ and the programs see. */
#ifndef RNNSIMD_KERNELS_H
#define RNNSIMD_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd.h"

/* The fused batch-1 step's ride (entries.inc's gemv_ride): columns [c0, c1) of
 * Y (rows rows, ldy apart) = X W^T + bias, X given k-major
 * (xk[k*rows + i] is row i's k-th input) and W in pack_nt layout
 * (N x K, N >= c1). c0 is a multiple of 16; rows is RNN_RIDE_ROWS_MIN or
 * RNN_RIDE_ROWS_MAX (the plan's tunable ride_rows, core/tune.h). For
 * bf16_gemv_ride, xk and packed hold pair words instead (entries.inc), as
 * a bf16 plan's packed weights do everywhere. */
#define RNN_RIDE_ROWS_MIN 8
#define RNN_RIDE_ROWS_MAX 16
typedef struct rnn_ride {
    size_t rows, K, c0, c1, ldy;
    const float *xk, *packed, *bias;
    float *Y;
} rnn_ride;

/* The bf16 weights of every table (docs/design.md §8; kernels/bf16.c). A
 * pair word holds the bf16 of two consecutive k: element k in the high
 * half, k+1 in the low half. W (N x K float32, row stride ldw) is packed as
 * panels of RNN_BF16_NR output columns: panel p holds columns NR*p.. as
 * ceil(K/2) rows of NR pair words (row j of column c: W[c][2j], W[c][2j+1]
 * rounded to bf16, RNE); a column past N and the k = K of an odd K are +0.
 * Panel p starts at packed + p * NR * ceil(K/2), so columns [c0, ...) of a
 * product, c0 a multiple of NR, start at packed + c0 * ceil(K/2). */
typedef uint32_t rnn_bf16x2;
#define RNN_BF16_NR 32
size_t rnn_bf16_packed_size(size_t N, size_t K); /* in pair words */
void rnn_bf16_pack(size_t N, size_t K, const float *W, size_t ldw, rnn_bf16x2 *packed);
/* f rounded to bf16 (RNE, denormals kept, NaN quieted) and back: a float32
 * whose low 16 bits are zero. */
float rnn_bf16_round(float f);
/* x (K floats) as ceil(K/2) pair words, rounded as rnn_bf16_round; an odd
 * K's last pair has +0 after x[K-1]. */
void rnn_bf16_pairs(size_t K, const float *x, rnn_bf16x2 *x2);

typedef struct rnn_kernels {
    const char *name; /* as isas.inc names the instruction set */
    rnn_isa isa;
    /* The CPU feature (as isas.inc spells it) the bf16 entries need beyond
     * the table's own; NULL when they need none. */
    const char *bf16_feature;
#define RNN_KERNEL(name, ret, params) ret(*name) params;
#include "entries.inc"
} rnn_kernels;

/* Every table compiled into this build, in the order of isas.inc (least
 * preferred first), NULL-terminated. The one list that dispatch,
 * conformance and benchmarks iterate over. */
const rnn_kernels *const *rnn_kernel_tables(void);

/* The table of isa (RNN_ISA_AUTO: the best the CPU runs, or RNNSIMD_ISA).
 * RNN_ERR_ISA_UNSUPPORTED with a reason when the CPU or build lacks it. */
rnn_status rnn_kernels_get(rnn_isa isa, const rnn_kernels **out, const char **why);

/* The i-th CPU feature isas.inc names for this build's architecture (NULL
 * past the last), and in *present whether this CPU and OS have it
 * (RNNSIMD_CPU_MASK not applied). */
const char *rnn_cpu_feature(size_t i, int *present);

/* 1 when the feature named (as isas.inc spells it) is this build's
 * architecture's, this CPU and OS have it and RNNSIMD_CPU_MASK does not
 * hide it; else 0 (also for an unknown name or a malformed mask). For code
 * that uses a feature no table needs (the avx512 table's bf16 probe). */
int rnn_cpu_feature_usable(const char *name);

/* 1 when the feature named is this build's architecture's and this CPU and
 * OS have it, whether or not RNNSIMD_CPU_MASK hides it; else 0. What a
 * refusal says: "CPU lacks X", or that the mask hides it. */
int rnn_cpu_feature_present(const char *name);

/* The probes' clock and timing (probe_time.c): this thread's CPU time in
 * seconds; and the work a second of f (f(n) runs n iterations and returns
 * the work done, 0 if it ran nothing), the best of three runs of about
 * seconds/3 each after calibrating n. 0 when f runs nothing. */
double rnn_probe_thread_seconds(void);
double rnn_probe_best_rate(double (*f)(long), double seconds);

/* The core clock's probe: n iterations of a chain of dependent integer
 * adds (register + register: one cycle each on every x86-64 and AArch64
 * core, and no renamer folds them), so adds / (thread CPU seconds) is the
 * clock the core ran at. Returns the adds done. */
double rnn_probe_clock_adds(long n);

/* rnn_strerror's sentence for RNN_ERR_ISA_UNKNOWN: every name isas.inc has. */
extern const char rnn_isa_unknown_text[];

#endif /* RNNSIMD_KERNELS_H */
