/* bf16_gemv_speed.c — the bf16 GEMV kernel alone against the float32 one
 * (rnn_k_gemv_packed__avx512), paired in one process: for each shape,
 * alternated runs (float32, bf16, float32, ...), each run enough calls for
 * about 2 ms; prints the medians' weight streams in GB/s and the median of
 * the per-pair speed ratios. Timing only: docs/performance.md §5.19 quotes
 * it. Not part of the build; from the repository root after `make`:
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -Iinclude -Ikernels -Ikernels/table \
 *     scripts/bf16_gemv_speed.c build/librnnsimd.a -lm -lpthread -o build/bf16_gemv_speed
 *   build/bf16_gemv_speed [pairs (31)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bf16.h"
#include "avx512/avx512.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void *alloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "bf16_gemv_speed: out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    const int pairs = argc > 1 ? atoi(argv[1]) : 31;
    const char *why;
    if (rnn_bf16_avx512_check(&why) != RNN_OK) {
        fprintf(stderr, "bf16_gemv_speed: cannot run the avx512 bf16 GEMV: %s\n", why);
        return 1;
    }
    static const size_t shapes[][2] = {{1024, 256}, {2048, 512}, {4096, 1024}};
    printf("%-11s %12s %12s %9s %9s\n", "N x K", "f32 GB/s", "bf16 GB/s", "speedup", "pairs");
    for (size_t s = 0; s < 3; s++) {
        const size_t N = shapes[s][0], K = shapes[s][1];
        float *W = alloc(N * K * sizeof *W), *x = alloc(K * sizeof *x);
        float *bias = alloc(N * sizeof *bias), *C = alloc(N * sizeof *C);
        for (size_t i = 0; i < N * K; i++)
            W[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        for (size_t i = 0; i < K; i++)
            x[i] = (float)(i % 7) / 7.0f - 0.5f;
        for (size_t i = 0; i < N; i++)
            bias[i] = 0.01f * (float)(i % 5);
        float *pf = alloc(rnn_k_packed_size__avx512(N, K) * sizeof *pf);
        rnn_k_pack_nt__avx512(N, K, W, K, pf);
        rnn_bf16x2 *pb = alloc(rnn_bf16_packed_size(N, K) * sizeof *pb);
        rnn_bf16x2 *x2 = alloc((K + 1) / 2 * sizeof *x2);
        rnn_bf16_pack(N, K, W, K, pb);
        rnn_bf16_pairs(K, x, x2);
        /* calls per run: about 2 ms of float32 at ~50 GB/s */
        const int reps = (int)(1e8 / (double)(N * K * 4)) + 1;
        double *tf = malloc((size_t)pairs * sizeof *tf), *tb = malloc((size_t)pairs * sizeof *tb);
        double *ratio = malloc((size_t)pairs * sizeof *ratio);
        for (int w = 0; w < 3 * reps; w++) { /* warm both */
            rnn_k_gemv_packed__avx512(N, K, x, pf, bias, 0, C);
            (void)rnn_bf16_gemv_avx512(N, K, x2, pb, bias, 0.0f, C);
        }
        for (int p = 0; p < pairs; p++) {
            double t0 = now();
            for (int r = 0; r < reps; r++)
                rnn_k_gemv_packed__avx512(N, K, x, pf, bias, 0, C);
            double t1 = now();
            for (int r = 0; r < reps; r++)
                (void)rnn_bf16_gemv_avx512(N, K, x2, pb, bias, 0.0f, C);
            double t2 = now();
            tf[p] = (t1 - t0) / reps, tb[p] = (t2 - t1) / reps;
            ratio[p] = tf[p] / tb[p];
        }
        const double mf = median(tf, pairs), mb = median(tb, pairs);
        char name[32];
        snprintf(name, sizeof name, "%zux%zu", N, K);
        printf("%-11s %12.1f %12.1f %8.2fx %9d\n", name, (double)(N * K * 4) / mf / 1e9,
               (double)(N * K * 2) / mb / 1e9, median(ratio, pairs), pairs);
        free(W), free(x), free(bias), free(C), free(pf), free(pb), free(x2), free(tf), free(tb),
            free(ratio);
    }
    return 0;
}
