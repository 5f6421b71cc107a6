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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "charlm.h"
#include "charlm_text.h"
#include "file_io.h"
#include "npy.h"
#include "out_path.h"
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
    "  --save MODEL         model file to write when training ends (checked before\n"
    "                       training starts: its directory must exist and take a file)\n"
    "  --cell CELL          lstm (default) | gru | lbr_gru | rnn_tanh\n"
    "  --hidden H           hidden size (default 128)\n"
    "  --seq T              characters per BPTT chunk (default 64)\n"
    "  --batch B            parallel streams through the text (default 16)\n"
    "  --steps N            training steps (default 1000)\n"
    "  --max-seconds X      stop earlier when X seconds have passed (default 0: no limit;\n"
    "                       the step under way finishes, then the model is saved)\n"
    "  --optimizer OPT      adam (default) | sgd\n"
    "  --lr X               learning rate (default 0.002 for adam, 0.1 for sgd)\n"
    "  --clip X             clip the gradient's global L2 norm to X (default 5; 0: off)\n"
    "  --init INIT          orthogonal (default: recurrent gate blocks orthogonal, biases 0)\n"
    "                       | uniform (PyTorch's U(-1/sqrt(H), 1/sqrt(H)) everywhere)\n"
    "  --seed S             seed of the initial weights (default 1)\n"
    "  --isa ISA            auto (default) | reference | {isas: | }\n"
    "  --dtype T            f32 (default) | bf16: the products with bf16 weights and operands,\n"
    "                       sums, states and the saved model in float32 (docs/design.md §8)\n"
    "  --log FILE           write 'step loss grad_norm seconds' per step to FILE (at the\n"
    "                       end, atomically; checked before training starts, as --save)\n"
    "\n"
    "A progress line (step, loss, characters/s) goes to stderr about once a second; the\n"
    "summary line to stdout. Loss is the mean cross-entropy in nats per character.\n";

static const char cmd[] = "charlm train"; /* messages start "rnnsimd charlm train: " */

/* The command line, parsed and checked. */
typedef struct {
    const char *text_path, *save, *cell_s, *isa_s, *opt_s, *init_s, *log_path, *dtype_s;
    int64_t H, T, B, steps, seed;
    double lr, clip, max_seconds;
    rnn_cell cell;
    charlm_optimizer okind;
    charlm_init init;
    int use_ref;
    rnn_isa isa;
    rnn_dtype dtype;
} train_opts;

/* An output file's place, before any training: a run must not learn at its
 * end that it cannot save. 0, or the exit status after a message (2 for a
 * name that cannot be a file, 1 for a directory that refuses it). */
static int check_output(const char *option, const char *path)
{
    char err[1024];
    rnn_status st = rnn_output_path_check(path, err, sizeof err);
    if (st == RNN_OK)
        return 0;
    fprintf(stderr, "rnnsimd %s: --%s %s\n", cmd, option, err);
    return st == RNN_ERR_ARG ? OPT_EXIT_USAGE : OPT_EXIT_RUNTIME;
}

/* Returns -1 to go on, else the exit status (after --help or a message). */
static int parse_train_options(int argc, char **argv, train_opts *o)
{
    *o = (train_opts){.cell_s = "lstm", .isa_s = "auto", .dtype_s = "f32", .opt_s = "adam",
                      .init_s = "orthogonal", .H = 128, .T = 64, .B = 16, .steps = 1000,
                      .seed = 1, .lr = -1, .clip = 5};
    opt_spec specs[] = {
        {"text", OPT_STR, &o->text_path, 0, 0, 0, NULL, 0},
        {"save", OPT_STR, &o->save, 0, 0, 0, NULL, 0},
        {"cell", OPT_STR, &o->cell_s, 0, 0, 0, NULL, 0},
        {"hidden", OPT_INT, &o->H, 1, CHARLM_MAX_HIDDEN, 0, NULL, 0},
        {"seq", OPT_INT, &o->T, 1, 100000, 0, NULL, 0},
        {"batch", OPT_INT, &o->B, 1, 100000, 0, NULL, 0},
        {"steps", OPT_INT, &o->steps, 1, 1e12, 0, NULL, 0},
        {"max-seconds", OPT_F64, &o->max_seconds, 0, 1e9, 0, NULL, 0},
        {"optimizer", OPT_STR, &o->opt_s, 0, 0, 0, NULL, 0},
        {"lr", OPT_F64, &o->lr, 1e-12, 100, 0, NULL, 0},
        {"clip", OPT_F64, &o->clip, 0, 1e12, 0, NULL, 0},
        {"init", OPT_STR, &o->init_s, 0, 0, 0, NULL, 0},
        {"seed", OPT_INT, &o->seed, 0, 9.2e18, 0, NULL, 0},
        {"isa", OPT_STR, &o->isa_s, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &o->dtype_s, 0, 0, 0, NULL, 0},
        {"log", OPT_STR, &o->log_path, 0, 0, 0, NULL, 0},
    };
    const char *prog = "rnnsimd charlm train";
    int r = opt_parse(&(opt_program){prog, train_usage, NULL, 0, 0, NULL}, &argc, argv, specs,
                      sizeof specs / sizeof specs[0]);
    if (r)
        return r < 0 ? 0 : r;
    if (!o->text_path)
        return opt_missing(prog, "text");
    if (!o->save)
        return opt_missing(prog, "save");
    if (rnn_cell_parse(o->cell_s, &o->cell) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: unknown --cell '%s'; expected lstm, gru, lbr_gru or rnn_tanh\n",
                cmd, o->cell_s);
        return OPT_EXIT_USAGE;
    }
    if (strcmp(o->opt_s, "adam") == 0)
        o->okind = CHARLM_ADAM;
    else if (strcmp(o->opt_s, "sgd") == 0)
        o->okind = CHARLM_SGD;
    else {
        fprintf(stderr, "rnnsimd %s: unknown --optimizer '%s'; expected adam or sgd\n", cmd,
                o->opt_s);
        return OPT_EXIT_USAGE;
    }
    if (o->lr < 0)
        o->lr = o->okind == CHARLM_ADAM ? 0.002 : 0.1;
    if (strcmp(o->init_s, "orthogonal") == 0)
        o->init = CHARLM_INIT_ORTHOGONAL;
    else if (strcmp(o->init_s, "uniform") == 0)
        o->init = CHARLM_INIT_UNIFORM;
    else {
        fprintf(stderr, "rnnsimd %s: unknown --init '%s'; expected orthogonal or uniform\n", cmd,
                o->init_s);
        return OPT_EXIT_USAGE;
    }
    if ((r = opt_isa_choice(prog, o->isa_s, &o->use_ref, &o->isa)) ||
        (r = opt_require_isa(prog, o->isa_s, o->use_ref, o->isa)))
        return r;
    if (rnn_dtype_parse(o->dtype_s, &o->dtype) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: unknown --dtype '%s'; expected f32 or bf16\n", cmd,
                o->dtype_s);
        return OPT_EXIT_USAGE;
    }
    const char *why = NULL;
    if (!o->use_ref && rnn_dtype_check(o->dtype, o->isa, &why) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --dtype %s --isa %s: %s\n", cmd, o->dtype_s, o->isa_s,
                why ? why : "not supported here");
        return OPT_EXIT_RUNTIME;
    }
    if ((r = check_output("save", o->save)) ||
        (o->log_path && (r = check_output("log", o->log_path))))
        return r;
    return -1;
}

/* A training run's state: the text, the model, its optimizer, the plan and
 * the step's buffers. */
typedef struct {
    unsigned char *raw;
    charlm_text text;
    size_t L, chunks; /* characters a stream; steps a pass through the streams */
    charlm_model m;
    charlm_optim opt;
    rnn_desc d;
    rnn_plan_options popt;
    rnn_plan *owner;
    rnn_workspace *ws;
    const char *ran_on;
    float *grad, *hs, *cs, *h0, *c0;
    int32_t *xi, *tg;
    FILE *log; /* in memory, written whole (atomically) at the end */
    char *log_text;
    size_t log_len;
    int64_t done_steps;
    double secs, mean; /* seconds; the mean loss of the last k steps */
    int k;
} trainer;

/* The text, indexed and cut into B streams. 0, or -1 after a message. */
static int load_text(trainer *t, const train_opts *o)
{
    char err[1024];
    size_t n_raw = 0;
    if (rnn_read_file(o->text_path, (size_t)1 << 31, &t->raw, &n_raw, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --text %s\n", cmd, err);
        return -1;
    }
    if (charlm_text_index(t->raw, n_raw, &t->text) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --text %s: empty or out of memory\n", cmd, o->text_path);
        return -1;
    }
    t->L = t->text.n / (size_t)o->B;
    if (t->L < (size_t)o->T + 1) {
        fprintf(stderr,
                "rnnsimd %s: --text %s: %zu characters are too few for %lld streams of at least "
                "--seq %lld + 1 characters; use a smaller --batch or --seq\n",
                cmd, o->text_path, t->text.n, (long long)o->B, (long long)o->T);
        return -1;
    }
    t->chunks = (t->L - 1) / (size_t)o->T;
    fprintf(stderr, "charlm: text %s: %zu characters, %d distinct, unigram entropy %.4f nats\n",
            o->text_path, t->text.n, t->text.V, t->text.entropy);
    return 0;
}

/* The model (initialized), its optimizer, the buffers, the plan that owns
 * the workspace, and the --log stream. 0, or -1 after a message. */
static int set_up(trainer *t, const train_opts *o)
{
    char err[1024];
    const int64_t B = o->B, H = o->H, T = o->T;
    rnn_status st = charlm_model_alloc(&t->m, o->cell, H, t->text.V);
    if (st == RNN_OK) {
        memcpy(t->m.vocab, t->text.vocab, (size_t)t->text.V);
        /* the QRs grow as H^3: say what the silence before the first step is */
        if (o->init == CHARLM_INIT_ORTHOGONAL && H >= 2048)
            fprintf(stderr, "rnnsimd %s: orthogonal init: %d QR factorisations of %lld x %lld "
                            "before the first step (slow at this H)\n",
                    cmd, rnn_cell_gates(o->cell), (long long)H, (long long)H);
        st = charlm_model_init(&t->m, o->init, (uint64_t)o->seed, err, sizeof err);
    } else {
        snprintf(err, sizeof err, "%s", rnn_strerror(st));
    }
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: %s\n", cmd, err);
        return -1;
    }
    if (charlm_optim_init(&t->opt, o->okind, o->lr, o->clip, t->m.at.total) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: out of memory\n", cmd);
        return -1;
    }
    t->d = (rnn_desc){o->cell, RNN_MANY2MANY, T, 0, B, t->text.V, H, t->text.V};
    const size_t BH = (size_t)(B * H), TB = (size_t)(T * B);
    t->grad = malloc(t->m.at.total * sizeof *t->grad);
    t->hs = malloc(TB * (size_t)H * sizeof *t->hs);
    t->cs = malloc(TB * (size_t)H * sizeof *t->cs);
    t->h0 = calloc(BH, sizeof *t->h0);
    t->c0 = calloc(BH, sizeof *t->c0);
    t->xi = malloc(TB * sizeof *t->xi);
    t->tg = malloc(TB * sizeof *t->tg);
    if (!t->grad || !t->hs || !t->cs || !t->h0 || !t->c0 || !t->xi || !t->tg) {
        fprintf(stderr, "rnnsimd %s: out of memory\n", cmd);
        return -1;
    }
    t->popt = (rnn_plan_options){.isa = o->isa, .threads = 1, .dtype = o->dtype};
    t->ran_on = "reference";
    if (!o->use_ref) {
        rnn_params p0 = charlm_params(&t->m, t->m.theta);
        st = rnn_plan_create(&t->owner, &t->d, &p0, &t->popt);
        if (st == RNN_OK)
            st = rnn_workspace_create(&t->ws, t->owner);
        if (st != RNN_OK) {
            fprintf(stderr, "rnnsimd %s: cannot create the plan (--isa %s): %s\n", cmd, o->isa_s,
                    rnn_strerror(st));
            return -1;
        }
        t->ran_on = rnn_isa_name(rnn_plan_isa(t->owner));
    }
    if (o->log_path) {
        /* Its place was checked with the options (check_output). */
        if (!(t->log = open_memstream(&t->log_text, &t->log_len))) {
            fprintf(stderr, "rnnsimd %s: --log %s: out of memory\n", cmd, o->log_path);
            return -1;
        }
    }
    return 0;
}

/* Step s's characters: [pos, pos + T) of every stream, targets one on. */
static void load_batch(trainer *t, const train_opts *o, int64_t s)
{
    const size_t B = (size_t)o->B, BH = (size_t)(o->B * o->H);
    const size_t chunk = (size_t)s % t->chunks, pos = chunk * (size_t)o->T;
    if (chunk == 0) {
        memset(t->h0, 0, BH * sizeof *t->h0); /* a new pass: the streams start over */
        memset(t->c0, 0, BH * sizeof *t->c0);
    }
    for (size_t k = 0; k < (size_t)o->T; k++)
        for (size_t b = 0; b < B; b++) {
            const size_t at = b * t->L + pos + k;
            t->xi[k * B + b] = t->text.ids[at];
            t->tg[k * B + b] = t->text.ids[at + 1];
        }
}

/* One step's loss and gradients (into t->grad) at the current weights. */
static rnn_status train_step(trainer *t, const train_opts *o, float *loss)
{
    const int lstm = o->cell == RNN_LSTM;
    rnn_params p = charlm_params(&t->m, t->m.theta);
    rnn_inputs in = {0};
    in.x_index = t->xi;
    in.h0 = t->h0;
    in.c0 = lstm ? t->c0 : NULL;
    in.targets = t->tg;
    rnn_outputs out = {0};
    out.h = t->hs;
    out.c = lstm ? t->cs : NULL;
    out.loss = loss;
    rnn_grads g = charlm_grads(&t->m, t->grad);
    if (o->use_ref)
        return rnn_reference_train_opt(&t->d, &p, &in, &out, &g,
                                       &(rnn_reference_options){.dtype = o->dtype});
    rnn_plan *plan = NULL;
    rnn_status st = rnn_plan_create(&plan, &t->d, &p, &t->popt);
    if (st == RNN_OK)
        st = rnn_plan_train(plan, t->ws, &in, &out, &g);
    rnn_plan_destroy(plan);
    return st;
}

/* The training loop, with a progress line about once a second. 0, or -1
 * after a message. */
static int train(trainer *t, const train_opts *o)
{
    const int64_t T = o->T, steps = o->steps;
    const size_t BH = (size_t)(o->B * o->H), TB = (size_t)(T * o->B);
    const double t_start = rnn_seconds_now();
    double t_report = t_start, loss_sum_report = 0, last_losses[100] = {0};
    int64_t n_report = 0;
    float loss = 0;
    for (int64_t s = 0; s < steps; s++) {
        load_batch(t, o, s);
        rnn_status st = train_step(t, o, &loss);
        if (st != RNN_OK) {
            fprintf(stderr, "rnnsimd %s: step %lld: %s\n", cmd, (long long)s, rnn_strerror(st));
            return -1;
        }
        if (!(loss == loss) || loss > 1e30f) {
            fprintf(stderr, "rnnsimd %s: step %lld: the loss is %g; lower --lr or --clip\n", cmd,
                    (long long)s, loss);
            return -1;
        }
        double gnorm = charlm_optim_step(&t->opt, t->m.theta, t->grad);
        memcpy(t->h0, t->hs + (size_t)(T - 1) * BH, BH * sizeof *t->h0);
        if (o->cell == RNN_LSTM)
            memcpy(t->c0, t->cs + (size_t)(T - 1) * BH, BH * sizeof *t->c0);
        t->done_steps = s + 1;
        last_losses[s % 100] = loss;
        loss_sum_report += loss;
        n_report++;
        const double now = rnn_seconds_now();
        if (t->log)
            fprintf(t->log, "%lld %.9g %.6g %.3f\n", (long long)t->done_steps, loss, gnorm,
                    now - t_start);
        if (now - t_report >= 1.0 || s + 1 == steps) {
            fprintf(stderr, "step %lld/%lld  loss %.4f  (mean %.4f)  %.0f chars/s  %.1f s\n",
                    (long long)t->done_steps, (long long)steps, loss, loss_sum_report / n_report,
                    (double)t->done_steps * (double)TB / (now - t_start), now - t_start);
            t_report = now;
            loss_sum_report = 0;
            n_report = 0;
        }
        if (o->max_seconds > 0 && now - t_start >= o->max_seconds)
            break;
    }
    t->secs = rnn_seconds_now() - t_start;
    t->k = t->done_steps < 100 ? (int)t->done_steps : 100;
    t->mean = 0;
    for (int i = 0; i < t->k; i++)
        t->mean += last_losses[i];
    t->mean /= t->k;
    return 0;
}

/* The steps that ran, in one piece: an interrupted run leaves no file.
 * Returns status, or OPT_EXIT_RUNTIME if the log could not be written. */
static int write_log(trainer *t, const train_opts *o, int status)
{
    char err[1024];
    if (fclose(t->log) != 0)
        snprintf(err, sizeof err, "%s: out of memory", o->log_path);
    t->log = NULL;
    if (!t->log_text ||
        rnn_write_file_atomic(o->log_path, t->log_text, t->log_len, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --log %s\n", cmd, err);
        if (status == 0)
            status = OPT_EXIT_RUNTIME;
    }
    free(t->log_text);
    return status;
}

static void trainer_free(trainer *t)
{
    rnn_workspace_destroy(t->ws);
    rnn_plan_destroy(t->owner);
    charlm_optim_free(&t->opt);
    charlm_model_free(&t->m);
    charlm_text_free(&t->text);
    free(t->raw);
    free(t->grad);
    free(t->hs);
    free(t->cs);
    free(t->h0);
    free(t->c0);
    free(t->xi);
    free(t->tg);
}

int charlm_train_main(int argc, char **argv)
{
    train_opts o;
    int status = parse_train_options(argc, argv, &o);
    if (status >= 0)
        return status;
    status = OPT_EXIT_RUNTIME;
    trainer t = {0};
    char err[1024];
    if (load_text(&t, &o) || set_up(&t, &o))
        goto done;
    fprintf(stderr, "charlm: %s H=%lld, T=%lld, B=%lld, %zu parameters, %s lr %g, clip %g, init %s, "
                    "on %s\n",
            o.cell_s, (long long)o.H, (long long)o.T, (long long)o.B, t.m.at.total, o.opt_s, o.lr,
            o.clip, o.init_s, t.ran_on);
    if (train(&t, &o))
        goto done;
    t.m.steps = (uint64_t)t.done_steps;
    t.m.loss = (float)t.mean;
    if (charlm_model_save(&t.m, o.save, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd %s: --save %s\n", cmd, err);
        goto done;
    }
    printf("trained: %s H=%lld on %s%s, %lld steps in %.1f s, %.0f chars/s, loss %.4f (mean of the "
           "last %d steps), unigram entropy %.4f nats; saved %s\n",
           o.cell_s, (long long)o.H, t.ran_on, o.dtype == RNN_DTYPE_BF16 ? " (bf16)" : "",
           (long long)t.done_steps, t.secs,
           (double)t.done_steps * (double)(o.T * o.B) / t.secs, t.mean, t.k, t.text.entropy,
           o.save);
    status = 0;
done:
    if (t.log)
        status = write_log(&t, &o, status);
    trainer_free(&t);
    return status;
}
