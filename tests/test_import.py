"""``import fastfeat`` stays light: no numba, scipy, sklearn, soundfile at import."""

import subprocess
import sys


def test_import_is_light():
    code = (
        "import sys, fastfeat\n"
        "heavy = [m for m in ('numba', 'scipy', 'sklearn', 'soundfile', 'librosa', 'torch', 'dask', 'h5py', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at package import: {out.stdout}"


def test_public_api():
    import fastfeat as ff

    assert sorted(ff.__all__) == sorted([
        "Config", "Extractor", "Stream", "StreamPool", "mfcc", "logmel", "power_spectrum", "delta", "load", "read_features",
        "backend", "ParameterError",
    ])
    assert ff.backend() == "c"
