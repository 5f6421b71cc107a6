/* charlm_train.c — `rnnsimd charlm train`: truncated BPTT over the text.
 *
 * Batching: the text is cut into B streams of L = n / B characters at evenly
 * spaced offsets; step s trains on characters [pos, pos + T) of every stream
 * (targets shifted by one), pos advancing by T. Each stream's last h (and c)
 * of a step is its h0 (c0) at the next step, so the state flows on through
 * the text while gradients stop at the chunk boundary (truncated BPTT). When
 * the streams run out, a new pass starts from their beginnings with h0 = 0.
 *
 * Each step is one many2many rnn_plan_train (or rnn_reference_train with
 * --isa reference) giving the mean loss and every gradient; the inputs are
 * class indices (x_index), so the input projection is a column gather. A plan
 * copies and packs the weights it is created with, so every step creates one
 * from the current weights; the workspace is made once, from the first plan,
 * which stays alive as its owner. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "charlm.h"
#include "charlm_text.h"
#include "file_io.h"
#include "npy.h"
#include "cmdline.h"
#include "clock.h"

static const char train_usage[] =
    "usage: rnnsimd charlm train --text FILE --save MODEL [options]\n"
    "\n"
    "Trains a character-level language model (one recurrent layer, softmax head over the\n"
    "text's bytes) with truncated BPTT, and saves it atomically.\n"
    "\n"
    "options:\n"
    "  --text FILE          training text (its distinct bytes are the dictionary)\n"
    "  --save MODEL         model file to write when training ends\n"
    "  --cell CELL          lstm (default) | gru | lbr_gru | rnn_tanh\n"
    "  --hidden H           hidden size (default 128)\n"
    "  --seq T              characters per BPTT chunk (default 64)\n"
    "  --batch B            parallel streams through the text (default 16)\n"
    "  --steps N            training steps (default 1000)\n"
    "  --max-seconds X      stop earlier when X seconds have passed (default: no limit)\n"
    "  --optimizer OPT      adam (default) | sgd\n"
    "  --lr X               learning rate (default 0.002 for adam, 0.1 for sgd)\n"
    "  --clip X             clip the gradient's global L2 norm to X (default 5; 0: off)\n"
    "  --init INIT          orthogonal (default: recurrent gate blocks orthogonal, biases 0)\n"
    "                       | uniform (PyTorch's U(-1/sqrt(H), 1/sqrt(H)) everywhere)\n"
    "  --seed S             seed of the initial weights (default 1)\n"
    "  --isa ISA            auto (default) | reference | {isas: | }\n"
    "  --log FILE           write 'step loss grad_norm seconds' per step to FILE (at the\n"
    "                       end, atomically)\n"
    "\n"
    "A progress line (step, loss, characters/s) goes to stderr about once a second; the\n"
    "summary line to stdout. Loss is the mean cross-entropy in nats per character.\n";

int charlm_train_main(int argc, char **argv)
{
    const char *text_path = NULL, *save = NULL, *cell_s = "lstm", *isa_s = "auto";
    const char *opt_s = "adam", *init_s = "orthogonal", *log_path = NULL;
    int64_t H = 128, T = 64, B = 16, steps = 1000, seed = 1;
    double lr = -1, clip = 5, max_seconds = 0;
    opt_spec specs[] = {
        {"text", OPT_STR, &text_path, 0, 0, 0, NULL, 0},
        {"save", OPT_STR, &save, 0, 0, 0, NULL, 0},
        {"cell", OPT_STR, &cell_s, 0, 0, 0, NULL, 0},
        {"hidden", OPT_INT, &H, 1, CHARLM_MAX_HIDDEN, 0, NULL, 0},
        {"seq", OPT_INT, &T, 1, 100000, 0, NULL, 0},
        {"batch", OPT_INT, &B, 1, 100000, 0, NULL, 0},
        {"steps", OPT_INT, &steps, 1, 1e12, 0, NULL, 0},
        {"max-seconds", OPT_F64, &max_seconds, 0, 1e9, 0, NULL, 0},
        {"optimizer", OPT_STR, &opt_s, 0, 0, 0, NULL, 0},
        {"lr", OPT_F64, &lr, 1e-12, 100, 0, NULL, 0},
        {"clip", OPT_F64, &clip, 0, 1e12, 0, NULL, 0},
        {"init", OPT_STR, &init_s, 0, 0, 0, NULL, 0},
        {"seed", OPT_INT, &seed, 0, 9.2e18, 0, NULL, 0},
        {"isa", OPT_STR, &isa_s, 0, 0, 0, NULL, 0},
        {"log", OPT_STR, &log_path, 0, 0, 0, NULL, 0},
    };
    const char *cmd = "charlm train", *prog = "rnnsimd charlm train";
    int r = opt_parse(&(opt_program){prog, train_usage, NULL, 0, 0, NULL}, &argc, argv, specs,
                      sizeof specs / sizeof specs[0]);
    if (r)
        return r < 0 ? 0 : r;
    if (!text_path)
        return opt_missing(prog, "text");
    if (!save)
        return opt_missing(prog, "save");
    rnn_cell cell;
    if (rnn_cell_parse(cell_s, &cell) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: unknown --cell '%s'; expected lstm, gru, lbr_gru or rnn_tanh\n",
                cmd, cell_s);
        return OPT_EXIT_USAGE;
    }
    charlm_optimizer okind;
    if (strcmp(opt_s, "adam") == 0)
        okind = CHARLM_ADAM;
    else if (strcmp(opt_s, "sgd") == 0)
        okind = CHARLM_SGD;
    else {
        fprintf(stderr, "rnnsimd %s: unknown --optimizer '%s'; expected adam or sgd\n", cmd, opt_s);
        return OPT_EXIT_USAGE;
    }
    if (lr < 0)
        lr = okind == CHARLM_ADAM ? 0.002 : 0.1;
    charlm_init init;
    if (strcmp(init_s, "orthogonal") == 0)
        init = CHARLM_INIT_ORTHOGONAL;
    else if (strcmp(init_s, "uniform") == 0)
        init = CHARLM_INIT_UNIFORM;
    else {
        fprintf(stderr, "rnnsimd %s: unknown --init '%s'; expected orthogonal or uniform\n", cmd,
                init_s);
        return OPT_EXIT_USAGE;
    }
    int use_ref;
    rnn_isa isa;
    if ((r = opt_isa_choice(prog, isa_s, &use_ref, &isa)) ||
        (r = opt_require_isa(prog, isa_s, use_ref, isa)))
        return r;

    int status = OPT_EXIT_RUNTIME;
    char err[1024];
    unsigned char *raw = NULL;
    size_t n_raw = 0;
    charlm_text text = {0};
    charlm_model m = {0};
    charlm_optim opt = {0};
    rnn_plan *owner = NULL, *plan = NULL;
    rnn_workspace *ws = NULL;
    float *grad = NULL, *hs = NULL, *cs = NULL, *h0 = NULL, *c0 = NULL;
    int32_t *xi = NULL, *tg = NULL;
    FILE *log = NULL; /* in memory, written whole (atomically) at the end */
    char *log_text = NULL;
    size_t log_len = 0;

    if (rnn_read_file(text_path, (size_t)1 << 31, &raw, &n_raw, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --text %s\n", cmd, err);
        goto done;
    }
    if (charlm_text_index(raw, n_raw, &text) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --text %s: empty or out of memory\n", cmd, text_path);
        goto done;
    }
    const size_t L = text.n / (size_t)B;
    if (L < (size_t)T + 1) {
        fprintf(stderr,
                "rnnsimd %s: --text %s: %zu characters are too few for %lld streams of at least "
                "--seq %lld + 1 characters; use a smaller --batch or --seq\n",
                cmd, text_path, text.n, (long long)B, (long long)T);
        goto done;
    }
    const size_t chunks = (L - 1) / (size_t)T; /* steps per pass through the streams */
    fprintf(stderr, "charlm: text %s: %zu characters, %d distinct, unigram entropy %.4f nats\n",
            text_path, text.n, text.V, text.entropy);

    rnn_status st = charlm_model_alloc(&m, cell, H, text.V);
    if (st == RNN_OK) {
        memcpy(m.vocab, text.vocab, (size_t)text.V);
        st = charlm_model_init(&m, init, (uint64_t)seed, err, sizeof err);
    } else {
        snprintf(err, sizeof err, "%s", rnn_strerror(st));
    }
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: %s\n", cmd, err);
        goto done;
    }
    if (charlm_optim_init(&opt, okind, lr, clip, m.at.total) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: out of memory\n", cmd);
        goto done;
    }
    const rnn_desc d = {cell, RNN_MANY2MANY, T, 0, B, text.V, H, text.V};
    const size_t BH = (size_t)(B * H), TB = (size_t)(T * B);
    grad = malloc(m.at.total * sizeof *grad);
    hs = malloc(TB * (size_t)H * sizeof *hs);
    cs = malloc(TB * (size_t)H * sizeof *cs);
    h0 = calloc(BH, sizeof *h0);
    c0 = calloc(BH, sizeof *c0);
    xi = malloc(TB * sizeof *xi);
    tg = malloc(TB * sizeof *tg);
    if (!grad || !hs || !cs || !h0 || !c0 || !xi || !tg) {
        fprintf(stderr, "rnnsimd %s: out of memory\n", cmd);
        goto done;
    }
    rnn_plan_options popt = {.isa = isa, .threads = 1};
    const char *ran_on = "reference";
    if (!use_ref) {
        rnn_params p0 = charlm_params(&m, m.theta);
        st = rnn_plan_create(&owner, &d, &p0, &popt);
        if (st == RNN_OK)
            st = rnn_workspace_create(&ws, owner);
        if (st != RNN_OK) {
            fprintf(stderr, "rnnsimd %s: cannot create the plan (--isa %s): %s\n", cmd, isa_s,
                    rnn_strerror(st));
            goto done;
        }
        ran_on = rnn_isa_name(rnn_plan_isa(owner));
    }
    if (log_path) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", log_path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        if (access(slash ? dir : ".", W_OK) != 0) {
            fprintf(stderr, "rnnsimd %s: --log %s: cannot write there: %s\n", cmd, log_path,
                    strerror(errno));
            goto done;
        }
        if (!(log = open_memstream(&log_text, &log_len))) {
            fprintf(stderr, "rnnsimd %s: --log %s: out of memory\n", cmd, log_path);
            goto done;
        }
    }
    fprintf(stderr, "charlm: %s H=%lld, T=%lld, B=%lld, %zu parameters, %s lr %g, clip %g, init %s, "
                    "on %s\n",
            cell_s, (long long)H, (long long)T, (long long)B, m.at.total, opt_s, lr, clip, init_s,
            ran_on);

    const int lstm = cell == RNN_LSTM;
    const double t_start = rnn_seconds_now();
    double t_report = t_start, loss_sum_report = 0, last_losses[100] = {0};
    int64_t n_report = 0, done_steps = 0;
    float loss = 0;
    for (int64_t s = 0; s < steps; s++) {
        const size_t chunk = (size_t)s % chunks, pos = chunk * (size_t)T;
        if (chunk == 0) {
            memset(h0, 0, BH * sizeof *h0); /* a new pass: the streams start over */
            memset(c0, 0, BH * sizeof *c0);
        }
        for (size_t t = 0; t < (size_t)T; t++)
            for (size_t b = 0; b < (size_t)B; b++) {
                const size_t at = b * L + pos + t;
                xi[t * (size_t)B + b] = text.ids[at];
                tg[t * (size_t)B + b] = text.ids[at + 1];
            }
        rnn_params p = charlm_params(&m, m.theta);
        rnn_inputs in = {0};
        in.x_index = xi;
        in.h0 = h0;
        in.c0 = lstm ? c0 : NULL;
        in.targets = tg;
        rnn_outputs out = {0};
        out.h = hs;
        out.c = lstm ? cs : NULL;
        out.loss = &loss;
        rnn_grads g = charlm_grads(&m, grad);
        if (use_ref) {
            st = rnn_reference_train(&d, &p, &in, &out, &g);
        } else {
            st = rnn_plan_create(&plan, &d, &p, &popt);
            if (st == RNN_OK)
                st = rnn_plan_train(plan, ws, &in, &out, &g);
            rnn_plan_destroy(plan);
            plan = NULL;
        }
        if (st != RNN_OK) {
            fprintf(stderr, "rnnsimd %s: step %lld: %s\n", cmd, (long long)s, rnn_strerror(st));
            goto done;
        }
        if (!(loss == loss) || loss > 1e30f) {
            fprintf(stderr, "rnnsimd %s: step %lld: the loss is %g; lower --lr or --clip\n", cmd,
                    (long long)s, loss);
            goto done;
        }
        double gnorm = charlm_optim_step(&opt, m.theta, grad);
        memcpy(h0, hs + (size_t)(T - 1) * BH, BH * sizeof *h0);
        if (lstm)
            memcpy(c0, cs + (size_t)(T - 1) * BH, BH * sizeof *c0);
        done_steps = s + 1;
        last_losses[s % 100] = loss;
        loss_sum_report += loss;
        n_report++;
        const double now = rnn_seconds_now();
        if (log)
            fprintf(log, "%lld %.9g %.6g %.3f\n", (long long)done_steps, loss, gnorm, now - t_start);
        if (now - t_report >= 1.0 || s + 1 == steps) {
            fprintf(stderr, "step %lld/%lld  loss %.4f  (mean %.4f)  %.0f chars/s  %.1f s\n",
                    (long long)done_steps, (long long)steps, loss, loss_sum_report / n_report,
                    (double)done_steps * (double)TB / (now - t_start), now - t_start);
            t_report = now;
            loss_sum_report = 0;
            n_report = 0;
        }
        if (max_seconds > 0 && now - t_start >= max_seconds)
            break;
    }
    const double secs = rnn_seconds_now() - t_start;
    const int k = done_steps < 100 ? (int)done_steps : 100;
    double mean = 0;
    for (int i = 0; i < k; i++)
        mean += last_losses[i];
    mean /= k;
    m.steps = (uint64_t)done_steps;
    m.loss = (float)mean;
    if (charlm_model_save(&m, save, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --save %s\n", cmd, err);
        goto done;
    }
    printf("trained: %s H=%lld on %s, %lld steps in %.1f s, %.0f chars/s, loss %.4f (mean of the "
           "last %d steps), unigram entropy %.4f nats; saved %s\n",
           cell_s, (long long)H, ran_on, (long long)done_steps, secs,
           (double)done_steps * (double)TB / secs, mean, k, text.entropy, save);
    status = 0;
done:
    if (log) {
        /* The steps that ran, in one piece: an interrupted run leaves no file. */
        if (fclose(log) != 0)
            snprintf(err, sizeof err, "%s: out of memory", log_path);
        if (!log_text ||
            rnn_write_file_atomic(log_path, log_text, log_len, err, sizeof err) != RNN_OK) {
            fprintf(stderr, "rnnsimd %s: --log %s\n", cmd, err);
            if (status == 0)
                status = OPT_EXIT_RUNTIME;
        }
        free(log_text);
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(owner);
    charlm_optim_free(&opt);
    charlm_model_free(&m);
    charlm_text_free(&text);
    free(raw);
    free(grad);
    free(hs);
    free(cs);
    free(h0);
    free(c0);
    free(xi);
    free(tg);
    return status;
}
