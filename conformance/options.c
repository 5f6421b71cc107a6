/* options.c — see options.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    "  --cases FILE         run the case lines of FILE ('#' comments, blank lines ok)\n"
    "  --cell LIST          only these cells (comma-separated: rnn_tanh,lstm,gru,lbr_gru)\n"
    "  --topology LIST      only these topologies (one2one,one2many,many2one,seq2seq,many2many)\n"
    "  --isa LIST           only these kernel tables (generic,avx2,avx512,neon)\n"
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
    "\n"
    "Case line: CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>:V<n>:rho<x.y>:seed<n>\n"
    "           [:state=mixed|h0zero|c0zero|none][:head=wide][:x=sat]\n"
    "(To, the decoder steps, for seq2seq only; the optional data kinds in this order).\n"
    "A failure prints the line, table and mode, and the command that reproduces it.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, CONF_PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    return 2;
}

typedef struct {
    conf_case *c;
    size_t n;
} case_list;

/* A comma-separated list of names into a bit mask; 0 and *bad set on an
 * unknown name. */
static unsigned parse_list(const char *list, int kind, char *bad, size_t badlen)
{
    unsigned mask = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
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
        if (v < 0) {
            snprintf(bad, badlen, "%s", tok);
            return 0;
        }
        mask |= 1u << v;
    }
    if (!mask)
        snprintf(bad, badlen, "%s", list);
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
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, CONF_PROG ": %s: cannot open the cases file\n", path);
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
    fclose(f);
    return ok;
}

int conf_options_parse(int argc, char **argv, conf_options *o, conf_case *given)
{
    memset(o, 0, sizeof *o);
    o->golden_path = "conformance/golden.txt";
    o->ratchet_path = "conformance/ratchet.txt";
    o->cell_mask = o->topo_mask = o->isa_mask = ~0u;
    o->mode_mask = (1u << CONF_MODE_COUNT) - 1;
    o->given = given;
    case_list l = {given, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has = i + 1 < argc;
        char bad[256];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--list") == 0) {
            o->list = 1;
        } else if (strcmp(a, "--no-golden") == 0) {
            o->no_golden = 1;
        } else if (strcmp(a, "--no-onednn") == 0) {
            o->no_onednn = 1;
        } else if (strcmp(a, "--no-ratchet") == 0) {
            o->no_ratchet = 1;
        } else if (strncmp(a, "--threads", 9) == 0 && (a[9] == '=' || a[9] == '\0')) {
            /* --threads=N or --threads N */
            const char *v = a[9] == '=' ? a + 10 : (has ? argv[++i] : NULL);
            if (!v)
                return usage_error("option '%s' needs an argument", a);
            if (strcmp(v, "1") == 0)
                o->mode_mask = 1u << CONF_MODE_THREADS1;
            else if (strcmp(v, "2") == 0)
                o->mode_mask = 1u << CONF_MODE_THREADS2;
            else
                return usage_error("--threads: '%s' is not a thread count this library runs "
                                   "(1 or 2)", v);
            o->mode_filter = 1;
        } else if (strcmp(a, "--case") == 0 || strcmp(a, "--cases") == 0 ||
                   strcmp(a, "--cell") == 0 || strcmp(a, "--topology") == 0 ||
                   strcmp(a, "--isa") == 0 || strcmp(a, "--json") == 0 ||
                   strcmp(a, "--golden") == 0 || strcmp(a, "--write-golden") == 0 ||
                   strcmp(a, "--mode") == 0 || strcmp(a, "--ratchet") == 0 ||
                   strcmp(a, "--write-ratchet") == 0) {
            if (!has)
                return usage_error("option '%s' needs an argument", a);
            const char *v = argv[++i];
            if (strcmp(a, "--case") == 0) {
                o->explicit_cases = 1;
                if (!add_case(&l, v, NULL, 0))
                    return 2;
            } else if (strcmp(a, "--cases") == 0) {
                o->explicit_cases = 1;
                if (!read_cases(&l, v))
                    return 2;
            } else if (strcmp(a, "--cell") == 0) {
                if (!(o->cell_mask = parse_list(v, 0, bad, sizeof bad)))
                    return usage_error("--cell: unknown cell '%s' (rnn_tanh, lstm, gru, lbr_gru)",
                                       bad);
            } else if (strcmp(a, "--topology") == 0) {
                if (!(o->topo_mask = parse_list(v, 1, bad, sizeof bad)))
                    return usage_error("--topology: unknown topology '%s' (one2one, one2many, "
                                       "many2one, seq2seq, many2many)", bad);
            } else if (strcmp(a, "--isa") == 0) {
                if (!(o->isa_mask = parse_list(v, 2, bad, sizeof bad)))
                    return usage_error("--isa: unknown instruction set '%s' (generic, avx2, "
                                       "avx512, neon)", bad);
                o->isa_filter = 1;
            } else if (strcmp(a, "--mode") == 0) {
                if (!(o->mode_mask = conf_mode_parse(v, bad, sizeof bad)))
                    return usage_error("--mode: unknown mode '%s' (threads1, threads2, unfused)",
                                       bad);
                o->mode_filter = 1;
            } else if (strcmp(a, "--json") == 0) {
                o->json_path = v;
            } else if (strcmp(a, "--golden") == 0) {
                o->golden_path = v;
            } else if (strcmp(a, "--ratchet") == 0) {
                o->ratchet_path = v;
            } else if (strcmp(a, "--write-ratchet") == 0) {
                o->write_ratchet = v;
            } else {
                o->write_golden = v;
            }
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    o->ngiven = l.n;
    if (o->write_ratchet && (o->explicit_cases || o->cell_mask != ~0u || o->topo_mask != ~0u ||
                             o->mode_filter))
        return usage_error("%s: the ratchet's budgets cover the whole matrix or the quick "
                           "subset in every mode: no --case, --cases, --cell, --topology, "
                           "--mode or --threads", "--write-ratchet");
    return -1;
}
