/* main.c — main of the `rnnsimd` command: one table of subcommands, the
 * dispatch and the top-level help. A subcommand joins by one line in
 * `commands` (its function declared in tools.h or its own header). */
#include <stdio.h>
#include <string.h>
#include "rnnsimd.h"
#include "tools.h"
#include "gradflow_output.h"

typedef struct {
    const char *name;
    tool_main run;
    const char *summary;
    int helper; /* listed apart: for tests and scripts more than for users */
} tool_command;

static const tool_command commands[] = {
    {"info", cmd_info, "CPU, its features, the kernel tables and the one selected", 0},
    {"run", cmd_run, "run one layer over PyTorch-named .npy files (forward, backward)", 0},
    {"charlm", charlm_main, "train and sample the character-level language model", 0},
    {"gradflow", cmd_gradflow, "measure vanishing and exploding gradients per cell and rho", 0},
    {"profile", cmd_profile, "where a plan's calls spend their time, part by part", 0},
    {"make-case", cmd_make_case, "write a seeded random input directory for `run`", 1},
    {"npy-compare", cmd_npy_compare, "compare two .npy files within a tolerance", 1},
    {"npy-write", cmd_npy_write, "write a .npy file from numbers on the command line", 1},
    {"npy-print", cmd_npy_print, "print a .npy file's shape and values", 1},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: rnnsimd <command> [options]    (rnnsimd <command> --help for its options)\n\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!commands[i].helper)
            fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nhelpers:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].helper)
            fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit status: 0 success, 1 runtime failure, 2 usage error.\n"
               "rnnsimd %s\n", RNNSIMD_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("rnnsimd %s\n", RNNSIMD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "rnnsimd: unknown command '%s'; expected one of:", name);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, " (see rnnsimd --help)\n");
    return EXIT_USAGE;
}
