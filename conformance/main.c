/* main.c — rnnsimd-conformance: every kernel table this CPU runs, in every
 * mode (modes.h), against the naive reference, on the case matrix (or the
 * cases given), with golden hashes, measured regimes and wide heads, negative
 * controls, the accuracy ratchet and the oneDNN cross-check. `make
 * conformance` runs it; --help lists the options (options.c). Exit status: 0
 * if everything passed, 1 if anything failed, 2 for a usage error. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fault.h"
#include "golden.h"
#include "kernels_golden.h"
#include "hash.h"
#include "kernel_check.h"
#include "kernels.h"
#include "matrix.h"
#include "file_io.h"
#include "out_path.h"
#include "onednn_check.h"
#include "options.h"
#include "ratchet.h"
#include "regime.h"
#include "report.h"
#include "run_reference.h"
#include "clock.h"

#define PROG CONF_PROG

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

/* The narrowest max - min of the reference's logits over the scored rows. */
static double narrowest_span(const conf_problem *p, const conf_result *ref)
{
    const size_t V = (size_t)p->kase.desc.V, rows = p->sz.targets;
    double span = INFINITY;
    for (size_t r = 0; r < rows; r++) {
        const float *l = ref->logits + r * V;
        float lo = l[0], hi = l[0];
        for (size_t v = 1; v < V; v++) {
            lo = l[v] < lo ? l[v] : lo;
            hi = l[v] > hi ? l[v] : hi;
        }
        span = fmin(span, (double)hi - (double)lo);
    }
    return span;
}

/* The files a run writes, checked before hours of work go into them (each
 * is written whole, atomically, at the end). Returns 0, or the exit status
 * after a message: 2 for a name that cannot be a file, 1 for a directory
 * that refuses one. */
static int check_outputs(const conf_options *o)
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

/* Everything the stages of a run share. */
typedef struct {
    conf_options o;
    conf_case given[CONF_MAX_CASES], cases[CONF_MAX_CASES];
    int case_quick[CONF_MAX_CASES];
    size_t ncases;
    int filtered; /* --cell or --topology narrowed the matrix */
    conf_report rep;
    const rnn_kernels *table_of[RNN_ISA_COUNT];
    conf_golden golden;
    int golden_loaded;
    conf_ratchet ratchet;
    int ratchet_loaded;
    char *json_text;
    size_t json_len;
    conf_regime_cache regimes;
    progress pr;
} run_state;

/* One case's reference run and the checks on it. */
typedef struct {
    char line[CONF_CASE_LINE_MAX];
    conf_problem p;
    conf_result ref;
    int ref_ok;
    conf_result ref32; /* a bf16 case's float32 reference (the data type's cost) */
    int ref32_ok;
    conf_result flip; /* a bf16 case's reference with near ties flipped (its floor) */
    int flip_ok;
    conf_hashes h;
    char golden_status[200];
    int regime_ok;
    size_t blocks[8];
    int nblocks;
    double span;
} case_state;

/* The selection: given cases, or the matrix (quick subset on request).
 * Returns 0, or 1 after a message when memory ran out. */
static int select_cases(run_state *r)
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
static int check_selection(const run_state *r)
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
static int choose_tables(run_state *r)
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
static int check_runs(const run_state *r)
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
            "selected (%s); unfused runs only on tables with a fused batch-1 step\n",
            *tables ? tables : "none", modes);
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
static int load_expectations(run_state *r)
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
static int json_begin(run_state *r)
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
static int print_plan(const run_state *r)
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

/* Golden: which part moved says who changed. */
static void check_golden(run_state *r, case_state *c)
{
    conf_report *rep = &r->rep;
    const char *line = c->line;
    const conf_hashes h = c->h;
    const conf_golden_entry *g = r->golden_loaded ? conf_golden_find(&r->golden, line) : NULL;
    if (!g) {
        rep->golden_missing++;
        rep->failed++;
        snprintf(c->golden_status, sizeof c->golden_status, "missing");
        printf("FAIL %s: no golden line in %s: run `make golden` (or pass --no-golden "
               "for a case outside the matrix)\n", line, r->o.golden_path);
    } else if (g->inputs != h.inputs) {
        rep->golden_mismatch++;
        rep->failed++;
        snprintf(c->golden_status, sizeof c->golden_status, "mismatch: inputs");
        printf("FAIL %s: golden mismatch in inputs (%016" PRIx64 ", golden %016" PRIx64
               "): the generator changed\n  reproduce: build/" PROG " --case '%s'\n",
               line, h.inputs, g->inputs, line);
    } else if (g->forward != h.forward || g->gradients != h.gradients) {
        rep->golden_mismatch++;
        rep->failed++;
        int fw = g->forward != h.forward, gr = g->gradients != h.gradients;
        snprintf(c->golden_status, sizeof c->golden_status, "mismatch: %s%s%s",
                 fw ? "forward" : "", fw && gr ? ", " : "", gr ? "gradients" : "");
        printf("FAIL %s: golden mismatch in %s%s%s (forward %016" PRIx64 " golden %016"
               PRIx64 ", gradients %016" PRIx64 " golden %016" PRIx64
               "): the reference changed\n  reproduce: build/" PROG " --case '%s'\n",
               line, fw ? "forward" : "", fw && gr ? " and " : "",
               gr ? "gradients" : "", h.forward, g->forward, h.gradients,
               g->gradients, line);
    } else {
        rep->golden_ok++;
        rep->passed++;
        snprintf(c->golden_status, sizeof c->golden_status, "ok");
    }
}

/* The claimed regime, measured; and a wide head as claimed: every scored
 * row's logits span widely. */
static void check_regime(run_state *r, case_state *c)
{
    conf_report *rep = &r->rep;
    const char *line = c->line;
    c->nblocks = conf_regime_measure(&r->regimes, &c->p, c->blocks, 8);
    c->regime_ok = c->nblocks > 0;
    for (int b = 0; b < c->nblocks; b++)
        c->regime_ok &= conf_regime_ok(&r->regimes.b[c->blocks[b]]);
    if (c->regime_ok) {
        rep->regimes_ok++;
        rep->passed++;
    } else {
        rep->regimes_bad++;
        rep->failed++;
        if (c->nblocks < 0)
            printf("FAIL %s: out of memory measuring the regime (rho %g)", line, c->p.kase.rho);
        else
            printf("FAIL %s: regime not as claimed (rho %g):", line, c->p.kase.rho);
        for (int b = 0; b < c->nblocks; b++)
            printf(" block %d sigma_max %.6f radius %.6f;", b,
                   r->regimes.b[c->blocks[b]].sigma_max, r->regimes.b[c->blocks[b]].radius);
        printf("\n  reproduce: build/" PROG " --case '%s'\n", line);
    }
    if (!c->p.kase.wide_head)
        return;
    c->span = narrowest_span(&c->p, &c->ref);
    rep->wide_cases++;
    rep->wide_min_span = fmin(rep->wide_min_span, c->span);
    if (c->span >= CONF_WIDE_SPAN) {
        rep->passed++;
    } else {
        rep->wide_bad++;
        rep->failed++;
        printf("FAIL %s: head=wide, but a scored row's logits span only %.2f (at "
               "least %.0f claimed): the generator changed\n  reproduce: build/" PROG
               " --case '%s'\n", line, c->span, CONF_WIDE_SPAN, line);
    }
}

/* The reference's run of case ci and every check on it alone. */
static void check_reference(run_state *r, size_t ci, case_state *c)
{
    conf_report *rep = &r->rep;
    rnn_status s = conf_problem_generate(&r->cases[ci], &c->p);
    memset(&c->ref, 0, sizeof c->ref);
    if (s == RNN_OK) {
        double t0 = rnn_seconds_now();
        s = conf_reference_run(&c->p, &c->ref);
        if (s == RNN_OK && c->p.kase.bf16) {
            c->ref_ok = 1; /* so run_case frees it whatever follows */
            s = conf_reference_run_f32(&c->p, &c->ref32);
            c->ref32_ok = s == RNN_OK;
            if (s == RNN_OK) {
                s = conf_reference_run_flipped(&c->p, &c->flip);
                c->flip_ok = s == RNN_OK;
            }
        }
        rep->ref_seconds += rnn_seconds_now() - t0;
    }
    progress_show(&r->pr, c->line, "reference");
    if (s != RNN_OK) {
        rep->failed++;
        printf("FAIL %s: reference: %s\n  reproduce: build/" PROG " --case '%s'\n", c->line,
               rnn_strerror(s), c->line);
        return;
    }
    c->ref_ok = 1;
    conf_case_hashes(&c->p, &c->ref, &c->h);
    const int seen = conf_hash_sees_flip(&c->p, c->h.inputs);
    if (seen < 0) {
        rep->failed++;
        printf("FAIL %s: out of memory for the golden hash's control\n", c->line);
    } else {
        rep->hash_controls++;
        rep->hash_controls_caught += seen;
    }
    if (!r->o.no_golden)
        check_golden(r, c);
    check_regime(r, c);
}

/* The case's JSON record up to its tables. */
static void json_case(const run_state *r, size_t ci, const case_state *c)
{
    FILE *f = r->rep.json;
    fprintf(f, "%s\n    {\"case\": ", r->rep.json_cases ? "," : "");
    rnn_json_string(f, c->line);
    fprintf(f, ", \"quick\": %s, \"reference\": %s", r->case_quick[ci] ? "true" : "false",
            c->ref_ok ? "\"ok\"" : "\"failed\"");
    if (c->ref_ok)
        fprintf(f, ", \"hashes\": {\"inputs\": \"%016" PRIx64 "\", \"forward\": \"%016" PRIx64
                "\", \"gradients\": \"%016" PRIx64 "\"}", c->h.inputs, c->h.forward,
                c->h.gradients);
    fprintf(f, ", \"golden\": ");
    rnn_json_string(f, c->golden_status);
    if (c->p.kase.wide_head) {
        fprintf(f, ", \"narrowest_logit_span\": ");
        rnn_json_number(f, c->span);
    }
    fprintf(f, ", \"regime\": {\"claimed_rho\": %g, \"as_claimed\": %s, \"blocks\": [",
            r->cases[ci].rho, c->regime_ok == 1 ? "true" : "false");
    for (int b = 0; b < c->nblocks; b++) {
        fprintf(f, "%s{\"sigma_max\": ", b ? ", " : "");
        rnn_json_number(f, r->regimes.b[c->blocks[b]].sigma_max);
        fprintf(f, ", \"spectral_radius\": ");
        rnn_json_number(f, r->regimes.b[c->blocks[b]].radius);
        fprintf(f, "}");
    }
    fprintf(f, "]}, \"isa\": {");
}

/* One table-mode result's JSON record. */
static void json_mode(FILE *f, int first_mode, conf_mode mode, const conf_isa_result *res)
{
    fprintf(f, "%s\"%s\": {\"passed\": %s, \"worst_fraction\": ", first_mode ? "" : ", ",
            conf_mode_name(mode), res->passed ? "true" : "false");
    rnn_json_number(f, res->worst_frac);
    fprintf(f, ", \"worst_tensor\": ");
    rnn_json_string(f, res->worst_tensor);
    fprintf(f, ", \"deterministic\": %s, \"output_hash\": \"%016" PRIx64 "\", "
            "\"seconds\": %.4f, \"fractions\": {",
            res->deterministic ? "true" : "false", res->out_hash, res->seconds);
    for (int c = 0; c < res->nchecks; c++) {
        fprintf(f, "%s", c ? ", " : "");
        rnn_json_string(f, res->checks[c].tensor);
        fprintf(f, ": ");
        rnn_json_number(f, res->checks[c].frac);
    }
    int applied = 0, caught = 0;
    for (int c = 0; c < res->ncontrols; c++) {
        applied += res->controls[c].applicable;
        caught += res->controls[c].applicable && res->controls[c].caught;
    }
    fprintf(f, "}, \"controls\": {\"applied\": %d, \"caught\": %d}, \"error\": ", applied,
            caught);
    rnn_json_string(f, res->error);
    fprintf(f, "}");
}

#define MAX_RUNS (RNN_ISA_COUNT * CONF_MODE_COUNT)

/* One run's verdict on the report, the console and the JSON. */
static void report_run(run_state *r, size_t ci, const char *line, conf_isa_summary *sum,
                       conf_mode mode, const conf_isa_result *res, int first_mode)
{
    conf_report *rep = &r->rep;
    conf_report_isa_result(rep, sum, mode, line, r->case_quick[ci], res);
    if (res->passed) {
        rep->passed++;
    } else {
        rep->failed++;
        printf("FAIL %s on %s, mode %s: %s\n  reproduce: build/" PROG
               " --case '%s' --isa %s --mode %s\n", line, rnn_isa_name(sum->isa),
               conf_mode_name(mode), res->error, line, rnn_isa_name(sum->isa),
               conf_mode_name(mode));
    }
    if (rep->json)
        json_mode(rep->json, first_mode, mode, res);
}

/* An x86 table with bf16 products (avx512; avx2 has none). */
static int x86(rnn_isa isa)
{
    return isa == RNN_ISA_AVX2 || isa == RNN_ISA_AVX512;
}

/* A bf16 case (case.h) on every table that has usable bf16 products, in
 * threads1 and threads2 (and unfused where the table has bf16_gemv_ride:
 * threads1 then runs the fused step wherever it applies), against the bf16
 * reference under the bf16
 * tolerance; a table without is counted as skipped, never failed. No
 * kernels= hash (bf16 rounds per ISA); on x86, where the avx512 table's
 * vdpbf16ps and generic's emulation agree by contract, each run must give
 * generic's bits in the same mode (judged: a float32-level change, such as
 * a pair's products summed in the other order, hides in any tolerance).
 * The first threads1 run gives the case's end-to-end row against the
 * float32 reference. */
static void check_tables_bf16(run_state *r, const case_state *c)
{
    static conf_isa_result res[MAX_RUNS];
    conf_report *rep = &r->rep;
    conf_isa_summary *sums[MAX_RUNS];
    conf_mode modes[MAX_RUNS];
    int n = 0, first_isa = 1, e2e_done = 0;
    rep->bf16_cases++;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        const rnn_kernels *table = r->table_of[sum->isa];
        const int usable = conf_bf16_usable(table, sum->bf16_why, sizeof sum->bf16_why);
        if (rep->json)
            fprintf(rep->json, "%s\"%s\": {", first_isa ? "" : ", ", rnn_isa_name(sum->isa));
        first_isa = 0;
        int first_mode = 1;
        for (int md = 0; md < CONF_MODE_COUNT && n < MAX_RUNS; md++) {
            const conf_mode mode = (conf_mode)md;
            if (!(r->o.mode_mask >> md & 1) || !conf_mode_applies_bf16(mode, table))
                continue;
            if (!usable || !c->ref_ok) {
                sum->bf16_skipped += !usable;
                progress_show(&r->pr, c->line, rnn_isa_name(sum->isa));
                continue;
            }
            const rnn_plan_options opt = conf_mode_options_bf16(mode, sum->isa);
            conf_check_isa(&c->p, &c->ref, &opt, c->ref32_ok ? &c->ref32 : NULL,
                           c->flip_ok ? &c->flip : NULL, &res[n]);
            sums[n] = sum, modes[n] = mode;
            progress_show(&r->pr, c->line, rnn_isa_name(sum->isa));
            /* generic's run of the same mode (threads1 for unfused: generic
             * has no fused step), on x86 (the tables of one architecture
             * are listed together, generic first). */
            const conf_mode gmode = mode == CONF_MODE_UNFUSED ? CONF_MODE_THREADS1 : mode;
            for (int j = 0; j < n; j++)
                if (modes[j] == gmode && sums[j]->isa == RNN_ISA_GENERIC && x86(sum->isa) &&
                    res[j].hashed && res[n].hashed) {
                    sum->bf16_bits_compared++;
                    if (res[j].out_hash == res[n].out_hash) {
                        sum->bf16_bits_same++;
                    } else if (res[n].passed) {
                        res[n].passed = 0;
                        snprintf(res[n].error, sizeof res[n].error, "bf16 bits differ from "
                                 "generic %s's (x86: vdpbf16ps and generic's emulation of it "
                                 "agree bit for bit by contract)", conf_mode_name(mode));
                    }
                }
            if (!e2e_done && mode == CONF_MODE_THREADS1 && res[n].ne2e) {
                conf_report_bf16_e2e(rep, c->line, sum->isa, &res[n]);
                e2e_done = 1;
            }
            conf_report_bf16_result(rep, sum, mode, c->line, &res[n]);
            if (res[n].passed) {
                rep->passed++;
            } else {
                rep->failed++;
                printf("FAIL %s on %s, mode %s: %s\n  reproduce: build/" PROG
                       " --case '%s' --isa %s --mode %s\n", c->line, rnn_isa_name(sum->isa),
                       conf_mode_name(mode), res[n].error, c->line, rnn_isa_name(sum->isa),
                       conf_mode_name(mode));
            }
            if (rep->json)
                json_mode(rep->json, first_mode, mode, &res[n]);
            first_mode = 0;
            n++;
        }
        if (rep->json)
            fprintf(rep->json, "}");
    }
}

/* Case ci on every table in every mode it runs: the runs first, then the
 * verdicts that need several of them (a table's modes share its bits; every
 * run gives the golden kernels= bits), then the report, table by table. */
static void check_tables(run_state *r, size_t ci, const case_state *c)
{
    static conf_isa_result res[MAX_RUNS]; /* large: not on the stack */
    conf_report *rep = &r->rep;
    conf_run runs[MAX_RUNS];
    conf_isa_summary *sums[MAX_RUNS];
    conf_mode modes[MAX_RUNS];
    int n = 0;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        for (int md = 0; md < CONF_MODE_COUNT && n < MAX_RUNS; md++) {
            const conf_mode mode = (conf_mode)md;
            if (!(r->o.mode_mask >> md & 1) || !conf_mode_applies(mode, r->table_of[sum->isa]))
                continue;
            snprintf(runs[n].name, sizeof runs[n].name, "%s %s", rnn_isa_name(sum->isa),
                     conf_mode_name(mode));
            if (!c->ref_ok) {
                progress_show(&r->pr, c->line, runs[n].name);
                continue;
            }
            const rnn_plan_options opt = conf_mode_options(mode, sum->isa);
            conf_check_isa(&c->p, &c->ref, &opt, NULL, NULL, &res[n]);
            progress_show(&r->pr, c->line, runs[n].name);
            runs[n].res = &res[n], sums[n] = sum, modes[n] = mode;
            n++;
        }
    }
    /* A table's other modes against its threads1 run. */
    for (int i = 0; i < n; i++) {
        const conf_isa_result *one = NULL;
        for (int j = 0; j < i && !one; j++)
            if (sums[j] == sums[i] && modes[j] == CONF_MODE_THREADS1 && res[j].deterministic)
                one = &res[j];
        if (!one)
            continue;
        if (res[i].deterministic && res[i].out_hash == one->out_hash) {
            sums[i]->mode[modes[i]].same_bits++;
        } else if (modes[i] == CONF_MODE_UNFUSED && res[i].passed) {
            /* The fused step promises the hoisted projection's bits
             * (rnn_plan_options.no_fused_step). */
            res[i].passed = 0;
            snprintf(res[i].error, sizeof res[i].error, "the outputs differ from mode "
                     "threads1's bits (the fused batch-1 step must not change them)");
        }
    }
    const conf_golden_entry *g =
        !r->o.no_golden && r->golden_loaded ? conf_golden_find(&r->golden, c->line) : NULL;
    if (g && g->has_kernels) {
        rep->kernels_mismatch += conf_kernels_judge(runs, n, g->kernels);
    } else if (g) {
        for (int i = 0; i < n; i++)
            if (res[i].hashed && res[i].passed) {
                res[i].passed = 0;
                rep->kernels_mismatch++;
                snprintf(res[i].error, sizeof res[i].error, "the golden line has no kernels= "
                         "hash (a file from before it existed): run `make golden`");
            }
    }
    int first_isa = 1;
    for (int k = 0; k < rep->nisa; k++) {
        conf_isa_summary *sum = &rep->isa[k];
        if (!sum->run)
            continue;
        if (rep->json)
            fprintf(rep->json, "%s\"%s\": {", first_isa ? "" : ", ", rnn_isa_name(sum->isa));
        first_isa = 0;
        int first_mode = 1;
        for (int i = 0; i < n; i++)
            if (sums[i] == sum) {
                if (g && res[i].hashed)
                    rep->kernels_checked++;
                report_run(r, ci, c->line, sum, modes[i], &res[i], first_mode);
                first_mode = 0;
            }
        if (rep->json)
            fprintf(rep->json, "}");
    }
}

/* Case ci: the reference and its checks, then every table that runs. */
static void run_case(run_state *r, size_t ci)
{
    conf_report *rep = &r->rep;
    case_state c;
    memset(&c, 0, sizeof c);
    c.regime_ok = -1;
    c.span = NAN;
    snprintf(c.golden_status, sizeof c.golden_status, "not checked");
    conf_case_print(&r->cases[ci], c.line, sizeof c.line);
    double t_case = rnn_seconds_now();
    check_reference(r, ci, &c);
    if (rep->json) {
        json_case(r, ci, &c);
        rep->json_cases++;
    }
    if (r->cases[ci].bf16)
        check_tables_bf16(r, &c);
    else
        check_tables(r, ci, &c);
    if (rep->json)
        fprintf(rep->json, "}, \"seconds\": %.4f}", rnn_seconds_now() - t_case);
    if (c.ref_ok)
        conf_result_free(&c.ref);
    if (c.ref32_ok)
        conf_result_free(&c.ref32);
    if (c.flip_ok)
        conf_result_free(&c.flip);
    conf_problem_free(&c.p);
}

/* The oneDNN cross-check (its own cases: onednn_check.h). */
static int cross_check_onednn(run_state *r, conf_onednn_result *dn, int max)
{
    conf_report *rep = &r->rep;
    fprintf(stderr, "%s", r->pr.tty ? "oneDNN cross-check..." : "oneDNN cross-check\n");
    int ndn = conf_onednn_run(dn, max);
    if (r->pr.tty)
        fprintf(stderr, "\r\033[K");
    for (int i = 0; i < ndn; i++) {
        if (dn[i].passed) {
            rep->passed++;
        } else {
            char shape[64];
            conf_onednn_shape(&dn[i], shape, sizeof shape);
            rep->failed++;
            printf("FAIL oneDNN cross-check %s %s: %s\n", rnn_cell_name(dn[i].cell), shape,
                   dn[i].error);
        }
    }
    return ndn;
}

/* The golden hash's control: a one-bit flip of any case's inputs changes it. */
static void check_hash_control(run_state *r)
{
    conf_report *rep = &r->rep;
    if (rep->hash_controls_caught != rep->hash_controls) {
        rep->failed++;
        printf("FAIL golden hash control: %d of %d one-bit input flips left the hash unchanged\n",
               rep->hash_controls - rep->hash_controls_caught, rep->hash_controls);
    }
}

/* After the cases: the negative controls, the ratchet and the summary. */
static void judge_run(run_state *r, const conf_onednn_result *dn, int ndn, double seconds)
{
    conf_report *rep = &r->rep;
    for (int i = 0; i < rep->nisa; i++)
        if (rep->isa[i].run && rep->isa[i].controls_caught != rep->isa[i].controls_applied)
            printf("negative controls on %s: %d of %d not caught (those cases failed above)\n",
                   rnn_isa_name(rep->isa[i].isa),
                   rep->isa[i].controls_applied - rep->isa[i].controls_caught,
                   rep->isa[i].controls_applied);
    if (!r->o.write_ratchet && (rep->ratchet_full || rep->ratchet_quick))
        conf_report_ratchet(rep, r->ratchet_loaded ? &r->ratchet : NULL, r->o.ratchet_path);
    conf_report_finish(rep, &r->regimes, dn, ndn, seconds);
}

/* The files a run writes: the ratchet (--write-ratchet, only if everything
 * passed) and the JSON report. Returns the exit status. */
static int write_outputs(run_state *r)
{
    conf_report *rep = &r->rep;
    const conf_options *o = &r->o;
    int status = rep->failed ? 1 : 0;
    char err[700];
    if (o->write_ratchet) {
        if (rep->failed) {
            fprintf(stderr, PROG ": %d checks failed: %s left unchanged\n", rep->failed,
                    o->write_ratchet);
            status = 1;
        } else {
            conf_report_update_ratchet(rep, &r->ratchet);
            if (conf_ratchet_save(o->write_ratchet, &r->ratchet, err, sizeof err) != RNN_OK) {
                fprintf(stderr, PROG ": %s\n", err);
                status = 1;
            } else {
                printf("ratchet: wrote %s (%zu budgets)\n", o->write_ratchet, r->ratchet.n);
            }
        }
    }
    if (rep->json) {
        fclose(rep->json);
        rep->json = NULL;
        if (rnn_write_file_atomic(o->json_path, r->json_text, r->json_len, err, sizeof err) !=
            RNN_OK) {
            fprintf(stderr, PROG ": %s\n", err);
            rep->failed++;
            status = 1;
        }
        free(r->json_text);
    }
    return status;
}

int main(int argc, char **argv)
{
    /* Line-buffered: FAIL lines stay in order with the stderr progress. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Static storage (large, and the early returns below leak nothing). */
    static run_state r;
    int rc = conf_options_parse(argc, argv, &r.o, r.given);
    if (rc >= 0)
        return rc;
    if ((rc = select_cases(&r)) || (rc = check_selection(&r)))
        return rc;
    char ferr[256];
    if (conf_fault_init(ferr, sizeof ferr)) {
        fprintf(stderr, PROG ": %s\n", ferr);
        return 2;
    }
    if (conf_fault_planted() && (r.o.write_golden || r.o.write_ratchet)) {
        fprintf(stderr, PROG ": RNNSIMD_CONF_FAULT=%s plants a fault: --write-%s refused (a "
                "planted fault must never reach a committed file)\n", getenv("RNNSIMD_CONF_FAULT"),
                r.o.write_golden ? "golden" : "ratchet");
        return 2;
    }
    if (conf_fault_planted())
        printf("planted fault: RNNSIMD_CONF_FAULT=%s (a test of the judges: this run must fail)\n",
               getenv("RNNSIMD_CONF_FAULT"));
    const conf_options *o = &r.o;
    if (o->list) {
        for (size_t i = 0; i < r.ncases; i++) {
            char line[CONF_CASE_LINE_MAX];
            conf_case_print(&r.cases[i], line, sizeof line);
            printf("%s\n", line);
        }
        return 0;
    }
    if ((rc = check_outputs(o)))
        return rc;
    if (o->write_golden) {
        /* The matrix, or its cells and topologies asked for, owns its lines;
         * the quick subset is no part a line can be told to belong to. */
        const conf_golden_scope scope = {o->cell_mask, o->topo_mask};
        return conf_golden_rewrite(o->write_golden, r.cases, r.ncases,
                                   !o->explicit_cases && !o->quick ? &scope : NULL);
    }

    double t_start = rnn_seconds_now();
    conf_report_init(&r.rep);
    r.rep.modes = o->mode_mask;
    /* The ratchet covers the whole matrix (both selections) or its quick subset. */
    if (!o->explicit_cases && !r.filtered && (!o->no_ratchet || o->write_ratchet)) {
        r.rep.ratchet_quick = 1;
        r.rep.ratchet_full = !o->quick;
    }
    if ((rc = choose_tables(&r)) || (rc = check_runs(&r)) || (rc = load_expectations(&r)) ||
        (rc = json_begin(&r)))
        return rc;

    const int nruns = print_plan(&r);
    r.pr = (progress){isatty(2), r.ncases * (size_t)(nruns + 1), 0, 0};
    for (size_t ci = 0; ci < r.ncases; ci++)
        run_case(&r, ci);
    progress_end(&r.pr);
    check_hash_control(&r);

    conf_onednn_result dn[64];
    int ndn = o->no_onednn ? 0 : cross_check_onednn(&r, dn, 64);
    judge_run(&r, o->no_onednn ? NULL : dn, ndn, rnn_seconds_now() - t_start);
    conf_regime_free(&r.regimes);
    conf_golden_free(&r.golden);
    int status = write_outputs(&r);
    conf_ratchet_free(&r.ratchet);
    conf_report_bf16_free(&r.rep);
    printf("%d passed, %d failed\n", r.rep.passed, r.rep.failed);
    return status;
}
