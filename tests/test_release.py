"""What a new user meets first (issue 12): documented differences and advice that must stay true."""

from __future__ import annotations

import inspect
import subprocess
import sys

import fastfeat as ff
from fastfeat.compat import kaldi


def test_kaldi_dither_difference_is_in_both_docstrings():
    # the preset dithers as Kaldi does; the drop-in does not: both say so
    assert ff.Config.preset("kaldi").dither > 0
    for fn in (kaldi.fbank, kaldi.mfcc):
        assert inspect.signature(fn).parameters["dither"].default == 0.0
        assert 'defaults to **0** here' in fn.__doc__ and 'Config.preset("kaldi")' in fn.__doc__
    assert "**dithers by default**" in ff.Config.preset.__doc__
    assert "compat.kaldi`` defaults to ``dither=0``" in ff.Config.preset.__doc__


def test_hdf5_output_without_h5py_stops_with_the_advice(tmp_path):
    """docs/corpus.md: `.h5` needs h5py (fastfeat[corpus]); no features are written without it."""
    out = tmp_path / "samples.h5"
    code = ("import sys; sys.modules['h5py'] = None  # as if h5py were not installed\n"
            "from fastfeat.cli import main\n"
            f"sys.exit(main(['extract', '--samples', '-o', {str(out)!r}, '-q']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    assert "needs h5py: pip install 'fastfeat[corpus]'" in res.stderr
    assert not out.exists()  # no entry file, no features
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "fastfeat.lock"]
