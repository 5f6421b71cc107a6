/* gemm_probe.c — the batched bf16 rows' products timed alone (gemm_probe.h):
 * our table's product against oneDNN's matmul, alternated on one thread
 * (oneDNN's OpenMP threads are 1 here: bench_onednn_configure), on warm
 * operands as a step's are. */
#include "gemm_probe.h"

#include <dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "elementwise.h"
#include "kernels.h"
#include "peak.h"

/* As the library allocates a plan's weights and workspaces (core/memory.c):
 * 2 MiB or more aligned to 2 MiB and advised MADV_HUGEPAGE, so that both
 * sides' products stream their operands through the TLB as a plan's do;
 * 64-byte aligned below. Zeroed. */
static void *probe_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    const size_t align = bytes >= huge ? huge : 64;
    bytes = (bytes + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes ? bytes : align);
#ifdef MADV_HUGEPAGE
    if (p && align == huge)
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only */
#endif
    if (p)
        memset(p, 0, bytes ? bytes : align);
    return p;
}

/* Values in [-1, 1]: no overflow in any sum. */
static float *values(size_t n, unsigned salt)
{
    float *p = probe_alloc(n * sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (float)((i * 2654435761u + salt) % 2001) / 1000.0f - 1.0f;
    return p;
}

/* oneDNN's side: a matmul of bf16 A (M x K, row-major) and bf16 W^T (K x N,
 * W's rows contiguous, reordered once into the format the primitive picks),
 * f32 bias and C. */
typedef struct {
    void *buf[3]; /* a, wr, c: allocated as ours are */
    dnnl_engine_t eng;
    dnnl_stream_t st;
    dnnl_primitive_t mm;
    dnnl_memory_t a, w, wr, bias, c;
    dnnl_exec_arg_t args[4];
} dnnl_side;

static void dnnl_free(dnnl_side *d)
{
    if (d->mm)
        dnnl_primitive_destroy(d->mm);
    dnnl_memory_t m[] = {d->a, d->w, d->wr, d->bias, d->c};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (m[i])
            dnnl_memory_destroy(m[i]);
    for (int i = 0; i < 3; i++)
        free(d->buf[i]);
    if (d->st)
        dnnl_stream_destroy(d->st);
    if (d->eng)
        dnnl_engine_destroy(d->eng);
}

static int fill_bf16(dnnl_memory_t m, const float *x, size_t n)
{
    void *h = NULL;
    if (dnnl_memory_get_data_handle(m, &h) != dnnl_success || !h)
        return -1;
    uint16_t *o = h;
    for (size_t i = 0; i < n; i++) { /* the top half of the rounded float */
        const float r = rnn_bf16_round(x[i]);
        uint32_t u;
        memcpy(&u, &r, sizeof u);
        o[i] = (uint16_t)(u >> 16);
    }
    return 0;
}

/* 0, or -1 when oneDNN refuses something (its side is then not timed). */
static int dnnl_make(dnnl_side *d, const bench_gemm_rate *s, const float *A, const float *W,
                     float *bias)
{
    const dnnl_dims_t da = {(dnnl_dim_t)s->M, (dnnl_dim_t)s->K},
                      dw = {(dnnl_dim_t)s->K, (dnnl_dim_t)s->N},
                      dc = {(dnnl_dim_t)s->M, (dnnl_dim_t)s->N}, db = {1, (dnnl_dim_t)s->N};
    dnnl_memory_desc_t a, w, wany, c, b;
    dnnl_matmul_desc_t md;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t r = NULL;
    int ok = dnnl_engine_create(&d->eng, dnnl_cpu, 0) == dnnl_success &&
             dnnl_stream_create(&d->st, d->eng, dnnl_stream_default_flags) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&a, 2, da, dnnl_bf16, dnnl_ab) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&w, 2, dw, dnnl_bf16, dnnl_ba) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&wany, 2, dw, dnnl_bf16, dnnl_format_tag_any) ==
                 dnnl_success &&
             dnnl_memory_desc_init_by_tag(&c, 2, dc, dnnl_f32, dnnl_ab) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&b, 2, db, dnnl_f32, dnnl_ab) == dnnl_success &&
             dnnl_matmul_desc_init(&md, &a, &wany, &b, &c) == dnnl_success &&
             dnnl_primitive_desc_create(&pd, &md, NULL, d->eng, NULL) == dnnl_success &&
             dnnl_primitive_create(&d->mm, pd) == dnnl_success;
    const dnnl_memory_desc_t *wmd = ok ? dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)
                                       : NULL;
    ok = ok && wmd && (d->buf[0] = probe_alloc(dnnl_memory_desc_get_size(&a))) &&
         (d->buf[1] = probe_alloc(dnnl_memory_desc_get_size(wmd))) &&
         (d->buf[2] = probe_alloc(dnnl_memory_desc_get_size(&c))) &&
         dnnl_memory_create(&d->a, &a, d->eng, d->buf[0]) == dnnl_success &&
         dnnl_memory_create(&d->w, &w, d->eng, DNNL_MEMORY_ALLOCATE) == dnnl_success &&
         dnnl_memory_create(&d->wr, wmd, d->eng, d->buf[1]) == dnnl_success &&
         dnnl_memory_create(&d->c, &c, d->eng, d->buf[2]) == dnnl_success &&
         dnnl_memory_create(&d->bias, &b, d->eng, bias) == dnnl_success &&
         !fill_bf16(d->a, A, s->M * s->K) && !fill_bf16(d->w, W, s->N * s->K) &&
         dnnl_reorder_primitive_desc_create(&rpd, &w, d->eng, wmd, d->eng, NULL) ==
             dnnl_success &&
         dnnl_primitive_create(&r, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t ra[2] = {{DNNL_ARG_FROM, d->w}, {DNNL_ARG_TO, d->wr}};
        ok = dnnl_primitive_execute(r, d->st, 2, ra) == dnnl_success &&
             dnnl_stream_wait(d->st) == dnnl_success;
    }
    if (r)
        dnnl_primitive_destroy(r);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    d->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, d->a};
    d->args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, d->wr};
    d->args[2] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, d->bias};
    d->args[3] = (dnnl_exec_arg_t){DNNL_ARG_DST, d->c};
    return ok ? 0 : -1;
}

/* The fastest of n runs: a bound asks what the product can do, and a
 * shared host only ever slows a run down. */
static double best_of(const double *v, int n)
{
    double b = 0;
    for (int i = 0; i < n; i++)
        b = v[i] > b ? v[i] : b;
    return b;
}

enum { MAX_PAIRS = 15 };

int bench_gemm_probe(rnn_isa isa, bench_gemm_rate *s, double seconds)
{
    s->ours = s->onednn = 0;
    const rnn_kernels *k = NULL;
    const char *why = NULL;
    if (rnn_kernels_get(isa, &k, &why) != RNN_OK || !k || !k->bf16_gemm_packed_nt ||
        (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature)) || !s->M || !s->N ||
        !s->K)
        return 1;
    float *A = values(s->M * s->K, 3), *W = values(s->N * s->K, 1), *bias = values(s->N, 2);
    float *C = probe_alloc(s->M * s->N * sizeof *C);
    rnn_bf16x2 *pw = probe_alloc(rnn_bf16_packed_size(s->N, s->K) * sizeof *pw);
    int rc = -1;
    dnnl_side d;
    memset(&d, 0, sizeof d);
    if (A && W && bias && C && pw) {
        rc = 0;
        rnn_bf16_pack(s->N, s->K, W, s->K, pw);
        /* oneDNN's side is timed if it can be made and runs once (which
         * warms its operands); else it is freed and left 0. */
        if (dnnl_make(&d, s, A, W, bias) ||
            dnnl_primitive_execute(d.mm, d.st, 4, d.args) != dnnl_success ||
            dnnl_stream_wait(d.st) != dnnl_success)
            dnnl_free(&d), memset(&d, 0, sizeof d);
        /* A call of ours warms its operands and sizes the runs: each run
         * repeats its product for about seconds / (2 x pairs). */
        double t0 = bench_thread_seconds();
        k->bf16_gemm_packed_nt(s->M, s->N, s->K, A, s->K, pw, bias, 0.0f, C, s->N);
        const double one = bench_thread_seconds() - t0;
        int pairs = MAX_PAIRS;
        while (pairs > 3 && 2.0 * pairs * one > seconds)
            pairs -= 2;
        long reps = (long)(seconds / (2.0 * pairs) / (one > 0 ? one : 1e-6));
        reps = reps < 1 ? 1 : reps;
        for (long r = 0; r < reps; r++) /* one run of each, untimed: warm both */
            k->bf16_gemm_packed_nt(s->M, s->N, s->K, A, s->K, pw, bias, 0.0f, C, s->N);
        for (long r = 0; r < reps && d.mm; r++)
            dnnl_primitive_execute(d.mm, d.st, 4, d.args);
        if (d.mm)
            dnnl_stream_wait(d.st);
        double to[MAX_PAIRS], td[MAX_PAIRS];
        const double flops = 2.0 * (double)s->M * (double)s->N * (double)s->K;
        for (int p = 0; p < pairs; p++) {
            t0 = bench_thread_seconds();
            for (long r = 0; r < reps; r++)
                k->bf16_gemm_packed_nt(s->M, s->N, s->K, A, s->K, pw, bias, 0.0f, C, s->N);
            const double t1 = bench_thread_seconds();
            for (long r = 0; r < reps && d.mm; r++)
                dnnl_primitive_execute(d.mm, d.st, 4, d.args);
            if (d.mm)
                dnnl_stream_wait(d.st);
            const double t2 = bench_thread_seconds();
            to[p] = t1 > t0 ? flops * (double)reps / (t1 - t0) * 1e-9 : 0.0;
            td[p] = d.mm && t2 > t1 ? flops * (double)reps / (t2 - t1) * 1e-9 : 0.0;
        }
        s->ours = best_of(to, pairs);
        s->onednn = d.mm ? best_of(td, pairs) : 0.0;
    }
    dnnl_free(&d);
    free(A), free(W), free(bias), free(C), free(pw);
    return rc;
}

int bench_gemm_bound_measure(rnn_isa isa, const bench_problem *p, bench_gemm_bound *b)
{
    memset(b, 0, sizeof *b);
    bench_product pr[3];
    const size_t n = bench_forward_products(p, pr);
    double flops = 0, t_ours = 0, t_dnnl = 0;
    int dnnl_all = 1;
    for (size_t i = 0; i < n; i++) {
        if (!pr[i].times)
            continue;
        bench_gemm_rate s = {pr[i].M, pr[i].N, pr[i].K, 0, 0};
        const int rc = bench_gemm_probe(isa, &s, 0.2);
        if (rc)
            return rc;
        if (!(s.ours > 0))
            return 1; /* no run long enough to time */
        const double f = (double)pr[i].times * 2.0 * (double)s.M * (double)s.N * (double)s.K;
        const double best = s.ours > s.onednn ? s.ours : s.onednn;
        flops += f;
        b->seconds += f / (best * 1e9);
        t_ours += f / (s.ours * 1e9);
        dnnl_all &= s.onednn > 0;
        t_dnnl += s.onednn > 0 ? f / (s.onednn * 1e9) : 0.0;
    }
    const double ns = bench_elementwise_ns_at(isa, p->cell, (size_t)p->B, (size_t)p->H, 0.03);
    if (ns < 0)
        return -1;
    if (ns == 0)
        return 1;
    b->gates_seconds = (double)p->T * (double)p->B * (double)p->H * ns * 1e-9;
    b->seconds += b->gates_seconds;
    b->ours_gflops = flops / t_ours * 1e-9;
    b->onednn_gflops = dnnl_all ? flops / t_dnnl * 1e-9 : 0.0;
    return 0;
}
