/* gemv_avx512.c — the avx512 table's batch-1 products: the GEMV that
 * gemm_packed_nt runs at M = 1, and the fused step (gemv_ride) that runs the
 * same GEMV with part of the next steps' input projection riding along.
 *
 * Bits: every output is one FMA chain over k in ascending order from its
 * initial value (docs/design.md §9.2), as in the GEMM. So the GEMV cannot
 * hide the FMA latency with partial sums over k; it runs four panels at
 * once instead: per k step one broadcast of a, 8 weight vectors from four
 * streams, 8 independent FMAs. The loads bound it, and the FMA unit idles
 * for much of the time.
 *
 * The ride fills those slots. Its work is R rows of a GEMM (R = 8 or 16,
 * the plan's ride_rows), the input projection of R later time steps: an
 * R x 16 register tile of Y, one panel vector and R broadcasts of the
 * packed rows per k step, so each vector of W_ih serves R FMAs. One ride k
 * step follows every R/8 GEMV k steps of four panels: 8 ride FMAs per GEMV
 * k step whatever R (the two have equal FMA counts when I = H and the ride
 * is 1/R of the projection's columns). Sixteen rows read half the W_ih
 * bytes per step that eight do, for a tile of 16 registers beside the
 * GEMV's 8. What is left of the ride after the GEMV runs alone. A ride
 * column is one chain over the ride's whole depth from its bias, so the
 * ridden projection has the hoisted one's bits whatever R.
 * `rnnsimd-bench --overlap` measures how much of that mix a core hides. */
#include "avx512.h"
#include "blocking_avx512.h"
#include "ride_tile_avx512.h"

/* Where the ride is: vector v (columns 16v..16v+15) at depth k. */
typedef struct {
    const rnn_ride *r;
    size_t v, vend, k;
    const float *w, *x; /* v's weights and the packed rows at k */
} ride_pos;

static inline const float *ride_weights(const rnn_ride *r, size_t v)
{
    return r->packed + v / 2 * NR * r->K + v % 2 * 16;
}

/* The tile's chains are done: store them and start the next vector's.
 * Rare (once per vector), but inlined: a call would take the tile's
 * address and keep it in memory. */
static inline __attribute__((always_inline)) void ride_vector_end(const int R, ride_pos *q,
                                                                  __m512 *c)
{
    ride_tile_store(R, q->r, q->v, c);
    q->k = 0, q->v++;
    q->w = ride_weights(q->r, q->v), q->x = q->r->xk;
    ride_tile_start(R, q->r, q->v, q->vend, c);
}

/* One k step of the ride's R x 16 tile. */
static inline __attribute__((always_inline)) void ride_step(const int R, ride_pos *q, __m512 *c)
{
    const __m512 b = _mm512_loadu_ps(q->w);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
        c[i] = _mm512_fmadd_ps(_mm512_set1_ps(q->x[i]), b, c[i]);
    q->w += NR, q->x += R;
    if (__builtin_expect(++q->k == q->r->K, 0))
        ride_vector_end(R, q, c);
}

/* Panels [p, p + g) of the GEMV (g <= 4 a compile-time constant), one
 * ride k step after every R/8 of its k steps while the ride lasts. */
static inline __attribute__((always_inline)) void
gemv_group(const int R, const int g, size_t p, size_t N, size_t K, const float *a,
           const float *packed, const float *bias, int load_c, float *C, ride_pos *qp, __m512 *c)
{
    ride_pos q = *qp;
    __m512 s[8];
    __mmask16 m[8];
    const float *w[4];
    panels_start(g, p, N, bias, load_c, C, s, m);
#pragma GCC unroll 4
    for (int j = 0; j < g; j++)
        w[j] = packed + (p + (size_t)j) * NR * K;
    for (size_t k = 0; k < K; k++) {
        const __m512 ak = _mm512_set1_ps(a[k]);
#pragma GCC unroll 4
        for (int j = 0; j < g; j++) {
            s[2 * j] = _mm512_fmadd_ps(ak, _mm512_loadu_ps(w[j]), s[2 * j]);
            s[2 * j + 1] = _mm512_fmadd_ps(ak, _mm512_loadu_ps(w[j] + 16), s[2 * j + 1]);
            w[j] += NR;
        }
        if (q.v < q.vend && (R == 8 || (k & 1)))
            ride_step(R, &q, c);
    }
#pragma GCC unroll 8
    for (int j = 0; j < 2 * g; j++)
        _mm512_mask_storeu_ps(C + p * NR + (size_t)j * 16, m[j], s[j]);
    *qp = q;
}

/* The GEMV over panels [p0, p1), `group` (2 or 4) at a time. Why a
 * choice: four streams hide the loads best on Zen 4, two ran faster from
 * L2 on Zen 5 (docs/performance.md §5.20); the plan chooses (tune.h). */
static inline __attribute__((always_inline)) void
gemv_ride_panels(const int R, size_t group, size_t p0, size_t p1, size_t N, size_t K,
                 const float *a, const float *packed, const float *bias, int load_c, float *C,
                 ride_pos *q, __m512 *c)
{
    size_t p = p0;
    if (group == 2)
        for (; p + 2 <= p1; p += 2)
            gemv_group(R, 2, p, N, K, a, packed, bias, load_c, C, q, c);
    else
        for (; p + 4 <= p1; p += 4)
            gemv_group(R, 4, p, N, K, a, packed, bias, load_c, C, q, c);
    switch (p1 - p) {
    case 3: gemv_group(R, 3, p, N, K, a, packed, bias, load_c, C, q, c); break;
    case 2: gemv_group(R, 2, p, N, K, a, packed, bias, load_c, C, q, c); break;
    case 1: gemv_group(R, 1, p, N, K, a, packed, bias, load_c, C, q, c); break;
    default: break;
    }
}

/* The whole fused step with an R-row ride (ride NULL: none; R then only
 * sizes the unused tile). */
static inline __attribute__((always_inline)) void
gemv_ride_rows(const int R, size_t N, size_t K, const float *a, const float *packed,
               const float *bias, int load_c, float *C, size_t chunk, size_t group,
               const rnn_ride *ride)
{
    __m512 c[RNN_RIDE_ROWS_MAX];
    ride_pos q = {NULL, 0, 0, 0, NULL, NULL};
    if (ride) {
        q = (ride_pos){ride, ride->c0 / 16, (ride->c1 + 15) / 16, 0, NULL, ride->xk};
        q.w = ride_weights(ride, q.v);
        ride_tile_start(R, ride, q.v, q.vend, c);
    } else {
#pragma GCC unroll 16
        for (int i = 0; i < R; i++)
            c[i] = _mm512_setzero_ps();
    }
    const size_t np = (N + NR - 1) / NR;
    if (!chunk || chunk >= np) {
        gemv_ride_panels(R, group, 0, np, N, K, a, packed, bias, load_c, C, &q, c);
    } else {
        for (size_t p1 = np; p1 > 0;) {
            const size_t p0 = (p1 - 1) / chunk * chunk;
            gemv_ride_panels(R, group, p0, p1, N, K, a, packed, bias, load_c, C, &q, c);
            p1 = p0;
        }
    }
    while (q.v < q.vend)
        ride_step(R, &q, c);
}

void rnn_k_gemv_ride__avx512(size_t N, size_t K, const float *a, const float *packed,
                             const float *bias, float beta, float *C, size_t chunk,
                             size_t group, const rnn_ride *ride)
{
    const int load_c = beta != 0.0f;
    if (ride && ride->rows == RNN_RIDE_ROWS_MAX)
        gemv_ride_rows(RNN_RIDE_ROWS_MAX, N, K, a, packed, bias, load_c, C, chunk, group, ride);
    else
        gemv_ride_rows(RNN_RIDE_ROWS_MIN, N, K, a, packed, bias, load_c, C, chunk, group, ride);
}

void rnn_k_gemv_packed__avx512(size_t N, size_t K, const float *a, const float *packed,
                               const float *bias, int load_c, float *C)
{
    /* The fused loop with nothing riding: one code path, so one set of bits. */
    gemv_ride_rows(RNN_RIDE_ROWS_MIN, N, K, a, packed, bias, load_c, C, 0, 4, NULL);
}
