/* ratchet.h — conformance/ratchet.txt: per selection (the full matrix or its
 * quick subset), architecture, kernel table and tensor, a budget for the worst
 * fraction of tolerance over that selection and every mode. The runner fails
 * when a table's worst fraction rises above its budget, so a kernel change
 * that makes a table less accurate is caught while still inside the
 * tolerance. One line per budget (blank lines and '#' comments ignored):
 *
 *     SELECTION ARCH TABLE TENSOR budget=<x> measured=<x>
 *     e.g. quick x86_64 avx512 grad.weight_ih budget=0.0868 measured=0.0694
 *
 * measured is the worst fraction when the line was written; budget is
 * CONF_RATCHET_MARGIN times it, at least CONF_RATCHET_FLOOR. The fractions
 * are deterministic (generated data, fixed evaluation order: the same bits on
 * every run, and every table but generic the same bits as each other), so
 * the margin is no noise allowance: it lets a change that reorders a sum
 * move a fraction a little, while a doubling fails. Nothing rewrites the file
 * but `--write-ratchet` (`make ratchet`). */
#ifndef CONF_RATCHET_H
#define CONF_RATCHET_H

#include <stddef.h>
#include "rnnsimd.h"

#define CONF_RATCHET_MARGIN 1.25
#define CONF_RATCHET_FLOOR 0.002

typedef struct {
    char selection[8]; /* "full" or "quick" */
    char arch[16];     /* conf_arch() of the build that measured it */
    char table[16];    /* rnn_isa_name */
    char tensor[40];   /* the runner's tensor names: "h", "fwd-only.logits", "grad.x", ... */
    double budget, measured;
} conf_ratchet_entry;

typedef struct {
    conf_ratchet_entry *e;
    size_t n, cap;
} conf_ratchet;

/* The architecture this build runs: "x86_64", "aarch64", ... */
const char *conf_arch(void);
/* The budget written for a measured worst fraction. */
double conf_ratchet_budget(double measured);

/* RNN_ERR_IO if the file cannot be opened; RNN_ERR_FORMAT with "PATH:LINE:
 * what is wrong" for a malformed line or a repeated key. */
rnn_status conf_ratchet_load(const char *path, conf_ratchet *r, char *err, size_t errlen);
const conf_ratchet_entry *conf_ratchet_find(const conf_ratchet *r, const char *selection,
                                            const char *arch, const char *table,
                                            const char *tensor);
/* Adds or replaces the entry of e's key. */
rnn_status conf_ratchet_put(conf_ratchet *r, const conf_ratchet_entry *e);
/* Drops every entry of (selection, arch, table). */
void conf_ratchet_drop(conf_ratchet *r, const char *selection, const char *arch,
                       const char *table);
/* Writes the file atomically (temp file and rename), sorted by key. */
rnn_status conf_ratchet_save(const char *path, const conf_ratchet *r, char *err, size_t errlen);
void conf_ratchet_free(conf_ratchet *r);

#endif
