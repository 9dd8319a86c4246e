"""Sampled option sweeps: fastfeat.compat.kaldi against kaldi-native-fbank and
fastfeat.compat.torchaudio against torchaudio.compliance.kaldi, both live.

Each case draws a combination of Kaldi options with a fixed seed (so a failure
is reproducible by its id) from the product of sample rate (8, 16, 22.05,
44.1 kHz), signal (espeak-ng speech from tests/data resampled, white noise),
snip_edges, window (and blackman_coeff), frame length/shift, power-of-two FFT,
pre-emphasis, DC removal, energy (use/raw/floor/htk_compat), log/linear bands,
magnitude/power, mel range and count, cepstra and lifter, VTLN (torchaudio:
knf's online computers have no warp option; tests/test_compat.py checks VTLN
against knf's MelBanks).

Tolerance, per value: 2e-3 (nats for logs, relative to the frame's loudest
band for linear bands), or, where larger, conftest's float32 noise bound for a
value far below its frame's loudest band (log_tolerance with the knf term),
propagated through the DCT and lifter for MFCC.  fastfeat computes in float32;
knf computes in float32 (Kaldi's BaseFloat); torchaudio is fed float64 and so
computes in float64.  A combination a reference refuses (raises) must be
refused by fastfeat too, unless fastfeat's range is a documented superset
(an odd FFT size); every refusal fastfeat still has is listed in ``REFUSED`` and
checked to name the option.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.signal import resample_poly

from conftest import ENERGY_ATOL, SPEECH_SR, assert_within, log_tolerance, mfcc_tolerance

from _knf import knf_run

from fastfeat.compat import kaldi as ck  # noqa: E402
from fastfeat.compat import torchaudio as ct  # noqa: E402

RATES = (8000, 16000, 22050, 44100)
TOL = 2e-3
N_CASES = {"knf": 48, "torchaudio": 48}


@pytest.fixture(scope="module")
def signals(speech):
    return make_signals(speech)


def make_signals(speech: dict) -> dict:
    """(rate, name) -> int16-scaled float32 signal, about 1 s."""
    out = {}
    noise = np.random.default_rng(9).standard_normal(44100)
    for sr in RATES:
        g = np.gcd(sr, SPEECH_SR)
        out[sr, "speech"] = (resample_poly(speech["turn_left"], sr // g, SPEECH_SR // g) * 32768).astype(np.float32)
        out[sr, "noise"] = (noise[:sr] * 3000).astype(np.float32)
    return out


def draw(rng: np.random.Generator, fn: str, ref: str) -> dict:
    """One option combination (values a reference would be given)."""
    def pick(*values):
        return values[rng.integers(len(values))]

    sr = pick(*RATES)
    o = dict(sample_frequency=float(sr), snip_edges=pick(True, False),
             window_type=pick("povey", "hamming", "hanning", "rectangular", "blackman"),
             frame_length=pick(25.0, 20.0, 30.0), frame_shift=pick(10.0, 12.5, 5.0),
             round_to_power_of_two=pick(True, True, False),
             preemphasis_coefficient=pick(0.97, 0.0, 0.5), remove_dc_offset=pick(True, False))
    if o["window_type"] == "blackman":
        o["blackman_coeff"] = pick(0.42, 0.3, 0.5)
    if fn == "spectrogram":
        o.update(raw_energy=pick(True, False), energy_floor=pick(0.0, 1.0, 1e4))
        return o
    nyq = sr / 2
    o.update(num_mel_bins=pick(23, 40, 64 if sr > 8000 else 30), low_freq=pick(20.0, 0.0, 100.0),
             high_freq=pick(0.0, -400.0, min(7000.0, nyq - 100)))
    if fn == "fbank":
        o.update(use_energy=pick(False, True), use_log_fbank=pick(True, True, False), use_power=pick(True, False))
    else:
        o.update(use_energy=pick(True, False), num_ceps=pick(13, 20), cepstral_lifter=pick(22.0, 0.0, 40.0))
    if o["use_energy"]:
        o.update(raw_energy=pick(True, False), energy_floor=pick(0.0, 1.0, 1e5))
    o["htk_compat"] = pick(False, False, True)
    if ref == "torchaudio":
        o.update(subtract_mean=pick(False, False, True))
        if rng.random() < 0.5:
            high = pick(-500.0, -1000.0)  # Kaldi's convention: below Nyquist, which must be below high_freq
            if o["high_freq"] > 0 or nyq + o["high_freq"] <= nyq + high:
                high = (o["high_freq"] if o["high_freq"] > 0 else nyq + o["high_freq"]) + high
            o.update(vtln_warp=pick(0.85, 0.93, 1.08, 1.2), vtln_low=pick(100.0, 300.0), vtln_high=high)
    return o


def tolerance(fn: str, o: dict, r: np.ndarray, bands_log: np.ndarray | None) -> np.ndarray:
    """The per-value bound described in the module docstring."""
    if fn == "spectrogram":
        tol = np.maximum(TOL, log_tolerance(r, knf_term=True))
        tol[:, 0] = max(TOL, ENERGY_ATOL)
    elif fn == "fbank":
        e = (-1 if o.get("htk_compat") else 0) if o.get("use_energy") else None
        bands = np.delete(r, e % r.shape[1], axis=1) if e is not None else r
        if o.get("use_log_fbank", True):
            tol = np.maximum(TOL, log_tolerance(bands, knf_term=True))
        else:
            tol = TOL * np.maximum(bands.max(axis=1, keepdims=True), 1e-30) + np.zeros_like(bands)
        if e is not None:
            tol = np.insert(tol, e % r.shape[1], TOL, axis=1)
    else:
        tol = np.maximum(TOL, mfcc_tolerance(log_tolerance(bands_log, knf_term=True), r.shape[1],
                                             o.get("cepstral_lifter", 22.0)))
        if o.get("htk_compat"):
            tol = np.roll(tol, -1, axis=1) * np.sqrt(2)
    if o.get("subtract_mean"):
        tol = tol + tol.max(axis=0)
    return tol


# fastfeat accepts this where both references refuse (knf: "n should be even",
# torchaudio: an assertion): an odd FFT size (round_to_power_of_two=False with
# an odd number of samples per frame); fastfeat's FFT takes any size.


def _call(f, *args, **kw):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args, **kw), None
    except Exception as exc:  # noqa: BLE001 (the reference's own refusal, whatever its type)
        return None, exc


def _mel_opts(o: dict) -> dict:
    keep = ("sample_frequency", "snip_edges", "window_type", "frame_length", "frame_shift", "blackman_coeff",
            "round_to_power_of_two", "preemphasis_coefficient", "remove_dc_offset", "num_mel_bins",
            "low_freq", "high_freq", "vtln_warp", "vtln_low", "vtln_high")
    return {k: v for k, v in o.items() if k in keep}


CASES = [(ref, fn, i) for ref, n in N_CASES.items()
         for fn in (("fbank", "mfcc") if ref == "knf" else ("fbank", "mfcc", "spectrogram"))
         for i in range(n // (2 if ref == "knf" else 3))]


def run_case(signals: dict, ref: str, fn: str, i: int):
    """Case i: (options, signal name, fastfeat, reference, tolerance), or None
    when the reference refuses the combination (fastfeat must refuse it too,
    except for an odd FFT size)."""
    rng = np.random.default_rng([2026, i, ("knf", "torchaudio").index(ref), ("fbank", "mfcc", "spectrogram").index(fn)])
    o = draw(rng, fn, ref)
    sig = str(rng.choice(["speech", "noise"]))
    y = signals[int(o["sample_frequency"]), sig]
    if ref == "knf":
        kind_opts = {k: v for k, v in o.items() if k not in ("num_ceps",)}
        r, rerr = _call(knf_run, y, fn, o.get("num_ceps", 13), **kind_opts)
        ours, oerr = _call(getattr(ck, fn), y, **o)
        bands_log = knf_run(y, "fbank", **_mel_opts(o)) if fn == "mfcc" and r is not None else None
    else:
        torch = pytest.importorskip("torch")
        K = pytest.importorskip("torchaudio.compliance.kaldi")
        t = torch.from_numpy(y.astype(np.float64))[None]
        r, rerr = _call(getattr(K, fn), t, **o)
        r = None if r is None else r.numpy()
        ours, oerr = _call(getattr(ct, fn), y[None], **o)
        bands_log = None
        if fn == "mfcc" and r is not None:
            bands_log = _call(K.fbank, t, **_mel_opts(o))[0].numpy()
    what = f"sweep {ref} {fn} #{i} {sig} {o}"
    if rerr is not None:
        if oerr is None:  # the reference refuses, fastfeat computes: only the odd FFT size
            n = int(o["sample_frequency"] * o["frame_length"] / 1000)
            assert not o["round_to_power_of_two"] and n % 2, (what, rerr)
        return None
    assert oerr is None, (what, oerr)
    assert ours.dtype == np.float32 and ours.shape == r.shape, (what, ours.shape, r.shape)
    return o, sig, ours, r, tolerance(fn, o, r, bands_log)


@pytest.mark.parametrize("ref,fn,i", CASES, ids=[f"{r}-{f}-{i}" for r, f, i in CASES])
def test_sweep(signals, ref, fn, i):
    case = run_case(signals, ref, fn, i)
    if case is not None:
        o, sig, ours, r, tol = case
        assert_within(ours, r, tol, f"sweep {ref} {fn} #{i} {sig} {o}", key=f"sweep {ref} {fn}")


# ---------------------------------------------------------------- what is still refused

def _y():
    return np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 1000


REFUSED = [
    # (function, kwargs, the option the message must name, why)
    (ck.fbank, dict(sample_frequency=16000.5), "sample_frequency", "Config.sample_rate is whole Hz"),
    (ck.fbank, dict(energy_floor=-1.0), "energy_floor", "a negative floor means nothing (Kaldi ignores it)"),
    (ck.mfcc, dict(energy_floor=-1.0), "energy_floor", "a negative floor means nothing (Kaldi ignores it)"),
    (ck.spectrogram, dict(energy_floor=-1.0), "energy_floor", "a negative floor means nothing (Kaldi ignores it)"),
    (ck.fbank, dict(window_type="blackman", blackman_coeff=1.5), "blackman_coeff", "outside [0, 1]"),
    (ck.fbank, dict(vtln_warp=12.0), "vtln_warp", "outside (0, 10]"),
    (ck.fbank, dict(vtln_warp=0.9, vtln_low=3000.0, vtln_high=3100.0), "vtln_high",
     "no middle band: vtln_low max(1, w) >= vtln_high min(1, w) (Kaldi computes a discontinuous warp)"),
    (ck.fbank, dict(window_type="sine"), "window_type", "unknown window (Kaldi refuses it too)"),
    (ck.fbank, dict(frame_length=0.01), "frame_length", "less than one sample (Kaldi refuses it too)"),
    (ck.fbank, dict(high_freq=9000.0), "high_freq", "above Nyquist (Kaldi refuses it too)"),
    (ck.fbank, dict(low_freq=8000.0), "low_freq", "not below high_freq (Kaldi refuses it too)"),
    (ck.fbank, dict(num_mel_bins=300), "num_mel_bins", "more bins than FFT bins (Kaldi refuses it too)"),
    (ck.mfcc, dict(num_ceps=30), "num_ceps", "more cepstra than mel bins (Kaldi refuses it too)"),
    (ck.fbank, dict(preemphasis_coefficient=1.5), "preemphasis_coefficient", "outside [0, 1] (torchaudio too)"),
    (ct.fbank, dict(vtln_warp=0.9, vtln_low=10.0), "vtln_low", "below low_freq (torchaudio refuses it too)"),
    (ct.mfcc, dict(channel=3), "channel", "no such channel (torchaudio refuses it too)"),
]


@pytest.mark.parametrize("fn,kw,option,why", REFUSED, ids=[f"{f.__module__.split('.')[-1]}.{f.__name__}-{o}"
                                                           for f, kw, o, _ in REFUSED])
def test_refusals_name_the_option(fn, kw, option, why):
    y = _y()
    x = y[None] if fn.__module__.endswith("torchaudio") else y
    with pytest.raises((ValueError, TypeError)) as info:
        fn(x, **kw)
    assert str(info.value).startswith(option) or f"{option}=" in str(info.value), (option, str(info.value))


def test_torchaudio_refusals_name_the_option():
    torch = pytest.importorskip("torch")
    y = torch.from_numpy(_y())[None]
    with pytest.raises(ValueError, match="^waveform requires grad"):
        ct.fbank(y.requires_grad_())
    with pytest.raises(ValueError, match="^waveform has 100 samples, fewer than one frame of frame_length"):
        ct.mfcc(y[:, :100].detach())
