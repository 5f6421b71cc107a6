/* kernel_check.h — one case on one kernel table: the plan's forward and two
 * training runs against the reference, under support/tolerance.h's policy;
 * bit-identical reruns (determinism); and the negative controls, which
 * prove on this very case that the compare catches a perturbed element, two
 * swapped gate blocks and a dropped last time step. */
#ifndef CONF_KERNEL_CHECK_H
#define CONF_KERNEL_CHECK_H

#include <stdint.h>
#include "generate.h"

#define CONF_MAX_CHECKS (2 * CONF_MAX_TENSORS)
#define CONF_MAX_CONTROLS 64

typedef struct {
    const char *tensor; /* "h", "grad.weight_hh", "fwd-only.logits", ... */
    double frac, norm_err, elem_frac, tol;
    size_t worst;
} conf_check;

typedef struct {
    const char *what;   /* "perturb h[12]", ... */
    char detail[96];
    double frac;        /* the compare's fraction on the corrupted copy */
    int applicable;     /* 0: the corruption changed nothing (e.g. all-zero tensor) */
    int caught;
} conf_control;

typedef struct {
    int passed;
    char error[320];      /* why it did not run, or the first failure */
    int nchecks;
    conf_check checks[CONF_MAX_CHECKS];
    double worst_frac;
    const char *worst_tensor;
    int deterministic;
    int hashed;           /* the runs completed: out_hash and tensor_hash hold */
    uint64_t out_hash;    /* XXH3 of the first training run's outputs and gradients, in
                           * golden.h's tensor order: the golden file's kernels= hash */
    int ntensors;         /* each of those tensors' own hash, to name what differs */
    const char *tensor[CONF_MAX_TENSORS];
    uint64_t tensor_hash[CONF_MAX_TENSORS];
    int ncontrols;
    conf_control controls[CONF_MAX_CONTROLS];
    /* bf16 cases given the float32 reference: the first training run's
     * ||got - ref_f32||_2 / ||ref_f32||_2 per tensor (the data type's cost,
     * shown, not judged). */
    int ne2e;
    const char *e2e_tensor[CONF_MAX_TENSORS];
    double e2e_rel[CONF_MAX_TENSORS];
    double seconds;
} conf_isa_result;

/* ref: the reference's training outputs for p (the bf16 reference for a
 * bf16 case, compared under the bf16 tolerance). opt: the plan's options
 * (the table, threads, the fused step, the dtype; modes.h). ref_f32: NULL,
 * or for a bf16 case the float32 reference, for res->e2e. ref_flip: NULL,
 * or for a bf16 case the reference with near ties flipped: each tensor's
 * tolerance is then at least FLIP_FLOOR times its distance from ref
 * (docs/design.md §8: how much this problem amplifies one bf16 flip). Never fails for
 * a kernel's mistakes: it records them in *res (res->passed = 0). */
void conf_check_isa(const conf_problem *p, const conf_result *ref, const rnn_plan_options *opt,
                    const conf_result *ref_f32, const conf_result *ref_flip,
                    conf_isa_result *res);

#endif
