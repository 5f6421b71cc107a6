/* onednn_semantics.c — see onednn_semantics.h. Weights ldigo (G = 1), bias
 * ldgo, states ldnc, sequences tnc, all plain; the values are fixed smooth
 * functions of the index, so every run is the same problem. */
#include "onednn_semantics.h"

#include <dnnl.h>
#include <dnnl_debug.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { T = 3, H = 2, L = 2, D = 2, WIDE = D * H };

/* One direction's cell over T steps: in is T x K, W is K x H (ldigo, one
 * gate), U is H x H; out is T x H, written in time order. */
static void cell_run(int K, const float *in, const float *W, const float *U, const float *b,
                     int reverse, double *out)
{
    double h[H] = {0};
    for (int s = 0; s < T; s++) {
        const int t = reverse ? T - 1 - s : s;
        double nh[H];
        for (int o = 0; o < H; o++) {
            double a = b[o];
            for (int i = 0; i < K; i++)
                a += (double)in[t * K + i] * W[i * H + o];
            for (int i = 0; i < H; i++)
                a += h[i] * U[i * H + o];
            nh[o] = tanh(a);
        }
        memcpy(h, nh, sizeof h);
        memcpy(out + t * H, h, sizeof h);
    }
}

/* Builds (and with SLC = H runs) the primitive; status of the build. */
static dnnl_status_t run(dnnl_engine_t eng, dnnl_stream_t strm, int slc, const float *x,
                         const float *wl, const float *wi, const float *bias, float *y)
{
    dnnl_dims_t d_sl = {T, 1, slc}, d_st = {L, D, 1, H}, d_wl = {L, D, slc, 1, H},
                d_wi = {L, D, H, 1, H}, d_b = {L, D, 1, H}, d_dl = {T, 1, WIDE};
    dnnl_memory_desc_t sl, st, mwl, mwi, mb, dl;
    dnnl_memory_desc_init_by_tag(&sl, 3, d_sl, dnnl_f32, dnnl_tnc);
    dnnl_memory_desc_init_by_tag(&st, 4, d_st, dnnl_f32, dnnl_ldnc);
    dnnl_memory_desc_init_by_tag(&mwl, 5, d_wl, dnnl_f32, dnnl_ldigo);
    dnnl_memory_desc_init_by_tag(&mwi, 5, d_wi, dnnl_f32, dnnl_ldigo);
    dnnl_memory_desc_init_by_tag(&mb, 4, d_b, dnnl_f32, dnnl_ldgo);
    dnnl_memory_desc_init_by_tag(&dl, 3, d_dl, dnnl_f32, dnnl_tnc);
    dnnl_rnn_desc_t rd;
    dnnl_status_t s = dnnl_vanilla_rnn_forward_desc_init(
        &rd, dnnl_forward_inference, dnnl_eltwise_tanh, dnnl_bidirectional_concat, &sl, &st,
        &mwl, &mwi, &mb, &dl, &st, 0, 0.f, 0.f);
    dnnl_primitive_desc_t pd = NULL;
    if (s == dnnl_success)
        s = dnnl_primitive_desc_create(&pd, &rd, NULL, eng, NULL);
    if (s != dnnl_success)
        return s;
    float h0[L * D * H] = {0}, hn[L * D * H];
    const void *ptr[7] = {x, h0, wl, wi, bias, y, hn};
    const dnnl_memory_desc_t *mds[7] = {&sl, &st, &mwl, &mwi, &mb, &dl, &st};
    const int what[7] = {DNNL_ARG_SRC_LAYER, DNNL_ARG_SRC_ITER, DNNL_ARG_WEIGHTS_LAYER,
                         DNNL_ARG_WEIGHTS_ITER, DNNL_ARG_BIAS, DNNL_ARG_DST_LAYER,
                         DNNL_ARG_DST_ITER};
    dnnl_memory_t m[7] = {NULL};
    dnnl_exec_arg_t args[7];
    dnnl_primitive_t prim = NULL;
    for (int i = 0; i < 7 && s == dnnl_success; i++) {
        s = dnnl_memory_create(&m[i], mds[i], eng, (void *)ptr[i]);
        args[i] = (dnnl_exec_arg_t){what[i], m[i]};
    }
    if (s == dnnl_success)
        s = dnnl_primitive_create(&prim, pd);
    if (s == dnnl_success)
        s = dnnl_primitive_execute(prim, strm, 7, args);
    if (s == dnnl_success)
        s = dnnl_stream_wait(strm);
    if (prim)
        dnnl_primitive_destroy(prim);
    for (int i = 0; i < 7; i++)
        if (m[i])
            dnnl_memory_destroy(m[i]);
    dnnl_primitive_desc_destroy(pd);
    return s;
}

int bench_onednn_bidir_semantics(char *buf, size_t n)
{
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    if (dnnl_engine_create(&eng, dnnl_cpu, 0) != dnnl_success) {
        snprintf(buf, n, "oneDNN has no CPU engine");
        return -1;
    }
    if (dnnl_stream_create(&strm, eng, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(eng);
        snprintf(buf, n, "oneDNN has no stream");
        return -1;
    }
    float x[T * WIDE], wl[L * D * WIDE * H], wi[L * D * H * H], bias[L * D * H], y[T * WIDE];
    for (int i = 0; i < T * WIDE; i++)
        x[i] = 0.3f * sinf(1.7f * (float)i + 0.2f);
    for (int i = 0; i < L * D * WIDE * H; i++)
        wl[i] = 0.5f * cosf(0.9f * (float)i + 0.1f);
    for (int i = 0; i < L * D * H * H; i++)
        wi[i] = 0.4f * sinf(1.3f * (float)i + 0.5f);
    for (int i = 0; i < L * D * H; i++)
        bias[i] = 0.1f * (float)i - 0.2f;
    const dnnl_status_t wide = run(eng, strm, WIDE, x, wl, wi, bias, y);
    const dnnl_status_t narrow = wide == dnnl_success ? wide : run(eng, strm, H, x, wl, wi, bias, y);
    dnnl_stream_destroy(strm);
    dnnl_engine_destroy(eng);
    const int slc = wide == dnnl_success ? WIDE : H;
    if (narrow != dnnl_success) {
        snprintf(buf, n, "a 2-layer bidirectional_concat primitive: SLC = 2H status %s, SLC = H "
                 "status %s (neither ran)", dnnl_status2str(wide), dnnl_status2str(narrow));
        return -1;
    }
    /* Each direction's stack apart: layer 1's cell d reads layer 0's cell d. */
    double apart = 0.0;
    for (int d = 0; d < D; d++) {
        double o0[T * H], o1[T * H];
        float in1[T * H];
        cell_run(slc, x, wl + d * slc * H, wi + d * H * H, bias + d * H, d, o0);
        for (int i = 0; i < T * H; i++)
            in1[i] = (float)o0[i];
        const int k = D + d; /* layer 1, direction d */
        cell_run(H, in1, wl + k * slc * H, wi + k * H * H, bias + k * H, d, o1);
        for (int t = 0; t < T; t++)
            for (int o = 0; o < H; o++)
                apart = fmax(apart, fabs(y[t * WIDE + d * H + o] - o1[t * H + o]));
    }
    const int is_apart = apart < 1e-5;
    char why[48] = "";
    if (wide != dnnl_success)
        snprintf(why, sizeof why, " (status %s)", dnnl_status2str(wide));
    snprintf(buf, n, "oneDNN's 2-layer bidirectional_concat primitive %s SLC = 2H (PyTorch's "
             "layer-1 input width)%s; with SLC = %s its output %s each direction's stack run "
             "apart (max |diff| %.2g): %s", wide == dnnl_success ? "accepts" : "refuses", why,
             slc == H ? "H" : "2H", is_apart ? "is" : "is not", apart,
             is_apart ? "not PyTorch's stack, so the peer chains 1-layer primitives"
                      : "check docs/benchmarks.md §2.1's premise");
    return is_apart;
}
