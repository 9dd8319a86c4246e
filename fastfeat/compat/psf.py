"""python_speech_features-compatible ``mfcc``, ``logfbank``, ``delta``.

Same positional/keyword parameters, defaults and (n_frames, n_features)
layout as python_speech_features 0.6, including its quirks: ``highfreq``
of 0 or None means Nyquist, integer input is used unscaled, ``winfunc``
is any callable returning one of the windows fastfeat implements (it is
recognised by its values), and a frame longer than ``nfft`` is truncated to
``nfft`` samples with a warning, as psf's ``rfft(frames, NFFT)`` does.

>>> import numpy as np
>>> from fastfeat.compat import psf
>>> sig = np.random.default_rng(0).standard_normal(16000)
>>> psf.mfcc(sig).shape
(99, 13)
"""

from __future__ import annotations

import math
import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

import numpy as np

from ..config import Config
from ..errors import ParameterError
from ..features import Extractor, delta as _delta

__all__ = ["mfcc", "logfbank", "delta"]


def _rectangular(n: int) -> np.ndarray:
    return np.ones((n,))


def _round_half_up(x: float) -> int:
    return int(Decimal(x).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _window_name(winfunc: Callable, n: int) -> tuple[str, bool]:
    """Identify ``winfunc(n)`` among the engine's windows by its values."""
    w = np.asarray(winfunc(n), dtype=np.float64)
    if w.shape != (n,):
        raise ParameterError(f"winfunc({n}) returned shape {w.shape}; it must return {n} values")
    i = np.arange(n)
    for periodic in (False, True):
        d = n if periodic else max(n - 1, 1)
        a = 2 * np.pi * i / d
        cands = {
            "rectangular": np.ones(n),
            "hamming": 0.54 - 0.46 * np.cos(a),
            "hann": 0.5 - 0.5 * np.cos(a),
            "blackman": 0.42 - 0.5 * np.cos(a) + 0.08 * np.cos(2 * a),
            "povey": (0.5 - 0.5 * np.cos(a)) ** 0.85,
        }
        for name, ref in cands.items():
            if np.allclose(w, ref, rtol=1e-6, atol=1e-7):
                return name, periodic
    raise ParameterError("winfunc is not one of the windows fastfeat implements "
                         "(rectangular, hamming, hann, blackman, povey; symmetric or periodic)")


def _config(samplerate, winlen, winstep, nfilt, nfft, lowfreq, highfreq, preemph, winfunc, **fields) -> Config:
    length = _round_half_up(winlen * samplerate)
    step = _round_half_up(winstep * samplerate)
    if length > nfft:  # psf: rfft(frames, nfft) keeps the first nfft samples of each frame
        warnings.warn(f"frame length ({length}) is greater than FFT size ({nfft}), frame will be "
                      f"truncated. Increase NFFT to avoid.", UserWarning, stacklevel=3)
        try:
            window, periodic = _window_name(lambda n: np.asarray(winfunc(length))[:n], nfft)
        except ParameterError:
            raise ParameterError(
                f"nfft={nfft} is smaller than the frame ({length} samples = winlen * samplerate) and "
                f"winfunc({length})[:{nfft}] (the part psf keeps) is not one of the windows fastfeat "
                f"implements; pass nfft >= {length} or the default rectangular winfunc") from None
        framing = dict(frame_length=nfft, pad_end=False, preemphasis=0.0)  # see _truncated
    else:
        window, periodic = _window_name(winfunc, length)
        framing = dict(frame_length=length, pad_end=True, preemphasis=preemph)
    return Config(
        sample_rate=int(samplerate), hop_length=step, n_fft=nfft,
        window=window, window_periodic=periodic, center=False, snip_edges=True,
        preemphasis_scope="signal", power=2.0, spectrum_norm="n_fft",
        n_mels=nfilt, fmin=lowfreq, fmax=highfreq or samplerate / 2, mel_scale="htk",
        mel_triangles="bin", log="ln", log_floor=2.220446049250313e-16, log_floor_mode="zero",
        **framing, **fields,
    )


def _truncated(s: np.ndarray, length: int, cfg: Config, preemph: float) -> np.ndarray:
    """psf's frames of ``length`` samples cut to their first n_fft, as one signal.

    psf pre-emphasises (float64), zero-pads to (frames - 1) * step + length
    and frames; keeping n_fft samples of each frame is plain framing with
    frame_length = n_fft of that padded signal cut at (frames - 1) * step + n_fft.
    """
    x = np.asarray(s, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        return s  # the engine's own error names the problem
    x = np.append(x[0], x[1:] - preemph * x[:-1])
    step = cfg.hop_length
    n_frames = 1 if x.size <= length else 1 + math.ceil((x.size - length) / step)
    used = (n_frames - 1) * step + cfg.n_fft
    out = np.zeros(used, np.float32)
    out[:min(used, x.size)] = x[:used]
    return out


def _signal(signal) -> np.ndarray:
    s = np.asarray(signal)
    if s.dtype.kind in "iu":  # psf computes on the raw integer values
        s = s.astype(np.float32)
    return np.ascontiguousarray(s)


def _run(signal, cfg: Config, winlen, samplerate, preemph) -> np.ndarray:
    s = _signal(signal)
    length = _round_half_up(winlen * samplerate)
    if length > cfg.n_fft:
        s = _truncated(s, length, cfg, preemph)
    return Extractor(cfg)(s)


def mfcc(signal, samplerate=16000, winlen=0.025, winstep=0.01, numcep=13, nfilt=26, nfft=512,
         lowfreq=0, highfreq=None, preemph=0.97, ceplifter=22, appendEnergy=True,
         winfunc: Callable = _rectangular) -> np.ndarray:
    """``python_speech_features.mfcc``: shape (n_frames, numcep).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import psf
    >>> psf.mfcc(np.ones(1000), numcep=12, winfunc=np.hamming).shape
    (5, 12)
    """
    cfg = _config(samplerate, winlen, winstep, nfilt, nfft, lowfreq, highfreq, preemph, winfunc,
                  kind="mfcc", n_mfcc=numcep, lifter=ceplifter,
                  energy="replace_c0" if appendEnergy else None, energy_source="spectrum")
    return _run(signal, cfg, winlen, samplerate, preemph)


def logfbank(signal, samplerate=16000, winlen=0.025, winstep=0.01, nfilt=26, nfft=512, lowfreq=0,
             highfreq=None, preemph=0.97, winfunc: Callable = _rectangular) -> np.ndarray:
    """``python_speech_features.logfbank``: shape (n_frames, nfilt).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import psf
    >>> psf.logfbank(np.ones(1000)).shape
    (5, 26)
    """
    cfg = _config(samplerate, winlen, winstep, nfilt, nfft, lowfreq, highfreq, preemph, winfunc,
                  kind="logmel")
    return _run(signal, cfg, winlen, samplerate, preemph)


def delta(feat: np.ndarray, N: int) -> np.ndarray:
    """``python_speech_features.delta``: regression over ``N`` frames each side.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import psf
    >>> print(psf.delta(np.arange(6.0)[:, None], 2)[:, 0])
    [0.5 0.8 1.  1.  0.8 0.5]
    """
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ParameterError(f"N={N!r} must be an integer >= 1")
    return _delta(np.asarray(feat, dtype=np.float64), order=1, width=int(N))
