/* dispatch.c — the instruction sets of isas.inc: their names, CPU feature
 * detection, and the choice of kernel table.
 *
 * Detection runs once (pthread_once): cpuid and xgetbv on x86-64 (an ISA
 * that uses YMM or ZMM registers also needs the OS to save them: XCR0),
 * getauxval(AT_HWCAP) and getauxval(AT_HWCAP2) on AArch64.
 *
 * Environment, read at every call (never cached, so tests can setenv):
 *   RNNSIMD_ISA       names the table RNN_ISA_AUTO resolves to ("auto" or empty
 *                     means the best this CPU runs).
 *   RNNSIMD_CPU_MASK  comma list of features of isas.inc to pretend are
 *                     absent, so unsupported paths can be tested on any
 *                     machine; an instruction set's name hides the features
 *                     it needs that no earlier row needs (avx512: avx512f,
 *                     bw, vl, dq and the ZMM state). An unknown name is an
 *                     error (RNN_ERR_ARG), not silently ignored. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

/* ---- the lists, from isas.inc ---- */
enum {
#define RNN_FEATURE(id, name, arch, detect, lacks) FEATURE_##id,
#include "isas.inc"
    FEATURE_COUNT
};
#define RNN_NEEDS(id) (1u << FEATURE_##id)
_Static_assert(FEATURE_COUNT <= 32, "features are bits of an unsigned");

/* Static sentences: a refusal's why must outlive the call. */
static const struct {
    const char *name, *lacks, *masked;
} features[FEATURE_COUNT] = {
#define RNN_FEATURE(id, name, arch, detect, lacks) \
    {name, lacks, lacks " (hidden by RNNSIMD_CPU_MASK)"},
#include "isas.inc"
};

/* How a refusal names the builds that compile a table. */
#define BUILD_TEXT_x86_64 "an x86-64"
#define BUILD_TEXT_aarch64 "an aarch64"
#define BUILD_TEXT_any "any"

static const struct {
    const char *name, *no_table;
    unsigned needs;
} isas[RNN_ISA_COUNT] = {
    [RNN_ISA_AUTO] = {"auto", NULL, 0},
#define RNN_ISA(id, name, arch, needs)                                                 \
    [RNN_ISA_##id] = {#name, "this build has no " #name " table (" #name " needs "   \
                             BUILD_TEXT_##arch " build)", needs},
#include "isas.inc"
};

/* The rows follow rnn_isa's order, one per value after RNN_ISA_AUTO. */
enum {
#define RNN_ISA(id, name, arch, needs) ROW_##id,
#include "isas.inc"
    ISA_ROWS
};
#define RNN_ISA(id, name, arch, needs) \
    _Static_assert(RNN_ISA_##id == ROW_##id + 1, "isas.inc: " #id " is out of rnn_isa's order");
#include "isas.inc"
_Static_assert(ISA_ROWS + 1 == RNN_ISA_COUNT, "isas.inc has a row per rnn_isa value");

/* ", generic, avx2, ...": every concrete name, for the messages below. */
static const char concrete_names[] = ""
#define RNN_ISA(id, name, arch, needs) ", " #name
#include "isas.inc"
    ;

const char rnn_isa_unknown_text[] = "unknown instruction set (expected auto"
#define RNN_ISA(id, name, arch, needs) ", " #name
#include "isas.inc"
    ")";

/* The tables this build compiles: the rows of its architecture, in order. */
#if defined(__x86_64__)
#define TABLE_x86_64(name) &rnn_kernels_##name,
#else
#define TABLE_x86_64(name)
#endif
#if defined(__aarch64__)
#define TABLE_aarch64(name) &rnn_kernels_##name,
#else
#define TABLE_aarch64(name)
#endif
#define TABLE_any(name) &rnn_kernels_##name,

#define RNN_ISA(id, name, arch, needs) extern const rnn_kernels rnn_kernels_##name;
#include "isas.inc"

const rnn_kernels *const *rnn_kernel_tables(void)
{
    static const rnn_kernels *const tables[] = {
#define RNN_ISA(id, name, arch, needs) TABLE_##arch(name)
#include "isas.inc"
        NULL,
    };
    return tables;
}

const char *rnn_isa_name(rnn_isa isa)
{
    return (unsigned)isa < RNN_ISA_COUNT ? isas[isa].name : NULL;
}

rnn_status rnn_isa_parse(const char *name, rnn_isa *out)
{
    if (!out)
        return RNN_ERR_NULL;
    for (int i = 0; name && i < RNN_ISA_COUNT; i++)
        if (strcmp(name, isas[i].name) == 0) {
            *out = (rnn_isa)i;
            return RNN_OK;
        }
    return RNN_ERR_ISA_UNKNOWN;
}

/* ---- CPU features ---- */
static unsigned cpu_features; /* bit per feature, written once under pthread_once */
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
enum { REG_eax, REG_ebx, REG_ecx, REG_edx };

static unsigned cpuid_reg(unsigned leaf, unsigned subleaf, int reg)
{
    unsigned r[4] = {0, 0, 0, 0};
    if (!__get_cpuid_count(leaf, subleaf, &r[0], &r[1], &r[2], &r[3]))
        return 0;
    return r[reg];
}

static unsigned long long read_xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

#define CPUID(leaf, subleaf, reg, bit) ((cpuid_reg(leaf, subleaf, REG_##reg) >> (bit)) & 1u)
#define XCR0(mask) ((xcr0 & (mask)) == (mask))
#define DETECT_x86_64(id, detect) \
    if (detect)                   \
        f |= RNN_NEEDS(id);
#else
#define DETECT_x86_64(id, detect)
#endif

#if defined(__aarch64__)
#define HWCAP(bit) ((hwcap & (bit)) != 0)
#define HWCAP2(bit) ((hwcap2 & (bit)) != 0)
#define DETECT_aarch64(id, detect) \
    if (detect)                    \
        f |= RNN_NEEDS(id);
#else
#define DETECT_aarch64(id, detect)
#endif

static void detect_cpu(void)
{
    unsigned f = 0;
#if defined(__x86_64__)
    /* XGETBV exists only when the OS enabled it (OSXSAVE). */
    const unsigned long long xcr0 = CPUID(1, 0, ecx, 27) ? read_xcr0() : 0;
#endif
#if defined(__aarch64__)
    const unsigned long hwcap = getauxval(AT_HWCAP);
    /* The features reported past AT_HWCAP's bits (bf16 among them). */
    const unsigned long hwcap2 = getauxval(AT_HWCAP2);
#endif
#define RNN_FEATURE(id, name, arch, detect, lacks) DETECT_##arch(id, detect)
#include "isas.inc"
    cpu_features = f;
}

/* Features of this build's architecture, for `rnnsimd info`. */
static const unsigned arch_features = 0
#if defined(__x86_64__)
#define IN_ARCH_x86_64(id) | RNN_NEEDS(id)
#else
#define IN_ARCH_x86_64(id)
#endif
#if defined(__aarch64__)
#define IN_ARCH_aarch64(id) | RNN_NEEDS(id)
#else
#define IN_ARCH_aarch64(id)
#endif
#define RNN_FEATURE(id, name, arch, detect, lacks) IN_ARCH_##arch(id)
#include "isas.inc"
    ;

const char *rnn_cpu_feature(size_t i, int *present)
{
    pthread_once(&cpu_once, detect_cpu);
    for (size_t f = 0, n = 0; f < FEATURE_COUNT; f++) {
        if (!(arch_features & 1u << f) || n++ < i)
            continue;
        if (present)
            *present = (cpu_features >> f) & 1u;
        return features[f].name;
    }
    return NULL;
}

/* Per-thread buffer for the messages that quote the environment. */
static _Thread_local char env_why[256];

/* Parses RNNSIMD_CPU_MASK into feature bits to hide; -1 on an unknown name. */
static int read_mask(unsigned *hide)
{
    *hide = 0;
    const char *p = getenv("RNNSIMD_CPU_MASK");
    while (p && *p) {
        const size_t len = strcspn(p, ",");
        int found = len == 0;
        for (int i = 0; i < FEATURE_COUNT && !found; i++)
            if (strlen(features[i].name) == len && strncmp(p, features[i].name, len) == 0) {
                *hide |= 1u << i;
                found = 1;
            }
        unsigned earlier = 0;
        for (int i = RNN_ISA_AUTO + 1; i < RNN_ISA_COUNT && !found; earlier |= isas[i++].needs)
            if (strlen(isas[i].name) == len && strncmp(p, isas[i].name, len) == 0) {
                *hide |= isas[i].needs & ~earlier;
                found = 1;
            }
        if (!found) {
            int n = snprintf(env_why, sizeof env_why,
                             "RNNSIMD_CPU_MASK names unknown feature '%.*s' (expected",
                             (int)(len > 40 ? 40 : len), p);
            for (int i = 0; i < FEATURE_COUNT && n > 0 && (size_t)n < sizeof env_why; i++)
                if (arch_features & 1u << i)
                    n += snprintf(env_why + n, sizeof env_why - (size_t)n, " %s,",
                                  features[i].name);
            if (n > 0 && (size_t)n < sizeof env_why)
                snprintf(env_why + n, sizeof env_why - (size_t)n,
                         " or an instruction set's name)");
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int rnn_cpu_feature_usable(const char *name)
{
    unsigned hide;
    if (!name || read_mask(&hide) < 0)
        return 0;
    pthread_once(&cpu_once, detect_cpu);
    for (int i = 0; i < FEATURE_COUNT; i++)
        if (strcmp(name, features[i].name) == 0)
            return (arch_features >> i & 1u) && (cpu_features >> i & 1u) && !(hide >> i & 1u);
    return 0;
}

int rnn_cpu_feature_present(const char *name)
{
    if (!name)
        return 0;
    pthread_once(&cpu_once, detect_cpu);
    for (int i = 0; i < FEATURE_COUNT; i++)
        if (strcmp(name, features[i].name) == 0)
            return (arch_features >> i & 1u) && (cpu_features >> i & 1u);
    return 0;
}

static const char *first_missing(unsigned need, unsigned have, unsigned hide)
{
    for (int i = 0; i < FEATURE_COUNT; i++) {
        if (!(need & (1u << i)))
            continue;
        if (!(have & (1u << i)))
            return features[i].lacks;
        if (hide & (1u << i))
            return features[i].masked;
    }
    return NULL;
}

static const rnn_kernels *table_of(rnn_isa isa)
{
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        if ((*t)->isa == isa)
            return *t;
    return NULL;
}

rnn_status rnn_isa_check(rnn_isa isa, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if ((unsigned)isa >= RNN_ISA_COUNT || isa == RNN_ISA_AUTO) {
        snprintf(env_why, sizeof env_why,
                 "not a concrete instruction set (expected %s)", concrete_names + 2);
        *why = env_why;
        return RNN_ERR_ISA_UNKNOWN;
    }
    unsigned hide;
    if (read_mask(&hide) < 0) {
        *why = env_why;
        return RNN_ERR_ARG;
    }
    if (!table_of(isa)) {
        *why = isas[isa].no_table;
        return RNN_ERR_ISA_UNSUPPORTED;
    }
    pthread_once(&cpu_once, detect_cpu);
    const char *m = first_missing(isas[isa].needs, cpu_features, hide);
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
        snprintf(env_why, sizeof env_why, "not an instruction set (expected auto%s)",
                 concrete_names);
        *why = env_why;
        return RNN_ERR_ISA_UNKNOWN;
    }
    if (isa == RNN_ISA_AUTO) {
        const char *env = getenv("RNNSIMD_ISA");
        if (env && *env && rnn_isa_parse(env, &isa) != RNN_OK) {
            snprintf(env_why, sizeof env_why,
                     "RNNSIMD_ISA='%.40s' is not an instruction set (expected auto%s)", env,
                     concrete_names);
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
    /* The most preferred first: the list's last rows. */
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
    *out = table_of(chosen); /* rnn_isa_check saw it */
    return RNN_OK;
}
