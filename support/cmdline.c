/* cmdline.c — the getopt_long parser of cmdline.h. getopt_long does the
 * splitting (--name value, --name=value, unique abbreviations, positional
 * arguments in order); this file owns the table, the typed values and the
 * messages. */
#include "cmdline.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "rnnsimd.h"

#define VAL_HELP 'h'
#define VAL_VERSION 999
#define VAL_SPEC 1000 /* + the spec's index */

const char *opt_isa_list(const char *sep)
{
    static char buf[256];
    size_t len = 0;
    buf[0] = '\0';
    for (int i = RNN_ISA_AUTO + 1; i < RNN_ISA_COUNT; i++) {
        int n = snprintf(buf + len, sizeof buf - len, "%s%s", len ? sep : "",
                         rnn_isa_name((rnn_isa)i));
        if (n < 0 || (size_t)n >= sizeof buf - len)
            break;
        len += (size_t)n;
    }
    return buf;
}

void opt_usage(FILE *f, const char *text)
{
    const char *s = text;
    for (const char *m; (m = strstr(s, "{isas:")) != NULL;) {
        const char *end = strchr(m + 6, '}');
        if (!end)
            break;
        char sep[16];
        snprintf(sep, sizeof sep, "%.*s", (int)(end - m - 6), m + 6);
        fprintf(f, "%.*s%s", (int)(m - s), s, opt_isa_list(sep));
        s = end + 1;
    }
    fputs(s, f);
}

int opt_missing(const char *prog, const char *option)
{
    fprintf(stderr, "%s: --%s is required (see %s --help)\n", prog, option, prog);
    return OPT_EXIT_USAGE;
}

int opt_isa_choice(const char *prog, const char *text, int *reference, rnn_isa *isa)
{
    *reference = 0;
    *isa = RNN_ISA_AUTO;
    if (strcmp(text, "reference") == 0) {
        *reference = 1;
        return 0;
    }
    if (rnn_isa_parse(text, isa) != RNN_OK) {
        fprintf(stderr, "%s: unknown --isa '%s'; expected auto, reference, %s\n", prog, text,
                opt_isa_list(", "));
        return OPT_EXIT_USAGE;
    }
    return 0;
}

int opt_require_isa(const char *prog, const char *text, int reference, rnn_isa isa)
{
    if (reference)
        return 0;
    const char *why = NULL;
    rnn_isa resolved;
    rnn_status st = isa == RNN_ISA_AUTO ? rnn_isa_resolve(isa, &resolved, &why)
                                        : rnn_isa_check(isa, &why);
    if (st == RNN_OK)
        return 0;
    fprintf(stderr, "%s: --isa %s: %s\n", prog, text, why ? why : rnn_strerror(st));
    return OPT_EXIT_RUNTIME;
}

static int usage_error(const opt_program *p, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", p->prog);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (see %s --help)\n", p->prog);
    return OPT_EXIT_USAGE;
}

static int set_value(const opt_program *p, opt_spec *s, const char *v)
{
    char *end;
    char err[512];
    switch (s->kind) {
    case OPT_STR:
        *(const char **)s->dst = v;
        return 0;
    case OPT_FLAG:
        *(int *)s->dst = 1;
        return 0;
    case OPT_CALL:
        err[0] = '\0';
        if (s->call(s->dst, s->name, v, err, sizeof err) == 0)
            return 0;
        return err[0] ? usage_error(p, "--%s: %s", s->name, err) : OPT_EXIT_USAGE;
    case OPT_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end)
            return usage_error(p, "--%s expects an integer, got '%s'", s->name, v);
        if ((double)x < s->min || (double)x > s->max) {
            fprintf(stderr, "%s: --%s %s is out of range; expected %.0f to %.0f\n", p->prog,
                    s->name, v, s->min, s->max);
            return OPT_EXIT_USAGE;
        }
        *(int64_t *)s->dst = x;
        return 0;
    }
    case OPT_F64: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x))
            return usage_error(p, "--%s expects a finite number, got '%s'", s->name, v);
        if (x < s->min || x > s->max) {
            fprintf(stderr, "%s: --%s %s is out of range; expected %g to %g\n", p->prog, s->name,
                    v, s->min, s->max);
            return OPT_EXIT_USAGE;
        }
        *(double *)s->dst = x;
        return 0;
    }
    }
    return OPT_EXIT_USAGE;
}

/* A '-' then a digit or '.' ("-0.5", "-1x": a value, if a malformed one), or
 * any text strtod reads whole ("-inf", "-nan", "-1e-3"): no option of ours
 * looks like that (the only short option is -h), so it is a value, not a
 * cluster of short options. */
static int is_negative_number(const char *a)
{
    if (a[0] != '-')
        return 0;
    if ((a[1] >= '0' && a[1] <= '9') || a[1] == '.')
        return 1;
    char *end;
    (void)strtod(a, &end);
    return end != a && *end == '\0';
}

static int passed_on(const opt_program *p, const char *a)
{
    for (const char *const *q = p->pass_prefixes; q && *q; q++)
        if (strncmp(a, *q, strlen(*q)) == 0)
            return 1;
    return 0;
}

/* getopt_long reads gv: argv without the arguments passed on, with a
 * negative number's '-' stepped over so that it reads as a value; an
 * argument getopt hands back is mapped to its original text. */
typedef struct {
    char **gv, **orig;
    int gc;
} arg_map;

static const char *original(const arg_map *m, const char *a)
{
    for (int j = 1; j < m->gc; j++)
        if (m->gv[j] == a)
            return m->orig[j];
    return a;
}

static int unknown(const opt_program *p, const arg_map *m, int optopt_, int optind_)
{
    if (optopt_ > 0 && optopt_ < 256) {
        char s[3] = {'-', (char)optopt_, '\0'};
        return usage_error(p, "unknown option '%s'%s", s,
                           p->max_pos > 0 ? " (an argument starting with '-' goes after --)"
                                          : "");
    }
    const char *a = optind_ - 1 < m->gc ? original(m, m->gv[optind_ - 1]) : "?";
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
    if (optopt_ >= VAL_SPEC || optopt_ == VAL_VERSION)
        return usage_error(p, "%s takes no value%s", name, "");
    return usage_error(p, "unknown option '%s'%s", name, "");
}

/* after_dashes: a surplus option after "--" was probably meant as one. */
static int add_positional(opt_program *p, const char *a, int after_dashes)
{
    if (p->n_pos >= p->max_pos)
        return usage_error(p, "unexpected argument '%s'%s", a,
                           after_dashes && a[0] == '-' ? " (after --, every argument is "
                                                         "positional: options go before --)"
                                                       : "");
    p->pos[p->n_pos++] = a;
    return 0;
}

/* getopt_long stops at "--" with optind just past it (at gc when there was
 * none): everything from there on is positional, whatever it looks like. */
static int rest_positional(opt_program *p, const arg_map *m, int from)
{
    for (int j = from; j < m->gc; j++) {
        int r = add_positional(p, original(m, m->gv[j]), 1);
        if (r)
            return r;
    }
    return 0;
}

static int run_getopt(opt_program *p, arg_map *m, opt_spec *specs, struct option *lo)
{
    opterr = 0;
    optind = 0; /* glibc: a full reset, so a program may parse more than once */
    int c;
    while ((c = getopt_long(m->gc, m->gv, "-:h", lo, NULL)) != -1) {
        if (c == 1) {
            int r = add_positional(p, original(m, optarg), 0);
            if (r)
                return r;
        } else if (c == VAL_HELP) {
            opt_usage(stdout, p->usage);
            return -1;
        } else if (c == VAL_VERSION) {
            printf("%s %s\n", p->prog, RNNSIMD_VERSION);
            return -1;
        } else if (c == ':') {
            const char *name = optopt >= VAL_SPEC ? specs[optopt - VAL_SPEC].name : "?";
            return usage_error(p, "--%s needs a value%s", name, "");
        } else if (c == '?') {
            return unknown(p, m, optopt, optind);
        } else {
            opt_spec *s = &specs[c - VAL_SPEC];
            if (s->seen && !(s->flags & OPT_REPEAT)) {
                fprintf(stderr, "%s: --%s given twice\n", p->prog, s->name);
                return OPT_EXIT_USAGE;
            }
            s->seen = 1;
            int r = set_value(p, s, optarg ? original(m, optarg) : NULL);
            if (r)
                return r;
        }
    }
    return rest_positional(p, m, optind);
}

int opt_parse(opt_program *p, int *argc, char **argv, opt_spec *specs, size_t n_specs)
{
    int n = *argc;
    p->n_pos = 0;
    struct option *lo = calloc(n_specs + 3, sizeof *lo);
    arg_map m = {calloc((size_t)n + 1, sizeof(char *)), calloc((size_t)n + 1, sizeof(char *)), 0};
    if (!lo || !m.gv || !m.orig) {
        free(lo), free(m.gv), free(m.orig);
        fprintf(stderr, "%s: out of memory\n", p->prog);
        return OPT_EXIT_RUNTIME; /* the command line may well be right */
    }
    for (size_t k = 0; k < n_specs; k++) {
        lo[k].name = specs[k].name;
        lo[k].has_arg = specs[k].kind == OPT_FLAG       ? no_argument
                        : specs[k].flags & OPT_OPTIONAL ? optional_argument
                                                        : required_argument;
        lo[k].val = VAL_SPEC + (int)k;
        specs[k].seen = 0;
    }
    lo[n_specs] = (struct option){"help", no_argument, NULL, VAL_HELP};
    lo[n_specs + 1] = (struct option){"version", no_argument, NULL, VAL_VERSION};
    int kept = 1;
    for (int i = 0; i < n; i++) {
        if (i > 0 && passed_on(p, argv[i])) {
            argv[kept++] = argv[i];
            continue;
        }
        m.orig[m.gc] = argv[i];
        m.gv[m.gc++] = i > 0 && is_negative_number(argv[i]) ? argv[i] + 1 : argv[i];
    }
    int r = run_getopt(p, &m, specs, lo);
    if (p->pass_prefixes) {
        argv[kept] = NULL;
        *argc = kept;
    }
    free(lo);
    free(m.gv);
    free(m.orig);
    return r;
}
