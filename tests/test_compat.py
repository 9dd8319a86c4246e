"""fastfeat.compat.{librosa,kaldi,psf}: the libraries' own signatures, their numbers.

Each drop-in is called with the same keywords as the library it replaces and
compared with that library, computed live.  Tolerances are those of
test_presets.py (conftest.log_tolerance: float32 rounding noise relative to
each frame's loudest band, propagated through the DCT); linear mel power is
compared relative to each frame's loudest band (R_NOISE).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import (DB, ENERGY_ATOL, R_NOISE, assert_within, log_tolerance, mfcc_tolerance,
                      synthetic_signal)

import fastfeat as ff  # noqa: E402  (a broken build must fail loudly, not skip)
import kaldi_native_fbank as knf  # noqa: E402  (test extra: must be installed, never skipped)
import librosa  # noqa: E402
import python_speech_features as psf  # noqa: E402
from fastfeat.compat import kaldi as ck  # noqa: E402
import _knf  # noqa: E402
from _knf import knf_run  # noqa: E402
from fastfeat.compat import librosa as cl  # noqa: E402
from fastfeat.compat import psf as cp  # noqa: E402


@pytest.fixture(scope="module")
def clips(speech):
    return {"speech": speech["turn_left"], "chirp": synthetic_signal("chirp"),
            "clipped": synthetic_signal("clipped_sine"), "silence_tail": speech["yes"]}


def _lr(fn, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(**kw)


# ---------------------------------------------------------------- librosa

LIBROSA_KW = [
    dict(),
    dict(n_mfcc=13, lifter=22),                       # librosa's lifter (index i + 1)
    dict(htk=True, n_mels=40, fmin=20.0, fmax=7600.0),
    dict(n_fft=512, win_length=400, hop_length=160),  # window shorter than the FFT
    dict(n_fft=1024, hop_length=256, window="hamming", center=False),
    dict(n_fft=512, pad_mode="reflect", n_mels=64, top_db=None),
    dict(power=1.0, mel_norm=None, n_mels=40, n_fft=1024),
    dict(norm=None, n_mfcc=20, n_mels=40, n_fft=512, hop_length=128),
]


def librosa_mfcc_ref(y, sr, kw):
    """librosa.feature.mfcc with kw, spelled out so that top_db (a compat-only
    keyword: librosa.feature.mfcc always uses power_to_db's top_db=80) can be
    passed; returns (mfcc (n_mfcc, frames), log-mel in dB (frames, n_mels))."""
    kw = dict(kw)
    top_db = kw.pop("top_db", 80.0)
    mfcc_kw = {k: kw.pop(k) for k in ("n_mfcc", "lifter", "norm") if k in kw}
    kw["norm"] = kw.pop("mel_norm", "slaney")
    S = _lr(librosa.feature.melspectrogram, y=y.astype(np.float64), sr=sr, **kw)
    db = librosa.power_to_db(S, top_db=top_db)
    return librosa.feature.mfcc(S=db, **mfcc_kw), db.T


@pytest.mark.parametrize("kw", LIBROSA_KW, ids=[",".join(k) or "defaults" for k in LIBROSA_KW])
def test_librosa_mfcc(clips, kw):
    sr = 16000
    for name, y in clips.items():
        ref, db = librosa_mfcc_ref(y, sr, kw)
        if "top_db" not in kw:  # the spelled-out path is librosa.feature.mfcc(y=...) itself
            direct = _lr(librosa.feature.mfcc, y=y.astype(np.float64), sr=sr, **kw)
            np.testing.assert_allclose(direct, ref, rtol=0, atol=1e-9)
        ours = cl.mfcc(y=y, sr=sr, **kw)
        assert ours.shape == ref.shape and ours.dtype == np.float32  # (n_mfcc, n_frames)
        tol = mfcc_tolerance(log_tolerance(db, unit=DB), ref.shape[0], kw.get("lifter", 0), lifter_shift=1,
                             dct_norm=kw.get("norm", "ortho"))
        assert_within(ours.T, ref.T, tol, f"compat.librosa.mfcc {name} {kw}", key=f"compat.librosa.mfcc {kw}")


@pytest.mark.parametrize("kw", [
    dict(),
    dict(htk=True, norm=None, n_mels=40),
    dict(n_fft=512, win_length=256, hop_length=128, n_mels=40, fmin=100.0, fmax=4000.0),
    dict(n_fft=400, hop_length=160, power=1.0, center=False, window="hamming", n_mels=40),
    dict(n_fft=512, pad_mode="edge", n_mels=32),
])
def test_librosa_melspectrogram(clips, kw):
    sr = 16000
    for name, y in clips.items():
        ref = _lr(librosa.feature.melspectrogram, y=y.astype(np.float64), sr=sr, **kw)
        ours = cl.melspectrogram(y=y, sr=sr, **kw)
        assert ours.shape == ref.shape and ours.dtype == np.float32 and ours.flags.c_contiguous
        # linear power: float32 noise relative to each frame's loudest FFT
        # bin (which may lie outside [fmin, fmax]) summed by the filter's
        # weights, plus float32 rounding of the value itself (mel basis, sums)
        stft_kw = {k: kw[k] for k in ("n_fft", "hop_length", "win_length", "center", "pad_mode") if k in kw}
        stft_kw["window"] = kw.get("window", "hann")
        stft_kw["hop_length"] = kw.get("hop_length", 512)  # melspectrogram's default, not stft's
        spec = np.abs(librosa.stft(y.astype(np.float64), **stft_kw)) ** kw.get("power", 2.0)
        fb = librosa.filters.mel(sr=sr, n_fft=kw.get("n_fft", 2048), n_mels=kw.get("n_mels", 128),
                                 fmin=kw.get("fmin", 0.0), fmax=kw.get("fmax"), htk=kw.get("htk", False),
                                 norm=kw.get("norm", "slaney"), dtype=np.float64)
        tol = R_NOISE * fb.sum(axis=1, keepdims=True) * spec.max(axis=0, keepdims=True) + 1e-5 * ref
        assert_within(ours, ref, tol, f"compat.librosa.melspectrogram {name}")


def test_librosa_power_to_db(rng):
    S = np.abs(rng.standard_normal((20, 30))) ** 2
    S[0, :5] = 0.0
    for kw in (dict(), dict(ref=np.max), dict(ref=2.0, amin=1e-5, top_db=None), dict(top_db=20.0),
               dict(ref=np.median, amin=1e-3)):
        np.testing.assert_allclose(cl.power_to_db(S, **kw), librosa.power_to_db(S, **kw), rtol=1e-12, atol=1e-12)
    Sc = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns that it discards the phase
        np.testing.assert_allclose(cl.power_to_db(Sc), librosa.power_to_db(Sc), rtol=1e-12, atol=1e-12)


def test_librosa_defaults_are_librosas(clips):
    # 22050 Hz, n_fft 2048, hop 512, 128 mels, 20 MFCC: same shapes with no keywords
    y = clips["speech"]
    assert cl.mfcc(y=y).shape == librosa.feature.mfcc(y=y.astype(np.float64)).shape
    assert cl.melspectrogram(y=y).shape == librosa.feature.melspectrogram(y=y.astype(np.float64)).shape


def test_librosa_unsupported_options(clips):
    y = clips["speech"]
    with pytest.raises(ValueError, match=r"dct_type=3 is not supported; dct_type must be 2"):
        cl.mfcc(y=y, sr=16000, dct_type=3)
    with pytest.raises(ValueError, match=r"S= is not supported"):
        cl.mfcc(S=np.ones((128, 10)), sr=16000)
    with pytest.raises(ValueError, match=r"S= is not supported"):
        cl.melspectrogram(S=np.ones((1025, 10)), sr=16000)
    with pytest.raises(ValueError, match=r"window='kaiser' is not supported; window must be one of"):
        cl.melspectrogram(y=y, sr=16000, window="kaiser")
    with pytest.raises(ValueError, match=r"(?s)window=.* is not supported"):
        cl.mfcc(y=y, sr=16000, window=np.hanning(2048))
    with pytest.raises(ValueError, match=r"norm='l2' is not supported; norm must be 'slaney' or None"):
        cl.melspectrogram(y=y, sr=16000, norm="l2")
    with pytest.raises(ValueError, match=r"y is required"):
        cl.mfcc(sr=16000)
    with pytest.raises(ValueError, match=r"lifter=-1 must be >= 0"):
        cl.mfcc(y=y, sr=16000, lifter=-1)
    with pytest.raises(ValueError, match=r"amin=0 must be strictly positive"):
        cl.power_to_db(np.ones(3), amin=0)


# ---------------------------------------------------------------- kaldi

KALDI_OPTS = [
    dict(),
    dict(num_mel_bins=40),
    dict(frame_length=20.0, frame_shift=10.0),
    dict(snip_edges=False),
    dict(high_freq=-400.0, low_freq=60.0),
    dict(window_type="hamming"),
    dict(window_type="hanning", preemphasis_coefficient=0.0, remove_dc_offset=False),
    dict(round_to_power_of_two=False, frame_length=25.0),
]


@pytest.mark.parametrize("use_energy", [False, True])
@pytest.mark.parametrize("opts", KALDI_OPTS, ids=[",".join(o) or "defaults" for o in KALDI_OPTS])
def test_kaldi_fbank(clips, opts, use_energy):
    for name, y in clips.items():
        ref = knf_run(y, "fbank", use_energy=use_energy, **opts)
        ours = ck.fbank(y, use_energy=use_energy, **opts)
        assert ours.shape == ref.shape and ours.dtype == np.float32
        bands = ref[:, 1:] if use_energy else ref
        tol = log_tolerance(bands, knf_term=True)
        if use_energy:  # Kaldi puts the log energy first
            tol = np.hstack([np.full((len(ref), 1), ENERGY_ATOL), tol])
        assert_within(ours, ref, tol, f"compat.kaldi.fbank {name} {opts}")


@pytest.mark.parametrize("opts", KALDI_OPTS + [dict(num_ceps=20, num_mel_bins=40, cepstral_lifter=0.0),
                                               dict(use_energy=False), dict(raw_energy=False)],
                         ids=[",".join(o) or "defaults" for o in KALDI_OPTS] + ["ceps20", "no-energy", "windowed-energy"])
def test_kaldi_mfcc(clips, opts):
    for name, y in clips.items():
        ref = knf_run(y, "mfcc", **opts)
        ours = ck.mfcc(y, **opts)
        assert ours.shape == ref.shape and ours.dtype == np.float32
        fb_opts = {k: v for k, v in opts.items() if k not in ("num_ceps", "cepstral_lifter", "use_energy", "raw_energy")}
        bands = knf_run(y, "fbank", **fb_opts)
        tol = mfcc_tolerance(log_tolerance(bands, knf_term=True), ref.shape[1], opts.get("cepstral_lifter", 22.0))
        if opts.get("use_energy", True):
            tol[:, 0] = ENERGY_ATOL
        assert_within(ours, ref, tol, f"compat.kaldi.mfcc {name} {opts}")


def test_kaldi_energy_floor_and_subtract_mean(clips):
    y = clips["silence_tail"]
    ref = knf_run(y, "mfcc", energy_floor=1.0)
    ours = ck.mfcc(y, energy_floor=1.0)
    assert ours[:, 0].min() >= 0.0 and (ref[:, 0] == 0.0).any()
    np.testing.assert_allclose(ours[:, 0], ref[:, 0], atol=ENERGY_ATOL)
    plain = ck.fbank(y)
    np.testing.assert_allclose(ck.fbank(y, subtract_mean=True), plain - plain.mean(axis=0), atol=1e-5)


@pytest.mark.parametrize("fn,opts", [(ck.fbank, knf.FbankOptions), (ck.mfcc, knf.MfccOptions)],
                         ids=["fbank", "mfcc"])
def test_kaldi_defaults_are_knfs(fn, opts):
    # every keyword that knf's options also have defaults to knf's value (dither: 0, on purpose)
    import inspect

    o = opts()
    frame_keys, mel_keys = _knf.FRAME_KEYS, _knf.MEL_KEYS
    checked = 0
    for name, p in inspect.signature(fn).parameters.items():
        if name in frame_keys:
            theirs = getattr(o.frame_opts, frame_keys[name])
        elif name in mel_keys:
            theirs = getattr(o.mel_opts, mel_keys[name])
        elif hasattr(o, name):
            theirs = getattr(o, name)
        else:
            continue
        checked += 1
        if name == "dither":
            assert p.default == 0.0 and theirs == pytest.approx(3e-5)
        else:
            assert p.default == pytest.approx(theirs), (name, p.default, theirs)
    assert checked >= 15
    mo = knf.MelBanksOptions()
    assert (mo.vtln_low, mo.vtln_high) == (inspect.signature(fn).parameters["vtln_low"].default,
                                           inspect.signature(fn).parameters["vtln_high"].default)


def test_kaldi_invalid_options(clips):
    y = clips["speech"]
    with pytest.raises(ValueError, match=r"window_type='sine' is not valid; window_type must be one of"):
        ck.fbank(y, window_type="sine")
    with pytest.raises(ValueError, match=r"sample_frequency=16000.5 must be a positive whole number"):
        ck.fbank(y, sample_frequency=16000.5)
    with pytest.raises(ValueError, match=r"frame_length=0.01 ms .* must each cover at least one sample"):
        ck.fbank(y, frame_length=0.01)
    with pytest.raises(ValueError, match=r"energy_floor=-1.0 must be >= 0"):
        ck.mfcc(y, energy_floor=-1.0)
    with pytest.raises(ValueError, match=r"vtln_low=10.0 Hz must be above fmin=20.0"):
        ck.fbank(y, vtln_warp=0.9, vtln_low=10.0)


@pytest.mark.parametrize("opts", [dict(), dict(energy_floor=1e6), dict(raw_energy=False, htk_compat=True),
                                  dict(use_power=False)], ids=["plain", "floor", "windowed-htk", "magnitude"])
def test_kaldi_linear_fbank_has_log_energy(clips, opts):
    # Kaldi and knf write the log energy even when the bands are linear
    # (use_log_fbank=False); energy_floor is compared with that log energy.
    for name, y in clips.items():
        ref = knf_run(y, "fbank", use_energy=True, use_log_fbank=False, **opts)
        ours = ck.fbank(y, use_energy=True, use_log_fbank=False, **opts)
        e = -1 if opts.get("htk_compat") else 0
        np.testing.assert_allclose(ours[:, e], ref[:, e], atol=ENERGY_ATOL, err_msg=f"{name} {opts}")
        bands = np.delete(ref, e % ref.shape[1], axis=1)
        ours_bands = np.delete(ours, e % ours.shape[1], axis=1)
        scale = np.maximum(bands.max(axis=1, keepdims=True), 1e-30)
        assert_within(ours_bands / scale, bands / scale, 2 * R_NOISE, f"compat.kaldi.fbank linear {name} {opts}")


def test_kaldi_int16_is_used_at_kaldis_scale(clips):
    # knf users pass the int16 values themselves (Kaldi's tools read int16 WAVs so)
    pcm = np.round(clips["speech"] * 32767).astype(np.int16)
    ref = knf_run(pcm.astype(np.float64), "fbank")
    ours = ck.fbank(pcm)
    assert_within(ours, ref, log_tolerance(ref, knf_term=True), "compat.kaldi.fbank int16")
    np.testing.assert_array_equal(ck.mfcc(pcm), ck.mfcc(pcm.astype(np.float32)))


@pytest.mark.parametrize("n", [0, 1, 79, 80, 399])
@pytest.mark.parametrize("snip_edges", [True, False])
def test_kaldi_short_signal_gives_zero_frames_as_knf(n, snip_edges):
    y = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    for kind, fn, width in (("fbank", ck.fbank, 23), ("mfcc", ck.mfcc, 13)):
        ref = knf_run(y, kind, snip_edges=snip_edges)
        ours = fn(y, snip_edges=snip_edges)
        assert ours.shape[0] == len(ref) and ours.shape[1] == width, (kind, n, snip_edges, ours.shape, ref.shape)
    assert ck.spectrogram(y[:0]).shape == (0, 257)
    with pytest.raises(ValueError, match="too short|at least"):  # the core API keeps its clear error
        ff.mfcc(np.zeros(10, np.float32), config=ff.Config.preset("kaldi"))


@pytest.mark.parametrize("opts", [dict(htk_compat=True), dict(htk_compat=True, use_energy=False),
                                  dict(window_type="blackman"), dict(window_type="blackman", blackman_coeff=0.3),
                                  dict(window_type="blackman", blackman_coeff=0.5, htk_compat=True)],
                         ids=["htk", "htk-no-energy", "blackman", "blackman-0.3", "blackman-0.5-htk"])
def test_kaldi_mfcc_htk_compat_and_blackman(clips, opts):
    for name, y in clips.items():
        ref = knf_run(y, "mfcc", **opts)
        ours = ck.mfcc(y, **opts)
        fb_opts = {k: v for k, v in opts.items() if k not in ("htk_compat", "use_energy")}
        bands = knf_run(y, "fbank", **fb_opts)
        tol = mfcc_tolerance(log_tolerance(bands, knf_term=True), ref.shape[1], 22.0)
        if opts.get("htk_compat"):  # c0 (sqrt 2 c0 without energy) moved last
            tol = np.roll(tol, -1, axis=1) * np.sqrt(2)
        if opts.get("use_energy", True):
            tol[:, -1 if opts.get("htk_compat") else 0] = ENERGY_ATOL
        assert_within(ours, ref, tol, f"compat.kaldi.mfcc {name} {opts}")
    ref = knf_run(clips["speech"], "fbank", use_energy=True, htk_compat=True, window_type="blackman",
                  blackman_coeff=0.3)
    ours = ck.fbank(clips["speech"], use_energy=True, htk_compat=True, window_type="blackman", blackman_coeff=0.3)
    tol = np.hstack([log_tolerance(ref[:, :-1], knf_term=True), np.full((len(ref), 1), ENERGY_ATOL)])
    assert_within(ours, ref, tol, "compat.kaldi.fbank htk blackman")


@pytest.mark.parametrize("warp", [0.82, 0.95, 1.07, 1.2])
@pytest.mark.parametrize("opts", [dict(), dict(num_mel_bins=80, low_freq=40.0, high_freq=-200.0, vtln_low=200.0,
                                               vtln_high=-800.0), dict(vtln_high=6000.0, vtln_low=300.0)])
def test_kaldi_vtln_equals_knf_mel_banks(clips, warp, opts):
    # knf's OnlineFbank has no warp option; its MelBanks(vtln_warp_factor) has Kaldi's warp:
    # fastfeat's warped fbank equals knf's warped matrix applied to the power spectrum.
    mo = knf.MelBanksOptions()
    mo.num_bins = opts.get("num_mel_bins", 23)
    mo.low_freq, mo.high_freq = opts.get("low_freq", 20.0), opts.get("high_freq", 0.0)
    mo.vtln_low, mo.vtln_high = opts.get("vtln_low", 100.0), opts.get("vtln_high", -500.0)
    fo = knf.FrameExtractionOptions()
    W = np.asarray(knf.MelBanks(mo, fo, warp).get_matrix(), dtype=np.float64)
    y = clips["speech"]
    cfg = ff.Config.preset("kaldi", dither=0.0, kind="power", log=None, energy=None)
    power = ff.Extractor(cfg)(y).astype(np.float64)
    ref = np.log(np.maximum(power @ W.T, 1.1920928955078125e-07))
    ours = ck.fbank(y, vtln_warp=warp, **opts)
    assert_within(ours, ref, log_tolerance(ref, knf_term=True), f"compat.kaldi.fbank vtln {warp} {opts}")


# ---------------------------------------------------------------- python_speech_features

def psf_logfbank(y, sr, **kw):
    """psf.logfbank; the PyPI release (0.6) has no winfunc there, so with a
    winfunc it is spelled out as logfbank does it: log(fbank(...)[0])."""
    if "winfunc" in kw:
        return np.log(psf.fbank(y, sr, **kw)[0])
    return psf.logfbank(y, sr, **kw)


PSF_KW = [
    dict(),
    dict(winfunc=np.hamming),
    dict(nfilt=40, nfft=1024),
    dict(highfreq=0),  # psf: `highfreq or samplerate/2`, i.e. Nyquist
    dict(lowfreq=100, highfreq=7000, preemph=0.0),
    dict(winlen=0.02, winstep=0.015),
]


@pytest.mark.parametrize("kw", PSF_KW, ids=[",".join(k) or "defaults" for k in PSF_KW])
def test_psf_logfbank(clips, kw):
    for name, y in clips.items():
        y64 = y.astype(np.float64)
        ref = psf_logfbank(y64, 16000, **kw)
        ours = cp.logfbank(y64, 16000, **kw)
        assert ours.shape == ref.shape and ours.dtype == np.float32
        assert_within(ours, ref, log_tolerance(ref), f"compat.psf.logfbank {name} {kw}")


@pytest.mark.parametrize("kw", PSF_KW + [dict(appendEnergy=False), dict(numcep=20, nfilt=40, ceplifter=0),
                                         dict(winfunc=np.hamming, nfilt=40, nfft=1024, appendEnergy=False)],
                         ids=[",".join(k) or "defaults" for k in PSF_KW] + ["noenergy", "ceps20", "combo"])
def test_psf_mfcc(clips, kw):
    for name, y in clips.items():
        y64 = y.astype(np.float64)
        ref = psf.mfcc(y64, 16000, **kw)
        ours = cp.mfcc(y64, 16000, **kw)
        assert ours.shape == ref.shape and ours.dtype == np.float32
        fb_kw = {k: v for k, v in kw.items() if k not in ("numcep", "ceplifter", "appendEnergy")}
        if "nfft" not in fb_kw:  # psf.mfcc picks nfft from winlen; logfbank defaults to 512
            fb_kw["nfft"] = 1 << int(np.ceil(np.log2(kw.get("winlen", 0.025) * 16000)))
        bands = psf_logfbank(y64, 16000, **fb_kw)
        tol = mfcc_tolerance(log_tolerance(bands), ref.shape[1], kw.get("ceplifter", 22))
        if kw.get("appendEnergy", True):
            tol[:, 0] = log_tolerance(ref[:, :1])[:, 0] + ENERGY_ATOL
        assert_within(ours, ref, tol, f"compat.psf.mfcc {name} {kw}")


def test_psf_delta(clips):
    f = psf.mfcc(clips["speech"].astype(np.float64), 16000)
    for N in (1, 2, 4):
        ours = cp.delta(f, N)
        assert ours.shape == f.shape
        np.testing.assert_allclose(ours, psf.delta(f, N), rtol=0, atol=4e-7 * np.abs(f).max())


def test_psf_integer_input_is_used_unscaled(clips):
    # psf computes on the raw integer values; the drop-in does the same
    y16 = (clips["speech"] * 32767).astype(np.int16)
    ref = psf.mfcc(y16, 16000)
    ours = cp.mfcc(y16, 16000)
    bands = psf.logfbank(y16, 16000)
    tol = mfcc_tolerance(log_tolerance(bands), 13, 22)
    tol[:, 0] = log_tolerance(ref[:, :1])[:, 0] + ENERGY_ATOL
    assert_within(ours, ref, tol, "compat.psf.mfcc int16")


def test_psf_unsupported_options(clips):
    y = clips["speech"]
    with pytest.raises(ValueError, match=r"winfunc is not one of the windows fastfeat implements"):
        cp.mfcc(y, winfunc=lambda n: np.kaiser(n, 5.0))
    with pytest.raises(ValueError, match=r"winfunc\(400\) returned shape \(200,\)"):
        cp.logfbank(y, winfunc=lambda n: np.ones(n // 2))
    with pytest.raises(ValueError, match=r"N=0 must be an integer >= 1"):
        cp.delta(np.ones((5, 3)), 0)
    with pytest.raises(ValueError, match=r"N=1.5 must be an integer >= 1"):
        cp.delta(np.ones((5, 3)), 1.5)
