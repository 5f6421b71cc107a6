/* golden_write.c — `make golden`: recomputes the golden lines of the selected
 * cases from the reference and, for the kernels= hash, from every kernel
 * table this CPU runs in every mode (which must agree bit for bit), prints
 * what changed, and rewrites the file (atomically; nothing else ever writes
 * it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "golden.h"
#include "kernels_golden.h"
#include "modes.h"
#include "run_reference.h"

#define MAX_RUNS (RNN_ISA_COUNT * CONF_MODE_COUNT)

/* The case's kernels= hash: every table this CPU runs, in every mode. 0
 * (with the reason printed) when they disagree or one cannot run. */
static int kernels_hash(const char *line, const conf_problem *p, const conf_result *ref,
                        conf_isa_result *res, uint64_t *hash)
{
    conf_run runs[MAX_RUNS];
    int n = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = NULL;
        if (rnn_kernels_get((*t)->isa, &k, NULL) != RNN_OK)
            continue; /* this CPU lacks it: another machine checks it */
        for (int md = 0; md < CONF_MODE_COUNT && n < MAX_RUNS; md++) {
            if (!conf_mode_applies((conf_mode)md, k))
                continue;
            const rnn_plan_options opt = conf_mode_options((conf_mode)md, k->isa);
            conf_check_isa(p, ref, &opt, NULL, NULL, &res[n]);
            runs[n].res = &res[n];
            snprintf(runs[n].name, sizeof runs[n].name, "%s %s", k->name,
                     conf_mode_name((conf_mode)md));
            n++;
        }
    }
    char why[400];
    if (!conf_kernels_agree(runs, n, hash, why, sizeof why)) {
        fprintf(stderr, "rnnsimd-conformance: %s: kernels=: %s\n", line, why);
        return 0;
    }
    return 1;
}

/* 1 if the scope owns the line. A line that is no case (the file's parser
 * reads no case fields) is owned only by the scope of every line. */
static int in_scope(const conf_golden_scope *scope, const char *line)
{
    if (scope->cell_mask == ~0u && scope->topo_mask == ~0u)
        return 1;
    conf_case c;
    char why[200];
    if (conf_case_parse(line, &c, why, sizeof why) != RNN_OK)
        return 0;
    return (scope->cell_mask >> c.desc.cell & 1) && (scope->topo_mask >> c.desc.topology & 1);
}

int conf_golden_rewrite(const char *path, const conf_case *cases, size_t ncases,
                        const conf_golden_scope *scope)
{
    conf_golden old, neu;
    char err[700];
    rnn_status s = conf_golden_load(path, &old, err, sizeof err);
    struct stat sb;
    /* Only a file that does not exist yet starts empty: one that cannot be
     * read would otherwise lose the lines of every case not selected. */
    if (s == RNN_ERR_FORMAT || (s != RNN_OK && (stat(path, &sb) == 0 || errno != ENOENT))) {
        fprintf(stderr, "rnnsimd-conformance: --write-golden %s\n", err);
        return 1;
    }
    if (s != RNN_OK)
        memset(&old, 0, sizeof old); /* a new file */
    memset(&neu, 0, sizeof neu);
    int lost = 0; /* a line the new file could not take (no memory): write nothing */
    for (size_t i = 0; i < old.n; i++)
        if (!scope || !in_scope(scope, old.e[i].line))
            lost |= conf_golden_put(&neu, &old.e[i]) != RNN_OK;
    int added = 0, changed = 0, same = 0, removed = 0, failed = 0;
    conf_isa_result *res = malloc(MAX_RUNS * sizeof *res); /* large: not on the stack */
    if (!res) {
        fprintf(stderr, "rnnsimd-conformance: out of memory\n");
        conf_golden_free(&old);
        return 1;
    }
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
        /* A bf16 case pins its reference only (golden.h). */
        e.has_kernels = !cases[i].bf16;
        if (e.has_kernels && !kernels_hash(e.line, &p, &ref, res, &e.kernels)) {
            failed++;
            conf_result_free(&ref);
            conf_problem_free(&p);
            continue;
        }
        const conf_golden_entry *o = conf_golden_find(&old, e.line);
        if (!o) {
            printf("added:   %s\n", e.line);
            added++;
        } else if (o->inputs != e.inputs || o->forward != e.forward ||
                   o->gradients != e.gradients || o->has_kernels != e.has_kernels ||
                   o->kernels != e.kernels) {
            char parts[48] = "";
            if (o->inputs != e.inputs)
                strcat(parts, " inputs");
            if (o->forward != e.forward)
                strcat(parts, " forward");
            if (o->gradients != e.gradients)
                strcat(parts, " gradients");
            if (o->has_kernels != e.has_kernels || o->kernels != e.kernels)
                strcat(parts, " kernels");
            printf("changed: %s (%s)\n", e.line, parts + 1);
            changed++;
        } else {
            same++;
        }
        lost |= conf_golden_put(&neu, &e) != RNN_OK;
        conf_result_free(&ref);
        conf_problem_free(&p);
    }
    if (scope && !lost)
        for (size_t i = 0; i < old.n; i++)
            if (!conf_golden_find(&neu, old.e[i].line)) {
                printf("removed: %s\n", old.e[i].line);
                removed++;
            }
    int rc = 0;
    if (lost) {
        fprintf(stderr, "rnnsimd-conformance: --write-golden: out of memory: %s left unchanged\n",
                path);
        rc = 1;
    } else if (failed) {
        fprintf(stderr, "rnnsimd-conformance: %d cases failed (above): %s left unchanged\n",
                failed, path);
        rc = 1;
    } else if ((s = conf_golden_save(path, &neu, err, sizeof err)) != RNN_OK) {
        fprintf(stderr, "rnnsimd-conformance: --write-golden %s: the file is left unchanged "
                "(the lines above were not written)\n", err);
        rc = 1;
    } else {
        printf("golden: wrote %s: %zu cases (%d added, %d removed, %d changed, %d unchanged)\n",
               path, neu.n, added, removed, changed, same);
    }
    free(res);
    conf_golden_free(&old);
    conf_golden_free(&neu);
    return rc;
}
