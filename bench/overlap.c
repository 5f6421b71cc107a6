/* overlap.c — the overlap probe (`rnnsimd-bench --overlap`). A batch-1 step
 * streams W_hh once: per vector of weights one load and one FMA, so the
 * loads bound it and the FMA unit idles for part of the time. Fusing the
 * input projection (a GEMM whose rows are the time steps) into the step
 * would put the projection's FMAs into those idle slots; the roofline
 * ceiling targets.py prints assumes all of them fit. This measures how many
 * do on this core, with a kernel that has the fused step's instruction mix
 * and traffic and nothing else (a table's probe_overlap entry, the avx512
 * table's in kernels/avx512/probes_avx512.c):
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
#include "kernels.h"

const size_t overlap_bytes[OVERLAP_SIZES] = {256u << 10, 1u << 20, 4u << 20, 16u << 20};

/* The probe's loop: the table whose probe_overlap runs, and which mix. */
typedef struct {
    const rnn_kernels *k;
    int dw;
} probe_loop;

enum { STREAM = 1, TILES = 2 };

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds of one call over `runs` runs of `calls` calls. */
static double time_loop(probe_loop f, int parts, const float *w, float *p, size_t n,
                        const float *a, const float *x, int ratio, long calls, int runs)
{
    double v[15];
    for (int r = 0; r < runs; r++) {
        const double t0 = bench_thread_seconds();
        for (long c = 0; c < calls; c++)
            f.k->probe_overlap(parts, w, p, n, a, x, ratio, f.dw);
        v[r] = (bench_thread_seconds() - t0) / (double)calls;
    }
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    return v[runs / 2];
}

/* The loop of a mix for the isa; k is NULL where there is none. */
static probe_loop loop_for(rnn_isa isa, overlap_mix mix)
{
    probe_loop f = {NULL, mix == OVERLAP_DW};
    if (rnn_kernels_get(isa, &f.k, NULL) != RNN_OK || !f.k->probe_overlap)
        f.k = NULL;
    return f;
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

static overlap_times measure(probe_loop f, const buffers *b, size_t bytes, int ratio, int quick)
{
    const size_t n = bytes / sizeof(float);
    const long calls = quick ? 2 : (long)(300e6 / (double)bytes) + 4;
    const int runs = quick ? 3 : 15;
    /* pull both buffers in */
    f.k->probe_overlap(STREAM | TILES, b->w, b->p, n, b->a, b->x, ratio, f.dw);
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
    probe_loop f = loop_for(isa, mix);
    buffers b;
    if (!f.k || bytes < 512 || ratio < 1)
        return -1;
    if (buffers_make(&b, bytes / sizeof(float)))
        return -2;
    *out = measure(f, &b, bytes, ratio, 0);
    buffers_free(&b);
    return 0;
}

int bench_overlap_report(rnn_isa isa, int quick, FILE *out)
{
    if (!loop_for(isa, OVERLAP_TILE).k) {
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
