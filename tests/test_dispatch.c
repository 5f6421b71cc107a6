/* test_dispatch.c — ISA names and parsing, the table list, AUTO resolution,
 * RNNSIMD_ISA forcing and RNNSIMD_CPU_MASK hiding features. dispatch.c reads
 * both variables at every call (only cpuid is cached), so setenv then call
 * is enough. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"

static rnn_isa best_isa(void)
{
    rnn_isa best = RNN_ISA_GENERIC;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        if (rnn_isa_check((*t)->isa, NULL) == RNN_OK)
            best = (*t)->isa;
    return best;
}

int main(void)
{
    unsetenv("RNNSIMD_ISA");
    unsetenv("RNNSIMD_CPU_MASK");

    for (int i = 0; i < RNN_ISA_COUNT; i++) {
        rnn_isa back;
        const char *name = rnn_isa_name((rnn_isa)i);
        CHECK(name && rnn_isa_parse(name, &back) == RNN_OK && back == (rnn_isa)i,
              "name/parse round trip of isa %d (%s)", i, name ? name : "NULL");
    }
    rnn_isa dummy;
    CHECK(rnn_isa_parse("avx3", &dummy) == RNN_ERR_ISA_UNKNOWN, "avx3 must be unknown");
    CHECK(rnn_isa_parse("", &dummy) == RNN_ERR_ISA_UNKNOWN, "empty name must be unknown");
    CHECK(rnn_isa_name(RNN_ISA_COUNT) == NULL, "name of an out-of-range isa is NULL");

    /* The list: generic first, in enum order, every entry complete. */
    const rnn_kernels *const *tables = rnn_kernel_tables();
    CHECK(tables[0] && tables[0]->isa == RNN_ISA_GENERIC, "the first table is generic");
    int n = 0;
    for (const rnn_kernels *const *t = tables; *t; t++, n++) {
        const rnn_kernels *k = *t;
        CHECK(strcmp(k->name, rnn_isa_name(k->isa)) == 0, "table %s names its isa", k->name);
        if (n > 0)
            CHECK(k->isa > tables[n - 1]->isa, "tables in order generic, avx2, avx512, neon");
        const void *const entries[] = {
            (const void *)k->gemm, (const void *)k->packed_size, (const void *)k->pack_nt,
            (const void *)k->gemm_packed_nt, (const void *)k->vexp, (const void *)k->vtanh,
            (const void *)k->vsigmoid, (const void *)k->rnn_tanh_fwd, (const void *)k->lstm_fwd,
            (const void *)k->gru_fwd_rz, (const void *)k->gru_fwd_n, (const void *)k->lbr_gru_fwd,
            (const void *)k->rnn_tanh_bwd, (const void *)k->lstm_bwd, (const void *)k->gru_bwd_zn,
            (const void *)k->gru_bwd_r, (const void *)k->lbr_gru_bwd,
            (const void *)k->softmax_xent};
        for (size_t e = 0; e < sizeof entries / sizeof *entries; e++)
            CHECK(entries[e] != NULL, "table %s entry %zu is NULL", k->name, e);
        const char *why = NULL;
        rnn_status s = rnn_isa_check(k->isa, &why);
        printf("table %-8s %s%s\n", k->name, s == RNN_OK ? "runs here" : "unsupported: ",
               s == RNN_OK ? "" : why);
    }
#if defined(__x86_64__)
    CHECK(n == 3, "x86-64 builds generic, avx2, avx512 (got %d tables)", n);
#endif

    /* AUTO is the best supported table. */
    rnn_isa best = best_isa(), got = RNN_ISA_COUNT;
    const char *why = NULL;
    CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == best,
          "AUTO resolves to %s (got %s)", rnn_isa_name(best), rnn_isa_name(got));
    printf("AUTO resolves to %s\n", rnn_isa_name(got));
    const rnn_kernels *k = NULL;
    CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, &why) == RNN_OK && k && k->isa == best,
          "rnn_kernels_get(AUTO) gives the %s table", rnn_isa_name(best));
    CHECK(rnn_isa_check(RNN_ISA_GENERIC, NULL) == RNN_OK, "generic always runs");
    CHECK(rnn_isa_check(RNN_ISA_AUTO, &why) == RNN_ERR_ISA_UNKNOWN && why,
          "check(AUTO) is not a concrete isa");
    CHECK(rnn_isa_resolve((rnn_isa)99, &got, &why) == RNN_ERR_ISA_UNKNOWN, "isa 99 is unknown");
    CHECK(rnn_kernels_get(RNN_ISA_AUTO, NULL, NULL) == RNN_ERR_NULL, "NULL out is RNN_ERR_NULL");

    /* RNNSIMD_ISA forces the choice of AUTO. */
    setenv("RNNSIMD_ISA", "generic", 1);
    CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, &why) == RNN_OK && k->isa == RNN_ISA_GENERIC,
          "RNNSIMD_ISA=generic gives generic");
    setenv("RNNSIMD_ISA", "auto", 1);
    CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == best,
          "RNNSIMD_ISA=auto gives the best");
    setenv("RNNSIMD_ISA", "sse9", 1);
    why = NULL;
    CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_ERR_ISA_UNKNOWN && why &&
              strstr(why, "sse9"),
          "RNNSIMD_ISA=sse9 is RNN_ERR_ISA_UNKNOWN naming it (why: %s)", why ? why : "NULL");
    printf("RNNSIMD_ISA=sse9: %s\n", why ? why : "NULL");
    setenv("RNNSIMD_ISA", "generic", 1);
    CHECK(rnn_isa_resolve(RNN_ISA_AVX2, &got, &why) != RNN_OK || got == RNN_ISA_AVX2,
          "an explicit isa is not overridden by RNNSIMD_ISA");
    unsetenv("RNNSIMD_ISA");

#if defined(__x86_64__)
    if (rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK) {
        setenv("RNNSIMD_ISA", "avx512", 1);
        CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, &why) == RNN_OK && k->isa == RNN_ISA_AVX512,
              "RNNSIMD_ISA=avx512 gives avx512");
        setenv("RNNSIMD_ISA", "avx2", 1);
        CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, &why) == RNN_OK && k->isa == RNN_ISA_AVX2,
              "RNNSIMD_ISA=avx2 gives avx2");
        unsetenv("RNNSIMD_ISA");

        /* Masking hides a feature: the ISA is refused with the feature named. */
        const char *masks[][2] = {{"avx512", "avx512f"}, {"avx512bw", "avx512bw"},
                                  {"avx512dq,avx512vl", "avx512vl"}, {"avx512dq", "avx512dq"},
                                  {"fma", "fma"}};
        for (size_t i = 0; i < sizeof masks / sizeof *masks; i++) {
            setenv("RNNSIMD_CPU_MASK", masks[i][0], 1);
            why = NULL;
            rnn_status s = rnn_isa_check(RNN_ISA_AVX512, &why);
            CHECK(s == RNN_ERR_ISA_UNSUPPORTED && why && strstr(why, masks[i][1]),
                  "mask %s: avx512 refused naming %s (status %d, why: %s)", masks[i][0],
                  masks[i][1], s, why ? why : "NULL");
            printf("RNNSIMD_CPU_MASK=%s: avx512: %s\n", masks[i][0], why ? why : "NULL");
        }
        setenv("RNNSIMD_CPU_MASK", "avx512bw", 1);
        CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == RNN_ISA_AVX2,
              "mask avx512bw: AUTO falls back to avx2");
        setenv("RNNSIMD_ISA", "avx512", 1);
        why = NULL;
        CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, &why) == RNN_ERR_ISA_UNSUPPORTED && why &&
                  strstr(why, "CPU lacks avx512bw"),
              "forcing avx512 with avx512bw hidden is RNN_ERR_ISA_UNSUPPORTED (why: %s)",
              why ? why : "NULL");
        unsetenv("RNNSIMD_ISA");
        setenv("RNNSIMD_CPU_MASK", "avx2", 1);
        CHECK(rnn_isa_check(RNN_ISA_AVX2, &why) == RNN_ERR_ISA_UNSUPPORTED && strstr(why, "avx2"),
              "mask avx2: avx2 refused");
        CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == RNN_ISA_GENERIC,
              "mask avx2: AUTO falls back to generic (avx512 needs avx2 too)");
        setenv("RNNSIMD_CPU_MASK", "avx2,bogus", 1);
        why = NULL;
        CHECK(rnn_isa_check(RNN_ISA_GENERIC, &why) == RNN_ERR_ARG && why && strstr(why, "bogus"),
              "an unknown mask name is an error naming it (why: %s)", why ? why : "NULL");
        unsetenv("RNNSIMD_CPU_MASK");
        CHECK(rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK, "unmasked again: avx512 runs");
    } else {
        printf("avx512 not supported here: mask tests skipped\n");
    }
    CHECK(rnn_isa_check(RNN_ISA_NEON, &why) == RNN_ERR_ISA_UNSUPPORTED && strstr(why, "neon"),
          "neon is not in an x86-64 build (why: %s)", why);
#endif
    return check_summary();
}
