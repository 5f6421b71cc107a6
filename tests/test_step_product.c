/* test_step_product.c — a batch-1 step's product streamed back to front
 * (core/step_product.c) must give the bits of the front-to-back product:
 * for every table this machine runs, at widths around one panel, around the
 * 64 KiB chunk and past several chunks, with bias and beta 0 (the forward)
 * and without bias and beta 1 (backward's accumulating products), and it
 * must write nothing past column N. An even step is the plain call. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "drivers.h"

/* A plan only for its table and panel width. */
static rnn_plan *plan_for(rnn_isa isa)
{
    const rnn_desc d = {RNN_TANH, RNN_MANY2ONE, 2, 0, 1, 3, 32, 2};
    rnn_sizes s;
    if (rnn_desc_check(&d, &s) != RNN_OK)
        return NULL;
    float *w = calloc(s.weight_ih + s.weight_hh + 2 * s.bias + s.W_hy + s.b_y, sizeof *w);
    if (!w)
        return NULL;
    float *q = w;
    rnn_params p = {{0}, {0}, NULL, NULL};
    p.cell.weight_ih = q, q += s.weight_ih;
    p.cell.weight_hh = q, q += s.weight_hh;
    p.cell.bias_ih = q, q += s.bias;
    p.cell.bias_hh = q, q += s.bias;
    p.W_hy = q, q += s.W_hy;
    p.b_y = q;
    rnn_plan *plan = NULL;
    const rnn_plan_options o = {.isa = isa, .threads = 1};
    if (rnn_plan_create(&plan, &d, &p, &o) != RNN_OK)
        plan = NULL;
    free(w);
    return plan;
}

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

int main(void)
{
    static const size_t Ns[] = {1, 31, 32, 33, 96, 100, 1024, 3000};
    static const size_t Ks[] = {1, 7, 256, 1000};
    int tables = 0;
    for (int isa = RNN_ISA_GENERIC; isa < RNN_ISA_COUNT; isa++) {
        if (rnn_isa_check((rnn_isa)isa, NULL) != RNN_OK)
            continue;
        rnn_plan *p = plan_for((rnn_isa)isa);
        CHECK(p != NULL, "%s: no plan", rnn_isa_name((rnn_isa)isa));
        if (!p)
            continue;
        tables++;
        for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
            for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
                const size_t N = Ns[ni], K = Ks[ki];
                float *W = malloc(N * K * sizeof *W), *bias = malloc(N * sizeof *bias);
                float *packed = rnn_alloc_floats(p->k->packed_size(N, K));
                float *a = malloc(2 * K * sizeof *a), *want = malloc((N + 1) * sizeof *want);
                float *got = malloc((N + 1) * sizeof *got);
                if (!W || !bias || !packed || !a || !want || !got) {
                    CHECK(0, "out of memory");
                    return check_summary();
                }
                rnn_fill_uniform(W, N * K, 11, N * 7919 + K, -1.0f, 1.0f);
                rnn_fill_uniform(bias, N, 12, N, -1.0f, 1.0f);
                rnn_fill_uniform(a, 2 * K, 13, K, -1.0f, 1.0f);
                p->k->pack_nt(N, K, W, K, packed);
                for (int beta = 0; beta < 2; beta++) {
                    const float *b = beta ? NULL : bias;
                    /* Odd step, batch 1: the reversed order. */
                    rnn_fill_uniform(want, N + 1, 14, N, -1.0f, 1.0f);
                    memcpy(got, want, (N + 1) * sizeof *got);
                    p->k->gemm_packed_nt(1, N, K, a, K, packed, b, (float)beta, want, N);
                    rnn_step_product(p, 3, 1, N, K, a, K, packed, b, (float)beta, got, N);
                    CHECK(same_bits(got, want, N), "%s N %zu K %zu beta %d: reversed stream "
                          "differs", rnn_isa_name((rnn_isa)isa), N, K, beta);
                    CHECK(same_bits(got + N, want + N, 1), "%s N %zu K %zu beta %d: wrote "
                          "past column N", rnn_isa_name((rnn_isa)isa), N, K, beta);
                    /* Even step: the plain call. */
                    rnn_step_product(p, 4, 1, N, K, a, K, packed, b, (float)beta, got, N);
                    p->k->gemm_packed_nt(1, N, K, a, K, packed, b, (float)beta, want, N);
                    CHECK(same_bits(got, want, N + 1), "%s N %zu K %zu beta %d: even step",
                          rnn_isa_name((rnn_isa)isa), N, K, beta);
                }
                free(W);
                free(bias);
                free(packed);
                free(a);
                free(want);
                free(got);
            }
        rnn_plan_destroy(p);
    }
    CHECK(tables >= 1, "no table ran");
    printf("%d tables\n", tables);
    return check_summary();
}
