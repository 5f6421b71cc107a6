/* stack.c — stacks of L layers and D directions on the optimized path
 * (docs/design.md §7): the same drivers and kernels as one cell, chained.
 *
 * A stack's plan holds one single-cell plan per cell (the encoder's L*D,
 * index l*D + d, then the decoder's L), each a many2many plan of its own
 * input width (I for layer 0, D*H above; the decoder's H above) with no head
 * and no fused step; a reverse cell's plan has `reverse` set, so its time
 * loops run from the last time to the first over the same input rows
 * (drivers.h). The stack's own plan keeps the head (V x D*H, or V x H
 * for seq2seq). Its workspace holds one workspace per cell and the layers'
 * outputs, which are the next layer's input and, in BPTT, what its dW_ih
 * multiplies.
 *
 * Forward, per layer: each cell's input projection (one GEMM over all T*B
 * rows), its time loop, and a copy of its states into its H columns of the
 * layer's output. BPTT, top layer down: each cell's time loop from its H
 * columns of the gradient on the layer's output, its weight gradients and
 * the gradient on its input as GEMMs; the directions' input gradients add
 * (forward first) into the gradient on the layer below. seq2seq runs the
 * decoder's stack from the sum of the encoder's final states of each layer,
 * and in BPTT first, handing each encoder layer its gradient on that sum.
 *
 * Two threads, forward: the directions on a thread each (D = 2), the layers
 * as a wavefront (one direction, batch below 4, where the plan's wave_chunk
 * says so: tune.h), or else every stage split as for one cell with a
 * barrier between stages (docs/design.md §7, "Two threads"). BPTT: every
 * stage split. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "drivers.h"
#include "timing.h"

/* ---- plan ---- */

static const rnn_cell_weights *enc_weights(const rnn_params *pr, size_t k)
{
    return pr->layers ? &pr->layers[k] : &pr->cell;
}

static const rnn_cell_weights *dec_weights(const rnn_params *pr, size_t l)
{
    return pr->decoder_layers ? &pr->decoder_layers[l] : &pr->decoder;
}

rnn_status rnn_stack_plan_build(rnn_plan *p, const rnn_params *pr)
{
    const rnn_desc *d = &p->desc;
    const size_t L = p->sizes.layers, D = p->sizes.directions, cells = p->sizes.cells;
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
    if (cells > 1 && !pr->layers)
        return RNN_ERR_NULL;
    if (seq2seq && L > 1 && !pr->decoder_layers)
        return RNN_ERR_NULL;
    p->n_cells = cells + (seq2seq ? L : 0);
    p->cells = calloc(p->n_cells, sizeof *p->cells);
    if (!p->cells)
        return RNN_ERR_NOMEM;
    /* Each cell's plan: the stack's table, one thread of its own (the
     * stack's call hands its threads to the drivers), no fused step (it
     * runs forward in time only), the stack's data type. */
    rnn_plan_options o = {.isa = p->k->isa, .threads = 1, .no_fused_step = 1, .dtype = p->dtype};
    for (size_t k = 0; k < p->n_cells; k++) {
        const int dec = k >= cells;
        const size_t l = dec ? k - cells : k / D;
        rnn_desc cd = {d->cell, RNN_MANY2MANY, dec ? d->T_out : d->T, 0, d->B,
                       l == 0 ? d->I : dec ? d->H : (int64_t)(D * (size_t)d->H), d->H, 1};
        rnn_params cp = {*(dec ? dec_weights(pr, l) : enc_weights(pr, k)), {0}, NULL, NULL};
        rnn_status st = rnn_plan_create(&p->cells[k], &cd, &cp, &o);
        if (st != RNN_OK)
            return st;
        rnn_plan *c = p->cells[k];
        c->reverse = !dec && k % D == 1;
        /* Cells stream one copy of W_hh: the stack gives its own tunables,
         * the panel group among them, to every cell (rnn_tune_set). */
        c->tune.v.hh_copies = 1;
        (void)rnn_hh_copies(c, 0);
        if (d->topology == RNN_ONE2MANY && l == 0) {
            /* Steps after time 0 see a zero input: their projection is the
             * cell's bias_ih, B rows of it. */
            const size_t B = (size_t)d->B;
            c->xp_bias = rnn_alloc_floats(B * c->GH);
            if (!c->xp_bias)
                return RNN_ERR_NOMEM;
            for (size_t b = 0; b < B; b++)
                memcpy(c->xp_bias + b * c->GH, c->cell.b_ih, c->GH * sizeof(float));
        }
    }
    return RNN_OK;
}

void rnn_stack_plan_free(rnn_plan *p)
{
    if (p->cells)
        for (size_t k = 0; k < p->n_cells; k++)
            rnn_plan_destroy(p->cells[k]);
    free(p->cells);
    p->cells = NULL;
}

/* ---- workspace ---- */

rnn_status rnn_stack_workspace_build(rnn_workspace *ws, const rnn_plan *p)
{
    const rnn_desc *d = &p->desc;
    const size_t L = p->sizes.layers, DH = p->sizes.out_width, H = (size_t)d->H;
    const size_t B = (size_t)d->B, T = (size_t)d->T, T_out = (size_t)d->T_out;
    const size_t I = (size_t)d->I, P = p->sizes.scored, V = (size_t)d->V;
    const size_t Tmax = T > T_out ? T : T_out, W = DH > I ? DH : I;
    ws->cells = calloc(p->n_cells, sizeof *ws->cells);
    if (!ws->cells)
        return RNN_ERR_NOMEM;
    for (size_t k = 0; k < p->n_cells; k++) {
        rnn_status st = rnn_workspace_create(&ws->cells[k], p->cells[k]);
        if (st != RNN_OK)
            return st;
    }
    /* desc_check bounds L*D*S*B*4H and S*B*(G*H + D*H), which bound these. */
    const size_t n_ys = L * T * B * DH + L * T_out * B * H;
    const size_t n_dy = Tmax * B * DH, n_du = Tmax * B * W, n_dcol = Tmax * B * H;
    const size_t n_head = p->has_head ? 2 * P * B * V + P * B * p->sizes.head_in : 0;
    const size_t n_start = 2 * L * B * H;
    const size_t n = n_ys + n_dy + 2 * n_du + n_dcol + n_head + n_start;
    float *m = rnn_alloc_floats(n);
    if (!m)
        return RNN_ERR_NOMEM;
    ws->mem = m;
    ws->mem_floats = n;
    ws->ys = m;
    ws->sdy = ws->ys + n_ys;
    ws->du[0] = ws->sdy + n_dy;
    ws->du[1] = ws->du[0] + n_du;
    ws->dcol = ws->du[1] + n_du;
    float *h = ws->dcol + n_dcol;
    if (p->has_head) {
        ws->logits = h;
        ws->dlogits = h + P * B * V;
        ws->dhs = h + 2 * P * B * V;
        h += n_head;
    }
    ws->dstart = h;
    ws->wave_done = calloc(L, sizeof *ws->wave_done);
    return ws->wave_done ? RNN_OK : RNN_ERR_NOMEM;
}

void rnn_stack_workspace_free(rnn_workspace *ws)
{
    if (ws->cells)
        for (size_t k = 0; k < ws->n_cells; k++)
            rnn_workspace_destroy(ws->cells[k]);
    free(ws->cells);
    ws->cells = NULL;
    free(ws->wave_done);
    ws->wave_done = NULL;
}

/* ---- the calls ---- */

/* Layer l's output: the encoder's (T x B x D*H), or the decoder's (T_out x B x H). */
static float *layer_out(const rnn_plan *p, const rnn_workspace *ws, int dec, size_t l)
{
    const size_t B = (size_t)p->desc.B, T = (size_t)p->desc.T, L = p->sizes.layers;
    const size_t enc = T * B * p->sizes.out_width;
    return dec ? ws->ys + L * enc + l * (size_t)p->desc.T_out * B * (size_t)p->desc.H
               : ws->ys + l * enc;
}

const float *rnn_stack_top(const rnn_plan *p, const rnn_workspace *ws, int dec)
{
    return layer_out(p, ws, dec, p->sizes.layers - 1);
}

/* hs (or cs) index of the initial and of the final state of a cell's run. */
static size_t first_state(const rnn_plan *c)
{
    return c->reverse ? (size_t)c->desc.T : 0;
}

static size_t last_state(const rnn_plan *c)
{
    return c->reverse ? 0 : (size_t)c->desc.T;
}

/* The initial state of cell plan c: h0, c0 (B x H each; NULL = zeros). */
static void load_state(const rnn_plan *c, rnn_workspace *cw, const float *h0, const float *c0)
{
    const size_t BH = c->sizes.state, at = first_state(c) * BH;
    if (h0)
        memcpy(cw->hs + at, h0, BH * sizeof(float));
    else
        memset(cw->hs + at, 0, BH * sizeof(float));
    if (cw->cs) {
        if (c0)
            memcpy(cw->cs + at, c0, BH * sizeof(float));
        else
            memset(cw->cs + at, 0, BH * sizeof(float));
    }
}

/* Rows [r0, r1) (row t*B + b) of states (hs or cs of cell plan c, time
 * order) into columns [off, off + H) of dst (T x B x ld). */
static void copy_states(const rnn_plan *c, const float *states, float *dst, size_t ld,
                        size_t off, size_t r0, size_t r1)
{
    const size_t B = (size_t)c->desc.B, H = (size_t)c->desc.H;
    for (size_t r = r0; r < r1; r++) {
        const size_t t = r / B, b = r % B;
        memcpy(dst + r * ld + off, states + (rnn_state_out(c, t) * B + b) * H, H * sizeof *dst);
    }
}

/* This thread's share of all T*B rows of copy_states. */
static void gather_states(const rnn_plan *c, const float *states, float *dst, size_t ld,
                          size_t off, const rnn_thread *th)
{
    size_t r0, r1;
    rnn_share((size_t)c->desc.T * (size_t)c->desc.B, 1, th, &r0, &r1);
    copy_states(c, states, dst, ld, off, r0, r1);
}

/* One thread alone: what a cell's work becomes when two threads run
 * different cells at once. */
static const rnn_thread solo = {0, 1, NULL};

/* One stack's forward (the encoder's, or dec: the decoder's), as the loops
 * below share it: cell k = base + l*D + d reads u_l, the layer input. */
typedef struct {
    const rnn_plan *p;
    rnn_workspace *ws;
    const rnn_inputs *in;
    int dec, keep_cache;
    size_t L, D, base, B, T, x_rows, width; /* width: of u_l for l > 0 */
    const float *x;
    const int32_t *x_index;
} stack_pass;

static stack_pass pass_of(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, int dec,
                          int keep_cache)
{
    const rnn_desc *d = &p->desc;
    const size_t D = dec ? 1 : p->sizes.directions, I = (size_t)d->I;
    return (stack_pass){p, ws, in, dec, keep_cache, p->sizes.layers, D,
                        dec ? p->sizes.cells : 0, (size_t)d->B,
                        dec ? (size_t)d->T_out : (size_t)d->T,
                        (dec ? p->sizes.x_dec : p->sizes.x) / I, D * (size_t)d->H,
                        dec ? in->x_dec : in->x, dec ? in->x_dec_index : in->x_index};
}

/* The encoder's cell k starts from h0[k], c0[k]; the decoder's cells from
 * what decoder_start wrote. */
static void start_cell(const stack_pass *s, size_t k)
{
    const rnn_plan *c = s->p->cells[k];
    const size_t BH = s->B * (size_t)s->p->desc.H;
    if (!s->dec)
        load_state(c, s->ws->cells[k], s->in->h0 ? s->in->h0 + k * BH : NULL,
                   s->in->c0 && c->ops->has_c ? s->in->c0 + k * BH : NULL);
}

/* Cell k of layer l: the input projection of its layer input's rows of
 * steps [s0, s0 + n) (layer 0: all of x, whatever s0 and n). */
static void project_steps(const stack_pass *s, size_t l, size_t k, size_t s0, size_t n,
                          const rnn_thread *th)
{
    const rnn_plan *c = s->p->cells[k];
    float *xp = s->ws->cells[k]->xp;
    if (l == 0)
        RNN_TIMED(s->ws, projection,
                  rnn_project_input(c, &c->cell, s->x_rows, s->x, s->x_index, xp, th));
    else
        RNN_TIMED(s->ws, projection,
                  rnn_project_input(c, &c->cell, n * s->B,
                                    layer_out(s->p, s->ws, s->dec, l - 1) + s0 * s->B * s->width,
                                    NULL, xp + s0 * s->B * c->GH, th));
}

/* Cell k = l*D + dd (of this stack) over steps [s0, s0 + n), on this thread
 * alone: its time loop, then its states into its columns of y_l. */
static void run_steps(const stack_pass *s, size_t l, size_t dd, size_t s0, size_t n)
{
    const size_t k = s->base + l * s->D + dd, H = (size_t)s->p->desc.H;
    const rnn_plan *c = s->p->cells[k];
    rnn_workspace *cw = s->ws->cells[k];
    rnn_seq_forward_run(c, cw, &c->cell, s0, n, NULL, c->xp_bias, s->keep_cache, &solo);
    copy_states(c, cw->hs, layer_out(s->p, s->ws, s->dec, l), s->D * H, dd * H, s0 * s->B,
                (s0 + n) * s->B);
}

/* Every stage on the threads together: each layer's projections, time
 * loops and copies split as for one cell, a barrier between them. */
static void forward_shared(const stack_pass *s, const rnn_thread *th)
{
    const size_t H = (size_t)s->p->desc.H;
    for (size_t l = 0; l < s->L; l++) {
        for (size_t dd = 0; dd < s->D; dd++) {
            const size_t k = s->base + l * s->D + dd;
            if (th->tid == 0)
                start_cell(s, k);
            project_steps(s, l, k, 0, s->T, th);
        }
        rnn_sync(th);
        for (size_t dd = 0; dd < s->D; dd++) {
            const size_t k = s->base + l * s->D + dd;
            const rnn_plan *c = s->p->cells[k];
            rnn_seq_forward_run(c, s->ws->cells[k], &c->cell, 0, s->T, NULL, c->xp_bias,
                                s->keep_cache, th);
        }
        rnn_sync(th);
        for (size_t dd = 0; dd < s->D; dd++) {
            const size_t k = s->base + l * s->D + dd;
            gather_states(s->p->cells[k], s->ws->cells[k]->hs,
                          layer_out(s->p, s->ws, s->dec, l), s->D * H, dd * H, th);
        }
        rnn_sync(th);
    }
}

/* Two directions on two threads: thread d runs every layer's direction-d
 * cell whole (its projection, time loop and copy), so neither waits inside
 * a layer and each streams only its own cells' weights; a barrier between
 * layers, since both read all of y_{l-1}. */
static void forward_directions(const stack_pass *s, const rnn_thread *th)
{
    const size_t dd = (size_t)th->tid;
    for (size_t l = 0; l < s->L; l++) {
        const size_t k = s->base + l * s->D + dd;
        start_cell(s, k);
        project_steps(s, l, k, 0, s->T, &solo);
        run_steps(s, l, dd, 0, s->T);
        rnn_sync(th);
    }
}

/* The wavefront's chunk: the plan's tunable (tune.h), at most T; 0 when
 * the plan runs no wavefront. The rule's sqrt(T) steps balance the chunks'
 * projections (one pass over W_ih each, T/chunk of them per layer) against
 * the pipeline filling (a chunk of steps per layer). */
static size_t wave_chunk(const stack_pass *s)
{
    const size_t c = s->dec ? s->p->tune.v.wave_chunk_dec : s->p->tune.v.wave_chunk;
    return c > s->T ? s->T : c;
}

static void wait_for(const size_t *done, size_t want)
{
    for (unsigned spins = 0; __atomic_load_n(done, __ATOMIC_ACQUIRE) < want; spins++)
        if (spins >= 64)
            sched_yield();
}

/* One direction, L >= 2, two threads, where the plan chose it (tune.h): a
 * wavefront. Thread l % 2 runs layer
 * l chunk by chunk of steps, each chunk once layer l-1 has finished it
 * (wave_done), visiting (layer, chunk) in order of layer + chunk so each
 * waits only on the other thread's previous diagonal: no deadlock, no
 * barrier inside the run, and each thread's weights are half the stack's.
 * Layer 0's projection, over all of x, comes first on both threads. */
static void forward_wavefront(const stack_pass *s, const rnn_thread *th)
{
    const size_t L = s->L, T = s->T, C = wave_chunk(s), K = (T + C - 1) / C;
    size_t *done = s->ws->wave_done;
    project_steps(s, 0, s->base, 0, T, th);
    if (th->tid == 0)
        for (size_t l = 0; l < L; l++)
            done[l] = 0;
    rnn_sync(th);
    for (size_t diag = 0; diag + 1 < K + L; diag++)
        for (size_t l = (size_t)th->tid; l < L && l <= diag; l += 2) {
            const size_t chunk = diag - l, k = s->base + l, s0 = chunk * C;
            if (chunk >= K)
                continue;
            const size_t n = T - s0 < C ? T - s0 : C;
            if (chunk == 0)
                start_cell(s, k);
            if (l > 0) {
                wait_for(&done[l - 1], chunk + 1);
                project_steps(s, l, k, s0, n, &solo);
            }
            run_steps(s, l, 0, s0, n);
            __atomic_store_n(&done[l], chunk + 1, __ATOMIC_RELEASE);
        }
    rnn_sync(th);
}

/* Runs one stack (the encoder's, or dec: the decoder's) forward. Every
 * schedule gives the same bits: each cell's steps run in the same order
 * through the same kernels, whichever thread runs them. */
static void stack_forward(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, int dec,
                          int keep_cache, const rnn_thread *th)
{
    const stack_pass s = pass_of(p, ws, in, dec, keep_cache);
    if (th->n == 2 && s.D == 2)
        forward_directions(&s, th);
    else if (th->n == 2 && s.L >= 2 && s.B < 4 && wave_chunk(&s) > 0)
        forward_wavefront(&s, th);
    else
        forward_shared(&s, th);
}

/* The decoder's layer l starts from the encoder's final states of layer l,
 * the two directions' summed (forward first; docs/design.md §7). */
static void decoder_start(const rnn_plan *p, rnn_workspace *ws, const rnn_thread *th)
{
    const size_t L = p->sizes.layers, D = p->sizes.directions, BH = p->sizes.state / p->sizes.cells;
    if (th->tid != 0)
        return;
    for (size_t l = 0; l < L; l++) {
        const rnn_plan *f = p->cells[l * D], *dc = p->cells[p->sizes.cells + l];
        const rnn_workspace *fw = ws->cells[l * D];
        rnn_workspace *dw = ws->cells[p->sizes.cells + l];
        for (int which = 0; which < 2; which++) {
            const float *src = which ? fw->cs : fw->hs;
            float *dst = which ? dw->cs : dw->hs;
            if (!src)
                continue;
            const float *a = src + last_state(f) * BH;
            dst += first_state(dc) * BH;
            if (D == 2) {
                const rnn_plan *r = p->cells[l * D + 1];
                const float *rs = which ? ws->cells[l * D + 1]->cs : ws->cells[l * D + 1]->hs;
                const float *b = rs + last_state(r) * BH;
                for (size_t i = 0; i < BH; i++)
                    dst[i] = a[i] + b[i];
            } else {
                memcpy(dst, a, BH * sizeof *dst);
            }
        }
    }
}

void rnn_stack_run(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, int keep_cache,
                   const rnn_thread *th)
{
    stack_forward(p, ws, in, 0, keep_cache, th);
    if (p->desc.topology == RNN_SEQ2SEQ) {
        decoder_start(p, ws, th);
        rnn_sync(th);
        stack_forward(p, ws, in, 1, keep_cache, th);
    }
}

void rnn_stack_store(const rnn_plan *p, const rnn_workspace *ws, const rnn_outputs *out)
{
    const rnn_desc *d = &p->desc;
    const size_t L = p->sizes.layers, D = p->sizes.directions, H = (size_t)d->H;
    const size_t enc = (size_t)d->T * (size_t)d->B * D * H;
    const size_t dec = (size_t)d->T_out * (size_t)d->B * H;
    const rnn_thread one = {0, 1, NULL};
    if (out->h) {
        memcpy(out->h, rnn_stack_top(p, ws, 0), enc * sizeof(float));
        if (d->topology == RNN_SEQ2SEQ)
            memcpy(out->h + enc, rnn_stack_top(p, ws, 1), dec * sizeof(float));
    }
    if (out->c && p->ops->has_c) {
        for (size_t dd = 0; dd < D; dd++) {
            const size_t k = (L - 1) * D + dd;
            gather_states(p->cells[k], ws->cells[k]->cs, out->c, D * H, dd * H, &one);
        }
        if (d->topology == RNN_SEQ2SEQ) {
            const size_t k = p->sizes.cells + L - 1;
            gather_states(p->cells[k], ws->cells[k]->cs, out->c + enc, H, 0, &one);
        }
    }
}

/* The gradients of cell k: the caller's layers array, or its single cell's
 * for the first cell (rnnsimd.h); NULL when not wanted. */
static const rnn_cell_grads *cell_grads(const rnn_plan *p, const rnn_grads *g, size_t k)
{
    const size_t cells = p->sizes.cells;
    if (k < cells)
        return g->layers ? &g->layers[k] : k == 0 ? &g->cell : NULL;
    return g->decoder_layers ? &g->decoder_layers[k - cells] : k == cells ? &g->decoder : NULL;
}

/* BPTT of one stack, top layer down. dy_top: the gradient on the top
 * layer's output (T x B x width; NULL = zero). dh_fin, dc_fin (B x H each;
 * NULL = zero): on the cells' final states, one per cell (per_cell), or one
 * per layer for both directions alike (seq2seq's decoder start).
 * Writes the input gradient dx (NULL: not wanted; x_index: none), and per
 * cell k its weight gradients and, into dh0 + k*BH (dc0), the gradient on
 * its initial state. */
static void stack_backward(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, int dec,
                           const float *dy_top, const float *dh_fin, const float *dc_fin,
                           int per_cell, float *dx, float *dh0, float *dc0, const rnn_grads *g,
                           const rnn_thread *th)
{
    const rnn_desc *d = &p->desc;
    const size_t L = p->sizes.layers, D = dec ? 1 : p->sizes.directions, H = (size_t)d->H;
    const size_t base = dec ? p->sizes.cells : 0, B = (size_t)d->B, I = (size_t)d->I;
    const size_t T = dec ? (size_t)d->T_out : (size_t)d->T, BH = B * H, DH = D * H;
    const size_t x_rows = (dec ? p->sizes.x_dec : p->sizes.x) / I;
    const float *x = dec ? in->x_dec : in->x;
    const int32_t *x_index = dec ? in->x_dec_index : in->x_index;
    const float *dy = dy_top;
    for (size_t l = L; l-- > 0;) {
        const float *u = l ? layer_out(p, ws, dec, l - 1) : x;
        const size_t u_rows = l ? T * B : x_rows, width = l ? DH : I;
        for (size_t dd = 0; dd < D; dd++) {
            const size_t k = base + l * D + dd;
            const rnn_plan *c = p->cells[k];
            rnn_workspace *cw = ws->cells[k];
            /* This direction's H columns of dy, contiguous (D = 1: dy itself). */
            const float *dcol = dy;
            if (dy && D > 1) {
                size_t r0, r1;
                rnn_share(T * B, 1, th, &r0, &r1);
                for (size_t r = r0; r < r1; r++)
                    memcpy(ws->dcol + r * H, dy + r * DH + dd * H, H * sizeof(float));
                dcol = ws->dcol;
            }
            if (th->tid == 0) {
                const size_t fin = (per_cell ? k - base : l) * BH;
                if (dh_fin)
                    memcpy(cw->dh, dh_fin + fin, BH * sizeof(float));
                else
                    memset(cw->dh, 0, BH * sizeof(float));
                if (dc_fin)
                    memcpy(cw->dc, dc_fin + fin, BH * sizeof(float));
                else
                    memset(cw->dc, 0, BH * sizeof(float));
            }
            rnn_sync(th);
            rnn_dh_pair pair = {cw->dh, cw->dh_next};
            rnn_seq_backward_run(c, cw, &c->cell, 0, T, dcol, T, &pair, NULL, th);
            rnn_sync(th);
            /* The input gradient: the layer below's (or dx when one
             * direction writes it whole). */
            float *du = l == 0 && D == 1 ? dx : (l == 0 && x_index) ? NULL : ws->du[dd];
            if (l == 0 && !dx)
                du = NULL;
            RNN_TIMED(cw, weight_grads,
                      rnn_seq_weight_grads(c, cw, &c->cell, 0, T, u_rows, u, l ? NULL : x_index,
                                           cell_grads(p, g, k), du, 0, th));
            if (th->tid == 0) {
                if (dh0)
                    memcpy(dh0 + (k - base) * BH, pair.dh, BH * sizeof(float));
                if (dc0 && c->ops->has_c)
                    memcpy(dc0 + (k - base) * BH, cw->dc, BH * sizeof(float));
            }
            rnn_sync(th);
        }
        /* The directions' input gradients add, forward first. */
        size_t r0, r1;
        rnn_share(u_rows, 1, th, &r0, &r1);
        if (l > 0) {
            float *ndy = ws->sdy;
            for (size_t i = r0 * width; i < r1 * width; i++)
                ndy[i] = D == 2 ? ws->du[0][i] + ws->du[1][i] : ws->du[0][i];
            dy = ndy;
        } else if (dx && D == 2) {
            for (size_t i = r0 * width; i < r1 * width; i++)
                dx[i] = ws->du[0][i] + ws->du[1][i];
        }
        rnn_sync(th);
    }
}

void rnn_stack_train(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in,
                     const rnn_grads *g, const rnn_thread *th)
{
    const rnn_desc *d = &p->desc;
    const size_t L = p->sizes.layers, B = (size_t)d->B, H = (size_t)d->H, BH = B * H;
    const size_t W = p->sizes.head_in, P = p->sizes.scored;
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
    if (seq2seq) {
        /* Every decoder step is scored: the head's gradient is dy whole. */
        float *dh_start = ws->dstart, *dc_start = ws->dstart + L * BH;
        stack_backward(p, ws, in, 1, ws->dhs, NULL, NULL, 0,
                       in->x_dec_index ? NULL : g->x_dec, dh_start, dc_start, g, th);
        stack_backward(p, ws, in, 0, NULL, dh_start, p->ops->has_c ? dc_start : NULL, 0,
                       in->x_index ? NULL : g->x, g->h0, g->c0, g, th);
        return;
    }
    /* The head's gradient on the scored steps, zeros before them. */
    const size_t T = (size_t)d->T, first = T - P;
    float *dy = ws->sdy;
    size_t r0, r1;
    rnn_share(T * B, 1, th, &r0, &r1);
    for (size_t r = r0; r < r1; r++) {
        if (r < first * B)
            memset(dy + r * W, 0, W * sizeof *dy);
        else
            memcpy(dy + r * W, ws->dhs + (r - first * B) * W, W * sizeof *dy);
    }
    rnn_sync(th);
    stack_backward(p, ws, in, 0, dy, NULL, NULL, 0, in->x_index ? NULL : g->x, g->h0, g->c0, g,
                   th);
}

void rnn_stack_seq(const rnn_plan *p, rnn_workspace *ws, const float *x, const float *h0,
                   const float *c0, const float *grad_output, const float *grad_hn,
                   const float *grad_cn, const rnn_grads *g, const rnn_thread *th)
{
    const rnn_inputs in = {x, NULL, NULL, NULL, h0, c0, NULL};
    stack_forward(p, ws, &in, 0, g != NULL, th);
    if (g)
        stack_backward(p, ws, &in, 0, grad_output, grad_hn, p->ops->has_c ? grad_cn : NULL, 1,
                       g->x, g->h0, g->c0, g, th);
}

void rnn_stack_seq_store(const rnn_plan *p, const rnn_workspace *ws, float *output, float *hn,
                         float *cn)
{
    const size_t BH = p->sizes.state / p->sizes.cells;
    if (output)
        memcpy(output, rnn_stack_top(p, ws, 0), p->sizes.h * sizeof(float));
    for (size_t k = 0; k < p->sizes.cells; k++) {
        const rnn_plan *c = p->cells[k];
        const rnn_workspace *cw = ws->cells[k];
        if (hn)
            memcpy(hn + k * BH, cw->hs + last_state(c) * BH, BH * sizeof(float));
        if (cn && cw->cs)
            memcpy(cn + k * BH, cw->cs + last_state(c) * BH, BH * sizeof(float));
    }
}
