/* peak.c — FMA peak and read-bandwidth probes. Each FMA probe keeps 12-16
 * independent accumulators (more than FMA latency x FMA ports on current x86
 * and Arm cores) updated by acc = acc*m + a with m just below 1, so the values
 * settle near a/(1-m) and never overflow or go denormal. The read probes sum
 * a buffer into 8-12 accumulators (more than add latency x load ports), so
 * loads, not the adds, bound them. The ISA probes are compiled for their ISA
 * by function attributes and only called after rnn_isa_check says the CPU
 * has it. */
#include "peak.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

static volatile float sink;

double bench_thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Twelve (sixteen) named accumulators: an array would live in memory and
 * each update would wait on a store and a load instead of the FMA unit. */
#define ACC12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define ACC16(X) ACC12(X) X(12) X(13) X(14) X(15)

/* Baseline 128-bit vectors, multiply then add (no FMA in the x86-64 baseline;
 * -std=c11 does not contract them): 12 accumulators x 4 lanes x 2 flops. */
typedef float v4f __attribute__((vector_size(16)));
static double probe_generic(long n)
{
    const v4f m = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, a = {1e-6f, 1e-6f, 1e-6f, 1e-6f};
#define DECL(k) v4f acc##k = a * (float)(k);
#define STEP(k) acc##k = acc##k * m + a;
#define SUM(k) s += acc##k;
    ACC12(DECL)
    for (long i = 0; i < n; i++) {
        ACC12(STEP)
    }
    v4f s = {0, 0, 0, 0};
    ACC12(SUM)
    sink = s[0] + s[3];
#undef DECL
#undef STEP
#undef SUM
    return 12.0 * 4 * 2 * (double)n;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static double probe_avx2(long n)
{
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-6f);
#define DECL(k) __m256 acc##k = _mm256_set1_ps((float)(k) * 1e-6f);
#define STEP(k) acc##k = _mm256_fmadd_ps(acc##k, m, a);
#define SUM(k) s = _mm256_add_ps(s, acc##k);
    ACC12(DECL)
    for (long i = 0; i < n; i++) {
        ACC12(STEP)
    }
    __m256 s = _mm256_setzero_ps();
    ACC12(SUM)
    sink = _mm256_cvtss_f32(s);
#undef DECL
#undef STEP
#undef SUM
    return 12.0 * 8 * 2 * (double)n;
}

__attribute__((target("avx512f"))) static double probe_avx512(long n)
{
    const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-6f);
#define DECL(k) __m512 acc##k = _mm512_set1_ps((float)(k) * 1e-6f);
#define STEP(k) acc##k = _mm512_fmadd_ps(acc##k, m, a);
#define SUM(k) s = _mm512_add_ps(s, acc##k);
    ACC16(DECL)
    for (long i = 0; i < n; i++) {
        ACC16(STEP)
    }
    __m512 s = _mm512_setzero_ps();
    ACC16(SUM)
    sink = _mm512_reduce_add_ps(s);
#undef DECL
#undef STEP
#undef SUM
    return 16.0 * 16 * 2 * (double)n;
}
#endif

#if defined(__aarch64__)
static double probe_neon(long n)
{
    const float32x4_t m = vdupq_n_f32(0.999999f), a = vdupq_n_f32(1e-6f);
#define DECL(k) float32x4_t acc##k = vdupq_n_f32((float)(k) * 1e-6f);
#define STEP(k) acc##k = vfmaq_f32(a, acc##k, m);
#define SUM(k) s = vaddq_f32(s, acc##k);
    ACC16(DECL)
    for (long i = 0; i < n; i++) {
        ACC16(STEP)
    }
    float32x4_t s = vdupq_n_f32(0.0f);
    ACC16(SUM)
    sink = vaddvq_f32(s);
#undef DECL
#undef STEP
#undef SUM
    return 16.0 * 4 * 2 * (double)n;
}
#endif

/* ---- read bandwidth: n floats (a multiple of 64), 64-byte aligned ---- */
/* noinline: a probe inlined into its pass loop could be hoisted out of it
 * (the buffer does not change between passes). */
__attribute__((noinline)) static void read_generic(const float *buf, size_t n)
{
#define DECL(k) v4f acc##k = {0, 0, 0, 0};
#define STEP(k)                                                                \
    {                                                                          \
        v4f v;                                                                 \
        memcpy(&v, buf + i + 4 * (k), sizeof v);                               \
        acc##k += v;                                                           \
    }
#define SUM(k) s += acc##k;
    ACC12(DECL)
    for (size_t i = 0; i + 48 <= n; i += 48) {
        ACC12(STEP)
    }
    v4f s = {0, 0, 0, 0};
    ACC12(SUM)
    sink = s[0] + s[3];
#undef DECL
#undef STEP
#undef SUM
}

#if defined(__x86_64__)
__attribute__((target("avx2"), noinline)) static void read_avx2(const float *buf, size_t n)
{
#define DECL(k) __m256 acc##k = _mm256_setzero_ps();
#define STEP(k) acc##k = _mm256_add_ps(acc##k, _mm256_load_ps(buf + i + 8 * (k)));
#define SUM(k) s = _mm256_add_ps(s, acc##k);
    ACC12(DECL)
    for (size_t i = 0; i + 96 <= n; i += 96) {
        ACC12(STEP)
    }
    __m256 s = _mm256_setzero_ps();
    ACC12(SUM)
    sink = _mm256_cvtss_f32(s);
#undef DECL
#undef STEP
#undef SUM
}

#define ACC8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
__attribute__((target("avx512f"), noinline)) static void read_avx512(const float *buf, size_t n)
{
#define DECL(k) __m512 acc##k = _mm512_setzero_ps();
#define STEP(k) acc##k = _mm512_add_ps(acc##k, _mm512_load_ps(buf + i + 16 * (k)));
#define SUM(k) s = _mm512_add_ps(s, acc##k);
    ACC8(DECL)
    for (size_t i = 0; i + 128 <= n; i += 128) {
        ACC8(STEP)
    }
    __m512 s = _mm512_setzero_ps();
    ACC8(SUM)
    sink = _mm512_reduce_add_ps(s);
#undef DECL
#undef STEP
#undef SUM
}
#endif

typedef void (*read_fn)(const float *buf, size_t n);

static read_fn read_for(rnn_isa isa)
{
    switch (isa) {
#if defined(__x86_64__)
    case RNN_ISA_AVX2: return read_avx2;
    case RNN_ISA_AVX512: return read_avx512;
#endif
    default: return read_generic; /* on aarch64, GCC's vectors are NEON */
    }
}

double bench_read_bw_gbs(rnn_isa isa, size_t bytes, double seconds)
{
    if (rnn_isa_resolve(isa, &isa, NULL) != RNN_OK || rnn_isa_check(isa, NULL) != RNN_OK)
        return 0.0;
    const read_fn f = read_for(isa);
    /* Whole 512-byte blocks, so every probe's loop reads the whole buffer. */
    const size_t n = (bytes / 512 ? bytes / 512 : 1) * 128;
    float *buf = aligned_alloc(64, n * sizeof *buf);
    if (!buf)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(i % 7) * 0.25f;
    /* Calibrate passes to the time asked for; the first pass also pulls the
     * buffer into the caches that hold it. */
    long passes = 1;
    double t = 0;
    while (passes < (1L << 30)) {
        double t0 = bench_thread_seconds();
        for (long r = 0; r < passes; r++)
            f(buf, n);
        t = bench_thread_seconds() - t0;
        if (t > 0.005)
            break;
        passes *= 4;
    }
    passes = (long)((double)passes * (seconds / 3.0) / (t > 0 ? t : 1e-3)) + 1;
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = bench_thread_seconds();
        for (long r = 0; r < passes; r++)
            f(buf, n);
        double g = (double)passes * (double)(n * sizeof *buf) /
                   (bench_thread_seconds() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    free(buf);
    return best;
}

typedef double (*probe_fn)(long n);

static probe_fn probe_for(rnn_isa isa)
{
    switch (isa) {
    case RNN_ISA_GENERIC: return probe_generic;
#if defined(__x86_64__)
    case RNN_ISA_AVX2: return probe_avx2;
    case RNN_ISA_AVX512: return probe_avx512;
#endif
#if defined(__aarch64__)
    case RNN_ISA_NEON: return probe_neon;
#endif
    default: return 0;
    }
}

double bench_peak_gflops(rnn_isa isa, double seconds)
{
    if (rnn_isa_resolve(isa, &isa, NULL) != RNN_OK || rnn_isa_check(isa, NULL) != RNN_OK)
        return 0.0;
    probe_fn f = probe_for(isa);
    if (!f)
        return 0.0;
    /* Calibrate the count to the time asked for, then keep the best run. */
    long n = 1000;
    double t = 0;
    while (n < (1L << 40)) {
        double t0 = bench_thread_seconds();
        f(n);
        t = bench_thread_seconds() - t0;
        if (t > 0.01)
            break;
        n *= 4;
    }
    n = (long)((double)n * (seconds / 3.0) / (t > 0 ? t : 1e-3)) + 1;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = bench_thread_seconds();
        double flops = f(n);
        double g = flops / (bench_thread_seconds() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    return best;
}
