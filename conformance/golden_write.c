/* golden_write.c — `make golden`: recomputes the golden lines of the selected
 * cases from the reference, prints what changed, and rewrites the file
 * (atomically; nothing else ever writes it). */
#include <stdio.h>
#include <string.h>
#include "golden.h"
#include "run_reference.h"

int conf_golden_rewrite(const char *path, const conf_case *cases, size_t ncases, int whole_matrix)
{
    conf_golden old, neu;
    char err[700];
    rnn_status s = conf_golden_load(path, &old, err, sizeof err);
    if (s == RNN_ERR_FORMAT) {
        fprintf(stderr, "rnnsimd-conformance: %s\n", err);
        return 1;
    }
    if (s != RNN_OK)
        memset(&old, 0, sizeof old); /* a new file */
    memset(&neu, 0, sizeof neu);
    if (!whole_matrix)
        for (size_t i = 0; i < old.n; i++)
            conf_golden_put(&neu, &old.e[i]);
    int added = 0, changed = 0, same = 0, removed = 0, failed = 0;
    for (size_t i = 0; i < ncases; i++) {
        conf_golden_entry e;
        memset(&e, 0, sizeof e);
        conf_case_print(&cases[i], e.line, sizeof e.line);
        fprintf(stderr, "[%zu/%zu] %s reference\n", i + 1, ncases, e.line);
        conf_problem p;
        conf_result ref;
        if ((s = conf_problem_generate(&cases[i], &p)) != RNN_OK ||
            (s = conf_reference_run(&p, &ref)) != RNN_OK) {
            fprintf(stderr, "rnnsimd-conformance: %s: %s\n", e.line, rnn_strerror(s));
            failed++;
            conf_problem_free(&p);
            continue;
        }
        conf_hashes h;
        conf_case_hashes(&p, &ref, &h);
        e.inputs = h.inputs;
        e.forward = h.forward;
        e.gradients = h.gradients;
        const conf_golden_entry *o = conf_golden_find(&old, e.line);
        if (!o) {
            printf("added:   %s\n", e.line);
            added++;
        } else if (o->inputs != e.inputs || o->forward != e.forward || o->gradients != e.gradients) {
            char parts[40] = "";
            if (o->inputs != e.inputs)
                strcat(parts, " inputs");
            if (o->forward != e.forward)
                strcat(parts, " forward");
            if (o->gradients != e.gradients)
                strcat(parts, " gradients");
            printf("changed: %s (%s)\n", e.line, parts + 1);
            changed++;
        } else {
            same++;
        }
        conf_golden_put(&neu, &e);
        conf_result_free(&ref);
        conf_problem_free(&p);
    }
    if (whole_matrix)
        for (size_t i = 0; i < old.n; i++)
            if (!conf_golden_find(&neu, old.e[i].line)) {
                printf("removed: %s\n", old.e[i].line);
                removed++;
            }
    int rc = 0;
    if (failed) {
        fprintf(stderr, "rnnsimd-conformance: %d cases failed in the reference: %s left unchanged\n", failed,
                path);
        rc = 1;
    } else if ((s = conf_golden_save(path, &neu)) != RNN_OK) {
        fprintf(stderr, "rnnsimd-conformance: %s: %s\n", path, rnn_strerror(s));
        rc = 1;
    } else {
        printf("golden: wrote %s: %zu cases (%d added, %d removed, %d changed, %d unchanged)\n",
               path, neu.n, added, removed, changed, same);
    }
    conf_golden_free(&old);
    conf_golden_free(&neu);
    return rc;
}
