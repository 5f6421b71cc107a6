/* peer_onednn_ctx.h — the oneDNN peer's own parts (bench/peer_onednn*.c; not
 * for other files): one run's context, which owns every oneDNN memory,
 * primitive and host buffer it makes (d_teardown frees them all), and the
 * helpers its files share. peer_onednn.c says what the peer runs and why. */
#ifndef RNNSIMD_BENCH_PEER_ONEDNN_CTX_H
#define RNNSIMD_BENCH_PEER_ONEDNN_CTX_H

#include <dnnl.h>
#include "impl.h"

#define BH_OF(p) ((size_t)((p)->B * (p)->H))

/* A stack runs as at most MAX_SEG primitives (encoder and decoder together):
 * up to PEER_MAX_LAYERS layers each, chained one per layer. */
enum { PEER_MAX_LAYERS = 8, MAX_SEG = 2 * PEER_MAX_LAYERS };
enum { MAX_MEM = 40 * MAX_SEG + 32, MAX_PRIM = 2 * MAX_SEG + 8, MAX_BUF = 12 * MAX_SEG + 32 };

typedef struct {
    dnnl_primitive_t prim;
    dnnl_exec_arg_t args[24];
    int nargs;
} step;

/* One RNN primitive: layers [l0, l0 + Lp) of network net (0: the encoder, or
 * the only network; 1: seq2seq's decoder) in D directions, SLC inputs wide,
 * S steps. Its host buffers are plain (tnc, ldnc); the state buffers point
 * into the network's (L*D) x B x H ones at layer l0. */
typedef struct {
    int net, l0, Lp, D;
    int64_t SLC;
    size_t S;
    const float *src_layer;
    float *src_iter, *src_iter_c, *dst_layer, *dst_iter, *dst_iter_c;
    const float *diff_dst_layer;
    float *diff_dst_iter, *diff_dst_iter_c, *diff_src_layer, *diff_src_iter, *diff_src_iter_c;
} seg_io;

/* A network's (L*D) x B x H state buffers, index l*D + d as PyTorch's h_n. */
typedef struct {
    int L, D;
    float *h0, *c0, *hn, *cn, *dh0, *dc0, *dhn, *dcn;
} net_states;

typedef struct {
    const bench_data *dt;
    int train, headed, plain;
    int bf16;             /* a /bf16 row: see build_seg */
    step post[MAX_SEG][2]; /* bf16: dst_layer, dst_iter back to the f32 host buffers */
    rnn_cell cell;
    seg_io seg[MAX_SEG];  /* encoder's primitives, then the decoder's */
    step fwd[MAX_SEG], bwd[MAX_SEG];
    dnnl_memory_t dwl[MAX_SEG], dwi[MAX_SEG], db[MAX_SEG]; /* diff weights, maybe blocked */
    int nseg, nenc;       /* primitives in all; the encoder's */
    net_states net[2];
    int bridge;           /* seq2seq with two encoder directions: the decoder starts
                             from their sum (docs/design.md §7), done in scalar C */
    int fault;            /* the test hook (see d_setup): feed layers l > 0 [rev, fwd] */
    step ip_fwd, softmax, ip_bwd_data, ip_bwd_weights;
    float *probs, *dlogits; /* rows x V */
    size_t rows, V, head_in;
    float loss;
    dnnl_memory_t zero_mem[3 * MAX_SEG]; /* diff weights to zero each iteration */
    int nzero;
    dnnl_memory_t dW_hy, db_y;
    char impl_info[96];
    char form[160];       /* how the stack maps onto primitives, for the label */
    /* ownership */
    dnnl_memory_t mem[MAX_MEM];
    dnnl_primitive_t prims[MAX_PRIM];
    void *bufs[MAX_BUF];
    int nmem, nprims, nbufs, oom;
    dnnl_status_t fail_status;
    const char *fail_what;
} dctx;

#define TRY(what, call)                                                         \
    do {                                                                        \
        dnnl_status_t s_ = (call);                                              \
        if (s_ != dnnl_success) {                                               \
            c->fail_status = s_;                                                \
            c->fail_what = (what);                                              \
            return -1;                                                          \
        }                                                                       \
    } while (0)

/* The CPU engine and its stream, made once (d_engine_init: 0, or -1 when
 * oneDNN has no CPU engine). */
extern dnnl_engine_t d_engine;
extern dnnl_stream_t d_stream;
int d_engine_init(void);

/* Ownership (peer_onednn_memory.c): a zeroed host buffer of n floats, a
 * memory on a host pointer (NULL: oneDNN allocates), a primitive kept; each
 * NULL / -1 when it cannot be made or the context is full (d_buf also sets
 * c->oom). d_teardown frees what they made, and the context. */
float *d_buf(dctx *c, size_t n);
dnnl_memory_t d_wrap(dctx *c, const dnnl_memory_desc_t *md, const void *ptr);
int d_keep(dctx *c, dnnl_primitive_t p);
void d_teardown(void *vctx);

dnnl_memory_desc_t d_md_dt(int nd, const dnnl_dims_t dims, dnnl_data_type_t dt,
                           dnnl_format_tag_t tag);
dnnl_memory_desc_t d_md(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag); /* f32 */
void d_arg(step *s, int what, dnnl_memory_t m);
int d_weights_for(dctx *c, const_dnnl_primitive_desc_t pd, dnnl_query_t q, int idx,
                  const dnnl_memory_desc_t *plain_md, const float *plain, dnnl_memory_t *out);
int d_reorder_step(dctx *c, dnnl_memory_t from, dnnl_memory_t to, step *s);

/* Every primitive of the run c describes (peer_onednn_build.c): 0, or -1
 * with c->fail_what (and c->fail_status where oneDNN said why). */
int d_build(dctx *c);

/* The run's outputs as they lie, and as PyTorch-layout results for --check
 * (peer_onednn_results.c). */
int d_outputs(void *vctx, bench_output *out, int max);
int d_results(void *vctx, bench_output *out, int max);

#endif
