/* tools.h — what the subcommands of the `rnnsimd` command share: their
 * signature, exit codes, and the option parser.
 *
 * A subcommand is `int name(int argc, char **argv)` with argv[0] its own name;
 * it returns the process exit code: 0 success, 1 a runtime failure (a bad
 * file, a failed computation), 2 a usage error (unknown option, bad value,
 * missing required option). Every message goes to stderr and starts with
 * "rnnsimd <subcommand>: ". */
#ifndef RNNSIMD_TOOLS_H
#define RNNSIMD_TOOLS_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

typedef int (*tool_main)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_make_case(int argc, char **argv);
int cmd_npy_compare(int argc, char **argv);
int cmd_npy_write(int argc, char **argv);
int cmd_npy_print(int argc, char **argv);

/* ---- options: --name value or --name=value ---- */
typedef enum { OPT_STR, OPT_INT, OPT_F64, OPT_FLAG } opt_kind;

typedef struct {
    const char *name;  /* without the dashes */
    opt_kind kind;
    void *dst;         /* const char **, int64_t *, double *, int * */
    double min, max;   /* inclusive bounds for OPT_INT / OPT_F64 */
    int seen;          /* set by the parser */
} opt_spec;

/* Parses argv[1..] against specs. Arguments that do not start with "--" are
 * collected into pos (at most max_pos; more is a usage error). Prints the
 * usage text and returns -1 for --help or -h; returns EXIT_USAGE after
 * printing a message for an unknown option, a missing or malformed value or
 * a value out of bounds; 0 otherwise. */
int opts_parse(const char *cmd, int argc, char **argv, opt_spec *specs, size_t n_specs,
               const char *usage, const char **pos, int max_pos, int *n_pos);

/* Reports a missing required option; returns EXIT_USAGE. */
int opts_missing(const char *cmd, const char *option);

/* The list the --isa option accepts: auto, reference, generic, avx2, avx512,
 * neon. *reference is set for "reference"; otherwise *isa is parsed. Returns
 * 0 or EXIT_USAGE (after a message). */
int parse_isa_option(const char *cmd, const char *text, int *reference, rnn_isa *isa);

/* Whether this CPU and build run isa (auto: what it resolves to, honouring
 * RNNSIMD_ISA); checked before any file is read. Returns 0, or EXIT_RUNTIME
 * after a message giving the reason (e.g. "--isa avx512: CPU lacks avx512bw").
 * The reference always runs. */
int require_isa(const char *cmd, const char *text, int reference, rnn_isa isa);

#endif /* RNNSIMD_TOOLS_H */
