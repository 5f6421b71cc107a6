/* test_charlm.c — the charlm example's numeric parts by hand: Adam's and
 * SGD's updates (bias corrections, clipping), the text's unigram entropy,
 * the orthogonal initialisation. The command-line test trains on a grammar
 * and checks the loss falls, which a mis-scaled step or a wrong entropy
 * survives (training still converges, the loss still clears 0.25 x a larger
 * entropy); these pin the values. The example lives outside the library, so
 * its sources are compiled in. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../examples/charlm/charlm_init.c"
#include "../examples/charlm/charlm_model.c"
#include "../examples/charlm/charlm_optim.c"
#include "../examples/charlm/charlm_text.c"

/* Adam with a constant gradient: the bias-corrected moments are g and g^2
 * from the first step on, so every step moves each parameter by lr times
 * g's sign (up to eps, here 1e-8 against |g| >= 0.02), whatever |g|. */
static void test_adam(void)
{
    enum { N = 5 };
    const float g0[N] = {0.5f, -3.0f, 0.02f, -250.0f, 7.0f};
    float theta[N] = {0}, grad[N];
    charlm_optim o;
    CHECK(charlm_optim_init(&o, CHARLM_ADAM, 0.01, 0.0, N) == RNN_OK, "Adam init");
    for (int step = 1; step <= 3; step++) {
        memcpy(grad, g0, sizeof grad);
        charlm_optim_step(&o, theta, grad);
        for (int i = 0; i < N; i++) {
            const double want = -0.01 * step * (g0[i] > 0 ? 1 : -1);
            CHECK(fabs(theta[i] - want) <= 1e-5 * fabs(want),
                  "Adam step %d, parameter %d (g %g): %.7g, expected %.7g", step, i, g0[i],
                  theta[i], want);
        }
    }
    charlm_optim_free(&o);
}

/* SGD: theta -= lr g, with g scaled to the clip norm when its L2 norm is
 * above it; the step returns the norm before clipping. */
static void test_sgd_clip(void)
{
    float theta[2] = {1.0f, 1.0f}, grad[2] = {3.0f, 4.0f}; /* norm 5 */
    charlm_optim o;
    CHECK(charlm_optim_init(&o, CHARLM_SGD, 0.1, 1.0, 2) == RNN_OK, "SGD init");
    double norm = charlm_optim_step(&o, theta, grad);
    CHECK(fabs(norm - 5.0) < 1e-12, "SGD returned norm %g, expected 5 (before clipping)", norm);
    /* clipped to norm 1: g = (0.6, 0.8) */
    CHECK(fabs(theta[0] - 0.94f) < 1e-6 && fabs(theta[1] - 0.92f) < 1e-6,
          "SGD clipped at 1: theta (%.7g, %.7g), expected (0.94, 0.92)", theta[0], theta[1]);
    /* Below the clip norm: not scaled. */
    theta[0] = theta[1] = 1.0f;
    grad[0] = 0.3f, grad[1] = 0.4f;
    charlm_optim_step(&o, theta, grad);
    CHECK(fabs(theta[0] - 0.97f) < 1e-6 && fabs(theta[1] - 0.96f) < 1e-6,
          "SGD under the clip norm: theta (%.7g, %.7g), expected (0.97, 0.96)", theta[0],
          theta[1]);
    charlm_optim_free(&o);
    /* clip 0: off */
    CHECK(charlm_optim_init(&o, CHARLM_SGD, 0.1, 0.0, 2) == RNN_OK, "SGD init");
    theta[0] = theta[1] = 1.0f;
    grad[0] = 3.0f, grad[1] = 4.0f;
    charlm_optim_step(&o, theta, grad);
    CHECK(fabs(theta[0] - 0.7f) < 1e-6 && fabs(theta[1] - 0.6f) < 1e-6,
          "SGD without clipping: theta (%.7g, %.7g), expected (0.7, 0.6)", theta[0], theta[1]);
    charlm_optim_free(&o);
}

/* Adam clips before the moments: a gradient far above the clip norm and
 * one at it give the same first step (lr sign(g)); the returned norm is the
 * unclipped one. */
static void test_adam_clip(void)
{
    float theta[2] = {0}, grad[2] = {300.0f, -400.0f};
    charlm_optim o;
    CHECK(charlm_optim_init(&o, CHARLM_ADAM, 0.01, 5.0, 2) == RNN_OK, "Adam init");
    double norm = charlm_optim_step(&o, theta, grad);
    CHECK(fabs(norm - 500.0) < 1e-9, "Adam returned norm %g, expected 500", norm);
    CHECK(fabs(theta[0] + 0.01f) < 1e-7 && fabs(theta[1] - 0.01f) < 1e-7,
          "Adam clipped first step: (%.7g, %.7g), expected (-0.01, 0.01)", theta[0], theta[1]);
    charlm_optim_free(&o);
}

static void test_text(void)
{
    const char *s = "abaab\n";
    charlm_text t;
    CHECK(charlm_text_index((const unsigned char *)s, strlen(s), &t) == RNN_OK, "text index");
    /* The dictionary is the bytes in ascending order: '\n' 'a' 'b'. */
    CHECK(t.V == 3 && t.vocab[0] == '\n' && t.vocab[1] == 'a' && t.vocab[2] == 'b',
          "vocabulary of %d bytes", t.V);
    const int want_ids[6] = {1, 2, 1, 1, 2, 0};
    int same = t.n == 6;
    for (int i = 0; same && i < 6; i++)
        same = t.ids[i] == want_ids[i];
    CHECK(same, "class ids of \"abaab\\n\"");
    /* p = 3/6, 2/6, 1/6, in nats (the loss's unit) */
    const double h = -(0.5 * log(0.5) + 2.0 / 6 * log(2.0 / 6) + 1.0 / 6 * log(1.0 / 6));
    CHECK(fabs(t.entropy - h) < 1e-12, "unigram entropy %.9g nats, expected %.9g", t.entropy, h);
    charlm_text_free(&t);
}

/* The larger of a and b, a NaN in b kept so that the check then fails
 * (fmax would drop it; gcc 12 for aarch64 also dies on fmax reductions
 * here, an internal compiler error in its vectorizer). */
static double bigger(double a, double b)
{
    return b > a || b != b ? b : a;
}

/* Every gate block of weight_hh orthogonal (Q^T Q = I), each its own
 * matrix; biases and b_y zero. */
static void test_orthogonal_init(void)
{
    const int64_t H = 12, V = 7;
    charlm_model m;
    char err[256];
    CHECK(charlm_model_alloc(&m, RNN_LSTM, H, V) == RNN_OK, "model alloc");
    CHECK(charlm_model_init(&m, CHARLM_INIT_ORTHOGONAL, 3, err, sizeof err) == RNN_OK,
          "orthogonal init: %s", err);
    const int G = rnn_cell_gates(RNN_LSTM);
    double worst = 0, least_apart = INFINITY;
    for (int g = 0; g < G; g++) {
        const float *q = m.theta + m.at.weight_hh + (size_t)g * H * H;
        for (int i = 0; i < H; i++)
            for (int j = 0; j < H; j++) {
                double d = 0;
                for (int k = 0; k < H; k++)
                    d += (double)q[k * H + i] * q[k * H + j];
                worst = bigger(worst, fabs(d - (i == j)));
            }
        for (int g2 = 0; g2 < g; g2++) {
            const float *p = m.theta + m.at.weight_hh + (size_t)g2 * H * H;
            double apart = 0;
            for (int k = 0; k < H * H; k++)
                apart = bigger(apart, fabs((double)q[k] - p[k]));
            least_apart = apart < least_apart ? apart : least_apart;
        }
    }
    CHECK(worst < 1e-5, "a gate block of weight_hh is not orthogonal: |Q^T Q - I| up to %.3g",
          worst);
    CHECK(least_apart > 0.1, "two gate blocks of weight_hh nearly equal (max difference %.3g)",
          least_apart);
    double b = 0;
    for (int64_t i = 0; i < (int64_t)G * H; i++)
        b = bigger(b, fabs(m.theta[m.at.bias_ih + i]) + fabs(m.theta[m.at.bias_hh + i]));
    for (int64_t i = 0; i < V; i++)
        b = bigger(b, fabs(m.theta[m.at.b_y + i]));
    CHECK(b == 0, "orthogonal init: a bias is %g, not 0", b);
    charlm_model_free(&m);
}

int main(void)
{
    test_adam();
    test_sgd_clip();
    test_adam_clip();
    test_text();
    test_orthogonal_init();
    return check_summary();
}
