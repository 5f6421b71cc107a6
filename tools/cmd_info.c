/* cmd_info.c — `rnnsimd info`: the CPU, the features this build cares about,
 * its cache sizes (rnn_cpu_caches_get), every kernel table compiled in and
 * whether this CPU runs it (with the reason when not), the table
 * RNN_ISA_AUTO selects (honouring RNNSIMD_ISA and RNNSIMD_CPU_MASK), and the
 * library version; with --plan, a plan's schedule choices
 * (rnn_plan_describe) under --tune estimate or measure; with --probe, the
 * machine model's measurements on the selected table (bench/peak.h, shared
 * with rnnsimd-bench, whose JSON context uses the same keys). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "kernels.h"
#include "clock.h"
#include "file_io.h"
#include "tools.h"
/* The probes' timing is rnnsimd-bench's (the Makefile links bench/peak.c and
 * bench/elementwise.c into this command too), so both report the same numbers. */
#include "../bench/elementwise.h"
#include "../bench/peak.h"

static const char info_usage[] =
    "usage: rnnsimd info [--probe] [--plan SPEC [--tune estimate|measure]\n"
    "                    [--threads 1|2] [--isa ISA] [--dtype f32|bf16]\n"
    "                    [--wisdom FILE]]\n"
    "\n"
    "Prints the CPU model, the instruction-set features rnnsimd uses, the data cache\n"
    "sizes (as the OS reports them; defaults where it reports none), every kernel\n"
    "table compiled into this build and whether this CPU runs it (with the reason\n"
    "when not), the tables that run the bf16 data type, the table selected for\n"
    "--isa auto, and the library version.\n"
    "Nothing is timed unless --probe is given.\n"
    "\n"
    "  --probe       also measure the machine model on the selected table, one\n"
    "                thread, about a second: the core clock (a chain of dependent\n"
    "                adds), the FMA peak, FMAs a cycle and the FMA ports they\n"
    "                imply, the bf16 dot-product peak and its ratio to the FMA\n"
    "                peak (where the CPU has one), the read bandwidth at half\n"
    "                of L1d, half of L2 and 256 KiB to 64 MiB, and what each\n"
    "                cell's gate kernels cost a hidden unit; each line starts\n"
    "                with the key rnnsimd-bench's JSON context gives it\n"
    "  --plan SPEC   also make a plan of this problem (synthetic weights) and print\n"
    "                its schedule choices (rnn_plan_describe) and how long creating\n"
    "                it took; SPEC is CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>\n"
    "                [:L<n>][:bi][:V<n>], e.g. lstm:many2one:T64:B1:I512:H512\n"
    "  --tune MODE   estimate (the default: fixed rules) or measure (time\n"
    "                candidates once, keep the fastest)\n"
    "  --threads N   the plan's threads (1, the default, or 2)\n"
    "  --isa ISA     the plan's table (auto, {isas:, })\n"
    "  --dtype T     the plan's data type: f32 (the default) or bf16\n"
    "  --wisdom FILE import FILE's wisdom first if it exists, export the\n"
    "                wisdom into it after\n"
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

static void print_size(const char *name, size_t bytes, const char *sep)
{
    if (!bytes)
        printf("%s unknown%s", name, sep);
    else if (bytes % (1u << 20) == 0)
        printf("%s %zu MiB%s", name, bytes >> 20, sep);
    else
        printf("%s %zu KiB%s", name, bytes >> 10, sep);
}

/* The data caches, as the library's planners see them: cheap, no timing. */
static void print_caches(void)
{
    rnn_cpu_caches c;
    rnn_cpu_caches_get(&c);
    printf("caches:   ");
    print_size("L1d", c.l1d, ", ");
    print_size("L2", c.l2, ", ");
    print_size("L3", c.l3, ", ");
    printf("line %u B (one core's view; L3 as the OS reports it)\n", c.line);
}

/* What the planner's rules use (docs/design.md §12): its FMA probe takes a
 * few milliseconds, once. */
static void print_model(rnn_isa isa)
{
    char line[160];
    if (rnn_machine_describe(isa, line, sizeof line) == RNN_OK)
        printf("model:    %s (what the planner's rules use)\n", line);
}

/* One probe's line: the key, the value, a note. */
/* A probe that ran out of memory (bench/peak.h: a negative value) says so. */
static int probes_nomem;

static void probe_line(const char *key, double v, int decimals, const char *note)
{
    if (v < 0) {
        printf("  %-35s out of memory\n", key);
        probes_nomem = 1;
        return;
    }
    printf("  %-35s %.*f%s%s\n", key, decimals, v, note ? "  " : "", note ? note : "");
}

/* --probe: the machine model measured on table isa (bench/peak.h), about a
 * second of one thread's CPU time. */
static int print_probes(rnn_isa isa)
{
    const char *name = rnn_isa_name(isa);
    rnn_cpu_caches c;
    rnn_cpu_caches_get(&c);
    printf("probes:   one thread, the %s table (rnnsimd-bench's context keys)\n", name);
    char key[64], note[96];
    probe_line("l1d_bytes", (double)c.l1d, 0, NULL);
    probe_line("l2_bytes", (double)c.l2, 0, NULL);
    probe_line("l3_bytes", (double)c.l3, 0, c.l3 ? "as the OS reports it (a VM's may be fictitious)"
                                                 : "unknown");
    const double ghz = bench_clock_ghz(0.1);
    probe_line("clock_GHz", ghz, 2, "a chain of dependent adds, 1 cycle each");
    const double peak = bench_peak_gflops(isa, 0.3);
    snprintf(key, sizeof key, "peak_gflops_%s", name);
    snprintf(note, sizeof note, "GFLOP/s, %u lanes", bench_isa_lanes(isa));
    probe_line(key, peak, 1, note);
    const double per = bench_fma_per_cycle(isa, peak, ghz);
    snprintf(key, sizeof key, "fma_per_cycle_%s", name);
    probe_line(key, per, 2, "peak / (2 flops x lanes x clock)");
    snprintf(key, sizeof key, "fma_ports_%s", name);
    probe_line(key, bench_fma_ports(per), 0, "FMA units at this width");
    snprintf(key, sizeof key, "peak_gflops_bf16dot_%s", name);
    const char *why = bench_bf16dot_why(isa);
    const double dot = why ? 0.0 : bench_peak_bf16dot_gflops(isa, 0.2);
    if (dot > 0) {
        probe_line(key, dot, 1, "GFLOP/s, 2 flops a bf16 product");
        probe_line("bf16dot_over_fma", peak > 0 ? dot / peak : 0.0, 3, NULL);
    } else {
        printf("  %-35s not on this CPU: %s\n", key, why ? why : "the probe ran nothing");
    }
    snprintf(note, sizeof note, "GB/s, %zu KiB: half of L1d", c.l1d / 2 >> 10);
    probe_line("read_bw_GBps_L1", bench_read_bw_gbs(isa, c.l1d / 2, 0.06), 1, note);
    snprintf(note, sizeof note, "GB/s, %zu KiB: half of L2", c.l2 / 2 >> 10);
    probe_line("read_bw_GBps_L2", bench_read_bw_gbs(isa, c.l2 / 2, 0.06), 1, note);
    for (size_t i = 0; i < BENCH_BW_SIZES; i++) {
        bench_bw_key(key, sizeof key, bench_bw_kib[i]);
        const size_t bytes = bench_bw_kib[i] << 10;
        probe_line(key, bench_read_bw_gbs(isa, bytes, 0.06), 1,
                   bytes < c.l2 ? "GB/s, in L2" : c.l3 && bytes < c.l3 ? "GB/s, in L3 (by its size)"
                                                                      : "GB/s, past L3");
    }
    for (int cell = 0; cell < RNN_CELL_COUNT; cell++) {
        snprintf(key, sizeof key, "elementwise_ns_unit_%s_%s", rnn_cell_name((rnn_cell)cell), name);
        probe_line(key, bench_elementwise_ns(isa, (rnn_cell)cell, 0.06), 3,
                   "ns a hidden unit and batch row: one inference step's gates, warm");
    }
    if (probes_nomem)
        fprintf(stderr, "rnnsimd info: --probe: out of memory\n");
    return peak > 0 && ghz > 0 && !probes_nomem ? 0 : EXIT_RUNTIME;
}

/* --wisdom FILE: imported before the plan (when the file exists). */
static int wisdom_load(const char *path)
{
    unsigned char *data = NULL;
    size_t n = 0;
    char err[512];
    rnn_status st = rnn_read_file(path, (size_t)64 << 20, &data, &n, err, sizeof err);
    if (st != RNN_OK) {
        if (st == RNN_ERR_IO && errno == ENOENT)
            return 0; /* no wisdom yet: the plan measures and --wisdom saves it */
        fprintf(stderr, "rnnsimd info: --wisdom %s\n", err);
        return EXIT_RUNTIME;
    }
    char *text = malloc(n + 1);
    if (!text) {
        free(data);
        fprintf(stderr, "rnnsimd info: out of memory reading --wisdom %s\n", path);
        return EXIT_RUNTIME;
    }
    memcpy(text, data, n);
    text[n] = '\0';
    free(data);
    st = strlen(text) == n ? rnn_wisdom_import(text) : RNN_ERR_ARG;
    free(text);
    if (st != RNN_OK) {
        fprintf(stderr,
                "rnnsimd info: --wisdom %s: not wisdom rnnsimd wrote (a line it cannot parse, "
                "or a value out of range; docs/design.md §12 gives the format)\n",
                path);
        return EXIT_RUNTIME;
    }
    return 0;
}

static int wisdom_save(const char *path)
{
    size_t len = 0;
    (void)rnn_wisdom_export(NULL, 0, &len);
    char *text = malloc(len + 1);
    rnn_status st = text ? rnn_wisdom_export(text, len + 1, NULL) : RNN_ERR_NOMEM;
    char err[512] = "out of memory";
    if (st == RNN_OK)
        st = rnn_write_file_atomic(path, text, len, err, sizeof err);
    free(text);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd info: --wisdom: cannot write it: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* --plan: the plan's schedule choices and its creation time. */
static int plan_info(const char *spec, const rnn_desc *dp, const rnn_plan_options *op,
                     const char *isa_s, const char *wisdom)
{
    const rnn_desc d = *dp;
    const rnn_plan_options o = *op;
    const int64_t threads = o.threads;
    int r = isa_s ? require_isa("info", isa_s, 0, o.isa) : 0;
    if (r)
        return r;
    r = wisdom ? wisdom_load(wisdom) : 0;
    if (r)
        return r;
    rnn_plan *p = NULL;
    const double t0 = 1e3 * rnn_seconds_now();
    rnn_status st = plan_spec_create(&p, &d, &o, 0);
    const double ms = 1e3 * rnn_seconds_now() - t0;
    if (st != RNN_OK) {
        const char *why = NULL;
        if (rnn_dtype_check(o.dtype, o.isa, &why) == RNN_OK)
            why = rnn_strerror(st);
        fprintf(stderr, "rnnsimd info: --plan %s: %s\n", spec, why ? why : rnn_strerror(st));
        return EXIT_RUNTIME;
    }
    char line[512];
    rnn_plan_describe(p, line, sizeof line);
    printf("plan:     %s (%s, %lld thread%s)\n", spec, rnn_isa_name(rnn_plan_isa(p)),
           (long long)(threads ? threads : 1), threads == 2 ? "s" : "");
    printf("tuning:   %s\n", line);
    printf("created:  in %.2f ms (packing and tuning)\n", ms);
    rnn_plan_destroy(p);
    return wisdom ? wisdom_save(wisdom) : 0;
}

int cmd_info(int argc, char **argv)
{
    const char *spec = NULL, *tune = NULL, *isa_s = NULL, *wisdom = NULL, *dtype_s = NULL;
    int64_t threads = 1;
    int probe = 0;
    opt_spec specs[] = {
        {"plan", OPT_STR, &spec, 0, 0, 0, NULL, 0},
        {"tune", OPT_STR, &tune, 0, 0, 0, NULL, 0},
        {"threads", OPT_INT, &threads, 1, 2, 0, NULL, 0},
        {"isa", OPT_STR, &isa_s, 0, 0, 0, NULL, 0},
        {"wisdom", OPT_STR, &wisdom, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &dtype_s, 0, 0, 0, NULL, 0},
        {"probe", OPT_FLAG, &probe, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("info", argc, argv, specs, sizeof specs / sizeof specs[0], info_usage,
                       NULL, 0, NULL);
    if (r)
        return r < 0 ? 0 : r;
    if (!spec && (tune || isa_s || wisdom || dtype_s || specs[2].seen)) {
        fprintf(stderr, "rnnsimd info: --tune, --threads, --isa, --dtype and --wisdom need "
                        "--plan\n");
        return EXIT_USAGE;
    }
    rnn_desc d;
    rnn_plan_options o;
    if (spec && (r = plan_spec_options("info", "--plan", spec, tune, threads, isa_s, dtype_s,
                                       &d, &o)))
        return r;
    struct utsname u;
    char model[256];
    cpu_model(model, sizeof model);
    printf("rnnsimd %s\n", RNNSIMD_VERSION);
    printf("cpu:      %s (%s)\n", model, uname(&u) == 0 ? u.machine : "?");
    print_features();
    print_caches();

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
    /* The bf16 data type (--dtype bf16): the tables that run it here, and
     * why each other one that runs does not. */
    printf("bf16 on: ");
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++)
        if (rnn_dtype_check(RNN_DTYPE_BF16, (*t)->isa, NULL) == RNN_OK)
            printf(" %s", (*t)->name);
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const char *no = NULL;
        if (rnn_isa_check((*t)->isa, NULL) == RNN_OK &&
            rnn_dtype_check(RNN_DTYPE_BF16, (*t)->isa, &no) != RNN_OK)
            printf(" (not %s: %s)", (*t)->name, no ? no : "refused");
    }
    printf("\n");

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
    if (!status)
        print_model(sel);
    if (probe && !status)
        status = print_probes(sel);
    if (spec && !status)
        status = plan_info(spec, &d, &o, isa_s, wisdom);
    return status;
}
