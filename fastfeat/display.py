"""Plots of signals and features with real axes (needs matplotlib).

What ``librosa.display.waveshow`` / ``specshow`` give, for fastfeat's
time-major features: time in seconds on x (each frame drawn at its true
centre, the rule of :func:`fastfeat.sklearn.frame_times`), and on y Hz for a power
spectrum, the mel scale labelled in Hz for log-mel, the coefficient index for
MFCC.  Importing this module imports matplotlib; ``import fastfeat`` does not.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, fastfeat as ff
>>> from fastfeat import display
>>> y = np.sin(2 * np.pi * 1000 * np.arange(8000) / 16000).astype(np.float32)
>>> fig = display.show_features(y, ff.Config())
>>> [ax.get_ylabel() for ax in fig.axes[:4]]
['amplitude', 'Hz', 'Hz (mel scale)', 'MFCC']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .config import Config

__all__ = ["waveform", "specshow", "show_features", "hz_to_mel", "mel_to_hz"]


def hz_to_mel(f: Any, scale: str = "htk") -> np.ndarray:
    """Hz to mel: ``"htk"`` 2595 log10(1 + f/700); ``"slaney"`` linear to 1 kHz, log above.

    Examples
    --------
    >>> from fastfeat.display import hz_to_mel, mel_to_hz
    >>> round(float(hz_to_mel(1000.0)), 1), round(float(hz_to_mel(1000.0, "slaney")), 1)
    (1000.0, 15.0)
    >>> round(float(mel_to_hz(hz_to_mel(3000.0, "slaney"), "slaney")), 6)
    3000.0
    """
    f = np.asarray(f, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    if scale == "slaney":
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)
    raise ValueError(f"scale={scale!r} is not valid; scale must be 'htk' or 'slaney'")


def mel_to_hz(m: Any, scale: str = "htk") -> np.ndarray:
    """Inverse of :func:`hz_to_mel`.

    Examples
    --------
    >>> from fastfeat.display import hz_to_mel, mel_to_hz
    >>> round(float(mel_to_hz(hz_to_mel(1000.0, "slaney"), "slaney")), 6)
    1000.0
    """
    m = np.asarray(m, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    if scale == "slaney":
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))
    raise ValueError(f"scale={scale!r} is not valid; scale must be 'htk' or 'slaney'")


def _ax(ax):
    return plt.gca() if ax is None else ax


def waveform(y: np.ndarray, sr: int = 16000, *, ax: Any = None, **kwargs: Any) -> Any:
    """Plot a signal against time in seconds.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    sr : int, default 16000
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.plot`` (e.g. ``color``, ``linewidth``).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from fastfeat.display import waveform
    >>> ax = waveform(np.zeros(1600), 16000)
    >>> ax.get_xlabel(), round(float(ax.get_xlim()[1]), 4)
    ('time (s)', 0.1)
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (mono samples), got shape {y.shape}")
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr={sr!r} is not valid; sr must be a positive integer (Hz)")
    ax = _ax(ax)
    t = np.arange(y.shape[0]) / sr
    kwargs.setdefault("linewidth", 0.6)
    ax.plot(t, y, **kwargs)
    ax.set_xlim(0, max(y.shape[0], 1) / sr)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    return ax


def _frame_centres(n_frames: int, cfg: Config) -> np.ndarray:
    """Centre of each frame in seconds: the rule of csrc/frame.c ff_frame_start (as
    fastfeat.sklearn.frame_times, which needs scikit-learn; a test keeps them equal)."""
    f = np.arange(n_frames, dtype=np.int64)
    hop, length, nfft = cfg.hop_length, cfg.frame_length, cfg.n_fft
    if cfg.center:
        start = f * hop - (nfft // 2 - (nfft - length) // 2)
    elif not cfg.snip_edges:
        start = f * hop + hop // 2 - length // 2
    else:
        start = f * hop
    return (start + length / 2.0) / cfg.sample_rate


def _time_edges(n_frames: int, cfg: Config) -> np.ndarray:
    centres = _frame_centres(n_frames, cfg)
    half = cfg.hop_length / (2.0 * cfg.sample_rate)
    return np.concatenate([centres - half, [centres[-1] + half if n_frames else half]])


def specshow(features: np.ndarray, config: Config | None = None, *, y_axis: str | None = None,
             db: bool | None = None, ax: Any = None, colorbar: bool = False, **kwargs: Any) -> Any:
    """Show time-major features as an image with real axes.

    Parameters
    ----------
    features : np.ndarray [shape=(n_frames, n)]
        As fastfeat returns them (rows are frames).
    config : Config, optional
        The config that produced them (``Config()`` when omitted): gives the
        frame times and the frequencies of the bins and mel bands.
    y_axis : {"hz", "mel", "coef"}, optional
        ``"hz"``: spectrum bins on a linear Hz axis (``n == n_fft // 2 + 1``);
        ``"mel"``: mel bands, spaced on the config's mel scale, ticks in Hz
        (``n == n_mels``); ``"coef"``: index (MFCC, or any features).
        Default from ``config.kind``: power -> "hz", logmel -> "mel", mfcc -> "coef".
    db : bool, optional
        Show ``10 log10`` of the values (floored 80 dB below the maximum).
        Default: True for a linear power spectrum (``kind="power"``,
        ``log=None``), else False.
    ax : matplotlib Axes, optional
    colorbar : bool, default False
    **kwargs
        Passed to ``ax.pcolormesh`` (e.g. ``cmap``, ``vmin``).

    Returns
    -------
    matplotlib.collections.QuadMesh

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, fastfeat as ff
    >>> from fastfeat.display import specshow
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> mesh = specshow(ff.logmel(y, sr=16000), ff.Config(kind="logmel"))
    >>> mesh.axes.get_ylabel()
    'Hz (mel scale)'
    """
    cfg = Config() if config is None else config
    if not isinstance(cfg, Config):
        raise TypeError(f"config must be a fastfeat.Config or None, got {type(cfg).__name__}")
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (n_frames, n), got shape {x.shape}")
    if y_axis is None:
        y_axis = {"power": "hz", "logmel": "mel", "mfcc": "coef"}[cfg.kind]
    n_bins, n = cfg.n_fft // 2 + 1, x.shape[1]
    expected = {"hz": n_bins, "mel": cfg.n_mels}.get(y_axis)
    if y_axis not in ("hz", "mel", "coef"):
        raise ValueError(f"y_axis={y_axis!r} is not valid; y_axis must be 'hz', 'mel' or 'coef'")
    if expected is not None and n != expected:
        raise ValueError(f"y_axis={y_axis!r} needs {expected} columns for this config (features has {n}); "
                         "pass only the static block, e.g. features[:, :config.n_static]")
    if db is None:
        db = cfg.kind == "power" and cfg.log is None
    if db:
        x = 10.0 * np.log10(np.maximum(x, 1e-10))
        x = np.maximum(x, x.max() - 80.0)
    ax = _ax(ax)
    t = _time_edges(x.shape[0], cfg)
    if y_axis == "hz":
        f = np.arange(n_bins + 1, dtype=np.float64) - 0.5
        edges = np.clip(f * cfg.sample_rate / cfg.n_fft, 0.0, cfg.sample_rate / 2)
        label = "Hz"
    elif y_axis == "mel":
        lo, hi = hz_to_mel(cfg.fmin, cfg.mel_scale), hz_to_mel(cfg.fmax_hz, cfg.mel_scale)
        pts = np.linspace(lo, hi, cfg.n_mels + 2)  # band edges/centres, evenly spaced in mel
        centres = pts[1:-1]
        step = pts[1] - pts[0]
        edges = np.concatenate([centres - step / 2, [centres[-1] + step / 2]])
        label = "Hz (mel scale)"
    else:
        edges = np.arange(n + 1, dtype=np.float64) - 0.5
        label = "MFCC" if cfg.kind == "mfcc" else "feature"
    kwargs.setdefault("cmap", "magma" if y_axis != "coef" else "coolwarm")
    kwargs.setdefault("shading", "flat")
    mesh = ax.pcolormesh(t, edges, x.T, **kwargs)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(label)
    if y_axis == "mel":
        scale = cfg.mel_scale
        nice = np.array([125, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000], np.float64)
        nice = nice[(nice >= cfg.fmin) & (nice <= cfg.fmax_hz)]
        ax.set_yticks(hz_to_mel(nice, scale))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{float(mel_to_hz(v, scale)):.0f}"))
    elif y_axis == "coef":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, format="%+.0f dB" if db or cfg.log == "db" else None)
    return mesh


def show_features(y: np.ndarray, config: Config | None = None, *, title: str | None = None,
                  figsize: tuple[float, float] = (8.0, 8.0)) -> Any:
    """Waveform, power spectrogram (dB), log-mel and MFCC of one signal, one figure.

    The spectrogram, log-mel and MFCC use ``config`` (``Config()`` when
    omitted; its deltas and energy are dropped for the plot).

    Returns
    -------
    matplotlib Figure with 4 axes (plus colorbars)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, fastfeat as ff
    >>> from fastfeat import display
    >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    >>> fig = display.show_features(y, ff.Config(n_mels=20), title="noise")
    >>> len(fig.axes) >= 4
    True
    """
    from .features import Extractor

    cfg = Config() if config is None else config
    base = cfg.replace(deltas=0, energy=None)
    power = Extractor(base.replace(kind="power", log=None, top_db=None))(y)
    logm = Extractor(base.replace(kind="logmel"))(y)
    mf = Extractor(base.replace(kind="mfcc", log=base.log or "ln"))(y)
    fig, axes = plt.subplots(4, 1, figsize=figsize, sharex=True, constrained_layout=True)
    waveform(y, cfg.sample_rate, ax=axes[0])
    specshow(power, base.replace(kind="power", log=None, top_db=None), ax=axes[1], colorbar=True)
    specshow(logm, base.replace(kind="logmel"), ax=axes[2], colorbar=True)
    specshow(mf, base.replace(kind="mfcc", log=base.log or "ln"), ax=axes[3], colorbar=True)
    axes[0].set_title(title or "waveform")
    axes[1].set_title("power spectrogram (dB)")
    axes[2].set_title(f"log-mel ({cfg.n_mels} bands, {cfg.log or 'ln'})")
    axes[3].set_title(f"MFCC ({cfg.n_mfcc})")
    for a in axes[:-1]:
        a.set_xlabel("")
    return fig
