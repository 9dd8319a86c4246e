/* fft.h -- real FFT over blocks of frames (private to the engine). */
#ifndef FF_FFT_H
#define FF_FFT_H

#include <stddef.h>
#include <stdint.h>
#include "fastfeat.h"

typedef struct ff_rfft ff_rfft;   /* immutable plan: factors, twiddles */

/* n: 1 .. FF_MAX_FFT, any size (powers of two take the fast path). */
ff_status ff_rfft_new(int32_t n, ff_rfft **out);
void ff_rfft_free(ff_rfft *plan);
int32_t ff_rfft_size(const ff_rfft *plan);
/* Floats of scratch that ff_rfft_forward needs for `lanes` frames. */
size_t ff_rfft_scratch_floats(const ff_rfft *plan, int lanes);

/*
 * Forward real DFT of `lanes` frames at once, structure-of-arrays:
 *   in[i * lanes + l], i < n            (destroyed)
 *   re[k * lanes + l], im[k * lanes + l], k <= n / 2
 * X[k] = sum_i x[i] exp(-2 pi j i k / n), unscaled.  lanes >= 1.
 */
void ff_rfft_forward(const ff_rfft *plan, int lanes, float *in,
                     float *re, float *im, float *scratch);

/*
 * The power spectrum of the same transform: pw[k * lanes + l] =
 * (Re X[k]^2 + Im X[k]^2) * scale, k <= n / 2, the same bits as
 * ff_rfft_forward followed by that product per bin (it skips storing the
 * bins).  im (n / 2 + 1 rows of `lanes`) is clobbered; in is destroyed.
 */
void ff_rfft_power(const ff_rfft *plan, int lanes, float *in, float *pw, float *im,
                   float *scratch, float scale);

#endif
