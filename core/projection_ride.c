/* projection_ride.c — the fused batch-1 step's bookkeeping: which forward
 * runs project their input inside the time loop, and what each step's ride
 * is (the kernel is the table's gemv_ride, or bf16_gemv_ride on a bf16
 * plan; kernels.h).
 *
 * Why: at batch 1 a step streams W_hh once and its FMA unit idles; the
 * hoisted projection is a GEMM that keeps it busy. Running the projection
 * of the next R steps in the stream's idle slots takes most of
 * its time off the critical path (`rnnsimd-bench --overlap` measures how
 * much this core hides).
 *
 * Schedule: the steps form blocks of R = rnn_ride_rows(p) (8 or 16: the
 * plan's tunable ride_rows, tune.h). The first block's
 * rows are projected before the loop (rnn_project_input); during block j,
 * step q of the block projects columns [q/R, (q+1)/R) of the GEMM of block
 * j+1's rows, so block j+1's xp is complete when it starts. A partial last
 * block is projected plainly at the start of the block before it. The
 * rows of block j+1 are packed k-major once, at block j's first step.
 *
 * When: batch 1, one thread (the two-thread path splits hidden units), a
 * plan without rnn_plan_options.no_fused_step (conformance runs both ways),
 * dense input, a table with the plan's data type's ride, at least two
 * blocks, and W_hh and W_ih together within the plan's limits (tune.h:
 * ride_max forward, ride_dx_max in BPTT, which bf16 plans never ride).
 * Above that the ride's share of W_ih, a different part each step, no
 * longer stays in cache beside W_hh, and the fused loop runs slower than
 * the hoisted one (docs/performance.md, "The fused batch-1 step", has the
 * timings behind both limits).
 *
 * The ridden projection has the hoisted one's bits (gemv_avx512.c,
 * gemv_bf16_avx512.c). */
#include "drivers.h"

size_t rnn_ride_rows(const rnn_plan *p)
{
    return p->tune.v.ride_rows == RNN_RIDE_ROWS_MAX ? RNN_RIDE_ROWS_MAX : RNN_RIDE_ROWS_MIN;
}

int rnn_has_ride(const rnn_plan *p)
{
    return p->dtype == RNN_DTYPE_BF16 ? p->k->bf16_gemv_ride != NULL : p->k->gemv_ride != NULL;
}

/* The limits themselves are the plan's tunables (tune.h: ride, ride_max,
 * ride_dx_max), in bytes of the plan's weights (2 a weight in bf16);
 * RNN_TUNE_ESTIMATE sets the rules' values (tune.c). */
static int fused(const rnn_plan *p, size_t rows, int dense, const rnn_thread *th, size_t max)
{
    const size_t H = (size_t)p->desc.H, I = (size_t)p->desc.I;
    const size_t wbytes = p->dtype == RNN_DTYPE_BF16 ? 2 : sizeof(float);
    return dense && p->tune.v.ride && rnn_has_ride(p) && p->nr && p->desc.B == 1 &&
           th->n == 1 && rows >= 2 * rnn_ride_rows(p) && p->GH * (H + I) * wbytes <= max;
}

int rnn_fused_projection(const rnn_plan *p, size_t rows, int dense, const rnn_thread *th)
{
    return fused(p, rows, dense, th, p->tune.v.ride_max);
}

/* BPTT's dx rides on float32 plans only (bf16's dx stays hoisted). */
int rnn_fused_dx(const rnn_plan *p, size_t rows, int dense, const rnn_thread *th)
{
    return p->dtype == RNN_DTYPE_F32 && fused(p, rows, dense, th, p->tune.v.ride_dx_max);
}

/* Row `row` of x (I floats) into the ride's k-major rows: float32 plans
 * copy it, bf16 plans round it into pair words (xk[j*R + i], as
 * bf16_gemv_ride reads them). */
static void ride_pack_row(const rnn_plan *p, float *xk, size_t R, size_t i, const float *row,
                          size_t I)
{
    if (p->dtype != RNN_DTYPE_BF16) {
        for (size_t k = 0; k < I; k++)
            xk[k * R + i] = row[k];
        return;
    }
    rnn_bf16x2 *x2 = (rnn_bf16x2 *)(void *)xk;
    for (size_t j = 0; 2 * j < I; j++)
        rnn_bf16_pairs(I - 2 * j < 2 ? 1 : 2, row + 2 * j, &x2[j * R + i]);
}

const rnn_ride *rnn_ride_for_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w,
                                  const float *x, size_t s0, size_t t, size_t T, rnn_ride *r)
{
    const size_t R = rnn_ride_rows(p), I = (size_t)p->desc.I, GH = p->GH;
    const size_t next = (t / R + 1) * R, q = t % R; /* the next block's first row */
    float *xp = ws->xp + (s0 + next) * GH;
    if (next >= T)
        return NULL;
    if (next + R > T) {
        /* A partial block: projected plainly, before it starts. A single row
         * would take the GEMV path, whose sums are ordered otherwise than
         * the hoisted GEMM's: it is projected with the row before it, which
         * this block has not read yet and which gets the same bits again. */
        const size_t first = T - next == 1 ? next - 1 : next;
        if (q == 0)
            rnn_packed_nt(p, T - first, GH, I, x + first * I, I, w->ih_packed, w->b_ih, 0.0f,
                          ws->xp + (s0 + first) * GH, GH);
        return NULL;
    }
    if (q == 0)
        for (size_t i = 0; i < R; i++)
            ride_pack_row(p, ws->ride_x, R, i, x + (next + i) * I, I);
    /* Step q's share of the 16-column vectors. */
    const size_t nv = (GH + 15) / 16, c1 = (q + 1) * nv / R * 16;
    *r = (rnn_ride){R, I, q * nv / R * 16, c1 < GH ? c1 : GH, GH, ws->ride_x, w->ih_packed, w->b_ih,
                    xp};
    return r;
}

/* BPTT runs its steps backwards in blocks of R counted from the last step:
 * block b holds steps [T - (b+1)R, T - bR). During a full block b >= 1,
 * step q of the block computes its share of dx's rows of block b - 1, whose
 * dG the loop has finished. The last full block's rows and a partial block
 * at the start (too few steps to carry all R shares) are left to
 * rnn_seq_weight_grads. */
size_t rnn_dx_ridden_rows(const rnn_plan *p, size_t T)
{
    const size_t R = rnn_ride_rows(p);
    return T >= R ? (T / R - 1) * R : 0;
}

const rnn_ride *rnn_dx_ride_for_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w,
                                     size_t s0, size_t t, size_t T, float *dx, rnn_ride *r)
{
    const size_t R = rnn_ride_rows(p), I = (size_t)p->desc.I, GH = p->GH;
    const size_t b = (T - 1 - t) / R, q = (T - 1 - t) % R;
    if (b == 0 || (b + 1) * R > T)
        return NULL;
    const size_t first = T - b * R; /* block b - 1's first row */
    if (q == 0) {
        const float *dg = ws->dgx + (s0 + first) * GH;
        for (size_t k = 0; k < GH; k++)
            for (size_t i = 0; i < R; i++)
                ws->ride_x[k * R + i] = dg[i * GH + k];
    }
    const size_t nv = (I + 15) / 16, c1 = (q + 1) * nv / R * 16;
    *r = (rnn_ride){R, GH, q * nv / R * 16, c1 < I ? c1 : I, I, ws->ride_x, w->ih_t_packed, NULL,
                    dx + first * I};
    return r;
}

void rnn_ride_split(const rnn_ride *r, size_t num, size_t den, rnn_ride *first, rnn_ride *rest)
{
    const size_t v0 = r->c0 / 16, v1 = (r->c1 + 15) / 16;
    *first = *rest = *r;
    first->c1 = rest->c0 = (v0 + num * (v1 - v0) / den) * 16;
}
