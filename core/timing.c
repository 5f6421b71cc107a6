/* timing.c — rnn_workspace_timing (rnnsimd.h): turning a workspace's sums
 * on and off, reading them, and the public calls' start and end
 * (timing.h). */
#include <string.h>
#include "timing.h"

_Thread_local int rnn_timing_caller;

rnn_status rnn_workspace_timing(rnn_workspace *ws, int on)
{
    if (!ws)
        return RNN_ERR_NULL;
    if (on != 0 && on != 1)
        return RNN_ERR_ARG;
    memset(&ws->timing_sums, 0, sizeof ws->timing_sums);
    ws->timing = on ? &ws->timing_sums : NULL;
    for (size_t k = 0; k < ws->n_cells; k++)
        if (ws->cells[k])
            ws->cells[k]->timing = ws->timing;
    return RNN_OK;
}

rnn_status rnn_workspace_timing_read(const rnn_workspace *ws, rnn_timing *out)
{
    if (!ws || !out)
        return RNN_ERR_NULL;
    *out = ws->timing_sums;
    return RNN_OK;
}

double rnn_timing_call_begin(rnn_workspace *ws)
{
    if (!ws->timing)
        return 0.0;
    rnn_timing_caller = 1;
    return rnn_clock_s();
}

void rnn_timing_call_end(rnn_workspace *ws, double t0)
{
    if (!ws->timing || !rnn_timing_caller)
        return;
    ws->timing->total += rnn_clock_s() - t0;
    ws->timing->calls++;
    rnn_timing_caller = 0;
}
