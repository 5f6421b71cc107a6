/* cmdline.h — the one command-line parser of every program (the rnnsimd
 * command's subcommands, rnnsimd-conformance, rnnsimd-bench), on getopt_long:
 * a table of options, each `--name value` or `--name=value` (a flag takes no
 * value; an optional value only `--name=value`), typed and bounded values,
 * `--help` and `--version` everywhere, and one clear message per mistake,
 * naming the option and what it expects.
 *
 * Help texts name the instruction sets through {isas:SEP} (e.g. {isas:|}
 * prints the names joined by '|'), which opt_usage expands from the
 * library's list (rnn_isa_name over every rnn_isa, the order of
 * kernels/isas.inc), so no help text types the list by hand. */
#ifndef RNNSIMD_CMDLINE_H
#define RNNSIMD_CMDLINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rnnsimd.h"

/* The programs' exit codes: 0 success, 1 a runtime failure (a bad file, a
 * failed computation), 2 a usage error (unknown option, bad value, missing
 * required option). */
#define OPT_EXIT_RUNTIME 1
#define OPT_EXIT_USAGE 2

typedef enum {
    OPT_STR,   /* const char ** */
    OPT_INT,   /* int64_t *, within [min, max] */
    OPT_F64,   /* double *, finite, within [min, max] */
    OPT_FLAG,  /* int *, set to 1 */
    OPT_CALL   /* call(ctx = dst, value): the option's own parsing */
} opt_kind;

/* An OPT_CALL handler: 0, or a usage error after writing what was wrong
 * into err ("unknown cell 'lstn' (rnn_tanh, lstm, gru, lbr_gru)"), or after
 * printing its own message (err left empty). */
typedef int (*opt_call_fn)(void *ctx, const char *name, const char *value, char *err,
                           size_t errlen);

enum {
    OPT_REPEAT = 1,   /* may be given more than once (else twice is an error) */
    OPT_OPTIONAL = 2, /* the value is optional: --name or --name=value (value NULL) */
};

typedef struct {
    const char *name;  /* without the dashes */
    opt_kind kind;
    void *dst;
    double min, max;   /* inclusive bounds for OPT_INT and OPT_F64 */
    unsigned flags;    /* OPT_REPEAT, OPT_OPTIONAL */
    opt_call_fn call;  /* OPT_CALL */
    int seen;          /* set by the parser */
} opt_spec;

typedef struct {
    const char *prog;  /* the message prefix and --version's name: "rnnsimd run" */
    const char *usage; /* the --help text ({isas:SEP} expanded) */
    /* Positional arguments, in order (at most max_pos; more is an error). */
    const char **pos;
    int max_pos, n_pos;
    /* Arguments left for another parser (e.g. "--benchmark_"): kept in argv,
     * in order, after argv[0]; argc is updated. NULL: none. */
    const char *const *pass_prefixes;
} opt_program;

/* Parses argv[1..] against specs. Returns 0 to go on; -1 after printing the
 * usage (--help, -h) or the version (--version), when the program exits 0;
 * OPT_EXIT_USAGE after a message on stderr for an unknown option, a missing,
 * malformed or out-of-bounds value, a flag given a value or an option given
 * twice; OPT_EXIT_RUNTIME when out of memory. A positional argument may be a negative number ("-0.5", "-inf",
 * "-nan": any '-' text strtod reads whole). After "--" every argument is
 * positional ("-x.npy", "--help"), except those pass_prefixes passes on. */
int opt_parse(opt_program *p, int *argc, char **argv, opt_spec *specs, size_t n_specs);

/* Reports a missing required option; returns OPT_EXIT_USAGE. */
int opt_missing(const char *prog, const char *option);

/* The --isa choices of the programs that can also run the reference: auto,
 * reference, then every instruction set. *reference is set for "reference";
 * otherwise *isa is parsed. Returns 0 or OPT_EXIT_USAGE (after a message). */
int opt_isa_choice(const char *prog, const char *text, int *reference, rnn_isa *isa);

/* Whether this CPU and build run isa (auto: what it resolves to, honouring
 * RNNSIMD_ISA); checked before any file is read. Returns 0, or
 * OPT_EXIT_RUNTIME after a message giving the reason (e.g. "--isa avx512:
 * CPU lacks avx512bw"). The reference always runs. */
int opt_require_isa(const char *prog, const char *text, int reference, rnn_isa isa);

/* Prints text to f with each {isas:SEP} replaced by the instruction sets'
 * names joined by SEP. */
void opt_usage(FILE *f, const char *text);

/* The instruction sets' names joined by sep, in a static buffer: for
 * messages (sep ", ": "expected generic, avx2, ..."). */
const char *opt_isa_list(const char *sep);

#endif /* RNNSIMD_CMDLINE_H */
