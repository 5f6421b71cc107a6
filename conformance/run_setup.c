/* run_setup.c — the stages of an rnnsimd-conformance run before its cases:
 * the outputs checked writable, the cases selected, the kernel tables this
 * CPU runs chosen, the golden hashes and the ratchet loaded, the JSON
 * report begun and the plan printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "json.h"
#include "matrix.h"
#include "modes.h"
#include "out_path.h"
#include "run_state.h"

/* The files a run writes, checked before hours of work go into them (each
 * is written whole, atomically, at the end). Returns 0, or the exit status
 * after a message: 2 for a name that cannot be a file, 1 for a directory
 * that refuses one. */
int conf_check_outputs(const conf_options *o)
{
    const char *const names[3] = {"--json", "--write-golden", "--write-ratchet"};
    const char *const paths[3] = {o->json_path, o->write_golden, o->write_ratchet};
    for (int i = 0; i < 3; i++) {
        char err[1200];
        if (!paths[i])
            continue;
        rnn_status s = rnn_output_path_check(paths[i], err, sizeof err);
        if (s != RNN_OK) {
            fprintf(stderr, PROG ": %s %s\n", names[i], err);
            return s == RNN_ERR_ARG ? 2 : 1;
        }
    }
    return 0;
}

/* The selection: given cases, or the matrix (quick subset on request).
 * Returns 0, or 1 after a message when memory ran out. */
int conf_select_cases(conf_run_state *r)
{
    const conf_options *o = &r->o;
    conf_matrix_case *m = calloc(CONF_MAX_CASES, sizeof *m);
    if (!m) {
        fprintf(stderr, PROG ": out of memory for the case matrix\n");
        return 1;
    }
    size_t nm = conf_matrix_default(m, CONF_MAX_CASES);
    r->filtered = o->cell_mask != ~0u || o->topo_mask != ~0u;
    for (size_t i = 0; i < (o->explicit_cases ? o->ngiven : nm); i++) {
        const conf_case *c = o->explicit_cases ? &o->given[i] : &m[i].c;
        if (!o->explicit_cases && o->quick && !m[i].quick)
            continue;
        if (!(o->cell_mask >> c->desc.cell & 1) || !(o->topo_mask >> c->desc.topology & 1))
            continue;
        r->case_quick[r->ncases] = !o->explicit_cases && m[i].quick;
        r->cases[r->ncases++] = *c;
    }
    free(m);
    return 0;
}

/* A run that selects nothing checks nothing and would pass: say why it is
 * empty instead. Returns 0, or 2 after the message. */
int conf_check_selection(const conf_run_state *r)
{
    const conf_options *o = &r->o;
    if (r->ncases)
        return 0;
    if (o->explicit_cases && o->ngiven == 0)
        fprintf(stderr, PROG ": no cases selected: %s holds none (only comments and blank "
                "lines)\n", o->empty_cases_file ? o->empty_cases_file : "the --cases file");
    else if (o->explicit_cases)
        fprintf(stderr, PROG ": no cases selected: none of the %zu case%s given is of the "
                "--cell and --topology asked for\n", o->ngiven, o->ngiven == 1 ? "" : "s");
    else
        fprintf(stderr, PROG ": no cases selected: the matrix has none of the --cell and "
                "--topology asked for\n");
    return 2;
}

/* Kernel tables: every one compiled in, minus those this CPU lacks. Returns
 * 0, or 2 when an --isa asked for cannot run. */
int conf_choose_tables(conf_run_state *r)
{
    const conf_options *o = &r->o;
    conf_report *rep = &r->rep;
    const rnn_kernels *const *tables = rnn_kernel_tables();
    for (int isa = RNN_ISA_GENERIC; isa < RNN_ISA_COUNT; isa++) {
        conf_isa_summary *s = &rep->isa[rep->nisa];
        s->isa = (rnn_isa)isa;
        for (int t = 0; tables && tables[t]; t++)
            if (tables[t]->isa == (rnn_isa)isa)
                r->table_of[isa] = tables[t];
        const int built = r->table_of[isa] != NULL;
        const char *why = NULL;
        if (!(o->isa_mask >> isa & 1)) {
            if (!built)
                continue;
            snprintf(s->reason, sizeof s->reason, "not selected (--isa)");
        } else if (!built) {
            if (!o->isa_filter)
                continue; /* another architecture's table: not worth a line */
            snprintf(s->reason, sizeof s->reason, "not compiled into this build");
        } else if (rnn_isa_check((rnn_isa)isa, &why) != RNN_OK) {
            snprintf(s->reason, sizeof s->reason, "%s", why ? why : "unsupported by this CPU");
        } else {
            s->run = 1;
        }
        if (!s->run && o->isa_filter && (o->isa_mask >> isa & 1)) {
            fprintf(stderr, PROG ": --isa %s: %s\n", rnn_isa_name((rnn_isa)isa), s->reason);
            return 2;
        }
        rep->nisa++;
    }
    return 0;
}

/* The table-mode runs the selection gets: a float32 case's and a bf16
 * case's modes differ (modes.h). Zero means nothing would be checked but
 * the reference: a usage error (2, after a message); else 0. */
int conf_check_runs(const conf_run_state *r)
{
    const conf_report *rep = &r->rep;
    int has_f32 = 0, has_bf16 = 0, runs = 0;
    for (size_t i = 0; i < r->ncases; i++)
        *(r->cases[i].bf16 ? &has_bf16 : &has_f32) = 1;
    char tables[200] = "", modes[64] = "";
    for (int k = 0; k < rep->nisa; k++) {
        const rnn_kernels *t = r->table_of[rep->isa[k].isa];
        if (!rep->isa[k].run)
            continue;
        snprintf(tables + strlen(tables), sizeof tables - strlen(tables), "%s%s",
                 *tables ? ", " : "", rnn_isa_name(rep->isa[k].isa));
        for (int md = 0; md < CONF_MODE_COUNT; md++)
            if (r->o.mode_mask >> md & 1)
                runs += (has_f32 && conf_mode_applies((conf_mode)md, t)) ||
                        (has_bf16 && conf_mode_applies_bf16((conf_mode)md, t));
    }
    if (runs)
        return 0;
    for (int md = 0; md < CONF_MODE_COUNT; md++)
        if (r->o.mode_mask >> md & 1)
            snprintf(modes + strlen(modes), sizeof modes - strlen(modes), "%s%s",
                     *modes ? ", " : "", conf_mode_name((conf_mode)md));
    fprintf(stderr, PROG ": no runs selected: no table selected (%s) runs in the modes "
            "selected (%s); unfused runs only on tables with a fused batch-1 step%s\n",
            *tables ? tables : "none", modes,
            has_bf16 ? ", bf16 cases only on tables with bf16 products" : "");
    return 2;
}

/* A load's failure that must stop the run before it starts: a malformed
 * file, or one that is there but cannot be read (a directory, no
 * permission). Only a file that does not exist is said and judged case by
 * case (`make golden` and `make ratchet` create them). */
static int fatal_load(rnn_status s, const char *path)
{
    struct stat sb;
    return s == RNN_ERR_FORMAT || (s != RNN_OK && (stat(path, &sb) == 0 || errno != ENOENT));
}

/* The golden hashes and the ratchet's budgets. Returns 0, or 1 for a
 * file that is malformed or cannot be read. */
int conf_load_expectations(conf_run_state *r)
{
    const conf_options *o = &r->o;
    char gerr[800];
    if (!o->no_golden) {
        rnn_status s = conf_golden_load(o->golden_path, &r->golden, gerr, sizeof gerr);
        if (fatal_load(s, o->golden_path)) {
            /* gerr names the file and the reason (the read's, or the line's). */
            fprintf(stderr, PROG ": %s%s\n", s == RNN_ERR_FORMAT ? "malformed golden file: " : "",
                    gerr);
            printf("0 passed, 1 failed\n");
            return 1;
        }
        r->golden_loaded = s == RNN_OK;
        if (!r->golden_loaded)
            printf("golden: %s\n", gerr);
    }
    if (r->rep.ratchet_full || r->rep.ratchet_quick) {
        const char *path = o->write_ratchet ? o->write_ratchet : o->ratchet_path;
        rnn_status s = conf_ratchet_load(path, &r->ratchet, gerr, sizeof gerr);
        if (fatal_load(s, path)) {
            fprintf(stderr, PROG ": %s%s\n", s == RNN_ERR_FORMAT ? "malformed ratchet file: " : "",
                    gerr);
            printf("0 passed, 1 failed\n");
            return 1;
        }
        r->ratchet_loaded = s == RNN_OK;
        if (!r->ratchet_loaded)
            printf("ratchet: %s\n", gerr);
    }
    return 0;
}

/* The JSON report, built in memory and written whole at the end: an
 * interrupted run leaves no file, a finished one a complete file. */
int conf_json_begin(conf_run_state *r)
{
    if (!r->o.json_path)
        return 0;
    r->rep.json = open_memstream(&r->json_text, &r->json_len);
    if (!r->rep.json) {
        fprintf(stderr, PROG ": out of memory for the JSON report\n");
        return 2;
    }
    fprintf(r->rep.json, "{\n  \"tool\": \"" PROG "\",\n  \"version\": \"%s\",\n  \"golden_file\": ",
            RNNSIMD_VERSION);
    rnn_json_string(r->rep.json, r->o.no_golden ? "" : r->o.golden_path);
    fprintf(r->rep.json, ",\n  \"cases\": [");
    return 0;
}

/* The run's first lines: the cases, the tables and their modes. Returns the
 * number of table-mode runs a case gets. */
int conf_print_plan(const conf_run_state *r)
{
    const conf_report *rep = &r->rep;
    int nruns = 0;
    printf(PROG ": %zu cases; kernel tables:", r->ncases);
    for (int i = 0; i < rep->nisa; i++) {
        const conf_isa_summary *s = &rep->isa[i];
        printf(" %s%s", rnn_isa_name(s->isa), s->run ? "" : " (skipped)");
        if (!s->run)
            continue;
        printf(" (");
        for (int md = 0, first = 1; md < CONF_MODE_COUNT; md++)
            if (r->o.mode_mask >> md & 1 && conf_mode_applies((conf_mode)md, r->table_of[s->isa])) {
                printf("%s%s", first ? "" : ", ", conf_mode_name((conf_mode)md));
                first = 0;
                nruns++;
            }
        printf(")");
    }
    printf("\n");
    for (int i = 0; i < rep->nisa; i++)
        if (!rep->isa[i].run)
            printf("  skipping %s: %s\n", rnn_isa_name(rep->isa[i].isa), rep->isa[i].reason);
    return nruns;
}
