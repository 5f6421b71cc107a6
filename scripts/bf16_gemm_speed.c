/* bf16_gemm_speed.c — the avx512 table's bf16 products against its float32
 * ones, paired in one process: bf16_gemm_packed_nt against gemm_packed_nt
 * (C = A W^T + bias, M = 16 and 64, N = 4H, K = H, each on its own packed
 * copy of the same W), and bf16_gemm against gemm (the weight gradients:
 * trans_a, M = 4H, N = H, K = 1024). For each shape, alternated runs
 * (float32, bf16, float32, ...), each run enough calls for about 2 ms;
 * prints the medians in GFLOP/s (2MNK) and the median of the per-pair speed
 * ratios. The bf16 times include rounding A (and B) to bf16. Timing only:
 * docs/performance.md §5.21 quotes it. Not part of the build; from the
 * repository root after `make`:
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -Iinclude -Ikernels -Ikernels/table \
 *     scripts/bf16_gemm_speed.c build/librnnsimd.a -lm -lpthread -o build/bf16_gemm_speed
 *   build/bf16_gemm_speed [pairs (31)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bf16.h"
#include "kernels.h"

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
        fprintf(stderr, "bf16_gemm_speed: out of memory\n");
        exit(1);
    }
    return p;
}

static float *values(size_t n, unsigned salt)
{
    float *p = alloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((i * 2654435761u + salt) % 2001) / 1000.0f - 1.0f;
    return p;
}

typedef struct {
    const rnn_kernels *k;
    int gemm; /* 0: the packed products; 1: the weight gradients' GEMMs */
    size_t M, N, K;
    const float *A, *pf, *bias, *B;
    const rnn_bf16x2 *pb;
    float *C;
} job;

static void run(const job *j, int bf16)
{
    if (j->gemm) {
        if (bf16)
            j->k->bf16_gemm(1, j->M, j->N, j->K, j->A, j->M, j->B, j->N, j->C, j->N);
        else
            j->k->gemm(1, 0, j->M, j->N, j->K, j->A, j->M, j->B, j->N, 0.0f, j->C, j->N);
    } else if (bf16) {
        j->k->bf16_gemm_packed_nt(j->M, j->N, j->K, j->A, j->K, j->pb, j->bias, 0.0f, j->C,
                                  j->N);
    } else {
        j->k->gemm_packed_nt(j->M, j->N, j->K, j->A, j->K, j->pf, j->bias, 0.0f, j->C, j->N);
    }
}

static void measure(const job *j, int pairs, const char *name)
{
    const double flops = 2.0 * (double)j->M * (double)j->N * (double)j->K;
    const int reps = (int)(2e-3 * 100e9 / flops) + 1; /* ~2 ms at 100 GFLOP/s */
    double *tf = malloc((size_t)pairs * sizeof *tf), *tb = malloc((size_t)pairs * sizeof *tb);
    double *ratio = malloc((size_t)pairs * sizeof *ratio);
    if (!tf || !tb || !ratio)
        exit(1);
    for (int w = 0; w < 3 * reps; w++) /* warm both */
        run(j, 0), run(j, 1);
    for (int p = 0; p < pairs; p++) {
        const double t0 = now();
        for (int r = 0; r < reps; r++)
            run(j, 0);
        const double t1 = now();
        for (int r = 0; r < reps; r++)
            run(j, 1);
        const double t2 = now();
        tf[p] = (t1 - t0) / reps, tb[p] = (t2 - t1) / reps;
        ratio[p] = tf[p] / tb[p];
    }
    const double mf = median(tf, pairs), mb = median(tb, pairs);
    printf("%-28s %10.1f %10.1f %8.2fx %6d\n", name, flops / mf / 1e9, flops / mb / 1e9,
           median(ratio, pairs), pairs);
    free(tf), free(tb), free(ratio);
}

int main(int argc, char **argv)
{
    const int pairs = argc > 1 ? atoi(argv[1]) : 31;
    const rnn_kernels *k;
    const char *why;
    if (rnn_kernels_get(RNN_ISA_AVX512, &k, &why) != RNN_OK) {
        fprintf(stderr, "bf16_gemm_speed: no avx512 table here: %s\n", why);
        return 1;
    }
    if (!k->bf16_gemm_packed_nt || !k->bf16_gemm ||
        (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature))) {
        fprintf(stderr, "bf16_gemm_speed: the avx512 table's bf16 products cannot run here "
                        "(%s)\n", k->bf16_feature ? k->bf16_feature : "none");
        return 1;
    }
    static const size_t Hs[] = {256, 512, 1024};
    printf("%-28s %10s %10s %9s %6s\n", "product", "f32 GF/s", "bf16 GF/s", "speedup", "pairs");
    for (size_t h = 0; h < 3; h++) {
        const size_t H = Hs[h], N = 4 * H, K = H;
        float *W = values(N * K, 1), *bias = values(N, 2);
        float *pf = alloc(k->packed_size(N, K) * sizeof *pf);
        rnn_bf16x2 *pb = alloc(rnn_bf16_packed_size(N, K) * sizeof *pb);
        k->pack_nt(N, K, W, K, pf);
        rnn_bf16_pack(N, K, W, K, pb);
        static const size_t Ms[] = {16, 64};
        for (size_t m = 0; m < 2; m++) {
            float *A = values(Ms[m] * K, 3), *C = alloc(Ms[m] * N * sizeof *C);
            const job j = {k, 0, Ms[m], N, K, A, pf, bias, NULL, pb, C};
            char name[64];
            snprintf(name, sizeof name, "packed M %zu N %zu K %zu", Ms[m], N, K);
            measure(&j, pairs, name);
            free(A), free(C);
        }
        free(W), free(bias), free(pf), free(pb);
    }
    for (size_t h = 0; h < 3; h++) {
        /* dW^T (4H x H) = dG^T X: dG stored T*B x 4H, X T*B x H, T*B = 1024 */
        const size_t H = Hs[h], M = 4 * H, N = H, K = 1024;
        float *A = values(K * M, 4), *B = values(K * N, 5), *C = alloc(M * N * sizeof *C);
        const job j = {k, 1, M, N, K, A, NULL, NULL, B, NULL, C};
        char name[64];
        snprintf(name, sizeof name, "gemm^T M %zu N %zu K %zu", M, N, K);
        measure(&j, pairs, name);
        free(A), free(B), free(C);
    }
    return 0;
}
