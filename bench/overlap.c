/* overlap.c — the overlap probe (`rnnsimd-bench --overlap`). A batch-1 step
 * streams W_hh once: per vector of weights one load and one FMA, so the
 * loads bound it and the FMA unit idles for part of the time. Fusing the
 * input projection (a GEMM whose rows are the time steps) into the step
 * would put the projection's FMAs into those idle slots; the roofline
 * ceiling targets.py prints assumes all of them fit. This measures how many
 * do on this core, with a kernel that has the fused step's instruction mix
 * and traffic and nothing else:
 *   stream: the GEMV of the tables (8 weight vectors, 4 broadcasts of a,
 *           8 FMAs an iteration) over a buffer of W bytes;
 *   tiles:  `ratio` k steps an iteration of an 8-row register tile (one
 *           panel vector, 8 broadcasts of 8 time steps' inputs, 8 FMAs),
 *           its panels read in order from a second W-byte buffer (W_ih at
 *           I = H), so each panel vector serves 8 FMAs: the projection of 8
 *           steps at once, as a fused step kernel would do it.
 * ratio 1 is the projection's share at I = H: as many FMAs as the stream.
 * The dW mix asks the same of the weight gradients. dW = sum over steps of
 * dG_t^T h_t has no 8 rows to share a weight vector: riding a step, it is a
 * rank-8 update of a slice of dW (8 steps' dG and h), so it also reads and
 * writes its part of dW:
 *   updates: `ratio` vectors an iteration of a third W-byte buffer (dW_hh
 *           at ratio 1, dW_ih too at 2), each loaded, given 8 FMAs (8 steps'
 *           dG broadcasts, kept in registers, times 8 rows of h from L1) and
 *           stored back.
 * Both mixes start each pass at their buffer's start, so at ratio r they
 * touch the same r/8 of it every pass, where a fused step moves to another
 * part each step: the probe is kinder to the caches than a real ride, which
 * is what a ceiling wants.
 * Three timings per size and mix: stream alone, the other part alone, both
 * in one loop.
 * fused / (stream + tiles) is the best a fused schedule cuts the serial one
 * to with this tile; "hidden" is the share of the smaller part that
 * disappeared (negative: the mix is slower than the two apart). Medians of
 * 15 runs, thread CPU time. avx512 only: the tables it judges. */
#include "overlap.h"
#include "peak.h"

#include <stdlib.h>

const size_t overlap_bytes[OVERLAP_SIZES] = {256u << 10, 1u << 20, 4u << 20, 16u << 20};

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static volatile float sink;

enum { STREAM = 1, TILES = 2 };
/* w, p: n floats each; x: 2048 floats (8 KiB, stays in L1); a: 256. The
 * tile mix reads p, the dW mix updates it. */
typedef void (*loop_fn)(int parts, const float *w, float *p, size_t n, const float *a,
                        const float *x, int ratio);

#if defined(__x86_64__)
/* One iteration: 128 floats of w (8 zmm) and ratio k steps of the tile (dw
 * 0) or ratio rank-8 updates of p's vectors (dw 1, x holding h as 8 rows of
 * 256 floats). Inlined into one loop per mix, so dw is a constant there. */
__attribute__((target("avx512f"), always_inline)) static inline void
loop_body(int parts, const float *w, float *p, size_t n, const float *a, const float *x,
          int ratio, int dw)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    __m512 c0 = s0, c1 = s0, c2 = s0, c3 = s0, c4 = s0, c5 = s0, c6 = s0, c7 = s0;
    /* dW mix: 8 steps' dG broadcasts, kept in registers. */
    __m512 g[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++)
        g[r] = _mm512_set1_ps(a[r]);
    size_t k = 0, j = 0, pj = 0;
    for (size_t i = 0; i + 128 <= n; i += 128, k = (k + 4) & 255) {
        if (parts & STREAM) {
            const float *v = w + i;
            __m512 a0 = _mm512_set1_ps(a[k]), a1 = _mm512_set1_ps(a[k + 1]);
            __m512 a2 = _mm512_set1_ps(a[k + 2]), a3 = _mm512_set1_ps(a[k + 3]);
            s0 = _mm512_fmadd_ps(a0, _mm512_load_ps(v), s0);
            s1 = _mm512_fmadd_ps(a0, _mm512_load_ps(v + 16), s1);
            s2 = _mm512_fmadd_ps(a1, _mm512_load_ps(v + 32), s2);
            s3 = _mm512_fmadd_ps(a1, _mm512_load_ps(v + 48), s3);
            s4 = _mm512_fmadd_ps(a2, _mm512_load_ps(v + 64), s4);
            s5 = _mm512_fmadd_ps(a2, _mm512_load_ps(v + 80), s5);
            s6 = _mm512_fmadd_ps(a3, _mm512_load_ps(v + 96), s6);
            s7 = _mm512_fmadd_ps(a3, _mm512_load_ps(v + 112), s7);
        }
        if ((parts & TILES) && dw)
            for (int q = 0; q < ratio; q++) {
                const float *h = x + (pj & 255);
                __m512 d = _mm512_load_ps(p + pj);
#pragma GCC unroll 8
                for (int r = 0; r < 8; r++)
                    d = _mm512_fmadd_ps(g[r], _mm512_load_ps(h + 256 * r), d);
                _mm512_store_ps(p + pj, d);
                pj = pj + 16 < n ? pj + 16 : 0;
            }
        else if (parts & TILES)
            for (int q = 0; q < ratio; q++, j = (j + 1) & 255) {
                const __m512 b = _mm512_load_ps(p + pj);
                pj = pj + 16 < n ? pj + 16 : 0;
                const float *r = x + 8 * j;
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(r[0]), b, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(r[1]), b, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(r[2]), b, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(r[3]), b, c3);
                c4 = _mm512_fmadd_ps(_mm512_set1_ps(r[4]), b, c4);
                c5 = _mm512_fmadd_ps(_mm512_set1_ps(r[5]), b, c5);
                c6 = _mm512_fmadd_ps(_mm512_set1_ps(r[6]), b, c6);
                c7 = _mm512_fmadd_ps(_mm512_set1_ps(r[7]), b, c7);
            }
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                             _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    __m512 c = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    sink = _mm512_reduce_add_ps(_mm512_add_ps(s, c));
}

__attribute__((target("avx512f"), noinline)) static void loop_avx512(int parts, const float *w,
                                                                    float *p, size_t n,
                                                                    const float *a,
                                                                    const float *x, int ratio)
{
    loop_body(parts, w, p, n, a, x, ratio, 0);
}

__attribute__((target("avx512f"), noinline)) static void loop_dw_avx512(int parts, const float *w,
                                                                       float *p, size_t n,
                                                                       const float *a,
                                                                       const float *x, int ratio)
{
    loop_body(parts, w, p, n, a, x, ratio, 1);
}
#endif

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds of one call over `runs` runs of `calls` calls. */
static double time_loop(loop_fn f, int parts, const float *w, float *p, size_t n,
                        const float *a, const float *x, int ratio, long calls, int runs)
{
    double v[15];
    for (int r = 0; r < runs; r++) {
        const double t0 = bench_thread_seconds();
        for (long c = 0; c < calls; c++)
            f(parts, w, p, n, a, x, ratio);
        v[r] = (bench_thread_seconds() - t0) / (double)calls;
    }
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    return v[runs / 2];
}

/* The loop of a mix for the isa, or NULL. */
static loop_fn loop_for(rnn_isa isa, overlap_mix mix)
{
#if defined(__x86_64__)
    if (isa == RNN_ISA_AVX512 && rnn_isa_check(isa, NULL) == RNN_OK)
        return mix == OVERLAP_DW ? loop_dw_avx512 : loop_avx512;
#endif
    (void)isa, (void)mix;
    return NULL;
}

const char *overlap_mix_name(overlap_mix mix)
{
    return mix == OVERLAP_DW ? "dW" : "tile";
}

typedef struct {
    float *w, *p, *x, *a;
} buffers;

static void buffers_free(buffers *b)
{
    free(b->w), free(b->p), free(b->x), free(b->a);
}

static int buffers_make(buffers *b, size_t n)
{
    b->w = aligned_alloc(64, n * sizeof *b->w);
    b->p = aligned_alloc(64, n * sizeof *b->p);
    b->x = aligned_alloc(64, 2048 * sizeof *b->x);
    b->a = aligned_alloc(64, 256 * sizeof *b->a);
    if (!b->w || !b->p || !b->x || !b->a) {
        buffers_free(b);
        return -1;
    }
    /* Small values: no overflow or denormals over any number of calls. */
    for (size_t i = 0; i < n; i++) {
        b->w[i] = 1e-4f * (float)(i % 7);
        b->p[i] = 1e-4f * (float)(i % 5);
    }
    for (size_t i = 0; i < 2048; i++)
        b->x[i] = 1e-4f * (float)(i % 3);
    for (size_t i = 0; i < 256; i++)
        b->a[i] = 1e-4f;
    return 0;
}

static overlap_times measure(loop_fn f, const buffers *b, size_t bytes, int ratio, int quick)
{
    const size_t n = bytes / sizeof(float);
    const long calls = quick ? 2 : (long)(300e6 / (double)bytes) + 4;
    const int runs = quick ? 3 : 15;
    f(STREAM | TILES, b->w, b->p, n, b->a, b->x, ratio); /* pull both buffers in */
    overlap_times t;
    t.stream = time_loop(f, STREAM, b->w, b->p, n, b->a, b->x, ratio, calls, runs);
    t.tiles = time_loop(f, TILES, b->w, b->p, n, b->a, b->x, ratio, calls, runs);
    t.fused = time_loop(f, STREAM | TILES, b->w, b->p, n, b->a, b->x, ratio, calls, runs);
    return t;
}

double overlap_hidden(overlap_times t)
{
    const double smaller = t.stream < t.tiles ? t.stream : t.tiles;
    return smaller > 0 ? (t.stream + t.tiles - t.fused) / smaller : 0.0;
}

int bench_overlap_measure(rnn_isa isa, overlap_mix mix, size_t bytes, int ratio,
                          overlap_times *out)
{
    loop_fn f = loop_for(isa, mix);
    buffers b;
    if (!f || bytes < 512 || ratio < 1 || buffers_make(&b, bytes / sizeof(float)))
        return -1;
    *out = measure(f, &b, bytes, ratio, 0);
    buffers_free(&b);
    return 0;
}

int bench_overlap_report(rnn_isa isa, int quick, FILE *out)
{
    if (!loop_for(isa, OVERLAP_TILE)) {
        fprintf(out, "overlap probe: no probe for the %s table (avx512 only, on a CPU that "
                     "runs it)\n", rnn_isa_name(isa));
        return -1;
    }
    const size_t nsizes = quick ? 1 : OVERLAP_SIZES;
    buffers b;
    if (buffers_make(&b, overlap_bytes[nsizes - 1] / sizeof(float))) {
        fprintf(out, "overlap probe: out of memory\n");
        return -1;
    }
    fprintf(out, "overlap probe (%s, one thread): a GEMV stream over W bytes and, in the same "
                 "loop, an 8-row GEMM tile streaming another W bytes (mix tile) or rank-8 "
                 "updates of another W bytes (mix dW); medians of %d runs\n",
            rnn_isa_name(isa), quick ? 3 : 15);
    fprintf(out, "%9s %4s %5s %20s %20s %10s %12s %7s\n", "W bytes", "mix", "ratio",
            "stream alone", "other alone", "fused", "fused/sum", "hidden");
    for (int m = 0; m < OVERLAP_MIXES; m++)
        for (int ratio = 1; ratio <= 2; ratio++)
            for (size_t s = 0; s < nsizes; s++) {
                const size_t bytes = overlap_bytes[s];
                const overlap_times t = measure(loop_for(isa, (overlap_mix)m), &b, bytes, ratio, quick);
                const double flops = 2.0 * (double)(bytes / sizeof(float) / 128 * 128) * ratio;
                fprintf(out,
                        "%5zu KiB %4s %5d %8.1f us %5.0f GB/s %8.1f us %4.0f GF/s %7.1f us %12.2f "
                        "%6.0f%%\n",
                        bytes >> 10, overlap_mix_name((overlap_mix)m), ratio, t.stream * 1e6,
                        (double)bytes / t.stream * 1e-9, t.tiles * 1e6, flops / t.tiles * 1e-9,
                        t.fused * 1e6, t.fused / (t.stream + t.tiles), 100.0 * overlap_hidden(t));
            }
    buffers_free(&b);
    return 0;
}
