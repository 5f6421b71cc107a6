/* peer_blas.c — the OpenBLAS baseline: what a C programmer would write with
 * CBLAS and libm, single-threaded unless the row says threads:N (setup then
 * calls openblas_set_num_threads(N), and 1 for 1-thread rows; the scalar
 * gates stay on one thread, as such a programmer's would).
 *
 * Per cell: the input projection of every known step as one sgemm (the first
 * thing anyone hoists; one2many's zero inputs are skipped, their projection
 * is zero), then per step the recurrent product (sgemm, or sgemv at B = 1,
 * where sgemm with one row is several times slower) and scalar gates with
 * expf/tanhf. The head is an sgemm (sgemv for one row) and a scalar softmax
 * cross-entropy. Backward: per step scalar gate gradients and dh_prev = dG W_hh;
 * after the loop dW_ih, dW_hh and dX as one sgemm each over all steps.
 * /seq_noproj rows (forward only) project the input at setup. One layer in
 * one direction only: a stack's rows (L:N, bi) have no OpenBLAS row (setup
 * refuses them, and the row is skipped with that sentence). */
#include <cblas.h>
#undef I /* OpenBLAS's cblas.h brings <complex.h>, whose I is our input size */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"

/* C (M x N, ldc) = beta*C + A (M x K, lda) W^T, W N x K (ldw). */
static void mm_awt(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *W,
                   size_t ldw, float beta, float *C, size_t ldc)
{
    if (M == 1)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, 1.0f, W, (int)ldw, A, 1, beta,
                    C, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0f, A,
                    (int)lda, W, (int)ldw, beta, C, (int)ldc);
}

/* C (M x K, ldc) = beta*C + A (M x N, lda) W, W N x K (ldw). */
static void mm_aw(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *W,
                  size_t ldw, float beta, float *C, size_t ldc)
{
    if (M == 1)
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)N, (int)K, 1.0f, W, (int)ldw, A, 1, beta, C,
                    1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)K, (int)N, 1.0f, A,
                    (int)lda, W, (int)ldw, beta, C, (int)ldc);
}

/* C (N x K, ldc) = A^T B: A is M x N (lda), B is M x K (ldb): a weight gradient. */
static void mm_atb(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bm,
                   size_t ldb, float *C, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)K, (int)M, 1.0f, A,
                (int)lda, Bm, (int)ldb, 0.0f, C, (int)ldc);
}

static void col_sums(size_t M, size_t N, const float *A, size_t lda, float *out)
{
    memset(out, 0, N * sizeof *out);
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++)
            out[n] += A[m * lda + n];
}

static float sigm(float a)
{
    return 1.0f / (1.0f + expf(-a));
}

/* One cell run over S steps, with everything its backward needs. */
typedef struct {
    rnn_cell cell;
    size_t S, B, I, H, G, W; /* W: cached gate columns per row */
    const bench_cell_data *w;
    const float *x;          /* S x B x I, or B x I (x_steps 1) */
    size_t x_steps;
    int noproj;
    float *xp;    /* S x B x GH, biases not included */
    float *hs;    /* (S+1) x B x H: hs[0] is h0 */
    float *cs;    /* lstm: (S+1) x B x H */
    float *gates; /* train: S x B x W; inference: one step's worth */
    float *rh;    /* gru: S x B x H (r * h_prev, the input of W_hn) */
    float *hp;    /* B x GH */
    /* backward */
    float *dgx, *dgh; /* S x B x GH; dgh is dgx except for lbr_gru */
    float *dh, *dc, *dtmp; /* B x H; dh, dc: gradients on the state entering the step */
    float *dw_ih, *dw_hh, *db_ih, *db_hh, *dx;
} seg;

typedef struct {
    const bench_data *dt;
    int train, headed;
    seg enc, dec;
    size_t rows;  /* scored rows P*B */
    float *logits, *dlogits, *dhs; /* rows x V, rows x V, rows x H */
    float *dW_hy, *db_y;
    float loss;
    void *mem[64];
    int nmem, oom;
} blas_ctx;

static float *zalloc(blas_ctx *c, size_t n)
{
    float *p = NULL;
    if (c->nmem < 64 && (p = calloc(n ? n : 1, sizeof *p)))
        c->mem[c->nmem++] = p;
    else
        c->oom = 1;
    return p;
}

static void seg_init(blas_ctx *c, seg *s, const bench_cell_data *w, const float *x,
                     size_t x_steps, size_t S)
{
    const bench_data *dt = c->dt;
    s->cell = dt->p.cell;
    s->S = S;
    s->B = (size_t)dt->p.B;
    s->I = (size_t)dt->p.I;
    s->H = (size_t)dt->p.H;
    s->G = (size_t)dt->G;
    s->W = s->cell == RNN_LBR_GRU ? 4 : s->G;
    s->w = w;
    s->x = x;
    s->x_steps = x_steps;
    s->noproj = dt->p.variant == BENCH_SEQ_NOPROJ;
    const size_t BH = s->B * s->H, BGH = BH * s->G;
    s->xp = zalloc(c, S * BGH);
    s->hs = zalloc(c, (S + 1) * BH);
    if (s->cell == RNN_LSTM)
        s->cs = zalloc(c, (S + 1) * BH);
    if (s->cell != RNN_TANH)
        s->gates = zalloc(c, (c->train ? S : 1) * BH * s->W);
    if (s->cell == RNN_GRU)
        s->rh = zalloc(c, (c->train ? S : 1) * BH);
    s->hp = zalloc(c, BGH);
    if (!c->train)
        return;
    s->dgx = zalloc(c, S * BGH);
    s->dgh = s->cell == RNN_LBR_GRU ? zalloc(c, S * BGH) : s->dgx;
    s->dh = zalloc(c, BH);
    s->dc = zalloc(c, BH);
    s->dtmp = zalloc(c, BH);
    s->dw_ih = zalloc(c, s->G * s->H * s->I);
    s->dw_hh = zalloc(c, s->G * s->H * s->H);
    s->db_ih = zalloc(c, s->G * s->H);
    s->db_hh = zalloc(c, s->G * s->H);
    s->dx = zalloc(c, x_steps * s->B * s->I);
}

static void seg_project(seg *s)
{
    const size_t GH = s->G * s->H;
    mm_awt(s->x_steps * s->B, GH, s->I, s->x, s->I, s->w->weight_ih, s->I, 0.0f, s->xp, GH);
}

static void seg_forward(seg *s, int train)
{
    const size_t B = s->B, H = s->H, GH = s->G * H, BH = B * H;
    const float *bi = s->w->bias_ih, *bh = s->w->bias_hh, *Whh = s->w->weight_hh;
    if (!s->noproj)
        seg_project(s);
    for (size_t t = 0; t < s->S; t++) {
        const float *hprev = s->hs + t * BH, *xp = s->xp + t * B * GH;
        float *h = s->hs + (t + 1) * BH, *hp = s->hp;
        float *gt = s->gates ? s->gates + (train ? t : 0) * BH * s->W : NULL;
        if (s->cell == RNN_GRU)
            mm_awt(B, 2 * H, H, hprev, H, Whh, H, 0.0f, hp, GH);
        else
            mm_awt(B, GH, H, hprev, H, Whh, H, 0.0f, hp, GH);
        for (size_t b = 0; b < B; b++) {
            const float *xr = xp + b * GH, *hr = hp + b * GH, *hpr = hprev + b * H;
            float *ho = h + b * H, *g = gt ? gt + b * s->W * H : NULL;
            switch (s->cell) {
            case RNN_TANH:
                for (size_t j = 0; j < H; j++)
                    ho[j] = tanhf(xr[j] + bi[j] + hr[j] + bh[j]);
                break;
            case RNN_LSTM: {
                const float *cp = s->cs + t * BH + b * H;
                float *co = s->cs + (t + 1) * BH + b * H;
                for (size_t j = 0; j < H; j++) {
                    float ig = sigm(xr[j] + bi[j] + hr[j] + bh[j]);
                    float fg = sigm(xr[H + j] + bi[H + j] + hr[H + j] + bh[H + j]);
                    float gg = tanhf(xr[2 * H + j] + bi[2 * H + j] + hr[2 * H + j] + bh[2 * H + j]);
                    float og = sigm(xr[3 * H + j] + bi[3 * H + j] + hr[3 * H + j] + bh[3 * H + j]);
                    co[j] = fg * cp[j] + ig * gg;
                    ho[j] = og * tanhf(co[j]);
                    g[j] = ig, g[H + j] = fg, g[2 * H + j] = gg, g[3 * H + j] = og;
                }
                break;
            }
            case RNN_GRU: {
                float *rh = s->rh + (train ? t : 0) * BH + b * H;
                for (size_t j = 0; j < H; j++) {
                    g[j] = sigm(xr[j] + bi[j] + hr[j] + bh[j]);
                    g[H + j] = sigm(xr[H + j] + bi[H + j] + hr[H + j] + bh[H + j]);
                    rh[j] = g[j] * hpr[j];
                }
                break;
            }
            case RNN_LBR_GRU:
                for (size_t j = 0; j < H; j++) {
                    float r = sigm(xr[j] + bi[j] + hr[j] + bh[j]);
                    float z = sigm(xr[H + j] + bi[H + j] + hr[H + j] + bh[H + j]);
                    float hn = hr[2 * H + j] + bh[2 * H + j];
                    float n = tanhf(xr[2 * H + j] + bi[2 * H + j] + r * hn);
                    ho[j] = (1.0f - z) * n + z * hpr[j];
                    g[j] = r, g[H + j] = z, g[2 * H + j] = n, g[3 * H + j] = hn;
                }
                break;
            default: break;
            }
        }
        if (s->cell != RNN_GRU)
            continue;
        /* The seed GRU's candidate multiplies W_hn by r*h, known only now. */
        const float *rh = s->rh + (train ? t : 0) * BH;
        mm_awt(B, H, H, rh, H, Whh + 2 * H * H, H, 0.0f, hp + 2 * H, GH);
        for (size_t b = 0; b < B; b++) {
            const float *xr = xp + b * GH, *hr = hp + b * GH, *hpr = hprev + b * H;
            float *ho = h + b * H, *g = gt + b * 3 * H;
            for (size_t j = 0; j < H; j++) {
                float n = tanhf(xr[2 * H + j] + bi[2 * H + j] + hr[2 * H + j] + bh[2 * H + j]);
                float z = g[H + j];
                ho[j] = (1.0f - z) * hpr[j] + z * n;
                g[2 * H + j] = n;
            }
        }
    }
}

/* BPTT over the segment. s->dh (and s->dc) hold the gradient reaching the
 * final state on entry and the one reaching h0 (c0) on exit. dH: gradients
 * from the head on steps first..S-1 (rows of B x H), NULL for none. */
static void seg_backward(seg *s, const float *dH, size_t first)
{
    const size_t B = s->B, H = s->H, G = s->G, GH = G * H, BH = B * H, S = s->S;
    const float *Whh = s->w->weight_hh;
    for (size_t t = S; t-- > 0;) {
        const float *hprev = s->hs + t * BH, *h = s->hs + (t + 1) * BH;
        const float *gt = s->gates ? s->gates + t * BH * s->W : NULL;
        float *dgx = s->dgx + t * B * GH, *dgh = s->dgh + t * B * GH;
        float *dh = s->dh, *dc = s->dc;
        if (dH && t >= first)
            for (size_t i = 0; i < BH; i++)
                dh[i] += dH[(t - first) * BH + i];
        for (size_t b = 0; b < B; b++) {
            float *dhr = dh + b * H, *dx = dgx + b * GH, *dy = dgh + b * GH;
            const float *g = gt ? gt + b * s->W * H : NULL, *hp = hprev + b * H;
            switch (s->cell) {
            case RNN_TANH:
                for (size_t j = 0; j < H; j++) {
                    float hv = h[b * H + j];
                    dx[j] = dhr[j] * (1.0f - hv * hv);
                    dhr[j] = 0.0f;
                }
                break;
            case RNN_LSTM: {
                const float *cp = s->cs + t * BH + b * H, *cc = s->cs + (t + 1) * BH + b * H;
                float *dcr = dc + b * H;
                for (size_t j = 0; j < H; j++) {
                    float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
                    float tc = tanhf(cc[j]);
                    float dcv = dcr[j] + dhr[j] * og * (1.0f - tc * tc);
                    dx[j] = dcv * gg * ig * (1.0f - ig);
                    dx[H + j] = dcv * cp[j] * fg * (1.0f - fg);
                    dx[2 * H + j] = dcv * ig * (1.0f - gg * gg);
                    dx[3 * H + j] = dhr[j] * tc * og * (1.0f - og);
                    dcr[j] = dcv * fg;
                    dhr[j] = 0.0f;
                }
                break;
            }
            case RNN_GRU:
                for (size_t j = 0; j < H; j++) {
                    float z = g[H + j], n = g[2 * H + j];
                    dx[H + j] = dhr[j] * (n - hp[j]) * z * (1.0f - z);
                    dx[2 * H + j] = dhr[j] * z * (1.0f - n * n);
                    dhr[j] *= 1.0f - z;
                }
                break;
            case RNN_LBR_GRU:
                for (size_t j = 0; j < H; j++) {
                    float r = g[j], z = g[H + j], n = g[2 * H + j], hn = g[3 * H + j];
                    float dn = dhr[j] * (1.0f - z) * (1.0f - n * n);
                    dx[j] = dy[j] = dn * hn * r * (1.0f - r);
                    dx[H + j] = dy[H + j] = dhr[j] * (hp[j] - n) * z * (1.0f - z);
                    dx[2 * H + j] = dn;
                    dy[2 * H + j] = dn * r;
                    dhr[j] *= z;
                }
                break;
            default: break;
            }
        }
        if (s->cell == RNN_GRU) {
            /* d(r*h) = dg_n W_hn, then the r gate and the direct path to h. */
            mm_aw(B, H, H, dgx + 2 * H, GH, Whh + 2 * H * H, H, 0.0f, s->dtmp, H);
            for (size_t b = 0; b < B; b++) {
                const float *g = gt + b * 3 * H, *hp = hprev + b * H, *drh = s->dtmp + b * H;
                float *dx = dgx + b * GH, *dhr = dh + b * H;
                for (size_t j = 0; j < H; j++) {
                    float r = g[j];
                    dx[j] = drh[j] * hp[j] * r * (1.0f - r);
                    dhr[j] += drh[j] * r;
                }
            }
            mm_aw(B, 2 * H, H, dgx, GH, Whh, H, 1.0f, dh, H);
        } else {
            mm_aw(B, GH, H, dgh, GH, Whh, H, 1.0f, dh, H);
        }
    }
    /* Weight gradients over all steps at once. */
    const size_t M = S * B;
    if (!s->noproj) {
        mm_atb(s->x_steps * B, GH, s->I, s->dgx, GH, s->x, s->I, s->dw_ih, s->I);
        mm_aw(s->x_steps * B, GH, s->I, s->dgx, GH, s->w->weight_ih, s->I, 0.0f, s->dx, s->I);
    }
    if (s->cell == RNN_GRU) {
        mm_atb(M, 2 * H, H, s->dgx, GH, s->hs, H, s->dw_hh, H);
        mm_atb(M, H, H, s->dgx + 2 * H, GH, s->rh, H, s->dw_hh + 2 * H * H, H);
    } else {
        mm_atb(M, GH, H, s->dgh, GH, s->hs, H, s->dw_hh, H);
    }
    col_sums(M, GH, s->dgx, GH, s->db_ih);
    col_sums(M, GH, s->dgh, GH, s->db_hh);
}

/* logits = Hs W_hy^T + b_y; loss by a scalar softmax; train: dlogits. */
static void head_forward(blas_ctx *c, const float *hsc)
{
    const bench_data *dt = c->dt;
    const size_t rows = c->rows, V = (size_t)dt->d.V, H = (size_t)dt->p.H;
    mm_awt(rows, V, H, hsc, H, dt->W_hy, H, 0.0f, c->logits, V);
    double loss = 0.0;
    const float scale = 1.0f / (float)rows;
    for (size_t r = 0; r < rows; r++) {
        float *l = c->logits + r * V, mx = -INFINITY, sum = 0.0f;
        for (size_t v = 0; v < V; v++) {
            l[v] += dt->b_y[v];
            mx = l[v] > mx ? l[v] : mx;
        }
        const int32_t tg = dt->targets[r];
        const float target_logit = l[tg];
        float *e = c->train ? c->dlogits + r * V : l; /* inference: probabilities in place */
        for (size_t v = 0; v < V; v++) {
            e[v] = expf(l[v] - mx);
            sum += e[v];
        }
        loss += logf(sum) + mx - target_logit;
        const float k = (c->train ? scale : 1.0f) / sum;
        for (size_t v = 0; v < V; v++)
            e[v] *= k;
        if (c->train)
            e[tg] -= scale;
    }
    c->loss = (float)(loss / (double)rows);
}

static void head_backward(blas_ctx *c, const float *hsc)
{
    const bench_data *dt = c->dt;
    const size_t rows = c->rows, V = (size_t)dt->d.V, H = (size_t)dt->p.H;
    mm_atb(rows, V, H, c->dlogits, V, hsc, H, c->dW_hy, H);
    col_sums(rows, V, c->dlogits, V, c->db_y);
    mm_aw(rows, V, H, c->dlogits, V, dt->W_hy, H, 0.0f, c->dhs, H);
}

static void blas_teardown(void *vctx)
{
    blas_ctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nmem; i++)
        free(c->mem[i]);
    free(c);
}

static void *blas_setup(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                        char *err, size_t err_n)
{
    (void)impl;
    if (dt->p.variant == BENCH_SEQ_NOPROJ && dt->p.mode == BENCH_TRAIN) {
        snprintf(err, err_n, "/seq_noproj rows are forward only");
        return NULL;
    }
    if (bench_problem_stacked(&dt->p)) {
        snprintf(err, err_n, "the OpenBLAS baseline runs one layer in one direction: stacks "
                             "(L:N, bi) are compared with oneDNN only");
        return NULL;
    }
    const int want = bench_problem_threads(&dt->p);
    openblas_set_num_threads(want);
    if (openblas_get_num_threads() != want) {
        snprintf(err, err_n, "OpenBLAS: asked for %d thread%s, it has %d", want,
                 want > 1 ? "s" : "", openblas_get_num_threads());
        return NULL;
    }
    blas_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_n, "out of memory");
        return NULL;
    }
    const bench_problem *p = &dt->p;
    c->dt = dt;
    c->train = p->mode == BENCH_TRAIN;
    c->headed = p->variant == BENCH_HEADED;
    const size_t T = (size_t)p->T, B = (size_t)p->B, H = (size_t)p->H;
    size_t x_steps = p->topology == RNN_ONE2ONE || p->topology == RNN_ONE2MANY ? 1 : T;
    /* /seq_noproj's input is one-hot by index: its projection (at setup,
     * untimed) is of the same one-hot vectors ours gathers. */
    const float *x = dt->x;
    if (dt->x_index) {
        float *x1 = zalloc(c, T * B * (size_t)p->I);
        for (size_t r = 0; x1 && r < T * B; r++)
            x1[r * (size_t)p->I + (size_t)dt->x_index[r]] = 1.0f;
        x = x1;
    }
    seg_init(c, &c->enc, &dt->cell, x, x_steps, T);
    if (p->topology == RNN_SEQ2SEQ && c->headed)
        seg_init(c, &c->dec, &dt->decoder, dt->x_dec, (size_t)p->T_out, (size_t)p->T_out);
    if (c->headed) {
        c->rows = dt->s.targets;
        c->logits = zalloc(c, c->rows * (size_t)dt->d.V);
        if (c->train) {
            c->dlogits = zalloc(c, c->rows * (size_t)dt->d.V);
            c->dhs = zalloc(c, c->rows * H);
            c->dW_hy = zalloc(c, dt->s.W_hy);
            c->db_y = zalloc(c, dt->s.b_y);
        }
    }
    if (c->oom) {
        snprintf(err, err_n, "out of memory");
        blas_teardown(c);
        return NULL;
    }
    if (c->enc.noproj)
        seg_project(&c->enc);
    if (want > 1)
        snprintf(note, note_n, "OpenBLAS %s, %d threads, %s per step", openblas_get_corename(),
                 want, B == 1 ? "sgemv" : "sgemm");
    else
        snprintf(note, note_n, "OpenBLAS %s, %s per step", openblas_get_corename(),
                 B == 1 ? "sgemv" : "sgemm");
    return c;
}

static int blas_run(void *vctx, char *err, size_t err_n)
{
    (void)err, (void)err_n;
    blas_ctx *c = vctx;
    const bench_data *dt = c->dt;
    const bench_problem *p = &dt->p;
    const size_t B = (size_t)p->B, H = (size_t)p->H, BH = B * H, T = (size_t)p->T;
    seg_forward(&c->enc, c->train);
    seg *last = &c->enc;
    if (c->dec.S) {
        memcpy(c->dec.hs, c->enc.hs + T * BH, BH * sizeof(float));
        if (c->dec.cs)
            memcpy(c->dec.cs, c->enc.cs + T * BH, BH * sizeof(float));
        seg_forward(&c->dec, c->train);
        last = &c->dec;
    }
    /* The scored states: every step, or only the last. */
    size_t first = 0;
    const float *hsc = last->hs + BH;
    if (c->headed && (p->topology == RNN_MANY2ONE || p->topology == RNN_ONE2ONE)) {
        first = last->S - 1;
        hsc = last->hs + last->S * BH;
    }
    if (c->headed)
        head_forward(c, hsc);
    if (!c->train)
        return 0;
    const float *dH = c->headed ? c->dhs : dt->grad_output;
    if (c->headed)
        head_backward(c, hsc);
    memset(last->dh, 0, BH * sizeof(float));
    memset(last->dc, 0, BH * sizeof(float));
    seg_backward(last, dH, first);
    if (c->dec.S) {
        memcpy(c->enc.dh, c->dec.dh, BH * sizeof(float));
        memcpy(c->enc.dc, c->dec.dc, BH * sizeof(float));
        seg_backward(&c->enc, NULL, 0);
    }
    return 0;
}

static int put(bench_output *out, int n, int max, const char *name, float *data, size_t count)
{
    if (data && n < max)
        out[n++] = (bench_output){name, data, count};
    return n;
}

/* A cell run's gradients (prefix "grad." or "grad.dec."); x: its dx's name. */
static int put_seg(bench_output *out, int n, int max, const seg *s, int dec)
{
    const size_t GH = s->G * s->H;
    n = put(out, n, max, dec ? "grad.x_dec" : "grad.x", s->dx, s->x_steps * s->B * s->I);
    if (!dec) {
        n = put(out, n, max, "grad.h0", s->dh, s->B * s->H);
        if (s->cell == RNN_LSTM)
            n = put(out, n, max, "grad.c0", s->dc, s->B * s->H);
    }
    n = put(out, n, max, dec ? "grad.dec.weight_ih" : "grad.weight_ih", s->dw_ih, GH * s->I);
    n = put(out, n, max, dec ? "grad.dec.weight_hh" : "grad.weight_hh", s->dw_hh, GH * s->H);
    n = put(out, n, max, dec ? "grad.dec.bias_ih" : "grad.bias_ih", s->db_ih, GH);
    return put(out, n, max, dec ? "grad.dec.bias_hh" : "grad.bias_hh", s->db_hh, GH);
}

/* Every output and gradient run writes, in PyTorch's layouts already:
 * the same list serves both. views adds h_T and c_T, slices of the states. */
static int list(blas_ctx *c, bench_output *out, int max, int views)
{
    int n = 0;
    const seg *e = &c->enc;
    const size_t BH = e->B * e->H;
    if (c->headed)
        n = put(out, n, max, "loss", &c->loss, 1);
    if (!c->headed && !c->train) {
        n = put(out, n, max, "h", e->hs + BH, e->S * BH);
        if (views) {
            n = put(out, n, max, "h_T", e->hs + e->S * BH, BH);
            /* a /seq_noproj row's outputs are h and h_T (check.c) */
            n = put(out, n, max, "c_T", e->cs && !e->noproj ? e->cs + e->S * BH : NULL, BH);
        } else {
            n = put(out, n, max, "c", e->cs ? e->cs + BH : NULL, e->S * BH);
        }
    }
    if (!c->train)
        return n;
    n = put_seg(out, n, max, e, 0);
    if (c->dec.S)
        n = put_seg(out, n, max, &c->dec, 1);
    n = put(out, n, max, "grad.W_hy", c->dW_hy, c->dW_hy ? c->dt->s.W_hy : 0);
    return put(out, n, max, "grad.b_y", c->db_y, c->db_y ? c->dt->s.b_y : 0);
}

static int blas_outputs(void *vctx, bench_output *out, int max)
{
    return list(vctx, out, max, 0);
}

static int blas_results(void *vctx, bench_output *out, int max)
{
    return list(vctx, out, max, 1);
}

const char *bench_blas_configure(void)
{
    static char msg[512];
    openblas_set_num_threads(1);
    const char *env = getenv("RNNSIMD_BENCH_OPENBLAS_ENV");
    snprintf(msg, sizeof msg, "core %s, %d thread; config: %s; environment: %s",
             openblas_get_corename(), openblas_get_num_threads(), openblas_get_config(),
             env ? env : "as inherited (no re-exec)");
    return msg;
}

const bench_impl bench_peer_blas = {
    .name = "blas",
    .is_peer = 1,
    .isa = RNN_ISA_AUTO,
    .setup = blas_setup,
    .run = blas_run,
    .teardown = blas_teardown,
    .outputs = blas_outputs,
    .results = blas_results,
};
