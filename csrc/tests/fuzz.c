/*
 * fuzz.c -- fuzz target for the engine and the WAV decoder.
 *
 * One input drives one of two targets (its first byte chooses):
 *   engine  the next bytes are a config (every field, valid or not: a config
 *           ff_config_check refuses ends the run), then chunk sizes and
 *           int16 samples (some turned into NaN/Inf); the signal goes through
 *           ff_extract and through a stream pushed in those chunks, and the
 *           stream must equal batch bit for bit (or both refuse it);
 *   wav     the bytes are a WAV file: ff_wav_parse, then ff_wav_decode of
 *           every frame the header claims, from an exact-size heap copy.
 * Built two ways (csrc/Makefile):
 *   make -C csrc fuzz          gcc + ASan/UBSan, a deterministic loop over
 *                              random and mutated inputs for FUZZ_SECONDS
 *   make -C csrc fuzz-clang    libFuzzer (clang -fsanitize=fuzzer) for
 *                              FUZZ_SECONDS, corpus in $(BUILD)/fuzz-corpus
 * A failure aborts (the sanitizers, or abort() on a stream/batch mismatch).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastfeat.h"

/* What the runs reached (printed by the deterministic loop). */
static long n_compared, n_refused, n_wav_ok;

/* Bytes of the input, read front to back; zeros once it runs out. */
typedef struct {
    const uint8_t *p;
    size_t n, at;
} reader;

static uint32_t take(reader *r, int bytes)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < bytes; i++) v = (v << 8) | (r->at < r->n ? r->p[r->at++] : 0u);
    return v;
}

/* A config from the input: small sizes so one run stays fast. */
static void read_config(reader *r, ff_config *c)
{
    static const int32_t ffts[] = {0, 256, 320, 400, 480, 512, 97, 128, 1000, 64};
    static const float pre[] = {0.0f, 0.97f, 1.0f, 0.5f};
    static const float lifters[] = {0.0f, 22.0f, 1.0f, 0.5f};
    ff_config_default(c);
    c->kind = (ff_kind)(take(r, 1) % 3);
    c->frame_length = 1 + (int32_t)(take(r, 2) % 600);
    c->hop_length = 1 + (int32_t)(take(r, 2) % 400);
    c->n_fft = ffts[take(r, 1) % 10];
    if (c->n_fft < c->frame_length) c->n_fft = c->frame_length; /* 0: the frame length */
    c->window = (ff_window)(take(r, 1) % 5);
    c->window_periodic = take(r, 1) & 1;
    c->center = take(r, 1) & 1;
    c->pad_mode = (ff_pad_mode)(take(r, 1) % 3);
    c->snip_edges = take(r, 1) & 1;
    c->pad_end = take(r, 1) & 1;
    c->preemphasis = pre[take(r, 1) % 4];
    c->preemphasis_scope = (ff_preemph_scope)(take(r, 1) & 1);
    c->remove_dc = take(r, 1) & 1;
    c->dither = (take(r, 1) & 3) == 0 ? 0.01f : 0.0f;
    c->seed = take(r, 4);
    c->power = (take(r, 1) & 1) ? 1.0f : 2.0f;
    c->spectrum_norm = (ff_spectrum_norm)(take(r, 1) & 1);
    c->n_mels = 1 + (int32_t)(take(r, 1) % 80);
    c->fmin = (double)(take(r, 1) % 8) * 50.0;
    c->fmax = (take(r, 1) & 1) ? 8000.0 : 4000.0 + (double)(take(r, 1) % 40) * 100.0;
    c->mel_scale = (ff_mel_scale)(take(r, 1) & 1);
    c->mel_norm = (ff_mel_norm)(take(r, 1) & 1);
    c->mel_triangles = (ff_mel_triangles)(take(r, 1) % 4);
    c->log = (ff_log)(take(r, 1) % 4);
    c->log_floor = (take(r, 1) & 1) ? 1e-10f : 1.1920929e-07f;
    c->log_floor_mode = (ff_floor_mode)(take(r, 1) & 1);
    c->top_db = (take(r, 1) & 7) == 0 ? 80.0f : 0.0f;
    c->n_mfcc = 1 + (int32_t)(take(r, 1) % 40);
    c->dct_norm = (ff_dct_norm)(take(r, 1) & 1);
    c->lifter = lifters[take(r, 1) % 4];
    c->energy = (ff_energy)(take(r, 1) % 3);
    c->energy_source = (ff_energy_source)(take(r, 1) % 3);
    c->deltas = (int32_t)(take(r, 1) % 3);
    c->delta_width = 1 + (int32_t)(take(r, 1) % 4);
    c->blackman_coeff = (take(r, 1) & 1) ? 0.42 : 0.5;
    c->vtln_warp = (take(r, 1) & 3) == 0 ? 0.9 + 0.05 * (double)(take(r, 1) % 5) : 1.0;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: %s\n", what);
        abort();
    }
}

static void fuzz_engine(reader *r)
{
    ff_config c;
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    ff_stream *s = NULL;
    float *x = NULL, *ref = NULL, *got = NULL;
    int64_t n, i, nf = 0, rows = 0, pos = 0, k, bad = -1;
    int32_t nfeat;
    uint32_t chunk_seed;
    ff_status st, sst;
    read_config(r, &c);
    if (ff_config_check(&c, NULL) != FF_OK) {
        n_refused++;
        return;
    }
    if (ff_extractor_new(&c, &e) != FF_OK) return;
    check(ff_workspace_new(e, &ws) == FF_OK, "workspace");
    chunk_seed = take(r, 2);
    n = (int64_t)((r->n - r->at) / 2);
    x = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    check(x != NULL, "malloc");
    for (i = 0; i < n; i++) {
        const int16_t v = (int16_t)take(r, 2);
        /* the two lowest codes are NaN and Inf */
        x[i] = v == INT16_MIN ? nanf("") : v == INT16_MIN + 1 ? HUGE_VALF : (float)v / 32768.0f;
    }
    nfeat = ff_num_features(&c);
    nf = ff_num_frames(&c, n);
    ref = malloc(sizeof(float) * (size_t)((nf > 0 ? nf : 1) * nfeat));
    check(ref != NULL, "malloc");
    st = ff_extract(e, ws, x, n, ref, nf, 1, &bad);
    check(st == FF_OK || st == FF_E_NONFINITE || st == FF_E_TOO_SHORT, "ff_extract status");
    check(st != FF_E_NONFINITE || (bad >= 0 && bad < n), "bad index");
    if (ff_stream_new(e, &s) != FF_OK) { /* top_db: not causal */
        check(c.log != FF_LOG_NONE && c.top_db > 0.0f, "ff_stream_new refused a causal config");
        goto done;
    }
    got = malloc(sizeof(float) * (size_t)((nf > 0 ? nf : 1) * nfeat));
    check(got != NULL, "malloc");
    sst = FF_OK;
    while (pos < n && sst == FF_OK) {
        int64_t len, want;
        chunk_seed = chunk_seed * 1103515245u + 12345u;
        len = 1 + (int64_t)((chunk_seed >> 16) % 700);
        if (len > n - pos) len = n - pos;
        want = ff_stream_rows_for(s, len);
        if (st == FF_OK) check(rows + want <= nf, "stream emits more rows than batch");
        if (rows + want > nf) break; /* a signal batch refused: nowhere to put them */
        sst = ff_stream_push(s, x + pos, len, got + rows * nfeat, nf - rows, &k, NULL);
        check(sst == FF_OK || sst == FF_E_NONFINITE, "push status");
        if (sst == FF_OK) {
            check(k == want, "rows_for");
            rows += k;
            pos += len;
        }
    }
    if (sst == FF_OK && rows <= nf) {
        sst = ff_stream_flush(s, got + rows * nfeat, nf - rows, &k);
        if (sst == FF_OK) rows += k;
    }
    if (st == FF_OK) {
        check(sst == FF_OK, "stream refused a signal batch took");
        check(rows == nf, "stream and batch row counts differ");
        n_compared += nf > 0;
        check(nf <= 0 || memcmp(got, ref, sizeof(float) * (size_t)(nf * nfeat)) == 0,
              "stream != batch (bits)");
    } else if (st == FF_E_NONFINITE) {
        check(sst == FF_E_NONFINITE, "stream accepted a NaN/Inf");
    }
done:
    ff_stream_free(s);
    ff_workspace_free(ws);
    ff_extractor_free(e);
    free(x);
    free(ref);
    free(got);
}

static void fuzz_wav(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size > 0 ? size : 1); /* exact size: ASan sees any overread */
    ff_wav_info info;
    check(buf != NULL, "malloc");
    if (size > 0) memcpy(buf, data, size);
    if (ff_wav_parse(buf, (int64_t)size, (int64_t)size, &info) == FF_OK) {
        const int64_t count = info.frames * info.channels;
        n_wav_ok++;
        check(info.data_offset >= 0 && info.data_offset <= (int64_t)size, "data offset");
        check(info.data_offset + count * (info.bits / 8) <= (int64_t)size, "frames past the end");
        if (count > 0 && count < (1 << 24)) {
            float *out = malloc(sizeof(float) * (size_t)count);
            check(out != NULL, "malloc");
            check(ff_wav_decode(&info, buf + info.data_offset, count, out) == FF_OK, "decode");
            free(out);
        }
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r;
    if (size < 1) return 0;
    r.p = data + 1;
    r.n = size - 1;
    r.at = 0;
    if (data[0] & 1) fuzz_wav(data + 1, size - 1);
    else fuzz_engine(&r);
    return 0;
}

#ifndef FF_LIBFUZZER
/* Deterministic loop: random inputs, and WAV headers with random bytes
 * changed, for argv[1] seconds (default 10). */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* A valid WAV (format 1 PCM or 3 float) of `frames` frames after the selector byte. */
static size_t make_wav(uint8_t *b, uint32_t frames, uint16_t fmt, uint16_t bits, uint16_t ch)
{
    const uint32_t bytes = frames * ch * (bits / 8u);
    b[0] = 1;
    memcpy(b + 1, "RIFF", 4); put32(b + 5, 36 + bytes); memcpy(b + 9, "WAVEfmt ", 8);
    put32(b + 17, 16); b[21] = (uint8_t)fmt; b[22] = 0; b[23] = (uint8_t)ch; b[24] = 0;
    put32(b + 25, 16000); put32(b + 29, 16000u * ch * (bits / 8u));
    b[33] = (uint8_t)(ch * bits / 8u); b[34] = 0; b[35] = (uint8_t)bits; b[36] = 0;
    memcpy(b + 37, "data", 4); put32(b + 41, bytes);
    return 45 + bytes;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 10.0;
    const clock_t t0 = clock();
    static uint8_t buf[1 << 16];
    uint64_t seed = 1;
    long runs = 0;
    while ((double)(clock() - t0) / CLOCKS_PER_SEC < seconds) {
        const uint64_t kind = next(&seed) % 4;
        size_t size, i;
        if (kind == 0) { /* a WAV with bytes changed */
            static const uint16_t bits[] = {8, 16, 24, 32, 64};
            const uint16_t b = bits[next(&seed) % 5];
            size = make_wav(buf, (uint32_t)(next(&seed) % 200), b == 64 || (b == 32 && next(&seed) & 1) ? 3 : 1,
                            b, (uint16_t)(1 + next(&seed) % 3));
            for (i = next(&seed) % 4; i > 0; i--) buf[1 + next(&seed) % (size - 1)] = (uint8_t)next(&seed);
            size -= next(&seed) % 8 == 0 ? next(&seed) % size : 0; /* truncated */
        } else { /* engine: config bytes + a few thousand samples, or raw bytes */
            size = 1 + (size_t)(next(&seed) % (kind == 1 ? 256 : 12000));
            for (i = 0; i < size; i++) buf[i] = (uint8_t)next(&seed);
            buf[0] = kind == 1 ? (uint8_t)(buf[0] | 1) : (uint8_t)(buf[0] & ~1u);
            if (kind == 3) /* samples: a smooth signal, not noise bytes */
                for (i = 48; i + 1 < size; i += 2) {
                    const int16_t v = (int16_t)(8000.0 * ((double)(i % 97) / 97.0 - 0.5));
                    buf[i] = (uint8_t)((uint16_t)v >> 8); buf[i + 1] = (uint8_t)v;
                }
        }
        LLVMFuzzerTestOneInput(buf, size);
        runs++;
    }
    printf("fuzz: %ld inputs in %.0f s, no failure (%ld signals streamed == batch, %ld configs "
           "refused, %ld WAV headers accepted)\n", runs, seconds, n_compared, n_refused, n_wav_ok);
    return 0;
}
#endif
