"""librosa-compatible signatures: ``mfcc``, ``melspectrogram``, ``power_to_db``.

Same keywords, defaults and ``(n_features, n_frames)`` layout as librosa 0.10/0.11:

>>> import numpy as np
>>> from fastfeat.compat import librosa as lr
>>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
>>> lr.mfcc(y=y, sr=22050).shape
(20, 44)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import Config
from ..features import Extractor

__all__ = ["mfcc", "melspectrogram", "power_to_db"]

_WINDOWS = {"hann": "hann", "hanning": "hann", "hamming": "hamming", "blackman": "blackman",
            "boxcar": "rectangular", "rectangular": "rectangular", "ones": "rectangular"}


def _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
            n_mels, fmin, fmax, htk, norm, **fields) -> Config:
    if not isinstance(window, str) or window not in _WINDOWS:
        raise ValueError(f"window={window!r} is not supported; window must be one of {sorted(_WINDOWS)}")
    if norm not in (None, "slaney"):
        raise ValueError(f"norm={norm!r} is not supported; norm must be 'slaney' or None")
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    return Config(
        sample_rate=int(sr), frame_length=win_length, hop_length=hop_length, n_fft=n_fft,
        window=_WINDOWS[window], window_periodic=True, center=center, pad_mode=pad_mode,
        preemphasis=0.0, power=power, n_mels=n_mels, fmin=fmin, fmax=fmax,
        mel_scale="htk" if htk else "slaney", mel_norm=norm, mel_triangles="hz", **fields,
    )


def _signal(y):
    if y is None:
        raise ValueError("y is required (this drop-in computes from the signal; S= is not supported)")
    return np.ascontiguousarray(y) if isinstance(y, np.ndarray) else y


def melspectrogram(*, y: np.ndarray | None = None, sr: float = 22050, S=None, n_fft: int = 2048,
                   hop_length: int = 512, win_length: int | None = None, window: str = "hann",
                   center: bool = True, pad_mode: str = "constant", power: float = 2.0,
                   n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None,
                   htk: bool = False, norm: str | None = "slaney") -> np.ndarray:
    """``librosa.feature.melspectrogram``: linear mel power, shape (n_mels, n_frames).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> lr.melspectrogram(y=np.zeros(22050, np.float32), sr=22050).shape
    (128, 44)
    """
    if S is not None:
        raise ValueError("S= is not supported by fastfeat.compat.librosa.melspectrogram; pass y")
    cfg = _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
                  n_mels, fmin, fmax, htk, norm, kind="logmel", log=None)
    return np.ascontiguousarray(Extractor(cfg)(_signal(y)).T)


def mfcc(*, y: np.ndarray | None = None, sr: float = 22050, S=None, n_mfcc: int = 20,
         dct_type: int = 2, norm: str | None = "ortho", lifter: float = 0, mel_norm: str | None = "slaney",
         n_fft: int = 2048, hop_length: int = 512, win_length: int | None = None,
         window: str = "hann", center: bool = True, pad_mode: str = "constant", power: float = 2.0,
         n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None, htk: bool = False,
         top_db: float | None = 80.0) -> np.ndarray:
    """``librosa.feature.mfcc`` on ``power_to_db(melspectrogram(...))``: shape (n_mfcc, n_frames).

    ``top_db`` is librosa's ``power_to_db`` default (80 dB below the loudest
    value of the whole clip).  librosa's lifter uses index ``i + 1``
    (``1 + lifter/2 sin(pi (i+1) / lifter)``), applied here as librosa does.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> y = np.sin(np.arange(22050) * 0.1).astype(np.float32)
    >>> lr.mfcc(y=y, sr=22050, n_mfcc=13).shape
    (13, 44)
    """
    if S is not None:
        raise ValueError("S= is not supported by fastfeat.compat.librosa.mfcc; pass y")
    if dct_type != 2:
        raise ValueError(f"dct_type={dct_type!r} is not supported; dct_type must be 2")
    cfg = _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
                  n_mels, fmin, fmax, htk, mel_norm, kind="mfcc", log="db", log_floor=1e-10,
                  top_db=top_db, n_mfcc=n_mfcc, dct_norm=norm)
    out = Extractor(cfg)(_signal(y)).T
    if lifter < 0:
        raise ValueError(f"lifter={lifter!r} must be >= 0")
    if lifter > 0:
        li = 1 + (lifter / 2) * np.sin(np.pi * np.arange(1, 1 + n_mfcc) / lifter)
        out = out * li[:, None].astype(np.float32)
    return np.ascontiguousarray(out)


def power_to_db(S: np.ndarray, *, ref: float | Callable = 1.0, amin: float = 1e-10,
                top_db: float | None = 80.0) -> np.ndarray:
    """``librosa.power_to_db``: ``10 log10(max(S, amin) / ref)``, clipped at ``max - top_db``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> lr.power_to_db(np.array([1.0, 10.0, 1e-12])).tolist()
    [0.0, 10.0, -70.0]
    """
    S = np.asarray(S)
    if amin <= 0:
        raise ValueError(f"amin={amin!r} must be strictly positive")
    if np.iscomplexobj(S):
        S = np.abs(S)
    ref_value = ref(S) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec = log_spec - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        if top_db < 0:
            raise ValueError(f"top_db={top_db!r} must be non-negative")
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec
