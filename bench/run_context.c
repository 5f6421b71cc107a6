/* run_context.c — rnnsimd-bench's start-up probes (peaks, clock, bf16
 * dot product, read bandwidths, gate kernels, the overlap probe) and the
 * JSON context keys the run writes: what bench/targets.py judges rows
 * against and what bench/gate.py checks before it compares two files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elementwise.h"
#include "gbench.h"
#include "run_context.h"

#define bw_kib bench_bw_kib
#define N_BW BENCH_BW_SIZES

static void add_context_double(const char *key, double v, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    gbench_add_context(key, buf);
}

static void add_context_size(const char *key, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    gbench_add_context(key, buf);
}

rnn_isa bench_probe_peaks(double peaks[RNN_ISA_COUNT], double seconds)
{
    const rnn_kernels *const *tables = rnn_kernel_tables();
    rnn_isa best = RNN_ISA_GENERIC;
    for (size_t i = 0; tables[i]; i++) {
        rnn_isa t = tables[i]->isa;
        if (rnn_isa_check(t, NULL) != RNN_OK)
            continue;
        if (seconds > 0)
            peaks[t] = bench_peak_gflops(t, seconds);
        best = t;
    }
    return best;
}

/* Peaks: our table's, and the best the peers may use; the read bandwidths;
 * the overlap probe (about 4 s) for the default set's batch-1 ceilings, when
 * our table has one (avx512). --list measures nothing but what sizes rows.
 * Returns 0, or -1 after a message when memory ran out: a probe left out of
 * the context would read as one this machine cannot run. */
int bench_probes_run(bench_probes *pb, const bench_options *o, rnn_isa isa, sweep_set set, int limit_peers)
{
    int nomem = 0;
    memset(pb, 0, sizeof *pb);
    pb->best = bench_probe_peaks(pb->peaks, o->list ? 0.0 : 0.2);
    pb->peer_peak_isa = limit_peers ? RNN_ISA_AVX2 : pb->best;
    rnn_cpu_caches_get(&pb->caches);
    pb->bf16_why = bench_bf16dot_why(pb->best);
    if (!o->list) {
        /* About 0.3 s on top of the peaks and the sweep. */
        pb->clock_ghz = bench_clock_ghz(0.05);
        if (!pb->bf16_why)
            pb->bf16_gflops = bench_peak_bf16dot_gflops(pb->best, 0.1);
        pb->bw_l1 = bench_read_bw_gbs(pb->best, pb->caches.l1d / 2, 0.06);
        pb->bw_l2 = bench_read_bw_gbs(pb->best, pb->caches.l2 / 2, 0.06);
        nomem |= pb->bw_l1 < 0 || pb->bw_l2 < 0;
        for (size_t i = 0; i < N_BW; i++) {
            pb->bw[i] = bench_read_bw_gbs(pb->best, bw_kib[i] * 1024, 0.06);
            nomem |= pb->bw[i] < 0;
        }
        /* About 0.25 s: the batched rows' ceilings count their gates. */
        for (int c = 0; c < RNN_CELL_COUNT; c++) {
            pb->elementwise[c] = bench_elementwise_ns(isa, (rnn_cell)c, 0.03);
            nomem |= pb->elementwise[c] < 0;
        }
    }
    pb->isa = isa;
    pb->have_overlap = !o->list && set == SWEEP_DEFAULT;
    for (int m = 0; m < OVERLAP_MIXES && pb->have_overlap; m++)
        for (int r = 0; r < 2 && pb->have_overlap; r++)
            for (size_t i = 0; i < OVERLAP_SIZES && pb->have_overlap; i++) {
                overlap_times ot;
                const int st = bench_overlap_measure(isa, (overlap_mix)m, overlap_bytes[i], r + 1, &ot);
                nomem |= st == -2;
                pb->have_overlap = st == 0;
                pb->hidden[m][r][i] = pb->have_overlap ? overlap_hidden(ot) : 0.0;
            }
    if (nomem)
        fprintf(stderr, "rnnsimd-bench: out of memory measuring the machine (the probes)\n");
    return nomem ? -1 : 0;
}

/* The machine model's keys (docs/design.md §12): caches, clock, FMAs a
 * cycle and ports per table, the bf16 dot peak, bandwidth per cache level. */
static void add_machine_model(const bench_probes *pb)
{
    add_context_size("l1d_bytes", pb->caches.l1d);
    add_context_size("l2_bytes", pb->caches.l2);
    add_context_size("l3_bytes", pb->caches.l3);
    gbench_add_context("caches_probe", "rnn_cpu_caches_get: sysconf, else sysfs, else defaults "
                                       "(32 KiB, 1 MiB, 0 = unknown); l3 as the OS reports "
                                       "it, which a VM may invent");
    if (pb->clock_ghz > 0)
        add_context_double("clock_GHz", pb->clock_ghz, 2);
    for (int t = 1; t < RNN_ISA_COUNT && pb->clock_ghz > 0; t++)
        if (pb->peaks[t] > 0) {
            char key[48];
            const double per = bench_fma_per_cycle((rnn_isa)t, pb->peaks[t], pb->clock_ghz);
            snprintf(key, sizeof key, "fma_per_cycle_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, per, 2);
            snprintf(key, sizeof key, "fma_ports_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, bench_fma_ports(per), 0);
        }
    gbench_add_context("clock_probe", "1 thread, a chain of dependent register adds (1 cycle "
                                      "each) on the thread CPU clock, best of 3; fma_per_cycle "
                                      "= peak / (2 x lanes x clock), fma_ports it rounded");
    char key[48], note[160];
    if (pb->bf16_gflops > 0) {
        snprintf(key, sizeof key, "peak_gflops_bf16dot_%s", rnn_isa_name(pb->best));
        add_context_double(key, pb->bf16_gflops, 1);
        if (pb->peaks[pb->best] > 0)
            add_context_double("bf16dot_over_fma", pb->bf16_gflops / pb->peaks[pb->best], 3);
        snprintf(note, sizeof note, "1 thread, 16 independent %s bf16 dot-product chains, best "
                 "of 3; 2 flops a product", rnn_isa_name(pb->best));
    } else {
        snprintf(note, sizeof note, "not measured: %s",
                 pb->bf16_why ? pb->bf16_why : "the probe gave nothing");
    }
    gbench_add_context("bf16dot_probe", note);
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        if (pb->elementwise[c] > 0) {
            snprintf(key, sizeof key, "elementwise_ns_unit_%s_%s", rnn_cell_name((rnn_cell)c),
                     rnn_isa_name(pb->isa));
            add_context_double(key, pb->elementwise[c], 3);
        }
    if (pb->elementwise[0] > 0)
        gbench_add_context("elementwise_probe",
                           "1 thread, ns per hidden unit and batch row of one inference step's "
                           "gate kernels on warm operands (the lesser of B 64 x H 256 and B 16 x "
                           "H 1024), best of 3");
    if (pb->bw_l1 > 0)
        add_context_double("read_bw_GBps_L1", pb->bw_l1, 1);
    if (pb->bw_l2 > 0)
        add_context_double("read_bw_GBps_L2", pb->bw_l2, 1);
}

/* The run's JSON context (bench/identity.h says what a comparison needs). */
void bench_run_context(const bench_options *o, rnn_isa isa, sweep_set set, const bench_probes *pb,
                       const bench_hash *set_hash, int argc, char **argv, int interleaved,
                       const char *dnnl_msg, const char *blas_msg)
{
    const char *emu = getenv("RNNSIMD_BENCH_EMULATED");
    gbench_add_context("rnnsimd_version", RNNSIMD_VERSION);
    gbench_add_context("rnnsimd_isa", rnn_isa_name(isa));
    bench_machine machine;
    bench_machine_identify(&machine, pb->peaks);
    bench_machine_context(&machine);
    bench_environment_context();
    gbench_add_context("emulated", emu && *emu ? "yes: times are emulated and meaningless" : "no");
    gbench_add_context("sweep", sweep_name(set));
    gbench_add_context("dtype", o->dtype && *o->dtype ? o->dtype : "f32");
    char model[160];
    if (rnn_machine_describe(isa, model, sizeof model) == RNN_OK)
        gbench_add_context("planner_model", model);
    gbench_add_context("tuning", o->tune && !strcmp(o->tune, "measure")
                                     ? "measure: each plan of ours timed its candidates in "
                                       "setup (its choices in the row's label)"
                                     : "estimate: our plans' rules, from the machine model "
                                       "(L2 size, FMA width; docs/design.md section 12)");
    char hash_hex[24];
    bench_hash_hex(set_hash, hash_hex, sizeof hash_hex);
    gbench_add_context("set_rows_hash", hash_hex);
    const char *filter = NULL;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--benchmark_filter=", 19))
            filter = argv[i] + 19;
    gbench_add_context("filter", filter && *filter ? filter : "none");
    gbench_add_context("interleaved", interleaved ? "yes" : "no");
    for (int t = 1; t < RNN_ISA_COUNT; t++)
        if (pb->peaks[t] > 0) {
            char key[48];
            snprintf(key, sizeof key, "peak_gflops_%s", rnn_isa_name((rnn_isa)t));
            add_context_double(key, pb->peaks[t], 1);
        }
    gbench_add_context("peak_probe", "1 thread, independent FMA chains in registers, best of 3; "
                                     "pct_peak of a threads:N row is against N x this peak");
    add_machine_model(pb);
    for (size_t i = 0; i < N_BW; i++)
        if (pb->bw[i] > 0) {
            char key[48];
            bench_bw_key(key, sizeof key, bw_kib[i]);
            add_context_double(key, pb->bw[i], 1);
        }
    char bw_note[160];
    snprintf(bw_note, sizeof bw_note, "1 thread, %s loads summed into independent accumulators, "
             "the buffer read over and over, best of 3; GB = 1e9 bytes", rnn_isa_name(pb->best));
    gbench_add_context("read_bw_probe", bw_note);
    for (int m = 0; m < OVERLAP_MIXES && pb->have_overlap; m++)
        for (int r = 0; r < 2; r++)
            for (size_t i = 0; i < OVERLAP_SIZES; i++) {
                char key[64];
                snprintf(key, sizeof key, "overlap_hidden_%s%zuKiB_ratio%d",
                         m == OVERLAP_DW ? "dw_" : "", overlap_bytes[i] >> 10, r + 1);
                add_context_double(key, pb->hidden[m][r][i], 3);
            }
    if (pb->have_overlap)
        gbench_add_context("overlap_probe",
                           "rnnsimd-bench --overlap: the share of the smaller of a GEMV stream "
                           "over W bytes and an 8-row GEMM tile (ratio tile FMAs per stream "
                           "FMA, its panels streaming another W bytes) hidden when both run "
                           "in one loop; overlap_hidden_dw_*: the same with rank-8 updates of "
                           "another W bytes (a weight gradient riding the step) in place of "
                           "the tile");
    gbench_add_context("onednn", dnnl_msg);
    gbench_add_context("openblas", blas_msg);
    gbench_add_context("flops_model",
                       "GFLOP/s counts 2*B*(I+H)*G*H per cell step (2*B*H*G*H for seq_noproj) plus "
                       "2*B*H*V per scored step of the head; train counts 3x forward");
    gbench_add_context("ratios", "vs_onednn, vs_blas = peer time / our time in this process (>1: "
                                 "ours is faster); vs_onednn per repetition: oneDNN timed right "
                                 "after it, for as long (paired), median over repetitions; "
                                 "vs_blas: the median of OpenBLAS's row");
    char buf[160];
    snprintf(buf, sizeof buf, "up to %d per row (fewer above %.2g s estimated per row, at least %d)",
             o->reps > sweep_min_reps(set) ? o->reps : sweep_min_reps(set), o->row_budget,
             sweep_min_reps(set));
    gbench_add_context("repetitions", buf);
}

/* Other work on the machine shows as real_time > cpu_time in the rows; the
 * load at start says whether a baseline is worth keeping. */
void bench_note_load(void)
{
    FILE *la = fopen("/proc/loadavg", "r");
    double load = -1;
    if (la) {
        if (fscanf(la, "%lf", &load) != 1)
            load = -1;
        fclose(la);
    }
    if (load >= 0) {
        add_context_double("load_average_1min_at_start", load, 1);
        if (load > 1.5)
            fprintf(stderr, "rnnsimd-bench: warning: load average %.1f: other work competes for "
                            "the cores; times will be noisy (compare real_time with cpu_time)\n",
                    load);
    }
}
