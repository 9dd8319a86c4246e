/*
 * mel.c -- sparse triangular mel filterbanks.
 *
 * n_mels + 2 points are spaced evenly on the mel scale between fmin and fmax;
 * filter m rises from point m to point m+1 and falls to point m+2.  Where the
 * triangle is linear depends on the convention (ff_mel_triangles):
 *   FF_TRI_MEL  linear in mel (Kaldi, HTK): weight of bin k from mel(f_k);
 *   FF_TRI_HZ   linear in Hz between the points (librosa.filters.mel);
 *   FF_TRI_BIN  points rounded down to FFT bins, floor((n_fft+1) f / sr),
 *               linear in bin index (python_speech_features);
 *   FF_TRI_HZ_SYMMETRIC  linear in Hz, centred on point m+1 and as wide on
 *               both sides as from point m to point m+1, so it falls to
 *               2 hz[m+1] - hz[m], not to point m+2 (SpeechBrain's Filterbank).
 * With vtln_warp != 1 every point is first moved by Kaldi's piecewise-linear
 * VTLN warp (MelBanks::VtlnWarpFreq), applied to its frequency in Hz.
 * mel_norm 'slaney' scales filter m by 2 / (hz[m+2] - hz[m]); mel_pnorm p > 0
 * divides it by its p-norm over the bins (librosa norm=p).  mel_first_bin
 * 'htk' zeroes the bins below (int)(fmin / bin_width + 1.5) (HTK's klo; the
 * start_index_ of TensorFlow's MfccMelFilterbank).
 * Only the non-zero band of each filter is stored and applied.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stages.h"

static double hz_to_mel(double f, ff_mel_scale s)
{
    if (s == FF_MEL_HTK) return 2595.0 * log10(1.0 + f / 700.0);
    /* Slaney: linear below 1 kHz (200/3 Hz per mel), logarithmic above. */
    if (f < 1000.0) return f / (200.0 / 3.0);
    return 15.0 + log(f / 1000.0) / (log(6.4) / 27.0);
}

static double mel_to_hz(double m, ff_mel_scale s)
{
    if (s == FF_MEL_HTK) return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
    if (m < 15.0) return m * (200.0 / 3.0);
    return 1000.0 * exp((log(6.4) / 27.0) * (m - 15.0));
}

/* Kaldi's VtlnWarpFreq: frequencies in [fmin, fmax] are scaled by 1/warp
 * between the inflection points l = low max(1, warp), h = high min(1, warp)
 * and joined linearly to the unchanged ends fmin and fmax outside them. */
static double vtln_warp_hz(const ff_config *c, double f)
{
    const double w = c->vtln_warp, lo = c->fmin, hi = c->fmax;
    const double l = c->vtln_low * (w > 1.0 ? w : 1.0), h = c->vtln_high * (w < 1.0 ? w : 1.0);
    if (f < lo || f > hi) return f;
    if (f < l) return lo + (l / w - lo) / (l - lo) * (f - lo);
    if (f < h) return f / w;
    return hi + (hi - h / w) / (hi - h) * (f - hi);
}

void ff_melbank_free(ff_melbank *mb)
{
    free(mb->start);
    free(mb->len);
    free(mb->offset);
    free(mb->weights);
    memset(mb, 0, sizeof *mb);
}

/* Dense weight of filter m at FFT bin k (double), per the convention. */
static double weight(const ff_config *c, const double *mel_pts, const double *hz_pts,
                     const double *bin_pts, int32_t m, int32_t k)
{
    const double f = (double)k * c->sample_rate / c->n_fft;
    double lo, ce, hi, x, up, down;
    /* (int)(1.5 + fmin / bin_width) as TensorFlow computes it, compared in double (no int overflow) */
    if (c->mel_first_bin == FF_FIRSTBIN_HTK && (double)k < floor(1.5 + c->fmin / ((double)c->sample_rate / c->n_fft)))
        return 0.0;
    switch (c->mel_triangles) {
    case FF_TRI_MEL:
        x = hz_to_mel(f, c->mel_scale);
        lo = mel_pts[m]; ce = mel_pts[m + 1]; hi = mel_pts[m + 2];
        break;
    case FF_TRI_HZ:
        x = f;
        lo = hz_pts[m]; ce = hz_pts[m + 1]; hi = hz_pts[m + 2];
        break;
    case FF_TRI_HZ_SYMMETRIC:
        x = f;
        lo = hz_pts[m]; ce = hz_pts[m + 1]; hi = 2.0 * ce - lo;
        break;
    default: /* FF_TRI_BIN: psf's loops, [lo, ce) rising, [ce, hi) falling */
        x = (double)k;
        lo = bin_pts[m]; ce = bin_pts[m + 1]; hi = bin_pts[m + 2];
        if (x >= lo && x < ce) return (x - lo) / (ce - lo);
        if (x >= ce && x < hi) return (hi - x) / (hi - ce);
        return 0.0;
    }
    up = ce > lo ? (x - lo) / (ce - lo) : -1.0;
    down = hi > ce ? (hi - x) / (hi - ce) : -1.0;
    x = up < down ? up : down;
    return x > 0.0 ? x : 0.0;
}

/* librosa.util.normalize(norm=p) of one filter's float32 weights: the p-norm
 * in double; a filter whose norm is below FLT_MIN is left as it is. */
static void pnormalize(float *w, int32_t len, double p)
{
    double sum = 0.0, length;
    int32_t k;
    for (k = 0; k < len; k++) sum += pow(fabs((double)w[k]), p);
    length = pow(sum, 1.0 / p);
    if (!(length >= 1.17549435e-38)) return;
    for (k = 0; k < len; k++) w[k] = (float)((double)w[k] / length);
}

ff_status ff_melbank_init(ff_melbank *mb, const ff_config *c)
{
    const int32_t n = c->n_mels, n_bins = c->n_fft / 2 + 1;
    double *pts = NULL;
    double mlo, mhi, step;
    int32_t m, k, total = 0;
    ff_status st = FF_E_NOMEM;

    memset(mb, 0, sizeof *mb);
    mb->n_mels = n;
    pts = malloc(sizeof(double) * 3 * (size_t)(n + 2));
    mb->start = malloc(sizeof(int32_t) * (size_t)n);
    mb->len = malloc(sizeof(int32_t) * (size_t)n);
    mb->offset = malloc(sizeof(int32_t) * (size_t)n);
    if (!pts || !mb->start || !mb->len || !mb->offset) goto done;

    /* Points: mel (linspace as numpy computes it), Hz, and FFT bins (psf). */
    mlo = hz_to_mel(c->fmin, c->mel_scale);
    mhi = hz_to_mel(c->fmax, c->mel_scale);
    step = (mhi - mlo) / (n + 1);
    for (m = 0; m < n + 2; m++) {
        double *mel = pts, *hz = pts + (n + 2), *bin = pts + 2 * (n + 2);
        double f;
        mel[m] = m == n + 1 ? mhi : m * step + mlo;
        f = mel_to_hz(mel[m], c->mel_scale);
        if (c->vtln_warp != 1.0) {
            f = vtln_warp_hz(c, f);
            mel[m] = hz_to_mel(f, c->mel_scale);
        }
        hz[m] = f;
        if (m == 0) hz[m] = c->fmin;
        if (m == n + 1) hz[m] = c->fmax;
        bin[m] = floor((c->n_fft + 1) * f / c->sample_rate);
    }

    /* Two passes: count the non-zero bands, then fill them. */
    for (m = 0; m < n; m++) {
        int32_t first = -1, last = -1;
        for (k = 0; k < n_bins; k++) {
            if (weight(c, pts, pts + (n + 2), pts + 2 * (n + 2), m, k) != 0.0) {
                if (first < 0) first = k;
                last = k;
            }
        }
        mb->start[m] = first < 0 ? 0 : first;
        mb->len[m] = first < 0 ? 0 : last - first + 1;
        mb->offset[m] = total;
        total += mb->len[m];
    }
    mb->weights = malloc(sizeof(float) * (size_t)(total > 0 ? total : 1));
    if (!mb->weights) goto done;
    for (m = 0; m < n; m++) {
        double norm = 1.0;
        if (c->mel_norm == FF_MELNORM_SLANEY) {
            const double *hz = pts + (n + 2);
            norm = 2.0 / (hz[m + 2] - hz[m]);
        }
        for (k = 0; k < mb->len[m]; k++)
            mb->weights[mb->offset[m] + k] = (float)(
                norm * weight(c, pts, pts + (n + 2), pts + 2 * (n + 2), m, mb->start[m] + k));
        if (c->mel_pnorm > 0.0) pnormalize(mb->weights + mb->offset[m], mb->len[m], c->mel_pnorm);
    }
    st = FF_OK;
done:
    free(pts);
    if (st != FF_OK) ff_melbank_free(mb);
    return st;
}

/* Written out in the dispatched function itself: loops inlined from a helper
 * are not vectorised for the wider targets of target_clones (GCC 12). */
FF_HOT void ff_melbank_apply(const ff_melbank *mb, const float *restrict spec, int lanes,
                             float *restrict mel)
{
    int32_t m, j;
    int l;
    if (lanes == 1) { /* one frame: a short dot product per filter, same order */
        for (m = 0; m < mb->n_mels; m++) {
            const float *w = mb->weights + mb->offset[m];
            const float *p = spec + mb->start[m];
            float acc = 0.0f;
            for (j = 0; j < mb->len[m]; j++) acc += w[j] * p[j];
            mel[m] = acc;
        }
        return;
    }
#ifdef FF_V8
    if (lanes == FF_LANES) { /* a full block: the accumulators stay in registers */
        for (m = 0; m < mb->n_mels; m++) {
            const float *w = mb->weights + mb->offset[m];
            const float *p = spec + (size_t)mb->start[m] * FF_LANES;
            ff_v8 a0 = {0.0f}, a1 = {0.0f};
            for (j = 0; j < mb->len[m]; j++, p += FF_LANES) {
                a0 += w[j] * FF_V8_CAT(p);
                a1 += w[j] * FF_V8_CAT(p + 8);
            }
            FF_V8_AT(mel + (size_t)m * FF_LANES) = a0;
            FF_V8_AT(mel + (size_t)m * FF_LANES + 8) = a1;
        }
        return;
    }
#endif
    for (m = 0; m < mb->n_mels; m++) {
        float *o = mel + (size_t)m * lanes;
        const float *w = mb->weights + mb->offset[m];
        const float *p = spec + (size_t)mb->start[m] * lanes;
        for (l = 0; l < lanes; l++) o[l] = 0.0f;
        for (j = 0; j < mb->len[m]; j++) {
            const float wj = w[j];
            const float *pj = p + (size_t)j * lanes;
            for (l = 0; l < lanes; l++) o[l] += wj * pj[l];
        }
    }
}
