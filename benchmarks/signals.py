"""Synthetic benchmark signals, generated with a fixed seed.

Every benchmark (pytest-benchmark suite and ``python -m benchmarks.compare``)
uses these, so the numbers of the two harnesses are taken on the same audio.
The content does not change the cost of any implementation measured here; it
only has to be finite, non-silent and speech-band.
"""

from __future__ import annotations

import numpy as np

SR = 16000
SEED = 20240611


def _noise_plus_tone(rng: np.random.Generator, n: int, sr: int = SR) -> np.ndarray:
    """``n`` samples of white noise (std 0.1) plus a tone of random pitch (100-4000 Hz)."""
    t = np.arange(n, dtype=np.float64) / sr
    f0 = rng.uniform(100.0, 4000.0)
    y = 0.5 * np.sin(2.0 * np.pi * f0 * t + rng.uniform(0, 2 * np.pi))
    y += 0.1 * rng.standard_normal(n)
    return y.astype(np.float32)


def make_clips(n_clips: int = 1000, seconds: float = 1.0, seed: int = SEED) -> list[np.ndarray]:
    """``n_clips`` one-second (by default) 16 kHz float32 clips of noise + tone."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    return [_noise_plus_tone(rng, n) for _ in range(n_clips)]


def make_long(seconds: float = 600.0, seed: int = SEED + 1) -> np.ndarray:
    """One long 16 kHz float32 signal: 1 s blocks of noise + tone, each block its own pitch."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, SR):
        stop = min(start + SR, n)
        out[start:stop] = _noise_plus_tone(rng, stop - start)
    return out
