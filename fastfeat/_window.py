"""Whole-window steps done in Python after the engine: ``normalize``.

Shared by batch (``Extractor``) and by ``fastfeat.stream.window_step`` (the
same steps applied to the rows a Stream emitted for one window), so both give
the same numbers.  The clip of ``top_db`` and ``log_offset``/``log_scale``
run in the engine (pipeline.c); ``window_step`` mirrors them in float32.
"""

from __future__ import annotations

import numpy as np

from .config import Config

NORMALIZE_EPS = 1e-5  # NeMo's CONSTANT, added to the standard deviation


def spectral(out: np.ndarray, config: Config) -> np.ndarray:
    """The view of ``out`` holding the spectral columns (not an appended energy)."""
    return out[:, :config.n_static - (1 if config.energy == "append" else 0)]


def normalize(out: np.ndarray, config: Config) -> np.ndarray:
    """``config.normalize`` applied in place to the spectral columns of ``out``.

    'per_feature' (NeMo's ``normalize_batch``): each column minus its mean over
    the rows, divided by (its standard deviation with an n - 1 denominator,
    0 for a single row) + 1e-5; computed in float64, stored in float32.
    """
    if config.normalize is None or out.shape[0] == 0:
        return out
    spec = spectral(out, config)
    x = spec.astype(np.float64)
    mean = x.mean(axis=0)
    n = x.shape[0]
    np.subtract(x, mean, out=x)  # in place: one float64 copy in all (4x faster than temporaries)
    std = np.sqrt(np.square(x).sum(axis=0) / (n - 1)) if n > 1 else np.zeros_like(mean)
    np.divide(x, std + NORMALIZE_EPS, out=x)
    spec[...] = x
    return out
