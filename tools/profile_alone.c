/* profile_alone.c — `rnnsimd profile --alone`: each part of a one-cell
 * forward call timed by itself, at the problem's shapes, on the plan's
 * kernel table and data type: the hoisted input projection (one product of
 * all T*B rows of x), the steps' recurrent products (T steps of B rows, one
 * product per phase of the cell: gru has two), and the gate kernels (warm,
 * bench/elementwise.c). Their sum is what a call made of these kernels
 * costs with nothing between them and every operand where the part alone
 * leaves it: a peer's time over it bounds the ratio this build can reach on
 * this machine (docs/benchmarks.md §6.2). Not at batch 1, where the plan's
 * ride, stream order and weight copies (none of them here) can beat it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "kernels.h"
#include "tools.h"
#include "../bench/elementwise.h"

/* One product C (M x N) = A W^T + bias with W packed once, as a plan packs
 * its weights: pack_nt's floats, or rnn_bf16_pack's pair words. */
typedef struct {
    const rnn_kernels *k;
    int bf16;
    size_t N, K;
    void *packed;
    float *bias;
} product;

static float *uniform(size_t n, uint64_t stream)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (p)
        rnn_fill_uniform(p, n, 7, stream, -1.0f, 1.0f);
    return p;
}

static int product_make(product *p, const rnn_kernels *k, int bf16, size_t N, size_t K,
                        uint64_t stream)
{
    *p = (product){k, bf16, N, K, NULL, NULL};
    float *W = uniform(N * K, stream);
    const size_t words = bf16 ? rnn_bf16_packed_size(N, K) : k->packed_size(N, K);
    p->packed = malloc(words * 4);
    p->bias = uniform(N, stream + 1);
    if (W && p->packed) {
        if (bf16)
            rnn_bf16_pack(N, K, W, K, p->packed);
        else
            k->pack_nt(N, K, W, K, p->packed);
    }
    free(W);
    return p->packed && p->bias;
}

static void product_free(product *p)
{
    free(p->packed);
    free(p->bias);
}

static void product_run(const product *p, size_t M, const float *A, float *C)
{
    if (p->bf16)
        p->k->bf16_gemm_packed_nt(M, p->N, p->K, A, p->K, p->packed, p->bias, 0.0f, C, p->N);
    else
        p->k->gemm_packed_nt(M, p->N, p->K, A, p->K, p->packed, p->bias, 0.0f, C, p->N);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_RUNS 51

/* What one timed run does: the projection, or every step's products. */
typedef struct {
    const product *proj, *steps[2];
    int phases;
    size_t rows, B, T, H;
    const float *x, *hs;
    float *xp, *hp;
} parts;

static void run_projection(const parts *w)
{
    product_run(w->proj, w->rows, w->x, w->xp);
}

/* Step s reads its own B rows of hs (fresh rows each step, as the states
 * of a call) and writes the one hp, as the time loop does. */
static void run_steps(const parts *w)
{
    for (size_t s = 0; s < w->T; s++)
        for (int ph = 0; ph < w->phases; ph++)
            product_run(w->steps[ph], w->B, w->hs + s * w->B * w->H, w->hp);
}

/* The median seconds of one run of fn: a first run untimed (it touches
 * every page), then runs until about 0.3 s or MAX_RUNS, at least 5. */
static double median_run(void (*fn)(const parts *), const parts *w, int *runs)
{
    double t[MAX_RUNS], spent = 0.0;
    int n = 0;
    fn(w);
    while (n < MAX_RUNS && (n < 5 || spent < 0.3)) {
        const double t0 = rnn_seconds_now();
        fn(w);
        t[n] = rnn_seconds_now() - t0;
        spent += t[n++];
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    *runs = n;
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

int profile_alone(const rnn_desc *d, rnn_isa isa, rnn_dtype dtype, double call_s)
{
    const rnn_kernels *k = NULL;
    const int bf16 = dtype == RNN_DTYPE_BF16;
    if (rnn_kernels_get(isa, &k, NULL) != RNN_OK || (bf16 && !k->bf16_gemm_packed_nt)) {
        fprintf(stderr, "rnnsimd profile: --alone: the %s table cannot run here\n",
                rnn_isa_name(isa));
        return EXIT_RUNTIME;
    }
    const size_t G = (size_t)rnn_cell_gates(d->cell), H = (size_t)d->H, I = (size_t)d->I;
    const size_t B = (size_t)d->B, T = (size_t)d->T, rows = T * B;
    /* gru's step is two products (r and z, then n on r * h); the other
     * cells' one product covers every gate */
    const int phases = d->cell == RNN_GRU ? 2 : 1;
    const size_t n_ph[2] = {phases == 2 ? 2 * H : G * H, H};
    product proj = {0}, ph[2] = {{0}, {0}};
    parts w = {&proj, {&ph[0], &ph[1]}, phases, rows, B, T, H, NULL, NULL, NULL, NULL};
    float *x = uniform(rows * I, 3), *hs = uniform(rows * H, 4);
    float *xp = malloc(rows * G * H * sizeof *xp), *hp = malloc(B * G * H * sizeof *hp);
    int ok = x && hs && xp && hp && product_make(&proj, k, bf16, G * H, I, 10);
    for (int i = 0; ok && i < phases; i++)
        ok = product_make(&ph[i], k, bf16, n_ph[i], H, 20 + 2 * (uint64_t)i);
    int status = 0;
    if (!ok) {
        fprintf(stderr, "rnnsimd profile: --alone: out of memory for the parts' operands\n");
        status = EXIT_RUNTIME;
    } else {
        w.x = x, w.hs = hs, w.xp = xp, w.hp = hp;
        int r1 = 0, r2 = 0;
        const double t_proj = median_run(run_projection, &w, &r1);
        const double t_steps = median_run(run_steps, &w, &r2);
        const double ns = bench_elementwise_ns_at(isa, d->cell, B, H, 0.1);
        if (ns < 0) {
            fprintf(stderr, "rnnsimd profile: --alone: out of memory timing the gates\n");
            status = EXIT_RUNTIME;
        } else {
            const double t_gates = ns * 1e-9 * (double)(rows * H);
            const double sum = t_proj + t_steps + t_gates;
            const double f_proj = 2.0 * (double)rows * (double)(G * H) * (double)I;
            const double f_steps = 2.0 * (double)rows * (double)(G * H) * (double)H;
            printf("alone:    each part by itself at this problem's shapes, on the %s table in %s "
                   "(medians of %d and %d runs; the gates on warm operands)\n",
                   rnn_isa_name(isa), rnn_dtype_name(dtype), r1, r2);
            printf("  %-13s %10.4f %9.1f GFLOP/s  (M %zu x N %zu x K %zu)\n", "projection",
                   t_proj * 1e3, f_proj / t_proj * 1e-9, rows, G * H, I);
            if (phases == 2)
                printf("  %-13s %10.4f %9.1f GFLOP/s  (%zu step%s: M %zu x N %zu, then N %zu; K %zu)\n",
                       "products", t_steps * 1e3, f_steps / t_steps * 1e-9, T, T == 1 ? "" : "s", B,
                       n_ph[0], n_ph[1], H);
            else
                printf("  %-13s %10.4f %9.1f GFLOP/s  (%zu step%s: M %zu x N %zu x K %zu)\n",
                       "products", t_steps * 1e3, f_steps / t_steps * 1e-9, T, T == 1 ? "" : "s", B,
                       n_ph[0], H);
            if (B == 1) /* the products' weight stream, as the call's table shows it */
                printf("  %-13s %10s %9.1f GB/s of W_hh\n", "", "",
                       (double)(T * G * H * H) * (bf16 ? 2.0 : 4.0) / t_steps * 1e-9);
            printf("  %-13s %10.4f %9.2f ns a hidden unit and row\n", "gates", t_gates * 1e3, ns);
            printf("  %-13s %10.4f ms; the call above took %.3fx this\n", "sum", sum * 1e3,
                   call_s / sum);
        }
    }
    product_free(&proj);
    for (int i = 0; i < phases; i++)
        product_free(&ph[i]);
    free(x), free(hs), free(xp), free(hp);
    return status;
}
