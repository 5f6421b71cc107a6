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
#include "cmdline.h"
#include "rnnsimd_reference.h"

#define EXIT_RUNTIME OPT_EXIT_RUNTIME
#define EXIT_USAGE OPT_EXIT_USAGE

typedef int (*tool_main)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_make_case(int argc, char **argv);
int cmd_npy_compare(int argc, char **argv);
int cmd_npy_write(int argc, char **argv);
int cmd_npy_print(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int charlm_main(int argc, char **argv); /* examples/charlm */

/* ---- plan_spec.c: `info --plan`'s and `profile`'s problem line ---- */
/* CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>] into *d; -1
 * after writing what was wrong into err, which names the spec as `what`
 * does ("--plan", "SPEC"). */
int plan_spec_parse(const char *spec, const char *what, rnn_desc *d, char *err, size_t errlen);
/* The problem and the plan options of a subcommand that makes a plan of
 * SPEC (`info --plan`, `profile`): spec (named as `what` in messages),
 * --tune, --threads, --isa and --dtype into d and o; 0, or a usage error
 * after a message "rnnsimd <cmd>: ...". Whether this CPU runs the table is
 * require_isa's to say. */
int plan_spec_options(const char *cmd, const char *what, const char *spec, const char *tune,
                      int64_t threads, const char *isa_s, const char *dtype_s, rnn_desc *d,
                      rnn_plan_options *o);
/* A plan of d with synthetic weights (a fixed seed); with head, the output
 * head's too (W_hy, b_y), else the plan has none. */
rnn_status plan_spec_create(rnn_plan **plan, const rnn_desc *d, const rnn_plan_options *opt,
                            int head);

/* ---- profile_alone.c: `profile --alone` ---- */
/* Times each part of a forward call of d (one cell of many2one, many2many
 * or one2one) by itself at d's shapes on table isa in dtype, prints them,
 * their sum and call_s (a call's mean seconds) over the sum; 0, or
 * EXIT_RUNTIME after a message. */
int profile_alone(const rnn_desc *d, rnn_isa isa, rnn_dtype dtype, double call_s);

/* ---- options: support/cmdline.h with the "rnnsimd <cmd>" prefix ---- */
/* opt_parse with the subcommand's prefix: arguments that are no options are
 * collected into pos (at most max_pos; more is a usage error). Returns -1
 * after --help, -h or --version, EXIT_USAGE after a message, 0 otherwise. */
int opts_parse(const char *cmd, int argc, char **argv, opt_spec *specs, size_t n_specs,
               const char *usage, const char **pos, int max_pos, int *n_pos);

/* Reports a missing required option; returns EXIT_USAGE. */
int opts_missing(const char *cmd, const char *option);

/* opt_isa_choice and opt_require_isa with the subcommand's prefix. */
int parse_isa_option(const char *cmd, const char *text, int *reference, rnn_isa *isa);
int require_isa(const char *cmd, const char *text, int reference, rnn_isa isa);

#endif /* RNNSIMD_TOOLS_H */
