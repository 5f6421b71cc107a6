/* main.c — rnnsimd-conformance: every kernel table this CPU runs against the
 * naive reference, on the case matrix (or the cases given), with golden
 * hashes, measured regimes, negative controls and the oneDNN cross-check.
 * `make conformance` runs it; --help lists the options. Exit status: 0 if
 * everything passed, 1 if anything failed, 2 for a usage error. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "golden.h"
#include "hash.h"
#include "kernel_check.h"
#include "kernels.h"
#include "matrix.h"
#include "onednn_check.h"
#include "regime.h"
#include "report.h"
#include "run_reference.h"

#define PROG "rnnsimd-conformance"
#define MAX_CASES 4096

static const char usage[] =
    "usage: " PROG " [options]\n"
    "Checks every kernel table this CPU runs against the reference on the default case\n"
    "matrix (every cell x topology; vector-edge and realistic sizes; rho 0.5/1.0/1.5).\n"
    "\n"
    "  --case LINE          run this case (repeatable), e.g.\n"
    "                       --case 'lstm:many2one:T17:B3:I7:H33:V5:rho1.0:seed5'\n"
    "  --cases FILE         run the case lines of FILE ('#' comments, blank lines ok)\n"
    "  --cell LIST          only these cells (comma-separated: rnn_tanh,lstm,gru,lbr_gru)\n"
    "  --topology LIST      only these topologies (one2one,one2many,many2one,seq2seq,many2many)\n"
    "  --isa LIST           only these kernel tables (generic,avx2,avx512,neon)\n"
    "  --quick              the quick subset (every cell x topology x ISA, seconds)\n"
    "  --list               print the selected case lines and exit\n"
    "  --golden FILE        golden hashes to check against (default conformance/golden.txt)\n"
    "  --no-golden          skip the golden check (for cases outside the matrix)\n"
    "  --write-golden FILE  rewrite FILE's lines for the selected cases from the reference\n"
    "                       and print what changed (the whole matrix: also drop stale lines)\n"
    "  --no-onednn          skip the oneDNN cross-check\n"
    "  --threads N          plans run with N threads (rnn_plan_options.threads: 1 or 2;\n"
    "                       default 1)\n"
    "  --json FILE          write a JSON report\n"
    "  --help               this text\n"
    "\n"
    "Case line: CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>:V<n>:rho<x.y>:seed<n>\n"
    "(To, the decoder steps, for seq2seq only). A failure prints the line that reproduces it.\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    return 2;
}

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

typedef struct {
    conf_case *c;
    size_t n;
} case_list;

static int add_case(case_list *l, const char *line, const char *where, int lineno)
{
    conf_case c;
    char err[512];
    if (conf_case_parse(line, &c, err, sizeof err) != RNN_OK) {
        if (where)
            fprintf(stderr, PROG ": %s:%d: %s\n", where, lineno, err);
        else
            fprintf(stderr, PROG ": %s\n", err);
        return 0;
    }
    if (l->n == MAX_CASES) {
        fprintf(stderr, PROG ": more than %d cases\n", MAX_CASES);
        return 0;
    }
    l->c[l->n++] = c;
    return 1;
}

static int read_cases(case_list *l, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": %s: cannot open the cases file\n", path);
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

typedef struct {
    int tty;
    size_t total, done;
    int last_decile;
} progress;

static void progress_show(progress *pr, const char *line, const char *what)
{
    pr->done++;
    if (pr->tty) {
        fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", pr->done, pr->total, line, what);
        fflush(stderr);
        return;
    }
    /* Not a terminal (make test captures it): one line per tenth. */
    int decile = (int)(10 * pr->done / (pr->total ? pr->total : 1));
    if (decile != pr->last_decile) {
        pr->last_decile = decile;
        fprintf(stderr, "[%zu/%zu] %s %s\n", pr->done, pr->total, line, what);
    }
}

static void progress_end(progress *pr)
{
    if (pr->tty && pr->done)
        fprintf(stderr, "\r\033[K");
}

int main(int argc, char **argv)
{
    /* Line-buffered: FAIL lines stay in order with the stderr progress. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *golden_path = "conformance/golden.txt", *write_path = NULL, *json_path = NULL;
    int quick = 0, list = 0, no_golden = 0, no_onednn = 0, explicit_cases = 0, threads = 1;
    unsigned cell_mask = ~0u, topo_mask = ~0u, isa_mask = ~0u;
    int isa_filter = 0;
    /* Static storage: the early usage-error returns below leak nothing. */
    static conf_case given_store[MAX_CASES], cases_store[MAX_CASES];
    case_list given = {given_store, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has = i + 1 < argc;
        char bad[256];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--quick") == 0) {
            quick = 1;
        } else if (strcmp(a, "--list") == 0) {
            list = 1;
        } else if (strcmp(a, "--no-golden") == 0) {
            no_golden = 1;
        } else if (strcmp(a, "--no-onednn") == 0) {
            no_onednn = 1;
        } else if (strncmp(a, "--threads", 9) == 0 && (a[9] == '=' || a[9] == '\0')) {
            /* --threads=N or --threads N */
            const char *v = a[9] == '=' ? a + 10 : (has ? argv[++i] : NULL);
            if (!v)
                return usage_error("option '%s' needs an argument", a);
            if (strcmp(v, "1") == 0)
                threads = 1;
            else if (strcmp(v, "2") == 0)
                threads = 2;
            else
                return usage_error("--threads: '%s' is not a thread count this library runs "
                                   "(1 or 2)", v);
        } else if (strcmp(a, "--case") == 0 || strcmp(a, "--cases") == 0 ||
                   strcmp(a, "--cell") == 0 || strcmp(a, "--topology") == 0 ||
                   strcmp(a, "--isa") == 0 || strcmp(a, "--json") == 0 ||
                   strcmp(a, "--golden") == 0 || strcmp(a, "--write-golden") == 0) {
            if (!has)
                return usage_error("option '%s' needs an argument", a);
            const char *v = argv[++i];
            if (strcmp(a, "--case") == 0) {
                explicit_cases = 1;
                if (!add_case(&given, v, NULL, 0))
                    return 2;
            } else if (strcmp(a, "--cases") == 0) {
                explicit_cases = 1;
                if (!read_cases(&given, v))
                    return 2;
            } else if (strcmp(a, "--cell") == 0) {
                if (!(cell_mask = parse_list(v, 0, bad, sizeof bad)))
                    return usage_error("--cell: unknown cell '%s' (rnn_tanh, lstm, gru, lbr_gru)",
                                       bad);
            } else if (strcmp(a, "--topology") == 0) {
                if (!(topo_mask = parse_list(v, 1, bad, sizeof bad)))
                    return usage_error("--topology: unknown topology '%s' (one2one, one2many, "
                                       "many2one, seq2seq, many2many)", bad);
            } else if (strcmp(a, "--isa") == 0) {
                if (!(isa_mask = parse_list(v, 2, bad, sizeof bad)))
                    return usage_error("--isa: unknown instruction set '%s' (generic, avx2, "
                                       "avx512, neon)", bad);
                isa_filter = 1;
            } else if (strcmp(a, "--json") == 0) {
                json_path = v;
            } else if (strcmp(a, "--golden") == 0) {
                golden_path = v;
            } else {
                write_path = v;
            }
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }

    /* The selection: given cases, or the matrix (quick subset on request). */
    case_list cases = {cases_store, 0};
    conf_matrix_case *m = calloc(MAX_CASES, sizeof *m);
    if (!m)
        return 2;
    size_t nm = conf_matrix_default(m, MAX_CASES);
    const int filtered = cell_mask != ~0u || topo_mask != ~0u;
    for (size_t i = 0; i < (explicit_cases ? given.n : nm); i++) {
        const conf_case *c = explicit_cases ? &given.c[i] : &m[i].c;
        if (!explicit_cases && quick && !m[i].quick)
            continue;
        if (!(cell_mask >> c->desc.cell & 1) || !(topo_mask >> c->desc.topology & 1))
            continue;
        cases.c[cases.n++] = *c;
    }
    free(m);
    if (list) {
        for (size_t i = 0; i < cases.n; i++) {
            char line[CONF_CASE_LINE_MAX];
            conf_case_print(&cases.c[i], line, sizeof line);
            printf("%s\n", line);
        }
        return 0;
    }
    if (write_path) {
        int rc = conf_golden_rewrite(write_path, cases.c, cases.n, !explicit_cases && !quick && !filtered);
        return rc;
    }

    double t_start = now();
    conf_report rep;
    memset(&rep, 0, sizeof rep);

    /* Kernel tables: every one compiled in, minus those this CPU lacks. */
    const rnn_kernels *const *tables = rnn_kernel_tables();
    for (int isa = RNN_ISA_GENERIC; isa < RNN_ISA_COUNT; isa++) {
        conf_isa_summary *s = &rep.isa[rep.nisa];
        memset(s, 0, sizeof *s);
        s->isa = (rnn_isa)isa;
        int built = 0;
        for (int t = 0; tables && tables[t]; t++)
            built |= tables[t]->isa == (rnn_isa)isa;
        const char *why = NULL;
        if (!(isa_mask >> isa & 1)) {
            if (!built)
                continue;
            snprintf(s->reason, sizeof s->reason, "not selected (--isa)");
        } else if (!built) {
            if (!isa_filter)
                continue; /* another architecture's table: not worth a line */
            snprintf(s->reason, sizeof s->reason, "not compiled into this build");
        } else if (rnn_isa_check((rnn_isa)isa, &why) != RNN_OK) {
            snprintf(s->reason, sizeof s->reason, "%s", why ? why : "unsupported by this CPU");
        } else {
            s->run = 1;
        }
        if (!s->run && isa_filter && (isa_mask >> isa & 1)) {
            fprintf(stderr, PROG ": --isa %s: %s\n", rnn_isa_name((rnn_isa)isa), s->reason);
            return 2;
        }
        rep.nisa++;
    }

    conf_golden golden;
    memset(&golden, 0, sizeof golden);
    char gerr[800];
    int golden_loaded = 0;
    if (!no_golden) {
        rnn_status s = conf_golden_load(golden_path, &golden, gerr, sizeof gerr);
        if (s == RNN_ERR_FORMAT) {
            fprintf(stderr, PROG ": malformed golden file: %s\n", gerr);
            printf("0 passed, 1 failed\n");
            return 1;
        }
        golden_loaded = s == RNN_OK;
        if (!golden_loaded)
            printf("golden: %s\n", gerr);
    }
    if (json_path) {
        rep.json = fopen(json_path, "w");
        if (!rep.json) {
            fprintf(stderr, PROG ": %s: cannot write the JSON report\n", json_path);
            return 2;
        }
        fprintf(rep.json, "{\n  \"tool\": \"" PROG "\",\n  \"version\": \"%s\",\n  \"golden_file\": ",
                RNNSIMD_VERSION);
        conf_json_string(rep.json, no_golden ? "" : golden_path);
        fprintf(rep.json, ",\n  \"cases\": [");
    }

    printf(PROG ": %zu cases; threads %d; kernel tables:", cases.n, threads);
    int nrun = 0;
    for (int i = 0; i < rep.nisa; i++) {
        printf(" %s%s", rnn_isa_name(rep.isa[i].isa), rep.isa[i].run ? "" : " (skipped)");
        nrun += rep.isa[i].run;
    }
    printf("\n");
    for (int i = 0; i < rep.nisa; i++)
        if (!rep.isa[i].run)
            printf("  skipping %s: %s\n", rnn_isa_name(rep.isa[i].isa), rep.isa[i].reason);

    conf_regime_cache regimes;
    memset(&regimes, 0, sizeof regimes);
    progress pr = {isatty(2), cases.n * (size_t)(nrun + 1), 0, 0};
    for (size_t ci = 0; ci < cases.n; ci++) {
        char line[CONF_CASE_LINE_MAX];
        conf_case_print(&cases.c[ci], line, sizeof line);
        double t_case = now();
        conf_problem p;
        conf_result ref;
        int ref_ok = 0;
        conf_hashes h = {0, 0, 0};
        char golden_status[200] = "not checked";
        int regime_ok = -1;
        size_t blocks[8];
        int nblocks = 0;
        rnn_status s = conf_problem_generate(&cases.c[ci], &p);
        memset(&ref, 0, sizeof ref);
        if (s == RNN_OK) {
            double t0 = now();
            s = conf_reference_run(&p, &ref);
            rep.ref_seconds += now() - t0;
        }
        progress_show(&pr, line, "reference");
        if (s != RNN_OK) {
            rep.failed++;
            printf("FAIL %s: reference: %s\n  reproduce: build/" PROG " --case '%s'\n", line,
                   rnn_strerror(s), line);
        } else {
            ref_ok = 1;
            conf_case_hashes(&p, &ref, &h);
            rep.hash_controls++;
            rep.hash_controls_caught += conf_hash_sees_flip(&p, h.inputs);
            /* Golden: which part moved says who changed. */
            if (!no_golden) {
                const conf_golden_entry *g = golden_loaded ? conf_golden_find(&golden, line) : NULL;
                if (!g) {
                    rep.golden_missing++;
                    rep.failed++;
                    snprintf(golden_status, sizeof golden_status, "missing");
                    printf("FAIL %s: no golden line in %s: run `make golden` (or pass --no-golden "
                           "for a case outside the matrix)\n", line, golden_path);
                } else if (g->inputs != h.inputs) {
                    rep.golden_mismatch++;
                    rep.failed++;
                    snprintf(golden_status, sizeof golden_status, "mismatch: inputs");
                    printf("FAIL %s: golden mismatch in inputs (%016" PRIx64 ", golden %016" PRIx64
                           "): the generator changed\n  reproduce: build/" PROG " --case '%s'\n",
                           line, h.inputs, g->inputs, line);
                } else if (g->forward != h.forward || g->gradients != h.gradients) {
                    rep.golden_mismatch++;
                    rep.failed++;
                    int fw = g->forward != h.forward, gr = g->gradients != h.gradients;
                    snprintf(golden_status, sizeof golden_status, "mismatch: %s%s%s",
                             fw ? "forward" : "", fw && gr ? ", " : "", gr ? "gradients" : "");
                    printf("FAIL %s: golden mismatch in %s%s%s (forward %016" PRIx64 " golden %016"
                           PRIx64 ", gradients %016" PRIx64 " golden %016" PRIx64
                           "): the reference changed\n  reproduce: build/" PROG " --case '%s'\n",
                           line, fw ? "forward" : "", fw && gr ? " and " : "",
                           gr ? "gradients" : "", h.forward, g->forward, h.gradients,
                           g->gradients, line);
                } else {
                    rep.golden_ok++;
                    rep.passed++;
                    snprintf(golden_status, sizeof golden_status, "ok");
                }
            }
            /* The claimed regime, measured. */
            nblocks = conf_regime_measure(&regimes, &p, blocks, 8);
            regime_ok = nblocks > 0;
            for (int b = 0; b < nblocks; b++)
                regime_ok &= conf_regime_ok(&regimes.b[blocks[b]]);
            if (regime_ok) {
                rep.regimes_ok++;
                rep.passed++;
            } else {
                rep.regimes_bad++;
                rep.failed++;
                printf("FAIL %s: regime not as claimed (rho %g):", line, p.kase.rho);
                for (int b = 0; b < nblocks; b++)
                    printf(" block %d sigma_max %.6f radius %.6f;", b,
                           regimes.b[blocks[b]].sigma_max, regimes.b[blocks[b]].radius);
                printf("\n  reproduce: build/" PROG " --case '%s'\n", line);
            }
        }
        if (rep.json) {
            FILE *f = rep.json;
            fprintf(f, "%s\n    {\"case\": ", rep.json_cases++ ? "," : "");
            conf_json_string(f, line);
            fprintf(f, ", \"reference\": %s", ref_ok ? "\"ok\"" : "\"failed\"");
            if (ref_ok)
                fprintf(f, ", \"hashes\": {\"inputs\": \"%016" PRIx64 "\", \"forward\": \"%016" PRIx64
                        "\", \"gradients\": \"%016" PRIx64 "\"}", h.inputs, h.forward, h.gradients);
            fprintf(f, ", \"golden\": ");
            conf_json_string(f, golden_status);
            fprintf(f, ", \"regime\": {\"claimed_rho\": %g, \"as_claimed\": %s, \"blocks\": [",
                    cases.c[ci].rho, regime_ok == 1 ? "true" : "false");
            for (int b = 0; b < nblocks; b++) {
                fprintf(f, "%s{\"sigma_max\": ", b ? ", " : "");
                conf_json_number(f, regimes.b[blocks[b]].sigma_max);
                fprintf(f, ", \"spectral_radius\": ");
                conf_json_number(f, regimes.b[blocks[b]].radius);
                fprintf(f, "}");
            }
            fprintf(f, "]}, \"isa\": {");
        }
        int first_isa = 1;
        for (int k = 0; k < rep.nisa; k++) {
            conf_isa_summary *sum = &rep.isa[k];
            if (!sum->run)
                continue;
            if (!ref_ok) {
                progress_show(&pr, line, rnn_isa_name(sum->isa));
                continue;
            }
            static conf_isa_result res; /* large: not on the stack */
            conf_check_isa(&p, &ref, sum->isa, threads, &res);
            progress_show(&pr, line, rnn_isa_name(sum->isa));
            conf_report_isa_result(&rep, sum, line, &res);
            if (res.passed) {
                rep.passed++;
            } else {
                rep.failed++;
                printf("FAIL %s on %s: %s\n  reproduce: build/" PROG " --case '%s' --isa %s\n",
                       line, rnn_isa_name(sum->isa), res.error, line, rnn_isa_name(sum->isa));
            }
            if (rep.json) {
                FILE *f = rep.json;
                fprintf(f, "%s\"%s\": {\"passed\": %s, \"worst_fraction\": ", first_isa ? "" : ", ",
                        rnn_isa_name(sum->isa), res.passed ? "true" : "false");
                conf_json_number(f, res.worst_frac);
                fprintf(f, ", \"worst_tensor\": ");
                conf_json_string(f, res.worst_tensor);
                fprintf(f, ", \"deterministic\": %s, \"output_hash\": \"%016" PRIx64 "\", "
                        "\"seconds\": %.4f, \"fractions\": {", res.deterministic ? "true" : "false",
                        res.out_hash, res.seconds);
                for (int c = 0; c < res.nchecks; c++) {
                    fprintf(f, "%s", c ? ", " : "");
                    conf_json_string(f, res.checks[c].tensor);
                    fprintf(f, ": ");
                    conf_json_number(f, res.checks[c].frac);
                }
                int applied = 0, caught = 0;
                for (int c = 0; c < res.ncontrols; c++) {
                    applied += res.controls[c].applicable;
                    caught += res.controls[c].applicable && res.controls[c].caught;
                }
                fprintf(f, "}, \"controls\": {\"applied\": %d, \"caught\": %d}, \"error\": ",
                        applied, caught);
                conf_json_string(f, res.error);
                fprintf(f, "}");
            }
            first_isa = 0;
        }
        if (rep.json)
            fprintf(rep.json, "}, \"seconds\": %.4f}", now() - t_case);
        if (ref_ok)
            conf_result_free(&ref);
        conf_problem_free(&p);
    }
    progress_end(&pr);
    if (rep.hash_controls_caught != rep.hash_controls) {
        rep.failed++;
        printf("FAIL golden hash control: %d of %d one-bit input flips left the hash unchanged\n",
               rep.hash_controls - rep.hash_controls_caught, rep.hash_controls);
    }

    conf_onednn_result dn[64];
    int ndn = 0;
    if (!no_onednn) {
        fprintf(stderr, "%s", pr.tty ? "oneDNN cross-check..." : "oneDNN cross-check\n");
        ndn = conf_onednn_run(dn, 64);
        if (pr.tty)
            fprintf(stderr, "\r\033[K");
        for (int i = 0; i < ndn; i++) {
            if (dn[i].passed) {
                rep.passed++;
            } else {
                rep.failed++;
                printf("FAIL oneDNN cross-check %s T%d B%d I%d H%d: %s\n", rnn_cell_name(dn[i].cell),
                       dn[i].T, dn[i].B, dn[i].I, dn[i].H, dn[i].error);
            }
        }
    }
    for (int i = 0; i < rep.nisa; i++)
        if (rep.isa[i].run && rep.isa[i].controls_caught != rep.isa[i].controls_applied)
            printf("negative controls on %s: %d of %d not caught (those cases failed above)\n",
                   rnn_isa_name(rep.isa[i].isa),
                   rep.isa[i].controls_applied - rep.isa[i].controls_caught,
                   rep.isa[i].controls_applied);

    conf_report_finish(&rep, &regimes, no_onednn ? NULL : dn, ndn, now() - t_start);
    conf_regime_free(&regimes);
    conf_golden_free(&golden);
    printf("%d passed, %d failed\n", rep.passed, rep.failed);
    return rep.failed ? 1 : 0;
}
