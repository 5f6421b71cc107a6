/* dispatch.c — CPU feature detection and the choice of kernel table.
 *
 * x86-64: cpuid + xgetbv, computed once (pthread_once) since they never
 * change; the OS must save YMM (XCR0 bits 1,2) for avx2 and also the opmask
 * and ZMM state (bits 5,6,7) for avx512. AArch64: Advanced SIMD is part of
 * the base ISA, so neon needs only asimd in getauxval(AT_HWCAP); asimdhp,
 * asimddp and sve are recorded too, for later kernels (none needs them yet).
 *
 * Environment, read at every call (never cached, so tests can setenv):
 *   RNNSIMD_ISA       names the table RNN_ISA_AUTO resolves to ("auto" or empty
 *                     means the best this CPU runs).
 *   RNNSIMD_CPU_MASK  comma list of CPU features to pretend are absent: avx,
 *                     fma, avx2, avx512f, avx512bw, avx512vl, avx512dq, or
 *                     avx512 (all four); asimd on aarch64; so unsupported paths
 *                     can be tested on any machine. An unknown name is an error (RNN_ERR_ARG),
 *                     not silently ignored. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "generic/generic.h"

#if defined(__x86_64__)
#include <cpuid.h>
extern const rnn_kernels rnn_kernels_avx2;
extern const rnn_kernels rnn_kernels_avx512;
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
extern const rnn_kernels rnn_kernels_neon;
#endif

const rnn_kernels *const *rnn_kernel_tables(void)
{
    static const rnn_kernels *const tables[] = {
        &rnn_kernels_generic,
#if defined(__x86_64__)
        &rnn_kernels_avx2,
        &rnn_kernels_avx512,
#endif
#if defined(__aarch64__)
        &rnn_kernels_neon,
#endif
        NULL,
    };
    return tables;
}

/* ---- CPU features ---- */
enum {
    FEAT_AVX, FEAT_FMA, FEAT_AVX2, FEAT_AVX512F, FEAT_AVX512BW, FEAT_AVX512VL,
    FEAT_AVX512DQ, FEAT_YMM_STATE, FEAT_ZMM_STATE,
    FEAT_ASIMD, FEAT_ASIMDHP, FEAT_ASIMDDP, FEAT_SVE, FEAT_COUNT
};
static const char *const feat_names[FEAT_COUNT] = {
    "avx", "fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq",
    "OS-saved YMM state", "OS-saved ZMM state",
    "asimd", "asimdhp", "asimddp", "sve",
};
/* Static sentences (why must outlive the call): "CPU lacks X" and the masked variant. */
static const char *const lacks[FEAT_COUNT] = {
    "CPU lacks avx", "CPU lacks fma", "CPU lacks avx2", "CPU lacks avx512f",
    "CPU lacks avx512bw", "CPU lacks avx512vl", "CPU lacks avx512dq",
    "OS does not save YMM state (XCR0)", "OS does not save ZMM state (XCR0)",
    "CPU lacks asimd (AT_HWCAP)", "CPU lacks asimdhp", "CPU lacks asimddp", "CPU lacks sve",
};
static const char *const masked[FEAT_COUNT] = {
    "CPU lacks avx (hidden by RNNSIMD_CPU_MASK)", "CPU lacks fma (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks avx2 (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks avx512f (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks avx512bw (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks avx512vl (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks avx512dq (hidden by RNNSIMD_CPU_MASK)",
    "OS-saved YMM state hidden by RNNSIMD_CPU_MASK",
    "OS-saved ZMM state hidden by RNNSIMD_CPU_MASK",
    "CPU lacks asimd (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks asimdhp (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks asimddp (hidden by RNNSIMD_CPU_MASK)",
    "CPU lacks sve (hidden by RNNSIMD_CPU_MASK)",
};

static unsigned cpu_features; /* bit per FEAT_*, written once under pthread_once */
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
static unsigned long long read_xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

static void detect_cpu(void)
{
    unsigned f = 0;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int osxsave = (c >> 27) & 1;
        if ((c >> 28) & 1) f |= 1u << FEAT_AVX;
        if ((c >> 12) & 1) f |= 1u << FEAT_FMA;
        if (osxsave) {
            unsigned long long xcr0 = read_xcr0();
            if ((xcr0 & 0x6) == 0x6) f |= 1u << FEAT_YMM_STATE;
            if ((xcr0 & 0xe6) == 0xe6) f |= 1u << FEAT_ZMM_STATE;
        }
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if ((b >> 5) & 1) f |= 1u << FEAT_AVX2;
        if ((b >> 16) & 1) f |= 1u << FEAT_AVX512F;
        if ((b >> 17) & 1) f |= 1u << FEAT_AVX512DQ;
        if ((b >> 30) & 1) f |= 1u << FEAT_AVX512BW;
        if ((b >> 31) & 1) f |= 1u << FEAT_AVX512VL;
    }
#endif
#if defined(__aarch64__)
    unsigned long hw = getauxval(AT_HWCAP);
    if (hw & HWCAP_ASIMD) f |= 1u << FEAT_ASIMD;
    if (hw & HWCAP_ASIMDHP) f |= 1u << FEAT_ASIMDHP;
    if (hw & HWCAP_ASIMDDP) f |= 1u << FEAT_ASIMDDP;
    if (hw & HWCAP_SVE) f |= 1u << FEAT_SVE;
#endif
    cpu_features = f;
}

/* Per-thread buffer for the one message that quotes the environment. */
static _Thread_local char env_why[192];

/* Parses RNNSIMD_CPU_MASK into feature bits to hide; -1 on an unknown name. */
static int read_mask(unsigned *hide)
{
    *hide = 0;
    const char *env = getenv("RNNSIMD_CPU_MASK");
    if (!env)
        return 0;
    const char *p = env;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = 0;
        if (len == 6 && strncmp(p, "avx512", 6) == 0) {
            *hide |= 1u << FEAT_AVX512F | 1u << FEAT_AVX512BW | 1u << FEAT_AVX512VL |
                     1u << FEAT_AVX512DQ;
            found = 1;
        }
        for (int i = 0; i < FEAT_COUNT && !found; i++)
            if ((i <= FEAT_AVX512DQ || i == FEAT_ASIMD) && strlen(feat_names[i]) == len &&
                strncmp(p, feat_names[i], len) == 0) {
                *hide |= 1u << i;
                found = 1;
            }
        if (!found && len > 0) {
            snprintf(env_why, sizeof env_why,
                     "RNNSIMD_CPU_MASK names unknown feature '%.*s' (expected avx, fma, avx2, "
                     "avx512, avx512f, avx512bw, avx512vl, avx512dq or asimd)",
                     (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static const char *first_missing(unsigned need, unsigned have, unsigned hide)
{
    for (int i = 0; i < FEAT_COUNT; i++) {
        if (!(need & (1u << i)))
            continue;
        if (!(have & (1u << i)))
            return lacks[i];
        if (hide & (1u << i))
            return masked[i];
    }
    return NULL;
}

static int table_built(rnn_isa isa)
{
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        if ((*t)->isa == isa)
            return 1;
    return 0;
}

rnn_status rnn_isa_check(rnn_isa isa, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if ((unsigned)isa >= RNN_ISA_COUNT || isa == RNN_ISA_AUTO) {
        *why = "not a concrete instruction set (expected generic, avx2, avx512 or neon)";
        return RNN_ERR_ISA_UNKNOWN;
    }
    unsigned hide;
    if (read_mask(&hide) < 0) {
        *why = env_why;
        return RNN_ERR_ARG;
    }
    if (!table_built(isa)) {
        *why = isa == RNN_ISA_NEON ? "this build has no neon table (neon needs an aarch64 build)"
               : isa == RNN_ISA_AVX2 ? "this build has no avx2 table (avx2 needs an x86-64 build)"
               : "this build has no avx512 table (avx512 needs an x86-64 build)";
        return RNN_ERR_ISA_UNSUPPORTED;
    }
    pthread_once(&cpu_once, detect_cpu);
    unsigned need = 0;
    if (isa == RNN_ISA_AVX2 || isa == RNN_ISA_AVX512)
        need |= 1u << FEAT_AVX | 1u << FEAT_FMA | 1u << FEAT_AVX2 | 1u << FEAT_YMM_STATE;
    if (isa == RNN_ISA_AVX512)
        need |= 1u << FEAT_AVX512F | 1u << FEAT_AVX512BW | 1u << FEAT_AVX512VL |
                1u << FEAT_AVX512DQ | 1u << FEAT_ZMM_STATE;
    if (isa == RNN_ISA_NEON)
        need |= 1u << FEAT_ASIMD;
    const char *m = first_missing(need, cpu_features, hide);
    if (m) {
        *why = m;
        return RNN_ERR_ISA_UNSUPPORTED;
    }
    return RNN_OK;
}

rnn_status rnn_isa_resolve(rnn_isa isa, rnn_isa *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (!out)
        return RNN_ERR_NULL;
    if ((unsigned)isa >= RNN_ISA_COUNT) {
        *why = "not an instruction set (expected auto, generic, avx2, avx512 or neon)";
        return RNN_ERR_ISA_UNKNOWN;
    }
    if (isa == RNN_ISA_AUTO) {
        const char *env = getenv("RNNSIMD_ISA");
        if (env && *env && rnn_isa_parse(env, &isa) != RNN_OK) {
            snprintf(env_why, sizeof env_why,
                     "RNNSIMD_ISA='%.40s' is not an instruction set (expected auto, generic, "
                     "avx2, avx512 or neon)", env);
            *why = env_why;
            return RNN_ERR_ISA_UNKNOWN;
        }
    }
    if (isa != RNN_ISA_AUTO) {
        rnn_status s = rnn_isa_check(isa, why);
        if (s == RNN_OK)
            *out = isa;
        return s;
    }
    /* The best first: the list is ordered generic .. widest, so walk it backwards. */
    const rnn_kernels *const *t = rnn_kernel_tables();
    size_t n = 0;
    while (t[n])
        n++;
    rnn_status s = RNN_ERR_ISA_UNSUPPORTED;
    while (n-- > 0) {
        s = rnn_isa_check(t[n]->isa, why);
        if (s == RNN_OK) {
            *out = t[n]->isa;
            return RNN_OK;
        }
        if (s == RNN_ERR_ARG)
            return s;
    }
    return s;
}

rnn_status rnn_kernels_get(rnn_isa isa, const rnn_kernels **out, const char **why)
{
    if (!out)
        return RNN_ERR_NULL;
    rnn_isa chosen;
    rnn_status s = rnn_isa_resolve(isa, &chosen, why);
    if (s != RNN_OK)
        return s;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        if ((*t)->isa == chosen) {
            *out = *t;
            return RNN_OK;
        }
    return RNN_ERR_ISA_UNSUPPORTED; /* unreachable: rnn_isa_check saw the table */
}
