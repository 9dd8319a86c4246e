"""Audio input: ``load`` (soundfile) and ``resample`` (polyphase, anti-aliased).

soundfile is imported on first use, so ``import fastfeat`` stays light.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

__all__ = ["load", "resample", "sample_files"]


def _kaiser_lowpass(up: int, down: int, half_taps: int = 10, beta: float = 5.0) -> np.ndarray:
    """Anti-aliasing FIR for rational resampling by up/down.

    Windowed sinc with cutoff at the lower Nyquist (1 / max(up, down)), Kaiser
    window (beta 5), 2 * half_taps * max(up, down) + 1 taps, unit DC gain times
    ``up`` -- the filter ``scipy.signal.resample_poly`` designs by default.
    """
    rate = max(up, down)
    half_len = half_taps * rate
    n = np.arange(-half_len, half_len + 1, dtype=np.float64)
    h = np.sinc(n / rate) * np.kaiser(2 * half_len + 1, beta)
    return h * (up / h.sum())


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a 1-D signal by the rational factor target_sr / orig_sr.

    Polyphase FIR filtering (zero-phase, Kaiser-windowed sinc, as
    ``scipy.signal.resample_poly`` with its default window): no aliasing from
    above the new Nyquist, output length ``ceil(len(y) * target_sr / orig_sr)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float
    orig_sr, target_sr : int
        Rates in Hz (> 0).

    Returns
    -------
    np.ndarray [shape=(ceil(n * target_sr / orig_sr),)], float32

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.io import resample
    >>> y = np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)
    >>> resample(y, 44100, 16000).shape
    (16000,)
    """
    for name, v in (("orig_sr", orig_sr), ("target_sr", target_sr)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"{name}={v!r} must be a positive integer (Hz)")
    x = np.asarray(y, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {x.shape}")
    g = math.gcd(int(orig_sr), int(target_sr))
    up, down = int(target_sr) // g, int(orig_sr) // g
    if up == down:
        return x.astype(np.float32)
    h = _kaiser_lowpass(up, down)
    half_len = (len(h) - 1) // 2
    n_in = x.shape[0]
    n_out = -(-n_in * up // down)
    taps = -(-len(h) // up) + 1
    out = np.empty(n_out, dtype=np.float64)
    block = 1 << 15
    for m0 in range(0, n_out, block):
        m = np.arange(m0, min(m0 + block, n_out), dtype=np.int64)
        # y[m] = sum_q h[m*down + half_len - q*up] x[q], over q with a valid tap.
        q0 = -((half_len - m * down) // up)  # ceil((m*down - half_len) / up)
        acc = np.zeros(m.shape[0])
        for j in range(taps):
            q = q0 + j
            k = m * down + half_len - q * up
            ok = (k >= 0) & (k < len(h)) & (q >= 0) & (q < n_in)
            acc += np.where(ok, h[np.clip(k, 0, len(h) - 1)] * x[np.clip(q, 0, n_in - 1)], 0.0)
        out[m0:m0 + m.shape[0]] = acc
    return out.astype(np.float32)


def load(path: str | os.PathLike, sr: int | None = None, *, mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples in [-1, 1].

    Any format libsndfile reads (WAV, FLAC, OGG, ...; 8/16/24/32-bit integer
    or float).  Integer PCM is scaled by its full scale (2**(bits-1)).

    Parameters
    ----------
    path : str or os.PathLike
    sr : int, optional
        Resample to this rate (``resample``); None keeps the file's rate.
    mono : bool, default True
        Average the channels.  With False a multichannel file is returned as
        (channels, n_samples).

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)], float32
    sr : int

    Raises
    ------
    FileNotFoundError, ValueError
        Missing or unreadable file (the message names the path).

    Examples
    --------
    >>> import fastfeat as ff
    >>> from fastfeat.io import sample_files
    >>> y, sr = ff.load(sample_files()[0])
    >>> (y.dtype.name, sr)
    ('float32', 16000)
    """
    import soundfile as sf

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such audio file: {path}")
    try:
        data, file_sr = sf.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:  # libsndfile's "format not recognised" etc.
        raise ValueError(f"cannot read {path} as audio: {exc}") from None
    y: Any = data.mean(axis=1, dtype=np.float32) if mono else np.ascontiguousarray(data.T)
    if sr is not None and sr != file_sr:
        y = resample(y, file_sr, sr) if mono else np.stack([resample(c, file_sr, sr) for c in y])
        file_sr = sr
    return np.ascontiguousarray(y, dtype=np.float32), int(file_sr)


def sample_files() -> list[str]:
    """Paths of the short speech clips bundled with fastfeat (16 kHz mono WAV).

    Examples
    --------
    >>> from fastfeat.io import sample_files
    >>> len(sample_files()) >= 6
    True
    """
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".wav"))
