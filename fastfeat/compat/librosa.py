"""librosa-compatible signatures: ``mfcc``, ``melspectrogram``, ``power_to_db``.

Same keywords, defaults and ``(..., n_features, n_frames)`` layout as librosa
0.10/0.11, multichannel ``y`` of shape ``(..., n)`` included.  Options this
drop-in does not compute raise :class:`fastfeat.ParameterError` (a
``ValueError``) naming the option; docs/presets.md lists them.

>>> import numpy as np
>>> from fastfeat.compat import librosa as lr
>>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
>>> lr.mfcc(y=y, sr=22050).shape
(20, 44)
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from .. import _backend
from ..config import Config
from ..errors import ParameterError
from ..features import Extractor

__all__ = ["mfcc", "melspectrogram", "power_to_db"]

_WINDOWS = {"hann": "hann", "hanning": "hann", "hamming": "hamming", "blackman": "blackman",
            "boxcar": "rectangular", "rectangular": "rectangular", "ones": "rectangular"}
# numpy.pad modes librosa.stft accepts: the engine pads with the first four
# itself; the others are padded here and framed with center=False.
_ENGINE_PAD = ("constant", "reflect", "edge", "symmetric")
_NUMPY_PAD = ("linear_ramp",)


def _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
            n_mels, fmin, fmax, htk, norm, **fields) -> Config:
    if not isinstance(window, str) or window not in _WINDOWS:
        raise ParameterError(f"window={window!r} is not supported; window must be one of {sorted(_WINDOWS)}")
    pnorm = None
    if isinstance(norm, (int, float, np.integer, np.floating)) and not isinstance(norm, bool):
        if not (np.isfinite(norm) and norm > 0):
            raise ParameterError(f"norm={norm!r} is not supported; a numeric norm must be a finite p > 0 "
                                 f"(librosa.util.normalize's inf, -inf and 0 are not implemented)")
        norm, pnorm = None, float(norm)
    elif norm not in (None, "slaney"):
        raise ParameterError(f"norm={norm!r} is not supported; norm must be 'slaney', None or a number p > 0")
    if center and (not isinstance(pad_mode, str) or pad_mode not in _ENGINE_PAD + _NUMPY_PAD):
        raise ParameterError(f"pad_mode={pad_mode!r} is not supported; pad_mode must be one of "
                             f"{', '.join(map(repr, _ENGINE_PAD + _NUMPY_PAD))} (librosa.stft refuses "
                             f"'wrap', 'maximum', 'mean', 'median', 'minimum'; 'empty' leaves the padding undefined)")
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    pre_pad = center and pad_mode in _NUMPY_PAD
    try:
        return Config(
            sample_rate=int(sr), frame_length=win_length, hop_length=hop_length, n_fft=n_fft,
            window=_WINDOWS[window], window_periodic=True, center=center and not pre_pad,
            pad_mode="constant" if pre_pad or not center else pad_mode, window_centered=True,
            preemphasis=0.0, power=power, n_mels=n_mels, fmin=fmin, fmax=fmax,
            mel_scale="htk" if htk else "slaney", mel_norm=norm, mel_pnorm=pnorm, mel_triangles="hz", **fields,
        )
    except (TypeError, ValueError) as exc:
        raise ParameterError(str(exc)) from None


def _signals(y, cfg: Config, pre_pad) -> tuple[list[np.ndarray], tuple]:
    """The mono signals of ``y`` (shape (..., n)), padded by numpy.pad mode
    ``pre_pad`` (None: not) for librosa's centring, and the leading shape."""
    if y is None:
        raise ParameterError("y is required (or S=)")
    y = np.asarray(y)
    if y.ndim == 0:
        raise ParameterError(f"y must have at least one dimension (..., n), got shape {y.shape}")
    lead = y.shape[:-1]
    chans = [np.ascontiguousarray(c) for c in y.reshape(-1, y.shape[-1])]
    if pre_pad is not None:  # librosa's centring, padded here
        chans = [np.pad(c, cfg.n_fft // 2, mode=pre_pad) for c in chans]
    return chans, lead


def _extract(y, cfg: Config, center: bool, pad_mode) -> np.ndarray:
    """(..., n_features, n_frames) features of every channel of y."""
    if center and y is not None and cfg.n_fft > np.shape(y)[-1]:
        warnings.warn(f"n_fft={cfg.n_fft} is too large for input signal of length={np.shape(y)[-1]}",
                      UserWarning, stacklevel=3)  # librosa.stft's warning
    chans, lead = _signals(y, cfg, pad_mode if center and pad_mode in _NUMPY_PAD else None)
    ext = Extractor(cfg)
    try:
        out = np.stack([ext(c).T for c in chans]) if chans else np.zeros((0, cfg.n_features, 0), np.float32)
    except ValueError as exc:  # e.g. fewer samples than one frame with center=False
        raise ParameterError(str(exc)) from None
    return np.ascontiguousarray(out.reshape(lead + out.shape[1:]))


def _mel_from_power(S, cfg: Config) -> np.ndarray:
    """The engine's filterbank applied to a power spectrogram S of shape (..., n_bins, t).

    S enters the C engine's ``ff_extract_from_fft`` as the real part of an
    FFT (sqrt(S), squared again by the power-2 spectrum stage), so the mel
    stage is the engine's own, as for a signal.
    """
    engine = _backend.engine_for(cfg, "c")
    if not hasattr(engine, "extract_from_fft"):
        raise ParameterError("melspectrogram(S=...) needs fastfeat's compiled engine; pass y")
    n_bins, t = S.shape[-2], S.shape[-1]
    flat = np.asarray(S, dtype=np.float64).reshape(-1, n_bins, t)
    if t == 0 or flat.shape[0] == 0:
        return np.zeros(S.shape[:-2] + (cfg.n_mels, t), np.float32)
    out = np.empty((flat.shape[0], cfg.n_mels, t), np.float32)
    for i, spec in enumerate(flat):
        fft = np.zeros((t, 2 * n_bins), np.float32)
        fft[:, 0::2] = np.sqrt(np.abs(spec.T))
        rows = np.empty((t, cfg.n_mels), np.float32)
        status = engine.extract_from_fft(fft, np.zeros(t, np.float32), rows, 1)
        if status != 0:
            raise RuntimeError(f"fastfeat engine returned status {status} for S (a bug: please report it)")
        out[i] = rows.T
    return out.reshape(S.shape[:-2] + out.shape[1:])


def melspectrogram(*, y: np.ndarray | None = None, sr: float = 22050, S=None, n_fft: int = 2048,
                   hop_length: int = 512, win_length: int | None = None, window: str = "hann",
                   center: bool = True, pad_mode: str = "constant", power: float = 2.0,
                   n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None,
                   htk: bool = False, norm: str | None = "slaney") -> np.ndarray:
    """``librosa.feature.melspectrogram``: linear mel power, shape (..., n_mels, n_frames).

    ``S=`` (a power spectrogram, shape (..., 1 + n_fft // 2, t)) applies the
    mel filterbank to it, with n_fft inferred from its rows, as librosa.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> lr.melspectrogram(y=np.zeros(22050, np.float32), sr=22050).shape
    (128, 44)
    >>> lr.melspectrogram(y=np.zeros((2, 22050), np.float32), sr=22050).shape
    (2, 128, 44)
    """
    if S is not None:  # a power spectrogram: librosa infers n_fft from its bins and applies the basis
        S = np.asarray(S)
        if S.ndim < 2 or np.iscomplexobj(S):
            raise ParameterError(f"S must be a real (..., 1 + n_fft // 2, t) power spectrogram, got "
                                 f"shape {S.shape} dtype {S.dtype}")
        n_fft = 2 * (S.shape[-2] - 1)
        cfg = _config(sr, n_fft, hop_length, n_fft, window, False, "constant", 2.0,
                      n_mels, fmin, fmax, htk, norm, kind="logmel", log=None)
        return _mel_from_power(S, cfg)
    cfg = _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
                  n_mels, fmin, fmax, htk, norm, kind="logmel", log=None)
    return _extract(y, cfg, center, pad_mode)


def _dct(S: np.ndarray, n_mfcc: int, dct_type: int, norm, lifter: float) -> np.ndarray:
    """librosa's step from a log-power mel spectrogram to MFCCs (scipy's DCT along axis -2)."""
    import scipy.fft  # only for S= input and multichannel top_db: keeps `import fastfeat` light

    M = scipy.fft.dct(S, axis=-2, type=dct_type, norm=norm)[..., :n_mfcc, :]
    if lifter > 0:
        li = np.sin(np.pi * np.arange(1, 1 + n_mfcc, dtype=M.dtype) / lifter)
        M *= (1 + (lifter / 2) * li)[:, None]
    return M


def mfcc(*, y: np.ndarray | None = None, sr: float = 22050, S=None, n_mfcc: int = 20,
         dct_type: int = 2, norm: str | None = "ortho", lifter: float = 0, mel_norm: str | None = "slaney",
         n_fft: int = 2048, hop_length: int = 512, win_length: int | None = None,
         window: str = "hann", center: bool = True, pad_mode: str = "constant", power: float = 2.0,
         n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None, htk: bool = False,
         top_db: float | None = 80.0) -> np.ndarray:
    """``librosa.feature.mfcc`` on ``power_to_db(melspectrogram(...))``: shape (..., n_mfcc, n_frames).

    ``top_db`` is librosa's ``power_to_db`` default (80 dB below the loudest
    value of the whole clip; with multichannel ``y``, of all channels, as
    librosa).  ``S=`` (a log-power mel spectrogram) applies librosa's DCT and
    lifter to it.  librosa's lifter uses index ``i + 1``
    (``1 + lifter/2 sin(pi (i+1) / lifter)``), applied here as librosa does.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> y = np.sin(np.arange(22050) * 0.1).astype(np.float32)
    >>> lr.mfcc(y=y, sr=22050, n_mfcc=13).shape
    (13, 44)
    >>> lr.mfcc(y=y, sr=22050, n_mfcc=13, dct_type=3).shape
    (13, 44)
    """
    if dct_type not in (1, 2, 3) or isinstance(dct_type, bool):
        raise ParameterError(f"dct_type={dct_type!r} is not supported; dct_type must be 1, 2 or 3")
    if norm not in ("ortho", None):
        raise ParameterError(f"norm={norm!r} is not supported; norm must be 'ortho' or None")
    if lifter < 0:
        raise ParameterError(f"MFCC lifter={lifter!r} must be a non-negative number")
    if S is not None:
        return _dct(np.asarray(S), n_mfcc, dct_type, norm, lifter)
    multi = y is not None and np.ndim(y) > 1 and top_db is not None
    cfg = _config(sr, n_fft, hop_length, win_length, window, center, pad_mode, power,
                  n_mels, fmin, fmax, htk, mel_norm, log="db", log_floor=1e-10,
                  **(dict(kind="logmel") if multi else
                     dict(kind="mfcc", top_db=top_db, n_mfcc=n_mfcc, dct_norm=norm, dct_type=dct_type)))
    out = _extract(y, cfg, center, pad_mode)
    if multi:  # top_db clips against the loudest value of all channels together
        return _dct(np.maximum(out, out.max() - top_db), n_mfcc, dct_type, norm, lifter)
    if lifter > 0:
        li = 1 + (lifter / 2) * np.sin(np.pi * np.arange(1, 1 + n_mfcc) / lifter)
        out = out * li[:, None].astype(np.float32)
    return np.ascontiguousarray(out)


def power_to_db(S: np.ndarray, *, ref: float | Callable = 1.0, amin: float = 1e-10,
                top_db: float | None = 80.0) -> np.ndarray:
    """``librosa.power_to_db``: ``10 log10(max(S, amin) / ref)``, clipped at ``max - top_db``.

    Complex ``S`` is reduced to its magnitude with librosa's ``UserWarning``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import librosa as lr
    >>> lr.power_to_db(np.array([1.0, 10.0, 1e-12])).tolist()
    [0.0, 10.0, -70.0]
    """
    S = np.asarray(S)
    if amin <= 0:
        raise ParameterError(f"amin={amin!r} must be strictly positive")
    if np.iscomplexobj(S):
        warnings.warn(
            "power_to_db was called on complex input so phase information will be discarded. "
            "To suppress this warning, call power_to_db(np.abs(D)**2) instead.",
            UserWarning, stacklevel=2,
        )
        S = np.abs(S)
    ref_value = ref(S) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec = log_spec - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        if top_db < 0:
            raise ParameterError(f"top_db={top_db!r} must be non-negative")
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec
