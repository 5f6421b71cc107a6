/* test_dispatch.c — the lists of kernels/isas.inc as dispatch applies them:
 * ISA names and parsing, the tables this build has (one per row of its
 * architecture, in list order), each with every entry of entries.inc (a
 * missing one named), AUTO resolution, RNNSIMD_ISA forcing and
 * RNNSIMD_CPU_MASK hiding features (each feature and each ISA name, an ISA's
 * name only what no earlier row needs, an empty item none); the feature
 * list walked once per row of this architecture; rnn_cpu_feature_present
 * agreeing with it, masked or not, and false for another architecture's
 * feature, an unknown one and NULL.
 * dispatch.c reads both variables at every call (only cpuid is cached), so
 * setenv then call is enough. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"

/* The rows of isas.inc, as this build reads them. */
#if defined(__x86_64__)
#define BUILT_x86_64 1
#else
#define BUILT_x86_64 0
#endif
#if defined(__aarch64__)
#define BUILT_aarch64 1
#else
#define BUILT_aarch64 0
#endif
#define BUILT_any 1
static const struct {
    rnn_isa isa;
    const char *name;
    int built;
} rows[] = {
#define RNN_ISA(id, name, arch, needs) {RNN_ISA_##id, #name, BUILT_##arch},
#include "isas.inc"
};
#define NROWS (sizeof rows / sizeof *rows)
static const char *const feature_names[] = {
#define RNN_FEATURE(id, name, arch, detect, lacks) name,
#include "isas.inc"
};

/* How many rows of isas.inc are this build's architecture's features. */
#if defined(__x86_64__)
#define ROW_OF_x86_64 1
#else
#define ROW_OF_x86_64 0
#endif
#if defined(__aarch64__)
#define ROW_OF_aarch64 1
#else
#define ROW_OF_aarch64 0
#endif
static const size_t arch_feature_rows = 0
#define RNN_FEATURE(id, name, arch, detect, lacks) + ROW_OF_##arch
#include "isas.inc"
    ;

/* The entries of entries.inc: where each sits in a table, and whether a
 * table may leave it NULL. */
static const struct {
    const char *name;
    size_t offset;
    int optional;
} entries[] = {
#define RNN_KERNEL(name, ret, params) {#name, offsetof(rnn_kernels, name), 0},
#define RNN_KERNEL_OPTIONAL(name, ret, params) {#name, offsetof(rnn_kernels, name), 1},
#include "entries.inc"
};
#define NENTRIES (sizeof entries / sizeof *entries)

typedef void (*any_fn)(void);
static any_fn entry_of(const rnn_kernels *k, size_t e)
{
    any_fn f;
    memcpy(&f, (const char *)k + entries[e].offset, sizeof f);
    return f;
}

/* Every entry a table must have is there, named when it is not; generic
 * fallbacks and absent optional entries are listed. */
static void check_entries(const rnn_kernels *k)
{
    const rnn_kernels *generic = rnn_kernel_tables()[0];
    char from_generic[512] = "", absent[512] = "";
    for (size_t e = 0; e < NENTRIES; e++) {
        any_fn f = entry_of(k, e);
        CHECK(f || entries[e].optional, "table %s lacks entry %s", k->name, entries[e].name);
        char *list = !f ? absent : k != generic && f == entry_of(generic, e) ? from_generic : NULL;
        if (list && strlen(list) + strlen(entries[e].name) + 2 < sizeof from_generic)
            strcat(strcat(list, " "), entries[e].name);
    }
    printf("table %-8s %zu entries; from generic:%s; none:%s\n", k->name, NENTRIES,
           from_generic[0] ? from_generic : " -", absent[0] ? absent : " -");
}

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

    /* The tables: one per row of this build's architecture, in list order. */
    const rnn_kernels *const *tables = rnn_kernel_tables();
    CHECK(tables[0] && tables[0]->isa == RNN_ISA_GENERIC, "the first table is generic");
    int n = 0;
    for (size_t r = 0; r < NROWS; r++) {
        CHECK(rows[r].isa == (rnn_isa)(r + 1) && strcmp(rnn_isa_name(rows[r].isa), rows[r].name) == 0,
              "isas.inc row %zu is %s, rnn_isa %zu", r, rows[r].name, r + 1);
        if (!rows[r].built) {
            const char *why = NULL;
            CHECK(rnn_isa_check(rows[r].isa, &why) == RNN_ERR_ISA_UNSUPPORTED && why &&
                      strstr(why, "this build has no") && strstr(why, rows[r].name),
                  "%s is not in this build (why: %s)", rows[r].name, why ? why : "NULL");
            continue;
        }
        const rnn_kernels *k = tables[n];
        CHECK(k && k->isa == rows[r].isa && strcmp(k->name, rows[r].name) == 0,
              "table %d is %s (got %s)", n, rows[r].name, k ? k->name : "the list's end");
        if (!k)
            break;
        n++;
        check_entries(k);
        const char *why = NULL;
        rnn_status s = rnn_isa_check(k->isa, &why);
        printf("table %-8s %s%s\n", k->name, s == RNN_OK ? "runs here" : "unsupported: ",
               s == RNN_OK ? "" : why);
    }
    CHECK(tables[n] == NULL, "no table beyond the rows of isas.inc (table %d is %s)", n,
          tables[n] ? tables[n]->name : "none");

    /* Features: those of this architecture, by the list's names. */
    int present;
    for (size_t i = 0; rnn_cpu_feature(i, &present); i++) {
        int listed = 0;
        for (size_t f = 0; f < sizeof feature_names / sizeof *feature_names; f++)
            listed |= strcmp(feature_names[f], rnn_cpu_feature(i, NULL)) == 0;
        CHECK(listed, "feature %s is a row of isas.inc", rnn_cpu_feature(i, NULL));
        printf("feature %-10s %s\n", rnn_cpu_feature(i, NULL), present ? "present" : "absent");
    }
    CHECK(rnn_cpu_feature(1000, &present) == NULL, "no feature past the list's end");
    /* rnn_cpu_feature_present agrees with the list, and the mask does not
     * change it (only usable): each feature hidden in turn. */
    for (size_t i = 0; rnn_cpu_feature(i, &present); i++) {
        const char *f = rnn_cpu_feature(i, NULL);
        setenv("RNNSIMD_CPU_MASK", f, 1);
        CHECK(rnn_cpu_feature_present(f) == present && !rnn_cpu_feature_usable(f),
              "feature %s: present %d, and not usable while masked", f, present);
        unsetenv("RNNSIMD_CPU_MASK");
        CHECK(rnn_cpu_feature_present(f) == present && rnn_cpu_feature_usable(f) == present,
              "feature %s: present and usable %d unmasked", f, present);
    }
    CHECK(!rnn_cpu_feature_present("no-such-feature") && !rnn_cpu_feature_present(NULL),
          "an unknown feature, and none, are not present");
    for (size_t f = 0; f < sizeof feature_names / sizeof *feature_names; f++) {
        int ours = 0;
        for (size_t i = 0; rnn_cpu_feature(i, NULL); i++)
            ours |= strcmp(feature_names[f], rnn_cpu_feature(i, NULL)) == 0;
        CHECK(ours || !rnn_cpu_feature_present(feature_names[f]),
              "%s, another architecture's feature, present", feature_names[f]);
    }
    /* Each of this architecture's rows exactly once (`rnnsimd info` and
     * the refusals' "hidden" test walk this list): a walk off by one
     * would name one twice and never reach the last. */
    size_t listed = 0;
    while (rnn_cpu_feature(listed, NULL))
        listed++;
    CHECK(listed == arch_feature_rows, "%zu features listed, isas.inc has %zu for this build",
          listed, arch_feature_rows);
    for (size_t i = 0; i < listed; i++)
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(rnn_cpu_feature(i, NULL), rnn_cpu_feature(j, NULL)) != 0,
                  "feature %s listed twice (%zu and %zu)", rnn_cpu_feature(i, NULL), j, i);

    /* Each ISA's name in RNNSIMD_CPU_MASK refuses it (generic needs nothing). */
    for (size_t r = 1; r < NROWS; r++) {
        if (!rows[r].built || rnn_isa_check(rows[r].isa, NULL) != RNN_OK)
            continue;
        setenv("RNNSIMD_CPU_MASK", rows[r].name, 1);
        const char *why = NULL;
        CHECK(rnn_isa_check(rows[r].isa, &why) == RNN_ERR_ISA_UNSUPPORTED && why &&
                  strstr(why, "hidden by RNNSIMD_CPU_MASK"),
              "RNNSIMD_CPU_MASK=%s refuses %s (why: %s)", rows[r].name, rows[r].name,
              why ? why : "NULL");
        CHECK(rnn_isa_check(RNN_ISA_GENERIC, NULL) == RNN_OK,
              "RNNSIMD_CPU_MASK=%s leaves generic", rows[r].name);
        unsetenv("RNNSIMD_CPU_MASK");
    }

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
        /* AUTO falls back to the best table the mask leaves. */
        setenv("RNNSIMD_CPU_MASK", "avx512bw", 1);
        CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == best_isa() &&
                  got != RNN_ISA_AVX512,
              "mask avx512bw: AUTO falls back to %s (got %s)", rnn_isa_name(best_isa()),
              rnn_isa_name(got));
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
        CHECK(rnn_isa_resolve(RNN_ISA_AUTO, &got, &why) == RNN_OK && got == best_isa() &&
                  got != RNN_ISA_AVX2 && got != RNN_ISA_AVX512,
              "mask avx2: AUTO falls back to %s, below avx2 and avx512 (avx512 needs avx2 too; "
              "got %s)", rnn_isa_name(best_isa()), rnn_isa_name(got));
        /* An instruction set's name hides only what no earlier row needs:
         * masking avx512 leaves avx2 (avx, fma, avx2, the YMM state). */
        setenv("RNNSIMD_CPU_MASK", "avx512", 1);
        why = NULL;
        CHECK(rnn_isa_check(RNN_ISA_AVX2, &why) == RNN_OK &&
                  rnn_isa_resolve(RNN_ISA_AUTO, &got, NULL) == RNN_OK && got == RNN_ISA_AVX2,
              "mask avx512: avx2 still runs and AUTO gives it (why: %s, got %s)",
              why ? why : "NULL", rnn_isa_name(got));
        /* An empty item (a doubled comma) is no name at all, not an unknown
         * one: the names around it still hide their features. */
        setenv("RNNSIMD_CPU_MASK", "avx512bw,,fma", 1);
        why = NULL;
        CHECK(rnn_isa_check(RNN_ISA_AVX2, &why) == RNN_ERR_ISA_UNSUPPORTED && why &&
                  strstr(why, "CPU lacks fma (hidden by RNNSIMD_CPU_MASK)") &&
                  rnn_isa_check(RNN_ISA_GENERIC, NULL) == RNN_OK,
              "mask avx512bw,,fma: avx2 refused for fma, generic runs (why: %s)",
              why ? why : "NULL");
        setenv("RNNSIMD_CPU_MASK", "avx2,bogus", 1);
        why = NULL;
        CHECK(rnn_isa_check(RNN_ISA_GENERIC, &why) == RNN_ERR_ARG && why && strstr(why, "bogus"),
              "an unknown mask name is an error naming it (why: %s)", why ? why : "NULL");
        unsetenv("RNNSIMD_CPU_MASK");
        CHECK(rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK, "unmasked again: avx512 runs");

        /* avx512bf16: no table needs it; its probe asks for it by name, and
         * runs nothing (returns 0) where the CPU lacks it or the mask hides it. */
        const rnn_kernels *k512 = NULL;
        CHECK(rnn_kernels_get(RNN_ISA_AVX512, &k512, NULL) == RNN_OK && k512->probe_bf16dot,
              "the avx512 table has a bf16 dot-product probe");
        const int bf16 = rnn_cpu_feature_usable("avx512bf16");
        printf("avx512bf16: %s\n", bf16 ? "usable" : "absent");
        if (k512 && k512->probe_bf16dot)
            CHECK(bf16 ? k512->probe_bf16dot(10) == 10.0 * 16 * 16 * 2 * 2
                       : k512->probe_bf16dot(10) == 0.0,
                  "probe_bf16dot counts 2048 flops an iteration, or runs nothing without bf16");
        setenv("RNNSIMD_CPU_MASK", "avx512bf16", 1);
        CHECK(!rnn_cpu_feature_usable("avx512bf16"), "mask avx512bf16 hides it");
        CHECK(rnn_isa_check(RNN_ISA_AVX512, NULL) == RNN_OK, "mask avx512bf16: avx512 still runs");
        if (k512 && k512->probe_bf16dot)
            CHECK(k512->probe_bf16dot(10) == 0.0, "mask avx512bf16: the probe runs nothing");
        setenv("RNNSIMD_CPU_MASK", "bogus", 1);
        CHECK(!rnn_cpu_feature_usable("avx512f"), "a malformed mask: nothing is usable");
        unsetenv("RNNSIMD_CPU_MASK");
        CHECK(rnn_cpu_feature_usable("avx512f") && !rnn_cpu_feature_usable("bogus") &&
                  !rnn_cpu_feature_usable(NULL) && !rnn_cpu_feature_usable("asimd"),
              "usable: a present feature of this build's architecture, by its exact name");
    } else {
        printf("avx512 not supported here: mask tests skipped\n");
    }
    CHECK(rnn_isa_check(RNN_ISA_NEON, &why) == RNN_ERR_ISA_UNSUPPORTED && strstr(why, "neon"),
          "neon is not in an x86-64 build (why: %s)", why);
#endif
    /* The clock probe's chain: every add done, on every architecture. */
    CHECK(rnn_probe_clock_adds(3) == 300.0 && rnn_probe_clock_adds(0) == 0.0,
          "rnn_probe_clock_adds does 100 adds an iteration");
    /* Tables without a bf16 probe leave it NULL (only avx512 has one). */
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        CHECK(((*t)->probe_bf16dot != NULL) == ((*t)->isa == RNN_ISA_AVX512),
              "%s: a bf16 dot-product probe only in the avx512 table", (*t)->name);
    return check_summary();
}
