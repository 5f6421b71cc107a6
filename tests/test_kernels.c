/* test_kernels.c — every kernel table this CPU runs, entry by entry, against
 * naive double implementations written here from docs/design.md §3's equations (not
 * the reference/ code): gemm (all transposes, beta 0 and 1, beta 0 over NaN),
 * pack_nt + gemm_packed_nt (bias or not), the fused gate kernels forward and
 * backward of the four cells, softmax_xent; and that the element-wise
 * entries give identical bits on every table (one source). Sizes 1 7 8 9 15 16 17 33 64 100
 * (below, at and above every vector width and block), plus K = 300, and
 * larger shapes just below and above the GEMMs' row, column and depth
 * blocks (K past 512 and 1024). Every buffer sits at an odd float offset (never
 * vector aligned) between guard zones that must come back untouched. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "kernels.h"
#include "tolerance.h"

static const size_t widths[] = {1, 7, 8, 9, 15, 16, 17, 33, 64, 100};
#define NW (sizeof widths / sizeof *widths)
#define GUARD 37
static const uint32_t guard_bits = 0x7fc0beefu; /* a NaN no kernel computes */

typedef struct {
    float *base, *p;
    size_t n;
} buf;

static buf balloc(size_t n)
{
    buf b;
    b.n = n;
    b.base = malloc((n + 2 * GUARD + 1) * sizeof(float));
    b.p = b.base + GUARD + 1; /* odd offset: 4 bytes past a 64-byte multiple at best */
    for (size_t i = 0; i < n + 2 * GUARD + 1; i++)
        memcpy(b.base + i, &guard_bits, 4);
    return b;
}

static int guards_ok(const buf *b)
{
    for (size_t i = 0; i < GUARD + 1; i++)
        if (memcmp(b->base + i, &guard_bits, 4) != 0)
            return 0;
    for (size_t i = 0; i < GUARD; i++)
        if (memcmp(b->p + b->n + i, &guard_bits, 4) != 0)
            return 0;
    return 1;
}

static uint64_t stream;
static void fill(buf *b, float lo, float hi)
{
    rnn_fill_uniform(b->p, b->n, 2024, ++stream, lo, hi);
}

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Compares got with a double reference (rounded to float for rnn_compare). */
static double compare(const float *got, const double *ref, size_t n, double tol)
{
    float *rf = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        rf[i] = (float)ref[i];
    rnn_compare_result r = rnn_compare(got, rf, n, tol);
    free(rf);
    return r.frac;
}

static double worst_gemm, worst_gates, worst_head, worst_head_rel;

/* ---- GEMM ---- */
static void gemm_case(const rnn_kernels *const *ks, int nk, int ta, int tb, size_t M, size_t N,
                      size_t K)
{
    size_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
    buf A = balloc((ta ? K : M) * lda), B = balloc((tb ? N : K) * ldb);
    buf C0 = balloc(M * ldc);
    fill(&A, -1, 1), fill(&B, -1, 1), fill(&C0, -1, 1);
    double *ref = malloc(M * N * sizeof(double));
    float *got = malloc(M * N * sizeof(float));
    double tol = rnn_tolerance(RNN_TOL_FORWARD, (double)K + 1, 1);
    for (int beta = 0; beta < 2; beta++) {
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) {
                double s = beta ? C0.p[i * ldc + j] : 0.0;
                for (size_t k = 0; k < K; k++)
                    s += (double)(ta ? A.p[k * lda + i] : A.p[i * lda + k]) *
                         (tb ? B.p[j * ldb + k] : B.p[k * ldb + j]);
                ref[i * N + j] = s;
            }
        for (int t = 0; t < nk; t++) {
            buf C = balloc(M * ldc);
            if (beta)
                memcpy(C.p, C0.p, M * ldc * sizeof(float));
            else
                for (size_t i = 0; i < M * ldc; i++)
                    C.p[i] = NAN; /* beta 0 must not read C */
            ks[t]->gemm(ta, tb, M, N, K, A.p, lda, B.p, ldb, (float)beta, C.p, ldc);
            for (size_t i = 0; i < M; i++)
                memcpy(got + i * N, C.p + i * ldc, N * sizeof(float));
            double f = compare(got, ref, M * N, tol);
            int pad_ok = 1;
            for (size_t i = 0; i < M; i++)
                for (size_t j = N; j < ldc; j++)
                    if (beta ? memcmp(&C.p[i * ldc + j], &C0.p[i * ldc + j], 4) != 0
                             : !isnan(C.p[i * ldc + j]))
                        pad_ok = 0;
            if (f > worst_gemm)
                worst_gemm = f;
            CHECK(f < 1 && guards_ok(&C) && pad_ok,
                  "%s gemm ta=%d tb=%d M=%zu N=%zu K=%zu beta=%d: error %.3g of "
                  "tolerance, guards %s, padding %s",
                  ks[t]->name, ta, tb, M, N, K, beta, f, guards_ok(&C) ? "ok" : "HIT",
                  pad_ok ? "ok" : "WRITTEN");
            free(C.base);
        }
    }
    free(ref), free(got), free(A.base), free(B.base), free(C0.base);
}

static void test_gemm(const rnn_kernels *const *ks, int nk)
{
    static const size_t Ks[] = {1, 9, 17, 100, 300};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t mi = 0; mi < NW; mi++)
                for (size_t ni = 0; ni < NW; ni++)
                    for (size_t ki = 0; ki < 5; ki++) {
                        if ((mi + ni + ki) % 3 && Ks[ki] == 300)
                            continue; /* the deep case on a third of the shapes */
                        gemm_case(ks, nk, ta, tb, widths[mi], widths[ni], Ks[ki]);
                    }
    /* Shapes past the tables' blocking (avx512: 12-row micro-blocks, 96-row
     * chunks, B packed in 128- or 512-column chunks, K in blocks of 128 or
     * 512 split evenly): below and above each, with odd remainders. */
    static const size_t big[][3] = {{97, 129, 513}, {25, 257, 1030}, {95, 127, 511},
                                    {13, 300, 600}, {193, 40, 64}, {2, 520, 1100}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
                gemm_case(ks, nk, ta, tb, big[i][0], big[i][1], big[i][2]);
}

static void packed_case(const rnn_kernels *const *ks, int nk, size_t M, size_t N, size_t K)
{
    size_t lda = K + 1, ldw = K + 2, ldc = N + 3;
    buf A = balloc(M * lda), W = balloc(N * ldw), bias = balloc(N), C0 = balloc(M * ldc);
    fill(&A, -1, 1), fill(&W, -1, 1), fill(&bias, -1, 1), fill(&C0, -1, 1);
    double *ref = malloc(M * N * sizeof(double));
    float *got = malloc(M * N * sizeof(float));
    double tol = rnn_tolerance(RNN_TOL_FORWARD, (double)K + 2, 1);
    for (int t = 0; t < nk; t++) {
        buf P = balloc(ks[t]->packed_size(N, K));
        ks[t]->pack_nt(N, K, W.p, ldw, P.p);
        CHECK(guards_ok(&P), "%s pack_nt N=%zu K=%zu stays inside packed_size",
              ks[t]->name, N, K);
        for (int mode = 0; mode < 4; mode++) {
            int beta = mode & 1, use_bias = mode >> 1;
            for (size_t i = 0; i < M; i++)
                for (size_t j = 0; j < N; j++) {
                    double s = (beta ? C0.p[i * ldc + j] : 0.0) + (use_bias ? bias.p[j] : 0.0);
                    for (size_t k = 0; k < K; k++)
                        s += (double)A.p[i * lda + k] * W.p[j * ldw + k];
                    ref[i * N + j] = s;
                }
            buf C = balloc(M * ldc);
            if (beta)
                memcpy(C.p, C0.p, M * ldc * sizeof(float));
            else
                for (size_t i = 0; i < M * ldc; i++)
                    C.p[i] = NAN;
            ks[t]->gemm_packed_nt(M, N, K, A.p, lda, P.p, use_bias ? bias.p : NULL,
                                  (float)beta, C.p, ldc);
            for (size_t i = 0; i < M; i++)
                memcpy(got + i * N, C.p + i * ldc, N * sizeof(float));
            double f = compare(got, ref, M * N, tol);
            if (f > worst_gemm)
                worst_gemm = f;
            int pad_ok = 1; /* the columns between N and ldc are not C's */
            for (size_t i = 0; i < M; i++)
                for (size_t j = N; j < ldc; j++)
                    if (beta ? memcmp(&C.p[i * ldc + j], &C0.p[i * ldc + j], 4) != 0
                             : !isnan(C.p[i * ldc + j]))
                        pad_ok = 0;
            CHECK(f < 1 && guards_ok(&C) && pad_ok,
                  "%s gemm_packed_nt M=%zu N=%zu K=%zu beta=%d bias=%d: error %.3g of "
                  "tolerance, guards %s, padding %s",
                  ks[t]->name, M, N, K, beta, use_bias, f, guards_ok(&C) ? "ok" : "HIT",
                  pad_ok ? "ok" : "WRITTEN");
            free(C.base);
        }
        free(P.base);
    }
    free(ref), free(got), free(A.base), free(W.base), free(bias.base), free(C0.base);
}

static void test_packed(const rnn_kernels *const *ks, int nk)
{
    static const size_t Ks[] = {1, 9, 17, 100, 300};
    for (size_t mi = 0; mi < NW; mi++)
        for (size_t ni = 0; ni < NW; ni++)
            for (size_t ki = 0; ki < 5; ki++) {
                if ((mi + ni + ki) % 3 && Ks[ki] == 300)
                    continue;
                packed_case(ks, nk, widths[mi], widths[ni], Ks[ki]);
            }
    /* Shapes past the tables' blocking: more rows than one batch block (64),
     * more columns than one L2 chunk of weights (512), odd remainders; for
     * avx512, K blocks of 512 paired into super blocks whose row chunks
     * shrink with their depth (1600: two pairs, 61 rows a chunk; 2100:
     * super blocks of different depths, so different row chunks). */
    static const size_t big[][3] = {{65, 1100, 37}, {130, 530, 300}, {1, 2050, 20},
                                    {200, 513, 64}, {64, 1024, 17}, {3, 1537, 5},
                                    {97, 129, 513}, {16, 257, 1030}, {96, 127, 511},
                                    {193, 300, 600}, {12, 160, 1100}, {1, 100, 1030},
                                    {100, 70, 1600}, {97, 300, 2100}, {50, 33, 1030}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        packed_case(ks, nk, big[i][0], big[i][1], big[i][2]);
}

/* Shapes at the avx2 table's blocking: gemm's 36-row A blocks and 256-deep
 * slices, split evenly into micro-blocks of at most 6 rows (37 = 7 blocks,
 * 71, 73, 108 = 3 x 36); the packed product's one-block batches (up to 64
 * rows, 63 = 6 + 6 + ... + 5) and 36-row blocks beyond, partial last
 * panels (530, 47, 31), and weights past 4 MiB (1030 x 1030), where the
 * next panel is prefetched. */
static void test_avx2_blocking(const rnn_kernels *const *ks, int nk)
{
    static const size_t g[][3] = {{37, 40, 257}, {71, 33, 300}, {73, 17, 64}, {108, 50, 513}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
                gemm_case(ks, nk, ta, tb, g[i][0], g[i][1], g[i][2]);
    static const size_t p[][3] = {{63, 530, 257}, {11, 47, 300}, {66, 100, 260},
                                  {108, 31, 100}, {109, 530, 40}, {2, 520, 513},
                                  {5, 1030, 1030}};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        packed_case(ks, nk, p[i][0], p[i][1], p[i][2]);
}

/* ---- gates: naive double forms of docs/design.md §3's cells ---- */
#define GATE_TOL 1e-5 /* a few float ulps through exp/tanh; a wrong formula is O(1) */

/* Checks one output buffer of a gate kernel against its double reference. */
static void check_out(const char *table, const char *what, size_t B, size_t H, const buf *got,
                      const double *ref)
{
    double f = compare(got->p, ref, got->n, GATE_TOL);
    if (f > worst_gates)
        worst_gates = f;
    CHECK(f < 1 && guards_ok(got), "%s %s B=%zu H=%zu: error %.3g of tolerance, guards %s", table,
          what, B, H, f, guards_ok(got) ? "ok" : "HIT");
}

static void test_gates_fwd(const rnn_kernels *k, size_t B, size_t H)
{
    size_t n = B * H;
    buf xp = balloc(B * 4 * H), hp = balloc(B * 4 * H), hprev = balloc(n), cprev = balloc(n);
    fill(&xp, -3, 3), fill(&hp, -3, 3), fill(&hprev, -1, 1), fill(&cprev, -2, 2);
    double *rg = malloc(B * 4 * H * sizeof(double)), *rh = malloc(n * sizeof(double)),
           *rc = malloc(n * sizeof(double)), *rx = malloc(n * sizeof(double));

    /* rnn_tanh: h = tanh(xp + hp) */
    buf h = balloc(n);
    k->rnn_tanh_fwd(B, H, xp.p, hp.p, h.p);
    for (size_t i = 0; i < n; i++)
        rh[i] = tanh((double)xp.p[i] + hp.p[i]);
    check_out(k->name, "rnn_tanh_fwd h", B, H, &h, rh);
    free(h.base);

    /* lstm, with and without the gate cache */
    for (int with_gates = 0; with_gates < 2; with_gates++) {
        buf g = balloc(B * 4 * H), c = balloc(n);
        h = balloc(n);
        k->lstm_fwd(B, H, xp.p, hp.p, cprev.p, with_gates ? g.p : NULL, c.p, h.p);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                const float *x = xp.p + b * 4 * H, *r = hp.p + b * 4 * H;
                double gi = sig((double)x[j] + r[j]), gf = sig((double)x[H + j] + r[H + j]);
                double gg = tanh((double)x[2 * H + j] + r[2 * H + j]);
                double go = sig((double)x[3 * H + j] + r[3 * H + j]);
                double cn = gf * cprev.p[b * H + j] + gi * gg;
                double *G = rg + b * 4 * H;
                G[j] = gi, G[H + j] = gf, G[2 * H + j] = gg, G[3 * H + j] = go;
                rc[b * H + j] = cn;
                rh[b * H + j] = go * tanh(cn);
            }
        check_out(k->name, "lstm_fwd c", B, H, &c, rc);
        check_out(k->name, "lstm_fwd h", B, H, &h, rh);
        if (with_gates)
            check_out(k->name, "lstm_fwd gates", B, H, &g, rg);
        else
            CHECK(guards_ok(&g) && memcmp(g.p, &guard_bits, 4) == 0, "lstm_fwd NULL gates untouched");
        free(g.base), free(c.base), free(h.base);
    }

    /* gru (reset before the product): rz then n (n reads z from the gate cache the rz half wrote) */
    {
        const size_t G3 = 3 * H;
        buf g = balloc(B * G3), rhb = balloc(n);
        h = balloc(n);
        k->gru_fwd_rz(B, H, xp.p, hp.p, hprev.p, g.p, rhb.p);
        k->gru_fwd_n(B, H, xp.p, hp.p, hprev.p, g.p, h.p);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                const float *x = xp.p + b * G3, *r = hp.p + b * G3;
                double gr = sig((double)x[j] + r[j]), gz = sig((double)x[H + j] + r[H + j]);
                double hv = hprev.p[b * H + j];
                /* hp's n part stands for W_hn (r*h) + b_hn, computed by the driver */
                double gn = tanh((double)x[2 * H + j] + r[2 * H + j]);
                double *G = rg + b * G3;
                G[j] = gr, G[H + j] = gz, G[2 * H + j] = gn;
                rx[b * H + j] = gr * hv;
                rh[b * H + j] = (1 - gz) * hv + gz * gn;
            }
        buf gv = g;
        gv.n = B * G3;
        check_out(k->name, "gru_fwd rz+n gates", B, H, &gv, rg);
        check_out(k->name, "gru_fwd_rz rh", B, H, &rhb, rx);
        check_out(k->name, "gru_fwd_n h", B, H, &h, rh);
        free(g.base), free(rhb.base), free(h.base);
    }

    /* lbr_gru (PyTorch), with and without the gate cache */
    for (int with_gates = 0; with_gates < 2; with_gates++) {
        const size_t G3 = 3 * H;
        buf g = balloc(B * 4 * H);
        h = balloc(n);
        k->lbr_gru_fwd(B, H, xp.p, hp.p, hprev.p, with_gates ? g.p : NULL, h.p);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                const float *x = xp.p + b * G3, *r = hp.p + b * G3;
                double gr = sig((double)x[j] + r[j]), gz = sig((double)x[H + j] + r[H + j]);
                double hn = r[2 * H + j];
                double gn = tanh((double)x[2 * H + j] + gr * hn);
                double *G = rg + b * 4 * H;
                G[j] = gr, G[H + j] = gz, G[2 * H + j] = gn, G[3 * H + j] = hn;
                rh[b * H + j] = (1 - gz) * gn + gz * hprev.p[b * H + j];
            }
        check_out(k->name, "lbr_gru_fwd h", B, H, &h, rh);
        if (with_gates)
            check_out(k->name, "lbr_gru_fwd gates", B, H, &g, rg);
        free(g.base), free(h.base);
    }
    free(xp.base), free(hp.base), free(hprev.base), free(cprev.base);
    free(rg), free(rh), free(rc), free(rx);
}

/* Fills a gate cache with values in each gate's range: sigmoid gates in
 * (0, 1), tanh gates in (-1, 1), lbr_gru's hn anywhere. */
static void fill_gates(buf *g, size_t B, size_t H, size_t W, const int *is_tanh)
{
    for (size_t b = 0; b < B; b++)
        for (size_t q = 0; q < W; q++) {
            float *p = g->p + b * W * H + q * H;
            if (is_tanh[q] == 2)
                rnn_fill_uniform(p, H, 7, ++stream, -3, 3);
            else if (is_tanh[q])
                rnn_fill_uniform(p, H, 7, ++stream, -0.99f, 0.99f);
            else
                rnn_fill_uniform(p, H, 7, ++stream, 0.01f, 0.99f);
        }
}

static void test_gates_bwd(const rnn_kernels *k, size_t B, size_t H)
{
    size_t n = B * H;
    buf hprev = balloc(n), dh = balloc(n), cprev = balloc(n), c = balloc(n), hcur = balloc(n);
    fill(&hprev, -1, 1), fill(&dh, -1, 1), fill(&cprev, -2, 2), fill(&c, -2, 2);
    fill(&hcur, -0.99f, 0.99f);
    double *r1 = malloc(B * 4 * H * sizeof(double)), *r2 = malloc(B * 4 * H * sizeof(double)),
           *r3 = malloc(n * sizeof(double));

    /* rnn_tanh: dg = dh (1 - h^2) */
    buf dg = balloc(n);
    k->rnn_tanh_bwd(B, H, hcur.p, dh.p, dg.p);
    for (size_t i = 0; i < n; i++)
        r1[i] = (double)dh.p[i] * (1 - (double)hcur.p[i] * hcur.p[i]);
    check_out(k->name, "rnn_tanh_bwd dg", B, H, &dg, r1);
    free(dg.base);

    /* lstm */
    {
        static const int kinds[4] = {0, 0, 1, 0};
        buf g = balloc(B * 4 * H), dc = balloc(n);
        dg = balloc(B * 4 * H);
        fill_gates(&g, B, H, 4, kinds);
        fill(&dc, -1, 1);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                size_t e = b * H + j;
                const float *G = g.p + b * 4 * H;
                double gi = G[j], gf = G[H + j], gg = G[2 * H + j], go = G[3 * H + j];
                double tc = tanh((double)c.p[e]);
                double dct = dc.p[e] + dh.p[e] * go * (1 - tc * tc);
                double *D = r1 + b * 4 * H;
                D[j] = dct * gg * gi * (1 - gi);
                D[H + j] = dct * cprev.p[e] * gf * (1 - gf);
                D[2 * H + j] = dct * gi * (1 - gg * gg);
                D[3 * H + j] = dh.p[e] * tc * go * (1 - go);
                r3[e] = dct * gf;
            }
        k->lstm_bwd(B, H, g.p, cprev.p, c.p, dh.p, dc.p, dg.p);
        check_out(k->name, "lstm_bwd dg", B, H, &dg, r1);
        check_out(k->name, "lstm_bwd dc", B, H, &dc, r3);
        free(g.base), free(dc.base), free(dg.base);
    }

    /* gru (reset before the product): zn then r */
    {
        static const int kinds[3] = {0, 0, 1};
        const size_t G3 = 3 * H;
        buf g = balloc(B * G3), dhp = balloc(n), drh = balloc(n);
        dg = balloc(B * G3);
        fill_gates(&g, B, H, 3, kinds);
        fill(&drh, -1, 1);
        k->gru_bwd_zn(B, H, g.p, hprev.p, dh.p, dg.p, dhp.p);
        k->gru_bwd_r(B, H, g.p, hprev.p, drh.p, dg.p, dhp.p);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                size_t e = b * H + j;
                const float *G = g.p + b * G3;
                double gr = G[j], gz = G[H + j], gn = G[2 * H + j], hv = hprev.p[e], d = dh.p[e];
                double *D = r1 + b * G3;
                /* h' = (1-z) h + z n: dz = dh (n - h), dn = dh z, dh_prev = dh (1-z) */
                D[H + j] = d * (gn - hv) * gz * (1 - gz);
                D[2 * H + j] = d * gz * (1 - gn * gn);
                /* rh = r * h: dr = drh h, dh_prev += drh r */
                D[j] = (double)drh.p[e] * hv * gr * (1 - gr);
                r3[e] = d * (1 - gz) + (double)drh.p[e] * gr;
            }
        check_out(k->name, "gru_bwd zn+r dg", B, H, &dg, r1);
        check_out(k->name, "gru_bwd zn+r dh_prev", B, H, &dhp, r3);
        free(g.base), free(dhp.base), free(drh.base), free(dg.base);
    }

    /* lbr_gru */
    {
        static const int kinds[4] = {0, 0, 1, 2};
        const size_t G3 = 3 * H;
        buf g = balloc(B * 4 * H), dgx = balloc(B * G3), dgh = balloc(B * G3), dhp = balloc(n);
        fill_gates(&g, B, H, 4, kinds);
        k->lbr_gru_bwd(B, H, g.p, hprev.p, dh.p, dgx.p, dgh.p, dhp.p);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < H; j++) {
                size_t e = b * H + j;
                const float *G = g.p + b * 4 * H;
                double gr = G[j], gz = G[H + j], gn = G[2 * H + j], hn = G[3 * H + j];
                double hv = hprev.p[e], d = dh.p[e];
                /* h' = (1-z) n + z h; n = tanh(xn + r hn) */
                double an = d * (1 - gz) * (1 - gn * gn);
                double ar = an * hn * gr * (1 - gr);
                double az = d * (hv - gn) * gz * (1 - gz);
                double *X = r1 + b * G3, *R = r2 + b * G3;
                X[j] = ar, X[H + j] = az, X[2 * H + j] = an;
                R[j] = ar, R[H + j] = az, R[2 * H + j] = an * gr;
                r3[e] = d * gz;
            }
        check_out(k->name, "lbr_gru_bwd dgx", B, H, &dgx, r1);
        check_out(k->name, "lbr_gru_bwd dgh", B, H, &dgh, r2);
        check_out(k->name, "lbr_gru_bwd dh_prev", B, H, &dhp, r3);
        free(g.base), free(dgx.base), free(dgh.base), free(dhp.base);
    }
    free(hprev.base), free(dh.base), free(cprev.base), free(c.base), free(hcur.base);
    free(r1), free(r2), free(r3);
}

/* Every element-wise output of table k on one set of inputs (softmax_xent's
 * loss as the two floats of its double), appended to out; returns how many. The kernels are one source
 * (kernels/simd/), so every table must give the same bits. */
static size_t elementwise_outputs(const rnn_kernels *k, size_t B, size_t H, float *out)
{
    const size_t n = B * H, G = 4 * B * H;
    buf a = balloc(G), b = balloc(G), st = balloc(n), d = balloc(n), g = balloc(G);
    fill(&a, -4, 4), fill(&b, -4, 4), fill(&st, -1, 1), fill(&d, -1, 1);
    rnn_fill_uniform(g.p, G, 7, 99, 0.01f, 0.99f);
    size_t m = 0;
    float *o1 = out, *o2, *o3;
#define NEXT(p, len) (p = out + m, m += (len))
    NEXT(o1, n), k->rnn_tanh_fwd(B, H, a.p, b.p, o1);
    NEXT(o1, G), NEXT(o2, n), NEXT(o3, n), k->lstm_fwd(B, H, a.p, b.p, st.p, o1, o2, o3);
    NEXT(o1, G), NEXT(o2, n), memcpy(o1, g.p, G * sizeof(float));
    k->gru_fwd_rz(B, H, a.p, b.p, st.p, o1, o2);
    NEXT(o3, n), k->gru_fwd_n(B, H, a.p, b.p, st.p, o1, o3);
    NEXT(o1, G), NEXT(o2, n), k->lbr_gru_fwd(B, H, a.p, b.p, st.p, o1, o2);
    NEXT(o1, n), k->rnn_tanh_bwd(B, H, st.p, d.p, o1);
    NEXT(o1, G), NEXT(o2, n), memcpy(o2, d.p, n * sizeof(float));
    k->lstm_bwd(B, H, g.p, st.p, a.p, d.p, o2, o1);
    NEXT(o1, G), NEXT(o2, n), k->gru_bwd_zn(B, H, g.p, st.p, d.p, o1, o2);
    k->gru_bwd_r(B, H, g.p, st.p, a.p, o1, o2);
    NEXT(o1, G), NEXT(o2, G), NEXT(o3, n), k->lbr_gru_bwd(B, H, g.p, st.p, d.p, o1, o2, o3);
    NEXT(o1, G), k->vexp(G, a.p, o1);
    NEXT(o1, G), k->vtanh(G, a.p, o1);
    NEXT(o1, G), k->vsigmoid(G, a.p, o1);
    int32_t *t = malloc(B * sizeof *t);
    for (size_t r = 0; r < B; r++)
        t[r] = (int32_t)(rnn_prng_u64(9, r, H) % (4 * H));
    /* Logits over a wide range: exp spans more than a double's precision, so
     * the sum's order shows in its bits. */
    buf w = balloc(G);
    fill(&w, -40, 40);
    NEXT(o1, G), NEXT(o2, 2);
    const double loss = k->softmax_xent(B, 4 * H, w.p, t, 0.5f, o1);
    free(w.base);
    memcpy(o2, &loss, sizeof loss);
    free(t);
#undef NEXT
    free(a.base), free(b.base), free(st.base), free(d.base), free(g.base);
    return m;
}

static void test_same_bits(const rnn_kernels *const *ks, int nk)
{
    static const size_t shapes[][2] = {{1, 1}, {3, 7}, {2, 17}, {1, 100}, {5, 33}};
    const size_t cap = 64 * 5 * 100;
    float *ref = malloc(cap * sizeof(float)), *got = malloc(cap * sizeof(float));
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const size_t B = shapes[i][0], H = shapes[i][1];
        stream = 5000;
        memset(ref, 0, cap * sizeof(float)); /* outputs a kernel leaves unwritten */
        const size_t n = elementwise_outputs(ks[0], B, H, ref);
        for (int t = 1; t < nk; t++) {
            stream = 5000;
            memset(got, 0, cap * sizeof(float));
            elementwise_outputs(ks[t], B, H, got);
            size_t differ = 0;
            for (size_t j = 0; j < n; j++)
                differ += memcmp(&got[j], &ref[j], sizeof(float)) != 0;
            CHECK(differ == 0, "%s B=%zu H=%zu: %zu of %zu element-wise outputs differ in bits "
                  "from %s", ks[t]->name, B, H, differ, n, ks[0]->name);
        }
    }
    printf("element-wise entries (gates, activations, softmax_xent): identical bits on %d "
           "tables\n", nk);
    free(ref), free(got);
}

/* The softmax's gradient element by element: p_i - y_i is computed from
 * float exponentials, each a few ulps from exp in relative terms however
 * small, divided by a sum of V terms, so |got - ref| <= HEAD_REL scale
 * (p + y) with HEAD_REL = 256 u leaves room for the sum (the y term covers
 * p - 1's cancellation at the target). The 2^-100 floor is below every
 * probability the test makes (e^-68 ~ 2^-98) and above float's flush range.
 * Returns the worst ratio to the bound (< 1 passes) and its index. */
#define HEAD_REL (256.0 * 0x1p-24)
static double head_relative(const float *got, const double *ref, const double *p,
                            const int32_t *t, size_t R, size_t V, float scale, size_t *worst)
{
    double w = 0;
    for (size_t i = 0; i < R * V; i++) {
        const double y = (size_t)t[i / V] == i % V;
        const double bound = HEAD_REL * scale * (p[i] + y) + scale * 0x1p-100;
        const double f = fabs(got[i] - ref[i]) / bound;
        if (f != f) { /* NaN is the worst */
            *worst = i;
            return INFINITY;
        }
        if (f > w) {
            w = f;
            *worst = i;
        }
    }
    return w;
}

static void test_head(const rnn_kernels *k)
{
    static const size_t Rs[] = {1, 7};
    for (size_t ri = 0; ri < 2; ri++)
        for (size_t vi = 0; vi < NW; vi++) {
            size_t R = Rs[ri], V = widths[vi];
            buf l = balloc(R * V);
            fill(&l, -8, 8);
            l.p[0] += 60.0f; /* a large logit: the max must be subtracted */
            int32_t *t = malloc(R * sizeof *t);
            for (size_t r = 0; r < R; r++)
                t[r] = (int32_t)(rnn_prng_u64(5, r, V) % V);
            float scale = 1.0f / (float)R;
            double *rd = malloc(R * V * sizeof(double)), *rp = malloc(R * V * sizeof(double));
            double rloss = 0;
            for (size_t r = 0; r < R; r++) {
                const float *x = l.p + r * V;
                double m = x[0], s = 0;
                for (size_t v = 1; v < V; v++)
                    m = x[v] > m ? x[v] : m;
                for (size_t v = 0; v < V; v++)
                    s += exp(x[v] - m);
                rloss += log(s) - (x[t[r]] - m);
                for (size_t v = 0; v < V; v++) {
                    rp[r * V + v] = exp(x[v] - m) / s;
                    rd[r * V + v] = scale * (rp[r * V + v] - (v == (size_t)t[r]));
                }
            }
            buf d = balloc(R * V);
            double loss = k->softmax_xent(R, V, l.p, t, scale, d.p);
            double loss2 = k->softmax_xent(R, V, l.p, t, scale, NULL);
            double lerr = fabs(loss - rloss) / (fabs(rloss) + R * 1e-3);
            CHECK(lerr < 1e-5 && loss == loss2, "%s softmax_xent rows=%zu V=%zu: loss %.9g vs %.9g",
                  k->name, R, V, loss, rloss);
            double f = compare(d.p, rd, R * V, GATE_TOL);
            if (f > worst_head)
                worst_head = f;
            CHECK(f < 1 && guards_ok(&d), "%s softmax_xent rows=%zu V=%zu dlogits: error %.3g of tolerance",
                  k->name, R, V, f);
            /* Element by element, relative to the probability itself: row 0
             * holds probabilities down to e^-68, which a softmax that drops
             * or flushes terms far below the row's maximum gets wrong by all
             * of their size while the norm-wise check above cannot see it. */
            size_t worst_i = 0;
            double rel = head_relative(d.p, rd, rp, t, R, V, scale, &worst_i);
            if (rel > worst_head_rel)
                worst_head_rel = rel;
            CHECK(rel < 1, "%s softmax_xent rows=%zu V=%zu dlogits[%zu]: %.9g vs %.9g (p %.3g), "
                  "%.3g of the per-element bound", k->name, R, V, worst_i, d.p[worst_i],
                  rd[worst_i], rp[worst_i], rel);
            free(l.base), free(t), free(rd), free(rp), free(d.base);
        }
}

int main(void)
{
    const rnn_kernels *ks[8];
    int nk = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *why;
        if (rnn_isa_check((*t)->isa, &why) != RNN_OK) {
            printf("skipping table %s: %s\n", (*t)->name, why);
            continue;
        }
        ks[nk++] = *t;
    }
    test_gemm(ks, nk);
    printf("gemm + packed: ");
    test_packed(ks, nk);
    test_avx2_blocking(ks, nk);
    printf("worst error %.3f of tolerance\n", worst_gemm);
    test_same_bits(ks, nk);
    for (int t = 0; t < nk; t++) {
        for (size_t bi = 0; bi < NW; bi++)
            for (size_t hi = 0; hi < NW; hi++) {
                test_gates_fwd(ks[t], widths[bi], widths[hi]);
                test_gates_bwd(ks[t], widths[bi], widths[hi]);
            }
        test_head(ks[t]);
        printf("table %-8s tested (gemm, packed, gates fwd/bwd, softmax_xent)\n", ks[t]->name);
    }
    printf("gates: worst error %.3f of tolerance %.0e; softmax_xent dlogits: %.3f, per element "
           "%.3f of its bound\n", worst_gates, GATE_TOL, worst_head, worst_head_rel);
    return check_summary();
}
