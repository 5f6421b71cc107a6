/* main.c — rnnsimd-conformance: every kernel table this CPU runs, in every
 * mode (modes.h), against the naive reference, on the case matrix (or the
 * cases given), with golden hashes, measured regimes and wide heads, negative
 * controls, the accuracy ratchet and the oneDNN cross-check. `make
 * conformance` runs it; --help lists the options (options.c). Exit status: 0
 * if everything passed, 1 if anything failed, 2 for a usage error.
 *
 * The stages before the cases are in run_setup.c, a case's runs and
 * checks in run_case.c (run_state.h); here: the order, the oneDNN
 * cross-check and the controls after the cases, the written files. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"
#include "fault.h"
#include "file_io.h"
#include "golden.h"
#include "onednn_check.h"
#include "run_state.h"

/* The oneDNN cross-check (its own cases: onednn_check.h). */
static int cross_check_onednn(conf_run_state *r, conf_onednn_result *dn, int max)
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
    const char *unplanted = conf_fault_onednn_unplanted();
    if (ndn > 0 && unplanted) { /* the test meant a compare the cross-check does not have */
        rep->failed++;
        printf("FAIL RNNSIMD_CONF_FAULT=onednn@%s: no compare of the oneDNN cross-check is named "
               "'%s' (name one as a failure prints it: 'dst_iter', 'diff_bias (as b_hh)', "
               "'dst_iter (l1_reverse)')\n", unplanted, unplanted);
    }
    return ndn;
}

/* The golden hash's control: a one-bit flip of any case's inputs changes it. */
static void check_hash_control(conf_run_state *r)
{
    conf_report *rep = &r->rep;
    if (rep->hash_controls_caught != rep->hash_controls) {
        rep->failed++;
        printf("FAIL golden hash control: %d of %d one-bit input flips left the hash unchanged\n",
               rep->hash_controls - rep->hash_controls_caught, rep->hash_controls);
    }
}

/* After the cases: the negative controls, the ratchet and the summary. */
static void judge_run(conf_run_state *r, const conf_onednn_result *dn, int ndn, double seconds)
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
static int write_outputs(conf_run_state *r)
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
    static conf_run_state r;
    int rc = conf_options_parse(argc, argv, &r.o, r.given);
    if (rc >= 0)
        return rc;
    if ((rc = conf_select_cases(&r)) || (rc = conf_check_selection(&r)))
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
    if ((rc = conf_check_outputs(o)))
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
    if ((rc = conf_choose_tables(&r)) || (rc = conf_check_runs(&r)) || (rc = conf_load_expectations(&r)) ||
        (rc = conf_json_begin(&r)))
        return rc;

    const int nruns = conf_print_plan(&r);
    r.pr = (conf_progress){isatty(2), r.ncases * (size_t)(nruns + 1), 0, 0};
    for (size_t ci = 0; ci < r.ncases; ci++)
        conf_run_case(&r, ci);
    conf_progress_end(&r.pr);
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
