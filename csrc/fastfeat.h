/*
 * fastfeat.h -- the one public header of the fastfeat C engine.
 *
 * Pure C99, no Python headers.  The engine computes the classic speech front
 * end (framing, dither, DC removal, pre-emphasis, window, real FFT, power
 * spectrum, mel filterbank, log, DCT, lifter, energy, deltas) in float32.
 *
 * Objects:
 *   ff_config     plain struct of enums and numbers; ff_config_default() fills
 *                 it, ff_config_check() validates it (every entry point calls it).
 *   ff_extractor  immutable tables (window, FFT plan, mel bands, DCT); may be
 *                 shared by any number of threads.
 *   ff_workspace  per-thread scratch memory for one extractor.
 *   ff_stream     streaming state (remainder, absolute offset, delta ring).
 *   ff_pool       many streams of one extractor pushed together (one workspace).
 *
 * Every function returns an ff_status; nothing aborts, nothing prints, there is
 * no global mutable state.
 */
#ifndef FASTFEAT_H
#define FASTFEAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FF_OK = 0,
    FF_E_NOMEM = 1,       /* an allocation failed */
    FF_E_CONFIG = 2,      /* a config field is out of range (see ff_config_check) */
    FF_E_ARG = 3,         /* a NULL pointer or a bad size was passed */
    FF_E_NONFINITE = 4,   /* the signal contains NaN or +-Inf */
    FF_E_TOO_SHORT = 5,   /* the signal yields no frame under this config */
    FF_E_BUFFER = 6,      /* an output buffer is too small */
    FF_E_STATE = 7,       /* call not valid in this state (e.g. push after flush) */
    FF_E_FORMAT = 8,      /* not a plain PCM/float WAV: the caller needs another decoder */
    FF_E_HANDLE = 9       /* no open stream of the pool has this handle (or it is repeated) */
} ff_status;

/* A static string describing a status (never NULL). */
const char *ff_strerror(ff_status s);

typedef enum { FF_KIND_MFCC = 0, FF_KIND_LOGMEL = 1, FF_KIND_POWER = 2 } ff_kind;
typedef enum {
    FF_WIN_HAMMING = 0, FF_WIN_HANN = 1, FF_WIN_POVEY = 2,
    FF_WIN_BLACKMAN = 3, FF_WIN_RECTANGULAR = 4
} ff_window;
typedef enum {
    FF_PAD_CONSTANT = 0, FF_PAD_REFLECT = 1, FF_PAD_EDGE = 2,
    FF_PAD_SYMMETRIC = 3  /* numpy 'symmetric': the edge sample repeated (-1 -> 0) */
} ff_pad_mode;
typedef enum { FF_PREEMPH_FRAME = 0, FF_PREEMPH_SIGNAL = 1 } ff_preemph_scope;
typedef enum { FF_SPECNORM_NONE = 0, FF_SPECNORM_NFFT = 1 } ff_spectrum_norm;
typedef enum { FF_MEL_HTK = 0, FF_MEL_SLANEY = 1 } ff_mel_scale;
typedef enum { FF_MELNORM_NONE = 0, FF_MELNORM_SLANEY = 1 } ff_mel_norm;
typedef enum { FF_TRI_MEL = 0, FF_TRI_HZ = 1, FF_TRI_BIN = 2, FF_TRI_HZ_SYMMETRIC = 3 } ff_mel_triangles;
/* FF_FIRSTBIN_HTK: bins below (int)(fmin / bin_width + 1.5) read nothing (HTK's klo, TF's Mfcc op) */
typedef enum { FF_FIRSTBIN_ANY = 0, FF_FIRSTBIN_HTK = 1 } ff_mel_first_bin;
typedef enum { FF_LOG_NONE = 0, FF_LOG_LN = 1, FF_LOG_LOG10 = 2, FF_LOG_DB = 3 } ff_log;
typedef enum { FF_FLOOR_MAX = 0, FF_FLOOR_ZERO = 1, FF_FLOOR_ADD = 2 } ff_floor_mode;
/* FF_DCT_HTK: sqrt(2 / n_mels) on every DCT-II coefficient, c0 included (HTK, TensorFlow) */
typedef enum { FF_DCT_ORTHO = 0, FF_DCT_NONE = 1, FF_DCT_HTK = 2 } ff_dct_norm;
typedef enum { FF_ENERGY_NONE = 0, FF_ENERGY_REPLACE_C0 = 1, FF_ENERGY_APPEND = 2 } ff_energy;
typedef enum { FF_ESRC_RAW = 0, FF_ESRC_WINDOWED = 1, FF_ESRC_SPECTRUM = 2 } ff_energy_source;

/* Limits checked by ff_config_check. */
#define FF_MAX_FFT (1 << 20)
#define FF_MAX_MELS 4096
#define FF_MAX_DELTA_WIDTH 64

typedef struct {
    ff_kind kind;
    int32_t sample_rate;          /* Hz, > 0 */
    int32_t frame_length;         /* samples, 1 .. n_fft */
    int32_t hop_length;           /* samples, >= 1 */
    int32_t n_fft;                /* frame_length .. FF_MAX_FFT */
    ff_window window;
    int32_t window_periodic;      /* 0 symmetric (Kaldi/HTK), 1 periodic (librosa) */
    int32_t center;               /* librosa centre padding (n_fft // 2 each side) */
    ff_pad_mode pad_mode;         /* padding used by center */
    int32_t snip_edges;           /* Kaldi rule when center == 0 */
    int32_t pad_end;              /* psf: keep the last partial frame (snip_edges) */
    float preemphasis;            /* 0 .. 1, 0 disables */
    ff_preemph_scope preemphasis_scope;
    int32_t remove_dc;            /* subtract each frame's mean */
    float dither;                 /* >= 0, std of Gaussian dither */
    uint64_t seed;
    float power;                  /* > 0: 1 magnitude, 2 power */
    ff_spectrum_norm spectrum_norm;
    int32_t n_mels;               /* 1 .. n_fft / 2 + 1 */
    double fmin;                  /* Hz, 0 .. fmax */
    double fmax;                  /* Hz, fmin .. sample_rate / 2 */
    ff_mel_scale mel_scale;
    ff_mel_norm mel_norm;
    ff_mel_triangles mel_triangles;
    ff_log log;
    float log_floor;              /* > 0 */
    ff_floor_mode log_floor_mode; /* MAX: log(max(x, floor)); ZERO: only x == 0 -> floor (psf); ADD: log(x + floor) (NeMo) */
    float top_db;                 /* <= 0 disables; dB, applied in the units of log (needs a log) */
    int32_t n_mfcc;               /* 1 .. n_mels */
    ff_dct_norm dct_norm;
    float lifter;                 /* >= 0, 0 disables */
    ff_energy energy;
    ff_energy_source energy_source;
    int32_t deltas;               /* 0, 1 or 2 */
    int32_t delta_width;          /* 1 .. FF_MAX_DELTA_WIDTH */
    int32_t drop_last_frame;      /* with center: drop the last frame (Whisper: n / hop frames) */
    float log_offset;             /* spectral values after log and top_db: (x + log_offset) */
    float log_scale;              /*   * log_scale, log_scale > 0 (Whisper: 4, 0.25) */
    double blackman_coeff;        /* Blackman window a0: a0 - 0.5 cos + (0.5 - a0) cos 2x (0.42) */
    double vtln_warp;             /* > 0; 1 disables Kaldi's VTLN warp of the mel points */
    double vtln_low, vtln_high;   /* Hz, warp inflection points: fmin < low < high < fmax */
    /* librosa center=False: frames span n_fft samples, the frame_length window
     * centred in them (zeros outside); needs snip_edges and no pad_end. */
    int32_t window_centered;
    int32_t dct_type;             /* 1, 2 (default) or 3, as scipy.fft.dct type */
    double mel_pnorm;             /* > 0: each filter divided by its p-norm (librosa norm=p); 0 off */
    ff_mel_first_bin mel_first_bin;
} ff_config;

/* The library's default configuration (16 kHz, 25 ms / 10 ms, MFCC). */
void ff_config_default(ff_config *cfg);
/* FF_OK or FF_E_CONFIG; on error, *field (if non-NULL) names the bad field. */
ff_status ff_config_check(const ff_config *cfg, const char **field);

/* ---- framing (frame.c): pure functions of (n_samples, config) ---------- */

/* Number of frames a signal of n_samples yields (0 when too short). */
int64_t ff_num_frames(const ff_config *cfg, int64_t n_samples);
/* Signal index of the first sample of frame f (may be negative with padding). */
int64_t ff_frame_start(const ff_config *cfg, int64_t f);
/* Width of one output row. */
int32_t ff_num_features(const ff_config *cfg);
/* Width of the static part of a row (before deltas). */
int32_t ff_num_static(const ff_config *cfg);

/* ---- extractor / workspace (pipeline.c) -------------------------------- */

typedef struct ff_extractor ff_extractor;
typedef struct ff_workspace ff_workspace;

ff_status ff_extractor_new(const ff_config *cfg, ff_extractor **out);
void ff_extractor_free(ff_extractor *ext);
const ff_config *ff_extractor_config(const ff_extractor *ext);

ff_status ff_workspace_new(const ff_extractor *ext, ff_workspace **out);
void ff_workspace_free(ff_workspace *ws);

/*
 * Whole-signal extraction.  x: n float32 samples.  out: room for
 * out_rows * ff_num_features() floats, row-major (frames x features);
 * out_rows must be >= ff_num_frames(cfg, n).  n_threads > 1 splits the frames
 * over OpenMP threads (each with its own scratch) when compiled with OpenMP.
 * On FF_E_NONFINITE, *bad_index (if non-NULL) is the first offending sample;
 * the signal is checked block by block as the frames are computed, so after
 * FF_E_NONFINITE the contents of out are unspecified (every other error is
 * reported before out is written).
 */
ff_status ff_extract(const ff_extractor *ext, ff_workspace *ws,
                     const float *x, int64_t n, float *out, int64_t out_rows,
                     int n_threads, int64_t *bad_index);

/*
 * ff_extract in two halves around an FFT computed elsewhere (e.g. pyFFTW):
 * ff_extract_frames writes every frame as the FFT would see it (rows x n_fft:
 * gathered, DC removed, pre-emphasised, windowed, zero-padded) and, when the
 * energy comes from the raw or windowed frame, that energy (linear) in
 * energy[f] (may be NULL otherwise); ff_extract_from_fft takes the forward
 * real FFT of those frames (n_frames rows of n_fft/2 + 1 interleaved re, im
 * pairs) and the energies, and finishes the pipeline (spectrum, mel, log,
 * top_db, DCT, energy, deltas) into out exactly as ff_extract does.
 */
ff_status ff_extract_frames(const ff_extractor *ext, ff_workspace *ws, const float *x,
                            int64_t n, float *frames, float *energy, int64_t rows,
                            int64_t *bad_index);
ff_status ff_extract_from_fft(const ff_extractor *ext, ff_workspace *ws, const float *fft,
                              const float *energy, int64_t n_frames, float *out,
                              int64_t out_rows, int n_threads);

/*
 * Delta regression along time (HTK/psf convention, edge frames replicated):
 * d[t] = sum_{k=1..width} k (c[t+k] - c[t-k]) / (2 sum_{k=1..width} k^2).
 * in: rows x cols (row stride in_stride), out: rows x cols (stride out_stride);
 * order 1 writes delta, order 2 writes delta of delta.  in and out must not
 * overlap.  scratch (rows * cols floats) is needed only for order 2.
 */
ff_status ff_delta(const float *in, int64_t rows, int64_t cols, int64_t in_stride,
                   int order, int width, float *out, int64_t out_stride,
                   float *scratch);

/* ---- streaming (stream.c) ------------------------------------------------
 *
 * A stream computes exactly what ff_extract computes on the concatenation of
 * everything pushed, frame by frame as samples arrive.  Frames are emitted in
 * order once every sample they need is final (and, with deltas, once the
 * deltas * delta_width following frames exist); ff_stream_flush ends the
 * utterance and emits the rest (right padding, last partial frame, delta
 * look-ahead).  A push that fails leaves the stream unchanged.  Configs with
 * top_db (global clipping) are refused with FF_E_CONFIG.  A stream is used by
 * one thread at a time; its extractor may be shared.
 */
typedef struct ff_stream ff_stream;

ff_status ff_stream_new(const ff_extractor *ext, ff_stream **out);
void ff_stream_free(ff_stream *s);
/* Forget the utterance; keep tables and buffers. */
void ff_stream_reset(ff_stream *s);
/* Rows a push of n samples would emit now (exact), or a flush when n < 0. */
int64_t ff_stream_rows_for(const ff_stream *s, int64_t n);
/* Frames of look-ahead deltas need (deltas * delta_width). */
int32_t ff_stream_latency_frames(const ff_stream *s);
/*
 * Append n samples; write the rows that became ready to out (out_rows rows of
 * ff_num_features floats).  *n_out = rows written.  Errors: FF_E_NONFINITE
 * (*bad_index set), FF_E_BUFFER (out_rows < ff_stream_rows_for(s, n)),
 * FF_E_STATE (after flush), FF_E_NOMEM; on error nothing changed.
 */
ff_status ff_stream_push(ff_stream *s, const float *x, int64_t n, float *out, int64_t out_rows,
                         int64_t *n_out, int64_t *bad_index);
/* End of utterance: the rows still owed.  Further pushes need ff_stream_reset. */
ff_status ff_stream_flush(ff_stream *s, float *out, int64_t out_rows, int64_t *n_out);

/* ---- stream pools (pool.c) -------------------------------------------------
 *
 * Many streams of one extractor and one workspace.  ff_pool_push appends a
 * chunk to each of n streams and computes every frame that became final
 * across all of them together: frames of different streams fill the lanes of
 * one block.  Each stream's rows are bit-identical to an ff_stream fed the same
 * chunks.  Handles are small integers >= 0; a closed handle may be returned
 * again by a later ff_pool_open.  Per-stream memory is the ff_stream state
 * without a workspace (samples of about n_fft + frame_length + one chunk, and
 * the delta history).  A pool is used by one thread at a time.
 */
typedef struct ff_pool ff_pool;

ff_status ff_pool_new(const ff_extractor *ext, ff_pool **out);
void ff_pool_free(ff_pool *p);
ff_status ff_pool_open(ff_pool *p, int64_t *handle);
ff_status ff_pool_close(ff_pool *p, int64_t handle);
ff_status ff_pool_reset(ff_pool *p, int64_t handle);
/* Open streams; bytes held by the pool (states, buffers, block scratch). */
int64_t ff_pool_size(const ff_pool *p);
int64_t ff_pool_bytes(const ff_pool *p);
/*
 * Rows ff_pool_push(n, handles, _, lens) would emit (rows[i] per stream, may
 * be NULL; *total their sum); lens[i] < 0 counts a flush.  FF_E_HANDLE sets
 * *bad_stream to the position i of the bad handle.
 */
ff_status ff_pool_rows_for(const ff_pool *p, int64_t n, const int64_t *handles,
                           const int64_t *lens, int64_t *rows, int64_t *total,
                           int64_t *bad_stream);
/*
 * Append x[i][0 .. lens[i]) to stream handles[i] for i < n.  The rows of
 * stream i are written to out rows [offsets[i], offsets[i + 1]) (out: out_rows
 * rows of ff_num_features floats; offsets: n + 1 entries, written).  Every
 * chunk is checked before any stream changes: on error nothing changed and
 * *bad_stream is the position i at fault (-1 for FF_E_BUFFER, out too small:
 * offsets[n] then holds the rows needed): FF_E_HANDLE (not open, or repeated
 * in handles), FF_E_ARG (lens[i] < 0, x[i] NULL), FF_E_NONFINITE (*bad_index
 * = sample index in x[i]), FF_E_STATE (flushed), FF_E_NOMEM.
 */
ff_status ff_pool_push(ff_pool *p, int64_t n, const int64_t *handles, const float *const *x,
                       const int64_t *lens, float *out, int64_t out_rows, int64_t *offsets,
                       int64_t *bad_stream, int64_t *bad_index);
/* ff_stream_flush of one stream (FF_E_HANDLE when not open). */
ff_status ff_pool_flush(ff_pool *p, int64_t handle, float *out, int64_t out_rows, int64_t *n_out);
/*
 * Sliding-window CMVN of every output row (Kaldi's apply-cmvn-sliding with
 * center=false, cmn_window=window, min_cmn_window=min_window, norm_vars):
 * row t is normalised with the float64 statistics of rows [t - window, t + 1)
 * (clipped at 0); the first min_window rows use rows [0, min_window) and so
 * wait until min_window rows exist (or the flush).  window 0 turns it off.
 * Only while no stream is open (FF_E_STATE); 1 <= min_window <= window.
 */
ff_status ff_pool_set_cmvn(ff_pool *p, int32_t window, int32_t min_window, int32_t norm_vars);
/*
 * Online CMVN from global statistics instead (Kaldi online2 OnlineCmvn, no
 * speaker stats): row t is out at once, normalised with the statistics of
 * rows [t - window + 1, t] (clipped at 0) plus, while those are fewer than
 * window rows, min(window - n, global_frames) rows' worth of stats (Kaldi's
 * layout, 2 x (ff_num_features + 1): sums and count, sums of squares and 0;
 * copied), then Kaldi's ApplyCmvn (variance floored at 1e-20).  Only while
 * no stream is open.  FF_E_NONFINITE for NaN/Inf in stats, FF_E_ARG for a
 * count < 1.
 */
ff_status ff_pool_set_online_cmvn(ff_pool *p, int32_t window, int32_t global_frames,
                                  int32_t norm_vars, const double *stats);

/* ---- WAV decoding (wav.c) -------------------------------------------------
 *
 * Plain little-endian RIFF/WAVE: integer PCM of 8 (unsigned), 16, 24 or 32
 * bits and IEEE float of 32 or 64 bits, also as WAVE_FORMAT_EXTENSIBLE with
 * those subformats and all container bits valid.  Anything else (compressed,
 * big-endian RIFX, RF64, odd sizes) is FF_E_FORMAT: the caller decodes it with
 * a general library.  Samples are scaled as libsndfile does: int / 2^(bits-1),
 * (uint8 - 128) / 128, float as stored (float64 rounded to float32).
 */
typedef struct {
    int32_t format;        /* 1: integer PCM, 3: IEEE float */
    int32_t bits;          /* bits per sample */
    int32_t channels;
    int32_t sample_rate;   /* Hz */
    int64_t data_offset;   /* byte offset of the first sample in the file */
    int64_t frames;        /* whole frames of the data chunk present in the file */
} ff_wav_info;

/*
 * Parse the header of a WAV file of file_size bytes whose first len bytes are
 * in buf (the header must lie wholly in buf).  A data chunk that claims more
 * bytes than the file holds (truncated file, or a streaming writer's
 * 0xFFFFFFFF) is clipped to what is there.  FF_OK, FF_E_FORMAT or FF_E_ARG.
 */
ff_status ff_wav_parse(const uint8_t *buf, int64_t len, int64_t file_size, ff_wav_info *info);
/* Decode count interleaved samples at src (count * bits / 8 bytes) to float32. */
ff_status ff_wav_decode(const ff_wav_info *info, const uint8_t *src, int64_t count, float *out);

/* ---- Resampling (resample.c) ----------------------------------------------
 *
 * Rational polyphase resampling by up/down = target_sr/orig_sr (in lowest
 * terms) with the filter of scipy.signal.resample_poly (Kaiser(5) windowed
 * sinc, 2 * 10 * max(up, down) + 1 taps, DC gain up).  ff_resampler is
 * immutable (share it between threads).  Output m reads inputs
 * ff_resample_first_input(r, m) .. + ceil(taps / up); the signal has n_in
 * inputs and ceil(n_in * up / down) outputs.  Any split of the outputs into
 * ff_resample_run calls gives the same numbers bit for bit.
 */
#define FF_RESAMPLE_MAX_TAPS ((int64_t)1 << 22) /* 4,194,304 taps: 32 MiB, max(up, down) <= 209,715 */
typedef struct ff_resampler ff_resampler;

/* Taps of the filter for these rates (-1 for a rate <= 0). */
int64_t ff_resample_taps_for(int64_t orig_sr, int64_t target_sr);
/* FF_E_CONFIG for a rate <= 0 or a filter longer than FF_RESAMPLE_MAX_TAPS. */
ff_status ff_resampler_new(int64_t orig_sr, int64_t target_sr, ff_resampler **out);
void ff_resampler_free(ff_resampler *r);
void ff_resampler_info(const ff_resampler *r, int64_t *up, int64_t *down, int64_t *taps);
int64_t ff_resample_first_input(const ff_resampler *r, int64_t m);
int64_t ff_resample_outputs(const ff_resampler *r, int64_t n_in);
/* Outputs (from 0) whose every input has arrived once `received` inputs have. */
int64_t ff_resample_ready(const ff_resampler *r, int64_t received);
/*
 * Outputs m0 <= m < m1 into out (m1 - m0 floats).  x holds inputs x0 .. x0 + nx - 1
 * of a signal of n_in inputs and must cover every input those outputs read
 * (clipped to 0 .. n_in - 1), else FF_E_ARG.
 */
ff_status ff_resample_run(const ff_resampler *r, const double *x, int64_t x0, int64_t nx, int64_t n_in,
                          int64_t m0, int64_t m1, float *out);

#ifdef __cplusplus
}
#endif
#endif /* FASTFEAT_H */
