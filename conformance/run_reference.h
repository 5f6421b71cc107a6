/* run_reference.h — a case through the reference, and the three golden
 * hashes of the result (the order they cover is stated in golden.h). */
#ifndef CONF_RUN_REFERENCE_H
#define CONF_RUN_REFERENCE_H

#include <stdint.h>
#include "generate.h"

typedef struct {
    uint64_t inputs, forward, gradients;
} conf_hashes;

/* Allocates *ref and fills it with rnn_reference_train's outputs and
 * gradients: the bf16 reference for a bf16 case (rnn_reference_train_opt). */
rnn_status conf_reference_run(const conf_problem *p, conf_result *ref);
/* The same with the float32 reference whatever the case's dtype: a bf16
 * case's end-to-end comparison (the data type's cost). */
rnn_status conf_reference_run_f32(const conf_problem *p, conf_result *ref);
/* A bf16 case's second bf16 reference, with flip_near_ties
 * (rnnsimd_reference.h): the floor of its tolerance (kernel_check.h). */
rnn_status conf_reference_run_flipped(const conf_problem *p, conf_result *ref);
void conf_case_hashes(const conf_problem *p, const conf_result *ref, conf_hashes *h);
/* 1 if flipping one late input bit (in a copy) changes the inputs hash:
 * proof that the hash reads every byte it claims to; 0 if it does not; -1
 * when memory for the copy ran out. */
int conf_hash_sees_flip(const conf_problem *p, uint64_t inputs_hash);

#endif
