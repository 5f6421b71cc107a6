/* out_file.c — see out_file.h. */
#include "out_file.h"
#include "out_path.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char final_path[4096], tmp_path[4200], tmp_arg[4300];

static void on_signal(int sig)
{
    unlink(tmp_path); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

int bench_out_begin(int argc, char **argv)
{
    static const char flag[] = "--benchmark_out=";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flag, sizeof flag - 1) != 0 || !argv[i][sizeof flag - 1])
            continue;
        const char *path = argv[i] + sizeof flag - 1;
        if (strlen(path) >= sizeof final_path) {
            fprintf(stderr, "rnnsimd-bench: --benchmark_out: the path is too long\n");
            return 2;
        }
        /* before the run, not at its end: a directory, a missing directory,
         * or a device or FIFO the rename would replace (/dev/null as root) */
        char err[4400];
        const rnn_status st = rnn_output_path_check(path, err, sizeof err);
        if (st != RNN_OK) {
            fprintf(stderr, "rnnsimd-bench: --benchmark_out=%s\n", err);
            return st == RNN_ERR_NOMEM ? 1 : 2;
        }
        snprintf(final_path, sizeof final_path, "%s", path);
        snprintf(tmp_path, sizeof tmp_path, "%s.tmp-%ld", path, (long)getpid());
        snprintf(tmp_arg, sizeof tmp_arg, "%s%s", flag, tmp_path);
        argv[i] = tmp_arg;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
    }
    return 0;
}

int bench_out_end(int ok)
{
    if (!tmp_path[0])
        return 0;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (!ok) {
        unlink(tmp_path);
        return 0;
    }
    if (rename(tmp_path, final_path) != 0) {
        fprintf(stderr, "rnnsimd-bench: %s: cannot rename the temporary file into place: %s\n",
                final_path, strerror(errno));
        unlink(tmp_path);
        return -1;
    }
    return 0;
}
