/*
 * pipeline.c -- the extractor (immutable tables), per-thread workspaces and
 * the fused block pipeline: a block of up to FF_LANES frames goes from samples
 * to cepstrum while it stays in cache.  ff_extract runs it over a whole
 * signal; stream.c runs the same blocks over a stream's remainder.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "frame.h"
#include "pipeline.h"

/* ---- extractor --------------------------------------------------------- */

void ff_extractor_free(ff_extractor *e)
{
    if (!e) return;
    free(e->window);
    ff_rfft_free(e->fft);
    ff_melbank_free(&e->mel);
    free(e->dct);
    free(e);
}

ff_status ff_extractor_new(const ff_config *cfg, ff_extractor **out)
{
    ff_extractor *e;
    ff_status st;
    if (!out) return FF_E_ARG;
    *out = NULL;
    st = ff_config_check(cfg, NULL);
    if (st != FF_OK) return st;
    e = calloc(1, sizeof *e);
    if (!e) return FF_E_NOMEM;
    e->cfg = *cfg;
    e->n_bins = cfg->n_fft / 2 + 1;
    e->n_spec = cfg->kind == FF_KIND_MFCC ? cfg->n_mfcc
              : cfg->kind == FF_KIND_LOGMEL ? cfg->n_mels : e->n_bins;
    e->n_static = ff_num_static(cfg);
    e->n_feat = ff_num_features(cfg);
    e->spec_scale = cfg->spectrum_norm == FF_SPECNORM_NFFT ? 1.0f / (float)cfg->n_fft : 1.0f;
    e->window = malloc(sizeof(float) * (size_t)cfg->frame_length);
    if (!e->window) { st = FF_E_NOMEM; goto fail; }
    ff_window_fill(cfg, e->window);
    st = ff_rfft_new(cfg->n_fft, &e->fft);
    if (st != FF_OK) goto fail;
    if (cfg->kind != FF_KIND_POWER) {
        st = ff_melbank_init(&e->mel, cfg);
        if (st != FF_OK) goto fail;
    }
    if (cfg->kind == FF_KIND_MFCC) {
        st = ff_dct_table(cfg, &e->dct);
        if (st != FF_OK) goto fail;
    }
    *out = e;
    return FF_OK;
fail:
    ff_extractor_free(e);
    return st;
}

const ff_config *ff_extractor_config(const ff_extractor *e) { return e ? &e->cfg : NULL; }

int32_t ff_pre_dct_width(const ff_extractor *e)
{
    return e->cfg.kind == FF_KIND_POWER ? e->n_bins : e->cfg.n_mels;
}

/* ---- workspace ----------------------------------------------------------- */

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; } /* 64-byte multiples */

ff_status ff_workspace_new(const ff_extractor *e, ff_workspace **out)
{
    ff_workspace *w;
    size_t n_frame, n_bins, n_mel, n_cep, n_scr, total;
    float *p;
    if (!e || !out) return FF_E_ARG;
    *out = NULL;
    w = calloc(1, sizeof *w);
    if (!w) return FF_E_NOMEM;
    n_frame = round16((size_t)e->cfg.n_fft * FF_LANES);
    n_bins = round16((size_t)e->n_bins * FF_LANES);
    n_mel = round16((size_t)e->cfg.n_mels * FF_LANES);
    n_cep = round16((size_t)e->cfg.n_mfcc * FF_LANES);
    n_scr = round16(ff_rfft_scratch_floats(e->fft, FF_LANES));
    total = n_frame + 2 * n_bins + n_mel + n_cep + n_scr + 16;
    w->mem = malloc(sizeof(float) * total);
    if (!w->mem) { free(w); return FF_E_NOMEM; }
    p = (float *)w->mem;
    p += (16 - ((uintptr_t)p / sizeof(float)) % 16) % 16; /* align to 64 bytes */
    w->frame = p; p += n_frame;
    w->re = p; p += n_bins;
    w->im = p; p += n_bins;
    w->mel = p; p += n_mel;
    w->cep = p; p += n_cep;
    w->fft_scratch = p;
    w->ext = e;
    *out = w;
    return FF_OK;
}

void ff_workspace_free(ff_workspace *w)
{
    if (!w) return;
    free(w->mem);
    free(w);
}

/* ---- gathering samples --------------------------------------------------- */

static inline float src_at(const ff_source *s, int64_t m)
{
    if (m >= s->x0 && m < s->x0 + s->xlen) return s->x[m - s->x0];
    return 0.0f; /* unreachable: callers only ask for samples they hold */
}

/* Signal sample m after dither. */
static inline float dithered(const ff_config *c, const ff_source *s, int64_t m)
{
    float v = src_at(s, m);
    if (c->dither > 0.0f) v += c->dither * ff_dither_normal(c->seed, m);
    return v;
}

/* Whether pre-emphasis runs over the signal (psf, NeMo) rather than per frame. */
static int signal_preemph(const ff_config *c)
{
    return c->preemphasis_scope == FF_PREEMPH_SIGNAL && c->preemphasis != 0.0f;
}

/* Value at signal index r after edge mapping and signal-scope pre-emphasis. */
static float value_at(const ff_config *c, const ff_source *s, int64_t r)
{
    const int64_t m = ff_map_index(c, r, s->total);
    float v;
    if (m < 0) return 0.0f;
    v = dithered(c, s, m);
    if (signal_preemph(c) && m > 0)
        v -= c->preemphasis * dithered(c, s, m - 1);
    return v;
}

/* buf[i * lanes + l] = xp[l][i] for i < len, l < lanes: a transpose, in
 * 4 x 4 tiles with SSE2 (every x86-64 has it) and element by element
 * elsewhere.  A copy, so the values do not depend on the path. */
static void transpose_in(const float *const *xp, int lanes, int32_t len, float *buf)
{
    int l = 0;
    int32_t i;
    if (lanes == 1) { /* one frame (a stream) */
        memcpy(buf, xp[0], sizeof(float) * (size_t)len);
        return;
    }
#if defined(__SSE2__)
    for (; l + 4 <= lanes; l += 4) {
        const float *x0 = xp[l], *x1 = xp[l + 1], *x2 = xp[l + 2], *x3 = xp[l + 3];
        for (i = 0; i + 4 <= len; i += 4) {
            __m128 r0 = _mm_loadu_ps(x0 + i), r1 = _mm_loadu_ps(x1 + i);
            __m128 r2 = _mm_loadu_ps(x2 + i), r3 = _mm_loadu_ps(x3 + i);
            float *o = buf + (size_t)i * lanes + l;
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(o, r0);
            _mm_storeu_ps(o + lanes, r1);
            _mm_storeu_ps(o + 2 * (size_t)lanes, r2);
            _mm_storeu_ps(o + 3 * (size_t)lanes, r3);
        }
        for (; i < len; i++) {
            float *o = buf + (size_t)i * lanes + l;
            o[0] = x0[i]; o[1] = x1[i]; o[2] = x2[i]; o[3] = x3[i];
        }
    }
#endif
    for (; l < lanes; l++)
        for (i = 0; i < len; i++) buf[(size_t)i * lanes + l] = xp[l][i];
}

/* Signal-scope pre-emphasis of one plain lane into buf (rows `lanes` apart):
 * buf[i] = x[i] - coef x[i-1], with x[-1] = prev (0 at the signal's start,
 * where x - coef 0 is x: the sample itself, as value_at gives it). */
static void preemph_lane(const float *x, float prev, float coef, int32_t len, int lanes,
                         float *buf)
{
    int32_t i;
    buf[0] = x[0] - coef * prev;
    for (i = 1; i < len; i++) buf[(size_t)i * lanes] = x[i] - coef * x[i - 1];
}

/* The plain lanes (xp[l] != NULL) into buf, rows `lanes` apart: copied, or
 * with signal-scope pre-emphasis from prev0[l]. */
static void plain_lanes(const ff_config *c, const float *const *xp, const float *prev0,
                        int lanes, float *buf)
{
    const int32_t len = c->frame_length;
    int32_t i;
    int l;
    for (l = 0; l < lanes; l++) {
        if (!xp[l]) continue;
        if (signal_preemph(c))
            preemph_lane(xp[l], prev0[l], c->preemphasis, len, lanes, buf + l);
        else
            for (i = 0; i < len; i++) buf[(size_t)i * lanes + l] = xp[l][i];
    }
}

/* Frames of the lanes into buf (signal-scope pre-emphasis applied), except
 * when every lane is a plain slice of its signal: then returns 1 with xp[l]
 * pointing at them and prev0[l] the sample before each (0 at the signal's
 * start or without signal-scope pre-emphasis), nothing copied. */
static int gather(const ff_config *c, const ff_lane *ln, int lanes, float *buf,
                  const float **xp, float *prev0)
{
    const int32_t len = c->frame_length;
    const int signal_pre = signal_preemph(c);
    int l, all_plain = 1;
    int32_t i;
    for (l = 0; l < lanes; l++) {
        const ff_source *s = ln[l].src;
        const int64_t start = ff_frame_start(c, ln[l].frame);
        const int64_t need_lo = signal_pre && start > 0 ? start - 1 : start;
        const int fast = c->dither == 0.0f && start >= 0 && start + len <= s->total &&
                         need_lo >= s->x0 && start + len <= s->x0 + s->xlen;
        xp[l] = NULL;
        if (fast) {
            xp[l] = s->x + (start - s->x0);
            prev0[l] = signal_pre && start > 0 ? xp[l][-1] : 0.0f;
        } else {
            all_plain = 0;
            for (i = 0; i < len; i++) buf[(size_t)i * lanes + l] = value_at(c, s, start + i);
        }
    }
    if (all_plain) return 1;
    plain_lanes(c, xp, prev0, lanes, buf);
    return 0;
}

/* ---- the block pipeline -------------------------------------------------- */

/* Samples to windowed, zero-padded frames in w->frame; raw or windowed
 * energy (linear) in w->energy. */
static void block_frames(const ff_extractor *e, ff_workspace *w, const ff_lane *ln, int lanes)
{
    const ff_config *c = &e->cfg;
    const int want_energy = c->energy != FF_ENERGY_NONE;
    const int raw_energy = want_energy && c->energy_source == FF_ESRC_RAW;
    const float coef = c->preemphasis_scope == FF_PREEMPH_FRAME ? c->preemphasis : 0.0f;
    const int signal_pre = signal_preemph(c);
    const float *xp[FF_LANES];
    float prev0[FF_LANES];
    int done = 0;
    if (gather(c, ln, lanes, w->frame, xp, prev0)) {
        /* plain frames: a full block goes through the fused transpose, which
         * also does signal-scope pre-emphasis (from each frame's prev0) */
        if (lanes == FF_LANES && !c->remove_dc && !raw_energy)
            done = ff_frames_preemph_window(xp, signal_pre ? prev0 : NULL, e->window,
                                            c->frame_length, c->n_fft,
                                            signal_pre ? c->preemphasis : coef, w->frame);
        if (!done && signal_pre)
            plain_lanes(c, xp, prev0, lanes, w->frame);
        else if (!done)
            transpose_in(xp, lanes, c->frame_length, w->frame);
    }
    if (!done) {
        if (c->remove_dc) ff_remove_dc(w->frame, c->frame_length, lanes);
        if (raw_energy) ff_sum_squares(w->frame, c->frame_length, lanes, w->energy);
        ff_preemph_window(w->frame, e->window, c->frame_length, c->n_fft, lanes, coef);
    }
    if (want_energy && c->energy_source == FF_ESRC_WINDOWED)
        ff_sum_squares(w->frame, c->frame_length, lanes, w->energy);
}

/* Whether the FFT computes the power spectrum itself (ff_rfft_power): power
 * 2 and no spectral energy, which needs ff_spectrum's sum. */
static int fused_power(const ff_config *c)
{
    return c->power == 2.0f &&
           !(c->energy != FF_ENERGY_NONE && c->energy_source == FF_ESRC_SPECTRUM);
}

/* FFT bins in w->re / w->im (or, when have_power, the power spectrum in
 * w->re) to logged mel (or power) values; returns them. */
static float *block_spectrum(const ff_extractor *e, ff_workspace *w, int lanes, int have_power)
{
    const ff_config *c = &e->cfg;
    const int want_energy = c->energy != FF_ENERGY_NONE;
    float *spec;
    int32_t n_spec;
    if (!have_power)
        ff_spectrum(w->re, w->im, e->n_bins, lanes, c->power, e->spec_scale,
                    want_energy && c->energy_source == FF_ESRC_SPECTRUM ? w->energy : NULL);
    if (c->kind == FF_KIND_POWER) {
        spec = w->re;
        n_spec = e->n_bins;
    } else {
        ff_melbank_apply(&e->mel, w->re, lanes, w->mel);
        spec = w->mel;
        n_spec = c->n_mels;
    }
    ff_log_apply(spec, (int64_t)n_spec * lanes, c->log, c->log_floor, c->log_floor_mode);
    if (want_energy) ff_log_apply(w->energy, lanes, c->log, c->log_floor, c->log_floor_mode);
    return spec;
}

/* Lanes for frames f0 .. f0+lanes-1 of one source. */
static void consecutive(const ff_source *src, int64_t f0, int lanes, ff_lane *ln)
{
    int l;
    for (l = 0; l < lanes; l++) {
        ln[l].src = src;
        ln[l].frame = f0 + l;
    }
}

float *ff_block_front_lanes(const ff_extractor *e, ff_workspace *w, const ff_lane *ln, int lanes)
{
    ff_lane pad[FF_LANES];
    if (lanes > 1 && lanes < FF_LANES) {
        /* 2 .. 15 lanes: a full block whose extra lanes repeat the last frame.
         * The kernels' constant-FF_LANES loops cost less than their
         * runtime-lane ones on 2 lanes (C: 2.9 against 4.5 us per block). */
        int l;
        for (l = 0; l < FF_LANES; l++) pad[l] = ln[l < lanes ? l : lanes - 1];
        ln = pad;
        lanes = FF_LANES;
    }
    w->width = lanes;
    block_frames(e, w, ln, lanes);
    if (fused_power(&e->cfg)) {
        ff_rfft_power(e->fft, lanes, w->frame, w->re, w->im, w->fft_scratch, e->spec_scale);
        return block_spectrum(e, w, lanes, 1);
    }
    ff_rfft_forward(e->fft, lanes, w->frame, w->re, w->im, w->fft_scratch);
    return block_spectrum(e, w, lanes, 0);
}

float *ff_block_front(const ff_extractor *e, ff_workspace *w, const ff_source *src,
                      int64_t f0, int lanes)
{
    ff_lane ln[FF_LANES];
    consecutive(src, f0, lanes, ln);
    return ff_block_front_lanes(e, w, ln, lanes);
}

/* Whisper's (x + 4) / 4 on n logged values: (x + log_offset) * log_scale. */
static void log_affine(const ff_config *c, float *x, int64_t n)
{
    int64_t i;
    if (c->log_offset == 0.0f && c->log_scale == 1.0f) return;
    for (i = 0; i < n; i++) x[i] = (x[i] + c->log_offset) * c->log_scale;
}

void ff_block_back(const ff_extractor *e, ff_workspace *w, float *spec, int lanes,
                   float *out, int64_t stride, int affine)
{
    const ff_config *c = &e->cfg;
    const float *cols = spec;
    const int width = w->width; /* the block's lanes; rows are written for `lanes` */
    int32_t n = e->n_spec, k;
    int l;
    if (affine) log_affine(c, spec, (int64_t)ff_pre_dct_width(e) * width);
    if (c->kind == FF_KIND_MFCC) {
        ff_dct_apply(e->dct, c->n_mfcc, c->n_mels, spec, width, w->cep);
        if (c->energy == FF_ENERGY_REPLACE_C0)
            for (l = 0; l < width; l++) w->cep[l] = w->energy[l];
        cols = w->cep;
    }
    for (l = 0; l < lanes; l++) {
        float *row = out + (int64_t)l * stride;
        for (k = 0; k < n; k++) row[k] = cols[(size_t)k * width + l];
        if (c->energy == FF_ENERGY_APPEND) row[n] = w->energy[l];
    }
}

/* ---- whole signals --------------------------------------------------------- */

/* Index of the first NaN/Inf in x, or -1.  Integer test on the exponent bits
 * so the scan vectorises. */
FF_HOT int64_t ff_first_nonfinite(const float *x, int64_t n)
{
    const int64_t chunk = 4096;
    int64_t i0, i;
    for (i0 = 0; i0 < n; i0 += chunk) {
        const int64_t i1 = i0 + chunk < n ? i0 + chunk : n;
        uint32_t bad = 0;
        for (i = i0; i < i1; i++) {
            uint32_t u;
            memcpy(&u, x + i, sizeof u);
            bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
        }
        if (bad)
            for (i = i0; i < i1; i++) {
                uint32_t u;
                memcpy(&u, x + i, sizeof u);
                if ((u & 0x7f800000u) == 0x7f800000u) return i;
            }
    }
    return -1;
}

/* What a batch pass reads: the signal, or an FFT computed elsewhere
 * (interleaved re/im rows of n_bins, plus the linear raw/windowed energy). */
typedef struct {
    const ff_source *src;
    const float *fft;
    const float *energy;
    int64_t nf;    /* frames of the whole pass */
    int scan;      /* check the signal for NaN/Inf block by block (ff_extract) */
    int raw;       /* rows without the log affine (clip_rows adds it after top_db) */
} ff_input;

static float *front(const ff_extractor *e, ff_workspace *w, const ff_input *in, int64_t f0,
                    int lanes)
{
    int64_t k;
    int l;
    if (!in->fft) return ff_block_front(e, w, in->src, f0, lanes);
    for (l = 0; l < lanes; l++) {
        const float *row = in->fft + (f0 + l) * 2 * (int64_t)e->n_bins;
        for (k = 0; k < e->n_bins; k++) {
            w->re[k * lanes + l] = row[2 * k];
            w->im[k * lanes + l] = row[2 * k + 1];
        }
        w->energy[l] = in->energy ? in->energy[f0 + l] : 0.0f;
    }
    w->width = lanes;
    return block_spectrum(e, w, lanes, 0);
}

/* Delta (d = 1) and delta-delta (d = 2) columns of out for every frame
 * whose inputs are there: `ready` static rows [0, ready) are written, and
 * done[d - 1] frames of order d already have theirs.  Order d of frame t needs
 * order d - 1 up to frame t + width (clamped to the last frame). */
static void deltas_upto(const ff_extractor *e, float *out, int64_t nf, int64_t ready,
                        int64_t *done)
{
    const int32_t ns = e->n_static, nfeat = e->n_feat;
    const int width = e->cfg.delta_width;
    int64_t avail = ready, t;
    int d;
    for (d = 1; d <= e->cfg.deltas; d++) {
        const int64_t limit = avail >= nf ? nf : avail - width;
        for (t = done[d - 1]; t < limit; t++)
            ff_delta_row(out + (d - 1) * ns, 0, nfeat, t, nf - 1, ns, width,
                         out + t * nfeat + d * ns);
        if (limit > done[d - 1]) done[d - 1] = limit;
        avail = done[d - 1];
    }
}

/* Asks the cache for the samples that frames [g0, g1) read beyond those of
 * frame g0 - 1: the next block's, while this one is computed.  The 16 frame
 * reads of a block are too short a stream each for the hardware prefetcher
 * (on a signal larger than the cache they waited on memory: 30 % of a long
 * signal's time).  A hint only: no value changes. */
static void prefetch_frames(const ff_config *c, const ff_source *s, int64_t g0, int64_t g1)
{
#if defined(__GNUC__)
    int64_t a = g0 > 0 ? ff_frame_last_sample(c, g0 - 1) + 1 : 0;
    int64_t b = ff_frame_last_sample(c, g1 - 1) + 1;
    if (a < s->x0) a = s->x0;
    if (b > s->x0 + s->xlen) b = s->x0 + s->xlen;
    for (; a < b; a += 16) __builtin_prefetch(s->x + (a - s->x0), 0, 2);
#else
    (void)c; (void)s; (void)g0; (void)g1;
#endif
}

/* Lanes of the block that starts at frame f of [fa, fb): FF_LANES, or for a
 * shorter tail all that is left, except that a tail of up to SINGLE_TAIL
 * frames goes one frame at a time: a one-frame block (the streams' kernels)
 * costs about 0.25 of a full block, a block of 2 .. 15 lanes is computed as a
 * full one (ff_block_front_lanes).  No value depends on the lane count. */
#define SINGLE_TAIL 4
static int block_lanes(int64_t f, int64_t fb)
{
    const int64_t left = fb - f;
    return left >= FF_LANES ? FF_LANES : left <= SINGLE_TAIL ? 1 : (int)left;
}

/* The samples [0, end) that frames [0, f) "own" for the non-finite check:
 * up to the last sample of frame f - 1, and the whole signal for f == nf, so
 * that consecutive ranges of frames own consecutive ranges of samples that
 * cover the signal (samples no frame reads, too). */
static int64_t owned_end(const ff_config *c, const ff_input *in, int64_t f)
{
    const int64_t total = in->src->total;
    int64_t end;
    if (f >= in->nf) return total;
    end = f > 0 ? ff_frame_last_sample(c, f - 1) + 1 : 0;
    return end < 0 ? 0 : end > total ? total : end;
}

/* Frames [fa, fb): full pipeline into out rows, or (tmp != NULL) up to the log
 * into tmp rows of width pre+1 (energy last).  With in->scan, each block
 * first checks the samples its frames own (read once, just before the block
 * reads them again from cache) and the pass stops at the first NaN/Inf:
 * returns its index, or -1.  Rows of a stopped pass are unspecified. */
static int64_t run_frames(const ff_extractor *e, ff_workspace *w, const ff_input *in,
                          int64_t fa, int64_t fb, float *out, float *tmp, int64_t *dl_done)
{
    const int32_t pre = ff_pre_dct_width(e);
    int64_t f, scanned = in->scan ? owned_end(&e->cfg, in, fa) : 0;
    int lanes;
    for (f = fa; f < fb; f += lanes) {
        float *spec;
        lanes = block_lanes(f, fb);
        if (in->scan) {
            const int64_t end = owned_end(&e->cfg, in, f + lanes);
            const int64_t bad = end > scanned ? ff_first_nonfinite(in->src->x + scanned, end - scanned) : -1;
            if (bad >= 0) return scanned + bad;
            if (end > scanned) scanned = end;
        }
        if (in->src && f + lanes < fb)
            prefetch_frames(&e->cfg, in->src, f + lanes,
                            fb - (f + lanes) < FF_LANES ? fb : f + lanes + FF_LANES);
        spec = front(e, w, in, f, lanes);
        if (!tmp) {
            ff_block_back(e, w, spec, lanes, out + f * e->n_feat, e->n_feat, !in->raw);
            /* one thread over all frames: the deltas while the rows are in cache */
            if (dl_done) deltas_upto(e, out, fb, f + lanes, dl_done);
        } else {
            int l;
            int32_t k;
            for (l = 0; l < lanes; l++) {
                float *row = tmp + (f + l) * (pre + 1);
                for (k = 0; k < pre; k++) row[k] = spec[(size_t)k * w->width + l];
                row[pre] = w->energy[l];
            }
        }
    }
    return -1;
}

/* Second pass of top_db for MFCC (spectral kinds use clip_rows): rows of tmp,
 * each logged mel value clipped to at least lo (the energy is not), through
 * the back end. */
static void run_back(const ff_extractor *e, ff_workspace *w, int64_t fa, int64_t fb,
                     const float *tmp, float lo, float *out)
{
    const int32_t pre = ff_pre_dct_width(e);
    float *spec = w->mel;
    int64_t f;
    int lanes;
    for (f = fa; f < fb; f += lanes) {
        int l;
        int32_t k;
        lanes = block_lanes(f, fb);
        for (l = 0; l < lanes; l++) {
            const float *row = tmp + (f + l) * (pre + 1);
            for (k = 0; k < pre; k++) spec[(size_t)k * lanes + l] = row[k] < lo ? lo : row[k];
            w->energy[l] = row[pre];
        }
        w->width = lanes;
        ff_block_back(e, w, spec, lanes, out + f * e->n_feat, e->n_feat, 1);
    }
}

/* Run pass (tmp_in == NULL: front [+ back]; else back only) over [0, nf),
 * split by blocks over threads, each with its own workspace.  FF_E_NONFINITE
 * (with in->scan) sets *bad to the first NaN/Inf of the signal: each thread
 * checks the samples its frames own, in order, so the least index any thread
 * stops at is the first. */
static ff_status run_parallel(const ff_extractor *e, ff_workspace *ws, const ff_input *in,
                              int64_t nf, float *out, float *tmp, const float *tmp_in,
                              float lo, int n_threads, int64_t *dl_done, int64_t *bad)
{
    const int64_t n_blocks = (nf + FF_LANES - 1) / FF_LANES;
    ff_status st = FF_OK;
    *bad = -1;
    if (n_threads > n_blocks) n_threads = (int)n_blocks;
#ifdef _OPENMP
    if (n_threads > 1) {
#pragma omp parallel num_threads(n_threads)
        {
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
            const int64_t fa = n_blocks * t / nt * FF_LANES;
            int64_t fb = n_blocks * (t + 1) / nt * FF_LANES;
            ff_workspace *local = NULL, *w = ws;
            if (fb > nf) fb = nf;
            if (t > 0) {
                if (ff_workspace_new(e, &local) != FF_OK) {
#pragma omp critical(ff_status_update)
                    st = FF_E_NOMEM;
                }
                w = local;
            }
            if (w) {
                if (tmp_in) {
                    run_back(e, w, fa, fb, tmp_in, lo, out);
                } else {
                    const int64_t b = run_frames(e, w, in, fa, fb, out, tmp, NULL);
                    if (b >= 0) {
#pragma omp critical(ff_status_update)
                        if (*bad < 0 || b < *bad) *bad = b;
                    }
                }
            }
            ff_workspace_free(local);
        }
        return st != FF_OK ? st : *bad >= 0 ? FF_E_NONFINITE : FF_OK;
    }
#endif
    (void)n_threads;
    if (tmp_in) run_back(e, ws, 0, nf, tmp_in, lo, out);
    else *bad = run_frames(e, ws, in, 0, nf, out, tmp, dl_done);
    return *bad >= 0 ? FF_E_NONFINITE : st;
}

/* top_db in the units of the log: dB; log10 (Whisper's 8 = 80 dB); ln. */
static float top_db_units(const ff_config *c)
{
    if (c->log == FF_LOG_LOG10) return (float)((double)c->top_db / 10.0);
    if (c->log == FF_LOG_LN) return (float)((double)c->top_db * FF_LN10 / 10.0);
    return c->top_db;
}

/* The largest of the first pre values of nf rows `stride` floats apart (the
 * spectral values; the energy is not counted), for librosa's top_db and
 * Whisper's clamp.  Sixteen running maxima, so the loop vectorises; a maximum
 * is exact, so this is the serial loop's value. */
FF_HOT static float rows_max(const float *rows, int64_t nf, int64_t stride, int32_t pre)
{
    float m[16], mx;
    int64_t f;
    int32_t k;
    int j;
    for (j = 0; j < 16; j++) m[j] = -3.40282347e+38f;
    for (f = 0; f < nf; f++) {
        const float *row = rows + f * stride;
        for (k = 0; k + 16 <= pre; k += 16)
            for (j = 0; j < 16; j++) m[j] = row[k + j] > m[j] ? row[k + j] : m[j];
        for (; k < pre; k++) m[0] = row[k] > m[0] ? row[k] : m[0];
    }
    mx = m[0];
    for (j = 1; j < 16; j++) mx = m[j] > mx ? m[j] : mx;
    return mx;
}

/* top_db on the output rows of a spectral kind (their first pre columns are
 * the logged values): each clipped to at least lo, then the log affine, the
 * operations run_back + ff_block_back do per value. */
FF_HOT static void clip_rows(const ff_extractor *e, float *out, int64_t nf, float lo)
{
    const int32_t pre = ff_pre_dct_width(e);
    int64_t f;
    int32_t k;
    for (f = 0; f < nf; f++) {
        float *row = out + f * e->n_feat;
        for (k = 0; k < pre; k++) row[k] = row[k] < lo ? lo : row[k];
        log_affine(&e->cfg, row, pre);
    }
}

/* The passes and the deltas.  top_db needs the global maximum first: a
 * spectral kind writes its rows without the affine, then clip_rows; MFCC
 * keeps the logged mel values in tmp and a second pass clips them on the way
 * to the DCT. */
static ff_status finish(const ff_extractor *e, ff_workspace *ws, const ff_input *in, int64_t nf,
                        float *out, int n_threads, int64_t *bad_index)
{
    int64_t dl_done[2] = {0, 0}; /* frames with their delta / delta-delta */
    ff_status st;
    const int top_db = e->cfg.log != FF_LOG_NONE && e->cfg.top_db > 0.0f;
    if (n_threads < 1) n_threads = 1;
    if (top_db && e->cfg.kind != FF_KIND_MFCC) {
        ff_input raw = *in;
        raw.raw = 1;
        st = run_parallel(e, ws, &raw, nf, out, NULL, NULL, 0.0f, n_threads, NULL, bad_index);
        if (st == FF_OK)
            clip_rows(e, out, nf,
                      rows_max(out, nf, e->n_feat, ff_pre_dct_width(e)) - top_db_units(&e->cfg));
    } else if (top_db) {
        const int32_t pre = ff_pre_dct_width(e);
        float *tmp = malloc(sizeof(float) * (size_t)nf * (size_t)(pre + 1));
        if (!tmp) return FF_E_NOMEM;
        st = run_parallel(e, ws, in, nf, out, tmp, NULL, 0.0f, n_threads, NULL, bad_index);
        if (st == FF_OK) {
            const float lo = rows_max(tmp, nf, pre + 1, pre) - top_db_units(&e->cfg);
            st = run_parallel(e, ws, in, nf, out, NULL, tmp, lo, n_threads, NULL, bad_index);
        }
        free(tmp);
    } else {
        st = run_parallel(e, ws, in, nf, out, NULL, NULL, 0.0f, n_threads, dl_done, bad_index);
    }
    if (st != FF_OK) return st;
    deltas_upto(e, out, nf, nf, dl_done); /* the rest (all of them after threads) */
    return FF_OK;
}

/* Common argument checks of the whole-signal entry points; sets *nf.  The
 * NaN/Inf check comes before the others; with `deferred` (ff_extract, whose
 * blocks check their own samples) it is left to the pass unless another
 * check fails. */
static ff_status check_signal(const ff_extractor *e, ff_workspace *ws, const float *x, int64_t n,
                              int64_t rows_avail, int64_t *nf, int64_t *bad_index, int deferred)
{
    int64_t bad;
    if (bad_index) *bad_index = -1;
    if (!e || !ws || ws->ext != e || (!x && n > 0) || n < 0) return FF_E_ARG;
    *nf = ff_num_frames(&e->cfg, n);
    if (!deferred || *nf <= 0 || rows_avail < *nf) {
        bad = ff_first_nonfinite(x, n);
        if (bad >= 0) {
            if (bad_index) *bad_index = bad;
            return FF_E_NONFINITE;
        }
    }
    if (*nf <= 0) return FF_E_TOO_SHORT;
    if (rows_avail < *nf) return FF_E_BUFFER;
    return FF_OK;
}

ff_status ff_extract(const ff_extractor *e, ff_workspace *ws, const float *x, int64_t n,
                     float *out, int64_t out_rows, int n_threads, int64_t *bad_index)
{
    ff_source src;
    ff_input in;
    int64_t nf = 0, bad = -1;
    ff_status st = check_signal(e, ws, x, n, out_rows, &nf, bad_index, out != NULL);
    if (st != FF_OK) return st;
    if (!out) return FF_E_ARG;
    src.x = x; src.x0 = 0; src.xlen = n; src.total = n;
    in.src = &src; in.fft = NULL; in.energy = NULL; in.nf = nf; in.scan = 1; in.raw = 0;
    st = finish(e, ws, &in, nf, out, n_threads, &bad);
    if (st == FF_E_NONFINITE && bad_index) *bad_index = bad;
    return st;
}

ff_status ff_extract_frames(const ff_extractor *e, ff_workspace *ws, const float *x, int64_t n,
                            float *frames, float *energy, int64_t rows, int64_t *bad_index)
{
    ff_source src;
    int64_t nf = 0, f, i;
    const int32_t nfft = e ? e->cfg.n_fft : 0;
    ff_status st = check_signal(e, ws, x, n, rows, &nf, bad_index, 0);
    if (st != FF_OK) return st;
    if (!frames) return FF_E_ARG;
    src.x = x; src.x0 = 0; src.xlen = n; src.total = n;
    for (f = 0; f < nf; f += FF_LANES) {
        const int lanes = (int)(nf - f < FF_LANES ? nf - f : FF_LANES);
        ff_lane ln[FF_LANES];
        int l;
        consecutive(&src, f, lanes, ln);
        block_frames(e, ws, ln, lanes);
        for (l = 0; l < lanes; l++) {
            float *row = frames + (f + l) * nfft;
            for (i = 0; i < nfft; i++) row[i] = ws->frame[i * lanes + l];
            if (energy) energy[f + l] = ws->energy[l];
        }
    }
    return FF_OK;
}

ff_status ff_extract_from_fft(const ff_extractor *e, ff_workspace *ws, const float *fft,
                              const float *energy, int64_t n_frames, float *out, int64_t out_rows,
                              int n_threads)
{
    ff_input in;
    int64_t bad;
    if (!e || !ws || ws->ext != e || !fft || !out || n_frames < 1) return FF_E_ARG;
    if (out_rows < n_frames) return FF_E_BUFFER;
    if (!energy && e->cfg.energy != FF_ENERGY_NONE && e->cfg.energy_source != FF_ESRC_SPECTRUM)
        return FF_E_ARG;
    in.src = NULL; in.fft = fft; in.energy = energy; in.nf = n_frames; in.scan = 0; in.raw = 0;
    return finish(e, ws, &in, n_frames, out, n_threads, &bad);
}
