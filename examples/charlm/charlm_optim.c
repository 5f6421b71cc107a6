/* charlm_optim.c — Adam and SGD over the one parameter vector, after
 * clipping the gradient's global L2 norm: exploding gradients make
 * a rare step's gradient orders of magnitude larger than usual, and one such
 * step would throw the weights far away; clipping keeps its direction and
 * bounds its length. The norm is summed in double so it does not depend on
 * how large the vector is. */
#include <math.h>
#include <stdlib.h>
#include "charlm.h"

rnn_status charlm_optim_init(charlm_optim *o, charlm_optimizer kind, double lr, double clip,
                             size_t n)
{
    o->kind = kind;
    o->lr = lr;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
    o->clip = clip;
    o->t = 0;
    o->n = n;
    o->m = o->v = NULL;
    if (kind == CHARLM_ADAM) {
        o->m = calloc(n, sizeof *o->m);
        o->v = calloc(n, sizeof *o->v);
        if (!o->m || !o->v) {
            charlm_optim_free(o);
            return RNN_ERR_NOMEM;
        }
    }
    return RNN_OK;
}

void charlm_optim_free(charlm_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

double charlm_optim_step(charlm_optim *o, float *theta, float *grad)
{
    double ss = 0.0;
    for (size_t i = 0; i < o->n; i++)
        ss += (double)grad[i] * grad[i];
    const double norm = sqrt(ss);
    const double scale = (o->clip > 0 && norm > o->clip) ? o->clip / norm : 1.0;
    if (o->kind == CHARLM_SGD) {
        const float a = (float)(o->lr * scale);
        for (size_t i = 0; i < o->n; i++)
            theta[i] -= a * grad[i];
        return norm;
    }
    o->t++;
    const float b1 = (float)o->beta1, b2 = (float)o->beta2, s = (float)scale;
    /* Bias corrections folded into the step size (Kingma & Ba, section 2). */
    const double c1 = 1.0 - pow(o->beta1, (double)o->t), c2 = 1.0 - pow(o->beta2, (double)o->t);
    const float step = (float)(o->lr * sqrt(c2) / c1), eps = (float)(o->eps * sqrt(c2));
    for (size_t i = 0; i < o->n; i++) {
        const float g = grad[i] * s;
        o->m[i] = b1 * o->m[i] + (1.0f - b1) * g;
        o->v[i] = b2 * o->v[i] + (1.0f - b2) * g * g;
        theta[i] -= step * o->m[i] / (sqrtf(o->v[i]) + eps);
    }
    return norm;
}
