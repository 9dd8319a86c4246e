"""load / resample / sample_files and the ``fastfeat demo`` command."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

import fastfeat as ff
from fastfeat.io import resample, sample_files


@pytest.mark.parametrize("rates", [(22050, 16000), (44100, 16000), (8000, 16000), (16000, 8000), (48000, 16000)])
def test_resample_matches_scipy(rates):
    signal = pytest.importorskip("scipy.signal")
    x = np.random.default_rng(0).standard_normal(rates[0] // 3 + 11)
    ours = resample(x, *rates)
    ref = signal.resample_poly(x, rates[1], rates[0])  # same filter: Kaiser(5) windowed sinc
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=2e-6)  # float32 output of a float64 filter


def test_resample_rejects_aliasing():
    # A 7 kHz tone resampled from 44.1 kHz to 8 kHz lies above the new Nyquist:
    # it must be removed, not folded to 1 kHz.
    t = np.arange(44100) / 44100
    y = resample(np.sin(2 * np.pi * 7000 * t), 44100, 8000)
    assert np.sqrt(np.mean(y[800:-800] ** 2)) < 1e-3


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8"])
def test_load_scales_pcm(tmp_path, subtype):
    y = (0.5 * np.sin(np.arange(8000) * 0.01)).astype(np.float32)
    path = tmp_path / "x.wav"
    sf.write(path, y, 16000, subtype=subtype)
    got, sr = ff.load(path)
    assert sr == 16000 and got.dtype == np.float32
    np.testing.assert_allclose(got, y, atol=1.0 / 2 ** 7 if subtype == "PCM_U8" else 1e-4)


def test_load_stereo_and_resample(tmp_path):
    left = np.sin(np.arange(22050) * 0.02)
    right = 0.5 * left
    path = tmp_path / "s.flac"
    sf.write(path, np.stack([left, right], axis=1), 22050)
    mono, sr = ff.load(path, sr=16000)
    assert sr == 16000 and mono.shape == (16000,)
    both, _ = ff.load(path, mono=False)
    assert both.shape == (2, 22050)


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        ff.load(tmp_path / "nope.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF1234WAVEjunk")
    with pytest.raises(ValueError, match="bad.wav"):
        ff.load(bad)


def test_sample_files_are_speech():
    files = sample_files()
    assert len(files) >= 6
    for f in files:
        y, sr = ff.load(f)
        assert sr == 16000 and 0.3 < len(y) / sr < 3 and np.abs(y).max() > 0.05


def test_demo_command_runs():
    out = subprocess.run([sys.executable, "-m", "fastfeat", "demo"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "frames x 39 features" in out.stdout
    assert "real time" in out.stdout and "max |stream - batch|" in out.stdout


def test_demo_command_bad_file(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    out = subprocess.run([sys.executable, "-m", "fastfeat", "demo", "--files", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "bad.wav" in out.stderr


# ---------------------------------------------------------------- the C resampler (csrc/resample.c)

needs_c = pytest.mark.skipif(ff.backend() != "c", reason="the C resampler is part of the C engine")


@needs_c
@pytest.mark.parametrize("rates", [(22050, 16000), (44100, 16000), (8000, 16000), (16000, 8000), (48000, 16000),
                                   (11025, 16000), (16001, 16000), (96000, 22050), (768000, 16000), (1000, 16000)])
def test_c_resampler_equals_the_numpy_model(rates):
    """The C filter equals the numpy model within 1e-6 of the signal's peak (docs/corpus.md);
    both sum the same products in the same order, so only libm's exp/sin can differ."""
    from fastfeat.io import _filter, _NumpyFilter

    x = np.random.default_rng(5).standard_normal(rates[0] // 3 + 11)
    c, model = _filter(*rates), _NumpyFilter(*rates)
    assert type(c).__name__ == "ResampleFilter" and (c.up, c.down, c.taps) == (model.up, model.down, model.taps)
    n_out = model.outputs(len(x))
    assert c.outputs(len(x)) == n_out and c.ready(len(x)) == model.ready(len(x))
    assert c.first_input(n_out - 1) == model.first_input(n_out - 1)
    np.testing.assert_allclose(c.run(x, 0, len(x), 0, n_out), model.run(x, 0, len(x), 0, n_out),
                               rtol=0, atol=1e-6 * np.abs(x).max())


@needs_c
def test_c_resampler_refuses_a_window_that_misses_inputs():
    from fastfeat._engine import EngineError
    from fastfeat.io import _filter

    f = _filter(22050, 16000)
    x = np.zeros(1000)
    with pytest.raises(EngineError, match="ff_resample_run"):
        f.run(x[10:], 10, 1000, 0, 100)  # output 0 reads input 0


@pytest.mark.parametrize("rates", [(767999, 16000), (16000, 209717)])
def test_resampling_filter_length_is_capped(rates):
    with pytest.raises(ValueError, match=rf"resampling {rates[0]} Hz to {rates[1]} Hz needs a [0-9,]+-tap filter"):
        resample(np.zeros(100), *rates)
    with pytest.raises(ValueError, match="tap filter"):
        ff.io.Resampler(*rates)
