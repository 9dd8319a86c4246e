"""StreamPool: thousands of streams pushed in one C call."""

from __future__ import annotations

import threading
from typing import Any, Sequence, overload

import numpy as np

from . import _backend
from .config import Config
from .stream import Stream

__all__ = ["StreamPool"]

_HANDLE, _NONFINITE, _STATE, _BUFFER, _NOMEM = 9, 4, 7, 6, 1


class StreamPool:
    """Many streams of one Config, pushed together: one C call per tick.

    A voice service receives a chunk (say 10 ms) for each of hundreds or
    thousands of streams per tick.  ``push(handles, chunks)`` appends every
    chunk and computes the frames that became ready across *all* the streams
    together: frames of different streams fill the lanes of one block of the
    same pipeline ``Extractor`` runs, with the GIL released.  Each stream's
    rows are bit-identical to what its own :class:`Stream` returns for the same
    chunks (and so to batch extraction of its whole signal).

    Parameters
    ----------
    config : Config, optional
        Any causal Config (``Config()`` when omitted); ``top_db`` is refused as
        by :class:`Stream`.
    backend : {"c", "numba", "pyfftw"}, optional
        ``fastfeat.backend()`` when omitted.  ``"pyfftw"`` uses the C pool.
        Under ``"numba"`` the pool is a Python loop over one Numba stream per
        handle (same numbers, same errors, none of the speed).
    cmvn_window : int, optional
        Sliding-window CMVN of every output row, Kaldi's
        ``apply-cmvn-sliding`` with ``center=false`` and
        ``--cmn-window=cmvn_window``: row ``t`` is normalised with the float64
        statistics of rows ``[t - cmvn_window, t]``; the first
        ``cmvn_min_window`` rows with those of rows ``[0, cmvn_min_window)``,
        so they come out once that many rows exist (or at ``flush``).
        Applied to the whole row (with deltas: Kaldi's ``add-deltas |
        apply-cmvn-sliding``).  ``fastfeat.sklearn.CMVN(scope="sliding")`` is
        the batch equivalent.  Costs ``(cmvn_window + 2) * n_features``
        floats per stream.
    cmvn_min_window : int, default 100
        Kaldi's ``--min-cmn-window`` (1 <= cmvn_min_window <= cmvn_window).
    cmvn_norm_vars : bool, default False
        Also divide by the window's standard deviation (variance floored at
        1e-10; a window of one row gives 0).
    cmvn_stats : np.ndarray [shape=(2, n_features + 1)], float64, optional
        Online CMVN from global statistics instead (Kaldi online2
        ``OnlineCmvn`` without speaker statistics): every row is out at once,
        normalised with the statistics of its last ``cmvn_window`` rows
        (default 600) plus, while it has fewer, ``min(cmvn_window - n,
        cmvn_global_frames)`` rows' worth of these global statistics, in
        Kaldi's layout (``CMVN(scope="global").fit(train).stats_``); then
        Kaldi's ``ApplyCmvn`` (with ``cmvn_norm_vars``, variance floored at
        1e-20).  The batch equivalent is ``CMVN(scope="online")``.
    cmvn_global_frames : int, default 200
        Kaldi's ``--global-frames``.

    Notes
    -----
    Handles are small integers; a closed handle may be returned again by a
    later :meth:`open`.  Each pool holds a lock taken by every method, so one
    pool may be used from several threads (their calls run one at a time);
    the GIL is released while C computes, so pools used by different threads
    run in parallel on different cores.  One push is atomic: every chunk is
    checked (dtype, shape, NaN/Inf, handle) before any stream changes, and an
    error names the handle at fault.

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> cfg = ff.Config(deltas=2)
    >>> pool = ff.StreamPool(cfg)
    >>> handles = [pool.open() for _ in range(3)]
    >>> y = np.random.default_rng(0).standard_normal((3, 16000)).astype(np.float32)
    >>> rows = [[] for _ in handles]
    >>> for t in range(0, 16000, 160):          # one tick: 10 ms for every stream
    ...     for r, new in zip(rows, pool.push(handles, y[:, t:t + 160])):
    ...         r.append(new)
    >>> feats = [np.concatenate(r + [pool.flush(h)]) for r, h in zip(rows, handles)]
    >>> feats[1].shape
    (98, 39)
    >>> all(bool((f == ff.Extractor(cfg)(x)).all()) for f, x in zip(feats, y))
    True
    """

    def __init__(self, config: Config | None = None, *, backend: str | None = None,
                 cmvn_window: int | None = None, cmvn_min_window: int = 100,
                 cmvn_norm_vars: bool = False, cmvn_stats: np.ndarray | None = None,
                 cmvn_global_frames: int = 200) -> None:
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
        if config.normalize is not None:
            raise ValueError(f"normalize={config.normalize!r} uses the mean and deviation of the whole signal; "
                             "StreamPool needs normalize=None (see fastfeat.stream.frame_local / window_step)")
        if not config.causal:
            raise ValueError(
                f"top_db={config.top_db} clips every frame against the loudest frame of the whole "
                "signal, so no frame can be emitted before the stream ends; StreamPool needs "
                "top_db=None (the frame-local variant): config.replace(top_db=None)"
            )
        self._config = config
        self._backend = _backend.resolve(backend)
        engine = _backend.engine_for(config, "numba" if self._backend == "numba" else "c")
        self._n_features = engine.n_features
        if cmvn_stats is not None:
            cmvn_window = 600 if cmvn_window is None else cmvn_window
            cmvn_stats = check_cmvn_stats(cmvn_stats, self._n_features, "cmvn_stats")
            check_cmvn_window(cmvn_window, cmvn_global_frames, "cmvn_window", "cmvn_global_frames", False)
        elif cmvn_window is not None:
            check_cmvn_window(cmvn_window, cmvn_min_window, "cmvn_window", "cmvn_min_window")
        if not isinstance(cmvn_norm_vars, (bool, np.bool_)):
            raise TypeError(f"cmvn_norm_vars must be a bool, got {type(cmvn_norm_vars).__name__}")
        self._state: Any = _LoopPool(config) if self._backend == "numba" else engine.pool()
        if cmvn_stats is not None:
            status = self._state.set_online_cmvn(int(cmvn_window), int(cmvn_global_frames),
                                                 bool(cmvn_norm_vars), cmvn_stats)
            self._check(status, None)
        elif cmvn_window is not None:
            self._state.set_cmvn(int(cmvn_window), int(cmvn_min_window), bool(cmvn_norm_vars))
        self._lock = threading.Lock()

    @property
    def config(self) -> Config:
        """The Config every stream of the pool computes."""
        return self._config

    @property
    def n_features(self) -> int:
        """Columns of every row."""
        return self._n_features

    @property
    def nbytes(self) -> int:
        """Bytes the pool's streams and scratch hold (grows with the longest chunk pushed)."""
        return int(self._state.nbytes)

    def __len__(self) -> int:
        """Number of open streams."""
        return int(self._state.size)

    def open(self) -> int:
        """Open a new stream; return its handle.

        Examples
        --------
        >>> import fastfeat as ff
        >>> pool = ff.StreamPool()
        >>> a, b = pool.open(), pool.open()
        >>> a != b, len(pool)
        (True, 2)
        """
        with self._lock:
            status, h = self._state.open()
        if status == _NOMEM:
            raise MemoryError("fastfeat: out of memory")
        return int(h)

    def close(self, handle: int) -> None:
        """Close a stream and free its buffers (its rows still owed are dropped).

        Examples
        --------
        >>> import fastfeat as ff
        >>> pool = ff.StreamPool()
        >>> h = pool.open()
        >>> pool.close(h)
        >>> len(pool)
        0
        """
        with self._lock:
            self._check(self._state.close(_int(handle, "handle")), handle)

    def reset(self, handle: int) -> None:
        """Start a new utterance on a stream (also after :meth:`flush`).

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> pool = ff.StreamPool()
        >>> h = pool.open()
        >>> x = np.zeros(800, np.float32)
        >>> first = np.concatenate(pool.push([h], [x]) + [pool.flush(h)])
        >>> pool.reset(h)
        >>> again = np.concatenate(pool.push([h], [x]) + [pool.flush(h)])
        >>> bool((first == again).all())
        True
        """
        with self._lock:
            self._check(self._state.reset(_int(handle, "handle")), handle)

    def flush(self, handle: int) -> np.ndarray:
        """End one stream's utterance: return its rows still owed (as ``Stream.flush``).

        Call :meth:`reset` before pushing to that handle again.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> pool = ff.StreamPool(ff.Config(deltas=1))  # deltas look 2 frames ahead
        >>> h = pool.open()
        >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
        >>> head = pool.push([h], [y])[0]
        >>> tail = pool.flush(h)
        >>> head.shape[0], tail.shape[0]
        (96, 2)
        """
        h = _int(handle, "handle")
        with self._lock:
            status, rows = self._state.flush_rows(h)
            self._check(status, handle)
            buf = np.empty((rows, self._n_features), np.float32)
            status, _ = self._state.flush(h, buf)
        if status == _STATE:
            raise RuntimeError(f"handle {handle} was already flushed; call reset({handle}) first")
        self._check(status, handle)
        return buf

    def _check(self, status: int, handle: Any) -> None:
        if status == _HANDLE:
            raise ValueError(f"handle={handle!r} is not an open stream of this pool (open() returns handles)")
        if status == _NOMEM:
            raise MemoryError("fastfeat: out of memory")
        if status != 0:
            raise RuntimeError(f"fastfeat engine returned status {status} (a bug: please report it)")

    @overload
    def push(self, handles: Sequence[int] | np.ndarray, chunks: np.ndarray | Sequence[np.ndarray],
             out: None = None, offsets: None = None) -> list[np.ndarray]: ...

    @overload
    def push(self, handles: Sequence[int] | np.ndarray, chunks: np.ndarray | Sequence[np.ndarray],
             out: np.ndarray, offsets: np.ndarray) -> np.ndarray: ...

    def push(self, handles, chunks, out=None, offsets=None):
        """Append ``chunks[i]`` to stream ``handles[i]``; return the rows that became ready.

        Parameters
        ----------
        handles : sequence of int or np.ndarray [shape=(n,)], int64
            Open handles, each at most once.  An int64 array is used as is
            (the fastest form).
        chunks : np.ndarray [shape=(n, m)] or sequence of n 1-D np.ndarray
            float32 (float64 is rounded to float32): the common tick where
            every stream got ``m`` samples, or one array of any length
            (including 0) per handle.
        out : np.ndarray [shape=(>= k, n_features)], float32, optional
            With ``offsets``: write the rows of handle ``i`` to
            ``out[offsets[i]:offsets[i + 1]]`` and return ``out[:offsets[n]]``;
            no array memory is allocated.
        offsets : np.ndarray [shape=(>= n + 1,)], int64, optional
            Filled by the call (required with ``out``).

        Returns
        -------
        list of np.ndarray [shape=(k_i, n_features)], or np.ndarray with ``out``

        Raises
        ------
        TypeError, ValueError
            A bad chunk (dtype, shape, NaN/Inf), a handle not open or repeated,
            a too-small ``out``; the message names the handle.  Nothing changed.
        RuntimeError
            A stream was flushed and not reset.

        Examples
        --------
        >>> import numpy as np, fastfeat as ff
        >>> pool = ff.StreamPool()
        >>> a, b = pool.open(), pool.open()
        >>> x = np.zeros(400, np.float32)
        >>> [r.shape for r in pool.push([a, b], [x, x[:100]])]
        [(1, 13), (0, 13)]
        >>> out, offsets = np.empty((8, 13), np.float32), np.empty(3, np.int64)
        >>> pool.push(np.array([a, b]), np.zeros((2, 320), np.float32), out, offsets).shape
        (3, 13)
        >>> offsets.tolist()   # rows of a: out[0:2], rows of b: out[2:3]
        [0, 2, 3]
        """
        h = _handles(handles)
        n = h.shape[0]
        if (out is None) != (offsets is None):
            raise TypeError("out and offsets go together: pass both (or neither)")
        with self._lock:
            keep = self._set(h, chunks)  # the arrays the engine points into, alive until the push
            if out is None:
                status, total, bad = self._state.pending_rows(h)
                if status != 0:
                    self._raise(status, bad, -1, h)
                buf = np.empty((total, self._n_features), np.float32)
                offs = np.empty(n + 1, np.int64)
            else:
                buf, offs = self._check_out(out, offsets, n)
            status, bad, bad_index = self._state.push(h, buf, offs)
            if status != 0:
                self._raise(status, bad, bad_index, h, buf, offs)
        if out is not None:
            return buf[: offs[n]]
        o = offs.tolist()
        return [buf[o[i]:o[i + 1]] for i in range(n)]

    def rows_for(self, handles: Sequence[int] | np.ndarray, n_samples: int) -> int:
        """Rows ``push(handles, chunks)`` returns when every chunk has ``n_samples`` samples.

        For sizing ``out``; the exact count, as ``Stream.frames_for``.

        Examples
        --------
        >>> import fastfeat as ff
        >>> pool = ff.StreamPool()  # 400-sample frames every 160 samples
        >>> a, b = pool.open(), pool.open()
        >>> pool.rows_for([a, b], 400), pool.rows_for([a, b], 399)
        (2, 0)
        """
        h = _handles(handles)
        m = _int(n_samples, "n_samples")
        if m < 0:
            raise ValueError(f"n_samples={m} must be >= 0")
        with self._lock:
            status, total, bad = self._state.rows_for(h, m)
        if status != 0:
            self._raise(status, bad, -1, h)
        return int(total)

    def _set(self, h: np.ndarray, chunks: Any) -> Any:
        """Hand the chunks to the engine; return what must stay alive until the push."""
        n = h.shape[0]
        if isinstance(chunks, np.ndarray) and chunks.ndim == 2:
            if chunks.shape[0] != n:
                raise ValueError(
                    f"chunks has shape {chunks.shape} for {n} handles; chunks must have shape ({n}, n_samples)"
                )
            if chunks.dtype == np.float64:
                chunks = chunks.astype(np.float32)
            elif chunks.dtype != np.float32:
                _backend.check_signal(np.empty(0, chunks.dtype), self._config, None, "chunks", allow_empty=True)
            if chunks.shape[0] > 0 and chunks.shape[1] > 1 and chunks.strides[1] != chunks.itemsize:
                raise ValueError(f"the rows of chunks are not contiguous (strides {chunks.strides}); "
                                 "pass np.ascontiguousarray(chunks)")
            self._state.set_2d(chunks)
            return chunks
        if isinstance(chunks, np.ndarray):
            raise ValueError(f"chunks must be 2-D (n_streams, n_samples) or a sequence of 1-D arrays, got shape {chunks.shape}")
        if not isinstance(chunks, list):
            chunks = list(chunks)
        if len(chunks) != n:
            raise ValueError(f"chunks has {len(chunks)} arrays for {n} handles; pass one chunk per handle")
        try:
            self._state.set_list(chunks)
        except (TypeError, ValueError, BufferError):
            chunks = [
                _backend.check_signal(c, self._config, None, f"chunks[{i}] (handle {int(h[i])})", allow_empty=True)
                for i, c in enumerate(chunks)
            ]
            self._state.set_list(chunks)
        return chunks

    def _check_out(self, out: Any, offsets: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.ndim != 2:
            raise TypeError(f"out must be a 2-D float32 numpy.ndarray (rows, {self._n_features})")
        if out.shape[1] != self._n_features:
            raise ValueError(f"out has shape {out.shape}; out must have shape (rows, {self._n_features})")
        if not out.flags.c_contiguous or not out.flags.writeable:
            raise ValueError("out must be C-contiguous and writeable")
        if not isinstance(offsets, np.ndarray) or offsets.dtype != np.int64 or offsets.ndim != 1:
            raise TypeError(f"offsets must be a 1-D int64 numpy.ndarray of at least {n + 1} entries")
        if offsets.shape[0] < n + 1 or not offsets.flags.c_contiguous or not offsets.flags.writeable:
            raise ValueError(f"offsets has shape {offsets.shape}; offsets must be writeable with >= {n + 1} entries")
        return out, offsets

    def _raise(self, status: int, i: int, j: int, h: np.ndarray,
               out: np.ndarray | None = None, offs: np.ndarray | None = None) -> None:
        hi = int(h[i]) if i >= 0 else -1
        if status == _HANDLE:
            if hi in h[:i].tolist():
                raise ValueError(f"handles[{i}]={hi} appears twice in this push; push each stream once per call")
            raise ValueError(f"handles[{i}]={hi} is not an open stream of this pool (open() returns handles)")
        if status == _NONFINITE:
            raise ValueError(
                f"chunks[{i}] (handle {hi}) contains a non-finite value (NaN or Inf) at index {j}; "
                "no stream was changed: clean the chunk (e.g. np.nan_to_num) and push again"
            )
        if status == _STATE:
            raise RuntimeError(f"handle {hi} (handles[{i}]) was flushed; call reset({hi}) before pushing to it")
        if status == _BUFFER and out is not None and offs is not None:
            need = int(offs[h.shape[0]])
            raise ValueError(
                f"out has {out.shape[0]} rows; this push returns {need} rows, so out must have shape "
                f"(>= {need}, {self._n_features}) (see StreamPool.rows_for)"
            )
        self._check(status, hi)


def check_cmvn_window(window: Any, min_window: Any, wname: str, mname: str, nested: bool = True) -> None:
    """Refuse CMVN window sizes Kaldi would refuse (ValueError naming the parameter)."""
    for name, v in ((wname, window), (mname, min_window)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}={v!r} must be an int >= 1")
    if nested and min_window > window:
        raise ValueError(f"{mname}={min_window} must be <= {wname}={window}")


def check_cmvn_stats(stats: Any, dim: int, name: str) -> np.ndarray:
    """Kaldi CMVN statistics (2, dim + 1) as a C-contiguous float64 array, or raise."""
    a = np.ascontiguousarray(stats, dtype=np.float64)
    if a.shape != (2, dim + 1):
        raise ValueError(f"{name} has shape {a.shape}; {name} must be Kaldi CMVN statistics of shape "
                         f"(2, {dim + 1}) for {dim} features (e.g. CMVN(scope='global').fit(X).stats_)")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or Inf")
    if a[0, dim] < 1:
        raise ValueError(f"{name} counts {a[0, dim]} frames (stats[0, -1]); at least 1 is needed")
    return a


def _int(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(v).__name__}")
    return int(v)


def _handles(handles: Any) -> np.ndarray:
    if isinstance(handles, np.ndarray) and handles.dtype == np.int64 and handles.ndim == 1 \
            and handles.flags.c_contiguous:
        return handles
    try:
        h = np.asarray(handles)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"handles must be a sequence of int, got {type(handles).__name__}") from exc
    if h.ndim != 1 or (h.size > 0 and h.dtype.kind not in "iu"):
        raise TypeError(f"handles must be a 1-D sequence of int, got {type(handles).__name__} of {h.dtype} "
                        f"with shape {h.shape}")
    return np.ascontiguousarray(h, dtype=np.int64)


class _LoopPool:
    """The engine interface of PoolState over one Numba Stream per handle."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._streams: dict[int, Stream] = {}
        self._flushed: set[int] = set()
        self._free: list[int] = []
        self._next = 0
        self._chunks: list[np.ndarray] = []
        self._cmvn: tuple | None = None
        self._cm: dict[int, _SlidingCmvn] = {}

    def set_cmvn(self, window: int, min_window: int, norm_vars: bool) -> int:
        self._cmvn = (window, min_window, norm_vars)
        return 0

    def set_online_cmvn(self, window: int, global_frames: int, norm_vars: bool, stats: np.ndarray) -> int:
        self._cmvn = (window, 1, norm_vars, global_frames, stats.copy())
        return 0

    def _rows(self, h: int, raw: int, flush: bool) -> int:
        return self._cm[h].rows_for(raw, flush) if self._cmvn else raw

    def _out(self, h: int, rows: np.ndarray, flush: bool) -> np.ndarray:
        return self._cm[h].feed(rows, flush) if self._cmvn else rows

    @property
    def size(self) -> int:
        return len(self._streams)

    @property
    def nbytes(self) -> int:
        st = [s._state for s in self._streams.values()]
        return sum(x._samples.nbytes + x._stat.nbytes + x._dlt.nbytes for x in st)

    def open(self) -> tuple[int, int]:
        h = self._free.pop() if self._free else self._next
        self._next = max(self._next, h + 1)
        self._streams[h] = Stream(self._config, backend="numba")
        if self._cmvn:
            self._cm[h] = _SlidingCmvn(self._streams[h].n_features, *self._cmvn)
        return 0, h

    def close(self, h: int) -> int:
        if self._streams.pop(h, None) is None:
            return _HANDLE
        self._flushed.discard(h)
        self._free.append(h)
        return 0

    def reset(self, h: int) -> int:
        if h not in self._streams:
            return _HANDLE
        self._streams[h].reset()
        self._flushed.discard(h)
        if self._cmvn:
            self._cm[h] = _SlidingCmvn(self._streams[h].n_features, *self._cmvn)
        return 0

    def set_2d(self, chunks: np.ndarray) -> None:
        self._chunks = list(chunks)

    def set_list(self, chunks: list) -> None:
        self._chunks = [_backend.check_signal(c, self._config, None, "chunk", allow_empty=True) for c in chunks]

    def pending_rows(self, h: np.ndarray) -> tuple[int, int, int]:
        total = 0
        for i, hi in enumerate(h.tolist()):
            if hi not in self._streams:
                return _HANDLE, 0, i
            if hi not in self._flushed:
                total += self._rows(hi, self._streams[hi].frames_for(len(self._chunks[i])), False)
        return 0, total, -1

    def rows_for(self, h: np.ndarray, m: int) -> tuple[int, int, int]:
        self._chunks = [np.empty(m, np.float32)] * h.shape[0]
        return self.pending_rows(h)

    def flush_rows(self, h: int) -> tuple[int, int]:
        if h not in self._streams:
            return _HANDLE, 0
        return 0, 0 if h in self._flushed else self._rows(h, int(self._streams[h]._state.rows_for(-1)), True)

    def push(self, h: np.ndarray, out: np.ndarray, offs: np.ndarray) -> tuple[int, int, int]:
        hl = h.tolist()
        seen: set[int] = set()
        total = 0
        for i, hi in enumerate(hl):  # check everything before any stream changes
            if hi not in self._streams or hi in seen:
                return _HANDLE, i, -1
            seen.add(hi)
            if hi in self._flushed:
                return _STATE, i, -1
            bad = np.flatnonzero(~np.isfinite(self._chunks[i]))
            if bad.size:
                return _NONFINITE, i, int(bad[0])
            offs[i] = total
            total += self._rows(hi, self._streams[hi].frames_for(len(self._chunks[i])), False)
        offs[len(hl)] = total
        if total > out.shape[0]:
            return _BUFFER, -1, -1
        for i, hi in enumerate(hl):
            out[offs[i]:offs[i + 1]] = self._out(hi, self._streams[hi].push(self._chunks[i]), False)
        return 0, -1, -1

    def flush(self, h: int, out: np.ndarray) -> tuple[int, int]:
        if h in self._flushed:
            return _STATE, 0
        rows = self._out(h, self._streams[h].flush(), True)
        self._flushed.add(h)
        out[: rows.shape[0]] = rows
        return 0, rows.shape[0]


class _SlidingCmvn:
    """csrc/cmvn.c in Python, for the Numba pool: the same float64 steps."""

    def __init__(self, dim: int, window: int, min_window: int, norm_vars: bool, global_frames: int = 0,
                 stats: np.ndarray | None = None) -> None:
        self.dim, self.window, self.min_window, self.norm_vars = dim, window, min_window, norm_vars
        self.global_frames, self.stats = global_frames, stats
        self.ring: dict[int, np.ndarray] = {}
        self.sum = np.zeros(dim)
        self.sumsq = np.zeros(dim)
        self.ws = self.we = self.n_in = self.n_out = 0

    def _ready(self, n_in: int, flushed: bool) -> int:
        return n_in if flushed or self.global_frames or n_in >= self.min_window else 0

    def rows_for(self, more: int, flushed: bool) -> int:
        return self._ready(self.n_in + more, flushed) - self.n_out

    def _emit(self, upto: int, n_total: int, out: list) -> None:
        for t in range(self.n_out, upto):
            s, e = max(t - self.window, 0), max(t + 1, self.min_window)
            if self.global_frames:
                s, e = max(t - self.window + 1, 0), t + 1
            elif n_total >= 0 and e > n_total:
                s, e = max(s - (e - n_total), 0), n_total
            while self.we < e:
                self._add(self.we, 1.0)
                self.we += 1
            while self.ws < s:
                self._add(self.ws, -1.0)
                self.ring.pop(self.ws)
                self.ws += 1
            n = float(self.we - self.ws)
            if self.global_frames:
                out.append(self._online(t, n))
                continue
            v = self.ring[t] + (-1.0 / n) * self.sum
            if self.norm_vars:
                if n == 1:
                    v = np.zeros(self.dim)
                else:
                    var = self.sumsq * (1.0 / n) + (-1.0 / (n * n)) * (self.sum * self.sum)
                    v = v * np.maximum(var, 1.0e-10) ** -0.5
            out.append(v.astype(np.float32))
        self.n_out = max(self.n_out, upto)

    def _online(self, t: int, count: float) -> np.ndarray:
        g, d = self.stats, self.dim
        scale = 0.0
        if count < self.window:
            scale = min(self.window - count, self.global_frames) / g[0, d]
            count += scale * g[0, d]
        mean = (self.sum + scale * g[0, :d]) / count
        if not self.norm_vars:
            return (self.ring[t] - mean).astype(np.float32)
        var = np.maximum((self.sumsq + scale * g[1, :d]) / count - mean * mean, 1.0e-20)
        inv = 1.0 / np.sqrt(var)
        return (self.ring[t] * inv + -mean * inv).astype(np.float32)

    def _add(self, r: int, sign: float) -> None:
        v = self.ring[r]
        self.sum += sign * v
        if self.norm_vars:
            self.sumsq += sign * (v * v)

    def feed(self, rows: np.ndarray, flushed: bool) -> np.ndarray:
        out: list = []
        for r in rows:
            self.ring[self.n_in] = r.astype(np.float64)
            self.n_in += 1
            self._emit(self._ready(self.n_in, False), -1, out)
        if flushed:
            self._emit(self.n_in, self.n_in, out)
        return np.array(out, np.float32).reshape(-1, self.dim)
