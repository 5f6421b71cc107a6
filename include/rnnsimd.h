/* rnnsimd.h — the public API: shapes, cells, topologies, plans, errors.
 *
 * The math is normative in docs/design.md §2-§6: row-major float32, time-major sequences
 * (x is T x B x I), PyTorch weight names and gate orders (weight_ih is G*H x I,
 * weight_hh is G*H x H, bias_ih and bias_hh are G*H; lstm gates i,f,g,o; both
 * GRUs r,z,n). Every function returns an rnn_status; nothing here exits.
 * These are librnnsimd.a's functions; the naive reference they are checked
 * against, and the portable fills, are rnnsimd_reference.h's
 * (librnnsimd_reference.a). */
#ifndef RNNSIMD_H
#define RNNSIMD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RNNSIMD_VERSION "0.1.0"

typedef enum {
    RNN_OK = 0,
    RNN_ERR_NULL,            /* a required pointer is NULL */
    RNN_ERR_SIZE,            /* a size is zero, negative, or wrong for the topology */
    RNN_ERR_OVERFLOW,        /* a tensor's byte size does not fit in size_t */
    RNN_ERR_CELL,            /* unknown cell */
    RNN_ERR_TOPOLOGY,        /* unknown topology */
    RNN_ERR_VALUE,           /* a value out of range (target class, input index) */
    RNN_ERR_ALIAS,           /* an output buffer overlaps an input the call still reads */
    RNN_ERR_NOMEM,           /* allocation failed */
    RNN_ERR_ISA_UNKNOWN,     /* not the name of an instruction set */
    RNN_ERR_ISA_UNSUPPORTED, /* this CPU (or OS, or build) lacks the instruction set */
    RNN_ERR_IO,              /* a file could not be read or written */
    RNN_ERR_FORMAT,          /* a file or text is malformed */
    RNN_ERR_ARG,             /* an argument is invalid in some other way */
    RNN_STATUS_COUNT
} rnn_status;

/* A sentence that explains the status; never NULL. */
const char *rnn_strerror(rnn_status s);

typedef enum { RNN_TANH = 0, RNN_LSTM, RNN_GRU, RNN_LBR_GRU, RNN_CELL_COUNT } rnn_cell;

typedef enum {
    RNN_ONE2ONE = 0, /* one step in, that step scored (T = 1) */
    RNN_ONE2MANY,    /* x at step 1, zeros after; every step scored */
    RNN_MANY2ONE,    /* every step in; last step scored */
    RNN_SEQ2SEQ,     /* encoder T steps; decoder (own weights) T_out steps from the
                        encoder's last state, inputs given; decoder steps scored */
    RNN_MANY2MANY,   /* every step in, every step scored */
    RNN_TOPOLOGY_COUNT
} rnn_topology;

/* Identifiers as docs/design.md spells them: "rnn_tanh", "lstm", "gru", "lbr_gru";
 * "one2one", "one2many", "many2one", "seq2seq", "many2many". NULL if out of range. */
const char *rnn_cell_name(rnn_cell c);
const char *rnn_topology_name(rnn_topology t);
rnn_status rnn_cell_parse(const char *name, rnn_cell *out);
rnn_status rnn_topology_parse(const char *name, rnn_topology *out);
/* G: gate blocks of weight_ih/weight_hh rows: 1, 4, 3, 3. 0 for an unknown cell. */
int rnn_cell_gates(rnn_cell c);

/* A whole problem. L and bidirectional come last, so a single-layer,
 * one-direction caller that leaves them zero is unchanged. */
typedef struct {
    rnn_cell cell;
    rnn_topology topology;
    int64_t T;     /* steps (the encoder's for seq2seq); 1 for one2one */
    int64_t T_out; /* decoder steps for seq2seq; 0 for every other topology */
    int64_t B;     /* batch */
    int64_t I;     /* input size (encoder and decoder alike) */
    int64_t H;     /* hidden size (every layer and direction) */
    int64_t V;     /* classes of the output head */
    /* Stacks (docs/design.md §7), as PyTorch's num_layers and bidirectional:
     * L layers (0 reads as 1; at most RNN_MAX_LAYERS), and two directions
     * when bidirectional is 1 (D = 2; 0 means one direction, D = 1). A
     * seq2seq decoder is always one direction, with L layers of its own. */
    int64_t L;
    int bidirectional;
} rnn_desc;

#define RNN_MAX_LAYERS 256

/* Element counts of every tensor of a problem (0 where a tensor does not exist).
 * With one layer and one direction (L*D = 1) every count is what it always was.
 * A "cell" below is one layer of one direction (docs/design.md §7). */
typedef struct {
    size_t x;          /* input: T*B*I, but 1*B*I for one2one and one2many */
    size_t x_dec;      /* seq2seq decoder input: T_out*B*I */
    size_t state;      /* h0, c0 (and the final states): L*D*B*H, (L*D) x B x H,
                          index l*D + d as PyTorch orders them */
    size_t steps;      /* S: steps run in all: T, or T + T_out for seq2seq */
    size_t h;          /* the top layer's output at every step: T*B*D*H, then
                          T_out*B*H for seq2seq's decoder (one direction) */
    size_t scored;     /* P: scored steps: 1, T, 1, T_out, T */
    size_t targets;    /* P*B */
    size_t logits;     /* P*B*V */
    size_t weight_ih;  /* G*H*I: weight_ih of layer 0 (each direction; the decoder's too) */
    size_t weight_hh;  /* G*H*H (every cell) */
    size_t bias;       /* G*H (bias_ih and bias_hh each, every cell) */
    size_t W_hy;       /* V*head_in */
    size_t b_y;        /* V */
    size_t layers;     /* L (at least 1) */
    size_t directions; /* D: 1, or 2 when bidirectional */
    size_t cells;      /* L*D: entries of rnn_params.layers (the decoder has L) */
    size_t out_width;  /* D*H: the width of a layer's output, and of layer l > 0's input */
    size_t weight_ih_upper; /* G*H*D*H: weight_ih of layers l > 0 (0 when L = 1); the
                          decoder's layers l > 0 read H-wide inputs: G*H*H */
    size_t head_in;    /* what the head reads: D*H, or H for seq2seq (its decoder) */
} rnn_sizes;

/* Validates every field (sizes >= 1, T = 1 for one2one, T_out >= 1 exactly for
 * seq2seq, 0 <= L <= RNN_MAX_LAYERS, bidirectional 0 or 1, every tensor's
 * byte size fits in size_t) and fills *sizes if not NULL. */
rnn_status rnn_desc_check(const rnn_desc *d, rnn_sizes *sizes);
/* NULL when rnn_desc_check accepts d; otherwise a sentence naming the first
 * field it rejects, its value and what was expected (e.g. "L is -1;
 * expected 0 (one layer) to 256"). Static storage: not thread-safe. */
const char *rnn_desc_problem(const rnn_desc *d);

/* The parameters of one cell, PyTorch's names and layouts. */
typedef struct {
    const float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} rnn_cell_weights;

/* A problem's parameters. One layer and one direction: cell (and decoder).
 * A stack (L*D > 1) gives layers instead: L*D cells, index l*D + d (d = 0
 * forward, 1 reverse), PyTorch's weight_ih_l{l}, weight_ih_l{l}_reverse, ...;
 * layers[0] is then layer 0's forward cell and cell is not read. Layer 0's
 * weight_ih is G*H x I; layer l > 0's is G*H x D*H (rnn_sizes.weight_ih_upper).
 * decoder_layers likewise: L cells (one direction), the decoder's layer l > 0
 * weight_ih G*H x H. */
typedef struct {
    rnn_cell_weights cell;    /* the cell; the encoder for seq2seq */
    rnn_cell_weights decoder; /* seq2seq only */
    const float *W_hy;        /* V x head_in (rnn_sizes) */
    const float *b_y;         /* V */
    const rnn_cell_weights *layers;         /* NULL, or L*D cells (see above) */
    const rnn_cell_weights *decoder_layers; /* NULL, or L cells (seq2seq) */
} rnn_params;

typedef struct {
    const float *x;          /* sizes.x floats; ignored when x_index is set */
    const int32_t *x_index;  /* optional: one-hot input given by index, shaped like x
                                without its last axis, each in [0, I) */
    const float *x_dec;      /* seq2seq decoder input, T_out x B x I */
    const int32_t *x_dec_index; /* optional one-hot decoder input, T_out x B */
    const float *h0, *c0;    /* (L*D) x B x H; NULL means zeros (c0 lstm only) */
    const int32_t *targets;  /* P x B classes in [0, V) */
} rnn_inputs;

/* Every output is optional: NULL means not wanted. */
typedef struct {
    float *h;       /* the top layer's output at every step, sizes.h floats: T x B x D*H
                       (each row the forward direction's h_t, then the reverse's),
                       then for seq2seq the decoder's top layer, T_out x B x H */
    float *c;       /* lstm only: the top layer's cell states, laid out like h */
    float *logits;  /* P x B x V */
    float *loss;    /* one float: mean cross-entropy over the P*B scored positions */
} rnn_outputs;

/* Gradients of the loss; every pointer optional (NULL = not wanted); written,
 * never accumulated into. */
typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} rnn_cell_grads;

/* layers and decoder_layers as in rnn_params: NULL for one layer and one
 * direction (cell, decoder), else L*D (L) entries whose cell is layers[0]. */
typedef struct {
    float *x, *x_dec;        /* like the inputs (not with x_index / x_dec_index) */
    float *h0, *c0;          /* (L*D) x B x H */
    rnn_cell_grads cell, decoder;
    float *W_hy, *b_y;
    rnn_cell_grads *layers, *decoder_layers;
} rnn_grads;

/* ---- Instruction sets and plans (the optimized path) ---- */
typedef enum {
    RNN_ISA_AUTO = 0, /* the best this CPU runs, or RNNSIMD_ISA from the environment */
    RNN_ISA_GENERIC,
    RNN_ISA_AVX2,     /* AVX2 + FMA */
    RNN_ISA_AVX512,   /* AVX-512 F, BW, VL, DQ */
    RNN_ISA_NEON,     /* AArch64 Advanced SIMD */
    RNN_ISA_COUNT
} rnn_isa;

const char *rnn_isa_name(rnn_isa isa); /* "auto", "generic", "avx2", "avx512", "neon" */
rnn_status rnn_isa_parse(const char *name, rnn_isa *out);
/* RNN_OK if this build and CPU run isa; otherwise RNN_ERR_ISA_UNSUPPORTED and, if
 * why is not NULL, a sentence naming what is missing (e.g. "CPU lacks avx512bw"). */
rnn_status rnn_isa_check(rnn_isa isa, const char **why);
/* The ISA that RNN_ISA_AUTO resolves to (honouring RNNSIMD_ISA). */
rnn_status rnn_isa_resolve(rnn_isa isa, rnn_isa *out, const char **why);

typedef struct { size_t l1d, l2, l3; unsigned line; } rnn_cpu_caches; /* bytes; 0 = unknown */
/* The data cache sizes of the CPU this runs on, one core's view (l3: the level-3 cache the core
 * sees, as the OS reports it). Never fails on a machine that reports nothing: fills the
 * defaults named in docs/design.md and returns RNN_OK; RNN_ERR_NULL for NULL. */
rnn_status rnn_cpu_caches_get(rnn_cpu_caches *c);

/* How a plan makes its schedule choices (rnn_plan_options.tuning). */
typedef enum {
    RNN_TUNE_ESTIMATE = 0, /* fixed rules: nothing is timed */
    RNN_TUNE_MEASURE,      /* time candidates at plan creation, keep the fastest */
    RNN_TUNE_COUNT
} rnn_tuning;

/* The data type of a plan's products (rnn_plan_options.dtype; docs/design.md
 * §8). RNN_DTYPE_BF16: the weights (weight_ih, weight_hh, W_hy) are packed as
 * bf16 (round to nearest even), each product's other operand is rounded to
 * bf16 as it is read, and the products are summed in float32; biases,
 * states, gates, the c state and all element-wise work stay float32, and
 * so do the weight gradients' sums (of products of bf16-rounded operands).
 * Inputs, outputs and gradients are float32 either way. */
typedef enum { RNN_DTYPE_F32 = 0, RNN_DTYPE_BF16, RNN_DTYPE_COUNT } rnn_dtype;
/* "f32", "bf16"; NULL if out of range. Parse also takes "float32";
 * RNN_ERR_ARG for any other name. */
const char *rnn_dtype_name(rnn_dtype t);
rnn_status rnn_dtype_parse(const char *name, rnn_dtype *out);
/* RNN_OK if plans of data type t run on table isa (RNN_ISA_AUTO: the one it
 * resolves to) on this CPU and build; otherwise the table's own status from
 * rnn_isa_check, or RNN_ERR_ISA_UNSUPPORTED when the table has no products
 * of t or the CPU lacks (or RNNSIMD_CPU_MASK hides) the feature they need,
 * and, if why is not NULL, a sentence naming what is missing (static
 * storage). RNN_ERR_ARG for a t out of range. */
rnn_status rnn_dtype_check(rnn_dtype t, rnn_isa isa, const char **why);

typedef struct {
    rnn_isa isa;   /* RNN_ISA_AUTO by default */
    /* 1 by default (0 means 1). 2: each workspace made from the plan starts
     * one helper thread (asleep between calls, joined by
     * rnn_workspace_destroy) and a call splits its work between the caller
     * and it, when both its plan and its workspace say 2. The results agree
     * with 1 thread's within support/tolerance.h (each output element is
     * summed whole by one thread, so they are normally the same bits).
     * Anything but 0, 1, 2 is RNN_ERR_ARG; a helper that cannot be started
     * is RNN_ERR_NOMEM from rnn_workspace_create. */
    int threads;
    /* 0 by default: the planner decides where the fused batch-1 step runs
     * (one thread, batch 1, two or more blocks of 8 steps, a table that has
     * it: the input projection of later steps rides in the idle slots of
     * the recurrent product's weight stream; docs/design.md §12 says when
     * the rules take it). 1: never; the projection is hoisted as at larger
     * batch. The results are the same bits either way; the option is there
     * so conformance can check both paths. Anything but 0 or 1 is
     * RNN_ERR_ARG. */
    int no_fused_step;
    /* RNN_TUNE_ESTIMATE (0, the default): the schedule choices follow fixed
     * rules (docs/design.md §12). RNN_TUNE_MEASURE: rnn_plan_create times a
     * few candidates of each on this problem's shapes (a few steps on
     * synthetic inputs, once) and keeps the fastest, or reuses the choice
     * the wisdom holds for this machine, table and problem. Every candidate
     * gives the same bits. Anything else is RNN_ERR_ARG. */
    rnn_tuning tuning;
    /* 0 by default. 1: the fused batch-1 step wherever it applies, at any
     * weight size and whatever the planner would choose (conformance's
     * threads1 mode, so the fused path is checked on every machine). Not
     * with no_fused_step 1; anything but 0 or 1 is RNN_ERR_ARG. */
    int fused_step_always;
    /* RNN_DTYPE_F32 (0, the default) or RNN_DTYPE_BF16 (see rnn_dtype).
     * bf16 needs a table with bf16 products: generic (an exact emulation
     * of x86's vdpbf16ps, slow), avx512 on a CPU with AVX512-BF16, neon;
     * RNN_ERR_ISA_UNSUPPORTED otherwise (the avx2 table has none), and
     * RNN_ISA_AUTO does not fall back to another table. A bf16 plan's
     * fused batch-1 step rides the forward only, on tables that have one
     * (avx512; elsewhere the projection is hoisted), and its results agree
     * with the float32 plan's within the tolerance of docs/design.md §8,
     * not bit for bit. Anything else is RNN_ERR_ARG. */
    rnn_dtype dtype;
} rnn_plan_options;

/* A plan packs the weights once for one problem and one kernel table. It is
 * immutable after creation: several threads may use one plan at once, each
 * with its own workspace. The plan copies what it needs of the weights. */
typedef struct rnn_plan rnn_plan;
typedef struct rnn_workspace rnn_workspace;

rnn_status rnn_plan_create(rnn_plan **plan, const rnn_desc *d, const rnn_params *p,
                           const rnn_plan_options *opt /* NULL = defaults */);
void rnn_plan_destroy(rnn_plan *plan);
rnn_isa rnn_plan_isa(const rnn_plan *plan);
const rnn_desc *rnn_plan_desc(const rnn_plan *plan);

/* The plan's schedule choices as one line of `key=value` pairs separated by
 * single spaces (docs/design.md §12 names each key), e.g.
 * "tuning=estimate source=rules ride=1 ride_max=8388608 ...". Writes at
 * most n bytes, always NUL-terminated when n > 0; RNN_ERR_SIZE when the line
 * was cut (512 bytes are enough: the longest a plan can write is about 400). */
rnn_status rnn_plan_describe(const rnn_plan *plan, char *buf, size_t n);

/* What the planner's rules know of this machine for table isa (RNN_ISA_AUTO:
 * the one it resolves to), docs/design.md §12 "The machine model", as one
 * line of `key=value` pairs, e.g. "isa=avx512 l2_bytes=1048576 fma=full
 * fma_ratio=2.00" (fma: full, split or unknown; the ratio 0.00 when not
 * probed). The first call for a table with the fused step probes the FMA
 * width (about 10 ms, once per process). Writes at most n bytes,
 * NUL-terminated when n > 0; RNN_ERR_SIZE when the line was cut,
 * RNN_ERR_NULL for a NULL buf, and the table's own status when this CPU or
 * build cannot run isa. */
rnn_status rnn_machine_describe(rnn_isa isa, char *buf, size_t n);

/* Wisdom: the choices RNN_TUNE_MEASURE plans made, kept in the process
 * (thread-safe) and keyed by this machine's CPU (vendor, family, model,
 * stepping; or an Arm core's implementer, part and revision), the kernel
 * table and the problem. A MEASURE plan whose key the wisdom holds takes
 * that choice without timing anything; ESTIMATE plans never read it.
 *
 * rnn_wisdom_export writes it as text (lines, docs/design.md §12) into buf,
 * NUL-terminated; *len (if not NULL) gets the text's length without the
 * NUL, so a call with n = 0 sizes the buffer. RNN_ERR_SIZE when n is too
 * small (buf then holds "" if n > 0).
 * rnn_wisdom_import reads such text and adds its entries (an entry already
 * held for the same key is replaced). Entries of another machine are
 * skipped: they could only mislead. Malformed text (or a value out of
 * range) is RNN_ERR_ARG and nothing is imported.
 * rnn_wisdom_forget empties it. */
rnn_status rnn_wisdom_export(char *buf, size_t n, size_t *len);
rnn_status rnn_wisdom_import(const char *text);
void rnn_wisdom_forget(void);

/* All memory a forward or train call needs, allocated once. */
rnn_status rnn_workspace_create(rnn_workspace **ws, const rnn_plan *plan);
void rnn_workspace_destroy(rnn_workspace *ws);
/* Sets every float the workspace holds to NaN (a stack's cells' too), a
 * check on the calls made with it: a call computes all it reads, so the NaN
 * reaches its outputs only where it reads what it never wrote, where a value
 * left by an earlier call, right or not, would pass unseen. The conformance
 * runner poisons before every call it judges. RNN_ERR_NULL for a NULL ws. */
rnn_status rnn_workspace_poison(rnn_workspace *ws);

/* Where the calls made with a workspace spend their time, for measuring a
 * problem (`rnnsimd profile`), off by default. While it is on, every call
 * with ws adds to the sums below the wall time, in seconds, that the
 * calling thread spends in each part (a clock read before and after each
 * kernel call it times, some 20 ns apiece: at batch 1 and small H the parts
 * carry that, and so does total). What no part names (argument checks,
 * state copies, the two threads' barriers, a two-thread call's split of the
 * hidden units at batch below 4) is total less their sum. A stack's cells
 * add to their stack's workspace's sums.
 * rnn_workspace_timing turns it on (on = 1) or off (0) and zeroes the sums;
 * RNN_ERR_NULL for a NULL ws, RNN_ERR_ARG for another on.
 * rnn_workspace_timing_read copies the sums; RNN_ERR_NULL for a NULL
 * argument. */
typedef struct {
    double total;        /* the calls, from entry to return */
    double projection;   /* the input projections hoisted out of the time loops */
    double products;     /* the recurrent products of the forward steps (and any
                            input projection riding them: the fused batch-1 step) */
    double gates;        /* the forward gate kernels */
    double head;         /* the output head: logits, loss and its gradients */
    double bwd_gates;    /* BPTT's gate-gradient kernels */
    double bwd_products; /* BPTT's products back through W_hh (and dx riding them) */
    double weight_grads; /* the weight and bias gradients, and dx, over all steps */
    long calls;          /* calls summed */
} rnn_timing;
rnn_status rnn_workspace_timing(rnn_workspace *ws, int on);
rnn_status rnn_workspace_timing_read(const rnn_workspace *ws, rnn_timing *out);

rnn_status rnn_plan_forward(const rnn_plan *plan, rnn_workspace *ws,
                            const rnn_inputs *in, rnn_outputs *out);
rnn_status rnn_plan_train(const rnn_plan *plan, rnn_workspace *ws,
                          const rnn_inputs *in, rnn_outputs *out, rnn_grads *g);
/* The plain sequence (plan of a many2many desc; the head is unused), as
 * rnnsimd_reference.h's rnn_reference_seq_*: output T x B x D*H (the top
 * layer), h0, c0, hn, cn (L*D) x B x H; a stack's plan takes its cells'
 * gradients in g->layers (g->cell for one cell). */
rnn_status rnn_plan_seq_forward(const rnn_plan *plan, rnn_workspace *ws,
                                const float *x, const float *h0, const float *c0,
                                float *output, float *hn, float *cn);
rnn_status rnn_plan_seq_backward(const rnn_plan *plan, rnn_workspace *ws,
                                 const float *x, const float *h0, const float *c0,
                                 const float *grad_output, const float *grad_hn,
                                 const float *grad_cn, rnn_grads *g);

#ifdef __cplusplus
}
#endif
#endif /* RNNSIMD_H */
