/* minimal.c — the smallest complete use of the library: one LSTM over a
 * sequence of 64 steps, scored at the last step (many-to-one), trained for
 * one call, then checked against the naive reference (a library of its own,
 * rnnsimd_reference.h, with the portable fills this program's data come from).
 *
 * Build against an installed rnnsimd (make install PREFIX=...):
 *   cc -std=c11 minimal.c $(pkg-config --cflags --libs --static rnnsimd rnnsimd-reference) -o minimal
 * Every call returns an rnn_status; this program stops at the first that is
 * not RNN_OK, prints rnn_strerror() for it and exits 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <rnnsimd.h>
#include <rnnsimd_reference.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        rnn_status st_ = (call);                                                        \
        if (st_ != RNN_OK) {                                                            \
            fprintf(stderr, "minimal: %s failed: %s\n", #call, rnn_strerror(st_));      \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

static float *filled(size_t n, uint64_t stream, float scale)
{
    float *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "minimal: out of memory\n");
        exit(1);
    }
    rnn_fill_uniform(p, n, 1, stream, -scale, scale);
    return p;
}

static float *zeros(size_t n)
{
    float *p = calloc(n, sizeof *p);
    if (!p) {
        fprintf(stderr, "minimal: out of memory\n");
        exit(1);
    }
    return p;
}

int main(void)
{
    rnn_desc d = {RNN_LSTM, RNN_MANY2ONE, .T = 64, .B = 1, .I = 512, .H = 512, .V = 256};
    rnn_sizes s;
    CHECK(rnn_desc_check(&d, &s)); /* every tensor's element count */

    float *w_ih = filled(s.weight_ih, 1, 0.04f), *w_hh = filled(s.weight_hh, 2, 0.04f);
    float *b_ih = filled(s.bias, 3, 0.04f), *b_hh = filled(s.bias, 4, 0.04f);
    float *w_hy = filled(s.W_hy, 5, 0.04f), *b_y = filled(s.b_y, 6, 0.04f);
    float *x = filled(s.x, 7, 1.0f);
    int32_t *y = malloc(s.targets * sizeof *y);
    if (!y)
        return 1;
    for (size_t i = 0; i < s.targets; i++)
        y[i] = (int32_t)(i * 7 % (size_t)d.V);

    rnn_params p = {.cell = {w_ih, w_hh, b_ih, b_hh}, .W_hy = w_hy, .b_y = b_y};
    rnn_plan *plan;
    rnn_workspace *ws;
    CHECK(rnn_plan_create(&plan, &d, &p, NULL)); /* packs weights once; best ISA (or RNNSIMD_ISA) */
    CHECK(rnn_workspace_create(&ws, plan));      /* every buffer a call needs, allocated once */

    float *h_all = zeros(s.h), *dw_ih = zeros(s.weight_ih), *dw_hh = zeros(s.weight_hh);
    float *db_ih = zeros(s.bias), *db_hh = zeros(s.bias), *dw_hy = zeros(s.W_hy);
    float *db_y = zeros(s.b_y), loss = NAN;
    rnn_inputs in = {.x = x, .targets = y};
    rnn_outputs out = {.h = h_all, .loss = &loss};
    rnn_grads g = {.cell = {dw_ih, dw_hh, db_ih, db_hh}, .W_hy = dw_hy, .b_y = db_y};
    CHECK(rnn_plan_train(plan, ws, &in, &out, &g)); /* forward + BPTT */

    /* The same call on the reference (double inside, no SIMD): the loss
     * agrees to float32 round-off. */
    float ref_loss = NAN, *ref_dw_hh = zeros(s.weight_hh);
    rnn_outputs ref_out = {.loss = &ref_loss};
    rnn_grads ref_g = {.cell = {.weight_hh = ref_dw_hh}};
    CHECK(rnn_reference_train(&d, &p, &in, &ref_out, &ref_g));
    double dd = 0, rr = 0;
    for (size_t i = 0; i < s.weight_hh; i++) {
        dd += ((double)dw_hh[i] - ref_dw_hh[i]) * ((double)dw_hh[i] - ref_dw_hh[i]);
        rr += (double)ref_dw_hh[i] * ref_dw_hh[i];
    }
    const double rel = rr > 0 ? sqrt(dd / rr) : INFINITY;

    printf("minimal: lstm many2one T=%lld B=%lld I=%lld H=%lld V=%lld on %s\n", (long long)d.T,
           (long long)d.B, (long long)d.I, (long long)d.H, (long long)d.V,
           rnn_isa_name(rnn_plan_isa(plan)));
    printf("minimal: loss %.6f (reference %.6f); grad weight_hh relative difference %.2e\n",
           loss, ref_loss, rel);
    const int ok = isfinite(loss) && fabs(loss - ref_loss) <= 1e-4 * fabs(ref_loss) && rel < 1e-4;
    printf("minimal: %s\n", ok ? "ok" : "MISMATCH");

    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    free(w_ih), free(w_hh), free(b_ih), free(b_hh), free(w_hy), free(b_y), free(x), free(y);
    free(h_all), free(dw_ih), free(dw_hh), free(db_ih), free(db_hh), free(dw_hy), free(db_y);
    free(ref_dw_hh);
    return ok ? 0 : 1;
}
