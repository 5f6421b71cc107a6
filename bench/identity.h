/* identity.h — which machine a benchmark ran on, named by stable facts, and
 * the facts of the run a later comparison needs (docs/design.md, "Tracking
 * across machines and commits"; docs/tracking.md describes the fields).
 *
 * A machine's name (its results/ folder) is
 *   x86-64:  <arch>-<vendor>-f<family>m<model>s<stepping>-<fma class>
 *            e.g. x86_64-amd-f26m2s1-fma512x2 (cpuid from /proc/cpuinfo)
 *   aarch64: <arch>-<vendor>-<part>-r<variant>p<revision>-<fma class>
 *            e.g. aarch64-arm-d0c-r3p1-neon (MIDR fields from /proc/cpuinfo)
 * never the marketing string, which cloud VMs share across generations. The
 * FMA class is measured: on x86 with AVX-512, fma512x2 when the 512-bit FMA
 * peak is at least 1.5x the AVX2 peak (two 512-bit FMA pipes) and fma512x1
 * below (512-bit FMAs at the 256-bit rate: double-pumped or one port); the
 * two cases sit near 2.0 and 1.0, so noise of a third either way cannot flip
 * it. Without AVX-512: fma256 (AVX2) or sse; aarch64: neon. */
#ifndef RNNSIMD_BENCH_IDENTITY_H
#define RNNSIMD_BENCH_IDENTITY_H

#include <stdio.h>
#include "rnnsimd.h"

typedef struct {
    char arch[16];        /* the binary's architecture: x86_64, aarch64 */
    char vendor[32];      /* amd, intel, arm, ...; "unknown" if unreadable */
    char model_name[128]; /* the marketing string, recorded, never the name */
    int family, model, stepping;              /* x86 cpuid; -1 unknown */
    int implementer, part, variant, revision; /* aarch64 MIDR; -1 unknown */
    char fma_class[16];
    double fma_ratio;     /* AVX-512 peak / AVX2 peak; 0 where not measured */
    char slug[128];       /* the results/ folder name */
} bench_machine;

/* Reads /proc/cpuinfo and classifies the FMA peaks (GFLOP/s per table,
 * indexed by rnn_isa, 0 where not measured) into m. */
void bench_machine_identify(bench_machine *m, const double peaks[RNN_ISA_COUNT]);

/* The machine's facts as JSON (results/<machine>/machine.json); unknown
 * fields are listed under "unknown". */
void bench_machine_print_json(FILE *f, const bench_machine *m);

/* The machine's facts into the JSON context: machine (the slug) and
 * machine_* keys. */
void bench_machine_context(const bench_machine *m);

/* The run's environment into the JSON context: compiler (of this binary),
 * cflags and git_commit / git_dirty (from the environment make bench sets;
 * "unknown" otherwise), kernel, transparent huge pages, CPU governor. */
void bench_environment_context(void);

/* FNV-1a 64 over names joined by '\n', as 16 hex digits (buf >= 17 bytes):
 * the set_rows_hash of a set's row list. Feed names one at a time. */
typedef struct {
    unsigned long long h;
} bench_hash;
void bench_hash_init(bench_hash *h);
void bench_hash_add(bench_hash *h, const char *name);
void bench_hash_hex(const bench_hash *h, char *buf, size_t n);

#endif /* RNNSIMD_BENCH_IDENTITY_H */
