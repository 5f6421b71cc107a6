/* sequence_units.c — the time loops of a two-thread call at batch 1 to 3.
 *
 * There a step is bound by the stream of W_hh, not by FMAs, so both threads
 * share every step: each owns a range of hidden units [u0, u0 + n), whole
 * panels of the table's packed format, and computes for its units every
 * gate's columns of the recurrent product, then the gate kernel. A thread
 * needs the other's results only where a product reads a whole vector
 * (h_prev forward, the gate gradients backward), so a step has one barrier;
 * the seed GRU has two, since W_hn multiplies r*h_prev of all units.
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
#include "plan_internal.h"

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
            p->k->gemm_packed_nt(u->B, u->n, K, A, K, packed + c0 * K, bias + c0, 0.0f,
                                 C + g * u->n, ldc);
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
    const units u = units_of(p, ws, th);
    const size_t B = u.B, H = u.H, G = u.G, W = u.W, n = u.n, u0 = u.u0;
    const size_t BH = B * H, GH = p->GH, Gn = G * n, Wn = W * n;
    for (size_t t = 0; t < T; t++) {
        const size_t s = s0 + t;
        const float *xp = (xp_later && t > 0) ? xp_later : ws->xp + s * B * GH;
        const float *h_prev = ws->hs + s * BH;
        float *h = ws->hs + (s + 1) * BH;
        float *cache = keep_cache && ws->gates ? ws->gates + s * B * W * H : NULL;
        float *gc = cache ? u.gc : NULL;
        if (n)
            gather(&u, G, u.xc, xp);
        switch (p->desc.cell) {
        case RNN_TANH:
            if (n) {
                product(p, w, &u, H, h_prev, w->hh_packed, w->b_hh, 1, u.hc, n);
                for (size_t b = 0; b < B; b++)
                    k->rnn_tanh_fwd(1, n, u.xc + b * n, u.hc + b * n, h + b * H + u0);
            }
            break;
        case RNN_LSTM:
            if (n) {
                product(p, w, &u, H, h_prev, w->hh_packed, w->b_hh, 4, u.hc, Gn);
                const float *c_prev = ws->cs + s * BH + u0;
                float *c = ws->cs + (s + 1) * BH + u0;
                for (size_t b = 0; b < B; b++)
                    k->lstm_fwd(1, n, u.xc + b * Gn, u.hc + b * Gn, c_prev + b * H,
                                gc ? gc + b * Wn : NULL, c + b * H, h + b * H + u0);
            }
            break;
        case RNN_GRU: {
            /* r*h_prev of every unit feeds W_hn: a barrier between. The
             * gates are needed across the two halves, cache or not. */
            float *rh = keep_cache ? ws->rh + s * BH : ws->rh_one;
            gc = u.gc;
            if (n) {
                product(p, w, &u, H, h_prev, w->hh_packed, w->b_hh, 2, u.hc, Gn);
                for (size_t b = 0; b < B; b++)
                    k->gru_fwd_rz(1, n, u.xc + b * Gn, u.hc + b * Gn, h_prev + b * H + u0,
                                  gc + b * Wn, rh + b * H + u0);
            }
            rnn_sync(th);
            if (n) {
                product(p, w, &u, H, rh, w->hn_packed, w->b_hh + 2 * H, 1, u.hc + 2 * n, Gn);
                for (size_t b = 0; b < B; b++)
                    k->gru_fwd_n(1, n, u.xc + b * Gn, u.hc + b * Gn, h_prev + b * H + u0,
                                 gc + b * Wn, h + b * H + u0);
            }
            break;
        }
        case RNN_LBR_GRU:
            if (n) {
                product(p, w, &u, H, h_prev, w->hh_packed, w->b_hh, 3, u.hc, Gn);
                for (size_t b = 0; b < B; b++)
                    k->lbr_gru_fwd(1, n, u.xc + b * Gn, u.hc + b * Gn, h_prev + b * H + u0,
                                   gc ? gc + b * Wn : NULL, h + b * H + u0);
            }
            break;
        default:
            break;
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
    const units u = units_of(p, ws, th);
    const size_t B = u.B, H = u.H, G = u.G, W = u.W, n = u.n, u0 = u.u0;
    const size_t BH = B * H, GH = p->GH, Gn = G * n, Wn = W * n;
    for (size_t t = T; t-- > 0;) {
        const size_t s = s0 + t;
        float *dh = pair->dh, *dh_prev = pair->dh_next;
        const float *h_prev = ws->hs + s * BH + u0, *h = ws->hs + (s + 1) * BH + u0;
        float *dg = ws->dgx + s * B * GH, *dgh = ws->dgh + s * B * GH;
        if (n) {
            add_dy(&u, dh, dy, t, T, P);
            if (W)
                gather(&u, W, u.gc, ws->gates + s * B * W * H);
        }
        /* This thread's units of the gate gradients; the product after the
         * barrier reads all of them. */
        switch (p->desc.cell) {
        case RNN_TANH:
            for (size_t b = 0; b < B && n; b++)
                k->rnn_tanh_bwd(1, n, h + b * H, dh + b * H + u0, u.hc + b * n);
            break;
        case RNN_LSTM:
            for (size_t b = 0; b < B && n; b++)
                k->lstm_bwd(1, n, u.gc + b * Wn, ws->cs + s * BH + u0 + b * H,
                            ws->cs + (s + 1) * BH + u0 + b * H, dh + b * H + u0,
                            ws->dc + b * H + u0, u.hc + b * Gn);
            break;
        case RNN_GRU:
            for (size_t b = 0; b < B && n; b++)
                k->gru_bwd_zn(1, n, u.gc + b * Wn, h_prev + b * H, dh + b * H + u0,
                              u.hc + b * Gn, dh_prev + b * H + u0);
            break;
        case RNN_LBR_GRU:
            for (size_t b = 0; b < B && n; b++)
                k->lbr_gru_bwd(1, n, u.gc + b * Wn, h_prev + b * H, dh + b * H + u0,
                               u.hc + b * Gn, u.xc + b * Gn, dh_prev + b * H + u0);
            if (n)
                scatter(&u, G, 0, G, dgh, u.xc);
            break;
        default:
            break;
        }
        if (n) /* seed gru: r's gradient comes after W_hn's product */
            scatter(&u, G, p->desc.cell == RNN_GRU ? 1 : 0, G, dg, u.hc);
        rnn_sync(th);
        /* dh_prev's columns are this thread's units: the next step's gate
         * kernel reads only what this thread wrote. */
        switch (p->desc.cell) {
        case RNN_TANH:
        case RNN_LSTM:
            rnn_par_packed_cols(p, th, B, H, GH, dg, GH, w->hh_t_packed, NULL, 0.0f, dh_prev, H);
            break;
        case RNN_GRU:
            rnn_par_packed_cols(p, th, B, H, H, dg + 2 * H, GH, w->hn_t_packed, NULL, 0.0f,
                                ws->drh, H);
            for (size_t b = 0; b < B && n; b++)
                k->gru_bwd_r(1, n, u.gc + b * Wn, h_prev + b * H, ws->drh + b * H + u0,
                             u.hc + b * Gn, dh_prev + b * H + u0);
            if (n)
                scatter(&u, G, 0, 1, dg, u.hc);
            rnn_sync(th);
            rnn_par_packed_cols(p, th, B, H, 2 * H, dg, GH, w->hh_t_packed, NULL, 1.0f, dh_prev,
                                H);
            break;
        case RNN_LBR_GRU:
            rnn_par_packed_cols(p, th, B, H, GH, dgh, GH, w->hh_t_packed, NULL, 1.0f, dh_prev, H);
            break;
        default:
            break;
        }
        pair->dh = dh_prev;
        pair->dh_next = dh;
    }
}
