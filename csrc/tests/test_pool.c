/*
 * test_pool.c -- ff_pool under AddressSanitizer/UBSan (see the Makefile):
 *   - random rounds of pushes of random handle subsets in random order with
 *     random chunk lengths give, stream by stream and push by push, exactly
 *     the rows of one ff_stream per handle fed the same chunks;
 *   - a rejected push (NaN, repeated or closed handle, small out, flushed
 *     stream) names the stream at fault and changes no stream;
 *   - flush, reset, close and reopen interleaved with the pushes.
 * Prints "N passed, M failed"; exit status 1 on any failure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "fastfeat.h"

#define N_STREAMS 37   /* more than one block of lanes */
#define MAX_CHUNK 700

static uint64_t rng_state = 987654321;
static uint64_t rnd(uint64_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng_state >> 33) % n;
}

static float sample(int64_t h, int64_t i)
{
    return (float)(0.3 * sin(0.01 * (double)(h + 3) * (double)i) + 1e-3 * (double)((i * 7 + h) % 13));
}

typedef struct {
    ff_stream *ref;
    int64_t handle;   /* in the pool, -1 when closed */
    int64_t pos;      /* samples pushed so far (their values are sample(slot, pos)) */
} model;

static int same_rows(const float *a, const float *b, int64_t rows, int32_t nf)
{
    return rows == 0 || memcmp(a, b, sizeof(float) * (size_t)(rows * nf)) == 0;
}

static void run_config(const ff_config *c, const char *name, int rounds)
{
    const int32_t nf = ff_num_features(c);
    ff_extractor *e = NULL;
    ff_pool *p = NULL;
    model m[N_STREAMS];
    int64_t handles[N_STREAMS], lens[N_STREAMS], offsets[N_STREAMS + 1], idx[N_STREAMS];
    const float *xs[N_STREAMS];
    float *chunks = malloc(sizeof(float) * N_STREAMS * MAX_CHUNK);
    const int64_t cap = N_STREAMS * (MAX_CHUNK / 50 + 8);  /* rows: hop >= 97 here */
    float *out = malloc(sizeof(float) * (size_t)(cap * nf));
    float *ref = malloc(sizeof(float) * (size_t)(cap * nf));
    int64_t i, k, r, bad_stream, bad_index, total;
    int round;
    ff_status st;

    EXPECT(ff_extractor_new(c, &e) == FF_OK && ff_pool_new(e, &p) == FF_OK, "%s: new", name);
    for (i = 0; i < N_STREAMS; i++) {
        EXPECT(ff_stream_new(e, &m[i].ref) == FF_OK, "stream");
        EXPECT(ff_pool_open(p, &m[i].handle) == FF_OK && m[i].handle == i, "%s: open %lld", name,
               (long long)i);
        m[i].pos = 0;
    }
    for (round = 0; round < rounds; round++) {
        int64_t n = 0, rows = 0;
        const int action = (int)rnd(20);
        /* A random subset of the open streams in random order, random lengths. */
        for (i = 0; i < N_STREAMS; i++)
            if (m[i].handle >= 0 && rnd(4) != 0) idx[n++] = i;
        for (i = n - 1; i > 0; i--) {
            const int64_t j = (int64_t)rnd((uint64_t)i + 1), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        for (i = 0; i < n; i++) {
            const int64_t s = idx[i];
            float *x = chunks + i * MAX_CHUNK;
            handles[i] = m[s].handle;
            lens[i] = rnd(3) == 0 ? (int64_t)rnd(MAX_CHUNK + 1) : 160;
            for (k = 0; k < lens[i]; k++) x[k] = sample(s, m[s].pos + k);
            xs[i] = x;
        }
        EXPECT(ff_pool_rows_for(p, n, handles, lens, NULL, &total, NULL) == FF_OK, "rows_for");
        if (action == 0 && n > 0 && lens[n - 1] > 0) {  /* NaN in the last chunk */
            float *x = chunks + (n - 1) * MAX_CHUNK;
            const int64_t at = (int64_t)rnd((uint64_t)lens[n - 1]);
            const float keep = x[at];
            x[at] = NAN;
            st = ff_pool_push(p, n, handles, xs, lens, out, cap, offsets, &bad_stream, &bad_index);
            EXPECT(st == FF_E_NONFINITE && bad_stream == n - 1 && bad_index == at,
                   "%s: NaN push: %s stream %lld index %lld", name, ff_strerror(st),
                   (long long)bad_stream, (long long)bad_index);
            x[at] = keep;
        } else if (action == 1 && n > 1) {  /* a repeated handle */
            const int64_t keep = handles[n - 1];
            handles[n - 1] = handles[0];
            st = ff_pool_push(p, n, handles, xs, lens, out, cap, offsets, &bad_stream, NULL);
            EXPECT(st == FF_E_HANDLE && bad_stream == n - 1, "%s: repeated handle", name);
            handles[n - 1] = keep;
        } else if (action == 2 && total > 0) {  /* out too small */
            st = ff_pool_push(p, n, handles, xs, lens, out, total - 1, offsets, &bad_stream, NULL);
            EXPECT(st == FF_E_BUFFER && bad_stream == -1 && offsets[n] == total, "%s: small out", name);
        }
        /* Whatever was rejected changed nothing: the real push gives the stream rows. */
        st = ff_pool_push(p, n, handles, xs, lens, out, cap, offsets, &bad_stream, &bad_index);
        EXPECT(st == FF_OK && offsets[n] == total, "%s: push: %s", name, ff_strerror(st));
        if (st != FF_OK) break;
        for (i = 0; i < n; i++) {
            const int64_t s = idx[i];
            EXPECT(ff_stream_push(m[s].ref, xs[i], lens[i], ref, cap, &k, NULL) == FF_OK, "ref push");
            EXPECT(k == offsets[i + 1] - offsets[i] && same_rows(ref, out + offsets[i] * nf, k, nf),
                   "%s round %d: stream %lld: pool %lld rows, stream %lld (or different bits)", name,
                   round, (long long)s, (long long)(offsets[i + 1] - offsets[i]), (long long)k);
            m[s].pos += lens[i];
            rows += k;
        }
        EXPECT(rows == offsets[n], "%s: row count", name);
        /* Life cycle of one random stream. */
        i = (int64_t)rnd(N_STREAMS);
        if (action == 3 && m[i].handle >= 0) {  /* flush, compare, push refused, reset */
            EXPECT(ff_pool_flush(p, m[i].handle, out, cap, &k) == FF_OK, "flush");
            EXPECT(ff_stream_flush(m[i].ref, ref, cap, &r) == FF_OK, "ref flush");
            EXPECT(k == r && same_rows(ref, out, k, nf), "%s: flush rows", name);
            lens[0] = 10;
            xs[0] = chunks;
            st = ff_pool_push(p, 1, &m[i].handle, xs, lens, out, cap, offsets, &bad_stream, NULL);
            EXPECT(st == FF_E_STATE && bad_stream == 0, "%s: push after flush", name);
            EXPECT(ff_pool_reset(p, m[i].handle) == FF_OK, "reset");
            ff_stream_reset(m[i].ref);
            m[i].pos = 0;
        } else if (action == 4 && m[i].handle >= 0) {  /* close: the handle is refused */
            const int64_t h = m[i].handle;
            EXPECT(ff_pool_close(p, h) == FF_OK, "close");
            EXPECT(ff_pool_close(p, h) == FF_E_HANDLE && ff_pool_reset(p, h) == FF_E_HANDLE &&
                   ff_pool_flush(p, h, out, cap, &k) == FF_E_HANDLE, "%s: closed handle", name);
            lens[0] = 0;
            st = ff_pool_push(p, 1, &h, xs, lens, out, cap, offsets, &bad_stream, NULL);
            EXPECT(st == FF_E_HANDLE && bad_stream == 0, "%s: push to a closed handle", name);
            m[i].handle = -1;
        } else if (action == 5 && m[i].handle < 0) {  /* reopen: a fresh stream */
            EXPECT(ff_pool_open(p, &m[i].handle) == FF_OK, "reopen");
            ff_stream_reset(m[i].ref);
            m[i].pos = 0;
        }
    }
    for (i = 0; i < N_STREAMS; i++) {
        if (m[i].handle >= 0) {
            EXPECT(ff_pool_flush(p, m[i].handle, out, cap, &k) == FF_OK, "final flush");
            EXPECT(ff_stream_flush(m[i].ref, ref, cap, &r) == FF_OK, "ref final flush");
            EXPECT(k == r && same_rows(ref, out, k, nf), "%s: final flush rows", name);
        }
        ff_stream_free(m[i].ref);
    }
    EXPECT(ff_pool_bytes(p) > 0 && ff_pool_size(p) <= N_STREAMS, "%s: sizes", name);
    ff_pool_free(p);
    ff_extractor_free(e);
    free(chunks);
    free(out);
    free(ref);
}

/* Kaldi's apply-cmvn-sliding (center=false) straight from its definition:
 * for each row the window's sums from scratch, in double. */
static void kaldi_sliding(const float *x, int64_t rows, int32_t dim, int64_t window, int64_t min_window,
                          int norm_vars, double *out)
{
    int64_t t, r;
    int32_t d;
    for (t = 0; t < rows; t++) {
        int64_t s = t - window, e = t + 1;
        if (s < 0) { e -= s; s = 0; }
        if (e > t) e = t + 1 > min_window ? t + 1 : min_window;
        if (e > rows) { s -= e - rows; e = rows; if (s < 0) s = 0; }
        for (d = 0; d < dim; d++) {
            double sum = 0, sq = 0, n = (double)(e - s), v;
            for (r = s; r < e; r++) { sum += x[r * dim + d]; sq += (double)x[r * dim + d] * x[r * dim + d]; }
            v = x[t * dim + d] - sum / n;
            if (norm_vars) {
                double var = sq / n - (sum / n) * (sum / n);
                v = n == 1 ? 0.0 : v / sqrt(var < 1e-10 ? 1e-10 : var);
            }
            out[t * dim + d] = v;
        }
    }
}

/* Kaldi's online2 OnlineCmvn (global stats g, no speaker stats) from its definition. */
static void kaldi_online(const float *x, int64_t rows, int32_t dim, int64_t window, int64_t gframes,
                         const double *g, int norm_vars, double *out)
{
    int64_t t, r;
    int32_t d;
    for (t = 0; t < rows; t++) {
        const int64_t s = t - window + 1 > 0 ? t - window + 1 : 0;
        double cnt = (double)(t + 1 - s), a = 0.0;
        if (cnt < window) a = ((double)window - cnt < gframes ? (double)window - cnt : (double)gframes) / g[dim];
        for (d = 0; d < dim; d++) {
            double sum = a * g[d], sq = a * g[dim + 1 + d], n = cnt + a * g[dim], mean, var;
            for (r = s; r <= t; r++) { sum += x[r * dim + d]; sq += (double)x[r * dim + d] * x[r * dim + d]; }
            mean = sum / n;
            var = sq / n - mean * mean;
            out[t * dim + d] = norm_vars ? (x[t * dim + d] - mean) / sqrt(var < 1e-20 ? 1e-20 : var)
                                         : x[t * dim + d] - mean;
        }
    }
}

/* A pool with CMVN against the streams' rows put through kaldi_sliding or kaldi_online. */
static void test_cmvn(int norm_vars, int64_t n_samples, int online)
{
    ff_config c;
    ff_extractor *e = NULL;
    ff_pool *p = NULL;
    ff_stream *s = NULL;
    const int64_t window = 40, min_window = 15;
    float *x = malloc(sizeof(float) * (size_t)n_samples), *ref = NULL, *got = NULL;
    double *want = NULL;
    int64_t h, i, k, pos = 0, rows_ref = 0, rows_got = 0, bad = 0, offsets[2];
    int32_t nf;
    ff_config_default(&c);
    c.deltas = 1;
    nf = ff_num_features(&c);
    for (i = 0; i < n_samples; i++) x[i] = sample(1, i) * (float)(1.0 + 0.5 * sin(0.0003 * (double)i));
    EXPECT(ff_extractor_new(&c, &e) == FF_OK && ff_pool_new(e, &p) == FF_OK && ff_stream_new(e, &s) == FF_OK,
           "new");
    EXPECT(ff_pool_set_cmvn(p, 40, 41, 0) == FF_E_ARG, "min_window > window");
    double *g = calloc((size_t)(2 * (nf + 1)), sizeof(double));
    for (i = 0; i < nf; i++) { g[i] = 3.0 * (double)i; g[nf + 1 + i] = 9.0 * (double)(i * i) + 40.0; }
    g[nf] = 4.0;
    if (online) {
        g[0] = NAN;
        EXPECT(ff_pool_set_online_cmvn(p, 40, 15, norm_vars, g) == FF_E_NONFINITE, "NaN stats");
        g[0] = 0.0;
        EXPECT(ff_pool_set_online_cmvn(p, (int32_t)window, (int32_t)min_window, norm_vars, g) == FF_OK,
               "set_online_cmvn");
    } else {
        EXPECT(ff_pool_set_cmvn(p, (int32_t)window, (int32_t)min_window, norm_vars) == FF_OK, "set_cmvn");
    }
    EXPECT(ff_pool_open(p, &h) == FF_OK, "open");
    EXPECT(ff_pool_set_cmvn(p, 10, 5, 0) == FF_E_STATE, "set_cmvn with open streams");
    ref = malloc(sizeof(float) * (size_t)(n_samples / 160 + 8) * (size_t)nf);
    got = malloc(sizeof(float) * (size_t)(n_samples / 160 + 8) * (size_t)nf);
    want = malloc(sizeof(double) * (size_t)(n_samples / 160 + 8) * (size_t)nf);
    while (pos < n_samples) {
        int64_t len = (int64_t)rnd(900), total;
        const float *xs[1];
        if (len > n_samples - pos) len = n_samples - pos;
        xs[0] = x + pos;
        EXPECT(ff_pool_rows_for(p, 1, &h, &len, NULL, &total, NULL) == FF_OK, "rows_for");
        EXPECT(ff_pool_push(p, 1, &h, xs, &len, got + rows_got * nf, 1000, offsets, NULL, NULL) == FF_OK,
               "cmvn push");
        EXPECT(offsets[1] == total, "rows_for == push rows");
        /* Rows are held back only until min_window rows exist. */
        EXPECT(ff_stream_push(s, x + pos, len, ref + rows_ref * nf, 1000, &k, NULL) == FF_OK, "ref");
        rows_ref += k;
        rows_got += offsets[1];
        EXPECT(rows_got == (online || rows_ref >= min_window ? rows_ref : 0), "cmvn latency");
        pos += len;
    }
    EXPECT(ff_pool_flush(p, h, got + rows_got * nf, 1000, &k) == FF_OK, "cmvn flush");
    rows_got += k;
    EXPECT(ff_stream_flush(s, ref + rows_ref * nf, 1000, &k) == FF_OK, "ref flush");
    rows_ref += k;
    EXPECT(rows_got == rows_ref, "cmvn rows %lld vs %lld", (long long)rows_got, (long long)rows_ref);
    if (online)
        kaldi_online(ref, rows_ref, nf, window, min_window, g, norm_vars, want);
    else
        kaldi_sliding(ref, rows_ref, nf, window, min_window, norm_vars, want);
    for (i = 0; i < rows_ref * nf; i++) bad += fabs(got[i] - want[i]) > 1e-4 * (1.0 + fabs(want[i]));
    EXPECT(bad == 0, "cmvn (online=%d, norm_vars=%d, %lld rows): %lld values differ from the definition",
           online, norm_vars, (long long)rows_ref, (long long)bad);
    ff_pool_free(p);
    ff_stream_free(s);
    ff_extractor_free(e);
    free(x);
    free(ref);
    free(got);
    free(want);
    free(g);
}

static void test_args(void)
{
    ff_config c;
    ff_extractor *e = NULL;
    ff_pool *p = NULL;
    int64_t h = -1, offsets[2], k, total, bad;
    ff_config_default(&c);
    c.log = FF_LOG_DB;
    c.top_db = 80.0f;
    EXPECT(ff_extractor_new(&c, &e) == FF_OK, "new");
    EXPECT(ff_pool_new(e, &p) == FF_E_CONFIG && p == NULL, "pool refuses top_db");
    ff_extractor_free(e);
    ff_config_default(&c);
    EXPECT(ff_extractor_new(&c, &e) == FF_OK && ff_pool_new(e, &p) == FF_OK, "new");
    EXPECT(ff_pool_new(NULL, &p) == FF_E_ARG, "NULL extractor");
    EXPECT(ff_pool_open(p, &h) == FF_OK && h == 0 && ff_pool_size(p) == 1, "open");
    EXPECT(ff_pool_push(p, -1, &h, NULL, NULL, NULL, 0, offsets, NULL, NULL) == FF_E_ARG, "n < 0");
    EXPECT(ff_pool_push(p, 0, NULL, NULL, NULL, NULL, 0, offsets, NULL, NULL) == FF_OK &&
           offsets[0] == 0, "empty push");
    {
        const int64_t len = -5;
        const float *x[1] = {NULL};
        EXPECT(ff_pool_push(p, 1, &h, x, &len, NULL, 0, offsets, &bad, NULL) == FF_E_ARG && bad == 0,
               "negative length");
    }
    {
        const int64_t badh = 99, len = 0;
        EXPECT(ff_pool_rows_for(p, 1, &badh, &len, NULL, &total, &bad) == FF_E_HANDLE && bad == 0,
               "rows_for bad handle");
    }
    EXPECT(ff_pool_flush(p, h, NULL, 0, &k) == FF_OK && k == 0, "flush of nothing");
    EXPECT(ff_pool_close(p, h) == FF_OK && ff_pool_size(p) == 0, "close");
    ff_pool_free(p);
    ff_pool_free(NULL);
    ff_extractor_free(e);
}

int main(void)
{
    ff_config c;
    ff_config_default(&c);
    run_config(&c, "default", 400);
    c.deltas = 2; c.energy = FF_ENERGY_APPEND;
    run_config(&c, "deltas2+append", 400);
    ff_config_default(&c);
    c.center = 1; c.pad_mode = FF_PAD_REFLECT; c.kind = FF_KIND_LOGMEL; c.deltas = 1;
    c.n_fft = 1024; c.frame_length = 1024; c.hop_length = 256;
    run_config(&c, "center-reflect-logmel", 300);
    ff_config_default(&c);
    c.snip_edges = 0; c.window = FF_WIN_POVEY; c.remove_dc = 1; c.dither = 0.01f; c.seed = 7;
    c.energy = FF_ENERGY_REPLACE_C0; c.deltas = 2; c.delta_width = 3;
    run_config(&c, "kaldi-nosnip-dither", 300);
    ff_config_default(&c);
    c.pad_end = 1; c.preemphasis_scope = FF_PREEMPH_SIGNAL; c.n_fft = 401; c.frame_length = 401;
    c.hop_length = 97; c.deltas = 1;
    run_config(&c, "psf-like-odd", 300);
    test_args();
    test_cmvn(0, 16000 * 3, 0);
    test_cmvn(1, 16000 * 3, 0);
    test_cmvn(1, 16000 / 10, 0);  /* shorter than min_window rows */
    test_cmvn(0, 16000 * 3, 1);
    test_cmvn(1, 16000 * 3, 1);
    printf("test_pool: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
