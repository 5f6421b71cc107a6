/* peer_onednn.c — oneDNN 2.6's RNN primitives as a peer, at their best:
 * weights either in oneDNN's own format (`any`, reordered once at setup) or
 * plain ldigo, whichever a pilot run at T <= 16 finds faster for the cell,
 * mode, sizes and threads (the choice is cached and named in the row's label).
 * Single-threaded, unless the row says threads:N: setup then sets oneDNN's
 * OpenMP to N threads before it creates the primitives (oneDNN sizes its
 * work split when a primitive is created) and back to 1 for 1-thread rows.
 *
 * The same work as our rows: one primitive per cell run (encoder and decoder
 * for seq2seq, the decoder starting from the encoder's dst_iter), one2many's
 * later steps fed zero inputs, and the head as an inner product plus oneDNN's
 * softmax, with the cross-entropy and its gradient (p - onehot)/N in scalar C.
 * Training is forward_training, then the inner product's backward (data and
 * weights) and the RNN backward, decoder first. oneDNN accumulates into its
 * diff weights, so each iteration zeroes them first, as a framework must.
 *
 * A stack (docs/design.md §7; docs/benchmarks.md §2.1) is one primitive
 * where oneDNN's semantics are PyTorch's (one layer; or one direction with
 * I == H: weights_layer {L, D, SLC, G, H} has one SLC for all layers), else
 * one 1-layer primitive per layer, chained (layer l's dst_layer feeds layer
 * l+1; two directions: bidirectional_concat, whose own multi-layer form runs
 * each direction's stack apart instead of feeding layer l+1 both directions'
 * concatenation as PyTorch does). A seq2seq decoder over two encoder
 * directions starts from the sum of their final states, made in scalar C
 * (bridge_fwd, bridge_bwd). The row's label names the form.
 *
 * Weight conversion from PyTorch's layout (gates of G*H rows) to ldigo:
 * lstm i,f,g,o and rnn_tanh map one to one with b = b_ih + b_hh. gru (Cho
 * et al. 2014, reset before the product) is oneDNN's vanilla GRU with update
 * gate u = 1 - z: gates u,r,o take the z rows negated, r, n;
 * b_o = b_in + b_hn (gru adds b_hn outside r*(.)).
 * lbr_gru: u = z, r, o = n, and four biases b_z, b_r, b_in, b_hn. For
 * --check the results go back the same way (diff weights reordered to plain
 * ldigo, then to PyTorch's rows; the combined bias gradient is both b_ih's
 * and b_hh's where the biases were added).
 *
 * A /bf16 row (docs/benchmarks.md §2.2) runs one primitive (no stack, no
 * seq2seq: d_setup refuses those) with src_layer, src_iter, the weights,
 * dst_layer and dst_iter in bf16, the c state, the bias and every gradient
 * in f32: x and h0 are converted once at setup, dst_layer and dst_iter back
 * to f32 after every forward (timed, c->post) for the head, which stays f32.
 * The pilot picks the weight format as for f32 rows (its key has the dtype). */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "peer_onednn_ctx.h"

/* libgomp's, looked up at run time: the bench does not link OpenMP itself. */
static void (*g_omp_set_threads)(int);
static int (*g_omp_max_threads)(void);

static void omp_lookup(void)
{
    if (!g_omp_set_threads)
        g_omp_set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!g_omp_max_threads)
        g_omp_max_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
}

/* The OpenMP threads oneDNN will use from now on; -1 if OpenMP is not there. */
static int omp_threads(int n)
{
    omp_lookup();
    if (g_omp_set_threads)
        g_omp_set_threads(n);
    return g_omp_max_threads ? g_omp_max_threads() : -1;
}

static int exec(step *s)
{
    return s->prim && dnnl_primitive_execute(s->prim, d_stream, s->nargs, s->args) != dnnl_success
               ? -1
               : 0;
}

/* seq2seq over two encoder directions (docs/design.md §7): the decoder's
 * layer l starts from the sum of the encoder's two final states of layer l;
 * backward, both get the decoder's gradient on its start. */
static void bridge_fwd(dctx *c)
{
    const net_states *e = &c->net[0], *d = &c->net[1];
    const size_t BH = BH_OF(&c->dt->p);
    for (int l = 0; l < d->L; l++)
        for (size_t i = 0; i < BH; i++) {
            const size_t f = (size_t)(2 * l) * BH + i, r = f + BH, o = (size_t)l * BH + i;
            d->h0[o] = e->hn[f] + e->hn[r];
            if (d->c0)
                d->c0[o] = e->cn[f] + e->cn[r];
        }
}

static void bridge_bwd(dctx *c)
{
    const net_states *e = &c->net[0], *d = &c->net[1];
    const size_t BH = BH_OF(&c->dt->p);
    for (int l = 0; l < d->L; l++)
        for (int dir = 0; dir < 2; dir++) {
            memcpy(e->dhn + (size_t)(2 * l + dir) * BH, d->dh0 + (size_t)l * BH, BH * sizeof(float));
            if (d->dc0)
                memcpy(e->dcn + (size_t)(2 * l + dir) * BH, d->dc0 + (size_t)l * BH,
                       BH * sizeof(float));
        }
}

static int d_run(void *vctx, char *err, size_t err_n)
{
    dctx *c = vctx;
    int bad = 0;
    for (int k = 0; k < c->nseg; k++) {
        if (c->bridge && k == c->nenc) {
            dnnl_stream_wait(d_stream);
            bridge_fwd(c);
        }
        bad |= exec(&c->fwd[k]) | exec(&c->post[k][0]) | exec(&c->post[k][1]);
    }
    if (c->headed) {
        bad |= exec(&c->ip_fwd) | exec(&c->softmax);
        dnnl_stream_wait(d_stream);
        const int32_t *tg = c->dt->targets;
        const size_t V = c->V;
        const float scale = 1.0f / (float)c->rows;
        double loss = 0.0;
        for (size_t r = 0; r < c->rows; r++) {
            const float *pr = c->probs + r * V;
            loss -= log((double)pr[tg[r]]);
            if (c->train) {
                float *d = c->dlogits + r * V;
                for (size_t v = 0; v < V; v++)
                    d[v] = scale * pr[v];
                d[tg[r]] -= scale;
            }
        }
        c->loss = (float)(loss / (double)c->rows);
    }
    if (c->train) {
        for (int i = 0; i < c->nzero; i++) {
            void *h = NULL;
            dnnl_memory_get_data_handle(c->zero_mem[i], &h);
            const dnnl_memory_desc_t *md = NULL;
            dnnl_memory_get_memory_desc(c->zero_mem[i], &md);
            memset(h, 0, dnnl_memory_desc_get_size(md));
        }
        if (c->headed)
            bad |= exec(&c->ip_bwd_data) | exec(&c->ip_bwd_weights);
        for (int k = c->nseg; k-- > 0;) {
            if (c->bridge && k == c->nenc - 1) {
                dnnl_stream_wait(d_stream);
                bridge_bwd(c);
            }
            bad |= exec(&c->bwd[k]);
        }
    }
    dnnl_stream_wait(d_stream);
    if (bad) {
        snprintf(err, err_n, "oneDNN: a primitive failed to execute");
        return -1;
    }
    return 0;
}

static dctx *d_create(const bench_data *dt, int plain, char *err, size_t err_n)
{
    dctx *c = calloc(1, sizeof *c);
    if (!c || d_engine_init()) {
        snprintf(err, err_n, "oneDNN: %s", c ? "no CPU engine" : "out of memory");
        free(c);
        return NULL;
    }
    c->dt = dt;
    c->plain = plain;
    c->bf16 = dt->p.dtype == RNN_DTYPE_BF16;
    c->cell = dt->p.cell;
    /* The test hook tests/cli_tests.sh plants to prove --check sees a
     * stack's wrong concatenation order (seg_weights). */
    const char *fault = getenv("RNNSIMD_BENCH_FAULT");
    c->fault = fault && !strcmp(fault, "onednn-bi-order");
    c->train = dt->p.mode == BENCH_TRAIN;
    c->headed = dt->p.variant == BENCH_HEADED;
    c->rows = c->headed ? dt->s.targets : 0;
    c->V = (size_t)dt->d.V;
    if (d_build(c)) {
        snprintf(err, err_n, "oneDNN %s%s weights: %s failed (status %d)", c->bf16 ? "bf16 " : "",
                 plain ? "ldigo" : "any", c->fail_what ? c->fail_what : "setup",
                 (int)c->fail_status);
        d_teardown(c);
        return NULL;
    }
    return c;
}

/* Best of a few runs after a warm-up: enough to rank two formats. */
static double pilot_time(dctx *c)
{
    char e[64];
    double best = 1e30;
    if (d_run(c, e, sizeof e))
        return best;
    for (int i = 0; i < 3; i++) {
        double t0 = rnn_seconds_now();
        if (d_run(c, e, sizeof e))
            return 1e30;
        double t = rnn_seconds_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* The format decision per (cell, mode, B, I, H), from a pilot at T <= 16. */
typedef struct {
    rnn_cell cell;
    bench_mode mode;
    int64_t B, I, H, L;
    int bidirectional;
    int threads;
    rnn_dtype dtype;
    int plain;
    double t_any, t_plain;
} fmt_choice;
static fmt_choice g_choices[256];
static int g_nchoices;

static const fmt_choice *choose_format(const bench_data *dt)
{
    const bench_problem *p = &dt->p;
    for (int i = 0; i < g_nchoices; i++) {
        const fmt_choice *f = &g_choices[i];
        if (f->cell == p->cell && f->mode == p->mode && f->B == p->B && f->I == p->I &&
            f->H == p->H && f->L == bench_problem_layers(p) &&
            f->bidirectional == p->bidirectional && f->threads == bench_problem_threads(p) &&
            f->dtype == p->dtype)
            return f;
    }
    bench_problem q = *p;
    q.topology = RNN_MANY2MANY;
    q.variant = BENCH_SEQ;
    q.T = p->T < 16 ? p->T : 16;
    q.T_out = 0;
    bench_data pd;
    if (bench_data_create(&pd, &q))
        return NULL;
    char e[256];
    fmt_choice f = {p->cell, p->mode, p->B, p->I, p->H, bench_problem_layers(p), p->bidirectional,
                    bench_problem_threads(p), p->dtype, 1, 1e30, 1e30};
    for (int plain = 0; plain < 2; plain++) {
        dctx *c = d_create(&pd, plain, e, sizeof e);
        if (!c)
            continue;
        double t = pilot_time(c);
        *(plain ? &f.t_plain : &f.t_any) = t;
        d_teardown(c);
    }
    bench_data_free(&pd);
    f.plain = f.t_plain <= f.t_any;
    if (g_nchoices < (int)(sizeof g_choices / sizeof g_choices[0]))
        g_choices[g_nchoices++] = f;
    return g_nchoices ? &g_choices[g_nchoices - 1] : NULL;
}

static int g_force_plain = -1;

void bench_onednn_force_format(int plain)
{
    g_force_plain = plain < 0 ? -1 : plain != 0;
}

static void *d_setup(const bench_impl *impl, const bench_data *dt, char *note, size_t note_n,
                     char *err, size_t err_n)
{
    (void)impl;
    if (dt->p.variant == BENCH_SEQ_NOPROJ) {
        snprintf(err, err_n, "oneDNN's RNN primitive always projects its input");
        return NULL;
    }
    if (dt->p.dtype == RNN_DTYPE_BF16 &&
        (bench_problem_stacked(&dt->p) || dt->p.topology == RNN_SEQ2SEQ)) {
        snprintf(err, err_n, "the oneDNN peer runs bf16 as one primitive only: not stacks or "
                             "seq2seq");
        return NULL;
    }
    if (bench_problem_layers(&dt->p) > PEER_MAX_LAYERS) {
        snprintf(err, err_n, "the oneDNN peer chains at most %d layers (L:%lld)",
                 (int)PEER_MAX_LAYERS, (long long)bench_problem_layers(&dt->p));
        return NULL;
    }
    if (d_engine_init()) {
        snprintf(err, err_n, "oneDNN: no CPU engine");
        return NULL;
    }
    const int want = bench_problem_threads(&dt->p);
    const int got = omp_threads(want);
    if (got != want && (want > 1 || got > 1)) {
        snprintf(err, err_n, "oneDNN: asked OpenMP for %d thread%s, it has %d", want,
                 want > 1 ? "s" : "", got);
        return NULL;
    }
    const fmt_choice *f = g_force_plain < 0 ? choose_format(dt) : NULL;
    int plain = f ? f->plain : g_force_plain < 0 ? 1 : g_force_plain;
    dctx *c = d_create(dt, plain, err, err_n);
    if (!c && f) /* the pilot's loser may still build where the winner cannot */
        c = d_create(dt, !plain, err, err_n), plain = !plain;
    if (!c)
        return NULL;
    const dnnl_version_t *v = dnnl_version();
    char thr[256] = "";
    int k = 0;
    if (want > 1)
        k = snprintf(thr, sizeof thr, ", %d OpenMP threads", got);
    if (c->form[0])
        k += snprintf(thr + k, sizeof thr - (size_t)k, ", %s", c->form);
    if (c->fault)
        snprintf(thr + k, sizeof thr - (size_t)k, ", FAULT PLANTED (RNNSIMD_BENCH_FAULT)");
    if (f && f->t_any < 1e29 && f->t_plain < 1e29)
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, %sweights %s (pilot T<=16: any %.3g ms, ldigo %.3g ms)",
                 v->major, v->minor, v->patch, c->impl_info, thr, c->bf16 ? "bf16 " : "",
                 plain ? "ldigo" : "any", f->t_any * 1e3, f->t_plain * 1e3);
    else
        snprintf(note, note_n, "oneDNN %d.%d.%d %s%s, %sweights %s", v->major, v->minor, v->patch,
                 c->impl_info, thr, c->bf16 ? "bf16 " : "", plain ? "ldigo" : "any");
    return c;
}

const char *bench_onednn_configure(rnn_isa limit_isa)
{
    static char msg[256];
    /* libgomp read OMP_NUM_THREADS when it loaded; the re-exec in main set it
     * to 1, and this call makes sure even without the re-exec. threads:N rows
     * override it in their setup (a run-time call beats the environment). */
    const int threads = omp_threads(1);
    const char *isa = "all this CPU has";
    if (limit_isa == RNN_ISA_AVX2) {
        dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
        isa = "avx2 (dnnl_set_max_cpu_isa, matching the avx2 rows)";
    }
    const dnnl_version_t *v = dnnl_version();
    snprintf(msg, sizeof msg, "oneDNN %d.%d.%d (%s), OpenMP threads %d (threads:N rows: N, "
             "set by omp_set_num_threads in their setup), ISA: %s", v->major, v->minor, v->patch,
             v->hash, threads, isa);
    return msg;
}

const bench_impl bench_peer_onednn = {
    .name = "onednn",
    .is_peer = 1,
    .isa = RNN_ISA_AUTO,
    .setup = d_setup,
    .run = d_run,
    .teardown = d_teardown,
    .outputs = d_outputs,
    .results = d_results,
};
