/* cmd_info.c — `rnnsimd info`: the CPU, the features this build cares about,
 * every kernel table compiled in and whether this CPU runs it (with the
 * reason when not), the table RNN_ISA_AUTO selects (honouring RNNSIMD_ISA and
 * RNNSIMD_CPU_MASK), and the library version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "kernels.h"
#include "tools.h"

static const char info_usage[] =
    "usage: rnnsimd info\n"
    "\n"
    "Prints the CPU model, the instruction-set features rnnsimd uses, every kernel\n"
    "table compiled into this build and whether this CPU runs it (with the reason\n"
    "when not), the table selected for --isa auto, and the library version.\n"
    "\n"
    "environment:\n"
    "  RNNSIMD_ISA       the table --isa auto selects (auto, {isas:, })\n"
    "  RNNSIMD_CPU_MASK  features to pretend are absent, e.g. avx512 or avx2,fma\n";

/* The model name line of /proc/cpuinfo (x86), or the implementer/part of an
 * Arm core; "unknown" where neither exists. */
static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512], impl[64] = "", part[64] = "";
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(buf, len, "%s", v);
            break;
        }
        if (strncmp(line, "CPU implementer", 15) == 0 && !impl[0])
            snprintf(impl, sizeof impl, "%s", v);
        if (strncmp(line, "CPU part", 8) == 0 && !part[0])
            snprintf(part, sizeof part, "%s", v);
    }
    fclose(f);
    if (strcmp(buf, "unknown") == 0 && impl[0])
        snprintf(buf, len, "implementer %s, part %s", impl, part);
}

/* The features of kernels/isas.inc this CPU and OS have: the ones dispatch
 * detects, so `info` and the choice of table never disagree. */
static void print_features(void)
{
    printf("features:");
    int any = 0, present;
    for (size_t i = 0; rnn_cpu_feature(i, &present); i++)
        if (present) {
            printf(" %s", rnn_cpu_feature(i, NULL));
            any = 1;
        }
    printf("%s\n", any ? "" : " (none this build uses)");
    const char *mask = getenv("RNNSIMD_CPU_MASK");
    if (mask && *mask)
        printf("masked:   %s (RNNSIMD_CPU_MASK: treated as absent)\n", mask);
}

int cmd_info(int argc, char **argv)
{
    int r = opts_parse("info", argc, argv, NULL, 0, info_usage, NULL, 0, NULL);
    if (r)
        return r < 0 ? 0 : r;
    struct utsname u;
    char model[256];
    cpu_model(model, sizeof model);
    printf("rnnsimd %s\n", RNNSIMD_VERSION);
    printf("cpu:      %s (%s)\n", model, uname(&u) == 0 ? u.machine : "?");
    print_features();

    printf("kernel tables compiled in:\n");
    int status = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *why = NULL;
        rnn_status st = rnn_isa_check((*t)->isa, &why);
        if (st == RNN_OK)
            printf("  %-9s runs on this CPU\n", (*t)->name);
        else
            printf("  %-9s refused: %s\n", (*t)->name, why ? why : rnn_strerror(st));
    }
    printf("  %-9s always (scalar, double inside: the oracle, --isa reference)\n", "reference");

    const char *env = getenv("RNNSIMD_ISA");
    rnn_isa sel;
    const char *why = NULL;
    rnn_status st = rnn_isa_resolve(RNN_ISA_AUTO, &sel, &why);
    if (st == RNN_OK)
        printf("selected: %s (%s)\n", rnn_isa_name(sel),
               env && *env && strcmp(env, "auto") ? "RNNSIMD_ISA" : "the best this CPU runs");
    else {
        printf("selected: none: %s\n", why ? why : rnn_strerror(st));
        status = EXIT_RUNTIME;
    }
    if (env && *env)
        printf("RNNSIMD_ISA=%s\n", env);
    return status;
}
