/* cepstrum.c -- DCT-II with the lifter folded into the table. */
#include <math.h>
#include <stdlib.h>

#include "stages.h"

ff_status ff_dct_table(const ff_config *c, float **table)
{
    const int32_t nc = c->n_mfcc, nm = c->n_mels;
    int32_t k, m;
    /* The table twice: k-major (blocks of frames) then m-major (one frame). */
    float *t = malloc(sizeof(float) * 2 * (size_t)nc * (size_t)nm);
    if (!t) return FF_E_NOMEM;
    for (k = 0; k < nc; k++) {
        /* ortho: scipy.fft.dct(type=2, norm="ortho"); none: 2 sum x cos(...). */
        double scale = c->dct_norm == FF_DCT_ORTHO ? sqrt((k == 0 ? 1.0 : 2.0) / nm) : 2.0;
        if (c->lifter > 0.0f) scale *= 1.0 + 0.5 * c->lifter * sin(FF_PI * k / c->lifter);
        for (m = 0; m < nm; m++) {
            const float v = (float)(scale * cos(FF_PI * k * (2.0 * m + 1.0) / (2.0 * nm)));
            t[(size_t)k * nm + m] = v;
            t[(size_t)nc * nm + (size_t)m * nc + k] = v;
        }
    }
    *table = t;
    return FF_OK;
}

/* Written out in the dispatched function itself: loops inlined from a helper
 * are not vectorised for the wider targets of target_clones (GCC 12). */
FF_HOT void ff_dct_apply(const float *restrict table, int32_t n_mfcc, int32_t n_mels,
                         const float *restrict mel, int lanes, float *restrict cep)
{
    int32_t k, m;
    int l;
    if (lanes == 1) {
        /* One frame: accumulate along k with the m-major copy of the table;
         * each coefficient sees the same additions in the same order (m = 0,
         * 1, ...) as in a block, so results are bit-identical. */
        const float *tt = table + (size_t)n_mfcc * n_mels;
        for (k = 0; k < n_mfcc; k++) cep[k] = 0.0f;
        for (m = 0; m < n_mels; m++) {
            const float v = mel[m];
            const float *col = tt + (size_t)m * n_mfcc;
            for (k = 0; k < n_mfcc; k++) cep[k] += col[k] * v;
        }
        return;
    }
    for (k = 0; k < n_mfcc; k++) {
        float *acc = cep + (size_t)k * lanes;
        const float *row = table + (size_t)k * n_mels;
        for (l = 0; l < lanes; l++) acc[l] = 0.0f;
        for (m = 0; m < n_mels; m++) {
            const float w = row[m];
            const float *v = mel + (size_t)m * lanes;
            for (l = 0; l < lanes; l++) acc[l] += w * v[l];
        }
    }
}
