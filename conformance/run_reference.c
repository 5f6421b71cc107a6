/* run_reference.c — see run_reference.h. */
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "run_reference.h"

void conf_case_hashes(const conf_problem *p, const conf_result *ref, conf_hashes *h)
{
    conf_tensor t[CONF_MAX_TENSORS];
    int n = conf_problem_tensors(p, t);
    h->inputs = conf_hash_tensors(t, n, CONF_T_INPUT);
    n = conf_result_tensors(p, ref, t);
    h->forward = conf_hash_tensors(t, n, CONF_T_FORWARD);
    h->gradients = conf_hash_tensors(t, n, CONF_T_GRADIENT);
}

int conf_hash_sees_flip(const conf_problem *p, uint64_t base)
{
    conf_tensor t[CONF_MAX_TENSORS];
    int n = conf_problem_tensors(p, t);
    /* The last element of x: a late byte, so a hash that stopped early fails. */
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].name, "x") == 0) {
            float *copy = malloc(t[i].n * sizeof *copy);
            if (!copy)
                return -1;
            memcpy(copy, t[i].data, t[i].n * sizeof *copy);
            uint32_t bits;
            memcpy(&bits, &copy[t[i].n - 1], 4);
            bits ^= 1u;
            memcpy(&copy[t[i].n - 1], &bits, 4);
            t[i].data = copy;
            uint64_t h = conf_hash_tensors(t, n, CONF_T_INPUT);
            free(copy);
            return h != base;
        }
    return 0;
}

static rnn_status run(const conf_problem *p, conf_result *ref, rnn_dtype dtype, int flip)
{
    rnn_status s = conf_result_alloc(p, ref);
    if (s != RNN_OK)
        return s;
    conf_result_poison(p, ref);
    const rnn_reference_options o = {dtype, flip};
    s = rnn_reference_train_opt(&p->kase.desc, &p->params, &p->inputs, &ref->out, &ref->grads,
                                &o);
    if (s != RNN_OK)
        conf_result_free(ref);
    return s;
}

rnn_status conf_reference_run(const conf_problem *p, conf_result *ref)
{
    return run(p, ref, p->kase.bf16 ? RNN_DTYPE_BF16 : RNN_DTYPE_F32, 0);
}

rnn_status conf_reference_run_flipped(const conf_problem *p, conf_result *ref)
{
    return run(p, ref, RNN_DTYPE_BF16, 1);
}

rnn_status conf_reference_run_f32(const conf_problem *p, conf_result *ref)
{
    return run(p, ref, RNN_DTYPE_F32, 0);
}
