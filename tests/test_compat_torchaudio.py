"""fastfeat.compat.torchaudio against the live torchaudio.compliance.kaldi, and
Config.preset("torchaudio") against torchaudio.transforms.MFCC / MelSpectrogram.

torchaudio is a test reference here (its compliance and transforms modules are
pure Python; .ci/run installs it next to the CPU torch without its CUDA C
extension).  References are computed in float64 (torchaudio follows the input
dtype); fastfeat computes in float32.  Tolerances are conftest's: float32 noise
relative to each frame's loudest band.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from conftest import DB, ENERGY_ATOL, assert_within, log_tolerance, mfcc_tolerance, synthetic_signal

torch = pytest.importorskip("torch")
K = pytest.importorskip("torchaudio.compliance.kaldi", reason="torchaudio (the reference) is not installed")
T = pytest.importorskip("torchaudio.transforms")

import fastfeat as ff  # noqa: E402
from fastfeat.compat import torchaudio as ct  # noqa: E402

FUNCS = ("fbank", "mfcc", "spectrogram")


@pytest.fixture(scope="module")
def clips(speech):
    return {"speech": speech["turn_left"] * 32768, "chirp": synthetic_signal("chirp") * 1000,
            "silence_tail": speech["yes"] * 32768}


def ref(fn, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(K, fn)(torch.from_numpy(np.asarray(y, np.float64))[None], **kw).numpy()


@pytest.mark.parametrize("fn", FUNCS)
def test_signatures_and_defaults_are_torchaudios(fn):
    theirs = inspect.signature(getattr(K, fn)).parameters
    ours = inspect.signature(getattr(ct, fn)).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        assert ours[name].default == p.default, (fn, name, ours[name].default, p.default)
        assert ours[name].kind == p.kind, (fn, name)


OPTS = [
    dict(),
    dict(use_energy=True),
    dict(use_energy=True, htk_compat=True, energy_floor=0.0),
    dict(use_energy=True, use_log_fbank=False),
    dict(num_mel_bins=80, low_freq=0.0, high_freq=-400.0, snip_edges=False),
    dict(window_type="blackman", blackman_coeff=0.36, raw_energy=False, use_energy=True),
    dict(vtln_warp=0.88, vtln_low=150.0, vtln_high=-900.0),
    dict(vtln_warp=1.13, sample_frequency=8000.0, frame_shift=12.5),
    dict(window_type="hamming", round_to_power_of_two=False, preemphasis_coefficient=0.0, remove_dc_offset=False),
]


def _fbank_tol(r, opts):
    e = (-1 if opts.get("htk_compat") else 0) if opts.get("use_energy") else None
    bands = np.delete(r, e % r.shape[1], axis=1) if e is not None else r
    if opts.get("use_log_fbank", True):
        tol = log_tolerance(bands, knf_term=True)
    else:
        tol = 2e-5 * bands.max(axis=1, keepdims=True) + np.zeros_like(bands)
    if e is not None:
        tol = np.insert(tol, e % r.shape[1], ENERGY_ATOL, axis=1)
    return tol


@pytest.mark.parametrize("opts", OPTS, ids=[",".join(o) or "defaults" for o in OPTS])
def test_fbank(clips, opts):
    for name, y in clips.items():
        sr = opts.get("sample_frequency", 16000.0)
        y = y[::2] if sr == 8000.0 else y
        r = ref("fbank", y, **opts)
        ours = ct.fbank(y[None], **opts)
        assert isinstance(ours, np.ndarray) and ours.dtype == np.float32
        assert_within(ours, r, _fbank_tol(r, opts), f"compat.torchaudio.fbank {name} {opts}")


MFCC_OPTS = [dict(), dict(use_energy=True), dict(use_energy=True, htk_compat=True),
             dict(htk_compat=True), dict(num_ceps=20, num_mel_bins=40, cepstral_lifter=0.0, energy_floor=0.0),
             dict(vtln_warp=0.91, use_energy=True, window_type="hanning", subtract_mean=True)]


@pytest.mark.parametrize("opts", MFCC_OPTS, ids=[",".join(o) or "defaults" for o in MFCC_OPTS])
def test_mfcc(clips, opts):
    for name, y in clips.items():
        r = ref("mfcc", y, **opts)
        ours = ct.mfcc(y[None], **opts)
        fb = {k: v for k, v in opts.items() if k not in ("num_ceps", "cepstral_lifter", "use_energy",
                                                         "htk_compat", "energy_floor", "subtract_mean")}
        tol = mfcc_tolerance(log_tolerance(ref("fbank", y, **fb)), r.shape[1], opts.get("cepstral_lifter", 22.0))
        if opts.get("htk_compat"):
            tol = np.roll(tol, -1, axis=1) * np.sqrt(2)
        if opts.get("use_energy"):
            tol[:, -1 if opts.get("htk_compat") else 0] = ENERGY_ATOL
        if opts.get("subtract_mean"):
            tol = tol + tol.max(axis=0)
        assert_within(ours, r, tol, f"compat.torchaudio.mfcc {name} {opts}")


@pytest.mark.parametrize("opts", [dict(), dict(energy_floor=0.0, raw_energy=False, snip_edges=False),
                                  dict(frame_length=20.0, round_to_power_of_two=False, subtract_mean=True)],
                         ids=["defaults", "windowed-energy", "no-pow2-cmn"])
def test_spectrogram(clips, opts):
    for name, y in clips.items():
        r = ref("spectrogram", y, **opts)
        ours = ct.spectrogram(y[None], **opts)
        tol = log_tolerance(r)
        tol[:, 0] = ENERGY_ATOL
        if opts.get("subtract_mean"):
            tol = tol + tol.max(axis=0)
        assert_within(ours, r, tol, f"compat.torchaudio.spectrogram {name} {opts}")


def test_tensors_in_tensors_out(clips):
    y = clips["speech"]
    for dtype in (torch.float32, torch.float64):
        t = torch.from_numpy(np.stack([np.zeros_like(y), y])).to(dtype)
        for fn in FUNCS:
            out = getattr(ct, fn)(t, channel=1)
            assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device == t.device
            np.testing.assert_array_equal(out.float().numpy(), getattr(ct, fn)(y[None]))
    pcm = torch.from_numpy(np.round(y).astype(np.int16))[None]  # int16 at its own scale, as compat.kaldi
    out = ct.fbank(pcm)
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), ct.fbank(pcm.numpy().astype(np.float32)))
    with pytest.raises(ValueError, match="requires grad.*detach"):
        ct.fbank(torch.from_numpy(y[None]).requires_grad_())
    with pytest.raises(ValueError, match=r"channel=2 is invalid .* channel must be in \[-1, 1\]"):
        ct.fbank(np.stack([y, y]), channel=2)


def test_short_signal_and_min_duration(clips):
    y = clips["speech"]
    with pytest.raises(AssertionError):  # torchaudio refuses a signal shorter than one frame ...
        ref("fbank", y[:399])
    with pytest.raises(ValueError, match="fewer than one frame"):  # ... and so does the drop-in
        ct.fbank(y[None, :399])
    too_long = len(y) / 16000 + 0.01
    for fn in FUNCS:
        ours = getattr(ct, fn)(torch.from_numpy(y[None]), min_duration=too_long)
        if fn != "mfcc":  # torchaudio's mfcc fails on fbank's empty result (matmul of 1x0 by 23x13)
            assert ref(fn, y, min_duration=too_long).shape == (0,)
        assert tuple(ours.shape) == (0,)
        assert getattr(ct, fn)(y[None], min_duration=len(y) / 16000).shape[0] > 0


def test_preset_equals_transforms(clips):
    cfg = ff.Config.preset("torchaudio")
    for name, y in clips.items():
        y = (y / 32768).astype(np.float32)
        x = torch.from_numpy(y.astype(np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 128 mels on 201 bins: torchaudio warns of empty filters
            mel = T.MelSpectrogram().double()(x).numpy().T
            mfcc = T.MFCC().double()(x).numpy().T
        ours = ff.Extractor(cfg.replace(kind="logmel", log=None, top_db=None))(y)
        scale = np.maximum(mel.max(axis=1, keepdims=True), 1e-30)
        assert_within(ours / scale, mel / scale, 2e-5, f"preset torchaudio MelSpectrogram {name}")
        db = 10 * np.log10(np.maximum(mel, 1e-10))
        db = np.maximum(db, db.max() - 80.0)
        tol = mfcc_tolerance(log_tolerance(db, unit=DB), 40)
        assert_within(ff.mfcc(y, config=cfg), mfcc, tol, f"preset torchaudio MFCC {name}")
