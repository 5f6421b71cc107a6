/* status.c — rnn_strerror and the names of cells and topologies (those of
 * instruction sets belong to kernels/isas.inc). */
#include <string.h>
#include "cells.h"

const char *rnn_strerror(rnn_status s)
{
    static const char *const text[RNN_STATUS_COUNT] = {
        [RNN_OK] = "success",
        [RNN_ERR_NULL] = "a required pointer is NULL",
        [RNN_ERR_SIZE] = "a size is zero, negative, or wrong for the topology",
        [RNN_ERR_OVERFLOW] = "a tensor's size overflows size_t",
        [RNN_ERR_CELL] = "unknown cell (expected rnn_tanh, lstm, gru or lbr_gru)",
        [RNN_ERR_TOPOLOGY] = "unknown topology (expected one2one, one2many, many2one, seq2seq or many2many)",
        [RNN_ERR_VALUE] = "a value is out of range (a target class or input index)",
        [RNN_ERR_ALIAS] = "an output buffer overlaps an input that the call still reads",
        [RNN_ERR_NOMEM] = "out of memory (or a workspace's helper thread could not be started)",
        [RNN_ERR_ISA_UNKNOWN] = rnn_isa_unknown_text,
        [RNN_ERR_ISA_UNSUPPORTED] = "this CPU or build does not support the instruction set",
        [RNN_ERR_IO] = "a file could not be read or written",
        [RNN_ERR_FORMAT] = "malformed file or text",
        [RNN_ERR_ARG] = ("invalid argument (e.g. plan threads not 0, 1 or 2, or a workspace "
                         "made for another problem)"),
    };
    if ((unsigned)s >= RNN_STATUS_COUNT)
        return "unknown status code";
    return text[s];
}

static const char *const cell_names[RNN_CELL_COUNT] = {"rnn_tanh", "lstm", "gru", "lbr_gru"};
static const char *const topo_names[RNN_TOPOLOGY_COUNT] = {
    "one2one", "one2many", "many2one", "seq2seq", "many2many"};

const char *rnn_cell_name(rnn_cell c)
{
    return (unsigned)c < RNN_CELL_COUNT ? cell_names[c] : NULL;
}

const char *rnn_topology_name(rnn_topology t)
{
    return (unsigned)t < RNN_TOPOLOGY_COUNT ? topo_names[t] : NULL;
}

static int find(const char *name, const char *const *names, int n)
{
    if (!name)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

rnn_status rnn_cell_parse(const char *name, rnn_cell *out)
{
    if (!out)
        return RNN_ERR_NULL;
    int i = find(name, cell_names, RNN_CELL_COUNT);
    if (i < 0)
        return RNN_ERR_CELL;
    *out = (rnn_cell)i;
    return RNN_OK;
}

rnn_status rnn_topology_parse(const char *name, rnn_topology *out)
{
    if (!out)
        return RNN_ERR_NULL;
    int i = find(name, topo_names, RNN_TOPOLOGY_COUNT);
    if (i < 0)
        return RNN_ERR_TOPOLOGY;
    *out = (rnn_topology)i;
    return RNN_OK;
}

int rnn_cell_gates(rnn_cell c)
{
    const rnn_cell_ops *ops = rnn_cell_ops_of(c);
    return ops ? (int)ops->gates : 0;
}
