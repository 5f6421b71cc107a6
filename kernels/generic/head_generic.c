/* head_generic.c — softmax cross-entropy of the output head in portable C.
 * Numerically stable: the row max is subtracted before exp, and the sum and
 * the loss are kept in double (libm's exp/log: this is kernel code). */
#include <math.h>
#include "generic.h"

double rnn_k_softmax_xent__generic(size_t rows, size_t V, const float *logits,
                                   const int32_t *targets, float scale, float *dlogits)
{
    double loss = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *l = logits + r * V;
        float m = l[0];
        for (size_t v = 1; v < V; v++)
            m = l[v] > m ? l[v] : m;
        double s = 0.0;
        for (size_t v = 0; v < V; v++)
            s += exp((double)l[v] - m);
        size_t t = (size_t)targets[r];
        loss += log(s) - ((double)l[t] - m);
        if (dlogits) {
            float *d = dlogits + r * V;
            for (size_t v = 0; v < V; v++)
                d[v] = (float)((double)scale * (exp((double)l[v] - m) / s));
            d[t] -= scale;
        }
    }
    return loss;
}
