/*
 * test_engine.c -- C-level tests of the public API (fastfeat.h), meant to run
 * under AddressSanitizer/UBSan (see the Makefile):
 *   - every config variant builds and extracts a finite result;
 *   - error paths return the documented status and leak nothing;
 *   - a stream fed in 1, 7, 160, 4096 and random-sized chunks reproduces
 *     ff_extract bit for bit, for every framing rule, deltas, energy, dither;
 *   - a failed push leaves the stream unchanged.
 * Prints "N passed, M failed"; exit status 1 on any failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "fastfeat.h"

static uint64_t rng_state = 12345;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static float *make_signal(int64_t n)
{
    float *x = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] = (float)(0.3 * sin(0.05 * i + 0.0001 * i * i / 16.0) + 0.05 * (urand() - 0.5));
    return x;
}

/* Batch features of x (NULL when the signal is too short). */
static float *batch(const ff_extractor *e, const float *x, int64_t n, int64_t *rows, int threads)
{
    const ff_config *c = ff_extractor_config(e);
    ff_workspace *ws = NULL;
    float *out;
    ff_status st;
    *rows = ff_num_frames(c, n);
    if (*rows <= 0) return NULL;
    out = malloc(sizeof(float) * (size_t)(*rows * ff_num_features(c)));
    if (ff_workspace_new(e, &ws) != FF_OK) abort();
    st = ff_extract(e, ws, x, n, out, *rows, threads, NULL);
    ff_workspace_free(ws);
    EXPECT(st == FF_OK, "ff_extract: %s", ff_strerror(st));
    return out;
}

/* Stream x in chunks (chunk <= 0: random sizes up to -chunk) and compare with ref. */
static void stream_vs_batch(const ff_extractor *e, const float *x, int64_t n, int64_t chunk,
                            const float *ref, int64_t ref_rows, const char *label)
{
    const int32_t nf = ff_num_features(ff_extractor_config(e));
    ff_stream *s = NULL;
    float *got = malloc(sizeof(float) * (size_t)((ref_rows > 0 ? ref_rows : 1) * nf));
    int64_t pos = 0, rows = 0, k = 0;
    ff_status st = ff_stream_new(e, &s);
    EXPECT(st == FF_OK, "ff_stream_new: %s", ff_strerror(st));
    if (st != FF_OK) { free(got); return; }
    while (pos < n) {
        int64_t len = chunk > 0 ? chunk : 1 + (int64_t)(urand() * (double)(-chunk));
        int64_t want;
        if (len > n - pos) len = n - pos;
        want = ff_stream_rows_for(s, len);
        if (rows + want > ref_rows) {
            EXPECT(0, "%s: stream emits more rows than batch", label);
            break;
        }
        st = ff_stream_push(s, x + pos, len, got + rows * nf, ref_rows - rows, &k, NULL);
        EXPECT(st == FF_OK && k == want, "%s: push status %s, %lld rows, predicted %lld", label,
               ff_strerror(st), (long long)k, (long long)want);
        rows += k;
        pos += len;
    }
    st = ff_stream_flush(s, got + rows * nf, ref_rows - rows, &k);
    EXPECT(st == FF_OK, "%s: flush %s", label, ff_strerror(st));
    rows += k;
    EXPECT(rows == (ref_rows > 0 ? ref_rows : 0), "%s: %lld rows streamed, %lld in batch", label,
           (long long)rows, (long long)ref_rows);
    if (rows == ref_rows && ref_rows > 0) {
        int64_t i, worst = -1;
        for (i = 0; i < rows * nf; i++)
            if (got[i] != ref[i]) { worst = i; break; }
        EXPECT(worst < 0, "%s (chunk %lld): row %lld col %lld differs: %.9g vs %.9g", label,
               (long long)chunk, (long long)(worst / nf), (long long)(worst % nf),
               worst >= 0 ? got[worst] : 0.0, worst >= 0 ? ref[worst] : 0.0);
    }
    ff_stream_free(s);
    free(got);
}

static ff_config base(void)
{
    ff_config c;
    ff_config_default(&c);
    return c;
}

static void test_variants(void)
{
    ff_config cfgs[16];
    const char *names[16];
    int nc = 0, i;
    ff_config c;

    cfgs[nc] = base(); names[nc++] = "default";
    c = base(); c.deltas = 2; c.energy = FF_ENERGY_APPEND; cfgs[nc] = c; names[nc++] = "deltas2+append";
    c = base(); c.center = 1; c.pad_mode = FF_PAD_REFLECT; c.window = FF_WIN_HANN;
    c.window_periodic = 1; c.mel_scale = FF_MEL_SLANEY; c.mel_norm = FF_MELNORM_SLANEY;
    c.mel_triangles = FF_TRI_HZ; c.log = FF_LOG_DB; c.preemphasis = 0; cfgs[nc] = c; names[nc++] = "librosa-like";
    c = base(); c.center = 1; c.pad_mode = FF_PAD_EDGE; c.kind = FF_KIND_LOGMEL; c.deltas = 1;
    cfgs[nc] = c; names[nc++] = "center-edge-logmel";
    c = base(); c.snip_edges = 0; c.window = FF_WIN_POVEY; c.remove_dc = 1; c.dither = 0.01f;
    c.seed = 7; c.energy = FF_ENERGY_REPLACE_C0; c.lifter = 22; c.n_mels = 23; c.fmin = 20;
    cfgs[nc] = c; names[nc++] = "kaldi-nosnip-dither";
    c = base(); c.pad_end = 1; c.window = FF_WIN_RECTANGULAR; c.preemphasis_scope = FF_PREEMPH_SIGNAL;
    c.spectrum_norm = FF_SPECNORM_NFFT; c.mel_triangles = FF_TRI_BIN; c.n_mels = 26;
    c.energy = FF_ENERGY_REPLACE_C0; c.energy_source = FF_ESRC_SPECTRUM;
    c.log_floor_mode = FF_FLOOR_ZERO; c.deltas = 2; cfgs[nc] = c; names[nc++] = "psf-like";
    c = base(); c.kind = FF_KIND_POWER; c.power = 1.0f; c.log = FF_LOG_NONE; c.n_fft = 400;
    c.window = FF_WIN_BLACKMAN; cfgs[nc] = c; names[nc++] = "magnitude-nfft400";
    c = base(); c.n_fft = 401; c.frame_length = 401; c.hop_length = 97; c.log = FF_LOG_LOG10;
    c.energy = FF_ENERGY_APPEND; c.energy_source = FF_ESRC_WINDOWED; c.power = 1.5f;
    c.dct_norm = FF_DCT_NONE; cfgs[nc] = c; names[nc++] = "odd-sizes";
    c = base(); c.vtln_warp = 1.15; c.vtln_low = 100.0; c.vtln_high = 7500.0; c.fmin = 20;
    c.window = FF_WIN_BLACKMAN; c.blackman_coeff = 0.3; c.mel_triangles = FF_TRI_BIN;
    cfgs[nc] = c; names[nc++] = "vtln-blackman-bins";
    c = base(); c.window_centered = 1; c.frame_length = 300; c.dct_type = 3; c.mel_pnorm = 2.0;
    c.mel_triangles = FF_TRI_HZ; c.fmax = 9000.0; c.deltas = 1; cfgs[nc] = c; names[nc++] = "librosa-center-false";
    c = base(); c.center = 1; c.pad_mode = FF_PAD_SYMMETRIC; c.dct_type = 1; c.dct_norm = FF_DCT_NONE;
    cfgs[nc] = c; names[nc++] = "symmetric-dct1";
    c = base(); c.center = 1; c.n_fft = 400; c.window_periodic = 1; c.preemphasis = 0;
    c.mel_triangles = FF_TRI_HZ_SYMMETRIC; c.log = FF_LOG_DB; c.n_mels = 23; c.n_mfcc = 20;
    c.deltas = 2; cfgs[nc] = c; names[nc++] = "speechbrain-like";
    c = base(); c.frame_length = 480; c.preemphasis = 0; c.window = FF_WIN_HANN; c.window_periodic = 1;
    c.power = 1.0f; c.fmin = 20.0; c.fmax = 4000.0; c.mel_first_bin = FF_FIRSTBIN_HTK;
    c.log_floor = 1e-12f; c.dct_norm = FF_DCT_HTK; cfgs[nc] = c; names[nc++] = "tensorflow-mfcc-op";

    for (i = 0; i < nc; i++) {
        ff_extractor *e = NULL;
        ff_status st = ff_extractor_new(&cfgs[i], &e);
        const int64_t lens[] = {0, 1, 5, 399, 400, 401, 1000, 16000, 33333};
        size_t li;
        EXPECT(st == FF_OK, "%s: ff_extractor_new: %s", names[i], ff_strerror(st));
        if (st != FF_OK) continue;
        for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            const int64_t n = lens[li];
            float *x = make_signal(n);
            int64_t rows, j;
            float *ref = batch(e, x, n, &rows, 1);
            const int64_t chunks[] = {1, 7, 160, 4096, -300, -5000};
            size_t ci;
            if (ref) {
                int finite = 1;
                for (j = 0; j < rows * ff_num_features(&cfgs[i]); j++) finite &= isfinite(ref[j]) != 0;
                EXPECT(finite, "%s n=%lld: non-finite output", names[i], (long long)n);
                if (n >= 16000) { /* OpenMP split gives the same numbers */
                    int64_t rows2;
                    float *par = batch(e, x, n, &rows2, 2);
                    EXPECT(memcmp(par, ref, sizeof(float) * (size_t)(rows * ff_num_features(&cfgs[i]))) == 0,
                           "%s: 2 threads differ from 1", names[i]);
                    free(par);
                }
            }
            for (ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
                if (chunks[ci] == 1 && n > 5000) continue; /* keep the ASan run short */
                stream_vs_batch(e, x, n, chunks[ci], ref, ref ? rows : 0, names[i]);
            }
            free(ref);
            free(x);
        }
        ff_extractor_free(e);
    }
}

static void test_errors(void)
{
    ff_config c = base();
    const char *field = NULL;
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    ff_stream *s = NULL;
    float x[1000], out[13 * 10];
    int64_t bad = -1, k = -1, i;

    c.n_fft = 256; /* < frame_length */
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "frame_length") == 0,
           "frame_length > n_fft not caught (%s)", field ? field : "NULL");
    c = base(); c.hop_length = 0;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "hop_length") == 0, "hop 0");
    c = base(); c.n_mels = 300;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "n_mels") == 0, "n_mels");
    c = base(); c.fmax = 9000;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "fmax") == 0, "fmax");
    c = base(); c.fmax = 9000; c.mel_triangles = FF_TRI_HZ; /* librosa's filterbank accepts it */
    EXPECT(ff_config_check(&c, &field) == FF_OK, "fmax above Nyquist with Hz triangles");
    c = base(); c.fmin = 8000;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "fmin") == 0, "fmin");
    c = base(); c.dct_type = 4;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "dct_type") == 0, "dct_type 4");
    c = base(); c.dct_type = 1; c.n_mels = 1; c.n_mfcc = 1;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "dct_type") == 0, "DCT-I of 1 value");
    c = base(); c.mel_pnorm = 2.0; c.mel_norm = FF_MELNORM_SLANEY;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "mel_pnorm") == 0, "two mel norms");
    c = base(); c.dct_norm = FF_DCT_HTK; c.dct_type = 3;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "dct_norm") == 0, "htk DCT needs type 2");
    c = base(); c.mel_first_bin = (ff_mel_first_bin)2;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "mel_first_bin") == 0, "mel_first_bin");
    c = base(); c.mel_pnorm = -1.0;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "mel_pnorm") == 0, "mel_pnorm < 0");
    c = base(); c.window_centered = 1; c.pad_end = 1;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "window_centered") == 0, "window_centered + pad_end");
    c = base(); c.window_centered = 1; c.frame_length = 300; /* librosa center=False: n_fft frames */
    EXPECT(ff_num_frames(&c, 511) == 0 && ff_num_frames(&c, 512) == 1 && ff_num_frames(&c, 672) == 2 &&
           ff_frame_start(&c, 1) == 160 + (512 - 300) / 2, "window_centered framing");
    c = base(); c.preemphasis = NAN;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "preemphasis") == 0, "nan");
    c = base(); c.n_fft = FF_MAX_FFT + 1;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "n_fft") == 0, "n_fft max");
    c = base(); c.blackman_coeff = 1.5;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "blackman_coeff") == 0, "blackman_coeff");
    c = base(); c.vtln_low = 0.0; /* ignored while the warp is off */
    EXPECT(ff_config_check(&c, &field) == FF_OK, "vtln points unchecked at warp 1");
    c.vtln_warp = 0.9;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "vtln_low") == 0, "vtln_low <= fmin");
    c = base(); c.vtln_warp = 0.9; c.vtln_low = 3000.0; c.vtln_high = 3100.0; /* no middle band */
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "vtln_high") == 0, "vtln_high");
    c = base(); c.vtln_warp = 0.0;
    EXPECT(ff_config_check(&c, &field) == FF_E_CONFIG && strcmp(field, "vtln_warp") == 0, "vtln_warp 0");
    c = base(); c.kind = (ff_kind)9;
    EXPECT(ff_extractor_new(&c, &e) == FF_E_CONFIG && e == NULL, "bad enum");
    EXPECT(ff_extractor_new(NULL, &e) == FF_E_ARG, "NULL cfg");

    c = base();
    EXPECT(ff_extractor_new(&c, &e) == FF_OK, "default config");
    EXPECT(ff_workspace_new(e, &ws) == FF_OK, "workspace");
    for (i = 0; i < 1000; i++) x[i] = (float)sin(0.1 * i);
    EXPECT(ff_extract(e, ws, x, 399, out, 10, 1, NULL) == FF_E_TOO_SHORT, "too short");
    EXPECT(ff_extract(e, ws, x, 0, out, 10, 1, NULL) == FF_E_TOO_SHORT, "empty");
    EXPECT(ff_extract(e, ws, x, 1000, out, 3, 1, NULL) == FF_E_BUFFER, "small out");
    EXPECT(ff_extract(e, ws, x, -1, out, 10, 1, NULL) == FF_E_ARG, "negative n");
    x[517] = NAN;
    EXPECT(ff_extract(e, ws, x, 1000, out, 10, 1, &bad) == FF_E_NONFINITE && bad == 517, "NaN at %lld", (long long)bad);
    x[517] = INFINITY;
    EXPECT(ff_extract(e, ws, x, 1000, out, 10, 1, &bad) == FF_E_NONFINITE && bad == 517, "Inf");

    EXPECT(ff_stream_new(e, &s) == FF_OK, "stream");
    EXPECT(ff_stream_push(s, x, 1000, out, 10, &k, &bad) == FF_E_NONFINITE && bad == 517, "stream NaN");
    x[517] = 0.5f;
    EXPECT(ff_stream_rows_for(s, 1000) == 4, "rows_for unchanged after a rejected push");
    EXPECT(ff_stream_push(s, x, 1000, out, 3, &k, NULL) == FF_E_BUFFER, "stream small out");
    EXPECT(ff_stream_push(s, x, 1000, out, 10, &k, NULL) == FF_OK && k == 4, "stream push (%lld)", (long long)k);
    EXPECT(ff_stream_flush(s, out, 10, &k) == FF_OK && k == 0, "flush");
    EXPECT(ff_stream_push(s, x, 10, out, 10, &k, NULL) == FF_E_STATE, "push after flush");
    ff_stream_reset(s);
    EXPECT(ff_stream_push(s, x, 10, out, 10, &k, NULL) == FF_OK && k == 0, "push after reset");
    ff_stream_free(s);

    c.top_db = 80; c.log = FF_LOG_DB;
    {
        ff_extractor *e2 = NULL;
        EXPECT(ff_extractor_new(&c, &e2) == FF_OK, "top_db extractor");
        EXPECT(ff_stream_new(e2, &s) == FF_E_CONFIG && s == NULL, "stream refuses top_db");
        ff_extractor_free(e2);
    }
    {
        float d_in[6] = {0, 1, 2, 3, 4, 5}, d_out[6], scratch[6];
        EXPECT(ff_delta(d_in, 6, 1, 1, 1, 2, d_out, 1, NULL) == FF_OK && fabsf(d_out[2] - 1.0f) < 1e-6f
               && fabsf(d_out[0] - 0.5f) < 1e-6f, "delta of a ramp");
        EXPECT(ff_delta(d_in, 6, 1, 1, 2, 2, d_out, 1, NULL) == FF_E_ARG, "order 2 needs scratch");
        EXPECT(ff_delta(d_in, 6, 1, 1, 2, 2, d_out, 1, scratch) == FF_OK, "order 2");
        EXPECT(ff_delta(d_in, 6, 1, 1, 3, 2, d_out, 1, scratch) == FF_E_ARG, "order 3");
    }
    ff_workspace_free(ws);
    ff_extractor_free(e);
}

/* ff_extract_frames + a double-precision DFT + ff_extract_from_fft == ff_extract. */
static void test_two_halves(void)
{
    ff_config c;
    const int64_t n = 5000;
    float *x = make_signal(n);
    int pass;
    for (pass = 0; pass < 3; pass++) {
        ff_extractor *e = NULL;
        ff_workspace *ws = NULL;
        int64_t rows, f, k, i;
        int32_t nfft, nb, nfeat;
        float *frames, *energy, *spec, *out, *ref;
        double worst = 0.0;
        ff_config_default(&c);
        if (pass == 1) { c.energy = FF_ENERGY_REPLACE_C0; c.remove_dc = 1; c.deltas = 2; c.window = FF_WIN_POVEY; }
        if (pass == 2) { c.log = FF_LOG_DB; c.top_db = 40.0f; c.center = 1; c.energy = FF_ENERGY_APPEND;
                         c.energy_source = FF_ESRC_SPECTRUM; c.n_fft = 400; }
        if (ff_extractor_new(&c, &e) != FF_OK || ff_workspace_new(e, &ws) != FF_OK) abort();
        rows = ff_num_frames(&c, n);
        nfft = c.n_fft; nb = nfft / 2 + 1; nfeat = ff_num_features(&c);
        frames = malloc(sizeof(float) * (size_t)(rows * nfft));
        energy = malloc(sizeof(float) * (size_t)rows);
        spec = malloc(sizeof(float) * (size_t)(rows * 2 * nb));
        out = malloc(sizeof(float) * (size_t)(rows * nfeat));
        ref = batch(e, x, n, &rows, 1);
        EXPECT(ff_extract_frames(e, ws, x, n, frames, energy, rows, NULL) == FF_OK, "frames");
        EXPECT(ff_extract_frames(e, ws, x, n, frames, energy, rows - 1, NULL) == FF_E_BUFFER, "frames rows");
        for (f = 0; f < rows; f++)
            for (k = 0; k < nb; k++) {
                double re = 0, im = 0;
                for (i = 0; i < nfft; i++) {
                    re += frames[f * nfft + i] * cos(-2.0 * 3.14159265358979323846 * (double)(i * k % nfft) / nfft);
                    im += frames[f * nfft + i] * sin(-2.0 * 3.14159265358979323846 * (double)(i * k % nfft) / nfft);
                }
                spec[(f * nb + k) * 2] = (float)re;
                spec[(f * nb + k) * 2 + 1] = (float)im;
            }
        EXPECT(ff_extract_from_fft(e, ws, spec, energy, rows, out, rows, 1) == FF_OK, "from_fft");
        for (i = 0; i < rows * nfeat; i++) {
            double d = fabs((double)out[i] - ref[i]) / (1.0 + fabs(ref[i]));
            if (d > worst) worst = d;
        }
        EXPECT(worst < 1e-4, "two halves (pass %d) differ from ff_extract by %g", pass, worst);
        free(frames); free(energy); free(spec); free(out); free(ref);
        ff_workspace_free(ws);
        ff_extractor_free(e);
    }
    free(x);
}

/* ff_extract checks the signal for NaN/Inf block by block while it works:
 * every sample is checked (those no frame reads, too), the error names the
 * first bad sample with any thread count, and a later call on a clean signal
 * gives the same rows as a fresh workspace. */
static void test_nonfinite_positions(void)
{
    const int64_t n = 9000;
    ff_config cfgs[5];
    int nc = 0, i, t, p, q;
    cfgs[nc++] = base();                                   /* snip_edges: the tail is read by no frame */
    cfgs[nc] = base(); cfgs[nc].center = 1; cfgs[nc].snip_edges = 0;
    cfgs[nc].pad_mode = FF_PAD_REFLECT; cfgs[nc].log = FF_LOG_DB; cfgs[nc].top_db = 80; nc++;
    cfgs[nc] = base(); cfgs[nc].frame_length = 200; cfgs[nc].hop_length = 300; nc++; /* gaps */
    cfgs[nc] = base(); cfgs[nc].window_centered = 1; cfgs[nc].frame_length = 300; nc++;
    cfgs[nc] = base(); cfgs[nc].deltas = 2; cfgs[nc].preemphasis_scope = FF_PREEMPH_SIGNAL; nc++;
    for (i = 0; i < nc; i++) {
        ff_extractor *e = NULL;
        ff_workspace *ws = NULL;
        float *x = make_signal(n), *ref, *out;
        int64_t rows, bad;
        const int64_t spots[] = {0, 1, 250, 2559, 2560, 4321, 4500, n - 200, n - 2, n - 1};
        const int ns = (int)(sizeof spots / sizeof spots[0]);
        EXPECT(ff_extractor_new(&cfgs[i], &e) == FF_OK, "config %d", i);
        if (!e) { free(x); continue; }
        ref = batch(e, x, n, &rows, 1);
        out = malloc(sizeof(float) * (size_t)(rows * ff_num_features(&cfgs[i])));
        if (ff_workspace_new(e, &ws) != FF_OK || !out || !ref) abort();
        for (t = 1; t <= 2; t++)
            for (p = 0; p < ns; p++)
                for (q = p; q < ns; q += 3) { /* one bad sample, or two (the first is named) */
                    const float saved_p = x[spots[p]], saved_q = x[spots[q]];
                    x[spots[q]] = q % 2 ? INFINITY : -INFINITY;
                    x[spots[p]] = NAN;
                    bad = -7;
                    EXPECT(ff_extract(e, ws, x, n, out, rows, t, &bad) == FF_E_NONFINITE &&
                               bad == spots[p],
                           "config %d, %d threads: bad sample %lld reported as %lld", i, t,
                           (long long)spots[p], (long long)bad);
                    x[spots[q]] = saved_q;
                    x[spots[p]] = saved_p;
                }
        EXPECT(ff_extract(e, ws, x, n, out, rows, 2, &bad) == FF_OK && bad == -1 &&
                   memcmp(out, ref, sizeof(float) * (size_t)(rows * ff_num_features(&cfgs[i]))) == 0,
               "config %d: the rows after rejected calls", i);
        ff_workspace_free(ws);
        ff_extractor_free(e);
        free(out);
        free(ref);
        free(x);
    }
}

int main(void)
{
    test_errors();
    test_nonfinite_positions();
    test_two_halves();
    test_variants();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
