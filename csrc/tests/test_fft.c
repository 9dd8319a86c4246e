/*
 * test_fft.c -- ff_rfft_forward against a double-precision naive DFT.
 *
 * Build and run (from the repository root):
 *   gcc -std=c99 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
 *       -Icsrc csrc/fft.c csrc/tests/test_fft.c -lm -o /tmp/test_fft && /tmp/test_fft
 *
 * Error bound.  For every frame x and every bin k,
 *   |X_k - R_k| <= TOL * sqrt(max(1, log2 n)) * ||x||_2,   TOL = 1e-5,
 * where R is the DFT in double and ||x||_2 the input's Euclidean norm (the
 * rms size of a bin of a random frame).  A float32 FFT's rounding error grows
 * like eps * sqrt(log n) * ||x||_2 (eps = 6e-8), so the bound leaves a wide
 * margin; the worst ratio error / bound seen is printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "ff_internal.h"

#define TOL 1e-5

static int n_pass, n_fail;
static double worst_ratio;

static void check(int ok, const char *what, int32_t n, int lanes)
{
    if (ok) {
        n_pass++;
    } else {
        n_fail++;
        printf("FAIL: %s (n=%d, lanes=%d)\n", what, (int)n, lanes);
    }
}

/* xorshift64* uniform in [-1, 1) */
static double urand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * UINT64_C(2685821657736338717)) >> 11) / 4503599627370496.0 - 1.0;
}

/*
 * Transform `lanes` random frames of size n and compare bins `bins[0..nb)`
 * (all bins when bins == NULL) with the naive DFT.  Returns 1 on success.
 */
static int run_case(int32_t n, int lanes, const int32_t *bins, int nb, uint64_t *rng)
{
    const size_t nl = (size_t)n * lanes, kl = ((size_t)n / 2 + 1) * lanes;
    ff_rfft *plan = NULL;
    float *in = NULL, *re = NULL, *im = NULL, *scratch = NULL;
    double *x = NULL, *cs = NULL, *sn = NULL;
    int ok = 1, l;
    int32_t i, b;
    const int32_t nbins = bins ? nb : n / 2 + 1;
    double bound = TOL * sqrt(fmax(1.0, log2((double)n)));

    if (ff_rfft_new(n, &plan) != FF_OK) {
        printf("plan failed for n=%d\n", (int)n);
        return 0;
    }
    in = malloc(sizeof(float) * nl);
    re = malloc(sizeof(float) * kl);
    im = malloc(sizeof(float) * kl);
    scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, lanes));
    x = malloc(sizeof(double) * nl);
    cs = malloc(sizeof(double) * (size_t)n);
    sn = malloc(sizeof(double) * (size_t)n);
    if (!in || !re || !im || !scratch || !x || !cs || !sn) {
        printf("out of memory\n");
        ok = 0;
        goto done;
    }
    for (i = 0; i < n; i++) {
        cs[i] = cos(FF_2PI * i / n);
        sn[i] = -sin(FF_2PI * i / n);
    }
    for (i = 0; i < (int32_t)nl; i++) {
        x[i] = urand(rng);
        in[i] = (float)x[i];
        x[i] = in[i]; /* the reference sees the same float samples */
    }
    ff_rfft_forward(plan, lanes, in, re, im, scratch);
    for (l = 0; l < lanes; l++) {
        double norm = 0.0;
        for (i = 0; i < n; i++)
            norm += x[(size_t)i * lanes + l] * x[(size_t)i * lanes + l];
        norm = sqrt(norm);
        for (b = 0; b < nbins; b++) {
            const int32_t k = bins ? bins[b] : b;
            double rr = 0.0, ri = 0.0, err, ratio;
            int64_t t = 0; /* i * k mod n */
            for (i = 0; i < n; i++) {
                rr += x[(size_t)i * lanes + l] * cs[t];
                ri += x[(size_t)i * lanes + l] * sn[t];
                t += k;
                if (t >= n)
                    t -= n;
            }
            err = hypot(re[(size_t)k * lanes + l] - rr, im[(size_t)k * lanes + l] - ri);
            ratio = err / (bound * (norm > 0 ? norm : 1.0));
            if (!(ratio <= 1.0)) {
                if (ok)
                    printf("  bin %d lane %d: got %g%+gi want %g%+gi (err %g, bound %g)\n",
                           (int)k, l, re[(size_t)k * lanes + l], im[(size_t)k * lanes + l],
                           rr, ri, err, bound * norm);
                ok = 0;
            }
            if (ratio > worst_ratio)
                worst_ratio = ratio;
        }
    }
done:
    free(in);
    free(re);
    free(im);
    free(scratch);
    free(x);
    free(cs);
    free(sn);
    ff_rfft_free(plan);
    return ok;
}

/* Bad sizes and NULL are refused; the size accessor works. */
static void test_errors(void)
{
    ff_rfft *p = NULL;
    check(ff_rfft_new(0, &p) == FF_E_ARG && p == NULL, "n=0 refused", 0, 0);
    check(ff_rfft_new(-3, &p) == FF_E_ARG, "n<0 refused", -3, 0);
    check(ff_rfft_new(FF_MAX_FFT + 1, &p) == FF_E_ARG, "n>FF_MAX_FFT refused",
          FF_MAX_FFT + 1, 0);
    check(ff_rfft_new(16, NULL) == FF_E_ARG, "NULL out refused", 16, 0);
    check(ff_rfft_new(400, &p) == FF_OK && ff_rfft_size(p) == 400, "size accessor", 400, 0);
    ff_rfft_free(p);
    ff_rfft_free(NULL);
}

/* A pure cosine at bin 5 gives n/2 there and ~0 elsewhere (lane-specific
 * amplitude, so lanes cannot be mixed up). */
static void test_cosine(int32_t n, int lanes)
{
    ff_rfft *plan = NULL;
    float *in = malloc(sizeof(float) * (size_t)n * lanes);
    float *re = malloc(sizeof(float) * ((size_t)n / 2 + 1) * lanes);
    float *im = malloc(sizeof(float) * ((size_t)n / 2 + 1) * lanes);
    float *scratch = NULL;
    int ok = in && re && im && ff_rfft_new(n, &plan) == FF_OK;
    int32_t i, k;
    int l;
    if (ok) {
        scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, lanes));
        ok = scratch != NULL;
    }
    if (ok) {
        for (i = 0; i < n; i++)
            for (l = 0; l < lanes; l++)
                in[(size_t)i * lanes + l] = (float)((l + 1) * cos(FF_2PI * 5.0 * i / n));
        ff_rfft_forward(plan, lanes, in, re, im, scratch);
        for (k = 0; k <= n / 2; k++)
            for (l = 0; l < lanes; l++) {
                const double want = k == 5 ? 0.5 * n * (l + 1) : 0.0;
                const double err = hypot(re[(size_t)k * lanes + l] - want,
                                         im[(size_t)k * lanes + l]);
                if (err > 1e-4 * n * (l + 1))
                    ok = 0;
            }
    }
    check(ok, "cosine at bin 5", n, lanes);
    free(in);
    free(re);
    free(im);
    free(scratch);
    ff_rfft_free(plan);
}

/* Every lane count gives the same bits for a frame: each lane goes through
 * the same arithmetic whatever the loop order, which is what lets a stream
 * (one frame at a time) equal a batch (16 at a time) exactly. */
static void test_lane_invariance(int32_t n, uint64_t *rng)
{
    static const int lanes_list[] = {1, 2, 3, 7, 16};
    const size_t nb = (size_t)n / 2 + 1;
    ff_rfft *plan = NULL;
    float *frame = malloc(sizeof(float) * (size_t)n), *ref = malloc(sizeof(float) * 2 * nb);
    float *in = malloc(sizeof(float) * (size_t)n * 16), *scratch = NULL;
    float *re = malloc(sizeof(float) * nb * 16), *im = malloc(sizeof(float) * nb * 16);
    int ok = frame && ref && in && re && im && ff_rfft_new(n, &plan) == FF_OK;
    size_t li, k;
    int32_t i;
    int l;
    if (ok) {
        scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, 16));
        ok = scratch != NULL;
    }
    for (i = 0; ok && i < n; i++)
        frame[i] = (float)urand(rng);
    for (li = 0; ok && li < sizeof(lanes_list) / sizeof(lanes_list[0]); li++) {
        const int lanes = lanes_list[li];
        for (i = 0; i < n; i++)
            for (l = 0; l < lanes; l++) /* the frame in the last lane, noise elsewhere */
                in[(size_t)i * lanes + l] = l == lanes - 1 ? frame[i] : (float)urand(rng);
        ff_rfft_forward(plan, lanes, in, re, im, scratch);
        for (k = 0; k < nb; k++) {
            const float r = re[k * lanes + lanes - 1], m = im[k * lanes + lanes - 1];
            if (li == 0) {
                ref[k] = r;
                ref[nb + k] = m;
            } else if (memcmp(&r, &ref[k], sizeof r) != 0 ||
                       memcmp(&m, &ref[nb + k], sizeof m) != 0) {
                ok = 0;
            }
        }
    }
    check(ok, "same bits for every lane count", n, 0);
    free(frame);
    free(ref);
    free(in);
    free(re);
    free(im);
    free(scratch);
    ff_rfft_free(plan);
}

/* ff_rfft_power gives the same bits as ff_rfft_forward followed by
 * (re^2 + im^2) * scale per bin, for every lane count (the pipeline uses the
 * one and a spectrum computed elsewhere the other). */
static void test_power(int32_t n, uint64_t *rng)
{
    static const int lanes_list[] = {1, 3, 16};
    static const float scales[] = {1.0f, 0.0123f};
    const size_t nb = (size_t)n / 2 + 1;
    ff_rfft *plan = NULL;
    float *src = malloc(sizeof(float) * (size_t)n * 16), *in = malloc(sizeof(float) * (size_t)n * 16);
    float *re = malloc(sizeof(float) * nb * 16), *im = malloc(sizeof(float) * nb * 16);
    float *pw = malloc(sizeof(float) * nb * 16), *im2 = malloc(sizeof(float) * nb * 16);
    float *scratch = NULL;
    int ok = src && in && re && im && pw && im2 && ff_rfft_new(n, &plan) == FF_OK;
    size_t li, si, i;
    if (ok) {
        scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, 16));
        ok = scratch != NULL;
    }
    for (li = 0; ok && li < sizeof(lanes_list) / sizeof(lanes_list[0]); li++) {
        const int lanes = lanes_list[li];
        const size_t nl = (size_t)n * lanes, kl = nb * lanes;
        for (i = 0; i < nl; i++)
            src[i] = (float)urand(rng);
        for (si = 0; si < sizeof(scales) / sizeof(scales[0]); si++) {
            const float scale = scales[si];
            memcpy(in, src, sizeof(float) * nl);
            ff_rfft_forward(plan, lanes, in, re, im, scratch);
            memcpy(in, src, sizeof(float) * nl);
            ff_rfft_power(plan, lanes, in, pw, im2, scratch, scale);
            for (i = 0; i < kl; i++) {
                const float want = (re[i] * re[i] + im[i] * im[i]) * scale;
                if (memcmp(&want, &pw[i], sizeof want) != 0)
                    ok = 0;
            }
        }
    }
    check(ok, "power spectrum bits = forward then |X|^2", n, 0);
    free(src);
    free(in);
    free(re);
    free(im);
    free(pw);
    free(im2);
    free(scratch);
    ff_rfft_free(plan);
}

/* FNV-1a over the bits of the bins and power spectra of fixed random frames
 * (sizes the engine uses, 1 and 16 lanes).  `make test-isa` builds this test
 * for each ISA level the target_clones dispatch to and requires one digest. */
static uint64_t bits_digest(void)
{
    static const int32_t sizes[] = {512, 400, 320, 480, 256, 1024, 97};
    static const int lanes_list[] = {1, 16};
    uint64_t h = UINT64_C(0xcbf29ce484222325), rng = UINT64_C(42);
    size_t si, li, i;
    for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
        for (li = 0; li < sizeof(lanes_list) / sizeof(lanes_list[0]); li++) {
            const int32_t n = sizes[si];
            const int lanes = lanes_list[li];
            const size_t nl = (size_t)n * lanes, kl = ((size_t)n / 2 + 1) * lanes;
            ff_rfft *plan = NULL;
            float *src = malloc(sizeof(float) * nl), *in = malloc(sizeof(float) * nl);
            float *re = malloc(sizeof(float) * kl), *im = malloc(sizeof(float) * kl);
            float *scratch = NULL;
            if (src && in && re && im && ff_rfft_new(n, &plan) == FF_OK)
                scratch = malloc(sizeof(float) * ff_rfft_scratch_floats(plan, lanes));
            if (scratch == NULL) {
                check(0, "digest allocation", n, lanes);
            } else {
                int pass;
                for (i = 0; i < nl; i++)
                    src[i] = (float)urand(&rng);
                for (pass = 0; pass < 2; pass++) {
                    memcpy(in, src, sizeof(float) * nl);
                    if (pass == 0)
                        ff_rfft_forward(plan, lanes, in, re, im, scratch);
                    else
                        ff_rfft_power(plan, lanes, in, re, im, scratch, 1.0f / (float)n);
                    for (i = 0; i < (pass == 0 ? 2 * kl : kl); i++) {
                        const float v = i < kl ? re[i] : im[i - kl];
                        uint32_t u;
                        memcpy(&u, &v, sizeof u);
                        h = (h ^ u) * UINT64_C(0x100000001b3);
                    }
                }
            }
            free(src);
            free(in);
            free(re);
            free(im);
            free(scratch);
            ff_rfft_free(plan);
        }
    return h;
}

int main(void)
{
    /* 194 = 2 * 97 and 1018 = 2 * 509 take the even path into Bluestein */
    static const int32_t sizes[] = {1,   2,   3,   4,   5,    6,    7,    8,    9,    12,   15,
                                    16,  17,  30,  31,  32,   64,   97,   100,  128,  194,  256,
                                    320, 400, 401, 512, 768,  1000, 1018, 1024, 2048, 4096, 8192};
    static const int lanes_list[] = {1, 2, 3, 7, 16};
    /* large sizes: a few bins only (naive DFT is O(n) per bin) */
    static const int32_t big_sizes[] = {65536, 65537, 1048573 /* prime */, FF_MAX_FFT,
                                        2 * 3 * 5 * 7 * 11 * 13 * 17, 2 * 59 * 61};
    static const int32_t probe[] = {0, 1, 2, 3, 17, 1000, 4097, 32767};
    uint64_t rng = UINT64_C(0x9E3779B97F4A7C15);
    size_t si, li;

    test_errors();
    for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
        for (li = 0; li < sizeof(lanes_list) / sizeof(lanes_list[0]); li++)
            check(run_case(sizes[si], lanes_list[li], NULL, 0, &rng), "random vs naive DFT",
                  sizes[si], lanes_list[li]);
    for (si = 0; si < sizeof(big_sizes) / sizeof(big_sizes[0]); si++) {
        int32_t bins[sizeof(probe) / sizeof(probe[0]) + 1];
        int nb = 0;
        size_t b;
        for (b = 0; b < sizeof(probe) / sizeof(probe[0]); b++)
            if (probe[b] <= big_sizes[si] / 2)
                bins[nb++] = probe[b];
        bins[nb++] = big_sizes[si] / 2;
        check(run_case(big_sizes[si], si < 2 ? 3 : 1, bins, nb, &rng),
              "random vs naive DFT (some bins)", big_sizes[si], si < 2 ? 3 : 1);
    }
    for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
        test_lane_invariance(sizes[si], &rng);
    for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
        test_power(sizes[si], &rng);
    test_cosine(512, 16);
    test_cosine(512, 1);
    test_cosine(400, 3);
    printf("bits digest: %016llx\n", (unsigned long long)bits_digest());
    printf("worst error / bound: %.3g\n", worst_ratio);
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail != 0;
}
