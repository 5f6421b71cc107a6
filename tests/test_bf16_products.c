/* test_bf16_products.c — the kernel tables' bf16 products (entries.inc:
 * bf16_gemm_packed_nt, bf16_gemm), every table that has them against
 * generic's, bit for bit:
 *   1. the packed product over shapes that cross every block of the avx512
 *      kernel (M 1..40 around its 12-row micro-blocks, 64..200 around its
 *      96-row chunks, the 128-column chunks past 96 rows; N off the 32
 *      columns of a panel; K 0, 1, odd, even, past the 512-pair K block and
 *      the two-block super block, past the GEMV's 4096-pair block at M 1),
 *      beta 0 and 1, bias or not, lda and ldc wider than the matrix (their
 *      padding NaN in A, a guard in C that must come back untouched), C all
 *      NaN where beta 0 must not read it; values near 1, spread over
 *      2^+-50, tiny enough that steps flush, special ones (denormal floats,
 *      which round to bf16 denormals that the instruction reads as zero;
 *      rounding ties; +-0), denormals that round up to the normal 2^-126
 *      against weights that keep the sums normal (also with every such
 *      denormal in the upper half of its row's 32-float chunks, the lower
 *      half normal), and inf, NaN (payload anywhere, signalling too) and
 *      values that round to inf;
 *   2. the weight gradients' GEMM (trans_a 0 and 1) over shapes around
 *      gemm's blocks (K blocks of 128 and 512, 512-column chunks, 96-row
 *      chunks), C all NaN (not read), the same kinds of values (a NaN
 *      output equal to any NaN: which NaN an FMA passes on is not fixed);
 *      2b. at the threshold below which avx512's vdpbf16ps path must hand
 *      the weight gradients to FMAs (test_gemm_threshold);
 *   3. for all but inf/NaN, generic's output within the float32
 *      accumulation bound of a double dot product of the same bf16
 *      operands (test_bf16.c's bound; tables equal to generic inherit it);
 *   4. RNNSIMD_CPU_MASK hiding a table's bf16_feature: the feature reads as
 *      unusable (what a plan checks before any call), the table itself
 *      still runs; hiding avx512: the table refuses.
 * A table whose bf16 feature this CPU lacks is skipped, and the output says
 * so. The neon table's packed product runs BFDOT, which rounds its own way:
 * it is judged by the bound only (test_bf16_neon.c checks its lanes). Its
 * bf16_gemm is gemm's fmla chain on operands rounded as generic rounds
 * them, so it must give generic's bits like every other table, inf and NaN
 * included. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "bf16.h"
#include "kernels.h"
#include "rnnsimd_reference.h"

static uint32_t fb(float f) { return rnn_bf16_fbits(f); }
static float bf(uint32_t u) { return rnn_bf16_bitsf(u); }
static const uint32_t guard_bits = 0x7fc0beefu; /* a NaN no kernel computes */

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
    return rs;
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "test_bf16_products: out of memory\n");
        exit(1);
    }
    return p;
}

/* The kinds of values; all but NONFINITE are judged against the bound too. */
enum { NEAR_ONE, WIDE, TINY, SPECIAL, EDGE, NONFINITE, KINDS };
/* Outside the rotation of KINDS (test_packed_edge_upper): EDGE whose
 * denormals are all in the upper half of each 32-float chunk of a row. */
enum { EDGE_UPPER = KINDS };
static const char *const kind_names[KINDS + 1] = {"near 1", "2^+-50", "tiny", "special",
                                                  "denormal edge", "inf/NaN",
                                                  "denormal edge, upper halves"};

static uint64_t stream;
/* EDGE is two-sided: the inputs (weights 0) are float denormals near 2^-126,
 * half of them rounding up to the normal bf16 2^-126 (a conversion that
 * flushes denormals would zero them), and normals just above; the weights
 * (1) lie in +-[1/2, 2^10), so the products and sums stay normal. */
static float *floats(size_t n, int kind, int weights)
{
    float *p = xmalloc(n * sizeof *p);
    rnn_fill_uniform(p, n, 11, ++stream, -1.0f, 1.0f);
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case WIDE: p[i] = ldexpf(p[i], (int)(rnd() % 101) - 50); break;
        case TINY: p[i] = ldexpf(p[i], (int)(rnd() % 27) - 76); break;
        case EDGE:
        case EDGE_UPPER:
            if (weights)
                p[i] = ldexpf(p[i] < 0 ? p[i] - 0.5f : p[i] + 0.5f, (int)(rnd() % 10));
            else
                p[i] = bf((uint32_t)(rnd() & 1) << 31 |
                          (rnd() % 4 ? 0x007f0000u + (uint32_t)(rnd() % 0x10000u)
                                     : 0x00800000u + (uint32_t)(rnd() % 0x800000u)));
            break;
        case SPECIAL:
        case NONFINITE: {
            const uint32_t sign = (uint32_t)(rnd() & 1) << 31;
            switch (rnd() % 8) {
            case 0: p[i] = bf(sign | ((uint32_t)rnd() & 0x7fffffu)); break; /* denormal */
            case 1: /* a tie of the bf16 rounding, odd or even */
                p[i] = bf((fb(p[i]) & 0xffff0000u) | 0x8000u);
                break;
            case 2: p[i] = ldexpf(p[i], 20 + (int)(rnd() % 31)); break; /* up to 2^50 */
            case 3: p[i] = ldexpf(p[i], -(int)(rnd() % 70) - 60); break; /* 2^-60..2^-130 */
            case 4: p[i] = bf(sign); break; /* +-0 */
            default: break; /* near 1 */
            }
            if (kind == NONFINITE && rnd() % 32 == 0) {
                switch (rnd() % 4) {
                case 0: p[i] = bf(sign | 0x7f800000u); break; /* inf */
                case 1: /* NaN, any payload (signalling too) */
                    p[i] = bf(sign | 0x7f800000u | (uint32_t)(rnd() % 0x7fffffu + 1));
                    break;
                case 2: /* NaN whose payload is all in the low half: truncated, inf */
                    p[i] = bf(sign | 0x7f800000u | (uint32_t)(rnd() % 0xffffu + 1));
                    break;
                default: p[i] = bf(sign | 0x7f7f8000u | ((uint32_t)rnd() & 0x7fffu)); /* to inf */
                }
            }
            break;
        }
        default: break;
        }
    }
    return p;
}

static void fill_bits(float *p, size_t n, uint32_t bits)
{
    for (size_t i = 0; i < n; i++)
        memcpy(p + i, &bits, 4);
}

static const rnn_kernels *generic;
static const rnn_kernels *tables[8]; /* those with bf16 entries this CPU runs, not generic */
static int ntables;

/* 1 when t's bf16 output must equal generic's bits: all but the neon
 * table's BFDOT product. Judging neon's bf16_gemm by the bound alone left
 * its inf and NaN outputs unchecked (a float NaN whose payload lies in the
 * low half, taken for a number and truncated to inf, passed). */
static int exact(const rnn_kernels *t, int gemm)
{
    return gemm || t->isa != RNN_ISA_NEON ||
           t->bf16_gemm_packed_nt == generic->bf16_gemm_packed_nt;
}

/* The bf16 value the instruction reads (DAZ) or fmaf does (no DAZ). */
static double operand(float f, int daz)
{
    const rnn_bf16 h = rnn_bf16_from_float(f);
    return daz ? (double)rnn_bf16_daz((uint32_t)h << 16) : (double)rnn_bf16_to_float(h);
}

/* Compares rows x n of got (ldg) and want (ldw) bit for bit; the first
 * difference into *at. Returns the count. */
/* Outputs whose bits differ; with any_nan, two NaNs count as equal
 * whatever their payloads: bf16_gemm is gemm's fmaf chain, and which NaN
 * operand an FMA passes on depends on the instruction form the compiler
 * picks (a sanitizer build of generic picked another than the optimized
 * one), so only NaN-ness is its contract, as for float32's gemm. */
static size_t differ(size_t rows, size_t n, const float *got, size_t ldg, const float *want,
                     size_t ldw, size_t *at_i, size_t *at_j, int any_nan)
{
    size_t bad = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < n; j++) {
            const float g = got[i * ldg + j], w = want[i * ldw + j];
            if (any_nan && g != g && w != w)
                continue;
            if (fb(g) != fb(w) && !bad++)
                *at_i = i, *at_j = j;
        }
    return bad;
}

/* Table k's output Ct is generic's Cg bit for bit (any_nan: as differ). */
static void same_as_generic(const rnn_kernels *k, const char *what, size_t M, size_t N,
                            const float *Ct, const float *Cg, size_t ldc, int any_nan)
{
    size_t ai = 0, aj = 0;
    const size_t bad = differ(M, N, Ct, ldc, Cg, ldc, &ai, &aj, any_nan);
    CHECK(!bad, "%s %s: %zu outputs differ from generic's, first C[%zu][%zu]: %08x, generic %08x",
          k->name, what, bad, ai, aj, bad ? fb(Ct[ai * ldc + aj]) : 0,
          bad ? fb(Cg[ai * ldc + aj]) : 0);
}

/* The padding columns [n, ldc) of every row still hold the guard. */
static int guard_ok(size_t rows, size_t n, size_t ldc, const float *C)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = n; j < ldc; j++)
            if (fb(C[i * ldc + j]) != guard_bits)
                return 0;
    return 1;
}

/* ---- 1. the packed product ---- */

static long cases_packed, cases_gemm;
static size_t nonfinite_out[2]; /* generic's NaN and inf outputs compared (packed, gemm) */

static void count_nonfinite(int gemm, size_t rows, size_t n, const float *C, size_t ldc)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < n; j++)
            nonfinite_out[gemm] += (fb(C[i * ldc + j]) & 0x7f800000u) == 0x7f800000u;
}

/* The bound (test_bf16.c's, per output): the chain rounds m = 2*ceil(K/2)
 * times (plus once for C + bias), each within u = 2^-24 of its result, so
 * |computed - exact| <= gamma_m * sum |t_i|; each flushed step, and the
 * initial value read with DAZ, errs by less than 2^-126 more. Arm's BFDOT
 * (bfdot 1) rounds each pair's sum and then the accumulation to odd, each
 * within u = 2^-23: m = ceil(K/2) + 1 such roundings (test_bf16_neon.c's
 * bound). */
static void packed_bound(size_t M, size_t N, size_t K, const float *A, size_t lda,
                         const float *W, const float *bias, float beta, const float *C0,
                         size_t ldc, const float *Cg, const char *what, int bfdot)
{
    const size_t m = (bfdot ? (K + 1) / 2 + 1 : 2 * ((K + 1) / 2)) + (beta != 0.0f && bias);
    const double u = bfdot ? 0x1p-23 : 0x1p-24, gamma = m * u / (1.0 - m * u);
    size_t over = 0, wi = 0, wj = 0;
    double worst = 0.0;
    for (size_t i = 0; i < M; i++)
        for (size_t n = 0; n < N; n++) {
            const double c = beta != 0.0f ? C0[i * ldc + n] : 0.0;
            const double init = bias ? (beta != 0.0f ? (double)(C0[i * ldc + n] + bias[n])
                                                     : (double)bias[n])
                                     : c;
            double s = init, abs_sum = fabs(init);
            for (size_t k = 0; k < K; k++) {
                const double t = operand(W[n * K + k], 1) * operand(A[i * lda + k], 1);
                s += t, abs_sum += fabs(t);
            }
            const double bound = gamma * abs_sum + (double)(m + 1) * 0x1p-126;
            const double err = fabs((double)Cg[i * ldc + n] - s);
            if (!(err <= bound))
                over++;
            if (bound > 0 && err / bound > worst)
                worst = err / bound, wi = i, wj = n;
        }
    CHECK(!over, "%s: %zu outputs past the float32 accumulation bound, worst C[%zu][%zu] at "
                 "%.3g x the bound",
          what, over, wi, wj, worst);
}

/* EDGE_UPPER's inputs: element k of each row a normal just above 2^-126
 * where k mod 32 < 16, else a denormal float that rounds up to the normal
 * bf16 2^-126 (0x007f8000 and above). A conversion of 32 floats at a time
 * that flushes denormals must see the upper 16's too: in EDGE nearly every
 * half holds one, so a look at the lower half alone would pass there. */
static void edge_upper(float *A, size_t M, size_t K, size_t lda)
{
    for (size_t i = 0; i < M; i++)
        for (size_t k = 0; k < K; k++) {
            const uint32_t sign = (uint32_t)(rnd() & 1) << 31;
            A[i * lda + k] = bf(sign | (k % 32 < 16 ? 0x00800000u + (uint32_t)(rnd() % 0x800000u)
                                                    : 0x007f8000u + (uint32_t)(rnd() % 0x8000u)));
        }
}

static void packed_case(size_t M, size_t N, size_t K, int use_bias, float beta, int kind)
{
    const size_t lda = K + 1 + (size_t)(rnd() % 5), ldc = N + 1 + (size_t)(rnd() % 7);
    float *A = floats(M * lda, kind, 0), *W = floats(N * K, kind, 1);
    float *bias = floats(N, kind, 1);
    float *C0 = floats(M * ldc, kind == NONFINITE ? NEAR_ONE : kind, 0); /* a finite C */
    float *Cg = xmalloc(M * ldc * sizeof *Cg), *Ct = xmalloc(M * ldc * sizeof *Ct);
    rnn_bf16x2 *packed = xmalloc(rnn_bf16_packed_size(N, K) * sizeof *packed);
    if (kind == EDGE_UPPER)
        edge_upper(A, M, K, lda);
    for (size_t i = 0; i < M; i++) /* A's padding: NaN, never to be read */
        fill_bits(A + i * lda + K, lda - K, 0x7fc0dead);
    rnn_bf16_pack(N, K, W, K, packed);
    const float *b = use_bias ? bias : NULL;
    char what[160];
    snprintf(what, sizeof what, "packed M=%zu N=%zu K=%zu lda=%zu ldc=%zu bias=%d beta=%g (%s)",
             M, N, K, lda, ldc, use_bias, beta, kind_names[kind]);
    memcpy(Cg, C0, M * ldc * sizeof *Cg);
    generic->bf16_gemm_packed_nt(M, N, K, A, lda, packed, b, beta, Cg, ldc);
    count_nonfinite(0, M, N, Cg, ldc);
    if (kind != NONFINITE)
        packed_bound(M, N, K, A, lda, W, b, beta, C0, ldc, Cg, what, 0);
    for (int t = 0; t < ntables; t++) {
        const rnn_kernels *k = tables[t];
        memcpy(Ct, C0, M * ldc * sizeof *Ct);
        for (size_t i = 0; i < M; i++) {
            if (beta == 0.0f) /* not to be read */
                fill_bits(Ct + i * ldc, N, 0x7fc00bad);
            fill_bits(Ct + i * ldc + N, ldc - N, guard_bits);
        }
        k->bf16_gemm_packed_nt(M, N, K, A, lda, packed, b, beta, Ct, ldc);
        CHECK(guard_ok(M, N, ldc, Ct), "%s %s: wrote past column N", k->name, what);
        if (exact(k, 0)) {
            same_as_generic(k, what, M, N, Ct, Cg, ldc, 0);
        } else if (kind != NONFINITE) {
            packed_bound(M, N, K, A, lda, W, b, beta, C0, ldc, Ct, what,
                         k->isa == RNN_ISA_NEON);
        }
    }
    cases_packed++;
    free(A), free(W), free(bias), free(C0), free(Cg), free(Ct), free(packed);
}

static void test_packed(void)
{
    static const size_t Ns[] = {1, 17, 31, 32, 33, 63, 100, 129};
    static const size_t Ks[] = {0, 1, 2, 3, 7, 32, 33, 64, 255, 1024, 1025};
    const size_t nn = sizeof Ns / sizeof *Ns, nk = sizeof Ks / sizeof *Ks;
    /* every M from 1 to 40, each with several (N, K, kind, bias, beta) */
    for (size_t M = 1; M <= 40; M++)
        for (size_t v = 0; v < 6; v++) {
            const size_t s = M * 7 + v * 5;
            packed_case(M, Ns[s % nn], Ks[(s / 3 + v) % nk], (int)(v & 1), v & 2 ? 1.0f : 0.0f,
                        (int)((M + v) % KINDS));
        }
    /* past the micro-blocks: 64..200 rows */
    static const size_t Ms[] = {64, 65, 95, 96, 97, 100, 130, 200};
    for (size_t i = 0; i < sizeof Ms / sizeof *Ms; i++)
        for (size_t v = 0; v < 4; v++)
            packed_case(Ms[i], Ns[(i + 3 * v) % nn], Ks[(i * 2 + v * 3 + 4) % nk], (int)(v & 1),
                        (v + i) & 2 ? 1.0f : 0.0f, (int)((i + v) % KINDS));
    /* the K blocks: 1025 pairs (three 342-pair blocks, two super blocks);
     * 96 and 100 rows cut into chunks by the deep A */
    packed_case(100, 33, 2049, 1, 1.0f, NEAR_ONE);
    packed_case(64, 65, 2050, 0, 0.0f, WIDE);
    packed_case(96, 40, 1030, 1, 0.0f, SPECIAL);
    packed_case(13, 129, 3001, 1, 1.0f, TINY);
    /* more than 96 rows in one K block: 128-column chunks, then a tail */
    packed_case(130, 257, 64, 1, 1.0f, NEAR_ONE);
    packed_case(200, 160, 510, 0, 0.0f, SPECIAL);
    /* M = 1: the GEMV, past its 4096-pair block */
    packed_case(1, 33, 8193, 1, 1.0f, NEAR_ONE);
    packed_case(1, 100, 9000, 0, 0.0f, WIDE);
    /* empty */
    packed_case(0, 5, 3, 1, 0.0f, NEAR_ONE);
    packed_case(5, 0, 3, 1, 0.0f, NEAR_ONE);
    packed_case(7, 45, 0, 1, 1.0f, NEAR_ONE);
    packed_case(7, 45, 0, 0, 0.0f, NEAR_ONE);
}

/* Denormals only in the upper half of each row's 32-float chunks: the GEMV
 * (M 1, its x converted 32 floats at a time), the micro-blocks' A packing
 * (M 5, 40), past the K block (K 1030); N off the panel. */
static void test_packed_edge_upper(void)
{
    static const size_t shapes[][3] = {{1, 33, 64}, {1, 40, 1030}, {5, 33, 100},
                                       {40, 17, 64}, {13, 65, 1030}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        packed_case(shapes[s][0], shapes[s][1], shapes[s][2], (int)(s & 1),
                    s & 2 ? 1.0f : 0.0f, EDGE_UPPER);
}

/* ---- 2. the weight gradients' GEMM ---- */

/* fmaf's chain: K roundings, each within u of its result, and each result
 * in the denormal range within half its spacing, 2^-150. */
static void gemm_bound(int trans_a, size_t M, size_t N, size_t K, const float *A, size_t lda,
                       const float *B, size_t ldb, const float *Cg, size_t ldc,
                       const char *what)
{
    const double u = 0x1p-24, gamma = K * u / (1.0 - K * u);
    size_t over = 0, wi = 0, wj = 0;
    double worst = 0.0;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0.0, abs_sum = 0.0;
            for (size_t k = 0; k < K; k++) {
                const double t =
                    operand(trans_a ? A[k * lda + i] : A[i * lda + k], 0) * operand(B[k * ldb + j], 0);
                s += t, abs_sum += fabs(t);
            }
            const double bound = gamma * abs_sum + (double)K * 0x1p-150;
            const double err = fabs((double)Cg[i * ldc + j] - s);
            if (!(err <= bound))
                over++;
            if (bound > 0 && err / bound > worst)
                worst = err / bound, wi = i, wj = j;
        }
    CHECK(!over, "%s: %zu outputs past the float32 accumulation bound, worst C[%zu][%zu] at "
                 "%.3g x the bound",
          what, over, wi, wj, worst);
}

static void gemm_case(int trans_a, size_t M, size_t N, size_t K, int kind)
{
    const size_t rows_a = trans_a ? K : M, cols_a = trans_a ? M : K;
    const size_t lda = cols_a + (size_t)(rnd() % 4), ldb = N + (size_t)(rnd() % 4);
    const size_t ldc = N + 1 + (size_t)(rnd() % 5);
    float *A = floats(rows_a * lda, kind, 0), *B = floats(K * ldb, kind, 1);
    float *Cg = xmalloc(M * ldc * sizeof *Cg), *Ct = xmalloc(M * ldc * sizeof *Ct);
    char what[160];
    snprintf(what, sizeof what, "bf16_gemm trans_a=%d M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu "
             "(%s)", trans_a, M, N, K, lda, ldb, ldc, kind_names[kind]);
    fill_bits(Cg, M * ldc, 0x7fc00bad); /* C is not read */
    generic->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, Cg, ldc);
    count_nonfinite(1, M, N, Cg, ldc);
    if (kind != NONFINITE)
        gemm_bound(trans_a, M, N, K, A, lda, B, ldb, Cg, ldc, what);
    for (int t = 0; t < ntables; t++) {
        const rnn_kernels *k = tables[t];
        fill_bits(Ct, M * ldc, 0x7fc00bad);
        for (size_t i = 0; i < M; i++)
            fill_bits(Ct + i * ldc + N, ldc - N, guard_bits);
        k->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, Ct, ldc);
        CHECK(guard_ok(M, N, ldc, Ct), "%s %s: wrote past column N", k->name, what);
        if (exact(k, 1)) {
            same_as_generic(k, what, M, N, Ct, Cg, ldc, 1);
        } else if (kind != NONFINITE) {
            gemm_bound(trans_a, M, N, K, A, lda, B, ldb, Ct, ldc, what);
        }
    }
    cases_gemm++;
    free(A), free(B), free(Cg), free(Ct);
}

static void test_gemm(void)
{
    static const size_t Ns[] = {1, 7, 17, 32, 33, 100, 513, 600};
    static const size_t Ks[] = {0, 1, 2, 3, 64, 127, 128, 129, 300, 513, 1100};
    const size_t nn = sizeof Ns / sizeof *Ns, nk = sizeof Ks / sizeof *Ks;
    for (int trans_a = 0; trans_a < 2; trans_a++) {
        for (size_t M = 1; M <= 40; M++)
            for (size_t v = 0; v < 3; v++) {
                const size_t s = M * 5 + v * 7 + (size_t)trans_a;
                gemm_case(trans_a, M, Ns[s % nn], Ks[(s / 2 + v) % nk],
                          (int)((M + v + (size_t)trans_a) % KINDS));
            }
        static const size_t Ms[] = {64, 95, 96, 97, 130, 200};
        for (size_t i = 0; i < sizeof Ms / sizeof *Ms; i++)
            for (size_t v = 0; v < 3; v++)
                gemm_case(trans_a, Ms[i], Ns[(i + 3 * v + 2) % nn], Ks[(i * 3 + v * 4 + 3) % nk],
                          (int)((i + v) % KINDS));
        gemm_case(trans_a, 0, 5, 3, NEAR_ONE);
        gemm_case(trans_a, 5, 0, 3, NEAR_ONE);
        gemm_case(trans_a, 9, 40, 0, NEAR_ONE);
    }
}

/* ---- 2b. the weight gradients at the denormal threshold ----
 * A table may run bf16_gemm on a bf16 dot-product instruction only where
 * that cannot differ from the fmaf chain: the instruction flushes a tiny
 * step and reads denormals as zero (avx512's gemm_bf16_grad_avx512.c: every
 * nonzero element of op(A) with exponent field >= ea, of B >= eb, ea + eb
 * >= 142). Here op(A) has every nonzero exponent field ea and B eb, and
 * C[i0][j0] = (129*129 - 128*130) units = one unit of 2^(ea+eb-268): the
 * normal 2^-126 at ea + eb = 142, the denormal 2^-127 at 141, which the
 * instruction would flush to zero. Each table must give generic's bits
 * (and generic that value) for sums 139..144, at shapes past the K blocks
 * and column chunks. A threshold one too low fails the sum 141 cases. */
static float with_exp(unsigned field, unsigned sig8, int negative)
{
    /* sig8 in [128, 255]: the bf16 significand with its leading bit */
    return bf((negative ? 0x80000000u : 0u) | field << 23 | (sig8 - 128u) << 16);
}

static void threshold_case(size_t M, size_t N, size_t K, unsigned ea, unsigned eb)
{
    const size_t lda = M + 1, ldb = N + 2, ldc = N + 3, i0 = M / 2, j0 = N - 1;
    float *A = xmalloc(K * lda * sizeof *A), *B = xmalloc(K * ldb * sizeof *B);
    float *Cg = xmalloc(M * ldc * sizeof *Cg), *Ct = xmalloc(M * ldc * sizeof *Ct);
    for (size_t i = 0; i < K * lda; i++)
        A[i] = with_exp(ea, 128u + (unsigned)(rnd() % 128), (int)(rnd() & 1));
    for (size_t i = 0; i < K * ldb; i++)
        B[i] = with_exp(eb, 128u + (unsigned)(rnd() % 128), (int)(rnd() & 1));
    for (size_t k = 2; k < K; k++)
        A[k * lda + i0] = 0.0f; /* op(A)'s row i0 is zero past k = 1 */
    A[i0] = with_exp(ea, 129, 0), A[lda + i0] = with_exp(ea, 128, 0);
    B[j0] = with_exp(eb, 129, 0), B[ldb + j0] = with_exp(eb, 130, 1);
    const float want = ldexpf(1.0f, (int)(ea + eb) - 268);
    char what[128];
    snprintf(what, sizeof what, "bf16_gemm at the threshold: exponents %u + %u, M=%zu N=%zu K=%zu",
             ea, eb, M, N, K);
    fill_bits(Cg, M * ldc, 0x7fc00bad);
    generic->bf16_gemm(1, M, N, K, A, lda, B, ldb, Cg, ldc);
    CHECK(fb(Cg[i0 * ldc + j0]) == fb(want), "generic %s: C[%zu][%zu] is %08x, not %08x", what,
          i0, j0, fb(Cg[i0 * ldc + j0]), fb(want));
    for (int t = 0; t < ntables; t++) {
        const rnn_kernels *k = tables[t];
        if (!exact(k, 1))
            continue;
        fill_bits(Ct, M * ldc, 0x7fc00bad);
        k->bf16_gemm(1, M, N, K, A, lda, B, ldb, Ct, ldc);
        same_as_generic(k, what, M, N, Ct, Cg, ldc, 0);
    }
    cases_gemm++;
    free(A), free(B), free(Cg), free(Ct);
}

static void test_gemm_threshold(void)
{
    /* ea below, near and above eb: a table that read one side twice fails */
    static const size_t shapes[][3] = {{13, 40, 2}, {30, 33, 301}, {25, 530, 7}};
    static const int skew[] = {0, -6, 6};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (unsigned sum = 139; sum <= 144; sum++) {
            const unsigned ea = (unsigned)((int)sum / 2 + skew[s]), eb = sum - ea;
            threshold_case(shapes[s][0], shapes[s][1], shapes[s][2], ea, eb);
        }
}

/* ---- 4. the refusal ---- */
static void test_refusal(void)
{
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = *t;
        if (!k->bf16_gemm_packed_nt || !k->bf16_feature)
            continue;
        const char *why = NULL;
        const int table_ok = rnn_isa_check(k->isa, &why) == RNN_OK;
        setenv("RNNSIMD_CPU_MASK", k->bf16_feature, 1);
        CHECK(!rnn_cpu_feature_usable(k->bf16_feature),
              "RNNSIMD_CPU_MASK=%s: table %s's bf16 feature still reads as usable",
              k->bf16_feature, k->name);
        const char *why2 = NULL;
        CHECK(rnn_isa_check(k->isa, &why2) == (table_ok ? RNN_OK : RNN_ERR_ISA_UNSUPPORTED),
              "RNNSIMD_CPU_MASK=%s changed whether table %s itself runs", k->bf16_feature,
              k->name);
        printf("RNNSIMD_CPU_MASK=%s: table %s runs%s, its bf16 products refused\n",
               k->bf16_feature, k->name, table_ok ? "" : " (not on this CPU anyway)");
        setenv("RNNSIMD_CPU_MASK", k->name, 1);
        CHECK(rnn_isa_check(k->isa, &why2) == RNN_ERR_ISA_UNSUPPORTED && why2,
              "RNNSIMD_CPU_MASK=%s: table %s not refused", k->name, k->name);
        unsetenv("RNNSIMD_CPU_MASK");
    }
}

int main(void)
{
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = *t;
        if (k->isa == RNN_ISA_GENERIC) {
            generic = k;
            continue;
        }
        const char *why = NULL;
        if (!k->bf16_gemm_packed_nt || !k->bf16_gemm) {
            printf("table %s: no bf16 products\n", k->name);
        } else if (rnn_isa_check(k->isa, &why) != RNN_OK) {
            printf("skipped: table %s (%s)\n", k->name, why ? why : "?");
        } else if (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature)) {
            printf("skipped: table %s's bf16 products (%s not usable here)\n", k->name,
                   k->bf16_feature);
        } else if (ntables < (int)(sizeof tables / sizeof *tables)) {
            tables[ntables++] = k;
            printf("table %s: against generic\n", k->name);
        }
    }
    CHECK(generic && generic->bf16_gemm_packed_nt && generic->bf16_gemm,
          "no generic table with bf16 products");
    if (!generic || !generic->bf16_gemm_packed_nt || !generic->bf16_gemm)
        return check_summary();
    test_packed();
    test_gemm();
    test_gemm_threshold();
    test_packed_edge_upper(); /* last: the cases above keep their random values */
    printf("%ld packed products, %ld weight-gradient GEMMs, each on %d table(s) against "
           "generic (outputs inf or NaN: %zu and %zu)\n",
           cases_packed, cases_gemm, ntables, nonfinite_out[0], nonfinite_out[1]);
    test_refusal();
    return check_summary();
}
