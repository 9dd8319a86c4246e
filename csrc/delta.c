/* delta.c -- delta regression along time (HTK, python_speech_features). */
#include <stdlib.h>

#include "stages.h"

/* out never overlaps the rows read (other columns, or another buffer), hence
 * restrict: the column loop then vectorises.  One pass over the columns, the
 * sum over k kept in a register; each value sees the same operations in the
 * same order on every path (0 + 1 (a1 - b1) + 2 (a2 - b2) ..., times inv).
 * The default width 2 gets a loop of constant inner length. */
#define DELTA_COLS(W)                                                          \
    for (c = 0; c < cols; c++) {                                               \
        float acc = 0.0f;                                                      \
        for (k = 1; k <= (W); k++) acc += (float)k * (a[k][c] - b[k][c]);      \
        out[c] = acc * inv;                                                    \
    }

FF_HOT void ff_delta_row(const float *restrict rows, int64_t first, int64_t stride, int64_t t,
                         int64_t last, int64_t cols, int width, float *restrict out)
{
    const float *a[FF_MAX_DELTA_WIDTH + 1], *b[FF_MAX_DELTA_WIDTH + 1];
    float denom = 0.0f, inv;
    int64_t c;
    int k;
    for (k = 1; k <= width; k++) {
        const int64_t tp = t + k < last ? t + k : last;
        const int64_t tm = t - k >= 0 ? t - k : 0;
        a[k] = rows + (tp - first) * stride;
        b[k] = rows + (tm - first) * stride;
        denom += (float)(k * k);
    }
    inv = 1.0f / (2.0f * denom);
    if (width == 2) {
        DELTA_COLS(2)
    } else {
        DELTA_COLS(width)
    }
}
#undef DELTA_COLS

ff_status ff_delta(const float *in, int64_t rows, int64_t cols, int64_t in_stride,
                   int order, int width, float *out, int64_t out_stride, float *scratch)
{
    const float *src = in;
    int64_t src_stride = in_stride, t;
    if (!in || !out || rows < 0 || cols < 0 || in_stride < cols || out_stride < cols)
        return FF_E_ARG;
    if (order < 1 || order > 2 || width < 1 || width > FF_MAX_DELTA_WIDTH) return FF_E_ARG;
    if (rows == 0 || cols == 0) return FF_OK;
    if (order == 2) {
        if (!scratch) return FF_E_ARG;
        for (t = 0; t < rows; t++)
            ff_delta_row(in, 0, in_stride, t, rows - 1, cols, width, scratch + t * cols);
        src = scratch;
        src_stride = cols;
    }
    for (t = 0; t < rows; t++)
        ff_delta_row(src, 0, src_stride, t, rows - 1, cols, width, out + t * out_stride);
    return FF_OK;
}
