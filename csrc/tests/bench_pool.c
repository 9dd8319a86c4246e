/*
 * bench_pool.c -- C cost of one 10 ms push per stream for 1,000 streams
 * (MFCC + deltas + delta-deltas): one ff_pool_push per tick against one
 * ff_stream_push per stream, same signals, best of 5 runs (CPU time).
 *   gcc -std=gnu99 -O3 -ffp-contract=off -Icsrc csrc/tests/bench_pool.c csrc/[a-z]*.c -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fastfeat.h"

#define N 1000
#define TICKS 300
#define HOP 160
#define STRIDE 331

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void)
{
    ff_config c;
    ff_extractor *e = NULL;
    const int64_t len = (int64_t)N * STRIDE + (int64_t)TICKS * HOP;
    float *y = malloc(sizeof(float) * (size_t)len), *out = malloc(sizeof(float) * 39 * 2 * N);
    const float *xs[N];
    int64_t h[N], lens[N], offsets[N + 1], i, k;
    double best_pool = 1e30, best_stream = 1e30;
    int r, t;
    ff_config_default(&c);
    c.deltas = 2;
    for (i = 0; i < len; i++) y[i] = (float)(0.3 * sin(0.01 * (double)i) + 0.01 * sin(1.3 * (double)i * i));
    if (ff_extractor_new(&c, &e) != FF_OK) return 1;
    for (r = 0; r < 5; r++) {
        ff_pool *p = NULL;
        ff_stream *s[N];
        double t0;
        ff_pool_new(e, &p);
        for (i = 0; i < N; i++) { ff_pool_open(p, &h[i]); lens[i] = HOP; ff_stream_new(e, &s[i]); }
        t0 = cpu();
        for (t = 0; t < TICKS; t++) {
            for (i = 0; i < N; i++) xs[i] = y + i * STRIDE + (int64_t)t * HOP;
            ff_pool_push(p, N, h, xs, lens, out, 2 * N, offsets, NULL, NULL);
        }
        if (cpu() - t0 < best_pool) best_pool = cpu() - t0;
        t0 = cpu();
        for (t = 0; t < TICKS; t++)
            for (i = 0; i < N; i++)
                ff_stream_push(s[i], y + i * STRIDE + (int64_t)t * HOP, HOP, out, 2 * N, &k, NULL);
        if (cpu() - t0 < best_stream) best_stream = cpu() - t0;
        ff_pool_free(p);
        for (i = 0; i < N; i++) ff_stream_free(s[i]);
    }
    printf("1000 streams, 10 ms pushes, 39 dims: pool %.3f us per stream-push, "
           "one ff_stream each %.3f us (%.2fx)\n", 1e6 * best_pool / (N * TICKS),
           1e6 * best_stream / (N * TICKS), best_stream / best_pool);
    ff_extractor_free(e);
    free(y);
    free(out);
    return 0;
}
