/* args.c — the subcommands' option parser: --name value, --name=value,
 * flags, bounds on numbers, and one clear message per mistake. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools.h"

int opts_missing(const char *cmd, const char *option)
{
    fprintf(stderr, "rnnsimd %s: --%s is required (see rnnsimd %s --help)\n", cmd, option, cmd);
    return EXIT_USAGE;
}

static int set_value(const char *cmd, opt_spec *s, const char *v)
{
    char *end;
    switch (s->kind) {
    case OPT_STR:
        *(const char **)s->dst = v;
        return 0;
    case OPT_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end) {
            fprintf(stderr, "rnnsimd %s: --%s expects an integer, got '%s'\n", cmd, s->name, v);
            return EXIT_USAGE;
        }
        if ((double)x < s->min || (double)x > s->max) {
            fprintf(stderr, "rnnsimd %s: --%s %s is out of range; expected %.0f to %.0f\n", cmd,
                    s->name, v, s->min, s->max);
            return EXIT_USAGE;
        }
        *(int64_t *)s->dst = x;
        return 0;
    }
    case OPT_F64: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x)) {
            fprintf(stderr, "rnnsimd %s: --%s expects a finite number, got '%s'\n", cmd, s->name, v);
            return EXIT_USAGE;
        }
        if (x < s->min || x > s->max) {
            fprintf(stderr, "rnnsimd %s: --%s %s is out of range; expected %g to %g\n", cmd,
                    s->name, v, s->min, s->max);
            return EXIT_USAGE;
        }
        *(double *)s->dst = x;
        return 0;
    }
    case OPT_FLAG:
        *(int *)s->dst = 1;
        return 0;
    }
    return EXIT_USAGE;
}

int opts_parse(const char *cmd, int argc, char **argv, opt_spec *specs, size_t n_specs,
               const char *usage, const char **pos, int max_pos, int *n_pos)
{
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            /* "-0.5" is a value (npy-write takes numbers), "-x" an option. */
            int number = (a[1] >= '0' && a[1] <= '9') || a[1] == '.';
            if (a[0] == '-' && a[1] != '\0' && !number) {
                fprintf(stderr, "rnnsimd %s: unknown option '%s' (see rnnsimd %s --help)\n", cmd, a,
                        cmd);
                return EXIT_USAGE;
            }
            if (np >= max_pos) {
                fprintf(stderr, "rnnsimd %s: unexpected argument '%s' (see rnnsimd %s --help)\n",
                        cmd, a, cmd);
                return EXIT_USAGE;
            }
            pos[np++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        opt_spec *s = NULL;
        for (size_t k = 0; k < n_specs; k++)
            if (strlen(specs[k].name) == len && strncmp(specs[k].name, name, len) == 0)
                s = &specs[k];
        if (!s) {
            fprintf(stderr, "rnnsimd %s: unknown option '--%.*s' (see rnnsimd %s --help)\n", cmd,
                    (int)len, name, cmd);
            return EXIT_USAGE;
        }
        if (s->seen) {
            fprintf(stderr, "rnnsimd %s: --%s given twice\n", cmd, s->name);
            return EXIT_USAGE;
        }
        s->seen = 1;
        const char *v;
        if (s->kind == OPT_FLAG) {
            if (eq) {
                fprintf(stderr, "rnnsimd %s: --%s takes no value\n", cmd, s->name);
                return EXIT_USAGE;
            }
            v = "";
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "rnnsimd %s: --%s needs a value\n", cmd, s->name);
            return EXIT_USAGE;
        }
        int r = set_value(cmd, s, v);
        if (r)
            return r;
    }
    if (n_pos)
        *n_pos = np;
    return 0;
}

int parse_isa_option(const char *cmd, const char *text, int *reference, rnn_isa *isa)
{
    *reference = 0;
    *isa = RNN_ISA_AUTO;
    if (strcmp(text, "reference") == 0) {
        *reference = 1;
        return 0;
    }
    if (rnn_isa_parse(text, isa) != RNN_OK) {
        fprintf(stderr,
                "rnnsimd %s: unknown --isa '%s'; expected auto, reference, generic, avx2, avx512 "
                "or neon\n", cmd, text);
        return EXIT_USAGE;
    }
    return 0;
}

int require_isa(const char *cmd, const char *text, int reference, rnn_isa isa)
{
    if (reference)
        return 0;
    const char *why = NULL;
    rnn_isa resolved;
    rnn_status st = isa == RNN_ISA_AUTO ? rnn_isa_resolve(isa, &resolved, &why)
                                        : rnn_isa_check(isa, &why);
    if (st == RNN_OK)
        return 0;
    fprintf(stderr, "rnnsimd %s: --isa %s: %s\n", cmd, text, why ? why : rnn_strerror(st));
    return EXIT_RUNTIME;
}
