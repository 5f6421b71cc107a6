/* test_bf16.c — the bf16 foundation (kernels/bf16.h):
 *   1. float <-> bf16: exact values, ties to even, NaN, inf, the largest
 *      values rounding to inf, denormals, every bf16 round-tripping;
 *   2. one vdpbf16ps lane: witnesses, each telling the measured behaviour
 *      from a plausible other one (one rounding for the pair instead of
 *      two, the even element first, a rounded product, no DAZ, no FTZ on
 *      the intermediate, tininess before rounding, the flushed zero's
 *      sign, NaN priority); the emulation must give each expected value
 *      everywhere, the instruction too where the CPU has it;
 *   3. random lanes (any bits, exponents at the edges, ties, cancellation):
 *      the instruction == the emulation, bit for bit, NaNs included;
 *   4. the GEMV: avx512 == generic bit for bit over shapes around the
 *      panels (N not a multiple of 32, odd K, K = 1) with and without
 *      bias and beta, values near 1, spread over 2^+-50, or tiny enough
 *      that steps flush; both within the float32 accumulation bound of a
 *      double dot product of the same bf16 operands;
 *   5. RNNSIMD_CPU_MASK hiding avx512bf16 (or avx512): a refusal, C not
 *      written, no instruction executed; the reason blames the mask where
 *      the CPU has avx512bf16.
 * Where the CPU lacks AVX512-BF16 the checks of the instruction are
 * skipped and the output says so. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "bf16.h"
#include "kernels.h"
#include "rnnsimd_reference.h"

static uint32_t fb(float f) { return rnn_bf16_fbits(f); }
static float bf(uint32_t u) { return rnn_bf16_bitsf(u); }
static int is_nan32(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }

static int have_hw;

/* ---- 1. conversions ---- */
static void test_conversion(void)
{
    static const struct {
        uint32_t in;
        rnn_bf16 want;
        const char *what;
    } cases[] = {
        {0x3f800000u, 0x3f80, "1 exact"},
        {0xc0200000u, 0xc020, "-2.5 exact"},
        {0x00000000u, 0x0000, "+0"},
        {0x80000000u, 0x8000, "-0"},
        {0x3f808000u, 0x3f80, "1 + 2^-8: tie, down to even"},
        {0x3f818000u, 0x3f82, "1 + 3*2^-8: tie, up to even"},
        {0xbf818000u, 0xbf82, "negative tie, away to even"},
        {0x3f808001u, 0x3f81, "just above a tie"},
        {0x3f807fffu, 0x3f80, "just below a tie"},
        {0x7f800000u, 0x7f80, "+inf"},
        {0xff800000u, 0xff80, "-inf"},
        {0x7f7fffffu, 0x7f80, "FLT_MAX rounds to +inf"},
        {0xff7fffffu, 0xff80, "-FLT_MAX rounds to -inf"},
        {0x7f7f8000u, 0x7f80, "max bf16 + half ulp: tie, to the even inf"},
        {0x7f7f7fffu, 0x7f7f, "just below: max bf16"},
        {0x7f7e8000u, 0x7f7e, "tie below max, down to even"},
        {0x00000001u, 0x0000, "smallest denormal to +0"},
        {0x00008000u, 0x0000, "denormal tie, down to even 0"},
        {0x00018000u, 0x0002, "denormal tie, up to even"},
        {0x80010000u, 0x8001, "negative denormal, exact (not flushed)"},
        {0x007fffffu, 0x0080, "largest denormal rounds up to the smallest normal"},
        {0x7fc00000u, 0x7fc0, "quiet NaN"},
        {0x7fa12345u, 0x7fe1, "signalling NaN: quieted, payload top kept"},
        {0xff812345u, 0xffc1, "negative signalling NaN: sign kept"},
        {0x7f800001u, 0x7fc0, "NaN whose payload is all in the low half stays NaN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const rnn_bf16 got = rnn_bf16_from_float(bf(cases[i].in));
        CHECK(got == cases[i].want, "bf16(%08x) (%s) = %04x, want %04x", cases[i].in,
              cases[i].what, got, cases[i].want);
    }
    size_t bad = 0;
    for (uint32_t u = 0; u < 0x10000u; u++) {
        const rnn_bf16 x = (rnn_bf16)u;
        if (is_nan32((uint32_t)x << 16))
            continue;
        if (rnn_bf16_from_float(rnn_bf16_to_float(x)) != x ||
            fb(rnn_bf16_to_float(x)) != (uint32_t)x << 16)
            bad++;
    }
    CHECK(bad == 0, "%zu bf16 values do not survive bf16 -> float -> bf16", bad);
}

/* ---- the instruction, one lane at a time, through the GEMV: N lanes =
 * columns, K = 2 (one pair word), acc as the bias, beta 0. */
static void hw_lanes(size_t n, const float *acc, const rnn_bf16x2 *a, rnn_bf16x2 b, float *out)
{
    const size_t words = rnn_bf16_packed_size(n, 2);
    rnn_bf16x2 *packed = calloc(words, sizeof *packed);
    if (!packed)
        exit(1);
    memcpy(packed, a, n * sizeof *a); /* K2 = 1: column c's pair at c */
    const rnn_status s = rnn_bf16_gemv_avx512(n, 2, &b, packed, acc, 0.0f, out);
    if (s != RNN_OK)
        CHECK(0, "rnn_bf16_gemv_avx512 refused: status %d", (int)s);
    free(packed);
}

/* ---- 2. witnesses ---- */
static void test_witnesses(void)
{
    /* 2^-24 as a product: 2^-12 * 2^-12 */
    static const struct {
        uint32_t acc;
        rnn_bf16 a_hi, a_lo, b_hi, b_lo; /* hi: element k, added first */
        uint32_t want;
        const char *what;
    } w[] = {
        {0x3f800000u, 0x3980, 0x3980, 0x3980, 0x3980, 0x3f800000u,
         "1 + 2^-24 + 2^-24: two roundings give 1 (one rounding: 1+2^-23)"},
        {0x3f800000u, 0x3980, 0x3a00, 0x3980, 0x3980, 0x3f800001u,
         "1 + 2^-24 (hi) + 2^-23 (lo): hi first gives 1+2^-23 (lo first: 1+2^-22)"},
        {0xff000000u, 0x5f80, 0x0000, 0x5f80, 0x0000, 0x7f000000u,
         "-2^127 + 2^64*2^64: the product is exact (rounded: inf)"},
        {0x00000000u, 0x0001, 0x0000, 0x7180, 0x0000, 0x00000000u,
         "denormal bf16 * 2^100: DAZ reads it as 0 (else 2^-33)"},
        {0x00080000u, 0x2000, 0x0000, 0x2000, 0x0000, 0x00800000u,
         "denormal acc 2^-130 + 2^-126: DAZ (else 1.0625*2^-126)"},
        {0x00000000u, 0x1c80, 0x0000, 0x1c80, 0x0000, 0x00000000u,
         "0 + 2^-70*2^-70: the denormal result flushes"},
        {0x00000000u, 0x1c80, 0x2000, 0x1c80, 0x2000, 0x00800000u,
         "0 + 2^-140 + 2^-126: the first step flushes too (else 2^-126+2^-140)"},
        {0x00800000u, 0x9a00, 0x0000, 0x1a00, 0x0000, 0x00000000u,
         "2^-126 - 2^-150: tiny after rounding to 24 bits, flushed (denormal grid: 2^-126)"},
        {0x00800000u, 0x9980, 0x0000, 0x1a00, 0x0000, 0x00800000u,
         "2^-126 - 2^-151: the tie rounds to 2^-126, not tiny"},
        {0x80000000u, 0x9c80, 0x8000, 0x1c80, 0x3f80, 0x80000000u,
         "-0 + (-2^-140 flushed) + (-0): the flush keeps the sign"},
        {0x7f7fffffu, 0x5980, 0x0000, 0x5900, 0x0000, 0x7f800000u,
         "FLT_MAX + 2^103: the tie rounds to inf"},
        {0x3f800000u, 0x7fa1, 0x3f80, 0x3f80, 0x7fb2, 0x7ff20000u,
         "NaN in a.hi and b.lo: b.lo wins, quieted"},
        {0x3f800000u, 0x3f80, 0x7fa1, 0x7fb2, 0x3f80, 0x7fe10000u,
         "NaN in a.lo and b.hi: a.lo wins"},
        {0x7fa00001u, 0xffa1, 0x3f80, 0x3f80, 0x3f80, 0xffe10000u,
         "NaN acc and a.hi: the input wins over acc"},
        {0x7fa00001u, 0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x7fe00001u,
         "NaN acc alone: quieted, payload kept"},
        {0x3f800000u, 0x7f80, 0x0000, 0x0000, 0x0000, 0xffc00000u,
         "inf*0: the default NaN"},
    };
    const size_t n = sizeof w / sizeof *w;
    float acc[sizeof w / sizeof *w], out[sizeof w / sizeof *w];
    for (size_t i = 0; i < n; i++) {
        const rnn_bf16x2 a = rnn_bf16_pair(w[i].a_hi, w[i].a_lo);
        const rnn_bf16x2 b = rnn_bf16_pair(w[i].b_hi, w[i].b_lo);
        const uint32_t got = fb(rnn_bf16_dot_lane(bf(w[i].acc), a, b));
        CHECK(got == w[i].want, "emulation: %s: %08x, want %08x", w[i].what, got, w[i].want);
        acc[i] = bf(w[i].acc);
        if (have_hw) {
            hw_lanes(1, acc + i, &a, b, out + i);
            CHECK(fb(out[i]) == w[i].want, "vdpbf16ps: %s: %08x, want %08x", w[i].what,
                  fb(out[i]), w[i].want);
        }
    }
}

/* ---- 3. random lanes ---- */
static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
    return rs;
}

/* A bf16 of one of four kinds: any bits; any exponent; near 1 with few
 * significant bits (many ties); an exponent at an edge (0, denormal-making
 * products, overflow-making products, inf/NaN). */
static rnn_bf16 rand16(int kind)
{
    static const uint32_t edge[] = {0,  1,  2,   60,  61,  62,  63,  64,  65,  66,  70, 75,
                                    76, 100, 127, 150, 190, 191, 192, 193, 253, 254, 255};
    const uint32_t sign = (uint32_t)(rnd() & 1) << 15;
    uint32_t e, m;
    switch (kind) {
    case 0: return (rnn_bf16)rnd();
    case 1: e = (uint32_t)(rnd() % 256), m = (uint32_t)rnd() & 0x7f; break;
    case 2: e = 119 + (uint32_t)(rnd() % 16), m = (uint32_t)rnd() & (rnd() & 1 ? 0x7f : 0x03); break;
    default:
        e = edge[rnd() % (sizeof edge / sizeof *edge)];
        m = (rnd() & 3) == 0 ? 0 : (uint32_t)rnd() & 0x7f;
    }
    return (rnn_bf16)(sign | e << 7 | m);
}

static uint32_t rand32(int kind)
{
    static const uint32_t edge[] = {0, 1, 2, 3, 126, 127, 128, 200, 252, 253, 254, 255};
    const uint32_t sign = (uint32_t)(rnd() & 1) << 31;
    uint32_t e, m;
    switch (kind) {
    case 0: return (uint32_t)rnd();
    case 1: e = (uint32_t)(rnd() % 256), m = (uint32_t)rnd() & 0x7fffff; break;
    case 2: e = 119 + (uint32_t)(rnd() % 16), m = (uint32_t)rnd() & (rnd() & 1 ? 0x7fffff : 7); break;
    default:
        e = edge[rnd() % (sizeof edge / sizeof *edge)];
        m = (rnd() & 3) == 0 ? 0 : (uint32_t)rnd() & 0x7fffff;
    }
    return sign | e << 23 | m;
}

static void test_random_lanes(void)
{
    if (!have_hw) {
        printf("skipped: random lanes against vdpbf16ps (no usable avx512bf16 here)\n");
        return;
    }
    enum { LANES = 128, CALLS = 20000 };
    float acc[LANES], out[LANES];
    rnn_bf16x2 a[LANES];
    size_t bad = 0, total = 0;
    for (int it = 0; it < CALLS; it++) {
        const int kind = (int)(rnd() % 4);
        const rnn_bf16x2 b = rnn_bf16_pair(rand16(kind), rand16(kind));
        for (size_t i = 0; i < LANES; i++) {
            a[i] = rnn_bf16_pair(rand16(kind), rand16(kind));
            acc[i] = bf(rand32(kind));
            if (kind == 2 && (rnd() & 1)) /* cancel the first product, give or take */
                acc[i] = bf(fb(-(bf(a[i] & 0xffff0000u) * bf(b & 0xffff0000u))) ^
                            ((uint32_t)rnd() & 7));
        }
        hw_lanes(LANES, acc, a, b, out);
        for (size_t i = 0; i < LANES; i++, total++) {
            const uint32_t want = fb(rnn_bf16_dot_lane(acc[i], a[i], b));
            if (fb(out[i]) != want && bad++ < 5)
                printf("  lane differs: acc=%08x a=%08x b=%08x: vdpbf16ps %08x, emulation %08x\n",
                       fb(acc[i]), a[i], b, fb(out[i]), want);
        }
    }
    CHECK(bad == 0, "%zu of %zu random lanes differ between vdpbf16ps and the emulation", bad,
          total);
}

/* ---- 4. the GEMV ---- */
static uint64_t stream;
static float *floats(size_t n, int wide)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        exit(1);
    rnn_fill_uniform(p, n, 7, ++stream, -1.0f, 1.0f);
    if (wide == 1) /* magnitudes 2^-50..2^50: products from 2^-100 to 2^100 */
        for (size_t i = 0; i < n; i++)
            p[i] = ldexpf(p[i], (int)(rnd() % 101) - 50);
    if (wide == 2) /* 2^-76..2^-50: products and sums near 2^-126, many flushed */
        for (size_t i = 0; i < n; i++)
            p[i] = ldexpf(p[i], (int)(rnd() % 27) - 76);
    return p;
}

/* The bf16 value the instruction reads (DAZ). */
static double operand(rnn_bf16 x)
{
    return (double)rnn_bf16_daz((uint32_t)x << 16);
}

/* One shape: generic and avx512 against each other and the bound.
 *
 * The bound. Column n's chain is recursive summation of the initial value
 * t_0 and the 2*ceil(K/2) exact products t_i (a padded k adds +0), each
 * step one rounding to nearest: |fl(s) - s| <= u|s|, u = 2^-24, for a
 * result in the normal range. The standard bound for m such roundings is
 *   |computed - exact| <= gamma_m * sum |t_i|,  gamma_m = m u / (1 - m u),
 * with m = 2*ceil(K/2), plus 1 when the initial value C + bias is itself
 * rounded. A step that flushes a tiny result (FTZ) errs by less than
 * 2^-126 instead, so m * 2^-126 is added. The exact value is computed in
 * double from the same operands (bf16 weights and inputs as the
 * instruction reads them, the float initial value): its own error,
 * (K + 1) * 2^-53 * sum|t_i| at most, is far below the bound. */
static void gemv_case(size_t N, size_t K, int use_bias, float beta, int wide)
{
    float *W = floats(N * K, wide), *x = floats(K, wide), *bias = floats(N, wide);
    float *C0 = floats(N, wide), *Cg = malloc((N ? N : 1) * sizeof *Cg),
          *Ch = malloc((N ? N : 1) * sizeof *Ch);
    rnn_bf16x2 *packed = malloc(rnn_bf16_packed_size(N, K) * sizeof *packed + 4);
    rnn_bf16x2 *x2 = malloc(((K + 1) / 2 + 1) * sizeof *x2);
    if (!Cg || !Ch || !packed || !x2)
        exit(1);
    memcpy(Cg, C0, N * sizeof *Cg);
    memcpy(Ch, C0, N * sizeof *Ch);
    rnn_bf16_pack(N, K, W, K, packed);
    rnn_bf16_pairs(K, x, x2);
    const float *b = use_bias ? bias : NULL;
    rnn_bf16_gemv_generic(N, K, x2, packed, b, beta, Cg);
    if (have_hw) {
        const rnn_status s = rnn_bf16_gemv_avx512(N, K, x2, packed, b, beta, Ch);
        CHECK(s == RNN_OK, "avx512 refused N=%zu K=%zu", N, K);
        size_t bad = 0, first = 0;
        for (size_t n = 0; n < N; n++)
            if (fb(Cg[n]) != fb(Ch[n]) && !bad++)
                first = n;
        CHECK(!bad, "N=%zu K=%zu bias=%d beta=%g wide=%d: %zu outputs differ, first C[%zu]: "
                    "avx512 %a, generic %a",
              N, K, use_bias, beta, wide, bad, first, bad ? Ch[first] : 0.0f,
              bad ? Cg[first] : 0.0f);
    }
    const size_t m = 2 * ((K + 1) / 2) + (beta != 0.0f && use_bias);
    const double u = 0x1p-24, gamma = m * u / (1.0 - m * u);
    size_t over = 0, worst = 0;
    double worst_ratio = 0.0;
    for (size_t n = 0; n < N; n++) {
        const double init = beta != 0.0f ? (use_bias ? (double)(C0[n] + bias[n]) : C0[n])
                                         : (use_bias ? bias[n] : 0.0);
        double s = init, abs_sum = fabs(init);
        for (size_t k = 0; k < K; k++) {
            const double t = operand(rnn_bf16_from_float(W[n * K + k])) *
                             operand(rnn_bf16_from_float(x[k]));
            s += t, abs_sum += fabs(t);
        }
        const double bound = gamma * abs_sum + (double)m * 0x1p-126;
        const double err = fabs((double)Cg[n] - s);
        if (err > bound)
            over++;
        if (bound > 0 && err / bound > worst_ratio)
            worst_ratio = err / bound, worst = n;
    }
    CHECK(!over, "N=%zu K=%zu bias=%d beta=%g wide=%d: %zu outputs past the float32 "
                 "accumulation bound, worst C[%zu] at %.3g x the bound",
          N, K, use_bias, beta, wide, over, worst, worst_ratio);
    free(W), free(x), free(bias), free(C0), free(Cg), free(Ch), free(packed), free(x2);
}

static void test_gemv(void)
{
    static const size_t Ns[] = {1, 5, 16, 31, 32, 33, 64, 100, 127, 128, 129, 160, 257};
    static const size_t Ks[] = {1, 2, 3, 7, 16, 33, 64, 255, 256, 513};
    if (!have_hw)
        printf("skipped: avx512 GEMV == generic (no usable avx512bf16 here); bounds only\n");
    for (size_t i = 0; i < sizeof Ns / sizeof *Ns; i++)
        for (size_t j = 0; j < sizeof Ks / sizeof *Ks; j++) {
            const int variant = (int)((i + j) % 4);
            gemv_case(Ns[i], Ks[j], variant & 1, variant & 2 ? 1.0f : 0.0f, 0);
            gemv_case(Ns[i], Ks[j], 1, (i & 1) ? 1.0f : 0.0f, 1);
            gemv_case(Ns[i], Ks[j], (j & 1), (i & 1) ? 0.0f : 1.0f, 2);
        }
    gemv_case(0, 5, 1, 0.0f, 0);
    gemv_case(7, 0, 1, 1.0f, 0); /* K = 0: the initial value */
}

/* ---- 5. the refusal ---- */
static void test_refusal(void)
{
    static const char *const masks[] = {"avx512bf16", "avx512"};
    float C[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    rnn_bf16x2 packed[32] = {0}, x2 = 0;
    for (size_t i = 0; i < 2; i++) {
        setenv("RNNSIMD_CPU_MASK", masks[i], 1);
        const char *why = NULL;
        const rnn_status c = rnn_bf16_avx512_check(&why);
        const rnn_status s = rnn_bf16_gemv_avx512(4, 2, &x2, packed, NULL, 0.0f, C);
        CHECK(c == RNN_ERR_ISA_UNSUPPORTED && why && *why,
              "RNNSIMD_CPU_MASK=%s: check gave %d (%s), want a refusal with a reason", masks[i],
              (int)c, why ? why : "no reason");
        CHECK(s == RNN_ERR_ISA_UNSUPPORTED && C[0] == 1.0f && C[3] == 4.0f,
              "RNNSIMD_CPU_MASK=%s: the GEMV gave %d and wrote C", masks[i], (int)s);
        if (why)
            printf("RNNSIMD_CPU_MASK=%s: refused: %s\n", masks[i], why);
        /* Hiding avx512bf16 from an AVX-512 CPU: the reason blames the mask
         * exactly where the CPU has the feature (read off the list). */
        if (i == 0 && rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK) {
            int has = 0, present = 0;
            const char *f;
            for (size_t j = 0; (f = rnn_cpu_feature(j, &present)); j++)
                has |= strcmp(f, "avx512bf16") == 0 && present;
            CHECK(why && !strstr(why, "hidden by RNNSIMD_CPU_MASK") == !has,
                  "RNNSIMD_CPU_MASK=avx512bf16 on a CPU %s it: %s", has ? "with" : "without",
                  why ? why : "no reason");
        }
    }
    unsetenv("RNNSIMD_CPU_MASK");
}

int main(void)
{
    const char *why = NULL;
    have_hw = rnn_bf16_avx512_check(&why) == RNN_OK;
    if (!have_hw)
        printf("skipped: every check of vdpbf16ps itself (%s)\n", why ? why : "?");
    test_conversion();
    test_witnesses();
    test_random_lanes();
    test_gemv();
    test_refusal();
    return check_summary();
}
