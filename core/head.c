/* head.c — the output head over all scored positions at once: logits of the
 * P*B scored rows in one GEMM, softmax cross-entropy by the table's kernel,
 * and its backward as two GEMMs and a column sum. */
#include "plan_internal.h"

void rnn_head_forward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                      const int32_t *targets, float *logits_out, float *loss_out, int want_grad)
{
    const rnn_kernels *k = p->k;
    const size_t rows = P * (size_t)p->desc.B, V = (size_t)p->desc.V, H = (size_t)p->desc.H;
    float *lg = logits_out ? logits_out : ws->logits;
    k->gemm_packed_nt(rows, V, H, h_scored, H, p->hy_packed, p->b_y, 0.0f, lg, V);
    if (!targets)
        return;
    /* The loss is a mean over the scored positions, so each row's
     * gradient carries 1/(P*B). */
    double sum = k->softmax_xent(rows, V, lg, targets, (float)(1.0 / (double)rows),
                                 want_grad ? ws->dlogits : NULL);
    if (loss_out)
        *loss_out = (float)(sum / (double)rows);
}

void rnn_head_backward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                       float *dW_hy, float *db_y)
{
    const rnn_kernels *k = p->k;
    const size_t rows = P * (size_t)p->desc.B, V = (size_t)p->desc.V, H = (size_t)p->desc.H;
    k->gemm(0, 0, rows, H, V, ws->dlogits, V, p->w_hy, H, 0.0f, ws->dhs, H);
    if (dW_hy)
        k->gemm(1, 0, V, H, rows, ws->dlogits, V, h_scored, H, 0.0f, dW_hy, H);
    if (db_y)
        rnn_column_sums(rows, V, ws->dlogits, V, db_y);
}
