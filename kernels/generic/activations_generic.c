/* activations_generic.c — the generic table's vector-of-floats exp, tanh and
 * sigmoid: the scalar algorithm of activations_scalar.h, element by element
 * (bounds stated there). y may equal x. */
#include "activations_scalar.h"
#include "generic.h"

void rnn_k_vexp__generic(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = rnn_exp_scalar(x[i]);
}

void rnn_k_vtanh__generic(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = rnn_tanh_scalar(x[i]);
}

void rnn_k_vsigmoid__generic(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = rnn_sigmoid_scalar(x[i]);
}
