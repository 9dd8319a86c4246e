/*
 * bench_engine.c -- per-stage cost of the batch pipeline on a 600 s signal.
 * Each row adds stages to the previous one (kind=power without log: framing +
 * window + FFT + power; logmel: + mel + log; mfcc: + DCT; mfcc+deltas), then
 * the non-power-of-two FFT sizes and the cost of one streamed 10 ms push.
 * Every figure is the minimum (and median) of REPS runs: the machine is shared.
 * One-thread rows are timed in thread CPU time (what the scheduler gives to
 * other processes is left out); the 2-thread row and the pushes in wall time.
 *   make -C csrc bench          portable build flags of setup.py
 *   make -C csrc bench-fftw     the same plus FFTW's r2c FFT alone on the same
 *                               frames (needs libfftw3-dev; benchmark only)
 *   build/bench_engine 20       a 20 s signal instead
 *   valgrind --tool=callgrind --dump-instr=no build/bench_engine 20 batch
 *                               instructions per stage: one 13-MFCC + deltas
 *                               extract (or "stream": 10 ms pushes), no timing
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastfeat.h"
#ifdef FF_BENCH_FFTW
#include <fftw3.h>
#endif

#define REPS 7
#define PLANS 4 /* FFTW plans made from scratch: the fastest one is timed */

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints min and median ns per frame of REPS timings dt[] over `rows` frames;
 * returns the minimum. */
static double report(const char *label, double *dt, int64_t rows, double seconds)
{
    qsort(dt, REPS, sizeof(double), cmp);
    printf("%-30s %8.1f ns/frame (median %7.1f) %9.0fx real time\n", label, 1e9 * dt[0] / rows,
           1e9 * dt[REPS / 2] / rows, seconds / dt[0]);
    return 1e9 * dt[0] / rows;
}

static double run(const char *label, ff_config c, const float *x, int64_t n, int threads)
{
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    int64_t rows = ff_num_frames(&c, n);
    float *out = malloc(sizeof(float) * (size_t)(rows * ff_num_features(&c)));
    double dt[REPS], best;
    int r;
    if (!out || ff_extractor_new(&c, &e) != FF_OK || ff_workspace_new(e, &ws) != FF_OK) {
        printf("%s: setup failed\n", label);
        exit(1);
    }
    ff_extract(e, ws, x, n, out, rows, threads, NULL); /* warm up */
    for (r = 0; r < REPS; r++) {
        const clockid_t id = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
        double t0 = clock_s(id);
        ff_extract(e, ws, x, n, out, rows, threads, NULL);
        dt[r] = clock_s(id) - t0;
    }
    best = report(label, dt, rows, (double)n / c.sample_rate);
    ff_workspace_free(ws);
    ff_extractor_free(e);
    free(out);
    return best;
}

#ifdef FF_BENCH_FFTW
/* FFTW's 512-point r2c alone on the frames of c (each frame copied into an
 * in-cache zero-padded buffer, as any FFT-based front end must), timed in
 * turn with our whole pipeline for c (one ff_extract, then one FFTW pass,
 * REPS times), so that both see the same phases of a shared machine; prints
 * both minima and their ratio.  FFTW at its best: the planner times its
 * candidates, so on a noisy machine it picks a different plan from run to run
 * (FFTW_MEASURE: 250 to 370 ns per transform in cache here; FFTW_PATIENT: 290
 * to 390 ns over the same frames), so FFTW_PATIENT plans it PLANS times from
 * scratch and keeps the one that is fastest on these frames. */
/* One pass of plan p over the frames of c (copied into in, zero-padded),
 * in thread CPU seconds; a bin of each frame is summed into sink. */
static double fftw_pass(fftwf_plan p, const ff_config *c, const float *x, int64_t rows,
                        float *in, fftwf_complex *fout, double *sink)
{
    const double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    int64_t f;
    for (f = 0; f < rows; f++) {
        memcpy(in, x + f * c->hop_length, sizeof(float) * (size_t)c->frame_length);
        fftwf_execute(p);
        *sink += fout[c->n_fft / 4][0];
    }
    return clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
}

static void run_fftw(const char *label, ff_config c, const float *x, int64_t n)
{
    const int32_t nfft = c.n_fft;
    const int64_t rows = ff_num_frames(&c, n);
    float *in = fftwf_malloc(sizeof(float) * (size_t)nfft);
    fftwf_complex *fout = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(nfft / 2 + 1));
    fftwf_plan p = NULL;
    float *out = malloc(sizeof(float) * (size_t)(rows * ff_num_features(&c)));
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    double dt[REPS], df[REPS], sink = 0.0, ours, theirs;
    int r;
    if (!out || ff_extractor_new(&c, &e) != FF_OK || ff_workspace_new(e, &ws) != FF_OK) {
        printf("%s: setup failed\n", label);
        exit(1);
    }
    for (r = 0, theirs = 1e300; r < PLANS; r++) {
        fftwf_plan q;
        double t;
        fftwf_forget_wisdom();
        q = fftwf_plan_dft_r2c_1d(nfft, in, fout, FFTW_PATIENT);
        memset(in, 0, sizeof(float) * (size_t)nfft); /* the planner wrote it */
        t = fftw_pass(q, &c, x, rows, in, fout, &sink);
        if (t < theirs) {
            theirs = t;
            if (p) fftwf_destroy_plan(p);
            p = q;
        } else {
            fftwf_destroy_plan(q);
        }
    }
    ff_extract(e, ws, x, n, out, rows, 1, NULL); /* warm up */
    for (r = 0; r < REPS; r++) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        ff_extract(e, ws, x, n, out, rows, 1, NULL);
        dt[r] = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
        df[r] = fftw_pass(p, &c, x, rows, in, fout, &sink);
    }
    if (sink == 12345.0) printf("!");
    ours = report("13 MFCC, in turn with FFTW", dt, rows, (double)n / c.sample_rate);
    theirs = report(label, df, rows, (double)n / c.sample_rate);
    printf("%-30s %8.2fx (whole 13-MFCC pipeline vs FFTW's FFT alone)\n", "", theirs / ours);
    fftwf_destroy_plan(p);
    fftwf_free(in);
    fftwf_free(fout);
    ff_workspace_free(ws);
    ff_extractor_free(e);
    free(out);
}
#endif

/* Median and 99th percentile of one 160-sample push (one frame out). */
static void stream_push(const char *label, ff_config c, const float *x, int64_t n)
{
    ff_extractor *e = NULL;
    ff_stream *s = NULL;
    float out[4 * 64];
    const int64_t chunk = 160, pushes = n / chunk;
    double *t = malloc(sizeof(double) * (size_t)pushes);
    int64_t i, k;
    if (!t || ff_extractor_new(&c, &e) != FF_OK || ff_stream_new(e, &s) != FF_OK) exit(1);
    for (i = 0; i < pushes; i++) {
        double t0 = now();
        ff_stream_push(s, x + i * chunk, chunk, out, 4, &k, NULL);
        t[i] = now() - t0;
    }
    qsort(t, (size_t)pushes, sizeof(double), cmp);
    printf("%-30s push of 160: median %6.2f us, p99 %6.2f us\n", label, 1e6 * t[pushes / 2],
           1e6 * t[pushes * 99 / 100]);
    ff_stream_free(s);
    ff_extractor_free(e);
    free(t);
}

/* One batch extract (13 MFCC + deltas) or one stream of 10 ms pushes over
 * x, nothing timed: per-stage instruction counts under callgrind are the
 * counts of each stage's function divided by the frames printed. */
static int once(ff_config c, const float *x, int64_t n, int stream)
{
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    ff_stream *s = NULL;
    const int64_t rows = ff_num_frames(&c, n);
    float *out = malloc(sizeof(float) * (size_t)(rows * ff_num_features(&c))), row[4 * 64];
    int64_t i, k, streamed = 0;
    if (!out || ff_extractor_new(&c, &e) != FF_OK || ff_workspace_new(e, &ws) != FF_OK ||
        ff_stream_new(e, &s) != FF_OK)
        return 1;
    if (!stream && ff_extract(e, ws, x, n, out, rows, 1, NULL) != FF_OK) return 1;
    for (i = 0; stream && i + 160 <= n; i += 160) {
        ff_stream_push(s, x + i, 160, row, 4, &k, NULL);
        streamed += k;
    }
    printf("frames %lld\n", (long long)(stream ? streamed : rows));
    ff_stream_free(s);
    ff_workspace_free(ws);
    ff_extractor_free(e);
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    /* argv[1]: signal seconds (default 600); argv[2] "batch" / "stream": once() */
    const int64_t n = 16000 * (int64_t)(argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 600);
    float *x = malloc(sizeof(float) * (size_t)n);
    ff_config c;
    int64_t i;
    double p512;
    static const int32_t odd_sizes[] = {400, 320, 480};
    size_t j;
    if (!x) return 1;
    for (i = 0; i < n; i++) x[i] = (float)(0.1 * sin(0.01 * i) + 1e-3 * ((i * 7919) % 1000));
    ff_config_default(&c);
    if (argc > 2 && (strcmp(argv[2], "batch") == 0 || strcmp(argv[2], "stream") == 0)) {
        c.deltas = 2;
        i = once(c, x, n, argv[2][0] == 's');
        free(x);
        return (int)i;
    }
    c.kind = FF_KIND_POWER; c.log = FF_LOG_NONE; c.preemphasis = 0;
    p512 = run("power (frame+window+fft)", c, x, n, 1);
    c.preemphasis = 0.97f;
    run("+ preemphasis", c, x, n, 1);
    c.kind = FF_KIND_LOGMEL; c.log = FF_LOG_NONE;
    run("+ mel", c, x, n, 1);
    c.log = FF_LOG_LN;
    run("+ log", c, x, n, 1);
    c.kind = FF_KIND_MFCC;
    run("+ dct = mfcc", c, x, n, 1);
    c.deltas = 2;
    run("+ deltas (39 dims)", c, x, n, 1);
    c.deltas = 0;
    run("mfcc, 2 threads", c, x, n, 2);
    for (j = 0; j < sizeof odd_sizes / sizeof odd_sizes[0]; j++) {
        ff_config o = c;
        char label[64];
        double t;
        o.kind = FF_KIND_POWER; o.log = FF_LOG_NONE; o.preemphasis = 0;
        o.n_fft = odd_sizes[j];
        o.frame_length = odd_sizes[j] < 400 ? odd_sizes[j] : 400;
        snprintf(label, sizeof label, "power, n_fft %d", (int)o.n_fft);
        t = run(label, o, x, n, 1);
        printf("%-30s %8.2fx the 512-point cost\n", "", t / p512);
    }
#ifdef FF_BENCH_FFTW
    run_fftw("FFTW r2c 512 alone", c, x, n);
#endif
    stream_push("stream mfcc", c, x, n < 16000 * 60 ? n : 16000 * 60);
    c.deltas = 2;
    stream_push("stream mfcc+deltas", c, x, n < 16000 * 60 ? n : 16000 * 60);
    free(x);
    return 0;
}
