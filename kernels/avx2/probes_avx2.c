/* probes_avx2.c — the avx2 table's machine probes (entries.inc): 12
 * independent FMA chains of 8 lanes (more than FMA latency x FMA ports on
 * current x86 cores), and 12 accumulators of 8 floats for reads. */
#include <immintrin.h>
#include "avx2.h"
#include "probes.h"

double rnn_k_probe_fma__avx2(long n)
{
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-6f);
#define DECL(k) __m256 acc##k = _mm256_set1_ps((float)(k) * 1e-6f);
#define STEP(k) acc##k = _mm256_fmadd_ps(acc##k, m, a);
#define SUM(k) s = _mm256_add_ps(s, acc##k);
    RNN_ACC12(DECL)
    for (long i = 0; i < n; i++) {
        RNN_ACC12(STEP)
    }
    __m256 s = _mm256_setzero_ps();
    RNN_ACC12(SUM)
    rnn_probe_sink = _mm256_cvtss_f32(s);
#undef DECL
#undef STEP
#undef SUM
    return 12.0 * 8 * 2 * (double)n;
}

void rnn_k_probe_read__avx2(const float *buf, size_t n)
{
#define DECL(k) __m256 acc##k = _mm256_setzero_ps();
#define STEP(k) acc##k = _mm256_add_ps(acc##k, _mm256_load_ps(buf + i + 8 * (k)));
#define SUM(k) s = _mm256_add_ps(s, acc##k);
    RNN_ACC12(DECL)
    for (size_t i = 0; i + 96 <= n; i += 96) {
        RNN_ACC12(STEP)
    }
    __m256 s = _mm256_setzero_ps();
    RNN_ACC12(SUM)
    rnn_probe_sink = _mm256_cvtss_f32(s);
#undef DECL
#undef STEP
#undef SUM
}
