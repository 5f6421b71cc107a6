/* placement.c — where the batch-1 forward's packed W_hh lies in memory.
 *
 * Where that stream fits L2, each step reads it from L2, and how fast
 * depends on where its pages lie: L2 is indexed by physical address, so
 * pages that crowd some of its sets evict one another every step. The
 * allocator's pages come as they come (in a virtual machine even a huge
 * page need not be contiguous in the host), and on the Zen 5 host one
 * 768 KiB buffer read from L2 at 166 to 228 GB/s by allocation, steadily
 * for each (docs/performance.md §5.40). So the plan tries a few copies of
 * the stream's buffers, times a read of each set in the step's order
 * (probe_read), and keeps the fastest set. Copies hold the same bytes, so
 * no result changes. The cost is mostly the first touch of the copies'
 * fresh pages: about 2.4 ms a MiB copied on that host.
 *
 * Invariant: after rnn_place_stream each cell's hh_packed[ph] (and
 * hh_copy[ph], where present) holds exactly the bytes it held before. */
#include <stdlib.h>
#include <string.h>
#include "drivers.h"
#include "timing.h"

/* Each timed round reads the set this many times; a set's rate is its best
 * round of ROUNDS, after one pass to warm it (a round is about 60 us at
 * 768 KiB). */
#define PASSES 16
#define ROUNDS 5
#define SET_MAX (2 * RNN_MAX_PHASES)

typedef struct {
    float *buf[SET_MAX];
} place_set;

/* The stream's buffers of cell w in the order a step reads them, and their
 * floats; how many. */
static size_t stream_set(const rnn_plan *p, const cell_pack *w, place_set *s, size_t *n)
{
    size_t m = 0;
    for (size_t ph = 0; ph < p->ops->phases; ph++) {
        s->buf[m] = w->hh_packed[ph];
        n[m++] = rnn_hh_phase_floats(p, ph);
    }
    for (size_t ph = 0; ph < p->ops->phases; ph++)
        if (w->hh_copy[ph]) {
            s->buf[m] = w->hh_copy[ph];
            n[m++] = rnn_hh_phase_floats(p, ph);
        }
    return m;
}

/* Bytes a second of thread time that probe_read takes over set s, the best
 * of ROUNDS rounds. probe_read reads multiples of 128 floats; a buffer's
 * tail beyond the last such multiple is left out of the timing. */
static double read_rate(const rnn_kernels *k, const place_set *s, const size_t *n, size_t m)
{
    size_t bytes = 0;
    for (size_t i = 0; i < m; i++) {
        k->probe_read(s->buf[i], n[i] / 128 * 128, 1);
        bytes += n[i] / 128 * 128 * sizeof(float);
    }
    double best = 0.0;
    for (int r = 0; r < ROUNDS; r++) {
        const double t0 = rnn_probe_thread_seconds();
        for (int pass = 0; pass < PASSES; pass++)
            for (size_t i = 0; i < m; i++)
                k->probe_read(s->buf[i], n[i] / 128 * 128, 1);
        const double t = rnn_probe_thread_seconds() - t0;
        const double rate = t > 0 ? (double)bytes * PASSES / t : 0.0;
        best = rate > best ? rate : best;
    }
    return best;
}

static void free_set(place_set *s, size_t m)
{
    for (size_t i = 0; i < m; i++)
        free(s->buf[i]);
}

/* Places cell w's stream; returns the rates as allocated and as kept. */
static void place_cell(const rnn_plan *p, cell_pack *w, size_t tries, double gbs[2])
{
    place_set set[RNN_TUNE_PLACES_MAX];
    size_t n[SET_MAX];
    const size_t m = stream_set(p, w, &set[0], n);
    double rate[RNN_TUNE_PLACES_MAX];
    rate[0] = read_rate(p->k, &set[0], n, m);
    size_t have = 1, best = 0;
    /* All candidates are held until one is chosen, so that no candidate
     * is handed the pages of one freed before it. */
    while (have < tries) {
        place_set *c = &set[have];
        size_t i = 0;
        for (; i < m; i++) {
            c->buf[i] = rnn_alloc_floats(n[i]);
            if (!c->buf[i])
                break;
            memcpy(c->buf[i], set[0].buf[i], n[i] * sizeof(float));
        }
        if (i < m) {
            free_set(c, i);
            break;
        }
        rate[have] = read_rate(p->k, c, n, m);
        if (rate[have] > rate[best])
            best = have;
        have++;
    }
    for (size_t c = 0; c < have; c++)
        if (c != best)
            free_set(&set[c], m);
    /* Back in the cell, in stream_set's order. */
    size_t i = 0;
    for (size_t ph = 0; ph < p->ops->phases; ph++)
        w->hh_packed[ph] = set[best].buf[i++];
    for (size_t ph = 0; ph < p->ops->phases; ph++)
        if (w->hh_copy[ph])
            w->hh_copy[ph] = set[best].buf[i++];
    gbs[0] = rate[0] * 1e-9;
    gbs[1] = rate[best] * 1e-9;
}

void rnn_place_stream(rnn_plan *p)
{
    size_t tries = p->tune.v.hh_places;
    p->tune.place_gbs[0] = p->tune.place_gbs[1] = p->tune.place_ms = 0.0;
    if (tries < 2 || p->cells || p->desc.B != 1 || !p->k->probe_read)
        return;
    const double t0 = rnn_clock_s();
    tries = tries > RNN_TUNE_PLACES_MAX ? RNN_TUNE_PLACES_MAX : tries;
    place_cell(p, &p->cell, tries, p->tune.place_gbs);
    if (p->desc.topology == RNN_SEQ2SEQ) {
        double dec[2];
        place_cell(p, &p->decoder, tries, dec);
    }
    p->tune.place_ms = (rnn_clock_s() - t0) * 1e3;
}
