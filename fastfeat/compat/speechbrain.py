"""SpeechBrain's ``ContextWindow`` for the ``"speechbrain_mfcc"`` preset.

``speechbrain.lobes.features.MFCC()`` (``context=True`` by default) ends with
``ContextWindow(left_frames=5, right_frames=5)``: each output frame holds,
feature by feature, the values of that feature at frames ``t - 5 .. t + 5``,
zeros beyond the signal's ends.  ``Config.preset("speechbrain_mfcc")`` gives
the 60 columns before that step; :func:`context_window` applies it.
``Config.preset("speechbrain")`` is ``Fbank()`` itself (no context by default).

>>> import numpy as np
>>> import fastfeat as ff
>>> from fastfeat.compat.speechbrain import context_window
>>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> feats = context_window(ff.Extractor(ff.Config.preset("speechbrain_mfcc"))(y))
>>> feats.shape                      # == speechbrain MFCC()(y[None])[0].shape
(101, 660)
"""

from __future__ import annotations

import numpy as np

__all__ = ["context_window"]


def context_window(features: np.ndarray, left_frames: int = 5, right_frames: int = 5) -> np.ndarray:
    """Stack each frame with its neighbours as SpeechBrain's ContextWindow does.

    Parameters
    ----------
    features : ndarray, shape (n_frames, n_features)
        Time-major features (fastfeat's layout).
    left_frames, right_frames : int
        Past and future frames stacked (SpeechBrain's defaults: 5 and 5);
        frames outside the signal are zeros.

    Returns
    -------
    ndarray, shape (n_frames, n_features * (left_frames + 1 + right_frames))
        Column ``f * width + j`` is feature ``f`` at frame ``t + j - left_frames``
        (SpeechBrain's order: feature-major), in the dtype of ``features``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.speechbrain import context_window
    >>> context_window(np.arange(3.0)[:, None], 1, 1)
    array([[0., 0., 1.],
           [0., 1., 2.],
           [1., 2., 0.]])
    """
    x = np.asarray(features)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (n_frames, n_features); got shape {x.shape}")
    for name, v in (("left_frames", left_frames), ("right_frames", right_frames)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name}={v!r} is not valid; {name} must be an integer >= 0")
    n, d = x.shape
    width = left_frames + 1 + right_frames
    padded = np.zeros((n + width - 1, d), dtype=x.dtype)
    padded[left_frames:left_frames + n] = x
    # (n, d, width) view: [t, f, j] = padded[t + j, f]; reshape copies it once
    window = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
    return window.reshape(n, d * width)
