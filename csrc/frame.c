/*
 * frame.c -- frame arithmetic: how many frames a signal yields, where each
 * starts, and which signal sample supplies an index outside [0, N).
 *
 * Pure functions of (n_samples, config), used by batch and stream alike, so
 * both agree by construction.  The rules (N samples, hop H, length L):
 *
 *   center (librosa):            1 + (N + 2 (n_fft/2) - n_fft) / H frames
 *                                (1 + N / H for even n_fft); frame f starts at
 *                                f*H - (n_fft/2 - (n_fft - L)/2), i.e. the
 *                                L-window centred in an n_fft frame centred on
 *                                f*H; outside samples follow pad_mode.
 *                                drop_last_frame: one frame fewer (N / H for
 *                                even n_fft: Whisper's stft[..., :-1]).
 *   window_centered (librosa center=False): N < n_fft ? 0 : 1 + (N - n_fft)
 *                                / H; frame f spans [f*H, f*H + n_fft) and its
 *                                L-window starts at f*H + (n_fft - L)/2 (zeros
 *                                around it: only |FFT| is used, so where the
 *                                window sits in the FFT buffer does not matter).
 *                                With center it changes nothing.
 *   snip_edges (Kaldi default):  N < L ? 0 : 1 + (N - L) / H; frame f starts
 *                                at f*H; never outside the signal.
 *   snip_edges + pad_end (psf):  N <= L ? 1 : 1 + ceil((N - L) / H); beyond N
 *                                the frame is zero-padded.
 *   !snip_edges (Kaldi):         (N + H/2) / H frames; frame f starts at
 *                                f*H + H/2 - L/2; outside samples mirror with
 *                                the edge sample repeated (-1 -> 0, N -> N-1).
 */
#include "frame.h"

int64_t ff_num_frames(const ff_config *c, int64_t n)
{
    const int64_t hop = c->hop_length, len = c->frame_length, nfft = c->n_fft;
    if (n <= 0) return 0;
    if (c->center) return 1 + (n + 2 * (nfft / 2) - nfft) / hop - (c->drop_last_frame ? 1 : 0);
    if (c->window_centered) return n < nfft ? 0 : 1 + (n - nfft) / hop;
    if (!c->snip_edges) return (n + hop / 2) / hop;
    if (c->pad_end) return n <= len ? 1 : 1 + (n - len + hop - 1) / hop;
    return n < len ? 0 : 1 + (n - len) / hop;
}

int64_t ff_frame_start(const ff_config *c, int64_t f)
{
    const int64_t hop = c->hop_length, len = c->frame_length, nfft = c->n_fft;
    if (c->center) return f * hop - (nfft / 2 - (nfft - len) / 2);
    if (c->window_centered) return f * hop + (nfft - len) / 2;
    if (!c->snip_edges) return f * hop + hop / 2 - len / 2;
    return f * hop;
}

int64_t ff_frame_last_sample(const ff_config *c, int64_t f)
{
    return ff_frame_start(c, f) + c->frame_length - 1;
}

/* Period-p mirror of r onto [0, n): reflect (p = 2n - 2) or symmetric (p = 2n). */
static int64_t mirror(int64_t r, int64_t n, int symmetric)
{
    const int64_t p = symmetric ? 2 * n : 2 * n - 2;
    int64_t m;
    if (p == 0) return 0; /* reflect of a one-sample signal */
    m = r % p;
    if (m < 0) m += p;
    if (m < n) return m;
    return symmetric ? p - 1 - m : p - m;
}

int64_t ff_map_index(const ff_config *c, int64_t r, int64_t n)
{
    if (r >= 0 && r < n) return r;
    if (n <= 0) return -1;
    if (c->center) {
        switch (c->pad_mode) {
        case FF_PAD_CONSTANT: return -1;
        case FF_PAD_EDGE: return r < 0 ? 0 : n - 1;
        case FF_PAD_REFLECT: return mirror(r, n, 0);
        case FF_PAD_SYMMETRIC: return mirror(r, n, 1);
        }
        return -1;
    }
    if (!c->snip_edges) return mirror(r, n, 1);
    return -1; /* pad_end: zeros */
}

int32_t ff_num_static(const ff_config *c)
{
    int32_t base = c->kind == FF_KIND_MFCC ? c->n_mfcc
                 : c->kind == FF_KIND_LOGMEL ? c->n_mels
                 : c->n_fft / 2 + 1;
    return base + (c->energy == FF_ENERGY_APPEND ? 1 : 0);
}

int32_t ff_num_features(const ff_config *c)
{
    return ff_num_static(c) * (1 + c->deltas);
}
