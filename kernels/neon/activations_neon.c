/* activations_neon.c — the NEON table's exp, tanh and sigmoid over n floats:
 * four lanes at a time, the tail through a zero-padded register, so every
 * element (tail included) has the bits of generic/activations_scalar.h and
 * its ULP bounds. y may equal x. */
#include "neon.h"
#include "vmath_neon.h"

#define DEFINE_VECTOR_ACTIVATION(name, f)                         \
    void name(size_t n, const float *x, float *y)                 \
    {                                                             \
        size_t i = 0;                                             \
        for (; i + 4 <= n; i += 4)                                \
            vst1q_f32(y + i, f(vld1q_f32(x + i)));                \
        if (i < n)                                                \
            st_tail_neon(y + i, f(ld_tail_neon(x + i, n - i)), n - i); \
    }

DEFINE_VECTOR_ACTIVATION(rnn_k_vexp__neon, exp_neon)
DEFINE_VECTOR_ACTIVATION(rnn_k_vtanh__neon, tanh_neon)
DEFINE_VECTOR_ACTIVATION(rnn_k_vsigmoid__neon, sigmoid_neon)
