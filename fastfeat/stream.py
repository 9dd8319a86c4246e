"""Stream: frame-by-frame features for low-latency apps, equal to batch."""

from __future__ import annotations

import math

import numpy as np

from . import _backend, _window
from .config import Config

__all__ = ["Stream", "frame_local", "window_step"]


class Stream:
    """Features of a signal that arrives in chunks, frame by frame.

    ``concatenate([s.push(c) for c in chunks] + [s.flush()])`` equals
    ``Extractor(config)(concatenate(chunks))`` bit for bit, for any chunking:
    the stream runs the same C pipeline on the same samples, emitting each row
    as soon as every sample it needs (and, with deltas, the ``latency_frames``
    frames after it) has arrived.

    Parameters
    ----------
    config : Config, optional
        Any causal Config (``Config()`` when omitted).  ``top_db`` is refused:
        it clips against the loudest frame of the whole signal.
    backend : {"c", "numba", "pyfftw"}, optional
        Compute backend (``fastfeat.backend()`` when omitted); ``"pyfftw"``
        streams with the C engine (FFTW only speeds up whole signals).

    Notes
    -----
    One stream belongs to one thread at a time; create one per thread (they
    share the extractor's tables).  The GIL is released while C runs a push
    of 4 hops or more (docs/streaming.md, "Threads and the GIL").

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> s = ff.Stream(ff.Config(deltas=2))
    >>> rows = [s.push(y[i:i + 160]) for i in range(0, len(y), 160)]
    >>> feats = np.concatenate(rows + [s.flush()])
    >>> feats.shape
    (98, 39)
    >>> bool((feats == ff.Extractor(ff.Config(deltas=2))(y)).all())
    True
    """

    def __init__(self, config: Config | None = None, *, backend: str | None = None) -> None:
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
        if config.normalize is not None:
            raise ValueError(
                f"normalize={config.normalize!r} uses the mean and deviation of the whole signal, so no "
                "frame can be emitted before the stream ends; stream Stream(fastfeat.stream.frame_local(config)) "
                "and apply fastfeat.stream.window_step(rows, config) to each window, or set normalize=None"
            )
        if not config.causal:
            raise ValueError(
                f"top_db={config.top_db} clips every frame against the loudest frame of the whole "
                "signal, so no frame can be emitted before the stream ends; Stream needs "
                "top_db=None (the frame-local variant): config.replace(top_db=None), or stream "
                "Stream(fastfeat.stream.frame_local(config)) and apply "
                "fastfeat.stream.window_step(rows, config) to each window (Whisper: 30 s)"
            )
        self._config = config
        self._backend = _backend.resolve(backend)
        self._state = _backend.engine_for(config, self._backend).stream()
        self._n_features = self._state.n_features
        self._push_rows = self._state.push_rows
        if hasattr(self._state, "bind_push"):
            # The C engine does all of push (below) in one call: its fast path
            # and, for anything else, _push_checked.  Bound to the instance, it
            # saves a Python call per push.
            self.push = self._state.bind_push(_push_checked, config)

    @property
    def config(self) -> Config:
        """The Config this stream computes."""
        return self._config

    @property
    def n_features(self) -> int:
        """Columns of every row."""
        return self._n_features

    @property
    def latency_frames(self) -> int:
        """Frames of look-ahead the deltas need (``deltas * delta_width``)."""
        return int(self._state.latency_frames)

    @property
    def latency_samples(self) -> int:
        """Row ``t`` is out once ``t * hop_length + latency_samples`` samples were pushed.

        That is the end of frame 0 (``frame_length`` samples, less the left
        padding with ``center``) plus ``latency_frames`` hops.  (With
        ``center=True`` and ``pad_mode="reflect"`` the first row may need one
        sample more: the mirror of its left edge.)
        """
        c = self._config
        if c.center:
            start = -(c.n_fft // 2 - (c.n_fft - c.frame_length) // 2)
        elif not c.snip_edges:
            start = c.hop_length // 2 - c.frame_length // 2
        else:
            start = 0
        return start + c.frame_length + self.latency_frames * c.hop_length

    def frames_for(self, n_samples: int) -> int:
        """Rows a push of ``n_samples`` samples would return now (for sizing ``out``).

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> s = ff.Stream()  # 400-sample frames every 160 samples
        >>> s.frames_for(399), s.frames_for(400), s.frames_for(560)
        (0, 1, 2)
        >>> s.push(np.zeros(400, np.float32)).shape[0]
        1
        >>> s.frames_for(160)  # the next frame needs 160 more samples
        1
        """
        return int(self._state.rows_for(int(n_samples)))

    def push(self, samples: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Append samples; return the rows that became ready.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)], float32 or float64
            Any length, including 0.  float64 is rounded to float32.
        out : np.ndarray [shape=(>= k, n_features)], float32, optional
            Buffer for the rows; with it, a push in the steady state allocates
            no array memory (the result is a view ``out[:k]``).

        Returns
        -------
        np.ndarray [shape=(k, n_features)], float32, k >= 0

        Raises
        ------
        TypeError, ValueError
            Bad samples (dtype, 2-D, NaN/Inf) or a too-small ``out``.  A
            rejected push leaves the stream exactly as it was.
        RuntimeError
            The stream was flushed; call ``reset()`` first.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> s = ff.Stream()  # 25 ms frames every 10 ms at 16 kHz
        >>> s.push(np.zeros(399, np.float32)).shape  # not a whole frame yet
        (0, 13)
        >>> s.push(np.zeros(321, np.float32)).shape  # 720 samples: frames 0, 1 and 2
        (3, 13)
        >>> out = np.empty((8, s.n_features), np.float32)  # reused: no allocation
        >>> s.push(np.zeros(160, np.float32), out=out).shape
        (1, 13)
        """
        # Fast path for a C-contiguous 1-D float32 array and a fitting `out`;
        # anything unusual, and every error, goes through _push_checked, which
        # names the parameter.  A failed fast path changed nothing.  (With the
        # C engine, __init__ binds both in one call over this method.)
        rows = self._push_rows(samples, out)
        if rows is not None:
            return rows
        return _push_checked(self._state, self._config, samples, out)

    def flush(self, out: np.ndarray | None = None) -> np.ndarray:
        """End of the utterance: return the rows still owed.

        Those are the frames that needed the end of the signal (right padding,
        the last partial frame, delta look-ahead), computed exactly as batch
        computes them.  A signal too short for any frame gives 0 rows.  Call
        ``reset()`` before pushing the next utterance.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
        >>> s = ff.Stream(ff.Config(deltas=1))  # the deltas look 2 frames ahead
        >>> head = s.push(y)
        >>> tail = s.flush()
        >>> head.shape[0], tail.shape[0]
        (96, 2)
        >>> bool((np.concatenate([head, tail]) == ff.Extractor(ff.Config(deltas=1))(y)).all())
        True
        """
        buf = _rows_buffer(self._state.rows_for(-1), self._n_features, out)
        status, k = self._state.flush(buf)
        if status == 7:
            raise RuntimeError("the stream was already flushed; call reset() to start a new utterance")
        _backend.raise_status(status, -1, buf, self._config, "out")
        return buf[:k] if out is not None else buf

    def reset(self) -> None:
        """Start a new utterance; tables and buffers are kept.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
        >>> s = ff.Stream()
        >>> first = np.concatenate([s.push(y), s.flush()])
        >>> s.push(y)
        Traceback (most recent call last):
        ...
        RuntimeError: the stream was flushed; call reset() to start a new utterance
        >>> s.reset()
        >>> bool((np.concatenate([s.push(y), s.flush()]) == first).all())  # as a new stream
        True
        """
        self._state.reset()


def _rows_buffer(rows: int, n_features: int, out: np.ndarray | None) -> np.ndarray:
    """``out`` checked to take ``rows`` rows, or a new array for them."""
    if out is None:
        return np.empty((rows, n_features), dtype=np.float32)
    if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.ndim != 2:
        raise TypeError(f"out must be a 2-D float32 numpy.ndarray (rows, {n_features})")
    if out.shape[1] != n_features or out.shape[0] < rows:
        raise ValueError(
            f"out has shape {out.shape}; this call returns {rows} rows, so out must have "
            f"shape (>= {rows}, {n_features}) (see Stream.frames_for)"
        )
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("out must be C-contiguous and writeable")
    return out


def _push_checked(state, config: Config, samples, out) -> np.ndarray:
    """Stream.push for what its fast path does not take: convert or name the problem.

    A function of the stream's state, not a method: the C state keeps it (see
    Stream.__init__) without a reference cycle through the Stream.
    """
    x = _backend.check_signal(samples, config, None, "samples", allow_empty=True)
    buf = _rows_buffer(state.rows_for(x.shape[0]), state.n_features, out)
    status, k, bad = state.push(x, buf)
    if status == 7:
        raise RuntimeError("the stream was flushed; call reset() to start a new utterance")
    _backend.raise_status(status, bad, x, config, "samples")
    return buf[:k] if out is not None else buf


def frame_local(config: Config) -> Config:
    """The part of ``config`` a Stream can compute: everything before ``top_db``
    and ``normalize``.

    ``top_db`` (librosa's clip, Whisper's ``max(x, x.max() - 8)``) and
    ``normalize`` (NeMo's per-feature mean and deviation) look at a whole
    window; ``log_offset``/``log_scale`` come after the clip (Whisper's
    ``(x + 4) / 4``), so with ``top_db`` they are left out too.  A causal
    config is returned as it is.  :func:`window_step` applies the rest to the
    rows of one window.

    Examples
    --------
    >>> import fastfeat as ff
    >>> from fastfeat.stream import frame_local
    >>> cfg = frame_local(ff.Config.preset("whisper"))
    >>> (cfg.top_db, cfg.log_offset, cfg.log_scale)
    (None, 0.0, 1.0)
    """
    if config.causal:
        return config
    if config.top_db is None:  # normalize only
        return config.replace(normalize=None)
    return config.replace(top_db=None, log_offset=0.0, log_scale=1.0, normalize=None)


def window_step(rows: np.ndarray, config: Config) -> np.ndarray:
    """Apply the whole-window steps of ``config`` to the rows of one window.

    ``rows`` are what ``Stream(frame_local(config))`` emitted for one window
    (for Whisper: one 30 s chunk, the stream ``reset()`` between chunks); the
    result equals ``Extractor(config)`` on that window's samples, bit for bit:
    with ``top_db``, every spectral value is clipped to (window maximum -
    ``top_db`` in the units of ``config.log``) and then becomes
    ``(x + log_offset) * log_scale``, in float32 as the engine does it; then
    ``normalize`` is applied (the same code as batch).  An appended energy
    column is left as it is (as in batch).

    Parameters
    ----------
    rows : np.ndarray [shape=(n_frames, config.n_features)], float32
    config : Config
        The full config (with ``top_db`` and/or ``normalize``); ``kind`` must be ``"logmel"`` or
        ``"power"`` and ``deltas`` 0 (the DCT and deltas come after the clip:
        compute MFCCs or deltas from the result).

    Returns
    -------
    np.ndarray [shape=rows.shape], float32, a new array

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> from fastfeat.stream import frame_local, window_step
    >>> cfg = ff.Config.preset("whisper")
    >>> y = np.random.default_rng(0).standard_normal(48000).astype(np.float32)
    >>> s = ff.Stream(frame_local(cfg))
    >>> rows = np.concatenate([s.push(y[i:i + 1600]) for i in range(0, len(y), 1600)] + [s.flush()])
    >>> bool((window_step(rows, cfg) == ff.Extractor(cfg)(y)).all())
    True
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
    if config.kind == "mfcc" or config.deltas:
        raise ValueError(f"window_step needs kind='logmel' or 'power' and deltas=0 (got kind={config.kind!r}, "
                         f"deltas={config.deltas}): the DCT and the deltas come after the clip")
    if not isinstance(rows, np.ndarray) or rows.dtype != np.float32 or rows.ndim != 2:
        raise TypeError("rows must be a 2-D float32 numpy.ndarray (the rows of Stream(frame_local(config)))")
    if rows.shape[1] != config.n_features:
        raise ValueError(f"rows has {rows.shape[1]} columns; config gives {config.n_features}")
    out = rows.copy()
    spec = _window.spectral(out, config)
    if config.top_db is not None and spec.size:
        td = float(np.float32(config.top_db))  # in the log's units, as pipeline.c's top_db_units
        step = np.float32({"db": td, "log10": td / 10.0, "ln": td * math.log(10.0) / 10.0}[config.log])
        np.maximum(spec, spec.max() - step, out=spec)
        if config.log_offset != 0.0 or config.log_scale != 1.0:  # left out by frame_local
            spec += np.float32(config.log_offset)
            spec *= np.float32(config.log_scale)
    return _window.normalize(out, config)
