/*
 * bench_fft.c -- time ff_rfft_forward (and, for 16 lanes, ff_rfft_power, the
 * pipeline's call) per frame.
 *
 * Build and run (from the repository root):
 *   gcc -std=c99 -O3 -ffp-contract=off -fno-math-errno -Icsrc csrc/fft.c csrc/tests/bench_fft.c \
 *       -lm -o /tmp/bench_fft && /tmp/bench_fft
 *
 * The transform destroys its input, so every call is preceded by a copy of
 * fresh frames; the copy is timed on its own and subtracted.  Each figure is
 * the best of several repetitions (ns per frame).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fft.h"
#include "ff_internal.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best-of-reps time of `iters` calls, in ns per call; with_fft == 0 times the
 * input copy alone, 1 ff_rfft_forward, 2 ff_rfft_power. */
static double time_loop(const ff_rfft *plan, int lanes, const float *src, float *in, float *re,
                        float *im, float *scratch, size_t nl, long iters, int with_fft)
{
    double best = 1e300;
    int rep;
    long it;
    for (rep = 0; rep < 25; rep++) {
        const double t0 = now_ns();
        for (it = 0; it < iters; it++) {
            memcpy(in, src, sizeof(float) * nl);
            if (with_fft == 1)
                ff_rfft_forward(plan, lanes, in, re, im, scratch);
            else if (with_fft == 2)
                ff_rfft_power(plan, lanes, in, re, im, scratch, 1.0f);
        }
        {
            const double t = (now_ns() - t0) / (double)iters;
            if (t < best)
                best = t;
        }
    }
    return best;
}

/* ns per frame for size n with `lanes` frames per call (what: 1 forward,
 * 2 power); -1 on failure. */
static double bench(int32_t n, int lanes, int what)
{
    const size_t nl = (size_t)n * lanes, kl = ((size_t)n / 2 + 1) * lanes;
    ff_rfft *plan = NULL;
    float *src = malloc(sizeof(float) * nl), *in = malloc(sizeof(float) * nl);
    float *re = malloc(sizeof(float) * kl), *im = malloc(sizeof(float) * kl);
    float *scratch = NULL;
    double result = -1.0;
    uint32_t s = 12345u;
    size_t i;
    long iters;
    if (src && in && re && im && ff_rfft_new(n, &plan) == FF_OK &&
        (scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, lanes))) != NULL) {
        for (i = 0; i < nl; i++) {
            s = s * 1664525u + 1013904223u;
            src[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
        }
        /* about 20 ms per timed repetition at 1 ns per sample */
        iters = (long)(2e6 / (double)nl) + 1;
        time_loop(plan, lanes, src, in, re, im, scratch, nl, iters, what); /* warm up */
        result = (time_loop(plan, lanes, src, in, re, im, scratch, nl, iters, what) -
                  time_loop(plan, lanes, src, in, re, im, scratch, nl, iters, 0)) /
                 lanes;
    }
    free(src);
    free(in);
    free(re);
    free(im);
    free(scratch);
    ff_rfft_free(plan);
    return result;
}

int main(void)
{
    static const int32_t sizes[] = {512, 400, 320, 480, 256, 1024, 2048, 4096};
    size_t i;
    printf("%6s %14s %14s %14s   (ns per frame, real forward FFT)\n", "n", "lanes=16",
           "power, 16", "lanes=1");
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        printf("%6d %14.1f %14.1f %14.1f\n", (int)sizes[i], bench(sizes[i], FF_LANES, 1),
               bench(sizes[i], FF_LANES, 2), bench(sizes[i], 1, 1));
    return 0;
}
