/* step_product.c — the recurrent product of one step at batch 1, streaming
 * the packed weights front to back on even steps and back to front on odd
 * ones (declared in drivers.h).
 *
 * Why: a batch-1 step reads every weight once, in the same order each step.
 * A cyclic stream a little larger than L2 (LSTM W_hh at H = 256 and the
 * tanh cell's at H = 512 are 1 MiB, the L2 of many cores) then misses on
 * every line: each is evicted just before it is reused. Starting where the
 * last step ended turns the end of that step's stream into hits
 * (docs/performance.md has the timings).
 *
 * A cell of two phases (gru, reset before the product) streams two
 * products a step (W_hr,z then W_hn). Where both stay in L2 together the
 * reversed order still pays; beyond, a reversed product starts on lines the
 * other one has just evicted and only loses the prefetcher's run, so the
 * rule streams gru back to front only where its W_hh fits L2, and beyond
 * wraps its update gate's rows around the step (step_wrap.c, tune.c).
 *
 * Only the order of whole panels changes: each output column is the same
 * code summing in the same order, so the results keep their bits. Chunks
 * are whole panels of about 64 KiB, and at least CHUNK_PANELS panels: a
 * table's batch-1 product hides the FMA latency across the chains of
 * several panels (one chain per column, docs/design.md §9.2), so a chunk of
 * one panel would leave its loop waiting on the latency. The generic table
 * (nr 0) packs all columns as one panel and runs in one call. */
#include "drivers.h"

#define CHUNK_PANELS 4

/* Columns per chunk of a batch-1 product streamed back to front. Its
 * floats are the plan's tunable (tune.h: chunk_floats; the rule 16384). */
static size_t reverse_chunk(const rnn_plan *p, size_t K)
{
    const size_t panels = K ? p->tune.v.chunk_floats / K / p->nr : 0;
    return (panels > CHUNK_PANELS ? panels : CHUNK_PANELS) * p->nr;
}

/* Columns per chunk at this step: 0 for front to back. Odd steps stream
 * back to front where the plan's tunable says alt (tune.h: stream). */
static size_t chunk_columns(const rnn_plan *p, size_t step, size_t K)
{
    if (!p->nr || K == 0 || step % 2 == 0 || p->tune.v.stream != RNN_STREAM_ALT)
        return 0;
    return reverse_chunk(p, K);
}

/* C (1 x N) = a W^T + bias, the panels in chunks of ch columns, the last
 * chunk first (ch 0: front to back), and the ride's columns if any. */
static void run(const rnn_plan *p, size_t ch, size_t N, size_t K, const float *a,
                const float *packed, const float *bias, float beta, float *C,
                const rnn_ride *ride)
{
    const size_t chunk = p->nr ? ch / p->nr : 0;
    if (p->dtype == RNN_DTYPE_BF16 && ride) {
        p->k->bf16_gemv_ride(N, K, a, (const rnn_bf16x2 *)(const void *)packed, bias, beta, C,
                             chunk, ride);
        return;
    }
    if (p->k->gemv_ride && (ride || p->dtype == RNN_DTYPE_F32)) {
        /* The table's GEMV, with nothing riding or not, in the plan's panel
         * group (gemm_packed_nt(1, ...)'s bits). */
        p->k->gemv_ride(N, K, a, packed, bias, beta, C, chunk, p->tune.v.gemv_panels, ride);
        return;
    }
    if (!ch) {
        rnn_packed_nt(p, 1, N, K, a, K, packed, bias, beta, C, N);
        return;
    }
    for (size_t c1 = N; c1 > 0;) {
        const size_t c0 = (c1 - 1) / ch * ch;
        rnn_packed_nt(p, 1, c1 - c0, K, a, K, rnn_panel_at(p, packed, c0, K),
                      bias ? bias + c0 : NULL, beta, C + c0, N);
        c1 = c0;
    }
}

void rnn_step_product(const rnn_plan *p, size_t step, size_t M, size_t N, size_t K,
                      const float *A, size_t lda, const float *packed, const float *bias,
                      float beta, float *C, size_t ldc)
{
    if (M == 1)
        run(p, chunk_columns(p, step, K), N, K, A, packed, bias, beta, C, NULL);
    else
        rnn_packed_nt(p, M, N, K, A, lda, packed, bias, beta, C, ldc);
}

void rnn_step_product_ride(const rnn_plan *p, size_t step, size_t N, size_t K, const float *a,
                           const float *packed, const float *bias, float beta, float *C,
                           const rnn_ride *ride)
{
    run(p, chunk_columns(p, step, K), N, K, a, packed, bias, beta, C, ride);
}

void rnn_step_run(const rnn_plan *p, int reverse, size_t N, size_t K, const float *a,
                  const float *packed, const float *bias, float *C, const rnn_ride *ride)
{
    run(p, reverse && p->nr ? reverse_chunk(p, K) : 0, N, K, a, packed, bias, 0.0f, C, ride);
}
