/* sequence_units.c — the time loops of a two-thread call at batch 1 to 3.
 *
 * There a step is bound by the stream of W_hh, not by FMAs, so both threads
 * share every step: each owns a range of hidden units [u0, u0 + n), whole
 * panels of the table's packed format, and computes for its units every
 * gate's columns of the recurrent product, then the gate kernel. A thread
 * needs the other's results only where a product reads a whole vector
 * (h_prev forward, the gate gradients backward), so a step has one barrier;
 * gru has two, since W_hn multiplies r*h_prev of all units.
 *
 * The gate kernels find gate g of a row at g*H'; a thread's gates are kept
 * as compact rows of its n units (gate g at g*n) in scratch of its own, and
 * the cache and gradient slices are copied between those and the step-major
 * buffers: a few n-float copies a step beside G*n*H weights streamed.
 *
 * Needs H a multiple of the panel width (rnn_split_units), so each gate's
 * block of columns starts on a panel. The results are bitwise those of one
 * thread: every element is the same code summing in the same order. */
#include <string.h>
#include "drivers.h"

/* This thread's units and its compact scratch, B rows each. */
typedef struct {
    size_t B, H, G, W, u0, n;
    float *xc; /* B x G*n: forward, the step's xp; backward, lbr_gru's dgh */
    float *hc; /* B x G*n: forward, the product; backward, the gate gradients */
    float *gc; /* B x W*n: the gate cache */
} units;

static units units_of(const rnn_plan *p, rnn_workspace *ws, const rnn_thread *th)
{
    units u = {(size_t)p->desc.B, (size_t)p->desc.H, p->G, p->W, 0, 0, NULL, NULL, NULL};
    size_t u1;
    rnn_share(u.H, p->nr, th, &u.u0, &u1);
    u.n = u1 - u.u0;
    /* The shares tile each buffer: thread 1's starts where thread 0's ends. */
    u.xc = ws->unit_xp + u.B * u.G * u.u0;
    u.hc = ws->hp + u.B * u.G * u.u0;
    u.gc = ws->gates_one + u.B * 4 * u.u0;
    return u;
}

/* dst (compact, B x gates*n) = this thread's units of src (B x gates*H). */
static void gather(const units *u, size_t gates, float *dst, const float *src)
{
    for (size_t r = 0; r < u->B * gates; r++)
        memcpy(dst + r * u->n, src + r * u->H + u->u0, u->n * sizeof *dst);
}

/* The reverse, for gates [g0, g1) only. */
static void scatter(const units *u, size_t gates, size_t g0, size_t g1, float *dst,
                    const float *src)
{
    for (size_t b = 0; b < u->B; b++)
        for (size_t g = g0; g < g1; g++) {
            const size_t r = b * gates + g;
            memcpy(dst + r * u->H + u->u0, src + r * u->n, u->n * sizeof *dst);
        }
}

/* The thread's columns of gates [0, gates) of A W^T + bias (A: B x K; W's
 * rows packed with gate g's at g*H), into C (row stride ldc, gate g at g*n). */
static void product(const rnn_plan *p, const cell_pack *w, const units *u, size_t K,
                    const float *A, const float *packed, const float *bias, size_t gates,
                    float *C, size_t ldc)
{
    const int zero = rnn_zero_state(w, u->B * K, A);
    for (size_t g = 0; g < gates; g++) {
        const size_t c0 = g * u->H + u->u0;
        if (!zero) {
            rnn_packed_nt(p, u->B, u->n, K, A, K, rnn_panel_at(p, packed, c0, K), bias + c0,
                          0.0f, C + g * u->n, ldc);
            continue;
        }
        for (size_t b = 0; b < u->B; b++)
            memcpy(C + b * ldc + g * u->n, bias + c0, u->n * sizeof *C);
    }
}

void rnn_units_forward(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                       size_t T, const float *xp_later, int keep_cache, const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const rnn_cell_ops *ops = p->ops;
    const units u = units_of(p, ws, th);
    const size_t B = u.B, H = u.H, G = u.G, W = u.W, n = u.n, u0 = u.u0;
    const size_t BH = B * H, GH = p->GH, Gn = G * n, Wn = W * n;
    for (size_t j = 0; j < T; j++) {
        const size_t t = rnn_step_time(p, j, T), s = s0 + t;
        const size_t sp = rnn_state_prev(p, s), so = rnn_state_out(p, s);
        const float *xp = (xp_later && s > 0) ? xp_later : ws->xp + s * B * GH;
        const float *h_prev = ws->hs + sp * BH;
        float *h = ws->hs + so * BH;
        float *cache = keep_cache && ws->gates ? ws->gates + s * B * W * H : NULL;
        /* A later phase reads the gates of an earlier one: cache or not. */
        float *gc = cache || ops->phases > 1 ? u.gc : NULL;
        float *rh = ws->rh ? (keep_cache ? ws->rh + s * BH : ws->rh_one) : NULL;
        if (n)
            gather(&u, G, u.xc, xp);
        for (size_t ph = 0; ph < ops->phases; ph++) {
            const rnn_cell_phase *f = &ops->phase[ph];
            /* The product reads r * h_prev of every unit: a barrier before. */
            if (f->reads_rh)
                rnn_sync(th);
            if (!n)
                continue;
            product(p, w, &u, H, f->reads_rh ? rh : h_prev, w->hh_packed[ph],
                    w->b_hh + f->g0 * H, f->g1 - f->g0, u.hc + f->g0 * n, Gn);
            for (size_t b = 0; b < B; b++) {
                const size_t e = b * H + u0;
                rnn_fwd_io io = {u.xc + b * Gn, u.hc + b * Gn, h_prev + e, NULL,
                                 gc ? gc + b * Wn : NULL, NULL, h + e, rh ? rh + e : NULL};
                if (ws->cs) {
                    io.c_prev = ws->cs + sp * BH + e;
                    io.c = ws->cs + so * BH + e;
                }
                f->fwd(k, 1, n, &io);
            }
        }
        if (n && cache)
            scatter(&u, W, 0, W, cache, u.gc);
        /* The next step's product reads all of h. */
        rnn_sync(th);
    }
}

/* Adds the upstream gradient of step t (if it is one of the last P) to this
 * thread's units of dh. */
static void add_dy(const units *u, float *dh, const float *dy, size_t t, size_t T, size_t P)
{
    if (!dy || t + P < T)
        return;
    const size_t BH = u->B * u->H;
    const float *d = dy + (t + P - T) * BH;
    for (size_t b = 0; b < u->B; b++)
        for (size_t j = b * u->H + u->u0; j < b * u->H + u->u0 + u->n; j++)
            dh[j] += d[j];
}

void rnn_units_backward(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                        size_t T, const float *dy, size_t P, rnn_dh_pair *pair,
                        const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const rnn_cell_ops *ops = p->ops;
    const units u = units_of(p, ws, th);
    const size_t B = u.B, H = u.H, G = u.G, W = u.W, n = u.n, u0 = u.u0;
    const size_t BH = B * H, GH = p->GH, Gn = G * n, Wn = W * n;
    for (size_t j = T; j-- > 0;) {
        const size_t t = rnn_step_time(p, j, T), s = s0 + t;
        const size_t sp = rnn_state_prev(p, s), so = rnn_state_out(p, s);
        float *dh = pair->dh, *dh_prev = pair->dh_next;
        float *dg = ws->dgx + s * B * GH, *dgh = ws->dgh + s * B * GH;
        if (n) {
            add_dy(&u, dh, dy, t, T, P);
            if (W)
                gather(&u, W, u.gc, ws->gates + s * B * W * H);
        }
        for (size_t i = 0; i < ops->phases; i++) {
            const rnn_cell_phase *b_ph = &ops->phase[i];
            /* This thread's units of the gate gradients... */
            for (size_t b = 0; b < B && n; b++) {
                const size_t e = b * H + u0;
                rnn_bwd_io io = {W ? u.gc + b * Wn : NULL, ws->hs + sp * BH + e,
                                 ws->hs + so * BH + e, NULL, NULL, dh + e, ws->drh + e,
                                 ws->dc + e, u.hc + b * Gn, u.xc + b * Gn, dh_prev + e};
                if (ws->cs) {
                    io.c_prev = ws->cs + sp * BH + e;
                    io.c = ws->cs + so * BH + e;
                }
                b_ph->bwd(k, 1, n, &io);
            }
            if (n && ops->dgh_differs)
                scatter(&u, G, 0, G, dgh, u.xc);
            if (n)
                scatter(&u, G, b_ph->dg0, b_ph->dg1, dg, u.hc);
            /* ...then the product back through a forward phase's rows reads
             * all of them. Its columns are this thread's units, so the next
             * gate kernel reads only what this thread wrote. */
            rnn_sync(th);
            const size_t ph = ops->phases - 1 - i;
            const rnn_cell_phase *f = &ops->phase[ph];
            const float beta = !f->reads_rh && ops->bwd_writes_dh_prev ? 1.0f : 0.0f;
            rnn_par_packed_cols(p, th, B, H, (f->g1 - f->g0) * H, dgh + f->g0 * H, GH,
                                w->hh_t_packed[ph], NULL, beta, f->reads_rh ? ws->drh : dh_prev,
                                H);
        }
        pair->dh = dh_prev;
        pair->dh_next = dh;
    }
}
