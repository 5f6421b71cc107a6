/* identity.c — the machine's stable facts, its results/ folder name and the
 * run's environment for the JSON context (bench/identity.h says the rules). */
#include "identity.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "gbench.h"
#include "json.h"

/* The value after "key<tabs>: " of the first line naming key, or NULL. */
static const char *field(const char *text, const char *key, char *buf, size_t n)
{
    size_t kl = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > kl && !strncmp(line, key, kl) && (line[kl] == '\t' || line[kl] == ' ' ||
                                                    line[kl] == ':')) {
            const char *colon = memchr(line, ':', len);
            if (colon) {
                const char *v = colon + 1;
                while (v < line + len && (*v == ' ' || *v == '\t'))
                    v++;
                size_t vl = (size_t)(line + len - v);
                if (vl >= n)
                    vl = n - 1;
                memcpy(buf, v, vl);
                buf[vl] = '\0';
                while (vl > 0 && isspace((unsigned char)buf[vl - 1]))
                    buf[--vl] = '\0';
                return buf;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* A whole number in decimal or 0x hex, or -1. */
static int number(const char *text, const char *key)
{
    char buf[64];
    if (!field(text, key, buf, sizeof buf) || !*buf)
        return -1;
    char *end;
    long v = strtol(buf, &end, 0);
    return *end || v < 0 || v > 1000000 ? -1 : (int)v;
}

/* The first processor's block of /proc/cpuinfo (its facts name the machine). */
static char *read_cpuinfo(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (buf) {
        n = fread(buf, 1, cap - 1, f);
        buf[n] = '\0';
        char *blank = strstr(buf, "\n\n");
        if (blank)
            blank[1] = '\0';
    }
    fclose(f);
    return buf;
}

static void lower_alnum(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (; *in && k + 1 < n; in++)
        if (isalnum((unsigned char)*in))
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

static const char *arm_vendor(int implementer)
{
    switch (implementer) {
    case 0x41: return "arm";
    case 0x42: return "broadcom";
    case 0x43: return "cavium";
    case 0x46: return "fujitsu";
    case 0x48: return "hisilicon";
    case 0x4e: return "nvidia";
    case 0x50: return "apm";
    case 0x51: return "qualcomm";
    case 0x61: return "apple";
    case 0x6d: return "microsoft";
    case 0xc0: return "ampere";
    default: return NULL;
    }
}

/* The machine of architecture arch from the text of /proc/cpuinfo (its
 * first processor; NULL: unreadable) and the peaks. */
static void identify_from(bench_machine *m, const char *arch, const char *info,
                          const double peaks[RNN_ISA_COUNT])
{
    memset(m, 0, sizeof *m);
    m->family = m->model = m->stepping = -1;
    m->implementer = m->part = m->variant = m->revision = -1;
    snprintf(m->arch, sizeof m->arch, "%s", arch);
    snprintf(m->vendor, sizeof m->vendor, "unknown");
    char buf[128];
    /* Under user-mode emulation /proc/cpuinfo is the host's: an aarch64
     * binary reading x86 fields (vendor_id) takes nothing from it. */
    if (info && !strcmp(m->arch, "aarch64") && field(info, "vendor_id", buf, sizeof buf))
        info = NULL;
    if (info) {
        if (field(info, "model name", buf, sizeof buf))
            snprintf(m->model_name, sizeof m->model_name, "%s", buf);
        if (!strcmp(m->arch, "x86_64")) {
            if (field(info, "vendor_id", buf, sizeof buf)) {
                if (!strcmp(buf, "AuthenticAMD"))
                    snprintf(m->vendor, sizeof m->vendor, "amd");
                else if (!strcmp(buf, "GenuineIntel"))
                    snprintf(m->vendor, sizeof m->vendor, "intel");
                else
                    lower_alnum(buf, m->vendor, sizeof m->vendor);
            }
            m->family = number(info, "cpu family");
            m->model = number(info, "model");
            m->stepping = number(info, "stepping");
        } else if (!strcmp(m->arch, "aarch64")) {
            m->implementer = number(info, "CPU implementer");
            m->part = number(info, "CPU part");
            m->variant = number(info, "CPU variant");
            m->revision = number(info, "CPU revision");
            const char *v = arm_vendor(m->implementer);
            if (v)
                snprintf(m->vendor, sizeof m->vendor, "%s", v);
            else if (m->implementer >= 0)
                snprintf(m->vendor, sizeof m->vendor, "i%02x", m->implementer);
        }
    }
    if (!m->vendor[0])
        snprintf(m->vendor, sizeof m->vendor, "unknown");

    const double p512 = peaks[RNN_ISA_AVX512], p256 = peaks[RNN_ISA_AVX2];
    if (p512 > 0 && p256 > 0) {
        m->fma_ratio = p512 / p256;
        snprintf(m->fma_class, sizeof m->fma_class, m->fma_ratio >= 1.5 ? "fma512x2" : "fma512x1");
    } else if (p256 > 0) {
        snprintf(m->fma_class, sizeof m->fma_class, "fma256");
    } else if (peaks[RNN_ISA_NEON] > 0) {
        snprintf(m->fma_class, sizeof m->fma_class, "neon");
    } else {
        snprintf(m->fma_class, sizeof m->fma_class, "%s",
                 !strcmp(m->arch, "x86_64") ? "sse" : "scalar");
    }

    char id[48] = "";
    if (!strcmp(m->arch, "x86_64") && m->family >= 0) {
        int k = snprintf(id, sizeof id, "f%d", m->family);
        if (m->model >= 0)
            k += snprintf(id + k, sizeof id - (size_t)k, "m%d", m->model);
        if (m->stepping >= 0)
            snprintf(id + k, sizeof id - (size_t)k, "s%d", m->stepping);
    } else if (m->part >= 0) {
        snprintf(id, sizeof id, "%03x-r%dp%d", m->part, m->variant < 0 ? 0 : m->variant,
                 m->revision < 0 ? 0 : m->revision);
    } else {
        snprintf(id, sizeof id, "unknown");
    }
    snprintf(m->slug, sizeof m->slug, "%s-%s-%s-%s", m->arch, m->vendor, id, m->fma_class);
}

void bench_machine_identify(bench_machine *m, const double peaks[RNN_ISA_COUNT])
{
#if defined(__x86_64__)
    const char *arch = "x86_64";
#elif defined(__aarch64__)
    const char *arch = "aarch64";
#else
    const char *arch = "unknown";
#endif
    char *info = read_cpuinfo();
    identify_from(m, arch, info, peaks);
    free(info);
}

void bench_machine_print_json(FILE *f, const bench_machine *m)
{
    const int x86 = !strcmp(m->arch, "x86_64");
    fprintf(f, "{\n  \"slug\": ");
    rnn_json_string(f, m->slug);
    fprintf(f, ",\n  \"arch\": ");
    rnn_json_string(f, m->arch);
    fprintf(f, ",\n  \"vendor\": ");
    rnn_json_string(f, m->vendor);
    fprintf(f, ",\n  \"model_name\": ");
    rnn_json_string(f, m->model_name);
    const char *names[4];
    int vals[4];
    if (x86) {
        names[0] = "cpu_family", names[1] = "cpu_model", names[2] = "cpu_stepping", names[3] = NULL;
        vals[0] = m->family, vals[1] = m->model, vals[2] = m->stepping;
    } else {
        names[0] = "cpu_implementer", names[1] = "cpu_part", names[2] = "cpu_variant",
        names[3] = "cpu_revision";
        vals[0] = m->implementer, vals[1] = m->part, vals[2] = m->variant, vals[3] = m->revision;
    }
    for (int i = 0; i < 4 && names[i]; i++)
        if (vals[i] >= 0)
            fprintf(f, ",\n  \"%s\": %d", names[i], vals[i]);
    fprintf(f, ",\n  \"fma_class\": ");
    rnn_json_string(f, m->fma_class);
    if (m->fma_ratio > 0)
        fprintf(f, ",\n  \"fma_ratio_avx512_avx2\": %.3f", m->fma_ratio);
    fprintf(f, ",\n  \"unknown\": [");
    int first = 1;
    for (int i = 0; i < 4 && names[i]; i++)
        if (vals[i] < 0) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", names[i]);
            first = 0;
        }
    if (!strcmp(m->vendor, "unknown")) {
        fprintf(f, "%s\"vendor\"", first ? "" : ", ");
        first = 0;
    }
    fprintf(f, "]\n}\n");
}

static void ctx_int(const char *key, int v)
{
    char buf[32];
    if (v < 0)
        snprintf(buf, sizeof buf, "unknown");
    else
        snprintf(buf, sizeof buf, "%d", v);
    gbench_add_context(key, buf);
}

void bench_machine_context(const bench_machine *m)
{
    gbench_add_context("machine", m->slug);
    gbench_add_context("machine_arch", m->arch);
    gbench_add_context("machine_vendor", m->vendor);
    gbench_add_context("machine_model_name", m->model_name[0] ? m->model_name : "unknown");
    if (!strcmp(m->arch, "x86_64")) {
        ctx_int("machine_cpu_family", m->family);
        ctx_int("machine_cpu_model", m->model);
        ctx_int("machine_cpu_stepping", m->stepping);
    } else {
        ctx_int("machine_cpu_implementer", m->implementer);
        ctx_int("machine_cpu_part", m->part);
        ctx_int("machine_cpu_variant", m->variant);
        ctx_int("machine_cpu_revision", m->revision);
    }
    gbench_add_context("machine_fma_class", m->fma_class);
    if (m->fma_ratio > 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.3f", m->fma_ratio);
        gbench_add_context("machine_fma_ratio_avx512_avx2", buf);
    }
}

/* The bracketed choice of a sysfs setting like "always [madvise] never". */
static int sysfs_choice(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    line[strcspn(line, "\n")] = '\0';
    const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
    if (a && b)
        snprintf(out, n, "%.*s", (int)(b - a - 1), a + 1);
    else
        snprintf(out, n, "%s", line);
    return 0;
}

static void ctx_env(const char *key, const char *var, const char *fallback)
{
    const char *v = getenv(var);
    gbench_add_context(key, v && *v ? v : fallback);
}

void bench_environment_context(void)
{
#if defined(__clang__)
    gbench_add_context("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    gbench_add_context("compiler", "gcc " __VERSION__);
#else
    gbench_add_context("compiler", "unknown");
#endif
    ctx_env("cflags", "RNNSIMD_BENCH_CFLAGS", "unknown (run through make bench)");
    ctx_env("git_commit", "RNNSIMD_BENCH_GIT_COMMIT", "unknown (run through make bench)");
    ctx_env("git_dirty", "RNNSIMD_BENCH_GIT_DIRTY", "unknown");
    struct utsname u;
    char buf[600];
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s", u.sysname, u.release);
        gbench_add_context("kernel", buf);
    }
    char thp[256], defrag[256];
    if (sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof thp) == 0) {
        if (sysfs_choice("/sys/kernel/mm/transparent_hugepage/defrag", defrag, sizeof defrag))
            snprintf(defrag, sizeof defrag, "unreadable");
        snprintf(buf, sizeof buf, "%s (defrag %s)", thp, defrag);
        gbench_add_context("transparent_hugepages", buf);
    } else {
        gbench_add_context("transparent_hugepages", "unreadable");
    }
    char gov[256];
    if (sysfs_choice("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof gov) == 0)
        gbench_add_context("cpu_governor", gov);
    else
        gbench_add_context("cpu_governor", "unreadable (no cpufreq here: a VM or a fixed clock)");
}

void bench_hash_init(bench_hash *h)
{
    h->h = 14695981039346656037ULL;
}

void bench_hash_add(bench_hash *h, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h->h ^= *p;
        h->h *= 1099511628211ULL;
    }
    h->h ^= (unsigned char)'\n';
    h->h *= 1099511628211ULL;
}

void bench_hash_hex(const bench_hash *h, char *buf, size_t n)
{
    snprintf(buf, n, "%016llx", h->h);
}
