/* head.c — the output head over all scored positions at once: logits of the
 * P*B scored rows in one GEMM, softmax cross-entropy by the table's kernel,
 * and its backward as two GEMMs (dH on W_hy^T packed by the plan) and a
 * column sum. Two threads split the
 * rows of the logits and of dH, the rows of dW_hy and the columns of db_y;
 * the loss adds the two threads' partial sums. */
#include "drivers.h"

void rnn_head_forward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                      const int32_t *targets, float *logits_out, float *loss_out, int want_grad,
                      const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const size_t rows = P * (size_t)p->desc.B, V = (size_t)p->desc.V, H = p->sizes.head_in;
    float *lg = logits_out ? logits_out : ws->logits;
    /* The softmax reads this thread's rows of the logits only, so the
     * product splits by the same rows. Fewer than 4 rows stay on thread 0,
     * too little to share (a share of one row, a GEMV, would give the same
     * bits: docs/design.md §9.2). */
    size_t r0, r1;
    rnn_share(rows, 1, th, &r0, &r1);
    if (th->n > 1 && rows < 4) {
        r0 = 0;
        r1 = th->tid == 0 ? rows : 0;
    }
    if (r1 > r0)
        rnn_packed_nt(p, r1 - r0, V, H, h_scored + r0 * H, H, p->hy_packed, p->b_y, 0.0f,
                      lg + r0 * V, V);
    if (!targets)
        return;
    /* The loss is a mean over the scored positions, so each row's
     * gradient carries 1/(P*B). */
    ws->loss_part[th->tid] = r1 > r0 ? k->softmax_xent(r1 - r0, V, lg + r0 * V, targets + r0,
                                                       (float)(1.0 / (double)rows),
                                                       want_grad ? ws->dlogits + r0 * V : NULL)
                                     : 0.0;
    rnn_sync(th);
    if (loss_out && th->tid == 0) {
        double sum = ws->loss_part[0];
        if (th->n > 1)
            sum += ws->loss_part[1];
        *loss_out = (float)(sum / (double)rows);
    }
}

void rnn_head_backward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                       float *dW_hy, float *db_y, const rnn_thread *th)
{
    const size_t rows = P * (size_t)p->desc.B, V = (size_t)p->desc.V, H = p->sizes.head_in;
    rnn_par_packed_nt(p, th, rows, H, V, ws->dlogits, V, p->hy_t_packed, NULL, 0.0f, ws->dhs, H);
    if (dW_hy)
        rnn_par_gemm(p, th, 1, V, H, rows, ws->dlogits, V, h_scored, H, dW_hy, H);
    if (db_y)
        rnn_par_column_sums(th, rows, V, ws->dlogits, V, db_y);
}
