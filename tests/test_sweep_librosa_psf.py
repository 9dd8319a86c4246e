"""Option sweeps: fastfeat.compat.librosa / .psf against the live libraries.

Combinations of options are sampled with a fixed seed (not the full product),
each run on espeak-ng speech (tests/data, its 16 kHz samples taken as a signal
at the sweep's rate) and on white noise, at 8, 16, 22.05 and 44.1 kHz.  The
engine computes in float32, the references in float64 (float64 input).

Error measure, per feature column (one MFCC coefficient or mel band over all
frames): max |ours - reference| / max |reference| of that column (columns
below 1e-3 of the loudest column are measured against 1e-3 of it).  Every run
must stay within 2e-3.  ``SWEEP_WORST`` collects the worst error per option
value; docs/presets.md quotes it (``pytest -s`` prints it).
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np
import pytest

import librosa  # noqa: E402  (test extra: must be installed, never skipped)
import python_speech_features as psf  # noqa: E402
from fastfeat.compat import librosa as cl  # noqa: E402
from fastfeat.compat import psf as cp  # noqa: E402

TOL = 2e-3
RATES = (8000, 16000, 22050, 44100)
N_LIBROSA, N_PSF = 48, 40
SWEEP_WORST: dict = defaultdict(float)


def column_error(ours, ref, axis) -> float:
    """max over columns of max|ours - ref| / max|ref| in that column (floored)."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    scale = np.abs(ref).max(axis=axis, keepdims=True)
    scale = np.maximum(scale, 1e-3 * scale.max() + 1e-30)
    return float((np.abs(ours - ref) / scale).max())


@pytest.fixture(scope="module")
def signals(speech):
    y = np.concatenate([speech["turn_left"], speech["yes"]])[:20000].astype(np.float32)
    noise = np.random.default_rng(9).standard_normal(20000).astype(np.float32) * 0.1
    return {"speech": y, "noise": noise}


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _librosa_cases():
    rng = np.random.default_rng(20260)
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    cases = []
    for i in range(N_LIBROSA):
        sr = RATES[i % len(RATES)]
        n_fft = pick([256, 512, 1024, 2048])
        kw = dict(
            n_fft=n_fft, win_length=pick([None, n_fft // 2, int(0.8 * n_fft) + 1]),
            hop_length=pick([n_fft // 4, 160, 97]), center=pick([True, False]),
            window=pick(["hann", "hamming", "blackman", "boxcar"]),
            pad_mode=pick(["constant", "reflect", "symmetric", "edge", "linear_ramp"]),
            power=pick([1.0, 2.0]), n_mels=pick([32, 40, 64, 128][: 2 + (n_fft >= 1024) * 2]),
            htk=pick([False, True]), fmin=pick([0.0, 20.0, 300.0]), fmax=pick([None, 0.45 * sr, 0.55 * sr]),
        )
        mfcc_kw = dict(n_mfcc=pick([13, 20]), dct_type=pick([1, 2, 3]), norm=pick(["ortho", None]),
                       lifter=pick([0, 0, 22]), mel_norm=pick(["slaney", None, 1, 2.0]))
        cases.append((sr, pick(["speech", "noise"]), kw, mfcc_kw))
    return cases


LIBROSA_CASES = _librosa_cases()


@pytest.mark.parametrize("sr,sig,kw,mfcc_kw", LIBROSA_CASES, ids=[f"librosa{i}" for i in range(len(LIBROSA_CASES))])
def test_librosa_sweep(signals, sr, sig, kw, mfcc_kw):
    y = signals[sig]
    y64 = y.astype(np.float64)
    ref = _quiet(librosa.feature.mfcc, y=y64, sr=sr, **kw, **mfcc_kw)
    ours = cl.mfcc(y=y, sr=sr, **kw, **mfcc_kw)
    err = column_error(ours, ref, axis=1)
    ref_mel = _quiet(librosa.feature.melspectrogram, y=y64, sr=sr, norm=mfcc_kw["mel_norm"], **kw)
    ours_mel = cl.melspectrogram(y=y, sr=sr, norm=mfcc_kw["mel_norm"], **kw)
    err_mel = column_error(ours_mel, ref_mel, axis=1)
    opts = dict(sr=sr, signal=sig, **kw, **mfcc_kw)
    opts["win_length<n_fft"] = kw["win_length"] is not None
    for k, v in opts.items():
        if k not in ("win_length", "hop_length"):
            key = ("librosa", k, v if k != "fmax" or v is None else f"{v / sr:.2f}sr")
            SWEEP_WORST[key] = max(SWEEP_WORST[key], err, err_mel)
    assert err <= TOL and err_mel <= TOL, (opts, err, err_mel)


def _psf_cases():
    rng = np.random.default_rng(20261)
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    cases = []
    for i in range(N_PSF):
        sr = RATES[i % len(RATES)]
        kw = dict(winlen=pick([0.025, 0.02, 0.032]), winstep=pick([0.01, 0.005]),
                  nfilt=pick([20, 26, 40]), nfft=pick([256, 512, 1024, 2048]),
                  lowfreq=pick([0, 100]), highfreq=pick([None, 0.45 * sr]), preemph=pick([0.0, 0.97]))
        mfcc_kw = dict(numcep=13, ceplifter=pick([0, 22]), appendEnergy=pick([True, False]),
                       winfunc=pick([None, np.hamming, np.hanning]))
        cases.append((sr, pick(["speech", "noise"]), kw, mfcc_kw))
    return cases


PSF_CASES = _psf_cases()


@pytest.mark.parametrize("sr,sig,kw,mfcc_kw", PSF_CASES, ids=[f"psf{i}" for i in range(len(PSF_CASES))])
def test_psf_sweep(signals, sr, sig, kw, mfcc_kw):
    y = signals[sig]
    mfcc_kw = {k: v for k, v in mfcc_kw.items() if v is not None}
    truncated = round(kw["winlen"] * sr) > kw["nfft"]
    if truncated and "winfunc" in mfcc_kw:  # refused: psf keeps a window fastfeat lacks
        with pytest.raises(ValueError, match=r"nfft=\d+ is smaller than the frame"):
            _quiet(cp.mfcc, y, sr, **kw, **mfcc_kw)
        return
    ref = _quiet(psf.mfcc, y.astype(np.float64), sr, **kw, **mfcc_kw)
    ours = _quiet(cp.mfcc, y, sr, **kw, **mfcc_kw)
    err = column_error(ours, ref, axis=0)
    ref_fb = _quiet(psf.logfbank, y.astype(np.float64), sr, **kw)
    err_fb = column_error(_quiet(cp.logfbank, y, sr, **kw), ref_fb, axis=0)
    opts = dict(sr=sr, signal=sig, truncated=truncated, **kw, **mfcc_kw)
    if "winfunc" in opts:
        opts["winfunc"] = opts["winfunc"].__name__
    for k, v in opts.items():
        key = ("psf", k, v if k != "highfreq" or v is None else f"{v / sr:.2f}sr")
        SWEEP_WORST[key] = max(SWEEP_WORST[key], err, err_fb)
    assert err <= TOL and err_fb <= TOL, (opts, err, err_fb)


def test_sweep_summary():
    """Prints the worst error per option value (run with -s); runs last in this file."""
    assert SWEEP_WORST, "the sweeps above ran no case"
    for key in sorted(SWEEP_WORST, key=str):
        print("SWEEP", *key, f"{SWEEP_WORST[key]:.2e}")
