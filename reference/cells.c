/* cells.c — one step of each cell, forward and backward, for one batch row,
 * written as docs/design.md §3's table reads. Row blocks of weight_ih / weight_hh
 * (and of gates) are in PyTorch order: lstm i, f, g, o; both GRUs r, z, n.
 *
 * Evaluation order is fixed: a product W v + b is (sum_k W[j][k] v[k], k
 * ascending, from 0.0) + b[j]; a pre-activation is (W_ih x + b_ih) + (W_hh h +
 * b_hh). Transposed products W^T g sum over rows j ascending. Weight gradients
 * are accumulated in the order steps arrive (see sequence.c). A bf16 cell
 * (ref_weights.bf16) rounds each product's other operand as it is read
 * (affine, affine_t, outer_add: never a bias or its gradient). */
#include <stddef.h>
#include "reference_internal.h"

size_t rnn_ref_cell_scratch(size_t G, size_t H)
{
    /* forward: W_ih x + b_ih, W_hh h + b_hh (G*H each), r*h (H);
     * backward: the gradients on both pre-activations (G*H each), d(r*h) (H). */
    return 2 * G * H + H;
}

/* The other operand of a product as the plan reads it: v itself, or for a
 * bf16 cell (ref_weights.bf16) v rounded to bf16. */
static double opnd(int bf16, double v)
{
    return bf16 ? rnn_ref_bf16_operand(v) : v;
}

/* out[j] = sum_k W[j][k] v[k] + b[j] for rows j in [0, rows); bf16: v[k]
 * rounded (W already is), the bias not. */
static void affine(int bf16, size_t rows, size_t cols, const double *W, const double *v,
                   const double *b, double *out)
{
    for (size_t j = 0; j < rows; j++) {
        double acc = 0.0;
        for (size_t k = 0; k < cols; k++)
            acc += W[j * cols + k] * opnd(bf16, v[k]);
        out[j] = acc + b[j];
    }
}

/* out[k] = sum_j W[j][k] g[j] over rows j in [0, rows); bf16: g[j] rounded. */
static void affine_t(int bf16, size_t rows, size_t cols, const double *W, const double *g,
                     double *out)
{
    for (size_t k = 0; k < cols; k++) {
        double acc = 0.0;
        for (size_t j = 0; j < rows; j++)
            acc += W[j * cols + k] * opnd(bf16, g[j]);
        out[k] = acc;
    }
}

/* dW[j][k] += g[j] v[k] and db[j] += g[j] (either may be NULL); bf16: both
 * operands of dW's product rounded, db's sum of the unrounded g. */
static void outer_add(int bf16, size_t rows, size_t cols, const double *g, const double *v,
                      double *dW, double *db)
{
    for (size_t j = 0; j < rows; j++) {
        if (dW)
            for (size_t k = 0; k < cols; k++)
                dW[j * cols + k] += opnd(bf16, g[j]) * opnd(bf16, v[k]);
        if (db)
            db[j] += g[j];
    }
}

void rnn_ref_cell_forward(rnn_cell cell, const ref_weights *w, size_t I, size_t H,
                          const double *x, const double *h, const double *c, double *gates,
                          double *aux, double *h_next, double *c_next, double *scratch)
{
    const size_t G = rnn_ref_gates(cell), GH = G * H;
    double *ih = scratch, *hh = scratch + GH, *rh = scratch + 2 * GH;
    affine(w->bf16, GH, I, w->weight_ih, x, w->bias_ih, ih);

    switch (cell) {
    case RNN_TANH:
        /* h' = tanh(W_ih x + b_ih + W_hh h + b_hh) */
        affine(w->bf16, GH, H, w->weight_hh, h, w->bias_hh, hh);
        for (size_t j = 0; j < H; j++) {
            gates[j] = rnn_ref_tanh(ih[j] + hh[j]);
            h_next[j] = gates[j];
        }
        break;

    case RNN_LSTM:
        /* i, f, o = sigma(.), g = tanh(.); c' = f*c + i*g; h' = o*tanh(c') */
        affine(w->bf16, GH, H, w->weight_hh, h, w->bias_hh, hh);
        for (size_t j = 0; j < H; j++) {
            const double i = rnn_ref_sigmoid(ih[j] + hh[j]);
            const double f = rnn_ref_sigmoid(ih[H + j] + hh[H + j]);
            const double g = rnn_ref_tanh(ih[2 * H + j] + hh[2 * H + j]);
            const double o = rnn_ref_sigmoid(ih[3 * H + j] + hh[3 * H + j]);
            c_next[j] = f * c[j] + i * g;
            aux[j] = rnn_ref_tanh(c_next[j]);
            h_next[j] = o * aux[j];
            gates[j] = i;
            gates[H + j] = f;
            gates[2 * H + j] = g;
            gates[3 * H + j] = o;
        }
        break;

    case RNN_GRU:
        /* r, z = sigma(.); n = tanh(W_in x + b_in + W_hn (r*h) + b_hn);
         * h' = (1-z)*h + z*n */
        affine(w->bf16, 2 * H, H, w->weight_hh, h, w->bias_hh, hh);
        for (size_t j = 0; j < H; j++) {
            gates[j] = rnn_ref_sigmoid(ih[j] + hh[j]);
            gates[H + j] = rnn_ref_sigmoid(ih[H + j] + hh[H + j]);
            rh[j] = gates[j] * h[j];
        }
        affine(w->bf16, H, H, w->weight_hh + 2 * H * H, rh, w->bias_hh + 2 * H, hh + 2 * H);
        for (size_t j = 0; j < H; j++) {
            const double z = gates[H + j];
            const double n = rnn_ref_tanh(ih[2 * H + j] + hh[2 * H + j]);
            gates[2 * H + j] = n;
            h_next[j] = (1.0 - z) * h[j] + z * n;
        }
        break;

    case RNN_LBR_GRU:
        /* r, z = sigma(.); n = tanh(W_in x + b_in + r*(W_hn h + b_hn));
         * h' = (1-z)*n + z*h */
        affine(w->bf16, GH, H, w->weight_hh, h, w->bias_hh, hh);
        for (size_t j = 0; j < H; j++) {
            const double r = rnn_ref_sigmoid(ih[j] + hh[j]);
            const double z = rnn_ref_sigmoid(ih[H + j] + hh[H + j]);
            const double n = rnn_ref_tanh(ih[2 * H + j] + r * hh[2 * H + j]);
            aux[j] = hh[2 * H + j];
            gates[j] = r;
            gates[H + j] = z;
            gates[2 * H + j] = n;
            h_next[j] = (1.0 - z) * n + z * h[j];
        }
        break;

    default:
        break;
    }
}

void rnn_ref_cell_backward(rnn_cell cell, const ref_weights *w, size_t I, size_t H,
                           const double *x, const double *h, const double *c,
                           const double *gates, const double *aux, const double *dh_next,
                           const double *dc_next, double *dh, double *dc, double *dx,
                           const ref_cell_grads *dw, double *scratch)
{
    const size_t G = rnn_ref_gates(cell), GH = G * H;
    /* d_ih: gradient on W_ih x + b_ih; d_hh: on W_hh v + b_hh, where v is h
     * (and r*h for gru's n rows). */
    double *d_ih = scratch, *d_hh = scratch + GH, *tmp = scratch + 2 * GH;

    switch (cell) {
    case RNN_TANH:
        for (size_t j = 0; j < H; j++) {
            const double hn = gates[j];
            d_ih[j] = dh_next[j] * (1.0 - hn * hn);
            d_hh[j] = d_ih[j];
        }
        affine_t(w->bf16, GH, H, w->weight_hh, d_hh, dh);
        outer_add(w->bf16, GH, H, d_hh, h, dw->weight_hh, dw->bias_hh);
        break;

    case RNN_LSTM:
        for (size_t j = 0; j < H; j++) {
            const double i = gates[j], f = gates[H + j], g = gates[2 * H + j],
                         o = gates[3 * H + j], tc = aux[j];
            /* dc' = (from step t+1) + dh' * o * (1 - tanh(c')^2) */
            const double dct = dc_next[j] + dh_next[j] * o * (1.0 - tc * tc);
            const double di = dct * g, df = dct * c[j], dg = dct * i, d_o = dh_next[j] * tc;
            d_ih[j] = di * i * (1.0 - i);
            d_ih[H + j] = df * f * (1.0 - f);
            d_ih[2 * H + j] = dg * (1.0 - g * g);
            d_ih[3 * H + j] = d_o * o * (1.0 - o);
            dc[j] = dct * f;
        }
        for (size_t j = 0; j < GH; j++)
            d_hh[j] = d_ih[j];
        affine_t(w->bf16, GH, H, w->weight_hh, d_hh, dh);
        outer_add(w->bf16, GH, H, d_hh, h, dw->weight_hh, dw->bias_hh);
        break;

    case RNN_GRU:
        /* h' = (1-z)*h + z*n, n = tanh(a_n), a_n = W_in x + b_in + W_hn (r*h) + b_hn */
        for (size_t j = 0; j < H; j++) {
            const double z = gates[H + j], n = gates[2 * H + j];
            const double dn = dh_next[j] * z, dz = dh_next[j] * (n - h[j]);
            d_ih[2 * H + j] = dn * (1.0 - n * n);
            d_ih[H + j] = dz * z * (1.0 - z);
            d_hh[2 * H + j] = d_ih[2 * H + j];
            d_hh[H + j] = d_ih[H + j];
        }
        /* d(r*h) = W_hn^T da_n; it feeds r (times h) and h (times r). */
        affine_t(w->bf16, H, H, w->weight_hh + 2 * H * H, d_hh + 2 * H, tmp);
        for (size_t j = 0; j < H; j++) {
            const double r = gates[j];
            const double dr = tmp[j] * h[j];
            d_ih[j] = dr * r * (1.0 - r);
            d_hh[j] = d_ih[j];
        }
        affine_t(w->bf16, 2 * H, H, w->weight_hh, d_hh, dh);
        for (size_t j = 0; j < H; j++) {
            const double z = gates[H + j];
            dh[j] = dh_next[j] * (1.0 - z) + dh[j] + gates[j] * tmp[j];
        }
        outer_add(w->bf16, 2 * H, H, d_hh, h, dw->weight_hh, dw->bias_hh);
        for (size_t j = 0; j < H; j++)
            tmp[j] = gates[j] * h[j]; /* r*h, the n rows' input */
        outer_add(w->bf16, H, H, d_hh + 2 * H, tmp,
                  dw->weight_hh ? dw->weight_hh + 2 * H * H : NULL,
                  dw->bias_hh ? dw->bias_hh + 2 * H : NULL);
        break;

    case RNN_LBR_GRU:
        /* h' = (1-z)*n + z*h, n = tanh(a_in + r*hn), hn = W_hn h + b_hn */
        for (size_t j = 0; j < H; j++) {
            const double r = gates[j], z = gates[H + j], n = gates[2 * H + j], hn = aux[j];
            const double dn = dh_next[j] * (1.0 - z), dz = dh_next[j] * (h[j] - n);
            const double dan = dn * (1.0 - n * n);
            const double dr = dan * hn;
            d_ih[j] = dr * r * (1.0 - r);
            d_ih[H + j] = dz * z * (1.0 - z);
            d_ih[2 * H + j] = dan;
            d_hh[j] = d_ih[j];
            d_hh[H + j] = d_ih[H + j];
            d_hh[2 * H + j] = dan * r;
        }
        affine_t(w->bf16, GH, H, w->weight_hh, d_hh, dh);
        for (size_t j = 0; j < H; j++)
            dh[j] = dh_next[j] * gates[H + j] + dh[j];
        outer_add(w->bf16, GH, H, d_hh, h, dw->weight_hh, dw->bias_hh);
        break;

    default:
        return;
    }

    /* The input side is the same for every cell: a = W_ih x + b_ih + ... */
    if (dx)
        affine_t(w->bf16, GH, I, w->weight_ih, d_ih, dx);
    outer_add(w->bf16, GH, I, d_ih, x, dw->weight_ih, dw->bias_ih);
}
