/* test_charlm_sample.c — `rnnsimd charlm sample` on a model whose weights are
 * finite (so the file loads) but whose logits overflow float32: every W_hy
 * weight FLT_MAX. Sampling must fail (status 1) instead of printing text drawn
 * from NaN or infinite probabilities; a sane model still samples (status 0).
 *
 * No training option makes such weights, and the file carries a hash, so the
 * model is written here through the example's own charlm_model_save.
 * `test_charlm_sample --write-model PATH` writes it and exits, for
 * tests/cli_programs.sh to sample with the rnnsimd command itself. */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
/* The example lives outside the library: its model file and sampler. */
#include "../examples/charlm/charlm_model.c"
#include "../examples/charlm/charlm_sample.c"

/* An lstm model over "ab\n" (H 4): small uniform weights and input biases
 * of 2, so every gate is open and every h positive; then, with overflow,
 * every W_hy weight FLT_MAX, so every logit sums past FLT_MAX to +inf (and
 * the softmax's inf - inf is NaN). Returns RNN_OK or the save's status. */
static rnn_status write_model(const char *path, int overflow, char *err, size_t errlen)
{
    charlm_model m;
    rnn_status st = charlm_model_alloc(&m, RNN_LSTM, 4, 3);
    if (st != RNN_OK)
        return st;
    memcpy(m.vocab, "\nab", 3);
    rnn_fill_uniform(m.theta, m.at.total, 1, 1, -0.1f, 0.1f);
    for (size_t i = 0; i < (size_t)(4 * m.H); i++)
        m.theta[m.at.bias_ih + i] = 2.0f;
    for (size_t i = 0; overflow && i < (size_t)(m.H * m.V); i++)
        m.theta[m.at.W_hy + i] = FLT_MAX;
    st = charlm_model_save(&m, path, err, errlen);
    charlm_model_free(&m);
    return st;
}

/* charlm_sample_main on path, with --isa isa; its exit status. */
static int sample(const char *path, const char *isa, const char *temperature)
{
    char *argv[] = {"sample", "--model", (char *)path, "--length", "5", "--isa", (char *)isa,
                    "--temperature", (char *)temperature, NULL};
    int status = charlm_sample_main(9, argv);
    fflush(stdout);
    return status;
}

int main(int argc, char **argv)
{
    char err[1024];
    if (argc == 3 && strcmp(argv[1], "--write-model") == 0) {
        if (write_model(argv[2], 1, err, sizeof err) != RNN_OK) {
            fprintf(stderr, "test_charlm_sample: %s\n", err);
            return 1;
        }
        return 0;
    }
    char dir[] = "/tmp/rnnsimd_charlm_sample.XXXXXX", bad[64], good[64];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(bad, sizeof bad, "%s/overflow.model", dir);
    snprintf(good, sizeof good, "%s/sane.model", dir);
    CHECK(write_model(bad, 1, err, sizeof err) == RNN_OK, "write the overflowing model: %s", err);
    CHECK(write_model(good, 0, err, sizeof err) == RNN_OK, "write the sane model: %s", err);
    /* Its weights are finite: the file loads; only its outputs overflow. */
    charlm_model m;
    CHECK(charlm_model_load(&m, bad, err, sizeof err) == RNN_OK, "load: %s", err);
    charlm_model_free(&m);
    static const char *const isas[] = {"reference", "auto"}, *const temps[] = {"0.8", "0"};
    for (int i = 0; i < 2; i++)
        for (int t = 0; t < 2; t++) {
            CHECK(sample(bad, isas[i], temps[t]) == 1,
                  "sampling the overflowing model (--isa %s, --temperature %s) did not fail",
                  isas[i], temps[t]);
            CHECK(sample(good, isas[i], temps[t]) == 0,
                  "sampling the sane model (--isa %s, --temperature %s) failed", isas[i],
                  temps[t]);
        }
    unlink(bad);
    unlink(good);
    rmdir(dir);
    return check_summary();
}
