/* config.c -- defaults, validation and status strings. */
#include <math.h>
#include <string.h>

#include "ff_internal.h"

const char *ff_strerror(ff_status s)
{
    switch (s) {
    case FF_OK: return "ok";
    case FF_E_NOMEM: return "out of memory";
    case FF_E_CONFIG: return "invalid configuration";
    case FF_E_ARG: return "invalid argument";
    case FF_E_NONFINITE: return "signal contains NaN or infinity";
    case FF_E_TOO_SHORT: return "signal too short for one frame";
    case FF_E_BUFFER: return "output buffer too small";
    case FF_E_STATE: return "call not valid in the current state";
    case FF_E_FORMAT: return "not a plain PCM or float WAV file";
    case FF_E_HANDLE: return "no open stream of the pool has this handle";
    }
    return "unknown status";
}

void ff_config_default(ff_config *c)
{
    memset(c, 0, sizeof *c);
    c->kind = FF_KIND_MFCC;
    c->sample_rate = 16000;
    c->frame_length = 400;
    c->hop_length = 160;
    c->n_fft = 512;
    c->window = FF_WIN_HAMMING;
    c->pad_mode = FF_PAD_CONSTANT;
    c->snip_edges = 1;
    c->preemphasis = 0.97f;
    c->preemphasis_scope = FF_PREEMPH_FRAME;
    c->power = 2.0f;
    c->n_mels = 40;
    c->fmin = 0.0;
    c->fmax = 8000.0;
    c->mel_scale = FF_MEL_HTK;
    c->mel_triangles = FF_TRI_MEL;
    c->log = FF_LOG_LN;
    c->log_floor = 1e-10f;
    c->top_db = 0.0f;
    c->n_mfcc = 13;
    c->dct_norm = FF_DCT_ORTHO;
    c->energy = FF_ENERGY_NONE;
    c->energy_source = FF_ESRC_RAW;
    c->deltas = 0;
    c->delta_width = 2;
    c->drop_last_frame = 0;
    c->log_offset = 0.0f;
    c->log_scale = 1.0f;
    c->blackman_coeff = 0.42;
    c->vtln_warp = 1.0;
    c->vtln_low = 100.0;
    c->vtln_high = 7500.0;
    c->window_centered = 0;
    c->dct_type = 2;
    c->mel_pnorm = 0.0;
    c->mel_first_bin = FF_FIRSTBIN_ANY;
}

#define CHECK(cond, name)            \
    do {                             \
        if (!(cond)) {               \
            if (field) *field = name; \
            return FF_E_CONFIG;      \
        }                            \
    } while (0)

ff_status ff_config_check(const ff_config *c, const char **field)
{
    if (field) *field = NULL;
    if (!c) return FF_E_ARG;
    CHECK(c->kind >= FF_KIND_MFCC && c->kind <= FF_KIND_POWER, "kind");
    CHECK(c->sample_rate > 0, "sample_rate");
    CHECK(c->n_fft >= 1 && c->n_fft <= FF_MAX_FFT, "n_fft");
    CHECK(c->frame_length >= 1 && c->frame_length <= c->n_fft, "frame_length");
    CHECK(c->hop_length >= 1, "hop_length");
    CHECK(c->window >= FF_WIN_HAMMING && c->window <= FF_WIN_RECTANGULAR, "window");
    CHECK(c->pad_mode >= FF_PAD_CONSTANT && c->pad_mode <= FF_PAD_SYMMETRIC, "pad_mode");
    CHECK(!c->pad_end || (!c->center && c->snip_edges), "pad_end");
    CHECK(isfinite(c->preemphasis) && c->preemphasis >= 0.0f && c->preemphasis <= 1.0f, "preemphasis");
    CHECK(c->preemphasis_scope == FF_PREEMPH_FRAME || c->preemphasis_scope == FF_PREEMPH_SIGNAL,
          "preemphasis_scope");
    CHECK(isfinite(c->dither) && c->dither >= 0.0f, "dither");
    CHECK(isfinite(c->power) && c->power > 0.0f && c->power <= 8.0f, "power");
    CHECK(c->spectrum_norm == FF_SPECNORM_NONE || c->spectrum_norm == FF_SPECNORM_NFFT, "spectrum_norm");
    CHECK(c->n_mels >= 1 && c->n_mels <= FF_MAX_MELS && c->n_mels <= c->n_fft / 2 + 1, "n_mels");
    /* librosa's filterbank (triangles in Hz) accepts fmax above Nyquist: the
     * filters there are partly or wholly empty. */
    CHECK(isfinite(c->fmax) && c->fmax > 0.0 &&
          (c->fmax <= 0.5 * c->sample_rate || c->mel_triangles == FF_TRI_HZ), "fmax");
    CHECK(isfinite(c->fmin) && c->fmin >= 0.0 && c->fmin < c->fmax, "fmin");
    CHECK(c->mel_scale == FF_MEL_HTK || c->mel_scale == FF_MEL_SLANEY, "mel_scale");
    CHECK(c->mel_norm == FF_MELNORM_NONE || c->mel_norm == FF_MELNORM_SLANEY, "mel_norm");
    CHECK(isfinite(c->mel_pnorm) && c->mel_pnorm >= 0.0 &&
          (c->mel_pnorm == 0.0 || c->mel_norm == FF_MELNORM_NONE), "mel_pnorm");
    CHECK(c->mel_triangles >= FF_TRI_MEL && c->mel_triangles <= FF_TRI_HZ_SYMMETRIC, "mel_triangles");
    CHECK(c->mel_first_bin == FF_FIRSTBIN_ANY || c->mel_first_bin == FF_FIRSTBIN_HTK, "mel_first_bin");
    CHECK(c->log >= FF_LOG_NONE && c->log <= FF_LOG_DB, "log");
    CHECK(c->kind != FF_KIND_MFCC || c->log != FF_LOG_NONE, "log");
    CHECK(isfinite(c->log_floor) && c->log_floor > 0.0f, "log_floor");
    CHECK(c->log_floor_mode >= FF_FLOOR_MAX && c->log_floor_mode <= FF_FLOOR_ADD, "log_floor_mode");
    CHECK(isfinite(c->top_db) && (c->top_db <= 0.0f || c->log != FF_LOG_NONE), "top_db");
    CHECK(c->n_mfcc >= 1 && (c->kind != FF_KIND_MFCC || c->n_mfcc <= c->n_mels), "n_mfcc");
    CHECK(c->dct_norm >= FF_DCT_ORTHO && c->dct_norm <= FF_DCT_HTK, "dct_norm");
    CHECK(c->dct_type >= 1 && c->dct_type <= 3, "dct_type");
    CHECK(c->dct_norm != FF_DCT_HTK || c->dct_type == 2, "dct_norm");
    CHECK(c->dct_type != 1 || c->kind != FF_KIND_MFCC || c->n_mels >= 2, "dct_type");
    CHECK(isfinite(c->lifter) && c->lifter >= 0.0f, "lifter");
    CHECK(c->energy >= FF_ENERGY_NONE && c->energy <= FF_ENERGY_APPEND, "energy");
    CHECK(c->energy != FF_ENERGY_REPLACE_C0 || c->kind == FF_KIND_MFCC, "energy");
    CHECK(c->energy_source >= FF_ESRC_RAW && c->energy_source <= FF_ESRC_SPECTRUM, "energy_source");
    CHECK(c->deltas >= 0 && c->deltas <= 2, "deltas");
    CHECK(c->delta_width >= 1 && c->delta_width <= FF_MAX_DELTA_WIDTH, "delta_width");
    CHECK(c->drop_last_frame == 0 || (c->drop_last_frame == 1 && c->center), "drop_last_frame");
    CHECK(isfinite(c->log_offset), "log_offset");
    CHECK(isfinite(c->log_scale) && c->log_scale > 0.0f, "log_scale");
    CHECK(isfinite(c->blackman_coeff) && c->blackman_coeff >= 0.0 && c->blackman_coeff <= 1.0, "blackman_coeff");
    CHECK(isfinite(c->vtln_warp) && c->vtln_warp > 0.0 && c->vtln_warp <= 10.0, "vtln_warp");
    /* Checked only when the warp is on (Kaldi's VtlnWarpFreq asserts the
     * same): the inflection points inside (fmin, fmax) and, scaled by the
     * warp, still in order, so that the warp is increasing and continuous. */
    CHECK(c->vtln_warp == 1.0 || (isfinite(c->vtln_low) && c->vtln_low > c->fmin), "vtln_low");
    CHECK(c->vtln_warp == 1.0 || (isfinite(c->vtln_high) && c->vtln_high < c->fmax &&
                                  c->vtln_low * fmax(1.0, c->vtln_warp) < c->vtln_high * fmin(1.0, c->vtln_warp)),
          "vtln_high");
    CHECK((c->window_centered == 0 || c->window_centered == 1) &&
          (!c->window_centered || c->center || (c->snip_edges && !c->pad_end)), "window_centered");
    return FF_OK;
}
