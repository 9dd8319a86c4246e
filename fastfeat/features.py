"""Batch feature extraction: mfcc, logmel, power_spectrum, delta, Extractor.

Every function returns float32, time-major (rows are frames, columns are
features), C-contiguous arrays.
"""

from __future__ import annotations

import functools
import itertools
import os
from typing import Any, Iterable

import numpy as np

from . import _backend, _window
from .config import Config

__all__ = ["Extractor", "mfcc", "logmel", "power_spectrum", "delta"]


class Extractor:
    """A reusable feature extractor: tables built once, GIL released while it runs.

    Parameters
    ----------
    config : Config, optional
        What to compute (``Config()`` when omitted).  ``config.kind`` selects
        MFCC, log-mel or power spectrum; deltas, energy and log follow the
        config.
    threads : int, default 1
        Threads used *within* one signal (OpenMP over blocks of frames; FFTW
        threads with ``backend="pyfftw"``).  ``map`` parallelises over signals
        instead.
    backend : {"c", "numba", "pyfftw"}, optional
        Compute backend (``fastfeat.backend()`` when omitted): the C engine,
        the Numba port of it, or the C engine with pyFFTW's FFT.

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> ext = ff.Extractor(ff.Config(deltas=2))
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> ext(y).shape
    (98, 39)
    >>> [f.shape for f in ext.map([y, y[:8000]])]
    [(98, 39), (48, 39)]
    """

    def __init__(self, config: Config | None = None, *, threads: int = 1,
                 backend: str | None = None) -> None:
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads={threads!r} is not valid; threads must be an integer >= 1")
        self._config = config
        self._threads = threads
        self._backend = _backend.resolve(backend)
        self._engine = _backend.engine_for(config, self._backend)
        # the rows of a signal that needs no checking, else None (see _extract_rows)
        self._rows = getattr(self._engine, "extract_rows", None) or functools.partial(_extract_rows, self._engine)
        self._post = config.normalize is not None  # whole-signal steps after the engine

    @property
    def config(self) -> Config:
        """The (frozen) Config this extractor computes."""
        return self._config

    @property
    def n_features(self) -> int:
        """Columns of every output row."""
        return self._engine.n_features

    @property
    def backend(self) -> str:
        """The compute backend of this extractor."""
        return self._backend

    def n_frames(self, n_samples: int) -> int:
        """Rows the output has for a signal of ``n_samples`` samples (0 if too short).

        Examples
        --------
        >>> import fastfeat as ff
        >>> ext = ff.Extractor()  # 400-sample frames every 160 samples
        >>> ext.n_frames(16000), ext.n_frames(400), ext.n_frames(399)
        (98, 1, 0)
        """
        return int(self._engine.n_frames(int(n_samples)))

    def __repr__(self) -> str:
        return f"Extractor({self._config!r}, threads={self._threads}, backend={self._backend!r})"

    def __call__(self, y: np.ndarray, *, sr: int | None = None,
                 out: np.ndarray | None = None) -> np.ndarray:
        """Features of one signal.

        Parameters
        ----------
        y : np.ndarray [shape=(n_samples,)], float32 or float64
            Mono signal at ``config.sample_rate``.  float64 is rounded to float32.
        sr : int, optional
            Sample rate of ``y``; when given it must equal ``config.sample_rate``.
        out : np.ndarray [shape=(n_frames, n_features)], float32, optional
            Buffer to write into (no allocation).  When ``y`` holds NaN or
            Inf the ValueError comes after some rows were written (the engine
            checks the signal block by block as it works): ``out``'s contents
            are then unspecified.

        Returns
        -------
        np.ndarray [shape=(n_frames, n_features)], float32

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> ext = ff.Extractor(ff.Config(deltas=1))
        >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
        >>> ext(y, sr=16000).shape
        (48, 26)
        >>> buf = np.empty((ext.n_frames(len(y)), ext.n_features), np.float32)
        >>> ext(y, out=buf) is buf  # no allocation
        True
        """
        if sr is None or sr == self._config.sample_rate:
            # Fast path for a C-contiguous 1-D float32 array; anything unusual,
            # and every error, goes through _run's checks, which name the parameter.
            rows = self._rows(y, out, self._threads)
            if rows is not None:
                return _window.normalize(rows, self._config) if self._post else rows
        return self._run(y, sr, out, "y")

    def _run(self, y, sr, out, name):
        cfg = self._config
        x = _backend.check_signal(y, cfg, sr, name)
        rows = self._engine.n_frames(x.shape[0])
        if rows <= 0:
            _backend.raise_status(5, -1, x, cfg, name)
        if out is None:
            out = np.empty((rows, self._engine.n_features), dtype=np.float32)
        else:
            _backend.check_out(out, (rows, self._engine.n_features))
        status, bad = self._engine.extract(x, out, self._threads)
        _backend.raise_status(status, bad, x, cfg, name)
        return _window.normalize(out, cfg) if self._post else out

    def map(self, signals: Iterable[np.ndarray], *, sr: int | None = None,
            threads: int | None = None) -> list[np.ndarray]:
        """Features of many signals, in parallel threads (the engine releases the GIL).

        Parameters
        ----------
        signals : iterable of np.ndarray
            Each as accepted by ``__call__``.
        sr : int, optional
            Sample rate of every signal (checked against the config).
        threads : int, optional
            Worker threads; all cores (``os.cpu_count()``) by default.

        Returns
        -------
        list of np.ndarray, in input order.

        Raises
        ------
        ValueError, TypeError
            The first bad signal, named by its position (``signals[3] ...``);
            every signal is checked before any work starts.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> rng = np.random.default_rng(0)
        >>> clips = [rng.standard_normal(n).astype(np.float32) for n in (16000, 8000, 4000)]
        >>> ext = ff.Extractor()
        >>> [f.shape for f in ext.map(clips, threads=2)]
        [(98, 13), (48, 13), (23, 13)]
        >>> all((a == ext(y)).all() for a, y in zip(ext.map(clips), clips))  # same as one by one
        True
        >>> ext.map([clips[0], clips[1].astype(np.int16)])
        Traceback (most recent call last):
        ...
        TypeError: signals[1] has integer dtype int16; fastfeat does not guess the PCM scale. Pass signals[1].astype(np.float32) / 32768 or read the file with fastfeat.load(), which scales it
        """
        items = list(signals)
        if threads is None:
            threads = os.cpu_count() or 1
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads={threads!r} is not valid; threads must be an integer >= 1 or None")
        checked = []
        for i, y in enumerate(items):
            name = f"signals[{i}]"
            x = _backend.check_signal(y, self._config, sr, name)
            if self._engine.n_frames(x.shape[0]) <= 0:
                _backend.raise_status(5, -1, x, self._config, name)
            checked.append(x)
        results: list = [None] * len(checked)
        counter = itertools.count()  # next() is atomic under the GIL

        def work() -> None:
            # Each worker pulls the next signal until none is left: one task per
            # thread, not per signal, so short clips are not dominated by the
            # executor's per-task cost.  The engine releases the GIL in C.
            for i in iter(counter.__next__, None):
                if i >= len(checked):
                    return
                x = checked[i]
                buf = np.empty((self._engine.n_frames(x.shape[0]), self._engine.n_features), np.float32)
                status, bad = self._engine.extract(x, buf, 1)
                _backend.raise_status(status, bad, x, self._config, f"signals[{i}]")
                results[i] = _window.normalize(buf, self._config) if self._post else buf

        n_workers = min(threads, len(checked))
        if n_workers <= 1:
            work()
        else:
            from concurrent.futures import ThreadPoolExecutor  # not at import: keeps it light

            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                for f in [pool.submit(work) for _ in range(n_workers)]:
                    f.result()
        return results


def _extract_rows(engine, y, out, threads: int):
    """Extractor's fast path for an engine without its own ``extract_rows``
    (the C binding has one): the features of a C-contiguous 1-D float32 ``y``
    (in ``out`` when it has exactly their shape), or None for anything else
    or when the engine refused ``y``."""
    try:
        rows = engine.n_frames(len(y))
        shape = (rows, engine.n_features)
        buf = np.empty(shape, np.float32) if out is None else out
        if rows > 0 and buf.shape == shape and engine.extract(y, buf, threads)[0] == 0:
            return buf
    except (TypeError, ValueError, AttributeError, BufferError):
        pass
    return None


def _for_kind(config: Config, kind: str, fields: dict) -> Config:
    """``config`` made to compute ``kind``, with the caller's ``fields`` replaced on top."""
    changes: dict = {}
    if config.kind != kind:
        changes["kind"] = kind
        if kind != "mfcc" and config.energy == "replace_c0":
            changes["energy"] = None  # c0 does not exist outside the cepstrum
        if kind == "power":
            changes.update(log=None, top_db=None, deltas=0, energy=None, log_offset=0.0, log_scale=1.0,
                           normalize=None)
    changes.update(fields)
    if changes:
        config = config.replace(**changes)  # validated as Config(...) is; unknown names: TypeError
    if kind == "logmel" and config.log is None:
        raise ValueError("log=None gives a linear mel spectrum; logmel needs log='ln', 'log10' or 'db'")
    return config


@functools.lru_cache(maxsize=64)
def _extractor(config: Config, kind: str, backend: str, fields: tuple = ()) -> Extractor:
    """``fields``: ``(name, type, value)`` triples (20 and 20.0 are equal but
    not equally valid values, so the type is part of the key)."""
    return Extractor(_for_kind(config, kind, {k: v for k, _, v in fields}), backend=backend)


def _resolve(kind: str, sr, config, backend: str, fields: tuple) -> Extractor:
    """The Extractor of ``config`` (or ``Config(sample_rate=sr)``) with ``fields`` replaced."""
    if config is None:
        config = Config() if sr is None else Config(sample_rate=sr)
    elif not isinstance(config, Config):
        raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
    args = (config, kind, backend, fields)
    try:
        return _extractor(*args)
    except TypeError as exc:  # an unhashable field value: let Config's validation name it
        if "unhashable" not in str(exc):
            raise
        return _extractor.__wrapped__(*args)


# The Extractor of a call, found without building or hashing a Config: keyed
# on the config object's identity (or, without one, on sr and its type), the
# kind, the backend and the typed fields.  The entry keeps the config, so its
# id is not reused while the entry lives.
_calls: dict = {}


def _extract(kind: str, y, sr, config, fields: dict) -> np.ndarray:
    """Features of ``y``: ``config`` (or ``Config(sample_rate=sr)``) with ``fields`` replaced."""
    backend = _backend.resolve(None)
    typed = tuple((k, type(v), v) for k, v in fields.items()) if fields else ()
    key = (id(config) if config is not None else (type(sr), sr), kind, backend, typed)
    try:
        hit = _calls.get(key)
    except TypeError:  # an unhashable sr or field value: _resolve names it
        key = hit = None
    if hit is not None and hit[0] is config:
        ext = hit[1]
    else:
        ext = _resolve(kind, sr, config, backend, typed)
        if key is not None:
            if len(_calls) >= 64:
                _calls.clear()
            _calls[key] = (config, ext)
    return ext(y, sr=sr)


def mfcc(y: np.ndarray, sr: int | None = None, *, config: Config | None = None,
         **fields: Any) -> np.ndarray:
    """Mel-frequency cepstral coefficients, one row per frame.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)], float32 or float64
        Mono signal.
    sr : int, optional
        Its sample rate.  With ``config`` it must equal ``config.sample_rate``;
        without, ``Config(sample_rate=sr)`` is used (``Config()`` if both are None).
    config : Config, optional
        The pipeline; its ``kind`` is taken as ``"mfcc"``.
    **fields
        Config fields to change (``n_mfcc=20``, ``deltas=2``, ``frame_length=512``,
        ...), applied to ``config`` with ``Config.replace`` and validated the
        same way; an unknown name is a TypeError listing the valid ones.

    Returns
    -------
    np.ndarray [shape=(n_frames, config.n_features)], float32
        ``n_mfcc`` coefficients (+ energy, deltas as configured) per frame.

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> y = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    >>> ff.mfcc(y, sr=16000).shape
    (98, 13)
    >>> ff.mfcc(y, config=ff.Config.preset("kaldi")).shape
    (98, 13)
    >>> ff.mfcc(y, sr=16000, n_mfcc=20, deltas=2).shape
    (98, 60)
    >>> ff.mfcc(np.zeros(44100, np.float32), sr=44100).shape  # 25 ms / 10 ms at any rate
    (98, 13)
    """
    return _extract("mfcc", y, sr, config, fields)


def logmel(y: np.ndarray, sr: int | None = None, *, config: Config | None = None,
           **fields: Any) -> np.ndarray:
    """Log mel filterbank energies ("fbank"), one row per frame.

    ``config.kind`` is taken as ``"logmel"``; ``energy="replace_c0"`` (an MFCC
    notion, set by the kaldi and python_speech_features presets) is dropped,
    which is what Kaldi's ``compute-fbank-feats`` and ``psf.logfbank`` give.
    ``config.log`` must not be None.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)], float32 or float64
        Mono signal.
    sr : int, optional
        Its sample rate (as in ``mfcc``).
    config : Config, optional
        The pipeline; its ``kind`` is taken as ``"logmel"``.
    **fields
        Config fields to change (``n_mels=80``, ``log="db"``, ...), applied with
        ``Config.replace`` and validated the same way.

    Returns
    -------
    np.ndarray [shape=(n_frames, n_mels [+1 energy] [x (1 + deltas)])], float32

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> ff.logmel(y, sr=16000).shape
    (98, 40)
    >>> ff.logmel(y, sr=16000, n_mels=80).shape
    (98, 80)
    """
    return _extract("logmel", y, sr, config, fields)


def power_spectrum(y: np.ndarray, sr: int | None = None, *, config: Config | None = None,
                   **fields: Any) -> np.ndarray:
    """Power (``power=2``) or magnitude (``power=1``) spectrum of each frame.

    The linear spectrum: ``log``, ``top_db``, ``energy`` and ``deltas`` of the
    config are ignored here (use ``Extractor(config.replace(kind="power"))``
    for a log spectrogram).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)], float32 or float64
        Mono signal.
    sr : int, optional
        Its sample rate (as in ``mfcc``).
    config : Config, optional
        The pipeline; its ``kind`` is taken as ``"power"``.
    **fields
        Config fields to change (``n_fft=1024``, ``power=1.0``, ...), applied with
        ``Config.replace`` and validated the same way.

    Returns
    -------
    np.ndarray [shape=(n_frames, n_fft // 2 + 1)], float32

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> y = np.ones(16000, dtype=np.float32)
    >>> ff.power_spectrum(y, sr=16000).shape
    (98, 257)
    >>> ff.power_spectrum(y, sr=16000, n_fft=1024).shape
    (98, 513)
    """
    return _extract("power", y, sr, config, fields)


def delta(features: np.ndarray, order: int = 1, width: int = 2) -> np.ndarray:
    """Regression deltas along time (rows), edge frames replicated (HTK, psf).

    ``d[t] = sum_{k=1..width} k (c[t+k] - c[t-k]) / (2 sum_k k^2)``; order 2
    is the delta of the delta.

    Parameters
    ----------
    features : np.ndarray [shape=(n_frames, n_features)], float32 or float64
        Time-major features (as returned by ``mfcc``).
    order : {1, 2}
    width : int in [1, 64]
        Frames on each side (HTK's DELTAWINDOW; psf's ``N``).

    Returns
    -------
    np.ndarray [shape=features.shape], float32

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> ramp = np.arange(10, dtype=np.float32)[:, None] * 3.0
    >>> ff.delta(ramp)[2:8, 0].tolist()  # the slope, away from the edges
    [3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order not in (1, 2):
        raise ValueError(f"order={order!r} is not valid; order must be 1 or 2")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not 1 <= width <= 64:
        raise ValueError(f"width={width!r} is not valid; width must be an integer in [1, 64]")
    if not isinstance(features, np.ndarray):
        raise TypeError(f"features must be a numpy.ndarray, got {type(features).__name__}")
    if features.dtype not in (np.float32, np.float64):
        raise TypeError(f"features has dtype {features.dtype}; features must be float32 or float64")
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D (n_frames, n_features), got shape {features.shape}")
    if not np.isfinite(features).all():
        raise ValueError("features contains NaN or Inf")
    x = np.ascontiguousarray(features, dtype=np.float32)
    out = np.empty_like(x)
    status = _backend.module(_backend.resolve(None)).delta(x, int(order), int(width), out)
    if status != 0:
        raise RuntimeError(f"delta: engine status {status} (a bug: please report it)")
    return out
