/* pipeline.h -- the fused per-block pipeline shared by batch and stream (private). */
#ifndef FF_PIPELINE_H
#define FF_PIPELINE_H
#include "fft.h"
#include "stages.h"

/* Where a block's samples come from. */
typedef struct {
    const float *x;      /* samples of signal indices [x0, x0 + xlen) */
    int64_t x0, xlen;
    int64_t total;       /* signal length used by the edge rules */
} ff_source;

/* One lane of a block: frame `frame` of the signal `src` (lanes of one block
 * may come from different signals, e.g. different streams of a pool). */
typedef struct {
    const ff_source *src;
    int64_t frame;
} ff_lane;

struct ff_extractor {
    ff_config cfg;
    int32_t n_bins;      /* n_fft / 2 + 1 */
    int32_t n_spec;      /* spectral columns: n_mfcc, n_mels or n_bins */
    int32_t n_static;    /* n_spec + appended energy */
    int32_t n_feat;      /* n_static * (1 + deltas) */
    float spec_scale;    /* 1 or 1 / n_fft */
    float *window;
    ff_rfft *fft;
    ff_melbank mel;
    float *dct;          /* ff_dct_table: both layouts, lifter folded in */
};

struct ff_workspace {
    const ff_extractor *ext;
    void *mem;
    float *frame;        /* n_fft x FF_LANES */
    float *re, *im;      /* n_bins x FF_LANES; re becomes the spectrum */
    float *mel;          /* n_mels x FF_LANES */
    float *cep;          /* n_mfcc x FF_LANES */
    float *fft_scratch;
    float energy[FF_LANES];
    int width;           /* lanes of the block the last front computed (the
                          * layout of its spectral values and energy) */
};

/* Frames f0 .. f0+lanes-1 (lanes <= FF_LANES) up to the log: leaves the
 * logged spectral values in the returned buffer (n_spec_pre x lanes, where
 * n_spec_pre is n_mels, or n_bins for kind power) and the logged energy in
 * ws->energy. */
float *ff_block_front(const ff_extractor *e, ff_workspace *ws, const ff_source *src,
                      int64_t f0, int lanes);
/* The same for lanes <= FF_LANES frames given one by one. */
float *ff_block_front_lanes(const ff_extractor *e, ff_workspace *ws, const ff_lane *ln, int lanes);
/* The log affine (with affine; Whisper's (x + 4) / 4), DCT (mfcc), energy,
 * and the rows out[l * stride + c] for l < lanes, of the block the last front
 * call computed (ws->width >= lanes lanes). */
void ff_block_back(const ff_extractor *e, ff_workspace *ws, float *spec, int lanes,
                   float *out, int64_t stride, int affine);
/* Index of the first NaN/Inf in x, or -1. */
int64_t ff_first_nonfinite(const float *x, int64_t n);
/* Number of spectral values per frame before the DCT. */
int32_t ff_pre_dct_width(const ff_extractor *e);
#endif
