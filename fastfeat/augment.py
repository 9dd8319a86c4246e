"""Data augmentation in plain numpy, seeded: gain, time shift, noise, SpecAugment.

Waveform functions take a 1-D float signal and return a new float32 array of
the same length; feature functions take time-major features
``(n_frames, n_features)`` as returned by fastfeat.  Every random function has
an ``rng`` argument: a ``numpy.random.Generator``, an integer seed, or None (a
fresh, unseeded generator).  The same seed gives the same result, so an
augmented epoch can be reproduced.

>>> import numpy as np
>>> from fastfeat import augment
>>> rng = np.random.default_rng(0)
>>> y = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
>>> z = augment.random_gain(augment.time_shift(y, max_shift=1600, rng=rng), rng=rng)
>>> z = augment.add_noise(z, "pink", snr_db=(10.0, 30.0), rng=rng)
>>> z.shape, z.dtype.name
((16000,), 'float32')
"""

from __future__ import annotations

import os
from typing import Union

import numpy as np

__all__ = [
    "random_gain", "time_shift", "colored_noise", "add_noise", "snr_db",
    "spec_augment", "pad_or_crop", "NOISE_COLORS",
]

RngLike = Union[np.random.Generator, int, None]

#: spectral exponent beta of each noise colour: power spectral density ~ 1 / f**beta
NOISE_COLORS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def _rng(rng: RngLike) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an integer seed or None, got {type(rng).__name__}")


def _signal(y, name: str = "y") -> np.ndarray:
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(y).__name__}")
    if y.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {y.dtype}; {name} must be a float array (scale integer PCM first)")
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (mono samples), got shape {y.shape}")
    if y.size and not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or Inf")
    return y


def _positive_range(name: str, low: float, high: float) -> None:
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low <= high):
        raise ValueError(f"{name} range ({low}, {high}) is not valid; it needs 0 <= low <= high, finite")


def random_gain(y: np.ndarray, *, low: float = 0.7, high: float = 1.3, quiet_prob: float = 0.1,
                quiet_low: float = 0.3, quiet_high: float = 0.5, rng: RngLike = None) -> np.ndarray:
    """Multiply by a random gain: usually in [low, high], sometimes much quieter.

    With probability ``quiet_prob`` the gain is drawn from
    ``[quiet_low, quiet_high]`` instead (a distant or quiet talker), otherwise
    from ``[low, high]``; both uniformly.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float
    low, high : float, default 0.7, 1.3
        Usual gain range (linear factor, ``0 <= low <= high``).
    quiet_prob : float in [0, 1], default 0.1
    quiet_low, quiet_high : float, default 0.3, 0.5
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray [shape=(n,)], float32

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import random_gain
    >>> y = np.ones(4, np.float32)
    >>> g = random_gain(y, rng=0)[0]
    >>> bool(0.3 <= g <= 1.3)
    True
    >>> float(random_gain(y, low=2.0, high=2.0, quiet_prob=0.0, rng=0)[0])
    2.0
    """
    _signal(y)
    _positive_range("low/high", low, high)
    _positive_range("quiet_low/quiet_high", quiet_low, quiet_high)
    if not 0.0 <= quiet_prob <= 1.0:
        raise ValueError(f"quiet_prob={quiet_prob!r} is not valid; quiet_prob must be in [0, 1]")
    g = _rng(rng)
    quiet = g.random() < quiet_prob
    factor = g.uniform(quiet_low, quiet_high) if quiet else g.uniform(low, high)
    return (y * factor).astype(np.float32)


def time_shift(y: np.ndarray, shift: int | None = None, *, max_shift: int | None = None,
               mode: str = "zeros", rng: RngLike = None) -> np.ndarray:
    """Shift a signal in time, keeping its length.

    A positive shift delays the signal (it starts later).  Give either
    ``shift`` (samples) or ``max_shift`` (a random shift uniform in
    ``[-max_shift, max_shift]``).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float
    shift : int, optional
        Exact shift in samples.
    max_shift : int >= 0, optional
        Largest random shift in samples (e.g. 1600 = 100 ms at 16 kHz).
    mode : {"zeros", "roll"}
        Fill the vacated samples with zeros, or wrap around (``np.roll``).
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray [shape=(n,)], float32

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import time_shift
    >>> time_shift(np.arange(1, 6, dtype=np.float32), 2).tolist()
    [0.0, 0.0, 1.0, 2.0, 3.0]
    >>> time_shift(np.arange(1, 6, dtype=np.float32), -1, mode="roll").tolist()
    [2.0, 3.0, 4.0, 5.0, 1.0]
    """
    _signal(y)
    if mode not in ("zeros", "roll"):
        raise ValueError(f"mode={mode!r} is not valid; mode must be 'zeros' or 'roll'")
    if (shift is None) == (max_shift is None):
        raise ValueError("give exactly one of shift (samples) or max_shift (largest random shift in samples)")
    if shift is None:
        if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
            raise ValueError(f"max_shift={max_shift!r} is not valid; max_shift must be an integer >= 0 (samples)")
        shift = int(_rng(rng).integers(-max_shift, max_shift, endpoint=True))
    elif isinstance(shift, bool) or not isinstance(shift, (int, np.integer)):
        raise TypeError(f"shift={shift!r} must be an integer number of samples")
    n = y.shape[0]
    if mode == "roll":
        return np.roll(y, shift).astype(np.float32)
    out = np.zeros(n, np.float32)
    if shift >= 0:
        if shift < n:
            out[shift:] = y[:n - shift]
    elif -shift < n:
        out[:n + shift] = y[-shift:]
    return out


def colored_noise(n: int, color: str = "white", *, rng: RngLike = None) -> np.ndarray:
    """Gaussian noise with power spectral density proportional to 1 / f**beta.

    ``"white"`` (beta 0: flat), ``"pink"`` (beta 1: -3 dB per octave, equal
    power per octave) or ``"brown"`` (beta 2: -6 dB per octave, integrated
    white noise).  The spectrum of white Gaussian noise is shaped by
    ``f**(-beta/2)`` in the frequency domain (the DC bin is zeroed), so the
    slope holds exactly in expectation from the lowest FFT bin to Nyquist.

    Parameters
    ----------
    n : int >= 1
        Length in samples.
    color : {"white", "pink", "brown"}
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray [shape=(n,)], float32
        Zero mean, RMS 1.

    Examples
    --------
    >>> from fastfeat.augment import colored_noise
    >>> x = colored_noise(16000, "pink", rng=0)
    >>> round(float((x ** 2).mean()), 3)
    1.0
    """
    if color not in NOISE_COLORS:
        raise ValueError(f"color={color!r} is not valid; color must be one of {', '.join(map(repr, NOISE_COLORS))}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r} is not valid; n must be an integer >= 1 (samples)")
    g = _rng(rng)
    beta = NOISE_COLORS[color]
    if beta == 0.0 or n < 4:
        x = g.standard_normal(n)
    else:
        spec = g.standard_normal(n // 2 + 1) + 1j * g.standard_normal(n // 2 + 1)
        f = np.arange(n // 2 + 1, dtype=np.float64)
        f[0] = 1.0
        spec *= f ** (-beta / 2.0)
        spec[0] = 0.0
        x = np.fft.irfft(spec, n)
    x = x - x.mean()
    rms = np.sqrt(np.mean(x * x))
    return (x / rms if rms > 0 else x).astype(np.float32)


def snr_db(signal: np.ndarray, noise: np.ndarray) -> float:
    """Signal-to-noise ratio in dB: ``10 log10(mean(signal**2) / mean(noise**2))``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import snr_db
    >>> snr_db(np.ones(10), 0.1 * np.ones(10))
    20.0
    """
    ps = float(np.mean(np.square(signal, dtype=np.float64)))
    pn = float(np.mean(np.square(noise, dtype=np.float64)))
    if pn == 0.0:
        return float("inf")
    if ps == 0.0:
        return float("-inf")
    return round(float(10.0 * np.log10(ps / pn)), 12)


def _noise_source(noise, n: int, sr: int | None, g: np.random.Generator) -> np.ndarray:
    if isinstance(noise, str) and noise in NOISE_COLORS:
        return colored_noise(n, noise, rng=g)
    if isinstance(noise, (str, os.PathLike)):
        from .io import load

        if not os.path.exists(noise):
            raise FileNotFoundError(f"noise={os.fspath(noise)!r}: no such file; noise must be one of "
                                    f"{', '.join(map(repr, NOISE_COLORS))}, an audio file or an array")
        if sr is None:
            raise ValueError("sr is required with a noise file (it is loaded and resampled to sr)")
        noise, _ = load(noise, sr=sr)
    x = _signal(noise, "noise")
    if x.shape[0] == 0:
        raise ValueError("noise is empty; it must have at least one sample")
    if x.shape[0] < n:  # loop a short noise
        x = np.tile(x, -(-n // x.shape[0]))
    start = int(g.integers(0, x.shape[0] - n, endpoint=True))
    return np.asarray(x[start:start + n], dtype=np.float64)


def add_noise(y: np.ndarray, noise: str | os.PathLike | np.ndarray = "white", *,
              snr_db: float | tuple[float, float] = 20.0, sr: int | None = None,
              rng: RngLike = None) -> np.ndarray:
    """Mix background noise into a signal at a chosen signal-to-noise ratio.

    The noise is scaled so that ``10 log10(P_y / P_noise) == snr_db``, with
    ``P`` the mean power over the whole signal.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float
        The signal; it must not be all zeros (its power sets the noise level;
        for noise at an absolute level use ``level * colored_noise(n, ...)``).
    noise : {"white", "pink", "brown"}, path or np.ndarray
        A noise colour (``colored_noise``), an audio file (read with
        ``fastfeat.load`` at ``sr``) or a 1-D array.  A random excerpt of a
        file or array is used, looped when shorter than ``y``.
    snr_db : float or (low, high), default 20.0
        SNR in dB, or a range to draw it from uniformly.
    sr : int, optional
        Sample rate of ``y``; required with a noise file.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray [shape=(n,)], float32

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import add_noise, snr_db
    >>> y = np.sin(np.arange(16000) * 0.1).astype(np.float32)
    >>> z = add_noise(y, "brown", snr_db=10.0, rng=0)
    >>> round(snr_db(y, z - y), 1)
    10.0
    """
    _signal(y)
    g = _rng(rng)
    if isinstance(snr_db, tuple):
        if len(snr_db) != 2 or not all(np.isfinite(snr_db)) or snr_db[0] > snr_db[1]:
            raise ValueError(f"snr_db={snr_db!r} is not valid; snr_db must be a finite number or a (low, high) range")
        target = float(g.uniform(*snr_db))
    elif isinstance(snr_db, (int, float, np.floating, np.integer)) and not isinstance(snr_db, bool) and np.isfinite(snr_db):
        target = float(snr_db)
    else:
        raise ValueError(f"snr_db={snr_db!r} is not valid; snr_db must be a finite number (dB) or a (low, high) range")
    n = y.shape[0]
    if n == 0:
        raise ValueError("y is empty; add_noise needs at least one sample")
    py = float(np.mean(np.square(y, dtype=np.float64)))
    if py == 0.0:
        raise ValueError("y is all zeros, so an SNR does not define a noise level; "
                         "add noise at an absolute level instead: y + level * colored_noise(len(y), color)")
    x = _noise_source(noise, n, sr, g)
    px = float(np.mean(x * x))
    if px == 0.0:
        raise ValueError("noise is all zeros (over the excerpt used); it cannot be scaled to an SNR")
    scale = np.sqrt(py / (px * 10.0 ** (target / 10.0)))
    return (y + scale * x).astype(np.float32)


def spec_augment(features: np.ndarray, *, freq_masks: int = 2, freq_width: int = 8,
                 time_masks: int = 2, time_width: int = 10, value: float | str = "mean",
                 rng: RngLike = None) -> np.ndarray:
    """SpecAugment-style masking of time-major features (Park et al., 2019).

    ``freq_masks`` bands of ``f ~ U{0..freq_width}`` consecutive feature
    columns and ``time_masks`` spans of ``t ~ U{0..time_width}`` consecutive
    frames are set to ``value``, at uniformly random positions (time warping
    is not done).

    Parameters
    ----------
    features : np.ndarray [shape=(n_frames, n_features)], float
        E.g. log-mel energies from ``fastfeat.logmel``.
    freq_masks, time_masks : int >= 0
        Number of masks along each axis.
    freq_width, time_width : int >= 0
        Largest mask width (columns / frames); clipped to the axis length.
    value : float or "mean", default "mean"
        Fill value; ``"mean"`` uses the mean of ``features`` (0 for normalised
        features, as in the paper).
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray [shape=features.shape], same dtype (a copy)

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import spec_augment
    >>> x = np.ones((100, 40), np.float32)
    >>> m = spec_augment(x, value=0.0, rng=0)
    >>> m.shape, bool((m == 0).any()), bool((m == 1).any())
    ((100, 40), True, True)
    >>> bool((spec_augment(x, value=0.0, rng=1) == spec_augment(x, value=0.0, rng=1)).all())
    True
    """
    if not isinstance(features, np.ndarray) or features.ndim != 2:
        raise ValueError(f"features must be a 2-D numpy array (n_frames, n_features), got "
                         f"{getattr(features, 'shape', type(features).__name__)}")
    for name, v in (("freq_masks", freq_masks), ("freq_width", freq_width),
                    ("time_masks", time_masks), ("time_width", time_width)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name}={v!r} is not valid; {name} must be an integer >= 0")
    if isinstance(value, str):
        if value != "mean":
            raise ValueError(f"value={value!r} is not valid; value must be a number or 'mean'")
        fill = float(features.mean()) if features.size else 0.0
    else:
        fill = float(value)
    g = _rng(rng)
    out = features.copy()
    n_t, n_f = out.shape
    for _ in range(freq_masks):
        w = int(g.integers(0, min(freq_width, n_f), endpoint=True))
        f0 = int(g.integers(0, n_f - w, endpoint=True))
        out[:, f0:f0 + w] = fill
    for _ in range(time_masks):
        w = int(g.integers(0, min(time_width, n_t), endpoint=True))
        t0 = int(g.integers(0, n_t - w, endpoint=True))
        out[t0:t0 + w, :] = fill
    return out


def pad_or_crop(x: np.ndarray, length: int, *, axis: int = 0, align: str = "start",
                mode: str = "constant", value: float = 0.0, rng: RngLike = None) -> np.ndarray:
    """Make ``x`` exactly ``length`` long along ``axis`` by padding or cropping.

    Works on signals (1-D) and on time-major features (``axis=0``: frames).

    Parameters
    ----------
    x : np.ndarray
    length : int >= 1
    axis : int, default 0
    align : {"start", "center", "random"}
        Where the kept part sits: cropping keeps the first / middle / a random
        ``length`` items; padding adds at the end / both sides / a random split.
    mode : {"constant", "edge"}
        Pad with ``value``, or repeat the edge items (e.g. the first and last
        feature frames).
    value : float, default 0.0
        Pad value with ``mode="constant"``.
    rng : numpy.random.Generator, int or None
        Used with ``align="random"``.

    Returns
    -------
    np.ndarray, same dtype, ``shape[axis] == length``

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.augment import pad_or_crop
    >>> pad_or_crop(np.arange(5), 3).tolist()
    [0, 1, 2]
    >>> pad_or_crop(np.arange(5), 3, align="center").tolist()
    [1, 2, 3]
    >>> pad_or_crop(np.arange(3), 6, align="center", mode="edge").tolist()
    [0, 0, 1, 2, 2, 2]
    >>> pad_or_crop(np.ones((2, 4)), 3).shape
    (3, 4)
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy.ndarray, got {type(x).__name__}")
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length={length!r} is not valid; length must be an integer >= 1")
    if align not in ("start", "center", "random"):
        raise ValueError(f"align={align!r} is not valid; align must be 'start', 'center' or 'random'")
    if mode not in ("constant", "edge"):
        raise ValueError(f"mode={mode!r} is not valid; mode must be 'constant' or 'edge'")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis={axis} is out of range for an array of {x.ndim} dimension(s)")
    n = x.shape[axis]
    extra = abs(length - n)
    if align == "start":
        before = 0
    elif align == "center":
        before = extra // 2
    else:
        before = int(_rng(rng).integers(0, extra, endpoint=True))
    if n >= length:
        return np.take(x, np.arange(before, before + length), axis=axis)
    if n == 0 and mode == "edge":
        raise ValueError("x is empty along axis; mode='edge' has no edge to repeat (use mode='constant')")
    widths = [(0, 0)] * x.ndim
    widths[axis] = (before, extra - before)
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode="edge")

