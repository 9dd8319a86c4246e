/* cepstrum.c -- DCT (types 1-3, as scipy.fft.dct) with the lifter folded into the table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stages.h"

/* Entry (k, m) of the DCT matrix, as scipy.fft.dct(x, type, norm)[k] is
 * sum_m entry(k, m) x[m] (N = n_mels):
 *   type 2: 2 cos(pi k (2m + 1) / 2N); ortho: times sqrt(1/4N), sqrt(1/2N) for k > 0;
 *           htk: sqrt(2/N) cos(...) for every k (HTK, TensorFlow's dct * rsqrt(2N))
 *   type 3: (m == 0 ? 1 : 2 cos(pi (2k + 1) m / 2N)); ortho: x[0] / sqrt(N),
 *           sqrt(2/N) cos(...) otherwise
 *   type 1: (m == 0 or N-1 ? 1 : 2) cos(pi k m / (N - 1)) (x[N-1] term (-1)^k);
 *           ortho: x[0], x[N-1] times sqrt 2, y[0], y[N-1] times 1/sqrt 2,
 *           all times 1/sqrt(2 (N - 1)).
 * Row k is multiplied by the lifter weight lift (1 when there is none). */
static double dct_entry(const ff_config *c, int32_t k, int32_t m, double lift)
{
    const int32_t nm = c->n_mels;
    const int ortho = c->dct_norm == FF_DCT_ORTHO;
    if (c->dct_type == 3) {
        if (m == 0) return (ortho ? sqrt(1.0 / nm) : 1.0) * lift;
        return ((ortho ? sqrt(2.0 / nm) : 2.0) * lift) * cos(FF_PI * (2.0 * k + 1.0) * m / (2.0 * nm));
    }
    if (c->dct_type == 1) {
        const int edge_m = m == 0 || m == nm - 1, edge_k = k == 0 || k == nm - 1;
        double v = (edge_m ? 1.0 : 2.0) * cos(FF_PI * (double)k * m / (nm - 1.0));
        if (ortho) v *= (edge_m ? sqrt(2.0) : 1.0) * (edge_k ? sqrt(0.5) : 1.0) / sqrt(2.0 * (nm - 1.0));
        return v * lift;
    }
    /* ortho: scipy.fft.dct(type=2, norm="ortho"); none: 2 sum x cos(...); htk: sqrt(2/N) sum. */
    if (c->dct_norm == FF_DCT_HTK) return (sqrt(2.0 / nm) * lift) * cos(FF_PI * k * (2.0 * m + 1.0) / (2.0 * nm));
    return ((ortho ? sqrt((k == 0 ? 1.0 : 2.0) / nm) : 2.0) * lift) *
           cos(FF_PI * k * (2.0 * m + 1.0) / (2.0 * nm));
}

ff_status ff_dct_table(const ff_config *c, float **table)
{
    const int32_t nc = c->n_mfcc, nm = c->n_mels;
    int32_t k, m;
    /* The table twice: k-major (blocks of frames) then m-major (one frame). */
    float *t = malloc(sizeof(float) * 2 * (size_t)nc * (size_t)nm);
    if (!t) return FF_E_NOMEM;
    for (k = 0; k < nc; k++) {
        const double lift = c->lifter > 0.0f ? 1.0 + 0.5 * c->lifter * sin(FF_PI * k / c->lifter) : 1.0;
        for (m = 0; m < nm; m++) {
            const float v = (float)dct_entry(c, k, m, lift);
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
#ifdef FF_V8
        if (n_mfcc <= 16) {
            /* All coefficients in two 8-float registers: lanes k >= n_mfcc
             * read the next column (or zeros past the end of the table) and
             * are dropped. */
            ff_v8 a = {0.0f}, b = {0.0f};
            float pad[16] = {0.0f}, res[16];
            for (m = 0; m < n_mels; m++) {
                const float v = mel[m];
                const float *col = tt + (size_t)m * n_mfcc;
                if ((size_t)(n_mels - m) * n_mfcc < 16) { /* would read past the table */
                    memcpy(pad, col, sizeof(float) * (size_t)n_mfcc);
                    col = pad;
                }
                a += FF_V8_CAT(col) * v;
                b += FF_V8_CAT(col + 8) * v;
            }
            FF_V8_AT(res) = a;
            FF_V8_AT(res + 8) = b;
            memcpy(cep, res, sizeof(float) * (size_t)n_mfcc);
            return;
        }
#endif
        for (k = 0; k < n_mfcc; k++) cep[k] = 0.0f;
        for (m = 0; m < n_mels; m++) {
            const float v = mel[m];
            const float *col = tt + (size_t)m * n_mfcc;
            for (k = 0; k < n_mfcc; k++) cep[k] += col[k] * v;
        }
        return;
    }
#ifdef FF_V8
    if (lanes == FF_LANES) {
        /* A full block: four coefficients at a time, their 16-lane
         * accumulators in registers, each mel row loaded once per four. */
        for (k = 0; k + 4 <= n_mfcc; k += 4) {
            const float *r0 = table + (size_t)k * n_mels, *r1 = r0 + n_mels;
            const float *r2 = r1 + n_mels, *r3 = r2 + n_mels;
            ff_v8 a0 = {0.0f}, b0 = {0.0f}, a1 = {0.0f}, b1 = {0.0f};
            ff_v8 a2 = {0.0f}, b2 = {0.0f}, a3 = {0.0f}, b3 = {0.0f};
            float *o = cep + (size_t)k * FF_LANES;
            for (m = 0; m < n_mels; m++) {
                const ff_v8 va = FF_V8_CAT(mel + (size_t)m * FF_LANES);
                const ff_v8 vb = FF_V8_CAT(mel + (size_t)m * FF_LANES + 8);
                a0 += r0[m] * va; b0 += r0[m] * vb;
                a1 += r1[m] * va; b1 += r1[m] * vb;
                a2 += r2[m] * va; b2 += r2[m] * vb;
                a3 += r3[m] * va; b3 += r3[m] * vb;
            }
            FF_V8_AT(o) = a0; FF_V8_AT(o + 8) = b0;
            FF_V8_AT(o + 16) = a1; FF_V8_AT(o + 24) = b1;
            FF_V8_AT(o + 32) = a2; FF_V8_AT(o + 40) = b2;
            FF_V8_AT(o + 48) = a3; FF_V8_AT(o + 56) = b3;
        }
        for (; k < n_mfcc; k++) {
            const float *r = table + (size_t)k * n_mels;
            ff_v8 a = {0.0f}, b = {0.0f};
            for (m = 0; m < n_mels; m++) {
                a += r[m] * FF_V8_CAT(mel + (size_t)m * FF_LANES);
                b += r[m] * FF_V8_CAT(mel + (size_t)m * FF_LANES + 8);
            }
            FF_V8_AT(cep + (size_t)k * FF_LANES) = a;
            FF_V8_AT(cep + (size_t)k * FF_LANES + 8) = b;
        }
        return;
    }
#endif
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
