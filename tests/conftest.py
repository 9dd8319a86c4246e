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


# ---------------------------------------------------------------- tolerances
# Shared by test_presets.py and test_compat.py (fastfeat, float32, against a
# reference library); the derivation is in test_presets.py's docstring.
#
# A linear mel energy computed in float32 is off by rounding noise that is
# proportional to the loudest energies of its frame, so in the log domain
#     tol = LOG_ATOL + R_NOISE * exp(below),  below = ln(frame max / value)
# (nats; `unit` scales to dB).  `below` comes from the *reference* values.

R_NOISE = 1e-5  # float32 noise of a mel energy relative to its frame's loudest band
LOG_ATOL = 5e-5  # nats: float32 sum of up to ~100 weighted bins per band (<= 100 eps = 1.2e-5 relative), float32 log (2 ulp of |values| <= ~100 dB) and weights
ENERGY_ATOL = 2e-4  # nats: log of a float32 sum of 400 squares (<= 5e-5 relative) + float32 log
KNF_ATOL = 1e-4  # model vs kaldi_native_fbank: 1e-4 (1 + exp(below / 4)) (test_model_vs_references.py)
DB = 10.0 / np.log(10.0)  # dB per nat

OBSERVED: dict = {}  # key -> (max |diff| / tol, max |diff|), printed with FF_REPORT_TOL=1


def log_tolerance(ref_log, unit: float = 1.0, knf_term: bool = False) -> np.ndarray:
    """Per-value bound for log mel energies; ref_log in nats * unit, rows = frames."""
    nats = np.asarray(ref_log, dtype=np.float64) / unit
    below = np.minimum(nats.max(axis=1, keepdims=True) - nats, 700.0)
    tol = LOG_ATOL + R_NOISE * np.exp(below)
    if knf_term:
        tol = tol + KNF_ATOL * (1.0 + np.exp(below / 4.0))
    return tol * unit


def mfcc_tolerance(tol_log, n_mfcc: int, lifter: float = 0.0, lifter_shift: int = 0,
                   dct_norm: str | None = "ortho", dct_type: int = 2) -> np.ndarray:
    """tol_log propagated through the DCT (scipy's type and norm; 'htk': the
    ortho DCT-II with c0 times sqrt 2) and the lifter
    (1 + L/2 sin(pi (i + lifter_shift) / L); librosa uses shift 1), + 1e-5."""
    import scipy.fft

    n_mels = tol_log.shape[1]
    D = scipy.fft.dct(np.eye(n_mels), type=dct_type, norm="ortho" if dct_norm == "htk" else dct_norm,
                      axis=0)[:n_mfcc]  # (n_mfcc, n_mels)
    if dct_norm == "htk":
        D[0] *= np.sqrt(2.0)
    i = np.arange(n_mfcc) + lifter_shift
    lift = 1.0 + (lifter / 2.0) * np.sin(np.pi * i / lifter) if lifter else np.ones(n_mfcc)
    return tol_log @ np.abs(lift[:, None] * D).T + 1e-5


def assert_within(ours, ref, tol, what: str = "", key: str | None = None) -> float:
    """|ours - ref| <= tol elementwise (tol broadcast); returns max(|diff| / tol)."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, (what, ours.shape, ref.shape)
    if ref.size == 0:
        return 0.0
    assert np.isfinite(ours).all() and np.isfinite(ref).all(), what
    d = np.abs(ours - ref)
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), d.shape)
    bad = d > tol
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, d - tol, -np.inf)), d.shape)
        pytest.fail(f"{what}: {bad.sum()}/{d.size} values outside the tolerance; worst at {i}: "
                    f"fastfeat {ours[i]!r} reference {ref[i]!r} tol {tol[i]:.3g}; max |diff| {d.max():.3g}")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.where(tol > 0, d / tol, 0.0).max())  # d == 0 wherever tol == 0
    k = key or " ".join(what.split(" ")[:2])
    old = OBSERVED.get(k, (0.0, 0.0))
    OBSERVED[k] = (max(old[0], ratio), max(old[1], float(d.max())))
    return ratio


def pytest_terminal_summary(terminalreporter):
    if os.environ.get("FF_REPORT_TOL") and OBSERVED:
        terminalreporter.write_line("observed max |diff| / tolerance (and max |diff|):")
        for k in sorted(OBSERVED):
            r, d = OBSERVED[k]
            terminalreporter.write_line(f"  {k:40s} {r:9.3g}  ({d:.3g})")


# ---------------------------------------------------------------- model references

def model_reference(name: str):
    """Import a speech-model reference (torch, whisper, transformers, nemo: the
    "models" extra).  Skipped where it is not installed, unless
    FASTFEAT_REQUIRE_MODELS=1 (set by .ci/run, which installs them): then a
    missing reference is an error, never a skip."""
    import importlib

    if os.environ.get("FASTFEAT_REQUIRE_MODELS") == "1":
        return importlib.import_module(name)
    return pytest.importorskip(name)


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
