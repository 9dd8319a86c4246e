/* frontend.c -- dither, DC removal, pre-emphasis, windows, spectrum, log. */
#include <math.h>
#include <string.h>

#include "stages.h"

/* splitmix64: a full-period 64-bit mixer (Steele, Lea & Flood 2014). */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

float ff_dither_normal(uint64_t seed, int64_t index)
{
    /* Box-Muller on two 32-bit uniforms drawn from mix(seed, index). */
    uint64_t bits = mix64(mix64(seed) + UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)index);
    double u1 = ((double)(bits >> 32) + 1.0) / 4294967296.0; /* (0, 1] */
    double u2 = (double)(bits & 0xFFFFFFFFu) / 4294967296.0;  /* [0, 1) */
    return (float)(sqrt(-2.0 * log(u1)) * cos(FF_2PI * u2));
}

void ff_window_fill(const ff_config *c, float *w)
{
    const int32_t n = c->frame_length;
    const double denom = c->window_periodic ? (double)n : (double)(n - 1);
    int32_t i;
    for (i = 0; i < n; i++) {
        double a = denom > 0 ? FF_2PI * i / denom : 0.0, v = 1.0;
        switch (c->window) {
        case FF_WIN_HAMMING: v = 0.54 - 0.46 * cos(a); break;
        case FF_WIN_HANN: v = 0.5 - 0.5 * cos(a); break;
        case FF_WIN_POVEY: v = pow(0.5 - 0.5 * cos(a), 0.85); break;
        case FF_WIN_BLACKMAN:
            v = c->blackman_coeff - 0.5 * cos(a) + (0.5 - c->blackman_coeff) * cos(2.0 * a);
            break;
        case FF_WIN_RECTANGULAR: v = 1.0; break;
        }
        /* A symmetric window of one sample is [1] (numpy.hamming(1)). */
        w[i] = denom > 0 ? (float)v : 1.0f;
    }
}

FF_HOT void ff_remove_dc(float *buf, int32_t len, int lanes)
{
    float mean[FF_LANES];
    int32_t i;
    int l;
    for (l = 0; l < lanes; l++) mean[l] = 0.0f;
    for (i = 0; i < len; i++)
        for (l = 0; l < lanes; l++) mean[l] += buf[(size_t)i * lanes + l];
    for (l = 0; l < lanes; l++) mean[l] /= (float)len;
    for (i = 0; i < len; i++)
        for (l = 0; l < lanes; l++) buf[(size_t)i * lanes + l] -= mean[l];
}

FF_HOT void ff_sum_squares(const float *buf, int32_t len, int lanes, float *acc)
{
    int32_t i;
    int l;
    for (l = 0; l < lanes; l++) acc[l] = 0.0f;
    for (i = 0; i < len; i++)
        for (l = 0; l < lanes; l++) {
            float v = buf[(size_t)i * lanes + l];
            acc[l] += v * v;
        }
}

/* Rows i of `lanes` floats: buf[i] = (buf[i] - coef buf[i-1]) w[i], run
 * downwards so buf[i-1] is still the unfiltered sample; i = 0 uses itself
 * (Kaldi).  coef == 0 skips the filter (not x - 0 x, which could flip the
 * sign of a zero).  A block of FF_LANES takes a loop of constant length, which
 * the compiler turns into whole vectors; every lane count does the same
 * operations per value, so the bits do not depend on it. */
#define PREEMPH_WINDOW_ROWS(L)                                                 \
    do {                                                                       \
        if (coef != 0.0f) {                                                    \
            for (i = len - 1; i >= 1; i--) {                                   \
                float *cur = buf + (size_t)i * (L);                            \
                const float *prev = cur - (L);                                 \
                const float wi = w[i];                                         \
                for (l = 0; l < (L); l++) cur[l] = (cur[l] - coef * prev[l]) * wi; \
            }                                                                  \
            for (l = 0; l < (L); l++) buf[l] = (buf[l] - coef * buf[l]) * w[0]; \
        } else {                                                               \
            for (i = 0; i < len; i++) {                                        \
                float *row = buf + (size_t)i * (L);                            \
                const float wi = w[i];                                         \
                for (l = 0; l < (L); l++) row[l] *= wi;                        \
            }                                                                  \
        }                                                                      \
    } while (0)

FF_HOT void ff_preemph_window(float *restrict buf, const float *restrict w, int32_t len,
                              int32_t n_fft, int lanes, float coef)
{
    int32_t i;
    int l;
    if (lanes == 1) { /* one frame (a stream): run along the samples */
        if (coef != 0.0f) {
            for (i = len - 1; i >= 1; i--) buf[i] = (buf[i] - coef * buf[i - 1]) * w[i];
            buf[0] = (buf[0] - coef * buf[0]) * w[0];
        } else {
            for (i = 0; i < len; i++) buf[i] *= w[i];
        }
    } else if (lanes == FF_LANES) {
        PREEMPH_WINDOW_ROWS(FF_LANES);
    } else {
        PREEMPH_WINDOW_ROWS(lanes);
    }
    memset(buf + (size_t)len * lanes, 0, sizeof(float) * (size_t)(n_fft - len) * lanes);
}
#undef PREEMPH_WINDOW_ROWS

#if defined(FF_V8_SHUFFLE) && (defined(FF_CLONES) || defined(__AVX2__))
/* Rows r[l] = samples i0 .. i0+7 of lane l (8 lanes) -> r[k] = sample i0+k of
 * the 8 lanes. */
#define TRANSPOSE8(r)                                                          \
    do {                                                                       \
        ff_v8 t_[8], s_[8];                                                    \
        int q_;                                                                \
        for (q_ = 0; q_ < 8; q_ += 2) {                                        \
            t_[q_] = __builtin_shufflevector(r[q_], r[q_ + 1], 0, 8, 1, 9, 4, 12, 5, 13); \
            t_[q_ + 1] = __builtin_shufflevector(r[q_], r[q_ + 1], 2, 10, 3, 11, 6, 14, 7, 15); \
        }                                                                      \
        for (q_ = 0; q_ < 8; q_ += 4) {                                        \
            s_[q_] = __builtin_shufflevector(t_[q_], t_[q_ + 2], 0, 1, 8, 9, 4, 5, 12, 13); \
            s_[q_ + 1] = __builtin_shufflevector(t_[q_], t_[q_ + 2], 2, 3, 10, 11, 6, 7, 14, 15); \
            s_[q_ + 2] = __builtin_shufflevector(t_[q_ + 1], t_[q_ + 3], 0, 1, 8, 9, 4, 5, 12, 13); \
            s_[q_ + 3] = __builtin_shufflevector(t_[q_ + 1], t_[q_ + 3], 2, 3, 10, 11, 6, 7, 14, 15); \
        }                                                                      \
        for (q_ = 0; q_ < 4; q_++) {                                           \
            r[q_] = __builtin_shufflevector(s_[q_], s_[q_ + 4], 0, 1, 2, 3, 8, 9, 10, 11); \
            r[q_ + 4] = __builtin_shufflevector(s_[q_], s_[q_ + 4], 4, 5, 6, 7, 12, 13, 14, 15); \
        }                                                                      \
    } while (0)

/* Per value the operations of ff_preemph_window: (x[i] - coef x[i-1]) w[i],
 * (x[0] - coef x[0]) w[0], or x[i] w[i] when coef == 0.  Only with AVX2: in
 * 128-bit registers (the SSE2 clone) the 8 x 8 transpose spills, and the
 * separate SSE2 4 x 4 transpose and ff_preemph_window are cheaper
 * (callgrind: 1,550 against 2,870 instructions per frame). */
/* Samples i0 .. len-1 of lanes l0 .. l1-1 of the fused framing, one value at
 * a time: the tail a transpose of 8 or 16 samples leaves. */
static void frames_tail(const float *const *xp, const float *prev0, const float *restrict w,
                        int32_t i0, int32_t len, int l0, int l1, float coef,
                        float *restrict buf)
{
    int32_t i;
    int l;
    for (i = i0; i < len; i++)
        for (l = l0; l < l1; l++) {
            const float x = xp[l][i];
            const float before = i > 0 ? xp[l][i - 1] : prev0 ? prev0[l] : x;
            buf[(size_t)i * FF_LANES + l] = coef != 0.0f ? (x - coef * before) * w[i] : x * w[i];
        }
}

#if defined(__x86_64__) && (defined(FF_CLONES) || defined(__AVX512F__))
/* With AVX-512 (the x86-64-v4 psABI level: 32 registers of 16 floats) the
 * block is one 16 x 16 transpose per 16 samples: 64 two-source shuffles and
 * whole-row stores, against two 8 x 8 transposes of 8-float halves (96
 * shuffles, twice the stores).  The same values and operations as the 8 x 8
 * path, so the same bits.  Compiled for x86-64-v4 only (an AVX2 register
 * pair would spill), called where the CPU has it. */
#define FF_FRAMES16 1
#if defined(FF_CLONES)
#define FF_V4_TARGET __attribute__((target("arch=x86-64-v4")))
#define FF_HAS_V4() __builtin_cpu_supports("x86-64-v4")
#else
#define FF_V4_TARGET
#define FF_HAS_V4() 1
#endif
typedef float ff_v16 __attribute__((vector_size(16 * sizeof(float))));
typedef float ff_v16u __attribute__((vector_size(16 * sizeof(float)), aligned(4), may_alias));

/* r[l] = samples i0 .. i0+15 of lane l -> r[j] = sample i0+j of the 16 lanes:
 * 2 x 2 blocks of floats, then of float pairs (within each 128-bit quarter),
 * then a 4 x 4 transpose of the quarters. */
FF_V4_TARGET static void transpose16(ff_v16 *r)
{
    ff_v16 t[16], s[16];
    int q, c, k;
    for (q = 0; q < 16; q += 2) {
        t[q] = __builtin_shufflevector(r[q], r[q + 1], 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25,
                                       12, 28, 13, 29);
        t[q + 1] = __builtin_shufflevector(r[q], r[q + 1], 2, 18, 3, 19, 6, 22, 7, 23, 10, 26,
                                           11, 27, 14, 30, 15, 31);
    }
    /* s[4c + k'] holds in quarter b the samples 4b + k of lanes 4c .. 4c+3,
     * k' = 0, 2, 1, 3 for k = 0, 1, 2, 3 */
    for (c = 0; c < 16; c += 4)
        for (q = c; q < c + 2; q++) {
            s[q] = __builtin_shufflevector(t[q], t[q + 2], 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24,
                                           25, 12, 13, 28, 29);
            s[q + 2] = __builtin_shufflevector(t[q], t[q + 2], 2, 3, 18, 19, 6, 7, 22, 23, 10, 11,
                                               26, 27, 14, 15, 30, 31);
        }
    for (k = 0; k < 4; k++) {
        static const int perm[4] = {0, 2, 1, 3};
        const ff_v16 a = s[perm[k]], b = s[4 + perm[k]], cc = s[8 + perm[k]], d = s[12 + perm[k]];
        /* quarters: p0 = a0 b0 a2 b2, p1 = a1 b1 a3 b3, p2 = c0 d0 c2 d2, p3 = c1 d1 c3 d3 */
        const ff_v16 p0 = __builtin_shufflevector(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11,
                                                  24, 25, 26, 27);
        const ff_v16 p1 = __builtin_shufflevector(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15,
                                                  28, 29, 30, 31);
        const ff_v16 p2 = __builtin_shufflevector(cc, d, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11,
                                                  24, 25, 26, 27);
        const ff_v16 p3 = __builtin_shufflevector(cc, d, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14,
                                                  15, 28, 29, 30, 31);
        /* sample 4b + k of all lanes: quarter b of a, b, c, d */
        r[k] = __builtin_shufflevector(p0, p2, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21,
                                       22, 23);
        r[4 + k] = __builtin_shufflevector(p1, p3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21,
                                           22, 23);
        r[8 + k] = __builtin_shufflevector(p0, p2, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27,
                                           28, 29, 30, 31);
        r[12 + k] = __builtin_shufflevector(p1, p3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27,
                                            28, 29, 30, 31);
    }
}

/* ff_frames_preemph_window for 16 lanes at a time (see above). */
FF_V4_TARGET static void frames16(const float *const *xp, const float *prev0,
                                  const float *restrict w, int32_t len, float coef,
                                  float *restrict buf)
{
    ff_v16 prev = {0.0f};
    int32_t i0;
    int k;
    for (i0 = 0; i0 + 16 <= len; i0 += 16) {
        ff_v16 r[16];
        for (k = 0; k < 16; k++) r[k] = *(const ff_v16u *)(xp[k] + i0);
        transpose16(r);
        if (i0 == 0 && prev0) prev = *(const ff_v16u *)prev0;
        else if (i0 == 0) prev = r[0];
        for (k = 0; k < 16; k++) {
            ff_v16u *o = (ff_v16u *)(buf + (size_t)(i0 + k) * FF_LANES);
            if (coef != 0.0f) {
                *o = (r[k] - coef * prev) * w[i0 + k];
                prev = r[k];
            } else {
                *o = r[k] * w[i0 + k];
            }
        }
    }
    frames_tail(xp, prev0, w, i0, len, 0, FF_LANES, coef, buf); /* the last len % 16 */
}
#endif

FF_HOT int ff_frames_preemph_window(const float *const *xp, const float *prev0,
                                    const float *restrict w, int32_t len, int32_t n_fft,
                                    float coef, float *restrict buf)
{
    int32_t i0;
    int h, k, wide = 0;
    if (!__builtin_cpu_supports("avx2")) return 0;
#ifdef FF_FRAMES16
    wide = FF_HAS_V4();
    if (wide) frames16(xp, prev0, w, len, coef, buf);
#endif
    for (h = 0; !wide && h < FF_LANES; h += 8) { /* lanes h .. h+7 */
        ff_v8 prev = {0.0f};
        for (i0 = 0; i0 + 8 <= len; i0 += 8) {
            ff_v8 r[8];
            for (k = 0; k < 8; k++) r[k] = FF_V8_CAT(xp[h + k] + i0);
            TRANSPOSE8(r);
            if (i0 == 0 && prev0) prev = FF_V8_CAT(prev0 + h);
            else if (i0 == 0) prev = r[0];
            for (k = 0; k < 8; k++) {
                float *o = buf + (size_t)(i0 + k) * FF_LANES + h;
                if (coef != 0.0f) {
                    FF_V8_AT(o) = (r[k] - coef * prev) * w[i0 + k];
                    prev = r[k];
                } else {
                    FF_V8_AT(o) = r[k] * w[i0 + k];
                }
            }
        }
        frames_tail(xp, prev0, w, i0, len, h, h + 8, coef, buf); /* the last len % 8 */
    }
    memset(buf + (size_t)len * FF_LANES, 0, sizeof(float) * (size_t)(n_fft - len) * FF_LANES);
    return 1;
}
#undef TRANSPOSE8
#ifdef FF_FRAMES16
#undef FF_FRAMES16
#undef FF_V4_TARGET
#undef FF_HAS_V4
#endif
#else
int ff_frames_preemph_window(const float *const *xp, const float *prev0, const float *w,
                             int32_t len, int32_t n_fft, float coef, float *buf)
{ /* the separate transpose and ff_preemph_window instead */
    (void)xp; (void)prev0; (void)w; (void)len; (void)n_fft; (void)coef; (void)buf;
    return 0;
}
#endif

FF_HOT void ff_spectrum(float *re, const float *im, int32_t n_bins, int lanes, float power,
                        float scale, float *energy)
{
    const size_t n = (size_t)n_bins * lanes;
    size_t i;
    if (power == 2.0f) {
        for (i = 0; i < n; i++) re[i] = (re[i] * re[i] + im[i] * im[i]) * scale;
    } else if (power == 1.0f) {
        for (i = 0; i < n; i++) re[i] = sqrtf(re[i] * re[i] + im[i] * im[i]) * scale;
    } else {
        const float half = 0.5f * power;
        for (i = 0; i < n; i++) re[i] = powf(re[i] * re[i] + im[i] * im[i], half) * scale;
    }
    if (energy) {
        int32_t k;
        int l;
        for (l = 0; l < lanes; l++) energy[l] = 0.0f;
        for (k = 0; k < n_bins; k++)
            for (l = 0; l < lanes; l++) energy[l] += re[(size_t)k * lanes + l];
    }
}

/*
 * ff_log_apply computes the natural log of each value in [FLT_MIN, FLT_MAX]
 * branch-free, so the loop vectorises (libm's logf does not without
 * -ffast-math): Cephes' logf polynomial on the mantissa reduced to
 * [sqrt(1/2), sqrt(2)); within 1 ulp of the correctly rounded log over that
 * range (0.72 ulp measured).  The body is written out in the dispatched
 * function: loops inlined from a helper are not vectorised for the wider
 * targets of target_clones (GCC 12).
 */
FF_HOT void ff_log_apply(float *v, int64_t n, ff_log mode, float floor, ff_floor_mode fmode)
{
    /* MAX: values below floor become floor; ZERO: only values <= 0 do (psf);
     * ADD: floor is added first (NeMo's log(x + 2^-24)), then as MAX.
     * Both bounds are raised to FLT_MIN (1.2e-38) so the log never sees a
     * subnormal; +inf (float32 overflow of a power) maps to ln(2^128). */
    const float tiny = 1.17549435e-38f;
    const float lowest = floor > tiny ? floor : tiny;
    const float thresh = fmode == FF_FLOOR_ZERO ? tiny : lowest;
    const float add = fmode == FF_FLOOR_ADD ? floor : 0.0f;
    const float scale = mode == FF_LOG_LN ? 1.0f
                      : mode == FF_LOG_LOG10 ? 0.43429448190325176f
                      : 4.3429448190325176f; /* dB: 10 / ln 10 */
    int64_t i;
    if (mode == FF_LOG_NONE) return;
    for (i = 0; i < n; i++) {
        union { float f; uint32_t u; } bits; /* type punning through a union (C99 TC3) */
        int32_t e, lo;
        float m, z, y;
        const float x = v[i] + add;
        bits.f = x >= thresh ? x : lowest;
        e = (int32_t)(bits.u >> 23) - 126;          /* x = m 2^e, m in [0.5, 1) */
        bits.u = (bits.u & 0x007fffffu) | 0x3f000000u;
        m = bits.f;
        lo = m < 0.70710678f;                       /* m into [sqrt(1/2), sqrt(2)) - 1 */
        e -= lo;
        m = m + (lo ? m : 0.0f) - 1.0f;
        z = m * m;
        y = 7.0376836292e-2f;
        y = y * m - 1.1514610310e-1f;
        y = y * m + 1.1676998740e-1f;
        y = y * m - 1.2420140846e-1f;
        y = y * m + 1.4249322787e-1f;
        y = y * m - 1.6668057665e-1f;
        y = y * m + 2.0000714765e-1f;
        y = y * m - 2.4999993993e-1f;
        y = y * m + 3.3333331174e-1f;
        y = y * m * z;
        y += -2.12194440e-4f * (float)e;
        y += -0.5f * z;
        v[i] = (m + y + 0.693359375f * (float)e) * scale;
    }
}
