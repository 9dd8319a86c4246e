"""NeMo's FilterbankFeatures, imported from its own source file (used by
tests/test_nemo.py and docs/examples/why_numbers_differ.py).

``FilterbankFeatures`` (nemo/collections/asr/parts/preprocessing/features.py,
the class ``AudioToMelSpectrogramPreprocessor`` wraps) needs only torch, but
the package ``__init__`` files above it import lightning, hydra, ... which
the --no-deps install of nemo_toolkit leaves out.  So the parent packages are
made bare namespaces, and the one import the module does not use
(``perturb.AudioAugmentor``, WaveformFeaturizer only) is stubbed.
"""

from __future__ import annotations

import importlib
import os
import sys
import types


def nemo_filterbank_features():
    """NeMo's FilterbankFeatures class (ImportError when nemo_toolkit or torch is missing)."""
    import nemo

    root = os.path.dirname(nemo.__file__)
    name = "nemo.collections.asr.parts.preprocessing"
    if name + ".features" not in sys.modules:
        parts = name.split(".")
        for i in range(2, len(parts) + 1):
            pkg = ".".join(parts[:i])
            if pkg not in sys.modules:
                mod = types.ModuleType(pkg)
                mod.__path__ = [os.path.join(root, *parts[1:i])]
                sys.modules[pkg] = mod
        perturb = types.ModuleType(name + ".perturb")
        perturb.AudioAugmentor = None  # only WaveformFeaturizer uses it
        sys.modules.setdefault(perturb.__name__, perturb)
    return importlib.import_module(name + ".features").FilterbankFeatures
