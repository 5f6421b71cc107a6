/* cells.c — the four cells of docs/design.md ("The math") as data
 * (cells.h): their shapes, and the calls of their gate kernels (entries.inc)
 * from the buffers of a step. A new cell is a row here and its kernels; the
 * drivers do not change. */
#include "cells.h"

static void tanh_fwd(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io)
{
    k->rnn_tanh_fwd(B, H, io->xp, io->hp, io->h);
}

static void tanh_bwd(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io)
{
    k->rnn_tanh_bwd(B, H, io->h, io->dh, io->dg);
}

static void lstm_fwd(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io)
{
    k->lstm_fwd(B, H, io->xp, io->hp, io->c_prev, io->gates, io->c, io->h);
}

static void lstm_bwd(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io)
{
    k->lstm_bwd(B, H, io->gates, io->c_prev, io->c, io->dh, io->dc, io->dg);
}

/* The seed GRU: r,z first (W_hn multiplies r * h_prev, known only then). */
static void gru_fwd_rz(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io)
{
    k->gru_fwd_rz(B, H, io->xp, io->hp, io->h_prev, io->gates, io->rh);
}

static void gru_fwd_n(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io)
{
    k->gru_fwd_n(B, H, io->xp, io->hp, io->h_prev, io->gates, io->h);
}

/* n's pre-activation saw W_hn (r*h): its gradient reaches r and h_prev
 * through drh = dg_n W_hn, between the two halves. */
static void gru_bwd_zn(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io)
{
    k->gru_bwd_zn(B, H, io->gates, io->h_prev, io->dh, io->dg, io->dh_prev);
}

static void gru_bwd_r(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io)
{
    k->gru_bwd_r(B, H, io->gates, io->h_prev, io->drh, io->dg, io->dh_prev);
}

static void lbr_gru_fwd(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io)
{
    k->lbr_gru_fwd(B, H, io->xp, io->hp, io->h_prev, io->gates, io->h);
}

static void lbr_gru_bwd(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io)
{
    k->lbr_gru_bwd(B, H, io->gates, io->h_prev, io->dh, io->dg, io->dgh, io->dh_prev);
}

static const rnn_cell_ops cells[RNN_CELL_COUNT] = {
    [RNN_TANH] = {.gates = 1, .cache_width = 0, .phases = 1,
                  .phase = {{0, 1, 0, tanh_fwd, tanh_bwd, 0, 1}}},
    [RNN_LSTM] = {.gates = 4, .cache_width = 4, .has_c = 1, .phases = 1,
                  .phase = {{0, 4, 0, lstm_fwd, lstm_bwd, 0, 4}}},
    [RNN_GRU] = {.gates = 3, .cache_width = 3, .bwd_writes_dh_prev = 1, .phases = 2,
                 .phase = {{0, 2, 0, gru_fwd_rz, gru_bwd_zn, 1, 3},
                           {2, 3, 1, gru_fwd_n, gru_bwd_r, 0, 1}},
                 .wraps = 1, .wrap_gate = 1},
    [RNN_LBR_GRU] = {.gates = 3, .cache_width = 4, .dgh_differs = 1, .bwd_writes_dh_prev = 1,
                     .phases = 1, .phase = {{0, 3, 0, lbr_gru_fwd, lbr_gru_bwd, 0, 3}}},
};

const rnn_cell_ops *rnn_cell_ops_of(rnn_cell c)
{
    return (unsigned)c < RNN_CELL_COUNT ? &cells[c] : NULL;
}
