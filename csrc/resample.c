/*
 * resample.c -- rational polyphase resampling (the filter of
 * scipy.signal.resample_poly: Kaiser(beta 5) windowed sinc, 10 zero crossings
 * each side at the lower Nyquist), with a capped filter length.
 *
 * An output m is y[m] = sum_q h[m*down + half - q*up] x[q] over the inputs q
 * with a valid tap, accumulated in double in increasing q: the same sum in
 * the same order as fastfeat.io's numpy model, whatever block of outputs is
 * asked for, so a stream resampled block by block equals the whole signal
 * bit for bit.  The filter is designed here with the formulas numpy uses
 * (np.sinc, np.kaiser with Cephes' I0 series); libm's exp/sin may differ from
 * numpy's in the last bit, hence the documented tolerance against the model.
 *
 * Cost is bounded: the filter has 2 * 10 * max(up, down) + 1 taps, at most
 * FF_RESAMPLE_MAX_TAPS (ff_resampler_new refuses longer ones), and each output
 * reads ceil(taps / up) + 1 of them.
 */
#include <math.h>
#include <stdlib.h>

#include "fastfeat.h"

#define HALF_ZEROS 10
#define KAISER_BETA 5.0
static const double PI = 3.141592653589793;  /* np.pi */

struct ff_resampler {
    int64_t up, down;  /* output rate / input rate = up / down, in lowest terms */
    int64_t half;      /* (len - 1) / 2 */
    int64_t len;       /* taps */
    double h[];        /* the filter, DC gain up */
};

/* Cephes' Chebyshev coefficients of exp(-x) I0(x) on [0, 8] (numpy's _i0A). */
static const double i0a[30] = {
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1};

/* I0(x) for 0 <= x <= 8, as numpy's i0 computes it. */
static double bessel_i0(double x)
{
    double y = x / 2.0 - 2, b0 = i0a[0], b1 = 0.0, b2 = 0.0;
    for (int i = 1; i < 30; i++) {
        b2 = b1;
        b1 = b0;
        b0 = y * b1 - b2 + i0a[i];
    }
    return exp(x) * (0.5 * (b0 - b2));
}

/* numpy's pairwise summation of a contiguous double array. */
static double pairwise_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double res = -0.0;
        for (int64_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8], res;
        int64_t i;
        for (int j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* floor(a / b) for b > 0 (C division truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }

int64_t ff_resample_taps_for(int64_t orig_sr, int64_t target_sr)
{
    if (orig_sr <= 0 || target_sr <= 0) return -1;
    int64_t g = gcd64(orig_sr, target_sr), rate = (orig_sr > target_sr ? orig_sr : target_sr) / g;
    if (rate > (INT64_MAX - 1) / (2 * HALF_ZEROS)) return INT64_MAX;
    return 2 * HALF_ZEROS * rate + 1;
}

ff_status ff_resampler_new(int64_t orig_sr, int64_t target_sr, ff_resampler **out)
{
    if (out == NULL) return FF_E_ARG;
    *out = NULL;
    int64_t len = ff_resample_taps_for(orig_sr, target_sr);
    if (len < 0 || len > FF_RESAMPLE_MAX_TAPS) return FF_E_CONFIG;
    ff_resampler *r = malloc(sizeof(*r) + sizeof(double) * (size_t)len);
    if (r == NULL) return FF_E_NOMEM;
    int64_t g = gcd64(orig_sr, target_sr);
    r->up = target_sr / g;
    r->down = orig_sr / g;
    r->len = len;
    r->half = (len - 1) / 2;
    double rate = (double)(r->up > r->down ? r->up : r->down);
    double alpha = (double)(len - 1) / 2.0, i0beta = bessel_i0(KAISER_BETA);
    for (int64_t i = 0; i < len; i++) {
        double t = ((double)i - alpha) / alpha;
        double window = bessel_i0(KAISER_BETA * sqrt(1 - t * t)) / i0beta;
        double y = PI * ((double)(i - r->half) / rate);
        if (y == 0.0) y = 2.220446049250313e-16;  /* np.sinc: sin(eps) / eps = 1 */
        r->h[i] = sin(y) / y * window;
    }
    double scale = (double)r->up / (r->h[0] + pairwise_sum(r->h + 1, len - 1));
    for (int64_t i = 0; i < len; i++) r->h[i] *= scale;
    *out = r;
    return FF_OK;
}

void ff_resampler_free(ff_resampler *r) { free(r); }

void ff_resampler_info(const ff_resampler *r, int64_t *up, int64_t *down, int64_t *taps)
{
    *up = r->up;
    *down = r->down;
    *taps = r->len;
}

int64_t ff_resample_first_input(const ff_resampler *r, int64_t m)
{
    return -floor_div(r->half - m * r->down, r->up);
}

int64_t ff_resample_outputs(const ff_resampler *r, int64_t n_in)
{
    return -floor_div(-n_in * r->up, r->down);
}

int64_t ff_resample_ready(const ff_resampler *r, int64_t received)
{
    int64_t per = -floor_div(-r->len, r->up) + 1;  /* inputs an output can read */
    return floor_div((received - per) * r->up + r->half, r->down) + 1;
}

ff_status ff_resample_run(const ff_resampler *r, const double *x, int64_t x0, int64_t nx, int64_t n_in,
                          int64_t m0, int64_t m1, float *out)
{
    if (r == NULL || x0 < 0 || nx < 0 || n_in < x0 + nx || m0 < 0 || m1 < m0) return FF_E_ARG;
    if (m1 == m0) return FF_OK;
    if ((x == NULL && nx > 0) || out == NULL) return FF_E_ARG;
    /* m * down and q * up must not overflow: outputs and inputs of a signal below 2^62 / rate */
    if (m1 > (INT64_MAX / 4) / r->down || n_in > (INT64_MAX / 4) / r->up) return FF_E_ARG;
    int64_t per = -floor_div(-r->len, r->up) + 1;
    /* x must hold every input these outputs read */
    int64_t lo = ff_resample_first_input(r, m0), hi = ff_resample_first_input(r, m1 - 1) + per;
    if (lo < 0) lo = 0;
    if (hi > n_in) hi = n_in;
    if (lo < hi && (x0 > lo || x0 + nx < hi)) return FF_E_ARG;
    for (int64_t m = m0; m < m1; m++) {
        int64_t q0 = ff_resample_first_input(r, m), base = m * r->down + r->half;
        double acc = 0.0;
        for (int64_t j = 0; j < per; j++) {
            int64_t q = q0 + j, k = base - q * r->up;
            if (k >= 0 && k < r->len && q >= 0 && q < n_in) acc += r->h[k] * x[q - x0];
        }
        out[m - m0] = (float)acc;
    }
    return FF_OK;
}
