"""Backend selection and the pyFFTW path (the Numba port has its own file).

The pyfftw backend is the C engine with FFTW computing the FFT of all frames;
it must give the C engine's numbers to float32 FFT rounding: both FFTs are
accurate to a few ulp of the frame's largest bin, so log features agree to
|d| <= 1e-4 (1 + |c|) (observed <= 2e-5 on these signals).
"""

import subprocess
import sys

import numpy as np
import pytest

import fastfeat as ff
from fastfeat import _backend

CONFIGS = {
    "default": ff.Config(deltas=2, energy="append"),
    "kaldi": ff.Config.preset("kaldi", dither=0.0),
    "psf": ff.Config.preset("python_speech_features"),
    "librosa": ff.Config.preset("librosa", sample_rate=16000),  # top_db: two passes
    "whisper": ff.Config.preset("whisper"),  # n_fft 400, top_db in log10 units
    "odd": ff.Config(n_fft=401, frame_length=401, hop_length=97, kind="logmel", center=True),
}


def _signal(n=12000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    return (0.3 * np.sin(2 * np.pi * (300 + 2000 * t) * t) + 0.02 * rng.standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_pyfftw_matches_c(name):
    pytest.importorskip("pyfftw")
    cfg = CONFIGS[name]
    y = _signal()
    ref = ff.Extractor(cfg, backend="c")(y)
    ext = ff.Extractor(cfg, backend="pyfftw", threads=2)
    assert ext.backend == "pyfftw"
    got = ext(y)
    assert got.shape == ref.shape and got.dtype == np.float32
    np.testing.assert_array_less(np.abs(got - ref), 1e-4 * (1 + np.abs(ref)))
    # many signals of different lengths, in threads (plans are per thread)
    sigs = [_signal(4000 + 333 * i, i) for i in range(6)]
    for a, b in zip(ext.map(sigs, threads=3), ff.Extractor(cfg).map(sigs)):
        np.testing.assert_array_less(np.abs(a - b), 1e-4 * (1 + np.abs(b)))


def test_pyfftw_errors_are_the_same():
    pytest.importorskip("pyfftw")
    ext = ff.Extractor(ff.Config(), backend="pyfftw")
    y = _signal()
    y[100] = np.nan
    with pytest.raises(ValueError, match="index 100"):
        ext(y)
    with pytest.raises(ValueError, match="at least 400 samples"):
        ext(_signal(300))


def test_pyfftw_stream_is_the_c_stream():
    pytest.importorskip("pyfftw")
    y = _signal()
    s = ff.Stream(ff.Config(), backend="pyfftw")
    got = np.concatenate([s.push(y[i:i + 160]) for i in range(0, len(y), 160)] + [s.flush()])
    np.testing.assert_array_equal(got, ff.Extractor(ff.Config())(y))


def test_backend_names_are_checked(monkeypatch):
    with pytest.raises(ValueError, match="backend='cuda' is not valid; backend must be one of 'c', 'numba', 'pyfftw'"):
        ff.Extractor(ff.Config(), backend="cuda")
    monkeypatch.setenv("FASTFEAT_BACKEND", "fortran")
    with pytest.raises(ValueError, match="FASTFEAT_BACKEND='fortran' is not valid"):
        ff.backend()
    monkeypatch.setenv("FASTFEAT_BACKEND", "c")
    assert ff.backend() == "c"


def test_env_selects_the_default_backend():
    code = "import fastfeat as ff, sys; print(ff.backend(), ff.Extractor(ff.Config()).backend, 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**_env(), "FASTFEAT_BACKEND": "pyfftw"})
    assert out.stdout.split() == ["pyfftw", "pyfftw", "False"]


def test_missing_pyfftw_falls_back_to_c(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyfftw(name, *args, **kw):
        if name == "pyfftw" or name.startswith("pyfftw."):
            raise ImportError("No module named 'pyfftw'")
        return real_import(name, *args, **kw)

    monkeypatch.delitem(sys.modules, "fastfeat._fftw", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pyfftw)
    monkeypatch.setattr(_backend, "_warned", set())
    with pytest.warns(RuntimeWarning, match="needs pyfftw"):
        mod = _backend.module("pyfftw")
    assert mod is _backend.module("c")


def _env():
    import os
    return {k: v for k, v in os.environ.items() if k != "FASTFEAT_BACKEND"}


ROOT = __import__("os").path.dirname(__import__("os").path.dirname(__import__("os").path.abspath(__file__)))

# The suites every backend must pass: reference equality (presets, compat),
# engine vs the float64 model stage by stage, bad inputs, and (where the
# backend computes streams itself) streaming == batch bit for bit.
SUITES = {
    "numba": ["tests/test_presets.py", "tests/test_engine_vs_model.py", "tests/test_bad_input.py",
              "tests/test_compat.py", "tests/test_stream.py", "tests/test_pool.py"],
    # pyfftw streams with the C engine, so stream == batch is not bitwise there:
    # the tests that compare a stream with batch bit for bit are left out.
    "pyfftw": ["tests/test_presets.py", "tests/test_engine_vs_model.py", "tests/test_bad_input.py",
               "tests/test_compat.py", "-k", "not (rejected_push_leaves_stream_intact or push_after_flush)"],
}


@pytest.mark.parametrize("name", sorted(SUITES))
def test_whole_suite_under_backend(name):
    pytest.importorskip(name)
    cmd = [sys.executable, "-m", "pytest", *SUITES[name], "-q", "-p", "no:cacheprovider",
           "-W", "ignore::RuntimeWarning", "-x"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200,
                         env={**_env(), "FASTFEAT_BACKEND": name})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout
