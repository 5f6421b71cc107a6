/* step_wrap.c — the batch-1 step of a two-phase cell (gru) whose stream
 * starts where the previous step's ended (tune.h: RNN_STREAM_WRAP).
 *
 * Why: a one-phase cell's step reads all of W_hh in one product, and
 * reversing every other step turns the end of one step's stream into L2
 * hits at the start of the next (step_product.c). gru's two products are
 * ordered by their data, W_hr,z before W_hn (r * h_prev), so a reversed
 * step still starts on W_hr,z while the last step ended on W_hn: nothing
 * is reused. Its update gate z is read only by the last gate kernel, so
 * z's columns may run at either end of a step. Two runs of `a` columns at
 * the ends of z's block, E0 and E1, take turns: even steps stream E0 back
 * to front first and E1 last, odd steps E1 first and E0 last, so each
 * step starts on the L2-resident lines the step before it ended with.
 * z's middle columns run with the rest of the first phase.
 *
 * Bits: every column is the same code summing in the same order, whatever
 * runs beside it. The first gate kernel runs before the last run's product
 * and so reads stale pre-activations there; those units' z is recomputed
 * after it as sigma(xp + hp), the kernel's own sum and activation (the
 * table's vsigmoid is the same vector code as its gate kernels' sigmoid),
 * before the last gate kernel reads it. */
#include <string.h>
#include "cpu_caches.h"
#include "drivers.h"
#include "timing.h"

size_t rnn_wrap_columns(const rnn_plan *p)
{
    const rnn_cell_ops *ops = p->ops;
    const size_t H = (size_t)p->desc.H, nr = p->nr;
    if (!ops->wraps || ops->phases != 2 || p->desc.B != 1 || !nr || H % nr)
        return 0;
    rnn_cpu_caches c;
    const size_t l2 = rnn_cpu_caches_get(&c) == RNN_OK ? c.l2 : 0;
    /* Bytes of one packed column: K floats, or (K + 1) / 2 bf16 pairs. */
    const size_t col = p->dtype == RNN_DTYPE_BF16 ? (H + 1) / 2 * 4 : H * sizeof(float);
    /* Half of L2 for the run the next step reuses, and at most half of z. */
    size_t a = l2 / 2 / col;
    if (a > H / 2)
        a = H / 2;
    return a / nr * nr;
}

/* A step's runs: what they read and write, whether the state each phase
 * multiplies is all zeros (the product is then its bias), and the step's
 * ride not yet handed out over the `left` columns not yet run. */
typedef struct {
    const rnn_plan *p;
    const cell_pack *w;
    const float *h_prev, *rh;
    const float *hh[RNN_MAX_PHASES];
    float *hp;
    int zero[RNN_MAX_PHASES];
    rnn_ride rest;
    int ride;
    size_t left;
} step_runs;

/* Columns [c0, c1) of phase ph's product, back to front if reverse, with
 * their share of the ride. */
static void run(step_runs *r, size_t ph, size_t c0, size_t c1, int reverse)
{
    const rnn_plan *p = r->p;
    const rnn_cell_phase *f = &p->ops->phase[ph];
    if (c1 == c0)
        return;
    const size_t H = (size_t)p->desc.H, N = c1 - c0;
    const float *packed = rnn_panel_at(p, r->hh[ph], c0 - f->g0 * H, H);
    const float *bias = r->w->b_hh + c0;
    float *C = r->hp + c0;
    const float *a = f->reads_rh ? r->rh : r->h_prev;
    if (r->ride) {
        /* The ride runs even where the state is zero (its columns are not). */
        rnn_ride mine;
        rnn_ride_split(&r->rest, N, r->left, &mine, &r->rest);
        r->left -= N;
        rnn_step_run(p, reverse, r->zero[ph] ? 0 : N, H, a, packed, bias, C, &mine);
    } else if (!r->zero[ph]) {
        rnn_step_run(p, reverse, N, H, a, packed, bias, C, NULL);
    }
    if (r->zero[ph])
        memcpy(C, bias, N * sizeof *C);
}

void rnn_wrapped_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t j,
                      size_t a, const float *const hh[RNN_MAX_PHASES], float *hp,
                      const rnn_fwd_io *io, const rnn_ride *ride)
{
    const rnn_kernels *k = p->k;
    const rnn_cell_ops *ops = p->ops;
    const rnn_cell_phase *f0 = &ops->phase[0], *f1 = &ops->phase[1];
    const size_t H = (size_t)p->desc.H, z = ops->wrap_gate * H;
    /* The runs at z's ends: first (back to front) and last this step. */
    const size_t e0 = z, e1 = z + H - a;
    const size_t first = j % 2 ? e1 : e0, last = j % 2 ? e0 : e1;
    step_runs r = {p, w, io->h_prev, io->rh, {hh[0], hh[1]}, hp, {0, 0},
                   ride ? *ride : (rnn_ride){0}, ride != NULL, p->GH};
    r.zero[0] = rnn_zero_state(w, H, io->h_prev);
    RNN_TIMED(ws, products, {
        run(&r, 0, first, first + a, 1);
        run(&r, 0, f0->g0 * H, z, 0);
        run(&r, 0, z + a, z + H - a, 0);
        run(&r, 0, z + H, f0->g1 * H, 0);
    });
    RNN_TIMED(ws, gates, f0->fwd(k, 1, H, io));
    r.zero[1] = f1->reads_rh ? rnn_zero_state(w, H, io->rh) : r.zero[0];
    RNN_TIMED(ws, products, {
        run(&r, 1, f1->g0 * H, f1->g1 * H, 0);
        run(&r, 0, last, last + a, 0);
    });
    RNN_TIMED(ws, gates, {
        float *pre = hp + last;
        const float *xp = io->xp + last;
        for (size_t u = 0; u < a; u++)
            pre[u] = xp[u] + pre[u];
        k->vsigmoid(a, pre, io->gates + last);
        f1->fwd(k, 1, H, io);
    });
}
