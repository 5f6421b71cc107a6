/* options.h — rnnsimd-conformance's command line: the options, their
 * defaults, the usage text, and the cases given by --case / --cases. */
#ifndef CONF_OPTIONS_H
#define CONF_OPTIONS_H

#include <stddef.h>
#include "case.h"

#define CONF_PROG "rnnsimd-conformance"
#define CONF_MAX_CASES 4096

typedef struct {
    const char *golden_path, *write_golden, *json_path, *ratchet_path, *write_ratchet;
    int quick, list, no_golden, no_onednn, no_ratchet;
    unsigned cell_mask, topo_mask, isa_mask, mode_mask;
    int isa_filter, mode_filter;
    int explicit_cases;  /* --case or --cases given: run those, not the matrix */
    const char *empty_cases_file; /* a --cases FILE that held no case line, or NULL */
    conf_case *given;    /* CONF_MAX_CASES entries */
    size_t ngiven;
} conf_options;

/* Parses argv into o (given: storage for CONF_MAX_CASES cases). Returns -1
 * to go on, or the exit status: 0 after --help, 2 after a usage error
 * (printed). */
int conf_options_parse(int argc, char **argv, conf_options *o, conf_case *given);

#endif
