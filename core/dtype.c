/* dtype.c — the data types of a plan's products (rnnsimd.h: rnn_dtype;
 * docs/design.md §8): names, and which kernel tables run them here. */
#include <string.h>
#include "kernels.h"

static const char *const names[RNN_DTYPE_COUNT] = {"f32", "bf16"};

const char *rnn_dtype_name(rnn_dtype t)
{
    return (unsigned)t < RNN_DTYPE_COUNT ? names[t] : NULL;
}

rnn_status rnn_dtype_parse(const char *name, rnn_dtype *out)
{
    if (!out)
        return RNN_ERR_NULL;
    if (!name)
        return RNN_ERR_ARG;
    for (int i = 0; i < RNN_DTYPE_COUNT; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (rnn_dtype)i;
            return RNN_OK;
        }
    if (strcmp(name, "float32") == 0) {
        *out = RNN_DTYPE_F32;
        return RNN_OK;
    }
    return RNN_ERR_ARG;
}

/* Whether the feature the bf16 entries need is usable; if not, why. */
static rnn_status feature_check(const char *feature, const char **why)
{
    if (rnn_cpu_feature_usable(feature))
        return RNN_OK;
    static char text[96];
    const int hidden = rnn_cpu_feature_present(feature);
    /* isas.inc spells every feature's "lacks" sentence for rnn_isa_check;
     * this one is for a feature no table needs as a whole. */
    strcpy(text, "CPU lacks ");
    strncat(text, feature, 40);
    if (hidden)
        strcat(text, " (hidden by RNNSIMD_CPU_MASK)");
    *why = text;
    return RNN_ERR_ISA_UNSUPPORTED;
}

rnn_status rnn_dtype_check(rnn_dtype t, rnn_isa isa, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if ((unsigned)t >= RNN_DTYPE_COUNT) {
        *why = "unknown data type";
        return RNN_ERR_ARG;
    }
    const rnn_kernels *k = NULL;
    const rnn_status s = rnn_kernels_get(isa, &k, why);
    if (s != RNN_OK || t == RNN_DTYPE_F32)
        return s;
    if (!k->bf16_gemm_packed_nt || !k->bf16_gemm) {
        static char text[96];
        strcpy(text, "the ");
        strncat(text, k->name, 16);
        strcat(text, " table has no bf16 products");
        *why = text;
        return RNN_ERR_ISA_UNSUPPORTED;
    }
    return k->bf16_feature ? feature_check(k->bf16_feature, why) : RNN_OK;
}
