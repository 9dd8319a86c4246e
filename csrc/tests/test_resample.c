/*
 * test_resample.c -- C-level tests of the polyphase resampler (resample.c),
 * meant to run under AddressSanitizer/UBSan (see the Makefile):
 *   - the filter length and its cap, refused rates, NULL arguments;
 *   - a tone keeps its amplitude and phase (the filter passes it), a tone
 *     above the new Nyquist is removed, a constant stays constant;
 *   - outputs computed in any split, each from an input window allocated to
 *     its exact size (ASan sees any read outside it), equal the whole run
 *     bit for bit; a window that misses an input is FF_E_ARG;
 *   - ff_resample_ready never promises an output that reads an input not yet
 *     received.
 * The numbers against fastfeat.io's numpy model are tested in Python.
 * Prints "N passed, M failed"; exit status 1 on any failure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "fastfeat.h"

static const double PI = 3.141592653589793;

static void test_lengths_and_refusals(void)
{
    ff_resampler *r = NULL;
    int64_t up, down, taps;
    EXPECT(ff_resample_taps_for(44100, 16000) == 2 * 10 * 441 + 1, "44.1k -> 16k taps");
    EXPECT(ff_resample_taps_for(8000, 16000) == 41, "8k -> 16k taps");
    EXPECT(ff_resample_taps_for(0, 16000) == -1 && ff_resample_taps_for(16000, -5) == -1, "rate <= 0");
    EXPECT(ff_resample_taps_for(INT64_MAX, 1) == INT64_MAX, "no overflow for an absurd rate");
    EXPECT(ff_resampler_new(767999, 16000, &r) == FF_E_CONFIG && r == NULL, "15M taps refused");
    EXPECT(ff_resampler_new(1000000007, 16000, &r) == FF_E_CONFIG && r == NULL, "a prime 1 GHz rate refused");
    EXPECT(ff_resampler_new(0, 16000, &r) == FF_E_CONFIG, "rate 0 refused");
    EXPECT(ff_resampler_new(16000, 8000, NULL) == FF_E_ARG, "NULL out");
    /* the longest accepted filter: max(up, down) = 209715 */
    EXPECT(ff_resample_taps_for(209715, 1) <= FF_RESAMPLE_MAX_TAPS
           && ff_resample_taps_for(209716, 1) > FF_RESAMPLE_MAX_TAPS, "the cap is at max(up, down) = 209715");
    EXPECT(ff_resampler_new(44100, 16000, &r) == FF_OK, "44.1k -> 16k");
    ff_resampler_info(r, &up, &down, &taps);
    EXPECT(up == 160 && down == 441 && taps == 8821, "lowest terms: %lld/%lld, %lld taps",
           (long long)up, (long long)down, (long long)taps);
    EXPECT(ff_resample_outputs(r, 44100) == 16000 && ff_resample_outputs(r, 1) == 1, "output count");
    EXPECT(ff_resample_run(r, NULL, 0, 0, 10, 5, 4, NULL) == FF_E_ARG, "m1 < m0");
    EXPECT(ff_resample_run(r, NULL, 0, 0, 10, 0, 1, NULL) == FF_E_ARG, "NULL buffers");
    EXPECT(ff_resample_run(r, NULL, 0, 0, 10, 3, 3, NULL) == FF_OK, "no outputs: nothing read");
    ff_resampler_free(r);
    ff_resampler_free(NULL);
}

static double *tone(int64_t n, double freq, double rate)
{
    double *x = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) x[i] = sin(2 * PI * freq * (double)i / rate);
    return x;
}

static void test_tones(void)
{
    ff_resampler *r = NULL;
    int64_t n = 44100;
    double *x = tone(n, 1000.0, 44100.0), worst = 0.0;
    EXPECT(ff_resampler_new(44100, 16000, &r) == FF_OK, "new");
    int64_t m = ff_resample_outputs(r, n);
    float *y = malloc(sizeof(float) * (size_t)m);
    EXPECT(ff_resample_run(r, x, 0, n, n, 0, m, y) == FF_OK, "run");
    for (int64_t i = 200; i < m - 200; i++) {
        double d = fabs(y[i] - sin(2 * PI * 1000.0 * (double)i / 16000.0));
        if (d > worst) worst = d;
    }
    EXPECT(worst < 2e-3, "a 1 kHz tone passes: max error %g", worst);
    free(x);
    x = tone(n, 10000.0, 44100.0);  /* above 8 kHz: must not fold back */
    EXPECT(ff_resample_run(r, x, 0, n, n, 0, m, y) == FF_OK, "run");
    worst = 0.0;
    for (int64_t i = 200; i < m - 200; i++)
        if (fabs(y[i]) > worst) worst = fabs(y[i]);
    EXPECT(worst < 1e-2, "a 10 kHz tone is removed: max %g", worst);
    for (int64_t i = 0; i < n; i++) x[i] = 0.5;
    EXPECT(ff_resample_run(r, x, 0, n, n, 0, m, y) == FF_OK, "run");
    worst = 0.0;
    for (int64_t i = 200; i < m - 200; i++)
        if (fabs(y[i] - 0.5) > worst) worst = fabs(y[i] - 0.5);
    EXPECT(worst < 5e-3, "a constant stays: max error %g", worst);
    free(x);
    free(y);
    ff_resampler_free(r);
}

/* Outputs [m0, m1) from an exactly sized window of the inputs they read. */
static ff_status run_window(const ff_resampler *r, const double *x, int64_t n, int64_t m0, int64_t m1, float *out,
                            int64_t shrink)
{
    int64_t up, down, taps;
    ff_resampler_info(r, &up, &down, &taps);
    int64_t lo = ff_resample_first_input(r, m0), hi = ff_resample_first_input(r, m1 - 1) + (taps + up - 1) / up + 1;
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    if (hi < lo) hi = lo;
    hi -= shrink;
    double *w = malloc(sizeof(double) * (size_t)(hi - lo > 0 ? hi - lo : 1));
    memcpy(w, x + lo, sizeof(double) * (size_t)(hi - lo > 0 ? hi - lo : 0));
    ff_status st = ff_resample_run(r, w, lo, hi - lo, n, m0, m1, out);
    free(w);
    return st;
}

static void test_splits_equal_whole(void)
{
    static const int64_t rates[][2] = {{22050, 16000}, {8000, 16000}, {16000, 8000}, {48000, 16000}, {11025, 16001}};
    for (size_t t = 0; t < sizeof(rates) / sizeof(rates[0]); t++) {
        ff_resampler *r = NULL;
        int64_t n = 5003;
        double *x = tone(n, 440.0, (double)rates[t][0]);
        EXPECT(ff_resampler_new(rates[t][0], rates[t][1], &r) == FF_OK, "new");
        int64_t m = ff_resample_outputs(r, n);
        float *whole = malloc(sizeof(float) * (size_t)m), *part = malloc(sizeof(float) * (size_t)m);
        EXPECT(ff_resample_run(r, x, 0, n, n, 0, m, whole) == FF_OK, "whole");
        uint32_t seed = 12345u + (uint32_t)t;
        int ok = 1;
        for (int64_t m0 = 0; m0 < m;) {
            seed = seed * 1103515245u + 12345u;
            int64_t k = 1 + (int64_t)(seed >> 16) % 700, m1 = m0 + k < m ? m0 + k : m;
            ok &= run_window(r, x, n, m0, m1, part + m0, 0) == FF_OK;
            m0 = m1;
        }
        EXPECT(ok && memcmp(whole, part, sizeof(float) * (size_t)m) == 0, "%lld -> %lld: split == whole",
               (long long)rates[t][0], (long long)rates[t][1]);
        EXPECT(run_window(r, x, n, 100, 200, part, 1) == FF_E_ARG, "a window one input short is refused");
        /* ready: every output below it reads only received inputs */
        int64_t up, down, taps;
        ff_resampler_info(r, &up, &down, &taps);
        int64_t per = (taps + up - 1) / up + 1;
        ok = 1;
        for (int64_t received = 0; received < 3 * per; received += 7) {
            int64_t ready = ff_resample_ready(r, received);
            ok &= ready <= 0 || ff_resample_first_input(r, ready - 1) + per <= received;
        }
        EXPECT(ok, "ready outputs read only received inputs");
        free(x);
        free(whole);
        free(part);
        ff_resampler_free(r);
    }
}

int main(void)
{
    test_lengths_and_refusals();
    test_tones();
    test_splits_equal_whole();
    printf("test_resample: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
