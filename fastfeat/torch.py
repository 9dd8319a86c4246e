"""PyTorch input pipeline: a Dataset of fixed-size feature images, made on the fly.

Needs PyTorch (``pip install torch``); ``import fastfeat`` does not import it.
The numpy pieces it uses (:func:`fastfeat.augment.pad_or_crop`,
:func:`fastfeat.augment.spec_augment`, the waveform augmentations) serve users
of other frameworks the same way.

Each item is ``(image, label_index)``: a float32 tensor of shape
``(1, n_features, n_frames)`` -- channel, frequency (log-mel band or MFCC),
time, the layout of ``torchaudio.transforms.MelSpectrogram`` -- computed from
the audio when it is requested, so waveform augmentation and SpecAugment
masks differ every epoch.  Randomness is seeded per (seed, epoch, index):
the same epoch gives the same batch whatever the number of DataLoader
workers.

>>> from fastfeat.io import sample_files
>>> from fastfeat.torch import FeatureDataset
>>> ds = FeatureDataset(sample_files(), labels=["down", "left", "no", "right", "up", "yes"])  # doctest: +SKIP
>>> image, label = ds[0]  # doctest: +SKIP
>>> tuple(image.shape), label  # doctest: +SKIP
((1, 40, 98), 0)
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from .augment import pad_or_crop, spec_augment
from .config import Config

try:
    import torch
    from torch.utils.data import Dataset as _Dataset
except ImportError:  # pragma: no cover - exercised only without torch
    torch = None
    _Dataset = object

__all__ = ["FeatureDataset", "SpecAugment"]

_NEED_TORCH = "fastfeat.torch needs PyTorch: pip install torch (the CPU wheel is enough)"

WaveformAugment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class SpecAugment:
    """SpecAugment masking settings, applied by :class:`FeatureDataset` to training images.

    A plain callable on time-major numpy features (``(n_frames, n_features)``),
    usable without torch: ``SpecAugment()(features, rng)``.  See
    :func:`fastfeat.augment.spec_augment` for the parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.torch import SpecAugment
    >>> masked = SpecAugment(freq_masks=1, freq_width=5, time_masks=1, time_width=5)(np.ones((98, 40)), np.random.default_rng(0))
    >>> masked.shape
    (98, 40)
    """

    def __init__(self, *, freq_masks: int = 2, freq_width: int = 8, time_masks: int = 2,
                 time_width: int = 10, value: float | str = "mean") -> None:
        self.freq_masks, self.freq_width = freq_masks, freq_width
        self.time_masks, self.time_width = time_masks, time_width
        self.value = value
        spec_augment(np.zeros((1, 1)), freq_masks=freq_masks, freq_width=freq_width,
                     time_masks=time_masks, time_width=time_width, value=value, rng=0)  # validate now

    def __call__(self, features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The masked copy of ``features`` (``(n_frames, n_features)``), drawn from ``rng``.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.torch import SpecAugment
        >>> aug = SpecAugment(freq_masks=1, freq_width=4, time_masks=0, value=0.0)
        >>> out = aug(np.ones((10, 20), np.float32), np.random.default_rng(1))
        >>> int((out == 0).all(axis=0).sum()) <= 4, out.shape
        (True, (10, 20))
        """
        return spec_augment(features, freq_masks=self.freq_masks, freq_width=self.freq_width,
                            time_masks=self.time_masks, time_width=self.time_width,
                            value=self.value, rng=rng)

    def __repr__(self) -> str:
        return (f"SpecAugment(freq_masks={self.freq_masks}, freq_width={self.freq_width}, "
                f"time_masks={self.time_masks}, time_width={self.time_width}, value={self.value!r})")


class FeatureDataset(_Dataset):
    """Audio files (or signals) -> fixed-size feature images and label indices.

    Parameters
    ----------
    items : sequence of paths or 1-D float arrays
        Audio files (read with :func:`fastfeat.load` at ``config.sample_rate``)
        or signals already at that rate.
    labels : sequence, optional
        One label per item; items then return ``(image, class index)``,
        otherwise the image alone.
    config : Config, optional
        The features; default ``Config(kind="logmel")`` (40 log-mel bands,
        25 ms / 10 ms).  Use ``Config()`` for MFCC images.
    n_frames : int, default 98
        Time size of every image (1 s at 10 ms hops gives 98 frames); longer
        feature matrices are cropped, shorter padded by repeating the edge
        frames (``align`` says where).
    classes : sequence, optional
        Label order (index = position); default ``sorted(set(labels))``.
    align : {"start", "center", "random"}, default "center"
        Where the kept frames sit when padding / cropping (``"random"`` is
        seeded like the rest).
    waveform_augment : callable (y, rng) -> y, optional
        Applied to the signal before the features, e.g. a function of
        :mod:`fastfeat.augment` calls.
    spec_augment : SpecAugment, optional
        Masks applied to the features.
    normalize : {None, "utterance"}, default "utterance"
        Subtract the image's mean and divide by its standard deviation (one
        scalar each, so the spectral shape is kept), before masking.
    seed : int, default 0
    cache : bool, default True
        Keep decoded audio in memory after the first read.

    Examples
    --------
    ``docs/examples/commands_cnn.py`` trains a CNN with it.

    >>> from fastfeat.io import sample_files
    >>> from fastfeat.torch import FeatureDataset
    >>> ds = FeatureDataset(sample_files(), labels=["down", "left", "no", "right", "up", "yes"])
    >>> image, label = ds[0]
    >>> tuple(image.shape), int(label), ds.classes[:2]
    ((1, 40, 98), 0, ['down', 'left'])
    """

    def __init__(self, items: Sequence[Any], labels: Sequence[Any] | None = None, *,
                 config: Config | None = None, n_frames: int = 98, classes: Sequence[Any] | None = None,
                 align: str = "center", waveform_augment: WaveformAugment | None = None,
                 spec_augment: SpecAugment | None = None, normalize: str | None = "utterance",
                 seed: int = 0, cache: bool = True) -> None:
        if torch is None:
            raise ImportError(_NEED_TORCH)
        from .features import Extractor

        self.items = list(items)
        if not self.items:
            raise ValueError("items is empty; give at least one file or signal")
        for i, x in enumerate(self.items):
            if not isinstance(x, (str, os.PathLike, np.ndarray)):
                raise TypeError(f"items[{i}] must be a path or a 1-D numpy array, got {type(x).__name__}")
        self.config = Config(kind="logmel") if config is None else config
        if not isinstance(self.config, Config):
            raise TypeError(f"config must be a fastfeat.Config or None, got {type(self.config).__name__}")
        if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
            raise ValueError(f"n_frames={n_frames!r} is not valid; n_frames must be an integer >= 1")
        if align not in ("start", "center", "random"):
            raise ValueError(f"align={align!r} is not valid; align must be 'start', 'center' or 'random'")
        if normalize not in (None, "utterance"):
            raise ValueError(f"normalize={normalize!r} is not valid; normalize must be None or 'utterance'")
        if waveform_augment is not None and not callable(waveform_augment):
            raise TypeError("waveform_augment must be a callable (y, rng) -> y or None")
        if spec_augment is not None and not callable(spec_augment):
            raise TypeError("spec_augment must be a SpecAugment (or a callable (features, rng) -> features) or None")
        self.n_frames = int(n_frames)
        self.align = align
        self.waveform_augment = waveform_augment
        self.spec_augment = spec_augment
        self.normalize = normalize
        self.seed = int(seed)
        self.cache = cache
        self.epoch = 0
        self._extractor = Extractor(self.config)
        self._audio: dict = {}
        if labels is not None:
            labels = list(labels)
            if len(labels) != len(self.items):
                raise ValueError(f"labels has {len(labels)} items but items has {len(self.items)}; give one label per item")
            self.classes = list(sorted(set(labels)) if classes is None else classes)
            index = {c: k for k, c in enumerate(self.classes)}
            missing = sorted({str(lab) for lab in labels if lab not in index})
            if missing:
                raise ValueError(f"labels {missing} are not in classes={self.classes}")
            self.targets = [index[lab] for lab in labels]
        else:
            self.classes, self.targets = list(classes or []), None

    @classmethod
    def from_manifest(cls, path: str | os.PathLike, split: str | None = None, **kwargs: Any) -> "FeatureDataset":
        """A dataset over the rows of a manifest CSV (``path,label,speaker,split``).

        ``split`` keeps one split (e.g. ``"train"``); other keywords go to the
        constructor.  Pass the training set's ``classes`` to the test set so
        the indices agree.

        Examples
        --------
        >>> import os, tempfile
        >>> from fastfeat.io import sample_files
        >>> from fastfeat.torch import FeatureDataset
        >>> path = os.path.join(tempfile.mkdtemp(), "m.csv")
        >>> rows = [f"{p},{os.path.basename(p)[:-4]},v1,{'test' if i else 'train'}" for i, p in enumerate(sample_files())]
        >>> _ = open(path, "w").write("path,label,speaker,split\\n" + "\\n".join(rows) + "\\n")
        >>> len(FeatureDataset.from_manifest(path, split="test"))
        5
        """
        from .datasets import read_manifest

        m = read_manifest(path, split=split)
        if len(m) == 0:
            raise ValueError(f"{os.fspath(path)} has no rows with split={split!r}")
        return cls(m.paths, m.labels, **kwargs)

    def set_epoch(self, epoch: int) -> None:
        """Select the random draws of this epoch (call before each epoch).

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.torch import FeatureDataset, SpecAugment
        >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
        >>> ds = FeatureDataset([y], spec_augment=SpecAugment())
        >>> first = ds.features(0); ds.set_epoch(1)
        >>> bool((ds.features(0) == first).all())  # other masks in another epoch
        False
        >>> ds.set_epoch(0); bool((ds.features(0) == first).all())  # and the same ones again
        True
        """
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.items)

    def signal(self, index: int) -> np.ndarray:
        """The (cached) signal of one item, before augmentation.

        Examples
        --------
        >>> from fastfeat.io import sample_files
        >>> from fastfeat.torch import FeatureDataset
        >>> ds = FeatureDataset(sample_files())
        >>> y = ds.signal(0)
        >>> y.dtype.name, ds.signal(0) is y  # decoded once, then cached
        ('float32', True)
        """
        from .io import load

        x = self.items[index]
        if isinstance(x, np.ndarray):
            return x
        y = self._audio.get(index)
        if y is None:
            y = load(x, sr=self.config.sample_rate)[0]
            if self.cache:
                self._audio[index] = y
        return y

    def features(self, index: int) -> np.ndarray:
        """Time-major features ``(n_frames, n_features)`` of one item, augmented and padded (numpy).

        Examples
        --------
        >>> from fastfeat.io import sample_files
        >>> from fastfeat.torch import FeatureDataset
        >>> FeatureDataset(sample_files(), n_frames=50).features(0).shape
        (50, 40)
        """
        rng = np.random.default_rng([self.seed, self.epoch, index])
        y = self.signal(index)
        if self.waveform_augment is not None:
            y = np.ascontiguousarray(self.waveform_augment(y, rng), dtype=np.float32)
        feats = self._extractor(y)
        feats = pad_or_crop(feats, self.n_frames, axis=0, align=self.align, mode="edge", rng=rng)
        if self.normalize == "utterance":
            feats = (feats - feats.mean()) / (feats.std() + 1e-5)
        if self.spec_augment is not None:
            feats = self.spec_augment(feats, rng)
        return np.ascontiguousarray(feats, dtype=np.float32)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} items")
        index = index % len(self)
        image = torch.from_numpy(self.features(index).T.copy()).unsqueeze(0)
        if self.targets is None:
            return image
        return image, self.targets[index]
