"""fastfeat: fast, exact speech features in C -- batch, streaming and corpus.

>>> import numpy as np, fastfeat as ff
>>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> ff.mfcc(y, sr=16000).shape
(98, 13)
"""

from ._backend import backend
from .config import Config
from .errors import ParameterError
from .io import load
from .features import Extractor, delta, logmel, mfcc, power_spectrum
from .stream import Stream
from .pool import StreamPool

__all__ = [
    "Config", "Extractor", "Stream", "StreamPool", "mfcc", "logmel", "power_spectrum", "delta", "load", "read_features",
    "backend", "ParameterError",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    # read_features lives with the corpus code, imported on first use so that
    # `import fastfeat` stays light (PEP 562).
    if name == "read_features":
        from .corpus import read_features

        return read_features
    raise AttributeError(f"module 'fastfeat' has no attribute {name!r}")
