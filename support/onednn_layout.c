/* onednn_layout.c — the layout conversion of onednn_layout.h. */
#include "onednn_layout.h"

#include <stddef.h>

/* oneDNN gate gd is our gate map[gd], times sign[gd]. */
static void gate_map(rnn_cell cell, int *map, float *sign)
{
    for (int g = 0; g < 4; g++) {
        map[g] = g;
        sign[g] = 1.0f;
    }
    if (cell == RNN_GRU || cell == RNN_LBR_GRU) {
        map[0] = 1; /* u <- z */
        map[1] = 0; /* r */
        map[2] = 2; /* o <- n */
        if (cell == RNN_GRU)
            sign[0] = -1.0f;
    }
}

int rnn_onednn_bias_gates(rnn_cell cell)
{
    return rnn_cell_gates(cell) + (cell == RNN_LBR_GRU);
}

void rnn_onednn_weights_to(rnn_cell cell, int H, int K, const float *w, float *ldigo)
{
    int map[4], G = rnn_cell_gates(cell);
    float sign[4];
    gate_map(cell, map, sign);
    for (int i = 0; i < K; i++)
        for (int gd = 0; gd < G; gd++)
            for (int o = 0; o < H; o++)
                ldigo[((size_t)i * G + gd) * H + o] =
                    sign[gd] * w[((size_t)map[gd] * H + o) * K + i];
}

void rnn_onednn_weights_from(rnn_cell cell, int H, int K, const float *ldigo, float *w)
{
    int map[4], G = rnn_cell_gates(cell);
    float sign[4];
    gate_map(cell, map, sign);
    for (int i = 0; i < K; i++)
        for (int gd = 0; gd < G; gd++)
            for (int o = 0; o < H; o++)
                w[((size_t)map[gd] * H + o) * K + i] =
                    sign[gd] * ldigo[((size_t)i * G + gd) * H + o];
}

void rnn_onednn_bias_to(rnn_cell cell, int H, const float *b_ih, const float *b_hh, float *ldgo)
{
    int map[4], G = rnn_cell_gates(cell);
    float sign[4];
    gate_map(cell, map, sign);
    for (int gd = 0; gd < G; gd++)
        for (int o = 0; o < H; o++) {
            size_t k = (size_t)map[gd] * H + o;
            float b = cell == RNN_LBR_GRU && gd == 2 ? b_ih[k] : b_ih[k] + b_hh[k];
            ldgo[(size_t)gd * H + o] = sign[gd] * b;
        }
    if (cell == RNN_LBR_GRU)
        for (int o = 0; o < H; o++)
            ldgo[3 * (size_t)H + o] = b_hh[2 * (size_t)H + o];
}

void rnn_onednn_bias_grad_from(rnn_cell cell, int H, const float *ldgo, float *gb_ih,
                               float *gb_hh)
{
    int map[4], G = rnn_cell_gates(cell);
    float sign[4];
    gate_map(cell, map, sign);
    for (int gd = 0; gd < G; gd++)
        for (int o = 0; o < H; o++) {
            size_t k = (size_t)map[gd] * H + o;
            gb_ih[k] = gb_hh[k] = sign[gd] * ldgo[(size_t)gd * H + o];
        }
    if (cell == RNN_LBR_GRU)
        for (int o = 0; o < H; o++)
            gb_hh[2 * (size_t)H + o] = ldgo[3 * (size_t)H + o];
}
