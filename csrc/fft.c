/*
 * fft.c -- real forward DFT over blocks of frames, structure-of-arrays.
 *
 * Layout.  A block holds `lanes` frames; sample i of frame l is at
 * buf[i * lanes + l].  Complex data are split: element j of lane l has its
 * real part at re[j * lanes + l] and its imaginary part at im[j * lanes + l].
 *
 * Algorithm.
 *   even n:  the n real samples are read as m = n / 2 complex samples
 *            z[j] = x[2j] + i x[2j+1] (no copy: the even rows are the real
 *            rows, the odd rows the imaginary rows), a complex FFT of size m
 *            follows, then one pass of twiddles separates the spectra of the
 *            even and odd samples and combines them into bins 0 .. m (or,
 *            for ff_rfft_power, into their power spectrum directly).
 *   odd n:   a complex FFT of size n with zero imaginary part; the first
 *            n / 2 + 1 bins are kept.
 * The complex FFT ("cplan") is either
 *   Stockham: mixed-radix autosort, decimation in frequency, out of place,
 *            ping-pong between two buffers; radix 8 and 4 (or 2) for the
 *            power of two, 3, 5, and a generic odd prime radix up to
 *            MAX_DIRECT_RADIX; or
 *   Bluestein: when n has a larger prime factor, a chirp convolution
 *            computed with power-of-two Stockham FFTs.
 *
 * Vectorisation.  A Stockham stage of stride s has rows of s * lanes
 * contiguous floats, and its butterflies loop over a row ("row order"), which
 * the compiler vectorises; for 16 lanes every row is at least 16 floats.  Rows
 * shorter than SHORT_ROW (a single frame's first stage has rows of one float)
 * are done in "column order" instead: the loop runs over the butterflies of
 * the stage, whose inputs and twiddles are contiguous, and the compiler
 * interleaves the outputs with permutes.
 *
 * Twiddles are computed in double and stored as float in the plan, which is
 * immutable after ff_rfft_new and may be shared by threads.  All working
 * memory comes from the caller's scratch.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "ff_internal.h"

/* Radix stages per complex plan: n <= 2^21 (Bluestein) needs at most 21. */
#define MAX_STAGES 24
/* Prime factors above this make the whole complex FFT go through Bluestein. */
#define MAX_DIRECT_RADIX 61
/* Stages whose rows are shorter than this many floats run in column order. */
#define SHORT_ROW 8

/* The loops marked IVDEP write several rows of one buffer that never overlap
 * (they are whole rows apart), which the compiler cannot prove by itself. */
#if defined(__clang__)
#define IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

/* Butterflies, column-order stages and the split pass must be compiled inside
 * each dispatched clone of their caller (a separate out-of-line copy would get
 * the baseline ISA only, and a butterfly left out of line is not vectorised). */
#if defined(__GNUC__)
#define FF_INLINE inline __attribute__((always_inline))
#else
#define FF_INLINE inline
#endif

/* A split complex buffer: element j of lane l at re/im[j * lanes + l]. */
typedef struct {
    float *re, *im;
} cbuf;

typedef struct cplan cplan;

/* Complex forward FFT of size n (unscaled, exp(-2 pi i jk / n)). */
struct cplan {
    int32_t n;
    /* Stockham: stage t has radix r = radix[t] and m = n / (radix[0] * ..
     * * radix[t]) butterflies per sub-transform; the twiddle of butterfly p,
     * output k (1 <= k < r) is tw[(k - 1) * m + p].  A generic radix also
     * has rc/rs[t] = cos/sin(2 pi t / r), t < r. */
    int nstage;
    int32_t radix[MAX_STAGES];
    const float *twr[MAX_STAGES], *twi[MAX_STAGES];
    const float *rc[MAX_STAGES], *rs[MAX_STAGES];
    /* Bluestein (big == 0 when absent): big = power of two >= 2n - 1, sub its
     * plan, chirp c[j] = exp(-pi i j^2 / n) for j < n, filter
     * bf = FFT_big(conj chirp, wrapped) / big. */
    int32_t big;
    cplan *sub;
    const float *chr, *chi, *bfr, *bfi;
    float *mem; /* owns every table above */
};

struct ff_rfft {
    int32_t n;
    cplan *c; /* size n / 2 (even n) or n (odd n) */
    /* even n: hc[k] = cos(2 pi k / n) / 2, hs[k] = -sin(2 pi k / n) / 2,
     * k <= n / 4 */
    float *hc, *hs;
};

/* ------------------------------------------------------------------------ */
/* Butterflies.
 *
 * bfR computes one radix-R butterfly: inputs a_j = x[j * xm] (j < R),
 * outputs y[k * ym] = w_k sum_j a_j exp(-2 pi i jk / R), with twiddles
 * w_k = w[(k - 1) * wm] when tw, w_k = 1 otherwise.  Inlined into loops that
 * the compiler vectorises.
 */

/* (r, i) *= (wr, wi) */
#define CMUL(r, i, wr, wi)                                \
    do {                                                  \
        const float cmul_t = (r) * (wr) - (i) * (wi);     \
        (i) = (r) * (wi) + (i) * (wr);                    \
        (r) = cmul_t;                                     \
    } while (0)

/* Store output k of a butterfly, twiddled when tw. */
#define PUT(k, vr, vi)                                            \
    do {                                                          \
        float put_r = (vr), put_i = (vi);                         \
        if (tw)                                                   \
            CMUL(put_r, put_i, wr[((k) - 1) * wm], wi[((k) - 1) * wm]); \
        yr[(k) * ym] = put_r;                                     \
        yi[(k) * ym] = put_i;                                     \
    } while (0)

#define BF_ARGS                                                                  \
    const float *restrict xr, const float *restrict xi, ptrdiff_t xm,            \
        float *restrict yr, float *restrict yi, ptrdiff_t ym,                    \
        const float *restrict wr, const float *restrict wi, ptrdiff_t wm, int tw

static FF_INLINE void bf2(BF_ARGS)
{
    const float ar = xr[0], ai = xi[0], br = xr[xm], bi = xi[xm];
    yr[0] = ar + br;
    yi[0] = ai + bi;
    PUT(1, ar - br, ai - bi);
}

static FF_INLINE void bf3(BF_ARGS)
{
    const float h = (float)0.86602540378443864676; /* sin(2 pi / 3) */
    const float a0r = xr[0], a0i = xi[0], a1r = xr[xm], a1i = xi[xm];
    const float a2r = xr[2 * xm], a2i = xi[2 * xm];
    const float sr = a1r + a2r, si = a1i + a2i;
    const float dr = h * (a1r - a2r), di = h * (a1i - a2i);
    const float mr = a0r - 0.5f * sr, mi = a0i - 0.5f * si;
    yr[0] = a0r + sr;
    yi[0] = a0i + si;
    PUT(1, mr + di, mi - dr); /* m - i h (a1 - a2) */
    PUT(2, mr - di, mi + dr); /* m + i h (a1 - a2) */
}

static FF_INLINE void bf4(BF_ARGS)
{
    const float a0r = xr[0], a0i = xi[0], a1r = xr[xm], a1i = xi[xm];
    const float a2r = xr[2 * xm], a2i = xi[2 * xm], a3r = xr[3 * xm], a3i = xi[3 * xm];
    const float t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
    const float t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
    yr[0] = t0r + t2r;
    yi[0] = t0i + t2i;
    PUT(1, t1r + t3i, t1i - t3r); /* t1 - i t3 */
    PUT(2, t0r - t2r, t0i - t2i);
    PUT(3, t1r - t3i, t1i + t3r); /* t1 + i t3 */
}

static FF_INLINE void bf5(BF_ARGS)
{
    const float c1 = (float)0.30901699437494742410;  /* cos(2 pi / 5) */
    const float c2 = (float)-0.80901699437494742410; /* cos(4 pi / 5) */
    const float s1 = (float)0.95105651629515357212;  /* sin(2 pi / 5) */
    const float s2 = (float)0.58778525229247312917;  /* sin(4 pi / 5) */
    const float a0r = xr[0], a0i = xi[0], a1r = xr[xm], a1i = xi[xm];
    const float a2r = xr[2 * xm], a2i = xi[2 * xm], a3r = xr[3 * xm], a3i = xi[3 * xm];
    const float a4r = xr[4 * xm], a4i = xi[4 * xm];
    const float b1r = a1r + a4r, b1i = a1i + a4i, b2r = a2r + a3r, b2i = a2i + a3i;
    const float d1r = a1r - a4r, d1i = a1i - a4i, d2r = a2r - a3r, d2i = a2i - a3i;
    const float m1r = a0r + c1 * b1r + c2 * b2r, m1i = a0i + c1 * b1i + c2 * b2i;
    const float m2r = a0r + c2 * b1r + c1 * b2r, m2i = a0i + c2 * b1i + c1 * b2i;
    const float n1r = s1 * d1r + s2 * d2r, n1i = s1 * d1i + s2 * d2i;
    const float n2r = s2 * d1r - s1 * d2r, n2i = s2 * d1i - s1 * d2i;
    yr[0] = a0r + b1r + b2r;
    yi[0] = a0i + b1i + b2i;
    /* out k = m_k - i n_k, out 5 - k = m_k + i n_k (k = 1, 2) */
    PUT(1, m1r + n1i, m1i - n1r);
    PUT(2, m2r + n2i, m2i - n2r);
    PUT(3, m2r - n2i, m2i + n2r);
    PUT(4, m1r - n1i, m1i + n1r);
}

/* Radix 8 as 2 x 4: b_j = a_j + a_{j+4} feed a radix-4 butterfly for the even
 * outputs, d_j = (a_j - a_{j+4}) W8^j one for the odd outputs,
 * W8 = exp(-i pi / 4). */
static FF_INLINE void bf8(BF_ARGS)
{
    const float h = (float)0.70710678118654752440; /* 1 / sqrt(2) */
    const float a0r = xr[0], a0i = xi[0], a4r = xr[4 * xm], a4i = xi[4 * xm];
    const float a1r = xr[xm], a1i = xi[xm], a5r = xr[5 * xm], a5i = xi[5 * xm];
    const float a2r = xr[2 * xm], a2i = xi[2 * xm], a6r = xr[6 * xm], a6i = xi[6 * xm];
    const float a3r = xr[3 * xm], a3i = xi[3 * xm], a7r = xr[7 * xm], a7i = xi[7 * xm];
    const float e1r = a1r - a5r, e1i = a1i - a5i, e3r = a3r - a7r, e3i = a3i - a7i;
    const float b0r = a0r + a4r, b0i = a0i + a4i, d0r = a0r - a4r, d0i = a0i - a4i;
    const float b1r = a1r + a5r, b1i = a1i + a5i;
    const float d1r = h * (e1r + e1i), d1i = h * (e1i - e1r); /* e1 (1 - i) / sqrt 2 */
    const float b2r = a2r + a6r, b2i = a2i + a6i;
    const float d2r = a2i - a6i, d2i = a6r - a2r;             /* (a2 - a6) (-i) */
    const float b3r = a3r + a7r, b3i = a3i + a7i;
    const float d3r = h * (e3i - e3r), d3i = -h * (e3r + e3i); /* e3 (-1 - i) / sqrt 2 */
    {
        const float t0r = b0r + b2r, t0i = b0i + b2i, t1r = b0r - b2r, t1i = b0i - b2i;
        const float t2r = b1r + b3r, t2i = b1i + b3i, t3r = b1r - b3r, t3i = b1i - b3i;
        yr[0] = t0r + t2r;
        yi[0] = t0i + t2i;
        PUT(2, t1r + t3i, t1i - t3r);
        PUT(4, t0r - t2r, t0i - t2i);
        PUT(6, t1r - t3i, t1i + t3r);
    }
    {
        const float t0r = d0r + d2r, t0i = d0i + d2i, t1r = d0r - d2r, t1i = d0i - d2i;
        const float t2r = d1r + d3r, t2i = d1i + d3i, t3r = d1r - d3r, t3i = d1i - d3i;
        PUT(1, t0r + t2r, t0i + t2i);
        PUT(3, t1r + t3i, t1i - t3r);
        PUT(5, t0r - t2r, t0i - t2i);
        PUT(7, t1r - t3i, t1i + t3r);
    }
}

/* The stage shapes (radix, m, len, xs) of the plans of full blocks for the
 * FFT sizes speech front ends use (n_fft 200, 256, 320, 400, 480, 512, 640,
 * 1024, 2048: factorize() of n / 2, 16 lanes, the first stage reading the
 * interleaved frames).  A stage of one of these shapes is compiled with its
 * strides and loop counts as constants: its row and twiddle addresses are
 * then one base register plus a displacement each, where runtime strides
 * left gcc short of registers (stage8 spilled its row pointers; n_fft 512
 * took 180 ns per frame for the FFT, 139 with constants).  Same arithmetic,
 * same bits; any other shape takes the runtime-stride code. */
#define HOT_STAGES(X, a, r)                                                              \
    X(a, r, 8, 16, 16, 32) X(a, r, 8, 20, 16, 32) X(a, r, 8, 25, 16, 32)                 \
    X(a, r, 8, 32, 16, 32) X(a, r, 8, 40, 16, 32) X(a, r, 8, 64, 16, 32)                 \
    X(a, r, 8, 128, 16, 32) X(a, r, 8, 4, 128, 128) X(a, r, 8, 5, 128, 128)              \
    X(a, r, 8, 8, 128, 128) X(a, r, 8, 16, 128, 128) X(a, r, 8, 1, 1024, 1024)           \
    X(a, r, 4, 25, 16, 32) X(a, r, 4, 60, 16, 32) X(a, r, 4, 15, 64, 64)                 \
    X(a, r, 4, 4, 128, 128) X(a, r, 4, 5, 128, 128) X(a, r, 4, 4, 1024, 1024)            \
    X(a, r, 4, 1, 512, 512) X(a, r, 4, 1, 1024, 1024) X(a, r, 4, 1, 4096, 4096)          \
    X(a, r, 5, 5, 64, 64) X(a, r, 5, 5, 128, 128) X(a, r, 5, 1, 320, 320)                \
    X(a, r, 5, 1, 512, 512) X(a, r, 5, 1, 640, 640) X(a, r, 5, 1, 768, 768)              \
    X(a, r, 5, 1, 1024, 1024) X(a, r, 3, 5, 256, 256)
/* In a STAGE of radix r: the constant-shape call for a listed shape. */
#define STAGE_SHAPE(blocks, r, R, M, LEN, XS)                                              \
    if ((r) == (R) && m == (M) && len == (LEN) && xs == (XS)) {                              \
        blocks((M), (LEN), (XS), xr, xi, yr, yi, twr, twi);                               \
        return;                                                                            \
    }

/* ------------------------------------------------------------------------ */
/* Stockham stages.
 *
 * A stage of radix r turns sub-transforms of length r * m and stride s
 * (s = product of the radices before it) into ones of length m and stride
 * s * r.  Rows hold `len` = s * lanes floats.  Butterfly p < m, column
 * c < len, reads x rows p + j * m (j < r; x rows are `xs` floats apart,
 * xs = len except in a first stage reading interleaved input) and writes
 * y rows r * p + k (k < r), output k twiddled by tw[(k - 1) * m + p].
 * Butterfly p = 0 has unit twiddles.  Column order (name_cols) is
 * instantiated with constant len and xs for a single frame, so that the
 * compiler sees the fixed strides and loads/stores whole vectors.
 */
#define STAGE(name, bf, r)                                                              \
    static FF_INLINE void name##_cols(ptrdiff_t m, ptrdiff_t len, ptrdiff_t xs,            \
                                   const float *restrict xr, const float *restrict xi,  \
                                   float *restrict yr, float *restrict yi,              \
                                   const float *restrict twr, const float *restrict twi) \
    {                                                                                   \
        ptrdiff_t p, c;                                                                 \
        for (c = 0; c < len; c++) {                                                     \
            bf(xr + c, xi + c, m * xs, yr + c, yi + c, len, twr, twi, m, 0);            \
            IVDEP for (p = 1; p < m; p++)                                               \
                bf(xr + p * xs + c, xi + p * xs + c, m * xs, yr + (r * p * len + c),    \
                   yi + (r * p * len + c), len, twr + p, twi + p, m, 1);                \
        }                                                                               \
    }                                                                                   \
    static FF_INLINE void name##_blocks(ptrdiff_t m, ptrdiff_t len, ptrdiff_t xs,          \
                                     const float *restrict xr, const float *restrict xi, \
                                     float *restrict yr, float *restrict yi,             \
                                     const float *restrict twr,                          \
                                     const float *restrict twi)                          \
    {                                                                                   \
        ptrdiff_t p, c, c0;                                                             \
        for (c0 = 0; c0 < len; c0 += FF_LANES)                                          \
            IVDEP for (c = c0; c < c0 + FF_LANES; c++)                                  \
                bf(xr + c, xi + c, m * xs, yr + c, yi + c, len, twr, twi, m, 0);        \
        for (p = 1; p < m; p++) {                                                       \
            for (c0 = 0; c0 < len; c0 += FF_LANES)                                      \
                IVDEP for (c = c0; c < c0 + FF_LANES; c++)                              \
                    bf(xr + p * xs + c, xi + p * xs + c, m * xs,                        \
                       yr + (r * p * len + c), yi + (r * p * len + c), len,             \
                       twr + p, twi + p, m, 1);                                         \
        }                                                                               \
    }                                                                                   \
    FF_HOT static void name(ptrdiff_t m, ptrdiff_t len, ptrdiff_t xs,                   \
                            const float *restrict xr, const float *restrict xi,         \
                            float *restrict yr, float *restrict yi,                     \
                            const float *restrict twr, const float *restrict twi)       \
    {                                                                                   \
        ptrdiff_t p, c;                                                                 \
        if (len % FF_LANES == 0) { /* row order in whole blocks of FF_LANES */          \
            HOT_STAGES(STAGE_SHAPE, name##_blocks, r)                                   \
            name##_blocks(m, len, xs, xr, xi, yr, yi, twr, twi);                        \
        } else if (len >= SHORT_ROW) { /* row order */                                  \
            IVDEP for (c = 0; c < len; c++)                                             \
                bf(xr + c, xi + c, m * xs, yr + c, yi + c, len, twr, twi, m, 0);        \
            for (p = 1; p < m; p++) {                                                   \
                IVDEP for (c = 0; c < len; c++)                                         \
                    bf(xr + p * xs + c, xi + p * xs + c, m * xs, yr + (r * p * len + c), \
                       yi + (r * p * len + c), len, twr + p, twi + p, m, 1);            \
            }                                                                           \
        } else if (len == 1 && xs == 2) { /* one frame, interleaved input */            \
            name##_cols(m, 1, 2, xr, xi, yr, yi, twr, twi);                             \
        } else if (len == 1 && xs == 1) { /* one frame */                               \
            name##_cols(m, 1, 1, xr, xi, yr, yi, twr, twi);                             \
        } else {                                                                        \
            name##_cols(m, len, xs, xr, xi, yr, yi, twr, twi);                          \
        }                                                                               \
    }
STAGE(stage2, bf2, 2)
STAGE(stage3, bf3, 3)
STAGE(stage4, bf4, 4)
STAGE(stage5, bf5, 5)
STAGE(stage8, bf8, 8)

/* Generic odd radix r, same contract as the stages above, row order:
 * out k = m_k - i n_k and out r - k = m_k + i n_k with
 * m_k = a0 + sum_j cos(2 pi jk / r) (a_j + a_{r-j}) and
 * n_k = sum_j sin(2 pi jk / r) (a_j - a_{r-j}), j, k = 1 .. (r-1)/2.  The
 * output rows serve as accumulators (m_k in row k, n_k in row r - k). */
FF_HOT static void stagen(int32_t r, ptrdiff_t m, ptrdiff_t len, ptrdiff_t xs,
                          const float *restrict xr, const float *restrict xi,
                          float *restrict yr, float *restrict yi,
                          const float *restrict twr, const float *restrict twi,
                          const float *restrict rc, const float *restrict rs)
{
    const int32_t h = (r - 1) / 2;
    ptrdiff_t p, c;
    int32_t j, k;
    for (p = 0; p < m; p++) {
        const ptrdiff_t x0 = p * xs, y0 = r * p * len;
        IVDEP for (c = 0; c < len; c++) {
            yr[y0 + c] = xr[x0 + c];
            yi[y0 + c] = xi[x0 + c];
        }
        for (j = 1; j < r; j++) {
            const ptrdiff_t xj = (p + j * m) * xs;
            IVDEP for (c = 0; c < len; c++) {
                yr[y0 + c] += xr[xj + c];
                yi[y0 + c] += xi[xj + c];
            }
        }
        for (k = 1; k <= h; k++) {
            const ptrdiff_t yk = y0 + k * len, yn = y0 + (r - k) * len;
            const float ukr = twr[(k - 1) * m + p], uki = twi[(k - 1) * m + p];
            const float unr = twr[(r - k - 1) * m + p], uni = twi[(r - k - 1) * m + p];
            IVDEP for (c = 0; c < len; c++) {
                yr[yk + c] = xr[x0 + c];
                yi[yk + c] = xi[x0 + c];
                yr[yn + c] = 0.0f;
                yi[yn + c] = 0.0f;
            }
            for (j = 1; j <= h; j++) {
                const int32_t t = (int32_t)(((int64_t)j * k) % r);
                const float cs = rc[t], sn = rs[t];
                const ptrdiff_t xa = (p + j * m) * xs, xb = (p + (r - j) * m) * xs;
                IVDEP for (c = 0; c < len; c++) {
                    yr[yk + c] += cs * (xr[xa + c] + xr[xb + c]);
                    yi[yk + c] += cs * (xi[xa + c] + xi[xb + c]);
                    yr[yn + c] += sn * (xr[xa + c] - xr[xb + c]);
                    yi[yn + c] += sn * (xi[xa + c] - xi[xb + c]);
                }
            }
            IVDEP for (c = 0; c < len; c++) {
                const float mr = yr[yk + c], mi = yi[yk + c];
                const float nr = yr[yn + c], ni = yi[yn + c];
                float br = mr + ni, bi = mi - nr; /* m - i n */
                float er = mr - ni, ei = mi + nr; /* m + i n */
                CMUL(br, bi, ukr, uki);
                CMUL(er, ei, unr, uni);
                yr[yk + c] = br;
                yi[yk + c] = bi;
                yr[yn + c] = er;
                yi[yn + c] = ei;
            }
        }
    }
}

/* The first nst stages of the Stockham FFT of cp: x (element j of lane l at
 * xr/xi[j * xes + l], only read) -> y (split rows of `lanes`, in the order of
 * stage nst's input), ping-ponging through w.  nst >= 1. */
static void stockham_stages(const cplan *cp, int nst, ptrdiff_t lanes, const float *xr,
                            const float *xi, ptrdiff_t xes, cbuf y, cbuf w)
{
    ptrdiff_t s = 1, m = cp->n, es = xes;
    int t;
    for (t = 0; t < nst; t++) {
        const int32_t r = cp->radix[t];
        const cbuf d = ((nst - 1 - t) % 2 == 0) ? y : w; /* stage nst - 1 -> y */
        const ptrdiff_t len = s * lanes, xs = s * es;
        const float *twr = cp->twr[t], *twi = cp->twi[t];
        m /= r;
        switch (r) {
        case 2: stage2(m, len, xs, xr, xi, d.re, d.im, twr, twi); break;
        case 3: stage3(m, len, xs, xr, xi, d.re, d.im, twr, twi); break;
        case 4: stage4(m, len, xs, xr, xi, d.re, d.im, twr, twi); break;
        case 5: stage5(m, len, xs, xr, xi, d.re, d.im, twr, twi); break;
        case 8: stage8(m, len, xs, xr, xi, d.re, d.im, twr, twi); break;
        default:
            stagen(r, m, len, xs, xr, xi, d.re, d.im, twr, twi, cp->rc[t], cp->rs[t]);
            break;
        }
        xr = d.re;
        xi = d.im;
        es = lanes;
        s *= r;
    }
}

/* Stockham FFT of size cp->n: x (element j of lane l at xr/xi[j * xes + l])
 * -> y (split rows of `lanes`), ping-ponging through w; x is only read. */
static void stockham(const cplan *cp, ptrdiff_t lanes, const float *xr, const float *xi,
                     ptrdiff_t xes, cbuf y, cbuf w)
{
    if (cp->nstage == 0) { /* n == 1 */
        memcpy(y.re, xr, sizeof(float) * (size_t)lanes);
        memcpy(y.im, xi, sizeof(float) * (size_t)lanes);
        return;
    }
    stockham_stages(cp, cp->nstage, lanes, xr, xi, xes, y, w);
}

/* Bluestein: X[k] = c[k] sum_j (x[j] c[j]) conj(c[k - j]), the convolution
 * done as two power-of-two FFTs (the inverse one as conj(FFT(conj))).
 * x rows are xes floats apart; extra holds 6 * big * lanes floats. */
FF_HOT static void bluestein(const cplan *cp, ptrdiff_t lanes, const float *xr,
                             const float *xi, ptrdiff_t xes, cbuf y, float *extra)
{
    const ptrdiff_t n = cp->n, big = cp->big, sz = big * lanes;
    const cbuf u = {extra, extra + sz}, v = {extra + 2 * sz, extra + 3 * sz};
    const cbuf w = {extra + 4 * sz, extra + 5 * sz};
    ptrdiff_t j, l;
    for (j = 0; j < n; j++) {
        const float cr = cp->chr[j], ci = cp->chi[j];
        for (l = 0; l < lanes; l++) {
            const float ar = xr[j * xes + l], ai = xi[j * xes + l];
            u.re[j * lanes + l] = ar * cr - ai * ci;
            u.im[j * lanes + l] = ar * ci + ai * cr;
        }
    }
    memset(u.re + n * lanes, 0, sizeof(float) * (size_t)((big - n) * lanes));
    memset(u.im + n * lanes, 0, sizeof(float) * (size_t)((big - n) * lanes));
    stockham(cp->sub, lanes, u.re, u.im, lanes, v, w);
    for (j = 0; j < big; j++) {
        const float br = cp->bfr[j], bi = cp->bfi[j];
        for (l = 0; l < lanes; l++) {
            const float ar = v.re[j * lanes + l], ai = v.im[j * lanes + l];
            u.re[j * lanes + l] = ar * br - ai * bi;
            u.im[j * lanes + l] = -(ar * bi + ai * br);
        }
    }
    stockham(cp->sub, lanes, u.re, u.im, lanes, v, w);
    for (j = 0; j < n; j++) {
        const float cr = cp->chr[j], ci = cp->chi[j];
        for (l = 0; l < lanes; l++) {
            const float ar = v.re[j * lanes + l], ai = -v.im[j * lanes + l];
            y.re[j * lanes + l] = ar * cr - ai * ci;
            y.im[j * lanes + l] = ar * ci + ai * cr;
        }
    }
}

/* Complex FFT of size cp->n for `lanes` frames: x (element j of lane l at
 * xr/xi[j * xes + l], only read) -> y (split rows of `lanes`).  w: split
 * work buffer of n rows; extra: cplan_extra() floats (Bluestein only). */
static void cfft(const cplan *cp, ptrdiff_t lanes, const float *xr, const float *xi,
                 ptrdiff_t xes, cbuf y, cbuf w, float *extra)
{
    if (cp->big > 0)
        bluestein(cp, lanes, xr, xi, xes, y, extra);
    else
        stockham(cp, lanes, xr, xi, xes, y, w);
}

/* Even n = 2m, Z = FFT_m(x[2j] + i x[2j+1]) in re/im rows 0 .. m-1:
 * X[k] = E + W^k O, X[m-k] = conj(E - W^k O) with E = (Z[k] + conj Z[m-k]) / 2,
 * O = -i (Z[k] - conj Z[m-k]) / 2, W = exp(-2 pi i / n); X[0] and X[m] from
 * Z[0], X[m/2] = conj Z[m/2] (m even).  In place, rows 0 .. m; hc/hs hold
 * W^k / 2 for k <= m / 2.
 *
 * With power == 0 the bins go to re/im.  Otherwise only the power spectrum
 * (Re X[k]^2 + Im X[k]^2) * scale is stored, in re (im is left clobbered),
 * the same operations in the same order as computing the bins first and
 * squaring them afterwards, so both give the same bits.  Inlined with a
 * constant power and, for FF_LANES, a constant lane count, so the compiler
 * drops the other variant and the lane-loop epilogues.
 * Every lane count gives the same bits per frame. */
#define POWER(r, i) (((r) * (r) + (i) * (i)) * scale)
#define SPLIT_PUT(at, xr, xi)                     \
    do {                                          \
        const float sp_r = (xr), sp_i = (xi);     \
        if (power) {                              \
            re[at] = POWER(sp_r, sp_i);           \
        } else {                                  \
            re[at] = sp_r;                        \
            im[at] = sp_i;                        \
        }                                         \
    } while (0)
/* One pair of split_even: Z[a] = (ar, ai) and Z[N - a] = (br, bim) to the
 * bins X[a] = (*xar, *xai) and X[N - a] = (*xbr, *xbi), with c, s = hc[a],
 * hs[a].  The one expression of the split, shared by every variant so that
 * they give the same bits. */
static FF_INLINE void split_pair(float ar, float ai, float br, float bim, float c, float s,
                                 float *xar, float *xai, float *xbr, float *xbi)
{
    const float bi = -bim;
    const float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
    const float tr = c * (ai - bi) + s * (ar - br);
    const float ti = s * (ai - bi) - c * (ar - br);
    *xar = er + tr;
    *xai = ei + ti;
    *xbr = er - tr;
    *xbi = ti - ei;
}

static FF_INLINE void split_even(ptrdiff_t m, ptrdiff_t lanes, float *restrict re,
                                 float *restrict im, const float *restrict hc,
                                 const float *restrict hs, int power, float scale)
{
    ptrdiff_t k, l;
    for (l = 0; l < lanes; l++) {
        const float zr = re[l], zi = im[l];
        if (m % 2 == 0) {
            const ptrdiff_t h = m / 2 * lanes + l;
            SPLIT_PUT(h, re[h], -im[h]);
        }
        SPLIT_PUT(m * lanes + l, zr - zi, 0.0f);
        SPLIT_PUT(l, zr + zi, 0.0f);
    }
    if (lanes == 1) {
        /* one frame: vectorise over k (the loop's two halves never overlap) */
        IVDEP for (k = 1; 2 * k < m; k++) {
            const ptrdiff_t b = m - k;
            float xar, xai, xbr, xbi;
            split_pair(re[k], im[k], re[b], im[b], hc[k], hs[k], &xar, &xai, &xbr, &xbi);
            SPLIT_PUT(k, xar, xai);
            SPLIT_PUT(b, xbr, xbi);
        }
        return;
    }
    for (k = 1; 2 * k < m; k++) {
        const ptrdiff_t a = k * lanes, b = (m - k) * lanes;
        const float c = hc[k], s = hs[k];
        IVDEP for (l = 0; l < lanes; l++) {
            float xar, xai, xbr, xbi;
            split_pair(re[a + l], im[a + l], re[b + l], im[b + l], c, s, &xar, &xai, &xbr, &xbi);
            SPLIT_PUT(a + l, xar, xai);
            SPLIT_PUT(b + l, xbr, xbi);
        }
    }
}
#undef SPLIT_PUT

/* The last Stockham stage fused with the power split, for a full block
 * (FF_LANES lanes) of an even n = 2N.  The last stage has radix r, one
 * butterfly without twiddles (m = 1) and stride s = N / r: the butterfly at
 * column q (< s) has the outputs Z[k s + q], k < r, and the split pairs Z[a]
 * with Z[N - a].  Columns q and s - q are computed together into tmp rows,
 * output k of column q pairing with output r - 1 - k of column s - q (column
 * 0 and, for even s, column s / 2 pair with themselves), so Z never goes
 * through memory; the arithmetic is that of stage + split_even's power
 * variant, so the bits are the same.  x rows are xs floats apart. */
#define LAST_POWER(name, bf, r)                                                            \
    static FF_INLINE void name##_body(ptrdiff_t s, ptrdiff_t xs, const float *restrict xr,  \
                                      const float *restrict xi, float *restrict pw,         \
                                      const float *restrict hc, const float *restrict hs,   \
                                      float scale)                                          \
    {                                                                                       \
        enum { L = FF_LANES };                                                              \
        const ptrdiff_t n2 = (r) * s;                                                       \
        float ar[(r) * L], ai[(r) * L], br[(r) * L], bi[(r) * L];                           \
        ptrdiff_t q, k, l;                                                                  \
        IVDEP for (l = 0; l < L; l++) /* column 0: Z[k s] */                                \
            bf(xr + l, xi + l, xs, ar + l, ai + l, L, NULL, NULL, 0, 0);                    \
        for (l = 0; l < L; l++) {                                                           \
            pw[l] = POWER(ar[l] + ai[l], 0.0f);                                             \
            pw[n2 * L + l] = POWER(ar[l] - ai[l], 0.0f);                                    \
            if ((r) % 2 == 0)                                                               \
                pw[n2 / 2 * L + l] = POWER(ar[(r) / 2 * L + l], -ai[(r) / 2 * L + l]);      \
        }                                                                                   \
        for (k = 1; k < (r) - k; k++)                                                       \
            last_pairs(ar + k * L, ai + k * L, ar + ((r) - k) * L, ai + ((r) - k) * L,       \
                       k * s, n2, pw, hc, hs, scale);                                       \
        for (q = 1; q <= s - q; q++) {                                                      \
            IVDEP for (l = 0; l < L; l++)                                                   \
                bf(xr + q * L + l, xi + q * L + l, xs, ar + l, ai + l, L, NULL, NULL, 0, 0); \
            if (q < s - q) {                                                                \
                IVDEP for (l = 0; l < L; l++)                                               \
                    bf(xr + (s - q) * L + l, xi + (s - q) * L + l, xs, br + l, bi + l, L,    \
                       NULL, NULL, 0, 0);                                                   \
                for (k = 0; k < (r); k++) {                                                 \
                    const ptrdiff_t ia = k * s + q, ib = (r - 1 - k) * L;                   \
                    if (2 * ia < n2)                                                        \
                        last_pairs(ar + k * L, ai + k * L, br + ib, bi + ib, ia, n2, pw, hc,  \
                                   hs, scale);                                              \
                    else                                                                    \
                        last_pairs(br + ib, bi + ib, ar + k * L, ai + k * L, n2 - ia, n2, pw, \
                                   hc, hs, scale);                                          \
                }                                                                           \
            } else { /* q = s / 2 */                                                        \
                for (k = 0; k < (r) - 1 - k; k++)                                           \
                    last_pairs(ar + k * L, ai + k * L, ar + ((r) - 1 - k) * L,              \
                               ai + ((r) - 1 - k) * L, k * s + q, n2, pw, hc, hs, scale);   \
                if ((r) % 2 == 1)                                                           \
                    for (l = 0; l < L; l++)                                                 \
                        pw[n2 / 2 * L + l] =                                                \
                            POWER(ar[(r) / 2 * L + l], -ai[(r) / 2 * L + l]);               \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
    FF_HOT static void name(ptrdiff_t s, ptrdiff_t xs, const float *restrict xr,            \
                            const float *restrict xi, float *restrict pw,                   \
                            const float *restrict hc, const float *restrict hs, float scale) \
    {                                                                                       \
        HOT_LASTS(LAST_SHAPE, name##_body, r)                                               \
        name##_body(s, xs, xr, xi, pw, hc, hs, scale);                                      \
    }
/* The last stages (radix, s, xs) of HOT_STAGES's plans, compiled with
 * constant strides as those are. */
#define HOT_LASTS(X, a, r)                                                                 \
    X(a, r, 4, 32, 512) X(a, r, 4, 64, 1024) X(a, r, 4, 256, 4096) X(a, r, 5, 20, 320)    \
    X(a, r, 5, 32, 512) X(a, r, 5, 40, 640) X(a, r, 5, 48, 768) X(a, r, 5, 64, 1024)      \
    X(a, r, 8, 64, 1024)
#define LAST_SHAPE(body, r, R, S, XS)                                                      \
    if ((r) == (R) && s == (S) && xs == (XS)) {                                            \
        body((S), (XS), xr, xi, pw, hc, hs, scale);                                        \
        return;                                                                            \
    }

/* One row pair of LAST_POWER: Z[a] (za) and Z[n2 - a] (zb), 0 < a < n2 / 2,
 * to the power of bins a and n2 - a. */
static FF_INLINE void last_pairs(const float *restrict zar, const float *restrict zai,
                                 const float *restrict zbr, const float *restrict zbi,
                                 ptrdiff_t a, ptrdiff_t n2, float *restrict pw,
                                 const float *restrict hc, const float *restrict hs, float scale)
{
    const float c = hc[a], s = hs[a];
    float *restrict pa = pw + a * FF_LANES, *restrict pb = pw + (n2 - a) * FF_LANES;
    ptrdiff_t l;
    IVDEP for (l = 0; l < FF_LANES; l++) {
        float xar, xai, xbr, xbi;
        split_pair(zar[l], zai[l], zbr[l], zbi[l], c, s, &xar, &xai, &xbr, &xbi);
        pa[l] = POWER(xar, xai);
        pb[l] = POWER(xbr, xbi);
    }
}
LAST_POWER(last_power2, bf2, 2)
LAST_POWER(last_power3, bf3, 3)
LAST_POWER(last_power4, bf4, 4)
LAST_POWER(last_power5, bf5, 5)
LAST_POWER(last_power8, bf8, 8)
#undef LAST_POWER
#undef HOT_LASTS
#undef LAST_SHAPE

FF_HOT static void post_even(ptrdiff_t m, ptrdiff_t lanes, float *restrict re,
                             float *restrict im, const float *restrict hc,
                             const float *restrict hs)
{
    if (lanes == FF_LANES)
        split_even(m, FF_LANES, re, im, hc, hs, 0, 1.0f);
    else
        split_even(m, lanes, re, im, hc, hs, 0, 1.0f);
}

FF_HOT static void post_even_power(ptrdiff_t m, ptrdiff_t lanes, float *restrict re,
                                   float *restrict im,
                                   const float *restrict hc, const float *restrict hs,
                                   float scale)
{
    if (lanes == FF_LANES)
        split_even(m, FF_LANES, re, im, hc, hs, 1, scale);
    else
        split_even(m, lanes, re, im, hc, hs, 1, scale);
}

/* pw[i] = POWER(re[i], im[i]), i < count (pw may be re). */
FF_HOT static void power_rows(ptrdiff_t count, const float *re, const float *im, float *pw,
                              float scale)
{
    ptrdiff_t i;
    for (i = 0; i < count; i++)
        pw[i] = POWER(re[i], im[i]);
}
#undef POWER

/* ------------------------------------------------------------------------ */
/* Plans. */

static void cplan_free(cplan *cp)
{
    if (cp == NULL)
        return;
    cplan_free(cp->sub);
    free(cp->mem);
    free(cp);
}

/* Scratch floats cfft needs besides y and w (Bluestein's extra). */
static size_t cplan_extra(const cplan *cp, size_t lanes)
{
    return cp->big > 0 ? 6 * (size_t)cp->big * lanes : 0;
}

/* exp(-2 pi i num / den) with num reduced mod den (exact in double). */
static void unit_root(int64_t num, int64_t den, double *c, double *s)
{
    const double a = FF_2PI * (double)(num % den) / (double)den;
    *c = cos(a);
    *s = -sin(a);
}

/* Fill a Bluestein plan's tables (n, big, sub set; mem holds 2n + 2 big). */
static ff_status bluestein_tables(cplan *cp)
{
    const int32_t n = cp->n, big = cp->big;
    float *chr = cp->mem, *chi = chr + n, *bfr = chi + n, *bfi = bfr + big;
    float *tmp;
    int32_t j;
    cbuf y, w;
    for (j = 0; j < n; j++) {
        double c, s;
        /* exp(-pi i j^2 / n) = exp(-2 pi i (j^2 mod 2n) / 2n) */
        unit_root(((int64_t)j * j) % (2 * (int64_t)n), 2 * (int64_t)n, &c, &s);
        chr[j] = (float)c;
        chi[j] = (float)s;
    }
    /* b[j] = b[big - j] = conj(c[j]) for j < n, 0 in between */
    tmp = malloc(sizeof(float) * 6 * (size_t)big);
    if (tmp == NULL)
        return FF_E_NOMEM;
    memset(tmp, 0, sizeof(float) * 2 * (size_t)big);
    for (j = 0; j < n; j++) {
        tmp[j] = chr[j];
        tmp[big + j] = -chi[j];
        if (j > 0) {
            tmp[big - j] = chr[j];
            tmp[2 * big - j] = -chi[j];
        }
    }
    y.re = tmp + 2 * (size_t)big;
    y.im = tmp + 3 * (size_t)big;
    w.re = tmp + 4 * (size_t)big;
    w.im = tmp + 5 * (size_t)big;
    stockham(cp->sub, 1, tmp, tmp + big, 1, y, w);
    for (j = 0; j < big; j++) {
        bfr[j] = y.re[j] / (float)big;
        bfi[j] = y.im[j] / (float)big;
    }
    free(tmp);
    cp->chr = chr;
    cp->chi = chi;
    cp->bfr = bfr;
    cp->bfi = bfi;
    return FF_OK;
}

/* Factor n into Stockham radices: for the power of two, radix-8 stages then
 * one or two radix-4 or one radix-2 stage; then the odd primes ascending.
 * Returns the number of stages, or -1 if a prime factor exceeds
 * MAX_DIRECT_RADIX. */
static int factorize(int32_t n, int32_t *radix)
{
    int count = 0, twos = 0, fours, eights, i;
    int32_t f;
    while (n % 2 == 0) {
        twos++;
        n /= 2;
    }
    fours = twos % 3 == 2 ? 1 : (twos % 3 == 1 && twos >= 4 ? 2 : 0);
    eights = (twos - 2 * fours) / 3;
    for (i = 0; i < eights; i++)
        radix[count++] = 8;
    for (i = 0; i < fours; i++)
        radix[count++] = 4;
    if (twos - 3 * eights - 2 * fours == 1)
        radix[count++] = 2;
    for (f = 3; n > 1; f += 2) {
        if (f > MAX_DIRECT_RADIX)
            return -1;
        while (n % f == 0) {
            radix[count++] = f;
            n /= f;
        }
    }
    return count;
}

/* Floats of twiddle tables for a Stockham plan (n, nstage, radix set). */
static size_t stockham_floats(const cplan *cp)
{
    size_t floats = 0;
    int64_t len = cp->n;
    int t;
    for (t = 0; t < cp->nstage; t++) {
        const int32_t r = cp->radix[t];
        floats += 2 * (size_t)(len / r) * (size_t)(r - 1) + (r > 5 && r != 8 ? 2 * (size_t)r : 0);
        len /= r;
    }
    return floats;
}

/* Fill a Stockham plan's tables (mem holds stockham_floats()). */
static void stockham_tables(cplan *cp)
{
    float *f = cp->mem;
    int64_t len = cp->n; /* r * m of the current stage */
    int t;
    for (t = 0; t < cp->nstage; t++) {
        const int32_t r = cp->radix[t];
        const int64_t m = len / r;
        int64_t p, k;
        float *wr = f, *wi = f + m * (r - 1);
        for (k = 1; k < r; k++)
            for (p = 0; p < m; p++) {
                double c, s;
                unit_root(p * k, len, &c, &s);
                wr[(k - 1) * m + p] = (float)c;
                wi[(k - 1) * m + p] = (float)s;
            }
        cp->twr[t] = wr;
        cp->twi[t] = wi;
        f += 2 * m * (r - 1);
        if (r > 5 && r != 8) {
            for (k = 0; k < r; k++) {
                double c, s;
                unit_root(k, r, &c, &s);
                f[k] = (float)c;
                f[r + k] = (float)-s; /* sin(2 pi k / r) */
            }
            cp->rc[t] = f;
            cp->rs[t] = f + r;
            f += 2 * r;
        }
        len = m;
    }
}

/* Build the complex plan of size n, 1 .. 2^21. */
static ff_status cplan_new(int32_t n, cplan **out)
{
    cplan *cp = calloc(1, sizeof(*cp));
    ff_status st = FF_OK;
    size_t floats;
    if (cp == NULL)
        return FF_E_NOMEM;
    cp->n = n;
    cp->nstage = factorize(n, cp->radix);
    if (cp->nstage < 0) {
        cp->nstage = 0;
        cp->big = 1;
        while (cp->big < 2 * n - 1)
            cp->big *= 2;
        st = cplan_new(cp->big, &cp->sub);
        floats = 2 * (size_t)n + 2 * (size_t)cp->big;
    } else {
        floats = stockham_floats(cp);
    }
    if (st == FF_OK && floats > 0) {
        cp->mem = malloc(sizeof(float) * floats);
        if (cp->mem == NULL)
            st = FF_E_NOMEM;
    }
    if (st == FF_OK) {
        if (cp->big > 0)
            st = bluestein_tables(cp);
        else
            stockham_tables(cp);
    }
    if (st != FF_OK) {
        cplan_free(cp);
        return st;
    }
    *out = cp;
    return FF_OK;
}

/* ------------------------------------------------------------------------ */
/* Public interface (fft.h). */

ff_status ff_rfft_new(int32_t n, ff_rfft **out)
{
    ff_rfft *plan;
    ff_status st;
    if (out == NULL)
        return FF_E_ARG;
    *out = NULL;
    if (n < 1 || n > FF_MAX_FFT)
        return FF_E_ARG;
    plan = calloc(1, sizeof(*plan));
    if (plan == NULL)
        return FF_E_NOMEM;
    plan->n = n;
    st = cplan_new(n % 2 == 0 ? n / 2 : n, &plan->c);
    if (st == FF_OK && n % 2 == 0) {
        const int32_t q = n / 4 + 1; /* k = 0 .. n / 4 */
        int32_t k;
        plan->hc = malloc(sizeof(float) * 2 * (size_t)q);
        if (plan->hc == NULL) {
            st = FF_E_NOMEM;
        } else {
            plan->hs = plan->hc + q;
            for (k = 0; k < q; k++) {
                double c, s;
                unit_root(k, n, &c, &s);
                plan->hc[k] = (float)(0.5 * c);
                plan->hs[k] = (float)(0.5 * s);
            }
        }
    }
    if (st != FF_OK) {
        ff_rfft_free(plan);
        return st;
    }
    *out = plan;
    return FF_OK;
}

void ff_rfft_free(ff_rfft *plan)
{
    if (plan == NULL)
        return;
    cplan_free(plan->c);
    free(plan->hc);
    free(plan);
}

int32_t ff_rfft_size(const ff_rfft *plan)
{
    return plan->n;
}

/* Per lane: even n, a work buffer of n / 2 complex rows (n floats); odd n,
 * a zero row block, y and w (5 n floats); plus Bluestein's extra.  Lanes
 * below 1 count as 1; SIZE_MAX if the product overflows size_t. */
size_t ff_rfft_scratch_floats(const ff_rfft *plan, int lanes)
{
    const size_t per_lane = (plan->n % 2 == 0 ? (size_t)plan->n : 5 * (size_t)plan->n) +
                            cplan_extra(plan->c, 1);
    const size_t nl = lanes < 1 ? 1 : (size_t)lanes;
    return nl > SIZE_MAX / per_lane ? SIZE_MAX : per_lane * nl;
}

/* Odd n: the complex FFT of (in, 0); returns the cbuf holding bins 0 .. n/2. */
static cbuf forward_odd(const ff_rfft *plan, ptrdiff_t L, const float *in, float *scratch)
{
    const ptrdiff_t n = plan->n;
    const cbuf y = {scratch + n * L, scratch + 2 * n * L};
    const cbuf w = {scratch + 3 * n * L, scratch + 4 * n * L};
    memset(scratch, 0, sizeof(float) * (size_t)(n * L));
    cfft(plan->c, L, in, scratch, L, y, w, scratch + 5 * n * L);
    return y;
}

/* Even n: Z = the complex FFT of size n / 2 into re/im (the even samples are
 * the real rows, the odd samples the imaginary rows). */
static void forward_even(const ff_rfft *plan, ptrdiff_t L, const float *in, float *re,
                         float *im, float *scratch)
{
    const ptrdiff_t m = plan->n / 2;
    const cbuf y = {re, im}, w = {scratch, scratch + m * L};
    cfft(plan->c, L, in, in + L, 2 * L, y, w, scratch + 2 * m * L);
}

/* See fft.h.  Does nothing when lanes < 1. */
void ff_rfft_forward(const ff_rfft *plan, int lanes, float *in, float *re, float *im,
                     float *scratch)
{
    const ptrdiff_t L = lanes;
    if (lanes < 1)
        return;
    if (plan->n % 2 == 0) {
        forward_even(plan, L, in, re, im, scratch);
        post_even(plan->n / 2, L, re, im, plan->hc, plan->hs);
    } else {
        const ptrdiff_t nb = (plan->n / 2 + 1) * L;
        const cbuf y = forward_odd(plan, L, in, scratch);
        memcpy(re, y.re, sizeof(float) * (size_t)nb);
        memcpy(im, y.im, sizeof(float) * (size_t)nb);
    }
}

/* Even n, a full block, a Stockham plan whose last radix has a butterfly:
 * the stages but the last into scratch (pw / im serve as the other buffer),
 * then the last one fused with the power split (LAST_POWER).  Returns 0,
 * doing nothing, for any other plan or lane count. */
static int power_last(const ff_rfft *plan, ptrdiff_t L, const float *in, float *pw, float *im,
                      float *scratch, float scale)
{
    const cplan *cp = plan->c;
    const ptrdiff_t m = plan->n / 2;
    const int t = cp->nstage - 1;
    const float *xr = in, *xi = in + L;
    ptrdiff_t s, xs = 2 * L;
    int32_t r;
    if (L != FF_LANES || cp->big > 0 || t < 0)
        return 0;
    r = cp->radix[t];
    if (r != 2 && r != 3 && r != 4 && r != 5 && r != 8)
        return 0;
    s = m / r;
    if (t > 0) {
        const cbuf y = {scratch, scratch + m * L}, w = {pw, im};
        stockham_stages(cp, t, L, in, in + L, 2 * L, y, w);
        xr = y.re;
        xi = y.im;
        xs = s * L;
    }
    switch (r) {
    case 2: last_power2(s, xs, xr, xi, pw, plan->hc, plan->hs, scale); break;
    case 3: last_power3(s, xs, xr, xi, pw, plan->hc, plan->hs, scale); break;
    case 4: last_power4(s, xs, xr, xi, pw, plan->hc, plan->hs, scale); break;
    case 5: last_power5(s, xs, xr, xi, pw, plan->hc, plan->hs, scale); break;
    default: last_power8(s, xs, xr, xi, pw, plan->hc, plan->hs, scale); break;
    }
    return 1;
}

/* See fft.h.  Does nothing when lanes < 1. */
void ff_rfft_power(const ff_rfft *plan, int lanes, float *in, float *pw, float *im,
                   float *scratch, float scale)
{
    const ptrdiff_t L = lanes;
    if (lanes < 1)
        return;
    if (plan->n % 2 == 0 && !power_last(plan, L, in, pw, im, scratch, scale)) {
        forward_even(plan, L, in, pw, im, scratch);
        post_even_power(plan->n / 2, L, pw, im, plan->hc, plan->hs, scale);
    } else if (plan->n % 2 != 0) {
        const cbuf y = forward_odd(plan, L, in, scratch);
        power_rows((plan->n / 2 + 1) * L, y.re, y.im, pw, scale);
    }
}
