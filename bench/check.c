/* check.c — the benchmark's implementations against the reference.
 * Tolerances are loose on purpose (float against double over a few steps of
 * tiny problems: 1e-5 relative on the loss, 1e-3 of the largest |dx| on the
 * input gradient); a wrong gate order or conversion misses them by orders
 * of magnitude. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "impl.h"
#include "sweep.h"

static int check_one(const bench_impl *im, const bench_data *dt, double ref_loss,
                     const float *ref_dx, const char *name)
{
    char note[256], err[256] = "";
    void *ctx = im->setup(im, dt, note, sizeof note, err, sizeof err);
    if (!ctx || im->run(ctx, err, sizeof err)) {
        printf("FAIL %-52s %s\n", name, err);
        if (ctx)
            im->teardown(ctx);
        return 1;
    }
    const float *loss = NULL, *dx = NULL;
    im->results(ctx, &loss, &dx);
    double el = loss ? fabs(*loss - ref_loss) / fabs(ref_loss) : NAN;
    double ex = 0, mx = 0;
    if (ref_dx && dx) {
        for (size_t i = 0; i < dt->s.x; i++) {
            ex = fmax(ex, fabs((double)dx[i] - ref_dx[i]));
            mx = fmax(mx, fabs((double)ref_dx[i]));
        }
        ex /= mx > 0 ? mx : 1;
    }
    int bad = !(el <= 1e-5) || (ref_dx && (!dx || !(ex <= 1e-3)));
    printf("%s %-52s loss rel err %.2e%s", bad ? "FAIL" : "ok  ", name, el,
           ref_dx ? "  dx err/max|dx| " : "");
    if (ref_dx)
        printf(dx ? "%.2e" : "(missing)", ex);
    printf("\n");
    im->teardown(ctx);
    return bad;
}

int bench_check(rnn_isa isa)
{
    size_t np = sweep_problems(SWEEP_QUICK, NULL, 0);
    bench_problem *probs = calloc(np, sizeof *probs);
    if (!probs)
        return 1;
    sweep_problems(SWEEP_QUICK, probs, np);
    const bench_impl ours = bench_impl_rnnsimd(isa);
    const bench_impl *impls[3] = {&ours, &bench_peer_onednn, &bench_peer_blas};
    int passed = 0, failed = 0;
    for (size_t i = 0; i < np; i++) {
        if (probs[i].variant != BENCH_HEADED)
            continue;
        bench_data dt;
        if (bench_data_create(&dt, &probs[i])) {
            failed++;
            continue;
        }
        rnn_params prm = bench_data_params(&dt);
        rnn_inputs in = bench_data_inputs(&dt);
        float loss = 0, *dx = NULL;
        rnn_outputs out = {.loss = &loss};
        rnn_status st;
        if (probs[i].mode == BENCH_TRAIN) {
            dx = calloc(dt.s.x, sizeof *dx);
            rnn_grads g = {.x = dx};
            st = rnn_reference_train(&dt.d, &prm, &in, &out, &g);
        } else {
            st = rnn_reference_forward(&dt.d, &prm, &in, &out);
        }
        for (int k = 0; k < 3; k++) {
            char name[192];
            bench_problem_name(&probs[i], impls[k]->name, name, sizeof name);
            if (st != RNN_OK) {
                printf("FAIL %-52s reference: %s\n", name, rnn_strerror(st));
                failed++;
                continue;
            }
            if (check_one(impls[k], &dt, loss, dx, name))
                failed++;
            else
                passed++;
        }
        free(dx);
        bench_data_free(&dt);
    }
    free(probs);
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}
