/* workspace.c — every buffer a forward or train call needs, sized from the
 * plan's desc once and carved out of one 64-byte aligned allocation (see
 * drivers.h for the layout). One workspace kind serves forward, train
 * and the rnn_plan_seq_* calls; a call never allocates. A workspace serves
 * any plan of the same problem (desc), so it may outlive the plan it was
 * made from. A plan with threads = 2 gives its workspaces a helper thread
 * (threads.c), asleep between calls and joined by destroy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers.h"

/* Each buffer starts on a 64-byte line: 16 floats. */
static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

typedef struct {
    size_t total;
    int overflow;
} layout;

static size_t reserve(layout *l, size_t n)
{
    size_t at = l->total, r = round16(n);
    if (r < n || l->total > SIZE_MAX / sizeof(float) - r)
        l->overflow = 1;
    else
        l->total += r;
    return at;
}

/* The helper thread of a two-thread plan's workspace. */
static rnn_status start_team(rnn_workspace *ws, const rnn_plan *p)
{
    ws->threads = 1;
    if (p->threads == 2) {
        rnn_status st = rnn_team_create(&ws->team);
        if (st != RNN_OK)
            return st;
        ws->threads = 2;
    }
    return RNN_OK;
}

static rnn_status stack_workspace_create(rnn_workspace **out, const rnn_plan *p)
{
    rnn_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return RNN_ERR_NOMEM;
    ws->desc = p->desc;
    ws->has_head = p->has_head;
    ws->n_cells = p->n_cells;
    rnn_status st = rnn_stack_workspace_build(ws, p);
    if (st == RNN_OK)
        st = start_team(ws, p);
    if (st != RNN_OK) {
        rnn_workspace_destroy(ws);
        return st;
    }
    *out = ws;
    return RNN_OK;
}

rnn_status rnn_workspace_create(rnn_workspace **out, const rnn_plan *p)
{
    if (!out || !p)
        return RNN_ERR_NULL;
    *out = NULL;
    if (p->cells)
        return stack_workspace_create(out, p);
    const rnn_desc *d = &p->desc;
    const size_t S = p->sizes.steps, B = (size_t)d->B, H = (size_t)d->H, I = (size_t)d->I;
    const size_t V = (size_t)d->V, P = p->sizes.scored, GH = p->GH, W = p->W;
    const int has_c = p->ops->has_c, has_rh = rnn_cell_reads_rh(p->ops);
    const int has_dgh = p->ops->dgh_differs;

    /* desc_check bounds S*B*4H and S*B*(G*H+I); the products below stay under
     * those, and reserve() catches a sum that would not fit. */
    layout l = {0, 0};
    size_t o_hs = reserve(&l, (S + 1) * B * H);
    size_t o_cs = has_c ? reserve(&l, (S + 1) * B * H) : 0;
    size_t o_xp = reserve(&l, S * B * GH);
    size_t o_gates = W ? reserve(&l, S * B * W * H) : 0;
    size_t o_rh = has_rh ? reserve(&l, S * B * H) : 0;
    size_t o_dgx = reserve(&l, S * B * GH);
    size_t o_dgh = has_dgh ? reserve(&l, S * B * GH) : 0;
    size_t o_hp = reserve(&l, B * GH);
    size_t o_gone = reserve(&l, B * 4 * H);
    size_t o_uxp = B < 4 ? reserve(&l, B * GH) : 0;
    size_t o_rhone = reserve(&l, B * H);
    size_t o_ridex = B == 1 ? reserve(&l, RNN_RIDE_ROWS_MAX * (I > GH ? I : GH)) : 0;
    size_t o_dh = reserve(&l, B * H), o_dhn = reserve(&l, B * H);
    size_t o_dc = reserve(&l, B * H), o_drh = reserve(&l, B * H);
    size_t o_lg = 0, o_dlg = 0, o_dhs = 0;
    if (p->has_head) {
        if (P > SIZE_MAX / sizeof(float) / B / V)
            return RNN_ERR_OVERFLOW;
        o_lg = reserve(&l, P * B * V);
        o_dlg = reserve(&l, P * B * V);
        o_dhs = reserve(&l, P * B * p->sizes.head_in);
    }
    size_t o_dwt = reserve(&l, I * GH);
    if (l.overflow)
        return RNN_ERR_OVERFLOW;

    rnn_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return RNN_ERR_NOMEM;
    float *m = rnn_alloc_floats(l.total);
    if (!m) {
        free(ws);
        return RNN_ERR_NOMEM;
    }
    ws->desc = p->desc;
    ws->has_head = p->has_head;
    ws->mem = m;
    ws->mem_floats = l.total;
    ws->hs = m + o_hs;
    ws->cs = has_c ? m + o_cs : NULL;
    ws->xp = m + o_xp;
    ws->gates = W ? m + o_gates : NULL;
    ws->rh = has_rh ? m + o_rh : NULL;
    ws->dgx = m + o_dgx;
    ws->dgh = has_dgh ? m + o_dgh : ws->dgx;
    ws->hp = m + o_hp;
    ws->gates_one = m + o_gone;
    ws->unit_xp = B < 4 ? m + o_uxp : NULL;
    ws->rh_one = m + o_rhone;
    ws->ride_x = B == 1 ? m + o_ridex : NULL;
    ws->dh = m + o_dh;
    ws->dh_next = m + o_dhn;
    ws->dc = m + o_dc;
    ws->drh = m + o_drh;
    ws->logits = p->has_head ? m + o_lg : NULL;
    ws->dlogits = p->has_head ? m + o_dlg : NULL;
    ws->dhs = p->has_head ? m + o_dhs : NULL;
    ws->dw_t = m + o_dwt;
    rnn_status st = start_team(ws, p);
    if (st != RNN_OK) {
        free(m);
        free(ws);
        return st;
    }
    *out = ws;
    return RNN_OK;
}

rnn_status rnn_workspace_poison(rnn_workspace *ws)
{
    if (!ws)
        return RNN_ERR_NULL;
    /* All bits set: a quiet NaN in every float. */
    memset(ws->mem, 0xff, ws->mem_floats * sizeof(float));
    for (size_t k = 0; ws->cells && k < ws->n_cells; k++)
        if (ws->cells[k])
            rnn_workspace_poison(ws->cells[k]);
    return RNN_OK;
}

void rnn_workspace_destroy(rnn_workspace *ws)
{
    if (!ws)
        return;
    rnn_team_destroy(ws->team);
    rnn_stack_workspace_free(ws);
    free(ws->mem);
    free(ws);
}
