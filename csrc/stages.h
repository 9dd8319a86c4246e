/*
 * stages.h -- the per-stage kernels (private).  Every kernel works on a block
 * of `lanes` frames stored structure-of-arrays: element i of frame l is at
 * buf[i * lanes + l].  The pipeline (pipeline.c) calls them in order for batch
 * and stream alike.
 */
#ifndef FF_STAGES_H
#define FF_STAGES_H
#include "ff_internal.h"

/* ---- frontend.c ---- */
/* Standard normal deviate for (seed, sample index): counter-based, so the
 * dither of a sample never depends on how the signal was chunked. */
float ff_dither_normal(uint64_t seed, int64_t index);
/* Window of cfg->frame_length samples. */
void ff_window_fill(const ff_config *cfg, float *w);
void ff_remove_dc(float *buf, int32_t len, int lanes);
/* acc[l] = sum_i buf[i][l]^2 */
void ff_sum_squares(const float *buf, int32_t len, int lanes, float *acc);
/* In-frame pre-emphasis (Kaldi) and window in one pass:
 * x[i] = (x[i] - c x[i-1]) w[i] for i >= 1, x[0] = (x[0] - c x[0]) w[0]
 * (c == 0: x[i] *= w[i]); then zero buf[len .. n_fft). */
void ff_preemph_window(float *buf, const float *w, int32_t len, int32_t n_fft, int lanes,
                       float coef);
/* The same for a full block of plain frames: lane l's samples at xp[l][0 ..
 * len), transposed into buf (8 x 8 in registers; 16 x 16 on x86-64-v4) with
 * pre-emphasis and window applied on the way: samples read once, written
 * once.  prev0 NULL:
 * in-frame pre-emphasis as above; else signal-scope pre-emphasis, sample 0
 * of lane l using prev0[l] as its predecessor (the signal sample before the
 * frame, or 0 at the signal's start: x - c 0 is x).  Returns 0 (nothing done)
 * without AVX2 or the compiler's vector shuffles. */
int ff_frames_preemph_window(const float *const *xp, const float *prev0, const float *w,
                             int32_t len, int32_t n_fft, float coef, float *buf);
/* spec[k] = (re^2 + im^2)^(power/2) * scale, in place over re; also sums into
 * energy[l] when energy != NULL. */
void ff_spectrum(float *re, const float *im, int32_t n_bins, int lanes, float power,
                 float scale, float *energy);
/* v[i] = log(max(v[i], floor)) in the given base, n values; with
 * FF_FLOOR_ZERO only exact zeros are replaced by floor (v >= 0 here). */
void ff_log_apply(float *v, int64_t n, ff_log mode, float floor, ff_floor_mode fmode);

/* ---- mel.c ---- */
typedef struct {
    int32_t n_mels;
    int32_t *start;   /* first FFT bin of each filter */
    int32_t *len;     /* number of bins it touches (only the non-zero band) */
    int32_t *offset;  /* into weights */
    float *weights;
} ff_melbank;
ff_status ff_melbank_init(ff_melbank *mb, const ff_config *cfg);
void ff_melbank_free(ff_melbank *mb);
/* mel[m][l] = sum_k w_m[k] spec[k][l] */
void ff_melbank_apply(const ff_melbank *mb, const float *spec, int lanes, float *mel);

/* ---- cepstrum.c ---- */
/* DCT-II table with the lifter folded into its rows: n_mfcc x n_mels, then
 * the same values n_mels x n_mfcc (used for single frames). */
ff_status ff_dct_table(const ff_config *cfg, float **table);
/* cep[c][l] = sum_m table[c][m] mel[m][l] */
void ff_dct_apply(const float *table, int32_t n_mfcc, int32_t n_mels,
                  const float *mel, int lanes, float *cep);

/* ---- delta.c ---- */
/* Delta of frame t: rows holds frames [first, last] (at least those within
 * width of t), row i at rows + (i - first) * stride; indices clamp to [0, last].
 * out must not overlap the rows read. */
void ff_delta_row(const float *rows, int64_t first, int64_t stride, int64_t t, int64_t last,
                  int64_t cols, int width, float *out);
#endif
