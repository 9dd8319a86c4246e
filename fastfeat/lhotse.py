"""A lhotse ``FeatureExtractor`` over any fastfeat preset: ``FastfeatExtractor``.

Needs lhotse (``pip install lhotse``); ``import fastfeat`` does not import it.
Importing this module registers the extractor under the name ``"fastfeat"``,
so lhotse recreates it from a manifest (``FeatureExtractor.from_dict``).

>>> from lhotse import CutSet                            # doctest: +SKIP
>>> from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor
>>> ext = FastfeatExtractor(FastfeatConfig(preset="kaldi", overrides={"kind": "logmel", "n_mels": 80, "energy": None}))
>>> (ext.name, ext.frame_shift, ext.feature_dim(16000))
('fastfeat', 0.01, 80)
>>> cuts = cuts.compute_and_store_features(extractor=ext, storage_path="feats")  # doctest: +SKIP

Frame counts.  lhotse expects ``(n_samples + hop // 2) // hop`` frames (frames
centred on multiples of the hop, its ``compute_num_frames``).  So a config
with ``center=False`` and ``snip_edges=True`` (the Kaldi presets) is run with
``snip_edges=False`` -- Kaldi's own option for that framing, as lhotse's
``Fbank`` does -- unless ``overrides`` sets ``snip_edges``; any remaining
difference (librosa's centring gives one frame more, a ``pad_end`` or an
explicit ``snip_edges=True`` fewer) is fitted by dropping the last frames or
repeating the last one.  Every other number is the preset's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from lhotse.features.base import FeatureExtractor, register_extractor

from .config import Config
from .features import Extractor

__all__ = ["FastfeatConfig", "FastfeatExtractor"]


@dataclass
class FastfeatConfig:
    """What ``FastfeatExtractor`` computes: a fastfeat preset and Config overrides.

    Attributes
    ----------
    preset : str
        A ``fastfeat.Config.preset`` name ("kaldi", "librosa", ...).
    sampling_rate : int or None
        The cuts' rate (``Config.sample_rate``); None keeps the preset's.
    overrides : dict
        ``Config`` fields to change, e.g. ``{"kind": "logmel", "n_mels": 80, "energy": None}``.

    Examples
    --------
    >>> from fastfeat.lhotse import FastfeatConfig
    >>> FastfeatConfig(preset="kaldi", overrides={"kind": "logmel", "n_mels": 80, "energy": None}).preset
    'kaldi'
    """

    preset: str = "kaldi"
    sampling_rate: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def fastfeat_config(self) -> Config:
        """The ``fastfeat.Config`` the extractor runs (with lhotse's framing, see the module notes).

        Examples
        --------
        >>> from fastfeat.lhotse import FastfeatConfig
        >>> cfg = FastfeatConfig(preset="kaldi").fastfeat_config()
        >>> cfg.snip_edges, cfg.hop_length        # lhotse's frame count: Kaldi framing without snipping
        (False, 160)
        """
        values = dict(self.overrides)
        if self.sampling_rate is not None:
            values["sample_rate"] = self.sampling_rate
        config = Config.preset(self.preset, **values)
        if not config.center and config.snip_edges and not config.pad_end and "snip_edges" not in values:
            config = config.replace(snip_edges=False)
        return config

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (lhotse stores it with the features).

        Examples
        --------
        >>> from fastfeat.lhotse import FastfeatConfig
        >>> FastfeatConfig(preset="librosa").to_dict()
        {'preset': 'librosa', 'sampling_rate': None, 'overrides': {}}
        """
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> "FastfeatConfig":
        """The inverse of ``to_dict``.

        Examples
        --------
        >>> from fastfeat.lhotse import FastfeatConfig
        >>> c = FastfeatConfig(preset="kaldi", sampling_rate=8000)
        >>> FastfeatConfig.from_dict(c.to_dict()) == c
        True
        """
        return FastfeatConfig(**data)


@register_extractor
class FastfeatExtractor(FeatureExtractor):
    """fastfeat features (any preset) for lhotse's ``compute_and_store_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor
    >>> ext = FastfeatExtractor(FastfeatConfig(preset="kaldi"))
    >>> ext.extract(np.zeros((1, 16000), np.float32) + 0.01, 16000).shape
    (100, 13)
    """

    name = "fastfeat"
    config_type = FastfeatConfig

    def __init__(self, config: FastfeatConfig | None = None) -> None:
        super().__init__(config)
        self._ext = Extractor(self.config.fastfeat_config())

    @property
    def frame_shift(self) -> float:
        cfg = self._ext.config
        return cfg.hop_length / cfg.sample_rate

    def feature_dim(self, sampling_rate: int) -> int:
        """Columns of every row (the same at every rate the config accepts).

        Examples
        --------
        >>> from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor
        >>> FastfeatExtractor(FastfeatConfig(preset="kaldi", overrides={"deltas": 2})).feature_dim(16000)
        39
        """
        return self._ext.n_features

    def extract(self, samples: Any, sampling_rate: int) -> np.ndarray:
        """Features of one mono signal: (n_frames, feature_dim) float32.

        ``samples`` is (n,) or (1, n) (lhotse's layout), a numpy array or a
        torch tensor.  ``sampling_rate`` must be the config's.  The frame count is
        lhotse's ``compute_num_frames`` (rows dropped or the last one repeated).

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor
        >>> ext = FastfeatExtractor(FastfeatConfig(preset="kaldi"))
        >>> ext.extract(np.full(8000, 0.01, np.float32), 16000).shape
        (50, 13)
        """
        cfg = self._ext.config
        if sampling_rate != cfg.sample_rate:
            raise ValueError(f"sampling_rate={sampling_rate} but the extractor is built for {cfg.sample_rate} Hz; "
                             f"resample the cuts (cuts.resample({cfg.sample_rate})) or set "
                             f"FastfeatConfig(sampling_rate={sampling_rate})")
        y = samples.numpy() if hasattr(samples, "numpy") else np.asarray(samples)
        if y.ndim == 2 and y.shape[0] == 1:
            y = y[0]
        if y.ndim != 1:
            raise ValueError(f"samples must be mono, shape (n,) or (1, n); got shape {y.shape} "
                             "(select one channel, or mix the cut down)")
        feats = self._ext(np.ascontiguousarray(y, dtype=np.float32))
        want = (y.shape[0] + cfg.hop_length // 2) // cfg.hop_length  # lhotse's compute_num_frames
        if feats.shape[0] > want:
            return feats[:want]
        if feats.shape[0] < want:
            return np.concatenate([feats, np.repeat(feats[-1:], want - feats.shape[0], axis=0)])
        return feats
