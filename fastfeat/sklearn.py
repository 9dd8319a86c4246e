"""scikit-learn transformers: signals in, feature rows out.

Needs scikit-learn (``pip install "fastfeat[sklearn]"``); importing this
module imports scikit-learn, ``import fastfeat`` does not.

* :class:`FeatureExtractor` -- one vector per signal (pooled over frames), for
  utterance-level classifiers (spoken command, speaker).
* :class:`FrameFeatures` -- one row per frame, with +-``context`` frames spliced
  in, for frame-level classifiers (voice activity, phone class);
  :func:`frame_labels` gives the matching label per row.
* :class:`CMVN` -- cepstral mean (and variance) normalisation with Kaldi's
  ``apply-cmvn`` semantics, per utterance or with global statistics.
* :class:`Pooling` -- the pooling of :class:`FeatureExtractor` as its own step.

The input ``X`` of ``FeatureExtractor`` and ``FrameFeatures`` is a list of
signals: 1-D float arrays at ``config.sample_rate`` or paths of audio files
(read with :func:`fastfeat.load`, resampled to ``config.sample_rate``).  A 2-D
float array is taken as equal-length signals, one per row.  Signals are
processed in parallel threads (the C engine releases the GIL), and the result
does not depend on the number of threads.

>>> import numpy as np
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.svm import SVC
>>> import fastfeat as ff
>>> from fastfeat.sklearn import FeatureExtractor
>>> rng = np.random.default_rng(0)
>>> t = np.arange(8000) / 16000
>>> X = [np.sin(2 * np.pi * f * t).astype(np.float32) + 0.01 * rng.standard_normal(8000).astype(np.float32)
...      for f in (300, 320, 2000, 2100)]
>>> y = ["low", "low", "high", "high"]
>>> clf = make_pipeline(FeatureExtractor(ff.Config(deltas=2), pooling="meanstd"), SVC())
>>> clf.fit(X, y).predict([np.sin(2 * np.pi * 2050 * t).astype(np.float32)]).tolist()
['high']
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Sequence, Union

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .config import Config
from .features import Extractor
from .pool import check_cmvn_window as _check_cmvn_window

__all__ = [
    "FeatureExtractor", "FrameFeatures", "CMVN", "Pooling",
    "frame_labels", "frame_times", "read_segments", "POOLINGS",
]

ConfigLike = Union[Config, str, None]
POOLINGS = ("mean", "meanstd", "stats", "flatten")
_HTK_UNIT = 1e-7  # HTK label files count time in units of 100 ns


# --------------------------------------------------------------------- helpers

def _config(config: ConfigLike, name: str = "config") -> Config:
    """None -> Config(); a preset name -> Config.preset(name); a Config as is."""
    if config is None:
        return Config()
    if isinstance(config, str):
        return Config.preset(config)
    if isinstance(config, Config):
        return config
    raise TypeError(f"{name} must be a fastfeat.Config, a preset name or None, got {type(config).__name__}")


def _threads(n_jobs: int | None) -> int:
    """Threads for n_jobs: None or -1 -> all cores, -2 -> all but one, k > 0 -> k."""
    cpus = os.cpu_count() or 1
    if n_jobs is None:
        return cpus
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"n_jobs={n_jobs!r} is not valid; n_jobs must be a non-zero integer or None "
                         "(None or -1: all cores; -2: all but one)")
    return int(n_jobs) if n_jobs > 0 else max(1, cpus + 1 + int(n_jobs))


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def _as_items(X: Any, name: str = "X") -> list:
    """X as a list of items (signals or paths); a 2-D array gives its rows."""
    if isinstance(X, (str, os.PathLike)):
        raise TypeError(f"{name} must be a list of signals or paths, got a single path; use [{name}]")
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{name} is a sparse matrix; sparse input is not supported: signals are dense "
                        "arrays of samples (use X.toarray() if the rows really are signals)")
    if not isinstance(X, (list, tuple, np.ndarray)) and hasattr(X, "__array__"):
        X = np.asarray(X)  # pandas DataFrame and other array-likes
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.dtype != object:
            if X.shape[0] == 0:
                raise ValueError(f"{name} is empty (shape={X.shape}); it must hold at least one signal")
            if X.shape[1] == 0:
                raise ValueError(f"{name} has 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                                 "required: each row is one signal of samples")
            return list(np.ascontiguousarray(X))
        if X.ndim == 1 and X.dtype == object:
            items = list(X)
        else:
            raise ValueError(f"{name} must be a list of 1-D signals or a 2-D array (n_signals, n_samples); "
                             f"got an array of shape {X.shape} and dtype {X.dtype}"
                             + ("; Reshape your data: for one signal use [y]" if X.ndim == 1 else ""))
    elif isinstance(X, Iterable):
        items = list(X)
    else:
        raise TypeError(f"{name} must be a list of signals or paths, got {type(X).__name__}")
    if not items:
        raise ValueError(f"{name} is empty; it must hold at least one signal")
    # a signal given as a list of numbers becomes an array (its dtype is then checked, not cast)
    return [np.asarray(x) if isinstance(x, (list, tuple)) else x for x in items]


def _check_inputs(X: Any, config: Config, name: str = "X") -> int:
    """Validate X without extracting (what ``fit`` does): every array signal is
    checked as the engine would (dtype, 1-D, finite, long enough for a frame),
    every path must exist.  Returns the number of signals."""
    from . import _backend

    items = _as_items(X, name)
    ext = Extractor(config)
    for i, x in enumerate(items):
        where = f"{name}[{i}]"
        if _is_path(x):
            if not os.path.exists(x):
                raise FileNotFoundError(f"{where}: no such audio file: {os.fspath(x)}")
            continue
        y = _backend.check_signal(x, config, None, where)
        if not np.isfinite(y).all():
            raise ValueError(f"{where} contains NaN or Inf; every sample must be finite")
        if ext.n_frames(y.shape[0]) <= 0:
            raise ValueError(f"{where} has {y.shape[0]} samples, too short for one frame of the config "
                             f"(frame_length={config.frame_length}, center={config.center}); pad it or "
                             "drop it")
    return len(items)


def _load_signals(X: Any, config: Config, threads: int, name: str = "X") -> list[np.ndarray]:
    """Signals of X; paths are loaded (in parallel) at config.sample_rate."""
    from .io import load

    items = _as_items(X, name)
    if len(items) == 0:
        raise ValueError(f"{name} is empty; it must hold at least one signal")
    paths = [i for i, x in enumerate(items) if _is_path(x)]
    if paths:
        def one(i: int) -> np.ndarray:
            return load(items[i], sr=config.sample_rate)[0]

        if threads > 1 and len(paths) > 1:
            with ThreadPoolExecutor(max_workers=min(threads, len(paths))) as pool:
                loaded = list(pool.map(one, paths))
        else:
            loaded = [one(i) for i in paths]
        for i, y in zip(paths, loaded):
            items[i] = y
    return items


def _extract(X: Any, config: Config, threads: int, name: str = "X") -> list[np.ndarray]:
    """Feature matrices (n_frames, n_features) of every signal in X."""
    signals = _load_signals(X, config, threads, name)
    try:
        return Extractor(config).map(signals, threads=threads)
    except (ValueError, TypeError) as exc:  # name the parameter the user passed
        raise type(exc)(str(exc).replace("signals[", f"{name}[")) from None


def _check_choice(name: str, value: Any, choices: Sequence) -> None:
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        raise ValueError(f"{name}={value!r} is not valid; {name} must be one of {', '.join(map(repr, choices))}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")


def _as_matrices(X: Any, name: str = "X") -> tuple[list[np.ndarray], bool]:
    """Feature matrices, checked as scikit-learn checks a numeric X.

    A list of 2-D arrays (or a 3-D array) is a batch; one 2-D array, or a list
    of rows (numbers), is a single matrix (``single=True``).
    """
    from sklearn.utils import check_array

    if isinstance(X, (list, tuple)):
        if not X:
            raise ValueError(f"{name} is empty; it must hold at least one feature matrix")
        single = np.ndim(X[0]) == 1
        mats = [X] if single else list(X)
    else:
        if not hasattr(X, "toarray"):
            X = np.asarray(X) if not isinstance(X, np.ndarray) else X
            if X.ndim == 3:
                X = list(X)
        single = not isinstance(X, list)
        mats = [X] if single else X
    out = []
    for i, m in enumerate(mats):
        where = name if single else f"{name}[{i}]"
        m = check_array(m, dtype=[np.float32, np.float64], input_name=where)
        if out and m.shape[1] != out[0].shape[1]:
            raise ValueError(f"{where} has {m.shape[1]} features but {name}[0] has {out[0].shape[1]}; "
                             "all matrices must have the same width")
        out.append(m)
    return out, single


# ------------------------------------------------------------------------ CMVN

def _cmvn_stats(mats: Sequence[np.ndarray]) -> np.ndarray:
    """Kaldi's CMVN statistics: a (2, d + 1) float64 matrix.

    Row 0 holds the sum of every feature then the frame count; row 1 the sum
    of squares then 0 (the layout of ``compute-cmvn-stats``).
    """
    d = mats[0].shape[1]
    stats = np.zeros((2, d + 1), np.float64)
    for m in mats:
        x = np.asarray(m, dtype=np.float64)
        stats[0, :d] += x.sum(axis=0)
        stats[1, :d] += np.einsum("ij,ij->j", x, x)
        stats[0, d] += x.shape[0]
    return stats


def _cmvn_apply(m: np.ndarray, stats: np.ndarray, norm_means: bool, norm_vars: bool) -> np.ndarray:
    """Kaldi ``ApplyCmvn``: subtract the mean, with norm_vars divide by the std (variance floored at 1e-20)."""
    d = stats.shape[1] - 1
    count = stats[0, d]
    if count < 1.0:
        raise ValueError(f"CMVN statistics cover {count} frames; at least 1 is needed")
    mean = stats[0, :d] / count
    x = np.asarray(m, dtype=np.float64)
    if not norm_vars:
        return (x - mean if norm_means else x).astype(np.float32)
    var = np.maximum(stats[1, :d] / count - mean * mean, 1e-20)
    scale = 1.0 / np.sqrt(var)
    offset = -mean * scale if norm_means else 0.0
    return (x * scale + offset).astype(np.float32)


def _cmvn_sliding(m: np.ndarray, window: int, min_window: int, norm_vars: bool) -> np.ndarray:
    """Kaldi's apply-cmvn-sliding (center=false) of one matrix, from cumulative sums."""
    x = m.astype(np.float64)
    n = x.shape[0]
    t = np.arange(n)
    s = np.maximum(t - window, 0)
    e = np.maximum(t + 1, min_window)  # center=false: the window ends at t, or at min_window
    over = e > n
    s = np.where(over, np.maximum(s - (e - n), 0), s)
    e = np.minimum(e, n)
    cnt = (e - s)[:, None].astype(np.float64)
    c1 = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    mean = (c1[e] - c1[s]) / cnt
    out = x - mean
    if norm_vars:
        c2 = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x * x, axis=0)])
        var = np.maximum((c2[e] - c2[s]) / cnt - mean * mean, 1e-10)
        out = np.where(cnt == 1, 0.0, out / np.sqrt(var))
    return out.astype(np.float32)


def _cmvn_online(m: np.ndarray, stats: np.ndarray, window: int, global_frames: int,
                 norm_vars: bool) -> np.ndarray:
    """Kaldi online2 OnlineCmvn (global stats, no speaker stats) of one matrix, from cumulative sums."""
    x = m.astype(np.float64)
    n, d = x.shape
    t = np.arange(n)
    s, e = np.maximum(t - window + 1, 0), t + 1
    count = (e - s).astype(np.float64)[:, None]
    # SmoothOnlineCmvnStats: top the window up with global stats to `window` rows
    scale = np.where(count < window, np.minimum(window - count, global_frames) / stats[0, d], 0.0)
    total = count + scale * stats[0, d]
    c1 = np.concatenate([np.zeros((1, d)), np.cumsum(x, axis=0)])
    mean = (c1[e] - c1[s] + scale * stats[0, :d]) / total
    if not norm_vars:
        return (x - mean).astype(np.float32)
    c2 = np.concatenate([np.zeros((1, d)), np.cumsum(x * x, axis=0)])
    var = np.maximum((c2[e] - c2[s] + scale * stats[1, :d]) / total - mean * mean, 1e-20)
    inv = 1.0 / np.sqrt(var)
    return (x * inv + -mean * inv).astype(np.float32)


class CMVN(TransformerMixin, BaseEstimator):
    """Cepstral mean and variance normalisation, as Kaldi's ``apply-cmvn``.

    ``x' = x - mean`` (``norm_means``), and with ``norm_vars`` divided by the
    standard deviation, per feature dimension.  Statistics are accumulated in
    float64 as Kaldi does (sums, sums of squares, frame count; the variance is
    floored at 1e-20).

    Parameters
    ----------
    scope : {"utterance", "global", "sliding", "online"}, default "utterance"
        ``"utterance"``: each matrix is normalised with its own statistics
        (``fit`` learns nothing).  ``"global"``: ``fit`` accumulates the
        statistics of every frame of every training matrix and ``transform``
        applies them (Kaldi's ``compute-cmvn-stats`` over a set, then
        ``apply-cmvn``); on a single 2-D matrix this is
        ``StandardScaler(with_std=norm_vars)``.  ``"sliding"``: Kaldi's
        ``apply-cmvn-sliding`` with ``center=false`` (``fit`` learns
        nothing): row ``t`` is normalised with the statistics of rows
        ``[t - window, t]`` (clipped at 0), the first ``min_window`` rows with
        those of rows ``[0, min_window)`` (all rows if fewer); with
        ``norm_vars`` a window of one row gives 0.  This is the batch
        equivalent of ``StreamPool(cmvn_window=...)``.  ``"online"``: Kaldi
        online2 ``OnlineCmvn`` from global statistics: ``fit`` accumulates
        them as ``"global"`` does; row ``t`` is normalised with the
        statistics of rows ``[t - window + 1, t]`` topped up, while they are
        fewer than ``window``, with ``min(window - n, global_frames)`` rows'
        worth of the global ones (Kaldi's ``SmoothOnlineCmvnStats``), then
        ``ApplyCmvn``; the batch equivalent of ``StreamPool(cmvn_stats=...)``.
    norm_means : bool, default True
    norm_vars : bool, default False
        Kaldi's defaults (``"sliding"`` always normalises means, as Kaldi).
    window, min_window : int, default 600, 100
        ``scope="sliding"``: Kaldi's ``--cmn-window`` and ``--min-cmn-window``
        (1 <= min_window <= window); ``scope="online"``: ``window`` is
        ``--cmn-window``.
    global_frames : int, default 200
        ``scope="online"`` only: Kaldi's ``--global-frames``.

    Attributes
    ----------
    stats_ : np.ndarray [shape=(2, n_features + 1)], float64
        (``scope="global"``) Kaldi's stats layout: sums and frame count, then
        sums of squares and 0.
    n_features_in_ : int

    Notes
    -----
    ``X`` is feature matrices: a list of 2-D arrays ``(n_frames, n_features)``
    (e.g. ``Extractor.map`` output or ``FeatureExtractor(pooling=None)``), a
    3-D array, or one 2-D array, which is a single utterance (rows are
    frames).  The output has the same form, float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.sklearn import CMVN
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]], np.float32)
    >>> CMVN().fit_transform(x).tolist()
    [[-1.0, -10.0], [1.0, 10.0]]
    >>> CMVN(norm_vars=True).fit_transform(x).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> g = CMVN(scope="global").fit([x, x + 1])
    >>> g.transform([x])[0][:, 0].tolist()
    [-1.5, 0.5]
    >>> s = np.arange(4, dtype=np.float32)[:, None]   # rows 0, 1, 2, 3
    >>> CMVN(scope="sliding", window=1, min_window=1).fit_transform(s)[:, 0].tolist()
    [0.0, 0.5, 0.5, 0.5]
    """

    def __init__(self, scope: str = "utterance", *, norm_means: bool = True, norm_vars: bool = False,
                 window: int = 600, min_window: int = 100, global_frames: int = 200) -> None:
        self.scope = scope
        self.norm_means = norm_means
        self.norm_vars = norm_vars
        self.window = window
        self.min_window = min_window
        self.global_frames = global_frames

    def _check_params(self) -> None:
        _check_choice("scope", self.scope, ("utterance", "global", "sliding", "online"))
        _check_bool("norm_means", self.norm_means)
        _check_bool("norm_vars", self.norm_vars)
        if self.scope == "sliding":
            _check_cmvn_window(self.window, self.min_window, "window", "min_window")
        if self.scope == "online":
            _check_cmvn_window(self.window, self.global_frames, "window", "global_frames", False)

    def fit(self, X: Any, y: Any = None) -> "CMVN":
        """Check X; with ``scope="global"`` accumulate its statistics.

        Parameters
        ----------
        X : list of np.ndarray [shape=(n_frames, n_features)], or one 2-D array
        y : ignored

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import CMVN
        >>> mats = [np.random.default_rng(i).standard_normal((50, 13)).astype(np.float32) for i in range(3)]
        >>> CMVN("global").fit(mats).n_features_in_
        13
        """
        self._check_params()
        mats, _ = _as_matrices(X)
        self.n_features_in_ = mats[0].shape[1]
        if self.scope in ("global", "online"):
            self.stats_ = _cmvn_stats(mats)
        return self

    def transform(self, X: Any) -> Any:
        """Normalise every matrix of X (same form as X, float32).

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import CMVN
        >>> mats = [np.random.default_rng(i).standard_normal((50, 13)).astype(np.float32) for i in range(3)]
        >>> out = CMVN(norm_vars=True).fit(mats).transform(mats)
        >>> bool(np.allclose(out[0].mean(axis=0), 0, atol=1e-5)), bool(np.allclose(out[0].std(axis=0), 1, atol=1e-4))
        (True, True)
        """
        check_is_fitted(self, "n_features_in_")
        self._check_params()
        mats, single = _as_matrices(X)
        if mats[0].shape[1] != self.n_features_in_:
            raise ValueError(f"X has {mats[0].shape[1]} features, but CMVN is expecting "
                             f"{self.n_features_in_} features as input")
        if self.scope == "global":
            out = [_cmvn_apply(m, self.stats_, self.norm_means, self.norm_vars) for m in mats]
        elif self.scope == "sliding":
            out = [_cmvn_sliding(m, self.window, self.min_window, self.norm_vars) for m in mats]
        elif self.scope == "online":
            out = [_cmvn_online(m, self.stats_, self.window, self.global_frames, self.norm_vars) for m in mats]
        else:
            out = [_cmvn_apply(m, _cmvn_stats([m]), self.norm_means, self.norm_vars) for m in mats]
        return out[0] if single else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = True
        return tags


# --------------------------------------------------------------------- pooling

def _pool(mats: Sequence[np.ndarray], pooling: str, n_frames: int | None,
          percentiles: Sequence[float]) -> np.ndarray:
    """(n_matrices, pooled dims) float32; vectorised when all lengths are equal."""
    from .augment import pad_or_crop

    if pooling == "flatten":
        return np.stack([pad_or_crop(np.asarray(m, np.float32), n_frames, mode="edge").ravel()
                         for m in mats])
    lengths = {m.shape[0] for m in mats}
    if len(lengths) == 1:
        groups = [np.stack([np.asarray(m, np.float64) for m in mats])]  # (n, T, d)
    else:
        groups = [np.asarray(m, np.float64)[None] for m in mats]
    rows = []
    for g in groups:
        parts = [g.mean(axis=1)]
        if pooling in ("meanstd", "stats"):
            parts.append(g.std(axis=1))
        if pooling == "stats":
            parts += [g.min(axis=1), g.max(axis=1)]
            if len(percentiles):
                p = np.percentile(g, list(percentiles), axis=1)  # (n_p, n, d)
                parts += list(p)
        rows.append(np.concatenate(parts, axis=1))
    return np.ascontiguousarray(np.concatenate(rows, axis=0), dtype=np.float32)


def _check_pooling(pooling: Any, n_frames: Any, percentiles: Any, allow_none: bool) -> None:
    choices = POOLINGS + ((None,) if allow_none else ())
    _check_choice("pooling", pooling, choices)
    if pooling == "flatten":
        if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
            raise ValueError(f"n_frames={n_frames!r} is not valid; pooling='flatten' needs n_frames, "
                             "an integer >= 1 (frames kept per signal, padded or cropped)")
    if pooling == "stats":
        try:
            p = np.asarray(percentiles, dtype=np.float64)
        except (TypeError, ValueError):
            p = np.array([np.nan])
        if p.ndim != 1 or not np.all((p >= 0) & (p <= 100)):
            raise ValueError(f"percentiles={percentiles!r} is not valid; percentiles must be a sequence "
                             "of numbers in [0, 100]")


def _pooled_dims(pooling: str, d: int, n_frames: int | None, percentiles: Sequence[float]) -> int:
    if pooling == "flatten":
        return d * int(n_frames)
    return d * {"mean": 1, "meanstd": 2, "stats": 4 + len(percentiles)}[pooling]


class Pooling(TransformerMixin, BaseEstimator):
    """Feature matrices -> one fixed-length vector each.

    Parameters
    ----------
    pooling : {"mean", "meanstd", "stats", "flatten"}, default "meanstd"
        ``"mean"``: the mean of every feature over frames; ``"meanstd"``: mean
        then standard deviation; ``"stats"``: mean, std, min, max, then the
        ``percentiles``; ``"flatten"``: the first ``n_frames`` frames
        (frame-major, padded by repeating the last frame), for fixed-length
        inputs such as 1 s commands.
    n_frames : int, optional
        Frames kept with ``pooling="flatten"``.
    percentiles : sequence of float in [0, 100], default (10, 50, 90)
        With ``pooling="stats"``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.sklearn import Pooling
    >>> m = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)
    >>> Pooling("meanstd").fit_transform([m]).tolist()
    [[1.0, 2.0, 1.0, 1.0]]
    >>> Pooling("flatten", n_frames=3).fit_transform([m]).tolist()
    [[0.0, 1.0, 2.0, 3.0, 2.0, 3.0]]
    """

    def __init__(self, pooling: str = "meanstd", *, n_frames: int | None = None,
                 percentiles: Sequence[float] = (10, 50, 90)) -> None:
        self.pooling = pooling
        self.n_frames = n_frames
        self.percentiles = percentiles

    def fit(self, X: Any, y: Any = None) -> "Pooling":
        """Check the parameters and X; nothing is learnt.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import Pooling
        >>> mats = [np.random.default_rng(i).standard_normal((50, 13)).astype(np.float32) for i in range(3)]
        >>> Pooling("mean").fit(mats).n_features_in_
        13
        """
        _check_pooling(self.pooling, self.n_frames, self.percentiles, allow_none=False)
        mats, _ = _as_matrices(X)
        self.n_features_in_ = mats[0].shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Pooled vectors, shape (n_matrices, pooled dims), float32.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import Pooling
        >>> mats = [np.random.default_rng(i).standard_normal((50, 13)).astype(np.float32) for i in range(3)]
        >>> Pooling("meanstd").fit(mats).transform(mats).shape
        (3, 26)
        """
        check_is_fitted(self, "n_features_in_")
        _check_pooling(self.pooling, self.n_frames, self.percentiles, allow_none=False)
        mats, _ = _as_matrices(X)
        return _pool(mats, self.pooling, self.n_frames, tuple(self.percentiles))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


# ---------------------------------------------------------- FeatureExtractor

def _normalised_features(est: Any, X: Any, fit: bool) -> list:
    """Features of X under est's config and threads, with est's CMVN applied.

    With ``cmvn="global"`` the statistics are learned when ``fit`` (stored as
    ``est.cmvn_``) and reused otherwise.
    """
    mats = _extract(X, est._validate(), _threads(est.n_jobs))
    if est.cmvn == "utterance":
        return CMVN("utterance", norm_vars=est.norm_vars).fit_transform(mats)
    if est.cmvn == "global":
        if fit:
            est.cmvn_ = CMVN("global", norm_vars=est.norm_vars).fit(mats)
        else:
            check_is_fitted(est, "cmvn_")
        return est.cmvn_.transform(mats)
    return mats


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """Signals -> one feature vector per signal (features pooled over frames).

    Parameters
    ----------
    config : Config, preset name or None, default None
        The features (``Config()``: 13 MFCC, 16 kHz; ``Config(deltas=2)``
        adds Δ and ΔΔ).  Array signals must be at ``config.sample_rate``; paths
        are resampled to it.
    pooling : {"mean", "meanstd", "stats", "flatten"} or None, default "meanstd"
        How the frames of a signal become one vector (see :class:`Pooling`).
        ``None`` returns the list of feature matrices instead (to put
        :class:`CMVN` and :class:`Pooling` in a Pipeline yourself).
    n_frames : int, optional
        Frames kept with ``pooling="flatten"`` (e.g. 98 for 1 s at 10 ms).
    percentiles : sequence of float in [0, 100], default (10, 50, 90)
        With ``pooling="stats"``.
    cmvn : {None, "utterance", "global"}, default None
        CMVN before pooling (:class:`CMVN`): per signal, or with statistics
        learnt by ``fit`` over every frame of the training signals.
    norm_vars : bool, default False
        CMVN also scales to unit variance.
    n_jobs : int or None, default None
        Threads over signals: None or -1 use every core (threads are cheap: the
        C engine releases the GIL), k > 0 uses k, -2 all but one.  Results do
        not depend on it.

    Attributes
    ----------
    cmvn_ : CMVN
        (``cmvn="global"``) the fitted normalisation.

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> from fastfeat.sklearn import FeatureExtractor
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.standard_normal(n).astype(np.float32) for n in (16000, 8000)]
    >>> FeatureExtractor(ff.Config(deltas=2)).fit_transform(X).shape
    (2, 78)
    >>> FeatureExtractor(pooling="flatten", n_frames=98).fit_transform(X).shape
    (2, 1274)
    >>> FeatureExtractor(pooling="stats").fit_transform(X).shape
    (2, 91)
    """

    def __init__(self, config: ConfigLike = None, *, pooling: str | None = "meanstd",
                 n_frames: int | None = None, percentiles: Sequence[float] = (10, 50, 90),
                 cmvn: str | None = None, norm_vars: bool = False, n_jobs: int | None = None) -> None:
        self.config = config
        self.pooling = pooling
        self.n_frames = n_frames
        self.percentiles = percentiles
        self.cmvn = cmvn
        self.norm_vars = norm_vars
        self.n_jobs = n_jobs

    def _validate(self) -> Config:
        cfg = _config(self.config)
        _check_pooling(self.pooling, self.n_frames, self.percentiles, allow_none=True)
        _check_choice("cmvn", self.cmvn, (None, "utterance", "global"))
        _check_bool("norm_vars", self.norm_vars)
        _threads(self.n_jobs)
        return cfg

    def _features(self, X: Any, fit: bool) -> Any:
        mats = _normalised_features(self, X, fit)
        if self.pooling is None:
            return mats
        return _pool(mats, self.pooling, self.n_frames, tuple(self.percentiles))

    def fit(self, X: Any, y: Any = None) -> "FeatureExtractor":
        """Check the parameters; with ``cmvn="global"`` learn the statistics of X.

        Parameters
        ----------
        X : list of np.ndarray [shape=(n_samples,)] or paths, or a 2-D array
        y : ignored

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FeatureExtractor
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FeatureExtractor(cmvn="global").fit(X).n_features_out_
        26
        """
        cfg = self._validate()
        if self.cmvn == "global":
            self._features(X, fit=True)
        else:
            _check_inputs(X, cfg)
        self.n_features_out_ = (cfg.n_features if self.pooling is None else
                                _pooled_dims(self.pooling, cfg.n_features, self.n_frames, self.percentiles))
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """``fit(X).transform(X)``, extracting the features once.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FeatureExtractor
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FeatureExtractor(pooling="mean").fit_transform(X).shape
        (3, 13)
        """
        cfg = self._validate()
        out = self._features(X, fit=True)
        self.n_features_out_ = (cfg.n_features if self.pooling is None else
                                _pooled_dims(self.pooling, cfg.n_features, self.n_frames, self.percentiles))
        return out

    def transform(self, X: Any) -> Any:
        """Pooled features: ``(n_signals, n_features_out_)`` float32 (a list of matrices with pooling=None).

        Without ``cmvn="global"`` nothing is learnt, so ``fit`` is optional.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FeatureExtractor
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FeatureExtractor().transform(X).shape  # mean and std of 13 MFCC
        (3, 26)
        """
        return self._features(X, fit=False)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names such as ``mean_f0`` ... ``std_f38`` (``t3_f5`` for flatten).

        Examples
        --------
        >>> from fastfeat.sklearn import FeatureExtractor
        >>> names = FeatureExtractor().get_feature_names_out()
        >>> list(names[:2]), list(names[-1:])
        (['mean_f0', 'mean_f1'], ['std_f12'])
        """
        self._validate()
        cfg = _config(self.config)
        base = [f"f{i}" for i in range(cfg.n_features)]
        if self.pooling is None:
            return np.asarray(base, dtype=object)
        if self.pooling == "flatten":
            names = [f"t{t}_{b}" for t in range(int(self.n_frames)) for b in base]
        else:
            stats = {"mean": ["mean"], "meanstd": ["mean", "std"],
                     "stats": ["mean", "std", "min", "max"] + [f"p{p:g}" for p in self.percentiles]}[self.pooling]
            names = [f"{s}_{b}" for s in stats for b in base]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.cmvn == "global"
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.string = True  # paths
        return tags


# --------------------------------------------------------------- FrameFeatures

def _splice(m: np.ndarray, context: int) -> np.ndarray:
    """Kaldi splice-feats: row t is [x[t-k], ..., x[t], ..., x[t+k]], edges replicated."""
    if context == 0:
        return m
    n = m.shape[0]
    idx = np.clip(np.arange(n)[:, None] + np.arange(-context, context + 1)[None, :], 0, n - 1)
    return m[idx].reshape(n, -1)


class FrameFeatures(TransformerMixin, BaseEstimator):
    """Signals -> one row per frame, with ±``context`` frames spliced in.

    The rows of all signals are concatenated in order; :func:`frame_labels`
    gives the matching labels.

    Parameters
    ----------
    config : Config, preset name or None, default None
    context : int >= 0, default 0
        Frames on each side stacked with each frame (Kaldi ``splice-feats``
        with ``--left-context=--right-context=context``; edge frames
        repeated): a row has ``n_features * (2 context + 1)`` columns, the
        frame at ``t - context`` first.
    cmvn : {None, "utterance", "global"}, default None
        CMVN (:class:`CMVN`) of each signal's frames before splicing.
    norm_vars : bool, default False
    n_jobs : int or None, default None
        Threads over signals (see :class:`FeatureExtractor`).

    Examples
    --------
    >>> import numpy as np, fastfeat as ff
    >>> from fastfeat.sklearn import FrameFeatures, frame_labels
    >>> X = [np.random.default_rng(0).standard_normal(n).astype(np.float32) for n in (16000, 8000)]
    >>> F = FrameFeatures(ff.Config(deltas=2), context=2).fit_transform(X)
    >>> F.shape
    (146, 195)
    >>> frame_labels(["a", "b"], X).shape
    (146,)
    """

    def __init__(self, config: ConfigLike = None, *, context: int = 0, cmvn: str | None = None,
                 norm_vars: bool = False, n_jobs: int | None = None) -> None:
        self.config = config
        self.context = context
        self.cmvn = cmvn
        self.norm_vars = norm_vars
        self.n_jobs = n_jobs

    def _validate(self) -> Config:
        cfg = _config(self.config)
        if isinstance(self.context, bool) or not isinstance(self.context, (int, np.integer)) or self.context < 0:
            raise ValueError(f"context={self.context!r} is not valid; context must be an integer >= 0 (frames each side)")
        _check_choice("cmvn", self.cmvn, (None, "utterance", "global"))
        _check_bool("norm_vars", self.norm_vars)
        _threads(self.n_jobs)
        return cfg

    def _rows(self, X: Any, fit: bool) -> np.ndarray:
        mats = _normalised_features(self, X, fit)
        return np.ascontiguousarray(np.concatenate([_splice(m, int(self.context)) for m in mats]),
                                    dtype=np.float32)

    def fit(self, X: Any, y: Any = None) -> "FrameFeatures":
        """Check the parameters; with ``cmvn="global"`` learn the statistics of X.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FrameFeatures
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FrameFeatures(context=2).fit(X).n_features_out_
        65
        """
        cfg = self._validate()
        if self.cmvn == "global":
            self._rows(X, fit=True)
        else:
            _check_inputs(X, cfg)
        self.n_features_out_ = cfg.n_features * (2 * int(self.context) + 1)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X).transform(X)``, extracting the features once.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FrameFeatures
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FrameFeatures(cmvn="global").fit_transform(X).shape  # 48 frames per signal
        (144, 13)
        """
        cfg = self._validate()
        out = self._rows(X, fit=True)
        self.n_features_out_ = cfg.n_features * (2 * int(self.context) + 1)
        return out

    def transform(self, X: Any) -> np.ndarray:
        """Frame rows of every signal, concatenated: ``(total frames, n_features_out_)`` float32.

        Without ``cmvn="global"`` nothing is learnt, so ``fit`` is optional.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.sklearn import FrameFeatures
        >>> X = [np.random.default_rng(i).standard_normal(8000).astype(np.float32) for i in range(3)]
        >>> FrameFeatures(context=1).transform(X).shape
        (144, 39)
        """
        return self._rows(X, fit=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.cmvn == "global"
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.string = True
        return tags


# ---------------------------------------------------------------- frame labels

def _frame_start(config: Config, f: np.ndarray) -> np.ndarray:
    """First sample of frame f (csrc/frame.c ff_frame_start)."""
    hop, length, nfft = config.hop_length, config.frame_length, config.n_fft
    if config.center:
        return f * hop - (nfft // 2 - (nfft - length) // 2)
    if not config.snip_edges:
        return f * hop + hop // 2 - length // 2
    return f * hop


def frame_times(n_frames: int, config: ConfigLike = None) -> np.ndarray:
    """Centre time in seconds of each frame: (first sample + frame_length / 2) / sample_rate.

    Follows the config's framing rule (``center``, ``snip_edges``): with
    librosa's ``center=True`` frame t is centred on ``t * hop_length``; with
    Kaldi's default ``snip_edges=True`` it starts there.

    Examples
    --------
    >>> import fastfeat as ff
    >>> from fastfeat.sklearn import frame_times
    >>> frame_times(3).tolist()  # 25 ms frames every 10 ms
    [0.0125, 0.0225, 0.0325]
    >>> frame_times(2, ff.Config(center=True, frame_length=400, n_fft=400)).tolist()
    [0.0, 0.01]
    """
    cfg = _config(config)
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 0:
        raise ValueError(f"n_frames={n_frames!r} is not valid; n_frames must be an integer >= 0")
    f = np.arange(int(n_frames), dtype=np.int64)
    return (_frame_start(cfg, f) + cfg.frame_length / 2.0) / cfg.sample_rate


def _n_frames_of(item: Any, ext: Extractor, i: int) -> int:
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        if item < 0:
            raise ValueError(f"X[{i}]={item} is not a valid frame count; it must be >= 0")
        return int(item)
    if _is_path(item):
        import soundfile as sf

        info = sf.info(os.fspath(item))
        n = info.frames
        sr = ext.config.sample_rate
        if info.samplerate != sr:
            n = -(-n * sr // info.samplerate)  # length after fastfeat.io.resample
        return ext.n_frames(n)
    if isinstance(item, np.ndarray) and item.ndim == 1:
        return ext.n_frames(item.shape[0])
    raise TypeError(f"X[{i}] must be a frame count, a 1-D signal or a path, got "
                    f"{getattr(item, 'shape', type(item).__name__)}")


def frame_labels(labels: Sequence[Any], X: Any, *, config: ConfigLike = None, unit: str = "s",
                 default: Any = None) -> np.ndarray:
    """One label per frame, in the row order of :class:`FrameFeatures`.

    Parameters
    ----------
    labels : sequence, one item per signal
        Either an utterance label (any scalar: every frame of that signal gets
        it) or time-aligned segments: a sequence of ``(start, end, label)``
        (the format of forced-alignment / HTK ``.lab`` files; see
        :func:`read_segments`).  A frame gets the label of the segment that
        contains its centre (:func:`frame_times`), ``start <= centre < end``.
    X : list of signals, paths or frame counts, or a 2-D array
        The signals given to ``FrameFeatures`` (only their lengths are used;
        paths are not decoded), or the number of frames of each.
    config : Config, preset name or None
        The same config as the ``FrameFeatures``.
    unit : {"s", "htk", "samples"}, default "s"
        Unit of segment times: seconds, HTK's 100 ns units, or samples at
        ``config.sample_rate``.
    default : optional
        Label of frames no segment covers; None makes that an error.

    Returns
    -------
    np.ndarray [shape=(total frames,)]

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.sklearn import frame_labels
    >>> frame_labels(["yes", "no"], [2, 3]).tolist()
    ['yes', 'yes', 'no', 'no', 'no']
    >>> segs = [(0.0, 0.03, "sil"), (0.03, 0.06, "y"), (0.06, 1.0, "eh")]
    >>> frame_labels([segs], [5]).tolist()  # centres at 12.5, 22.5, ... 52.5 ms
    ['sil', 'sil', 'y', 'y', 'y']
    >>> frame_labels([[(0, 300000, "sil"), (300000, 600000, "y")]], [5], unit="htk", default="?").tolist()
    ['sil', 'sil', 'y', 'y', 'y']
    """
    cfg = _config(config)
    _check_choice("unit", unit, ("s", "htk", "samples"))
    scale = {"s": 1.0, "htk": _HTK_UNIT, "samples": 1.0 / cfg.sample_rate}[unit]
    if isinstance(X, np.ndarray) and X.ndim == 2:
        items: list = [X.shape[1]] * X.shape[0]
        ext = Extractor(cfg)
        counts = [ext.n_frames(n) for n in items]
    else:
        items = list(X)
        ext = Extractor(cfg)
        counts = [_n_frames_of(x, ext, i) for i, x in enumerate(items)]
    labels = list(labels)
    if len(labels) != len(counts):
        raise ValueError(f"labels has {len(labels)} items but X has {len(counts)} signals; give one per signal")
    out: list = []
    for i, (lab, n) in enumerate(zip(labels, counts)):
        if isinstance(lab, (str, bytes)) or np.ndim(lab) == 0:
            out.extend([lab] * n)
            continue
        segs = list(lab)
        for j, s in enumerate(segs):
            if len(s) != 3:
                raise ValueError(f"labels[{i}][{j}]={s!r} is not a (start, end, label) segment")
        starts = np.array([float(s[0]) for s in segs]) * scale
        ends = np.array([float(s[1]) for s in segs]) * scale
        if np.any(ends < starts):
            j = int(np.argmax(ends < starts))
            raise ValueError(f"labels[{i}][{j}] ends before it starts: {segs[j]!r}")
        centres = frame_times(n, cfg)
        inside = (starts[None, :] <= centres[:, None]) & (centres[:, None] < ends[None, :])
        covered = inside.any(axis=1)
        first = np.argmax(inside, axis=1)  # the first segment that covers each frame
        if not covered.all() and default is None:
            t = int(np.argmin(covered))
            raise ValueError(f"labels[{i}]: frame {t} (centre {centres[t]:.4f} s) is in no segment; "
                             "pass default=... to label uncovered frames")
        out.extend(segs[k][2] if c else default for k, c in zip(first, covered))
    return np.asarray(out)


def read_segments(path: str | os.PathLike, *, unit: str = "htk") -> list[tuple[float, float, str]]:
    """Read a label file with one ``start end label`` line per segment.

    HTK / forced-alignment ``.lab`` files (times in 100 ns units,
    ``unit="htk"``), Audacity label tracks (seconds, tab-separated,
    ``unit="s"``) and sample-indexed files (``unit="samples"``: TIMIT
    ``.phn``; times are then returned in samples).  Extra columns (HTK
    scores) are ignored; ``#`` lines and blank lines are skipped.

    Returns
    -------
    list of (start, end, label), times in seconds (in samples with ``unit="samples"``)

    Examples
    --------
    >>> import os, tempfile
    >>> from fastfeat.sklearn import read_segments
    >>> p = os.path.join(tempfile.mkdtemp(), "a.lab")
    >>> _ = open(p, "w").write("0 2500000 sil\\n2500000 4100000 y\\n")
    >>> read_segments(p)
    [(0.0, 0.25, 'sil'), (0.25, 0.41, 'y')]
    """
    _check_choice("unit", unit, ("s", "htk", "samples"))
    scale = {"s": 1.0, "htk": _HTK_UNIT, "samples": 1.0}[unit]
    segs = []
    with open(os.fspath(path), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if len(parts) < 3:
                raise ValueError(f"{os.fspath(path)}:{n}: expected 'start end label', got {line.strip()!r}")
            try:
                start, end = float(parts[0]) * scale, float(parts[1]) * scale
            except ValueError:
                raise ValueError(f"{os.fspath(path)}:{n}: start and end must be numbers, got {line.strip()!r}") from None
            segs.append((round(start, 9), round(end, 9), parts[2]))
    return segs
