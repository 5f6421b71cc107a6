/* charlm_main.c — `rnnsimd charlm`: dispatch to train or sample. */
#include <stdio.h>
#include <string.h>
#include "charlm.h"
#include "cmdline.h"

static const char charlm_usage[] =
    "usage: rnnsimd charlm train --text FILE --save MODEL [options]\n"
    "       rnnsimd charlm sample --model MODEL [options]\n"
    "\n"
    "A character-level language model: one recurrent layer over one-hot\n"
    "characters, a softmax head, truncated BPTT. rnnsimd charlm train --help and\n"
    "rnnsimd charlm sample --help list the options.\n";

int charlm_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(charlm_usage, stderr);
        return OPT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(charlm_usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("rnnsimd charlm %s\n", RNNSIMD_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "train") == 0)
        return charlm_train_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "sample") == 0)
        return charlm_sample_main(argc - 1, argv + 1);
    fprintf(stderr, "rnnsimd charlm: unknown subcommand '%s'; expected train or sample\n", argv[1]);
    return OPT_EXIT_USAGE;
}
