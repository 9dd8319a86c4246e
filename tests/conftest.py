"""Shared fixtures: a seeded RNG, the committed speech clips, synthetic signals.

Nothing here imports fastfeat, so the reference-model tests run even when the
extension is not built.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
if str(TESTS_DIR) not in sys.path:  # so test modules can `import _model`
    sys.path.insert(0, str(TESTS_DIR))

SPEECH_SR = 16000
SPEECH_NAMES = ("turn_left", "stop", "yes", "go_forward")  # tests/data/*.wav


def load_speech() -> dict:
    """name -> float32 mono array in [-1, 1] (16 kHz); see tests/data/README.md."""
    import soundfile as sf

    out = {}
    for name in SPEECH_NAMES:
        y, sr = sf.read(os.fspath(DATA_DIR / f"{name}.wav"), dtype="float32", always_2d=False)
        assert sr == SPEECH_SR and y.ndim == 1, (name, sr, y.shape)
        out[name] = np.ascontiguousarray(y)
    return out


# ---------------------------------------------------------------- synthetic
# Each generator returns a float32 array at 16 kHz, deterministic.

def _t(n: int, sr: int = SPEECH_SR) -> np.ndarray:
    return np.arange(n) / sr


def _chirp(sr=SPEECH_SR):
    # 1 s linear sweep 100 Hz -> 7.9 kHz: energy moves through every mel band,
    # and far from the sweep the spectrum is very low (large dynamic range)
    t = _t(sr, sr)
    f0, f1 = 100.0, 7900.0
    return 0.5 * np.sin(2 * np.pi * (f0 * t + 0.5 * (f1 - f0) * t * t))


def _white_noise(sr=SPEECH_SR):
    return 0.1 * np.random.default_rng(1234).standard_normal(sr)


def _silence(sr=SPEECH_SR):
    # exact zeros: every log floor is hit
    return np.zeros(sr // 2)


def _clipped_sine(sr=SPEECH_SR):
    # 440 Hz overdriven 3x and clipped to +-0.9: odd harmonics up to Nyquist
    return 0.9 * np.clip(3.0 * np.sin(2 * np.pi * 440.0 * _t(sr // 2, sr)), -1.0, 1.0)


def _dc_sine(sr=SPEECH_SR):
    # large DC offset: remove_dc and pre-emphasis matter
    return 0.3 + 0.2 * np.sin(2 * np.pi * 1000.0 * _t(sr // 2, sr))


def _clicks(sr=SPEECH_SR):
    # sparse impulses: frames that are all-zero next to frames with one click
    y = np.zeros(sr // 2)
    y[100::1234] = 0.8
    return y


SYNTHETIC = {
    "chirp": _chirp,
    "white_noise": _white_noise,
    "silence": _silence,
    "clipped_sine": _clipped_sine,
    "dc_sine": _dc_sine,
    "clicks": _clicks,
}
SYNTHETIC_NAMES = tuple(SYNTHETIC)

# lengths that straddle the frame-count boundaries of the three presets
# (Kaldi/psf: L=400, hop=160; librosa: n_fft=2048, hop=512)
SHORT_LENGTHS = (1, 2, 100, 399, 400, 401, 511, 512, 513, 559, 560, 561, 2047, 2048, 2049)


def synthetic_signal(name: str) -> np.ndarray:
    return SYNTHETIC[name]().astype(np.float32)


def short_signal(n: int) -> np.ndarray:
    """n samples of band-limited noise (never exactly zero), float32."""
    y = np.random.default_rng(n).standard_normal(n)
    if n > 1:
        y = y + 0.5 * np.concatenate([[0.0], y[:-1]])
    return (0.1 * y).astype(np.float32)


# ---------------------------------------------------------------- fixtures

@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def speech():
    return load_speech()


@pytest.fixture(params=SYNTHETIC_NAMES)
def synthetic(request):
    """(name, float32 signal at 16 kHz) for each synthetic signal."""
    return request.param, synthetic_signal(request.param)
