/* options.c — see options.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "file_io.h"
#include "kernels.h"
#include "modes.h"
#include "options.h"

static const char usage[] =
    "usage: " CONF_PROG " [options]\n"
    "Checks every kernel table this CPU runs against the reference on the default case\n"
    "matrix (every cell x topology; vector-edge and realistic sizes; rho 0.5/1.0/1.5; the\n"
    "data kinds below), in every mode, with golden hashes and the accuracy ratchet.\n"
    "\n"
    "  --case LINE          run this case (repeatable), e.g.\n"
    "                       --case 'lstm:many2one:T17:B3:I7:H33:V5:rho1.0:seed5'\n"
    "  --cases FILE         run the case lines of FILE (a line starting with '#' is a\n"
    "                       comment; blank lines ok)\n"
    "  --cell LIST          only these cells (comma-separated: rnn_tanh,lstm,gru,lbr_gru)\n"
    "  --topology LIST      only these topologies (one2one,one2many,many2one,seq2seq,many2many)\n"
    "  --isa LIST           only these kernel tables ({isas:,})\n"
    "  --mode LIST          only these modes (default all): threads1 (1 thread), threads2\n"
    "                       (2 threads), unfused (1 thread, fused batch-1 step off; tables\n"
    "                       that have one)\n"
    "  --threads N          the same as --mode threadsN (N: 1 or 2)\n"
    "  --quick              the quick subset (every cell x topology x table x mode, every\n"
    "                       data kind, batch-1 sequences of T >= 16; seconds)\n"
    "  --list               print the selected case lines and exit\n"
    "  --golden FILE        golden hashes to check against (default conformance/golden.txt)\n"
    "  --no-golden          skip the golden check (for cases outside the matrix)\n"
    "  --write-golden FILE  rewrite FILE's lines for the selected cases from the reference\n"
    "                       and print what changed (the whole matrix: also drop stale lines)\n"
    "  --ratchet FILE       accuracy budgets to judge against (default conformance/ratchet.txt;\n"
    "                       judged on the whole matrix or the quick subset)\n"
    "  --no-ratchet         do not judge the budgets\n"
    "  --write-ratchet FILE run, then rewrite FILE's budgets of the tables that ran (the whole\n"
    "                       matrix: full and quick budgets; --quick: quick ones) and print\n"
    "                       what changed; refused if anything failed\n"
    "  --no-onednn          skip the oneDNN cross-check\n"
    "  --json FILE          write a JSON report (atomically, when the run ends)\n"
    "  --help               this text\n"
    "  --version            the library version\n"
    "\n"
    "Selecting no case (an empty --cases file; --cell or --topology matching none of the\n"
    "cases given) or no run of a table (--mode unfused on tables without a fused step; bf16\n"
    "cases on tables without bf16 products) is a usage error. The output files (--json,\n"
    "--write-golden, --write-ratchet) are checked before anything runs: a directory, an\n"
    "empty name or a missing directory is a usage error; a directory that refuses a new\n"
    "file, a runtime failure.\n"
    "\n"
    "Case line: CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi]:V<n>:rho<x.y>:seed<n>\n"
    "           [:state=mixed|h0zero|c0zero|none][:head=wide][:x=sat]\n"
    "(To, the decoder steps, for seq2seq only; L<n> (2 to 8 layers) and bi (two\n"
    "directions) make a stack; the optional data kinds in this order).\n"
    "A failure prints the line, table and mode, and the command that reproduces it.\n";

typedef struct {
    conf_case *c;
    size_t n;
} case_list;

/* The set of list's comma-separated names (kind 0 cells, 1 topologies, 2
 * tables, 3 modes), or 0 with the first bad entry in bad: an unknown name, an empty
 * entry ("lstm,,gru", a leading or trailing comma: '') or a list too long. */
static unsigned parse_list(const char *list, int kind, char *bad, size_t badlen)
{
    unsigned mask = 0;
    char buf[256];
    if (strlen(list) >= sizeof buf) {
        snprintf(bad, badlen, "%.40s... (a list of %zu characters)", list, strlen(list));
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        int v = -1;
        rnn_cell c;
        rnn_topology t;
        rnn_isa i;
        if (kind == 0 && rnn_cell_parse(tok, &c) == RNN_OK)
            v = (int)c;
        else if (kind == 1 && rnn_topology_parse(tok, &t) == RNN_OK)
            v = (int)t;
        else if (kind == 2 && rnn_isa_parse(tok, &i) == RNN_OK && i != RNN_ISA_AUTO)
            v = (int)i;
        else if (kind == 3)
            v = conf_mode_from_name(tok);
        if (v < 0) {
            snprintf(bad, badlen, "%s", tok);
            return 0;
        }
        mask |= 1u << v;
    }
    return mask;
}

static int add_case(case_list *l, const char *line, const char *where, int lineno)
{
    conf_case c;
    char err[512];
    if (conf_case_parse(line, &c, err, sizeof err) != RNN_OK) {
        if (where)
            fprintf(stderr, CONF_PROG ": %s:%d: %s\n", where, lineno, err);
        else
            fprintf(stderr, CONF_PROG ": %s\n", err);
        return 0;
    }
    if (l->n == CONF_MAX_CASES) {
        fprintf(stderr, CONF_PROG ": more than %d cases\n", CONF_MAX_CASES);
        return 0;
    }
    l->c[l->n++] = c;
    return 1;
}

static int read_cases(case_list *l, const char *path)
{
    FILE *f;
    char why[512];
    if (rnn_open_regular(path, "r", &f, why, sizeof why) != RNN_OK) {
        fprintf(stderr, CONF_PROG ": %s (the cases file)\n", why);
        return 0;
    }
    char buf[512];
    int lineno = 0, ok = 1;
    while (ok && fgets(buf, sizeof buf, f)) {
        lineno++;
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                       s[len - 1] == '\t'))
            s[--len] = '\0';
        if (len == 0 || s[0] == '#')
            continue;
        ok = add_case(l, s, path, lineno);
    }
    /* fopen opens a directory; its first read fails (EISDIR). */
    if (ok && ferror(f)) {
        fprintf(stderr, CONF_PROG ": %s: cannot read the cases file: %s\n", path,
                strerror(errno));
        ok = 0;
    }
    fclose(f);
    return ok;
}

/* The options with parsing of their own (OPT_CALL), each given the options. */
typedef struct {
    conf_options *o;
    case_list l;
} parse_ctx;

static int on_case(void *ctx, const char *name, const char *v, char *err, size_t errlen)
{
    parse_ctx *c = ctx;
    c->o->explicit_cases = 1;
    (void)err, (void)errlen; /* read_cases and add_case say what is wrong */
    const size_t before = c->l.n;
    int ok = name[4] == 's' ? read_cases(&c->l, v) : add_case(&c->l, v, NULL, 0);
    if (ok && c->l.n == before)
        c->o->empty_cases_file = v; /* said if nothing else is selected */
    return ok ? 0 : -1;
}

static int on_list(void *ctx, const char *name, const char *v, char *err, size_t errlen)
{
    conf_options *o = ((parse_ctx *)ctx)->o;
    char bad[256];
    switch (name[0]) {
    case 'c':
        if ((o->cell_mask = parse_list(v, 0, bad, sizeof bad)))
            return 0;
        snprintf(err, errlen, "unknown cell '%s' (rnn_tanh, lstm, gru, lbr_gru)", bad);
        return -1;
    case 't':
        if ((o->topo_mask = parse_list(v, 1, bad, sizeof bad)))
            return 0;
        snprintf(err, errlen, "unknown topology '%s' (one2one, one2many, many2one, seq2seq, "
                 "many2many)", bad);
        return -1;
    case 'i':
        o->isa_filter = 1;
        if ((o->isa_mask = parse_list(v, 2, bad, sizeof bad)))
            return 0;
        snprintf(err, errlen, "unknown instruction set '%s' (%s)", bad, opt_isa_list(", "));
        return -1;
    default:
        if (o->mode_filter) {
            snprintf(err, errlen, "--mode and --threads both choose the modes; give one");
            return -1;
        }
        o->mode_filter = 1;
        if ((o->mode_mask = parse_list(v, 3, bad, sizeof bad)))
            return 0;
        snprintf(err, errlen, "unknown mode '%s' (threads1, threads2, unfused)", bad);
        return -1;
    }
}

static int on_threads(void *ctx, const char *name, const char *v, char *err, size_t errlen)
{
    (void)name;
    conf_options *o = ((parse_ctx *)ctx)->o;
    if (o->mode_filter) {
        snprintf(err, errlen, "--mode and --threads both choose the modes; give one");
        return -1;
    }
    o->mode_filter = 1;
    if (strcmp(v, "1") == 0 || strcmp(v, "2") == 0) {
        o->mode_mask = 1u << (v[0] == '1' ? CONF_MODE_THREADS1 : CONF_MODE_THREADS2);
        return 0;
    }
    snprintf(err, errlen, "'%s' is not a thread count this library runs (1 or 2)", v);
    return -1;
}

int conf_options_parse(int argc, char **argv, conf_options *o, conf_case *given)
{
    memset(o, 0, sizeof *o);
    o->golden_path = "conformance/golden.txt";
    o->ratchet_path = "conformance/ratchet.txt";
    o->cell_mask = o->topo_mask = o->isa_mask = ~0u;
    o->mode_mask = (1u << CONF_MODE_COUNT) - 1;
    o->given = given;
    parse_ctx ctx = {o, {given, 0}};
    opt_spec specs[] = {
        {"case", OPT_CALL, &ctx, 0, 0, OPT_REPEAT, on_case, 0},
        {"cases", OPT_CALL, &ctx, 0, 0, OPT_REPEAT, on_case, 0},
        {"cell", OPT_CALL, &ctx, 0, 0, 0, on_list, 0},
        {"topology", OPT_CALL, &ctx, 0, 0, 0, on_list, 0},
        {"isa", OPT_CALL, &ctx, 0, 0, 0, on_list, 0},
        {"mode", OPT_CALL, &ctx, 0, 0, 0, on_list, 0},
        {"threads", OPT_CALL, &ctx, 0, 0, 0, on_threads, 0},
        {"quick", OPT_FLAG, &o->quick, 0, 0, 0, NULL, 0},
        {"list", OPT_FLAG, &o->list, 0, 0, 0, NULL, 0},
        {"golden", OPT_STR, &o->golden_path, 0, 0, 0, NULL, 0},
        {"no-golden", OPT_FLAG, &o->no_golden, 0, 0, 0, NULL, 0},
        {"write-golden", OPT_STR, &o->write_golden, 0, 0, 0, NULL, 0},
        {"ratchet", OPT_STR, &o->ratchet_path, 0, 0, 0, NULL, 0},
        {"no-ratchet", OPT_FLAG, &o->no_ratchet, 0, 0, 0, NULL, 0},
        {"write-ratchet", OPT_STR, &o->write_ratchet, 0, 0, 0, NULL, 0},
        {"no-onednn", OPT_FLAG, &o->no_onednn, 0, 0, 0, NULL, 0},
        {"json", OPT_STR, &o->json_path, 0, 0, 0, NULL, 0},
    };
    opt_program p = {CONF_PROG, usage, NULL, 0, 0, NULL};
    int r = opt_parse(&p, &argc, argv, specs, sizeof specs / sizeof specs[0]);
    if (r)
        return r < 0 ? 0 : r;
    o->ngiven = ctx.l.n;
    /* a path given beside the flag that skips its check would be ignored */
    if (o->no_golden && strcmp(o->golden_path, "conformance/golden.txt") != 0) {
        fprintf(stderr, CONF_PROG ": --golden %s and --no-golden contradict each other\n",
                o->golden_path);
        return 2;
    }
    if (o->no_ratchet && strcmp(o->ratchet_path, "conformance/ratchet.txt") != 0) {
        fprintf(stderr, CONF_PROG ": --ratchet %s and --no-ratchet contradict each other\n",
                o->ratchet_path);
        return 2;
    }
    if (o->write_ratchet && (o->explicit_cases || o->cell_mask != ~0u || o->topo_mask != ~0u ||
                             o->mode_filter)) {
        fprintf(stderr, CONF_PROG ": --write-ratchet: the ratchet's budgets cover the whole "
                "matrix or the quick subset in every mode: no --case, --cases, --cell, "
                "--topology, --mode or --threads (see " CONF_PROG " --help)\n");
        return 2;
    }
    return -1;
}
