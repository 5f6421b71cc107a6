/* test_bf16_neon.c — the neon table's bf16 products (kernels/neon/) and the
 * bf16 CPU feature they need:
 *   1. the feature: "bf16" is one of isas.inc's aarch64 features, read
 *      from AT_HWCAP2; RNNSIMD_CPU_MASK=bf16 hides it (the neon table still
 *      runs); the neon table names it as its bf16_feature;
 *   2. what one BFDOT lane computes, through the packed product: witnesses,
 *      each telling Arm's BFDotAdd with FPCR.EBF = 0 (the pair's sum rounded
 *      once, then the addition to the accumulator; round to odd; denormal
 *      inputs read as zero; tiny results flushed; overflow to inf; default
 *      NaN; FPCR's rounding mode ignored) from a plausible other reading;
 *      and random lanes (any bits, exponents at the edges, ties, inf, NaN)
 *      bit for bit against a C transcription of BFDotAdd;
 *   3. bf16_gemm_packed_nt against a double dot product of the same bf16
 *      operands, within the bound BFDOT's rounding gives (below), over M
 *      1..40, N around the 32-column panels, K 0, 1, odd, even and past the
 *      K block, beta 0 and 1, bias or NULL, strides, NaN in C at beta 0;
 *      and its bits independent of M and of where a caller's panels start;
 *   4. bf16_gemm == generic's bit for bit (trans_a 0 and 1, K past the
 *      block, ties, denormals, inf and NaN).
 * What was measured is qemu's BFDOT (user mode, its default CPU), not a
 * hardware one. On a build that is not aarch64 only the portable checks of
 * 1 run; on a CPU without bf16 the BFDOT checks are skipped; both say so.
 *
 * The bound of 3 (u = 2^-23: round to odd moves a value by less than one
 * ulp, 2^-23 of it; n = ceil(K/2) pairs): a pair word's product pair
 * p_j = w_k x_k + w_k+1 x_k+1 is rounded once, then each addition to the
 * accumulator once, so p_j passes through at most n + 1 roundings and the
 * initial value through n:
 *   |C - exact| <= gamma(n + 1) (|init| + sum_k |w_k x_k|)
 *                  + (4n + 1)(1 + gamma(n + 1)) 2^-126,
 * gamma(m) = m u / (1 - m u); the second term covers the flushes (each
 * product, pair sum and accumulation once, the initial value once), each
 * moving a value by less than 2^-126. A product with a denormal bf16
 * operand is dropped whole (DAZ): the data here have none. */
#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "bf16.h"
#include "kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#endif

static int skipped;

/* ---- 1. the feature ---- */
static void test_feature(void)
{
    setenv("RNNSIMD_CPU_MASK", "bf16", 1);
    CHECK(rnn_isa_check(RNN_ISA_GENERIC, NULL) == RNN_OK,
          "RNNSIMD_CPU_MASK=bf16 is a known name on every build");
    CHECK(!rnn_cpu_feature_usable("bf16"), "RNNSIMD_CPU_MASK=bf16 hides bf16");
    unsetenv("RNNSIMD_CPU_MASK");
    const char *name;
    int present = 0, listed = 0;
    for (size_t i = 0; (name = rnn_cpu_feature(i, &present)); i++)
        if (strcmp(name, "bf16") == 0) {
            listed = 1;
            break;
        }
#if defined(__aarch64__)
    const int hw = (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0;
    CHECK(listed && present == hw, "bf16 is an aarch64 feature, present as AT_HWCAP2 says (%d)",
          hw);
    CHECK(rnn_cpu_feature_usable("bf16") == hw, "bf16 usable as AT_HWCAP2 says");
    const rnn_kernels *k = NULL;
    CHECK(rnn_kernels_get(RNN_ISA_NEON, &k, NULL) == RNN_OK && k && k->bf16_feature &&
              strcmp(k->bf16_feature, "bf16") == 0 && k->bf16_gemm_packed_nt && k->bf16_gemm,
          "the neon table has both bf16 entries and names bf16 as their feature");
    setenv("RNNSIMD_CPU_MASK", "bf16", 1);
    CHECK(rnn_isa_check(RNN_ISA_NEON, NULL) == RNN_OK, "RNNSIMD_CPU_MASK=bf16 leaves neon");
    CHECK(!rnn_cpu_feature_usable("bf16"), "RNNSIMD_CPU_MASK=bf16 hides bf16 on aarch64");
    setenv("RNNSIMD_CPU_MASK", "asimd,bf16", 1);
    CHECK(!rnn_cpu_feature_usable("bf16") && rnn_isa_check(RNN_ISA_NEON, NULL) != RNN_OK,
          "RNNSIMD_CPU_MASK=asimd,bf16 hides both");
    unsetenv("RNNSIMD_CPU_MASK");
    printf("bf16: %s\n", hw ? "present (AT_HWCAP2)" : "absent (AT_HWCAP2)");
#else
    CHECK(!listed && !rnn_cpu_feature_usable("bf16"), "bf16 is no feature of this build");
#endif
}

#if defined(__aarch64__)
static const rnn_kernels *neon, *generic;

static uint32_t fb(float f) { return rnn_bf16_fbits(f); }
static float bf(uint32_t u) { return rnn_bf16_bitsf(u); }

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
    return rs;
}

/* Uniform in [-1, 1). */
static float urand(void) { return (float)((double)(rnd() >> 11) * 0x1p-52 - 1.0); }

/* ---- 2. witnesses ----
 * One output of the packed product at K = 2: init (the bias, beta 0) +
 * (w0 x0 + w1 x1). Every operand is exact in bf16. */
static uint32_t lane(uint32_t init, float w0, float w1, float x0, float x1)
{
    const float W[2] = {w0, w1}, x[2] = {x0, x1}, bias = bf(init);
    rnn_bf16x2 packed[RNN_BF16_NR];
    rnn_bf16_pack(1, 2, W, 2, packed);
    float C = 0.0f;
    neon->bf16_gemm_packed_nt(1, 1, 2, x, 2, packed, &bias, 0.0f, &C, 1);
    return fb(C);
}

static uint32_t bf_dot(uint32_t acc, rnn_bf16x2 w, rnn_bf16x2 x); /* 2b */

static void test_witnesses(void)
{
    static const struct {
        uint32_t init;
        float w0, w1, x0, x1;
        uint32_t want;
        const char *what;
    } w[] = {
        {0x00000000u, 1.0f, 2.0f, 3.0f, 5.0f, 0x41500000u,
         "0 + 1*3 + 2*5 = 13: w_k meets x_k (crossed: 11)"},
        {0x3f800000u, 0x1p-25f, 0.0f, 1.0f, 0.0f, 0x3f800001u,
         "1 + 2^-25: round to odd gives 1+2^-23 (nearest even and toward zero: 1)"},
        {0x3f800000u, 0x7p-25f, 0.0f, 1.0f, 0.0f, 0x3f800001u,
         "1 + 1.75 ulp: round to odd gives 1+2^-23 (nearest even: 1+2^-22)"},
        {0xbf800000u, 1.0f, 0x1p-30f, 1.0f, 1.0f, 0x34000000u,
         "-1 + (1 + 2^-30): the pair's sum rounded (to odd: 1+2^-23), then added: 2^-23 "
         "(one rounding of all three: 2^-30; pair to nearest: 0; vdpbf16ps: 0 or 2^-30)"},
        {0xbf800000u, 0x1p-30f, 1.0f, 1.0f, 1.0f, 0x34000000u,
         "the same with the pair's elements swapped: the pair's sum is symmetric"},
        {0x00000000u, 0x1p-65f, 0.0f, 0x1p-65f, 0.0f, 0x00000000u,
         "0 + 2^-65*2^-65: the tiny product flushes to +0 (IEEE: denormal 2^-130)"},
        {0x03800000u, 0x1p-65f, 0.0f, 0x1p-65f, 0.0f, 0x03800000u,
         "2^-120 + 2^-130: the tiny product flushes even when the sum is normal"},
        {0x00000000u, 0x1p100f, 0.0f, 0x1p-130f, 0.0f, 0x00000000u,
         "2^100 * (a denormal bf16 of A, kept by the rounding): read as zero (else 2^-30)"},
        {0x00200000u, 0.0f, 0.0f, 0.0f, 0.0f, 0x00000000u,
         "a denormal accumulator (2^-130) + 0: read as zero"},
        {0x00c00000u, 0x1p-63f, 0.0f, -0x1p-63f, 0.0f, 0x00000000u,
         "1.5*2^-126 - 2^-126 = 2^-127: the tiny result flushes (IEEE: denormal)"},
        {0x80c00000u, 0x1p-63f, 0.0f, 0x1p-63f, 0.0f, 0x80000000u,
         "-1.5*2^-126 + 2^-126: flushed to a zero of the result's sign, -0"},
        {0x00000000u, 0x1.8p127f, 0x1.8p127f, 1.0f, 1.0f, 0x7f800000u,
         "3*2^127 overflows to inf (round to odd proper: FLT_MAX)"},
        {0x3f800000u, 0.0f, 0.0f, 0.0f, 0.0f, 0x3f800000u,
         "1 + 0 + 0 = 1 exactly"},
    };
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        const uint32_t got = lane(w[i].init, w[i].w0, w[i].w1, w[i].x0, w[i].x1);
        CHECK(got == w[i].want, "BFDOT: %s: %08x, want %08x", w[i].what, got, w[i].want);
        const uint32_t t = bf_dot(w[i].init,
                                  rnn_bf16_pair(rnn_bf16_from_float(w[i].w0),
                                                rnn_bf16_from_float(w[i].w1)),
                                  rnn_bf16_pair(rnn_bf16_from_float(w[i].x0),
                                                rnn_bf16_from_float(w[i].x1)));
        CHECK(t == w[i].want, "transcription: %s: %08x, want %08x", w[i].what, t, w[i].want);
    }
    /* NaNs: the default NaN whatever the inputs' payloads and signs. */
    const float qnan = bf(0xffc10000u), inf = bf(0x7f800000u);
    uint32_t got = lane(0x00000000u, qnan, 0.0f, 1.0f, 0.0f);
    CHECK(got == 0x7fc00000u, "BFDOT: a NaN weight 0xffc1: the default NaN, %08x", got);
    got = lane(0x7fc12345u, 1.0f, 0.0f, 1.0f, 0.0f);
    CHECK(got == 0x7fc00000u, "BFDOT: a NaN accumulator 0x7fc12345: the default NaN, %08x",
          got);
    got = lane(0x00000000u, inf, 0.0f, 0.0f, 0.0f);
    CHECK(got == 0x7fc00000u, "BFDOT: inf*0: the default NaN 7fc00000 (vdpbf16ps: ffc00000), %08x",
          got);
    /* FPCR's rounding mode does not reach BFDOT. */
    const int mode = fegetround();
    if (fesetround(FE_DOWNWARD) == 0) {
        got = lane(0x3f800000u, 0x1p-25f, 0.0f, 1.0f, 0.0f);
        fesetround(mode);
        CHECK(got == 0x3f800001u,
              "BFDOT under FE_DOWNWARD: 1 + 2^-25 still rounds to odd, %08x (downward: 1)", got);
    }
}

/* ---- 2b. random lanes against a transcription of BFDotAdd ----
 * Arm ARM's BFDotAdd with FPCR.EBF = 0 in portable C (BFMul, BFAdd,
 * BFRound): values are unpacked with denormals as zeros; a product of two
 * bf16 is exact in double; a sum of two floats is exact as s + e (TwoSum in
 * double); BFRound of an exact value: a zero of its sign when its exponent is
 * below -126, inf at 2^128 or more, else truncated to 24 bits with the last
 * bit set when anything was lost (round to odd). */
#define DEFAULT_NAN 0x7fc00000u

static uint32_t bf_round(double s, double e)
{
    const uint32_t sign = s < 0 ? 0x80000000u : 0u;
    const double a = fabs(s), ea = s < 0 ? -e : e; /* the magnitude is a + ea */
    if (a < 0x1p-126 || (a == 0x1p-126 && ea < 0))
        return sign;
    if (a > 0x1p128 || (a == 0x1p128 && ea >= 0))
        return sign | 0x7f800000u;
    if (a == 0x1p128)
        return sign | 0x7f7fffffu; /* just below 2^128, inexact: already odd */
    uint64_t d;
    memcpy(&d, &a, sizeof d);
    d &= ~((UINT64_C(1) << 29) - 1); /* a truncated to 24 significant bits */
    double t;
    memcpy(&t, &d, sizeof t);
    uint32_t u = fb((float)t);
    if (a == t && ea < 0)
        u -= 1; /* the exact value lies just below t: the float below it */
    if (a != t || ea != 0)
        u |= 1;
    return sign | u;
}

/* Unpacks float bits: 0 zero, 1 finite, 2 inf, 3 NaN; *v the value (DAZ). */
static int bf_unpack(uint32_t u, double *v)
{
    const uint32_t e = u >> 23 & 0xff;
    *v = 0.0;
    if (e == 0)
        return 0;
    if (e == 0xff)
        return u & 0x7fffffu ? 3 : 2;
    *v = (double)bf(u);
    return 1;
}

static uint32_t bf_mul(uint32_t x, uint32_t y)
{
    double a, b;
    const int ta = bf_unpack(x, &a), tb = bf_unpack(y, &b);
    const uint32_t sign = (x ^ y) & 0x80000000u;
    if (ta == 3 || tb == 3 || (ta == 2 && tb == 0) || (ta == 0 && tb == 2))
        return DEFAULT_NAN;
    if (ta == 2 || tb == 2)
        return sign | 0x7f800000u;
    if (ta == 0 || tb == 0)
        return sign;
    return bf_round(a * b, 0.0);
}

static uint32_t bf_add(uint32_t x, uint32_t y)
{
    double a, b;
    const int ta = bf_unpack(x, &a), tb = bf_unpack(y, &b);
    const uint32_t sx = x & 0x80000000u, sy = y & 0x80000000u;
    if (ta == 3 || tb == 3 || (ta == 2 && tb == 2 && sx != sy))
        return DEFAULT_NAN;
    if (ta == 2)
        return sx | 0x7f800000u;
    if (tb == 2)
        return sy | 0x7f800000u;
    if (ta == 0 && tb == 0 && sx == sy)
        return sx;
    const double s = a + b, bb = s - a, e = (a - (s - bb)) + (b - bb);
    return s == 0.0 && e == 0.0 ? 0u : bf_round(s, e);
}

/* acc + (w.hi x.hi + w.lo x.lo): one BFDOT lane. */
static uint32_t bf_dot(uint32_t acc, rnn_bf16x2 w, rnn_bf16x2 x)
{
    return bf_add(acc, bf_add(bf_mul(w & 0xffff0000u, x & 0xffff0000u), bf_mul(w << 16, x << 16)));
}

/* A bf16 of one of four kinds: any bits; any exponent; near 1 with few
 * significant bits (ties, cancellation); an exponent at an edge (zero,
 * products that flush or overflow, inf and NaN). */
static uint32_t rand_bf16(int kind)
{
    static const uint32_t edge[] = {0, 1, 2, 60, 62, 63, 64, 65, 66, 70, 127, 190, 191, 192, 193, 254, 255};
    const uint32_t sign = (uint32_t)(rnd() & 1) << 15;
    uint32_t e, m;
    switch (kind) {
    case 0: return (uint32_t)(rnd() & 0xffff);
    case 1: e = (uint32_t)(rnd() % 256), m = (uint32_t)rnd() & 0x7f; break;
    case 2: e = 119 + (uint32_t)(rnd() % 16), m = (uint32_t)rnd() & (rnd() & 1 ? 0x7f : 0x03); break;
    default:
        e = edge[rnd() % (sizeof edge / sizeof *edge)];
        m = (rnd() & 3) == 0 ? 0 : (uint32_t)rnd() & 0x7f;
    }
    return sign | e << 7 | m;
}

static uint32_t rand_acc(int kind)
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

/* Lanes through the packed product at K = 2 (M = 1: the GEMV; M = 3: the
 * tile), the accumulator as the bias at beta 0: every output bit for bit
 * the transcription's. The witnesses (themselves checked against it) say
 * which readings this rules out. */
static void test_random_lanes(void)
{
    enum { CALLS = 6000, N = RNN_BF16_NR, MMAX = 3 };
    size_t lanes = 0, bad = 0;
    for (int call = 0; call < CALLS; call++) {
        const int kind = call % 4;
        const size_t M = call & 1 ? 3 : 1;
        float W[N * 2], A[MMAX * 2], bias[N], C[MMAX * N];
        rnn_bf16x2 packed[N], x2[MMAX];
        for (size_t n = 0; n < N; n++) {
            W[2 * n] = bf(rand_bf16(kind) << 16), W[2 * n + 1] = bf(rand_bf16(kind) << 16);
            bias[n] = bf(rand_acc(kind));
        }
        for (size_t i = 0; i < M; i++)
            A[2 * i] = bf(rand_bf16(kind) << 16), A[2 * i + 1] = bf(rand_bf16(kind) << 16);
        rnn_bf16_pack(N, 2, W, 2, packed);
        for (size_t i = 0; i < M; i++)
            rnn_bf16_pairs(2, A + 2 * i, x2 + i);
        neon->bf16_gemm_packed_nt(M, N, 2, A, 2, packed, bias, 0.0f, C, N);
        for (size_t i = 0; i < M; i++)
            for (size_t n = 0; n < N; n++, lanes++) {
                const uint32_t want = bf_dot(fb(bias[n]), packed[n], x2[i]);
                if (fb(C[i * N + n]) != want && bad++ < 5)
                    printf("lane: acc %08x w %08x x %08x: BFDOT %08x, transcription %08x\n",
                           fb(bias[n]), packed[n], x2[i], fb(C[i * N + n]), want);
            }
    }
    CHECK(bad == 0, "random lanes: %zu of %zu differ from the transcription of BFDotAdd", bad,
          lanes);
    printf("random lanes: %zu, %zu differ from the transcription of BFDotAdd\n", lanes, bad);
}

/* ---- 3. the packed product against the bound ---- */
static double worst_all; /* the largest error / bound over every case */

static double gamma_n(double m) { return m * 0x1p-23 / (1.0 - m * 0x1p-23); }

/* One case: returns nothing, counts a CHECK per property. */
static void packed_case(size_t M, size_t N, size_t K, int use_bias, float beta, int nan_c)
{
    const size_t lda = K + 3, ldc = N + 5, K2 = (K + 1) / 2;
    float *A = malloc((M * lda + 1) * sizeof *A), *W = malloc((N * K + 1) * sizeof *W);
    float *bias = malloc((N + 1) * sizeof *bias), *C0 = malloc((M * ldc + 1) * sizeof *C0);
    float *C = malloc((M * ldc + 1) * sizeof *C), *Cr = malloc((M * ldc + 1) * sizeof *Cr);
    rnn_bf16x2 *packed = malloc((rnn_bf16_packed_size(N, K) + 1) * sizeof *packed);
    /* An eighth of A are ties of the bf16 rounding (to even: down, up), so
     * rounding them another way moves an output far past the bound. */
    static const uint32_t ties[] = {0x3f808000u, 0xbf818000u, 0x3e7f8000u, 0xbd008000u};
    for (size_t i = 0; i < M * lda; i++)
        A[i] = rnd() % 8 == 0 ? bf(ties[rnd() % 4]) : urand();
    for (size_t i = 0; i < N * K; i++)
        W[i] = urand();
    for (size_t i = 0; i < N; i++)
        bias[i] = urand();
    for (size_t i = 0; i < M * ldc; i++)
        C0[i] = nan_c ? bf(0x7fc00000u + (uint32_t)(i & 0xff)) : urand();
    rnn_bf16_pack(N, K, W, K, packed);
    const float *b = use_bias ? bias : NULL;
    memcpy(C, C0, M * ldc * sizeof *C);
    neon->bf16_gemm_packed_nt(M, N, K, A, lda, packed, b, beta, C, ldc);

    double worst = 0.0;
    size_t bad = 0, guards = 0;
    for (size_t i = 0; i < M; i++) {
        for (size_t n = 0; n < N; n++) {
            const float c0 = C0[i * ldc + n];
            const float init = beta != 0.0f ? (b ? c0 + b[n] : c0) : (b ? b[n] : 0.0f);
            double exact = init, mag = fabs((double)init);
            for (size_t k = 0; k < K; k++) {
                const double p = (double)rnn_bf16_round(W[n * K + k]) *
                                 (double)rnn_bf16_round(A[i * lda + k]);
                exact += p, mag += fabs(p);
            }
            const double bound =
                gamma_n((double)K2 + 1) * mag + (4.0 * (double)K2 + 1) * 2 * 0x1p-126;
            const double err = fabs((double)C[i * ldc + n] - exact);
            if (!(err <= bound))
                bad++;
            if (bound > 0 && err / bound > worst)
                worst = err / bound;
        }
        for (size_t n = N; n < ldc; n++)
            guards += fb(C[i * ldc + n]) != fb(C0[i * ldc + n]);
    }
    if (worst > worst_all)
        worst_all = worst;
    CHECK(bad == 0, "packed M=%zu N=%zu K=%zu bias=%d beta=%g%s: %zu outputs past the bound "
          "(worst %.3g x it)", M, N, K, use_bias, beta, nan_c ? " NaN C" : "", bad, worst);
    CHECK(guards == 0, "packed M=%zu N=%zu K=%zu: %zu writes past N", M, N, K, guards);

    /* Bits independent of M and of where the caller's panels start: each
     * row alone, and the columns from the second panel on. */
    size_t diff = 0;
    for (size_t i = 0; i < M; i++) {
        memcpy(Cr + i * ldc, C0 + i * ldc, ldc * sizeof *Cr);
        neon->bf16_gemm_packed_nt(1, N, K, A + i * lda, lda, packed, b, beta, Cr + i * ldc, ldc);
        for (size_t n = 0; n < N; n++)
            diff += fb(Cr[i * ldc + n]) != fb(C[i * ldc + n]);
    }
    if (N > RNN_BF16_NR) {
        memcpy(Cr, C0, M * ldc * sizeof *Cr);
        neon->bf16_gemm_packed_nt(M, N - RNN_BF16_NR, K, A, lda, packed + RNN_BF16_NR * K2,
                                  b ? b + RNN_BF16_NR : NULL, beta, Cr + RNN_BF16_NR, ldc);
        for (size_t i = 0; i < M; i++)
            for (size_t n = RNN_BF16_NR; n < N; n++)
                diff += fb(Cr[i * ldc + n]) != fb(C[i * ldc + n]);
    }
    CHECK(diff == 0, "packed M=%zu N=%zu K=%zu: %zu outputs differ row by row or from panel 1",
          M, N, K, diff);
    free(A), free(W), free(bias), free(C0), free(C), free(Cr), free(packed);
}

static void test_packed(void)
{
    static const size_t Ns[] = {1, 5, 17, 31, 32, 33, 47, 70};
    static const size_t Ks[] = {0, 1, 2, 3, 7, 8, 9, 64, 255, 256, 257, 258, 600};
    size_t cases = 0;
    for (size_t M = 1; M <= 40; M++, cases++)
        packed_case(M, Ns[M % 8], Ks[M % 13], (int)(M & 1), M & 2 ? 1.0f : 0.0f, 0);
    for (size_t i = 0; i < sizeof Ns / sizeof *Ns; i++)
        for (size_t j = 0; j < sizeof Ks / sizeof *Ks; j++, cases++) {
            const size_t M = (size_t[]){1, 2, 3, 4, 5, 9, 16, 17}[(i + j) % 8];
            packed_case(M, Ns[i], Ks[j], (int)((i + j) & 1), (i & 1) ? 1.0f : 0.0f, 0);
        }
    for (size_t M = 1; M <= 6; M += 5, cases += 2) {
        packed_case(M, 33, 9, 1, 0.0f, 1); /* beta 0: C's NaNs never read */
        packed_case(M, 33, 9, 0, 0.0f, 1);
    }
    packed_case(0, 5, 3, 1, 1.0f, 0);
    packed_case(3, 0, 3, 1, 1.0f, 0);
    printf("packed product: %zu shapes; the largest error is %.3g of the bound\n", cases + 2,
           worst_all);
}

/* ---- 4. bf16_gemm == generic ---- */
static float special(void)
{
    static const uint32_t v[] = {
        0x3f808000u, /* tie, to even (down) */
        0x3f818000u, /* tie, to even (up) */
        0x00010000u, /* a denormal, kept */
        0x80018000u, /* a negative denormal tie */
        0x7f7fffffu, /* FLT_MAX: rounds to inf */
        0x7f800000u, /* inf */
        0x1c800000u, /* 2^-70: products underflow */
    };
    return bf(v[rnd() % (sizeof v / sizeof *v)]);
}

static void gemm_case(int trans_a, size_t M, size_t N, size_t K, int odd)
{
    const size_t lda = (trans_a ? M : K) + 2, ldb = N + 3, ldc = N + 1;
    const size_t arows = trans_a ? K : M;
    float *A = malloc((arows * lda + 1) * sizeof *A), *B = malloc((K * ldb + 1) * sizeof *B);
    float *Cn = malloc((M * ldc + 1) * sizeof *Cn), *Cg = malloc((M * ldc + 1) * sizeof *Cg);
    for (size_t i = 0; i < arows * lda; i++)
        A[i] = odd && rnd() % 16 == 0 ? special() : urand();
    for (size_t i = 0; i < K * ldb; i++)
        B[i] = odd && rnd() % 16 == 0 ? special() : urand() * 0x1p-3f;
    /* A NaN in A only: where one product has two NaNs the payload chosen
     * follows the instruction's operand order (gemm_neon.c says so). */
    if (odd && arows * lda > 0)
        A[rnd() % (arows * lda)] = bf(0x7fa12345u);
    for (size_t i = 0; i < M * ldc; i++)
        Cn[i] = Cg[i] = bf(0x7fc00000u); /* C is not read */
    neon->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, Cn, ldc);
    generic->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, Cg, ldc);
    size_t diff = 0, first = 0;
    for (size_t i = 0; i < M * ldc; i++)
        if (fb(Cn[i]) != fb(Cg[i]) && diff++ == 0)
            first = i;
    CHECK(diff == 0, "bf16_gemm trans_a=%d M=%zu N=%zu K=%zu%s: %zu outputs differ from "
          "generic (first [%zu]: %08x, want %08x)", trans_a, M, N, K,
          odd ? " (specials)" : "", diff, first, diff ? fb(Cn[first]) : 0,
          diff ? fb(Cg[first]) : 0);
    free(A), free(B), free(Cn), free(Cg);
}

static void test_gemm(void)
{
    static const size_t Ns[] = {1, 3, 15, 16, 17, 33, 50};
    static const size_t Ks[] = {0, 1, 2, 5, 16, 255, 256, 257, 600};
    size_t cases = 0;
    for (int t = 0; t < 2; t++) {
        for (size_t M = 1; M <= 40; M += (M < 9 ? 1 : 7), cases++)
            gemm_case(t, M, Ns[M % 7], Ks[M % 9], (int)(M & 1));
        for (size_t i = 0; i < sizeof Ns / sizeof *Ns; i++)
            for (size_t j = 0; j < sizeof Ks / sizeof *Ks; j++, cases++)
                gemm_case(t, 1 + (i + 2 * j) % 6, Ns[i], Ks[j], (int)((i + j) & 1));
    }
    printf("bf16_gemm: %zu shapes bit for bit with generic\n", cases);
}
#endif

int main(void)
{
    unsetenv("RNNSIMD_CPU_MASK");
    test_feature();
#if defined(__aarch64__)
    if (rnn_kernels_get(RNN_ISA_NEON, &neon, NULL) != RNN_OK ||
        rnn_kernels_get(RNN_ISA_GENERIC, &generic, NULL) != RNN_OK) {
        CHECK(0, "the neon and generic tables");
        return check_summary();
    }
    test_gemm(); /* baseline NEON: no feature needed */
    if (rnn_cpu_feature_usable(neon->bf16_feature)) {
        test_witnesses();
        test_random_lanes();
        test_packed();
    } else {
        skipped += 2;
        printf("skipped: the BFDOT witnesses and the packed product (bf16 not usable here)\n");
    }
#else
    skipped += 3;
    printf("skipped: the neon bf16 products (not an aarch64 build)\n");
#endif
    if (skipped)
        printf("%d groups of checks skipped\n", skipped);
    return check_summary();
}
