/*
 * bench_engine.c -- per-stage cost of the batch pipeline on a 600 s signal.
 * Each row adds stages to the previous one (kind=power without log: framing +
 * window + FFT + power; logmel: + mel + log; mfcc: + DCT; mfcc+deltas).
 *   make -C csrc bench
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fastfeat.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void run(const char *label, ff_config c, const float *x, int64_t n, int threads)
{
    ff_extractor *e = NULL;
    ff_workspace *ws = NULL;
    int64_t rows = ff_num_frames(&c, n);
    float *out = malloc(sizeof(float) * (size_t)(rows * ff_num_features(&c)));
    double best = 1e30;
    int r;
    if (ff_extractor_new(&c, &e) != FF_OK || ff_workspace_new(e, &ws) != FF_OK) {
        printf("%s: setup failed\n", label);
        exit(1);
    }
    for (r = 0; r < 5; r++) {
        double t0 = now(), dt;
        ff_extract(e, ws, x, n, out, rows, threads, NULL);
        dt = now() - t0;
        if (dt < best) best = dt;
    }
    printf("%-28s %8.1f ns/frame  %8.0fx real time\n", label, 1e9 * best / rows,
           (double)n / c.sample_rate / best);
    ff_workspace_free(ws);
    ff_extractor_free(e);
    free(out);
}

/* Median and 99th percentile of one 160-sample push (one frame out). */
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stream_push(const char *label, ff_config c, const float *x, int64_t n)
{
    ff_extractor *e = NULL;
    ff_stream *s = NULL;
    float out[4 * 64];
    const int64_t chunk = 160, pushes = n / chunk;
    double *t = malloc(sizeof(double) * (size_t)pushes);
    int64_t i, k;
    if (ff_extractor_new(&c, &e) != FF_OK || ff_stream_new(e, &s) != FF_OK) exit(1);
    for (i = 0; i < pushes; i++) {
        double t0 = now();
        ff_stream_push(s, x + i * chunk, chunk, out, 4, &k, NULL);
        t[i] = now() - t0;
    }
    qsort(t, (size_t)pushes, sizeof(double), cmp);
    printf("%-28s push of 160: median %6.2f us, p99 %6.2f us\n", label, 1e6 * t[pushes / 2],
           1e6 * t[pushes * 99 / 100]);
    ff_stream_free(s);
    ff_extractor_free(e);
    free(t);
}

int main(void)
{
    const int64_t n = 16000 * 600;
    float *x = malloc(sizeof(float) * (size_t)n);
    ff_config c;
    int64_t i;
    for (i = 0; i < n; i++) x[i] = (float)(0.1 * sin(0.01 * i) + 1e-3 * ((i * 7919) % 1000));
    ff_config_default(&c);
    c.kind = FF_KIND_POWER; c.log = FF_LOG_NONE; c.preemphasis = 0;
    run("power (frame+window+fft)", c, x, n, 1);
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
    stream_push("stream mfcc", c, x, 16000 * 60);
    c.deltas = 2;
    stream_push("stream mfcc+deltas", c, x, 16000 * 60);
    free(x);
    return 0;
}
