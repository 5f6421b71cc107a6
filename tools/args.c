/* args.c — the subcommands' use of support/cmdline.h: their messages start
 * with "rnnsimd <subcommand>: ". */
#include <stdio.h>
#include "tools.h"

static const char *prog_of(const char *cmd, char *buf, size_t len)
{
    snprintf(buf, len, "rnnsimd %s", cmd);
    return buf;
}

int opts_parse(const char *cmd, int argc, char **argv, opt_spec *specs, size_t n_specs,
               const char *usage, const char **pos, int max_pos, int *n_pos)
{
    char prog[96];
    opt_program p = {prog_of(cmd, prog, sizeof prog), usage, pos, max_pos, 0, NULL};
    int r = opt_parse(&p, &argc, argv, specs, n_specs);
    if (n_pos)
        *n_pos = p.n_pos;
    return r;
}

int opts_missing(const char *cmd, const char *option)
{
    char prog[96];
    return opt_missing(prog_of(cmd, prog, sizeof prog), option);
}

int parse_isa_option(const char *cmd, const char *text, int *reference, rnn_isa *isa)
{
    char prog[96];
    return opt_isa_choice(prog_of(cmd, prog, sizeof prog), text, reference, isa);
}

int require_isa(const char *cmd, const char *text, int reference, rnn_isa isa)
{
    char prog[96];
    return opt_require_isa(prog_of(cmd, prog, sizeof prog), text, reference, isa);
}
