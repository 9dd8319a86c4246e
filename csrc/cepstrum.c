/* cepstrum.c -- DCT-II with the lifter folded into the table. */
#include <math.h>
#include <stdlib.h>

#include "stages.h"

ff_status ff_dct_table(const ff_config *c, float **table)
{
    const int32_t nc = c->n_mfcc, nm = c->n_mels;
    int32_t k, m;
    float *t = malloc(sizeof(float) * (size_t)nc * (size_t)nm);
    if (!t) return FF_E_NOMEM;
    for (k = 0; k < nc; k++) {
        /* ortho: scipy.fft.dct(type=2, norm="ortho"); none: 2 sum x cos(...). */
        double scale = c->dct_norm == FF_DCT_ORTHO ? sqrt((k == 0 ? 1.0 : 2.0) / nm) : 2.0;
        if (c->lifter > 0.0f) scale *= 1.0 + 0.5 * c->lifter * sin(FF_PI * k / c->lifter);
        for (m = 0; m < nm; m++)
            t[(size_t)k * nm + m] = (float)(scale * cos(FF_PI * k * (2.0 * m + 1.0) / (2.0 * nm)));
    }
    *table = t;
    return FF_OK;
}

/* Written out in the dispatched function itself: loops inlined from a helper
 * are not vectorised for the wider targets of target_clones (GCC 12). */
FF_HOT void ff_dct_apply(const float *table, int32_t n_mfcc, int32_t n_mels,
                         const float *mel, int lanes, float *cep)
{
    int32_t k, m;
    int l;
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
