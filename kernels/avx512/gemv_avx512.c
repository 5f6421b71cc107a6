/* gemv_avx512.c — the avx512 table's batch-1 products: the GEMV that
 * gemm_packed_nt runs at M = 1, and the fused step (gemv_ride) that runs the
 * same GEMV with part of the next steps' input projection riding along.
 *
 * The GEMV streams the packed weights once with eight independent
 * accumulators, so the FMA latency is hidden and the loads run at cache
 * bandwidth: per 4 k steps, 8 weight vectors, 4 broadcasts of a, 8 FMAs.
 * The loads bound it, and the FMA unit idles for much of the time.
 *
 * The ride fills those slots. Its work is RNN_RIDE_ROWS (8) rows of a GEMM,
 * the input projection of 8 later time steps: an 8 x 16 register tile of Y,
 * one panel vector and 8 broadcasts of the packed rows per k step, so each
 * vector of W_ih serves 8 FMAs. One ride k step follows each GEMV iteration
 * (the two have equal FMA counts when I = H and the ride is 1/8 of the
 * projection's columns); what is left of the ride after the GEMV runs alone.
 * `rnnsimd-bench --overlap` measures how much of that mix a core hides.
 *
 * Bits: the GEMV is the same code in both entries. A ride column sums its
 * k steps in order within the K blocks of the packed GEMM (KC, split
 * evenly as run_blocked splits them), adds the bias after the first block
 * and the previous blocks' sum after each later one, as the GEMM's
 * micro-kernel does: the ridden projection has the hoisted one's bits. */
#include "avx512.h"
#include "blocking_avx512.h"

/* One panel's 8 partial sums, combined as every batch-1 product combines
 * them, plus bias and C, stored under the panel's masks. */
static inline __attribute__((always_inline)) void
gemv_store(size_t p0, size_t N, const __m512 s[8], const float *bias, int load_c, float *C)
{
    __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
    __m512 v0 = _mm512_add_ps(_mm512_add_ps(s[0], s[2]), _mm512_add_ps(s[4], s[6]));
    __m512 v1 = _mm512_add_ps(_mm512_add_ps(s[1], s[3]), _mm512_add_ps(s[5], s[7]));
    if (bias) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, bias + p0));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, bias + p0 + 16));
    }
    if (load_c) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, C + p0));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, C + p0 + 16));
    }
    _mm512_mask_storeu_ps(C + p0, m0, v0);
    _mm512_mask_storeu_ps(C + p0 + 16, m1, v1);
}

/* Four k steps of a panel: 8 weight vectors, 4 broadcasts, 8 FMAs. */
#define GEMV_ITER(s, a, w, k)                                                                  \
    do {                                                                                       \
        __m512 a0 = _mm512_set1_ps(a[k]), a1 = _mm512_set1_ps(a[k + 1]);                       \
        __m512 a2 = _mm512_set1_ps(a[k + 2]), a3 = _mm512_set1_ps(a[k + 3]);                   \
        s[0] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w), s[0]);                                  \
        s[1] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w + 16), s[1]);                             \
        s[2] = _mm512_fmadd_ps(a1, _mm512_loadu_ps(w + 32), s[2]);                             \
        s[3] = _mm512_fmadd_ps(a1, _mm512_loadu_ps(w + 48), s[3]);                             \
        s[4] = _mm512_fmadd_ps(a2, _mm512_loadu_ps(w + 64), s[4]);                             \
        s[5] = _mm512_fmadd_ps(a2, _mm512_loadu_ps(w + 80), s[5]);                             \
        s[6] = _mm512_fmadd_ps(a3, _mm512_loadu_ps(w + 96), s[6]);                             \
        s[7] = _mm512_fmadd_ps(a3, _mm512_loadu_ps(w + 112), s[7]);                            \
    } while (0)

/* The k steps past the last multiple of 4. */
#define GEMV_TAIL(s, a, w, k)                                                                  \
    do {                                                                                       \
        __m512 a0 = _mm512_set1_ps(a[k]);                                                      \
        s[0] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w), s[0]);                                  \
        s[1] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(w + 16), s[1]);                             \
    } while (0)

/* A ride step has RNN_RIDE_ROWS FMAs, a GEMV iteration 8: one ride step
 * every RIDE_EVERY iterations keeps the two in step. */
#define RIDE_EVERY (RNN_RIDE_ROWS / 8)

/* Where the ride is: vector v (columns 16v..16v+15) at depth k, inside K
 * block kb, which ends at kend. */
typedef struct {
    const rnn_ride *r;
    size_t v, vend, k, kb, nkb, kend;
    const float *w, *x; /* v's weights and the packed rows at k */
} ride_pos;

static inline const float *ride_weights(const rnn_ride *r, size_t v)
{
    return r->packed + v / 2 * NR * r->K + v % 2 * 16;
}

/* The tile's K block is done: store it (bias after the first block, the
 * earlier blocks' sum after later ones: the micro-kernel's order), then
 * move to the next block or vector. Rare (once per K block of a vector),
 * but inlined: a call would take the tile's address and keep it in memory. */
static inline __attribute__((always_inline)) void ride_block_end(ride_pos *q, __m512 *c)
{
    const rnn_ride *r = q->r;
    const size_t col = q->v * 16;
    const __mmask16 m = lanes(r->c1 - col);
    const int first = q->kb == 0;
    const __m512 b = first && r->bias ? _mm512_maskz_loadu_ps(m, r->bias + col)
                                      : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < RNN_RIDE_ROWS; i++) {
        float *y = r->Y + (size_t)i * r->ldy + col;
        __m512 v = _mm512_add_ps(c[i], b);
        if (!first)
            v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, y));
        _mm512_mask_storeu_ps(y, m, v);
        c[i] = _mm512_setzero_ps();
    }
    if (++q->kb == q->nkb) {
        q->kb = 0, q->k = 0, q->v++;
        q->w = ride_weights(r, q->v), q->x = r->xk;
    }
    q->kend = (q->kb + 1) * r->K / q->nkb;
}

/* One k step of the ride's 8 x 16 tile. */
#define RIDE_STEP(q, c)                                                                        \
    do {                                                                                       \
        const __m512 b = _mm512_loadu_ps(q.w);                                                 \
        _Pragma("GCC unroll 16")                                                                \
        for (int i_ = 0; i_ < RNN_RIDE_ROWS; i_++)                                             \
            c[i_] = _mm512_fmadd_ps(_mm512_set1_ps(q.x[i_]), b, c[i_]);                        \
        q.w += NR, q.x += RNN_RIDE_ROWS;                                                       \
        if (__builtin_expect(++q.k == q.kend, 0))                                              \
            ride_block_end(&q, c);                                                             \
    } while (0)

/* The GEMV over panels [p0, p1), one ride k step after each of its
 * iterations while the ride lasts. */
static inline __attribute__((always_inline)) void
gemv_ride_panels(size_t p0, size_t p1, size_t N, size_t K, const float *a, const float *packed,
                 const float *bias, int load_c, float *C, ride_pos *qp, __m512 *c)
{
    ride_pos q = *qp;
    for (size_t p = p0; p < p1; p++) {
        const size_t col = p * NR;
        const float *w = packed + col * K;
        __m512 s[8];
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            s[i] = _mm512_setzero_ps();
        size_t k = 0;
        for (; k + 4 <= K; k += 4, w += 4 * NR) {
            GEMV_ITER(s, a, w, k);
            if (q.v < q.vend && ((k >> 2) & (RIDE_EVERY - 1)) == 0)
                RIDE_STEP(q, c);
        }
        for (; k < K; k++, w += NR)
            GEMV_TAIL(s, a, w, k);
        gemv_store(col, N, s, bias, load_c, C);
    }
    *qp = q;
}

void rnn_k_gemv_ride__avx512(size_t N, size_t K, const float *a, const float *packed,
                             const float *bias, float beta, float *C, size_t chunk,
                             const rnn_ride *ride)
{
    const int load_c = beta != 0.0f;
    ride_pos q = {ride, ride->c0 / 16, (ride->c1 + 15) / 16, 0, 0, parts(ride->K, KC), 0, NULL,
                  ride->xk};
    q.kend = ride->K / q.nkb;
    q.w = ride_weights(ride, q.v);
    __m512 c[RNN_RIDE_ROWS];
#pragma GCC unroll 16
    for (int i = 0; i < RNN_RIDE_ROWS; i++)
        c[i] = _mm512_setzero_ps();
    const size_t np = (N + NR - 1) / NR;
    if (!chunk || chunk >= np) {
        gemv_ride_panels(0, np, N, K, a, packed, bias, load_c, C, &q, c);
    } else {
        for (size_t p1 = np; p1 > 0;) {
            const size_t p0 = (p1 - 1) / chunk * chunk;
            gemv_ride_panels(p0, p1, N, K, a, packed, bias, load_c, C, &q, c);
            p1 = p0;
        }
    }
    while (q.v < q.vend)
        RIDE_STEP(q, c);
}

void rnn_k_gemv_packed__avx512(size_t N, size_t K, const float *a, const float *packed,
                               const float *bias, int load_c, float *C)
{
    /* The fused loop with nothing riding: one code path, so one set of bits. */
    ride_pos none = {NULL, 0, 0, 0, 0, 1, 0, NULL, NULL};
    __m512 c[RNN_RIDE_ROWS];
#pragma GCC unroll 16
    for (int i = 0; i < RNN_RIDE_ROWS; i++)
        c[i] = _mm512_setzero_ps();
    gemv_ride_panels(0, (N + NR - 1) / NR, N, K, a, packed, bias, load_c, C, &none, c);
}
