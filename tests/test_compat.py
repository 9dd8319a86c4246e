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
import scipy.fft

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
    dict(n_fft=512, win_length=400, hop_length=160, center=False),  # n_fft frames, window centred
    dict(n_fft=1024, win_length=501, hop_length=100, center=False, window="hamming"),
    dict(dct_type=1, n_mels=40, n_fft=512),
    dict(dct_type=1, norm=None, n_mels=40, n_fft=512),
    dict(dct_type=3, n_mfcc=13, lifter=22, n_fft=512),
    dict(dct_type=3, norm=None, n_mels=64, n_fft=512),
    dict(n_fft=512, win_length=300, pad_mode="symmetric"),
    dict(n_fft=512, hop_length=128, pad_mode="edge"),
    dict(n_fft=512, win_length=400, pad_mode="linear_ramp"),
    dict(n_fft=512, mel_norm=1, n_mels=40),  # numeric norm: each filter's p-norm
    dict(n_fft=1024, mel_norm=2.0, htk=True),
    dict(n_fft=512, mel_norm=0.5, n_mels=64),
    dict(n_fft=512, n_mels=40, fmax=9000.0),  # above Nyquist: librosa's top filters are empty
]


def librosa_mfcc_ref(y, sr, kw):
    """librosa.feature.mfcc with kw, spelled out so that top_db (a compat-only
    keyword: librosa.feature.mfcc always uses power_to_db's top_db=80) can be
    passed; returns (mfcc (n_mfcc, frames), log-mel in dB (frames, n_mels))."""
    kw = dict(kw)
    top_db = kw.pop("top_db", 80.0)
    mfcc_kw = {k: kw.pop(k) for k in ("n_mfcc", "lifter", "norm", "dct_type") if k in kw}
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
                             dct_norm=kw.get("norm", "ortho"), dct_type=kw.get("dct_type", 2))
        assert_within(ours.T, ref.T, tol, f"compat.librosa.mfcc {name} {kw}", key=f"compat.librosa.mfcc {kw}")


@pytest.mark.parametrize("kw", [
    dict(),
    dict(htk=True, norm=None, n_mels=40),
    dict(n_fft=512, win_length=256, hop_length=128, n_mels=40, fmin=100.0, fmax=4000.0),
    dict(n_fft=400, hop_length=160, power=1.0, center=False, window="hamming", n_mels=40),
    dict(n_fft=512, pad_mode="edge", n_mels=32),
    dict(n_fft=512, win_length=300, hop_length=128, center=False, n_mels=40),
    dict(n_fft=512, n_mels=40, norm=1.0),
    dict(n_fft=1024, n_mels=64, norm=2.0, htk=True, pad_mode="symmetric"),
    dict(n_fft=512, n_mels=40, fmax=10000.0),  # above Nyquist
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


def test_librosa_multichannel_is_librosas(clips):
    # (..., n) -> (..., n_features, t); mfcc's top_db clips against all channels together
    y = np.stack([clips["speech"], 0.01 * clips["chirp"][: len(clips["speech"])]])[None]
    for top_db in (80.0, None):
        db = np.stack([librosa_mfcc_ref(c, 16000, dict(n_fft=512, top_db=None))[1] for c in y[0]])
        if top_db is not None:
            db = np.maximum(db, db.max() - top_db)
        ref = scipy.fft.dct(np.swapaxes(db, 1, 2), axis=-2, type=2, norm="ortho")[:, :20]
        ours = cl.mfcc(y=y, sr=16000, n_fft=512, top_db=top_db)
        assert ours.shape == (1,) + ref.shape
        for ch in range(2):
            tol = mfcc_tolerance(log_tolerance(db[ch], unit=DB), 20)
            assert_within(ours[0, ch].T, ref[ch].T, tol, f"compat.librosa.mfcc multichannel top_db={top_db}")
    direct = _lr(librosa.feature.mfcc, y=y.astype(np.float64), sr=16000, n_fft=512)  # top_db 80
    assert_within(cl.mfcc(y=y, sr=16000, n_fft=512)[0].transpose(0, 2, 1), direct[0].transpose(0, 2, 1),
                  2e-3 * np.abs(direct[0]).max(axis=-1, keepdims=True).transpose(0, 2, 1) + 1e-3,
                  "compat.librosa.mfcc multichannel vs librosa")
    mel = cl.melspectrogram(y=y, sr=16000, n_fft=512)
    ref = _lr(librosa.feature.melspectrogram, y=y.astype(np.float64), sr=16000, n_fft=512)
    assert mel.shape == ref.shape
    np.testing.assert_allclose(mel, ref, rtol=2e-3, atol=1e-6 * ref.max())


def test_librosa_mfcc_from_S(clips):
    S = librosa.power_to_db(_lr(librosa.feature.melspectrogram, y=clips["speech"].astype(np.float64), sr=16000))
    for kw in (dict(), dict(dct_type=3, norm=None, lifter=10, n_mfcc=13), dict(dct_type=1)):
        np.testing.assert_allclose(cl.mfcc(S=S, **kw), librosa.feature.mfcc(S=S, **kw), rtol=0, atol=1e-9)


def test_librosa_melspectrogram_from_S(clips):
    y = clips["speech"].astype(np.float64)
    for kw in (dict(n_fft=512), dict(n_fft=1024, htk=True, n_mels=40, norm=None, fmin=50.0),
               dict(n_fft=400, norm=2.0, n_mels=64)):
        mel_kw = {k: v for k, v in kw.items() if k != "n_fft"}
        S = np.abs(librosa.stft(y, n_fft=kw["n_fft"])) ** 2
        S = np.stack([S, 0.25 * S])  # (..., n_bins, t)
        ref = _lr(librosa.feature.melspectrogram, S=S, sr=16000, **mel_kw)
        ours = cl.melspectrogram(S=S, sr=16000, **mel_kw)
        assert ours.shape == ref.shape
        # float32 filterbank and accumulation against float64: relative to each frame's loudest band
        tol = R_NOISE * ref.max(axis=-2, keepdims=True) + 1e-6 * ref
        assert_within(ours, ref, tol, f"compat.librosa.melspectrogram(S=) {kw}")


def test_librosa_short_signal_warns_like_librosa():
    y = np.random.default_rng(3).standard_normal(1000).astype(np.float32)
    with pytest.warns(UserWarning, match=r"n_fft=2048 is too large for input signal of length=1000"):
        ours = cl.melspectrogram(y=y, sr=16000)
    with pytest.warns(UserWarning, match=r"n_fft=2048 is too large for input signal of length=1000"):
        ref = librosa.feature.melspectrogram(y=y.astype(np.float64), sr=16000)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_librosa_power_to_db_complex_warns():
    with pytest.warns(UserWarning, match="power_to_db was called on complex input"):
        cl.power_to_db(np.array([1.0 + 1.0j, 2.0]))


# Every option compat.librosa refuses: (function, keywords, pattern naming the option).
LIBROSA_REFUSED = [
    (cl.mfcc, dict(dct_type=4), r"dct_type=4 is not supported; dct_type must be 1, 2 or 3"),
    (cl.mfcc, dict(norm="forward"), r"norm='forward' is not supported; norm must be 'ortho' or None"),
    (cl.mfcc, dict(lifter=-1), r"lifter=-1 must be a non-negative number"),
    (cl.melspectrogram, dict(S=np.ones(1025)), r"S must be a real \(\.\.\., 1 \+ n_fft // 2, t\) power spectrogram"),
    (cl.melspectrogram, dict(window="kaiser"), r"window='kaiser' is not supported; window must be one of"),
    (cl.mfcc, dict(window=np.hanning(2048)), r"(?s)window=.* is not supported"),
    (cl.melspectrogram, dict(norm="l2"), r"norm='l2' is not supported; norm must be 'slaney', None or a number"),
    (cl.melspectrogram, dict(norm=np.inf), r"norm=inf is not supported; a numeric norm must be a finite p > 0"),
    (cl.mfcc, dict(mel_norm=0), r"norm=0 is not supported; a numeric norm must be a finite p > 0"),
    (cl.mfcc, dict(pad_mode="wrap"), r"pad_mode='wrap' is not supported"),
    (cl.mfcc, dict(pad_mode="mean"), r"pad_mode='mean' is not supported"),
    (cl.melspectrogram, dict(pad_mode="empty"), r"pad_mode='empty' is not supported"),
    (cl.mfcc, dict(y=None), r"y is required"),
    (cl.mfcc, dict(y=np.zeros(1000, np.float32), center=False), r"y has 1000 samples, fewer than one frame"),
]


@pytest.mark.parametrize("fn,kw,pattern", LIBROSA_REFUSED, ids=[f"{f.__name__}-{','.join(k)}" for f, k, _ in LIBROSA_REFUSED])
def test_librosa_refusals_name_the_option(clips, fn, kw, pattern):
    kw = dict(dict(y=clips["speech"], sr=16000), **kw)
    with pytest.raises(ff.ParameterError, match=pattern):
        fn(**kw)


def test_librosa_unsupported_options():
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


@pytest.mark.parametrize("sr,kw", [(44100, dict()), (22050, dict(nfft=256, winstep=0.005)),
                                   (48000, dict(winfunc=np.ones))])
def test_psf_frame_longer_than_nfft_is_truncated_with_a_warning(clips, sr, kw):
    # psf frames winlen * sr samples and rfft(frames, nfft) keeps the first nfft of them
    y = clips["speech"]
    with pytest.warns(UserWarning, match=r"frame will be truncated"):
        ours, ours_fb = cp.mfcc(y, sr, **kw), cp.logfbank(y, sr, **{k: v for k, v in kw.items() if k != "winfunc"})
    ref = psf.mfcc(y.astype(np.float64), sr, **kw)
    ref_fb = psf.logfbank(y.astype(np.float64), sr, **{k: v for k, v in kw.items() if k != "winfunc"})
    assert_within(ours_fb, ref_fb, log_tolerance(ref_fb), f"compat.psf.logfbank truncated {sr} {kw}")
    tol = mfcc_tolerance(log_tolerance(ref_fb), 13, 22)
    tol[:, 0] = log_tolerance(ref[:, :1])[:, 0] + ENERGY_ATOL
    assert_within(ours, ref, tol, f"compat.psf.mfcc truncated {sr} {kw}")


# Every option compat.psf refuses: (function, arguments after the signal, pattern naming the option).
PSF_REFUSED = [
    (cp.mfcc, dict(samplerate=44100, winfunc=np.hamming),
     r"nfft=512 is smaller than the frame \(1103 samples.*winfunc\(1103\)\[:512\]"),
    (cp.mfcc, dict(winfunc=lambda n: np.kaiser(n, 5.0)), r"winfunc is not one of the windows fastfeat implements"),
    (cp.logfbank, dict(winfunc=lambda n: np.ones(n // 2)), r"winfunc\(400\) returned shape \(200,\)"),
]


@pytest.mark.parametrize("fn,kw,pattern", PSF_REFUSED, ids=[f"{f.__name__}-{','.join(k)}" for f, k, _ in PSF_REFUSED])
def test_psf_refusals_name_the_option(clips, fn, kw, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the truncation warning comes first
        with pytest.raises(ff.ParameterError, match=pattern):
            fn(clips["speech"], **kw)


@pytest.mark.parametrize("N,pattern", [(0, r"N=0 must be an integer >= 1"), (1.5, r"N=1.5 must be an integer >= 1")])
def test_psf_delta_refuses_bad_N(N, pattern):
    with pytest.raises(ff.ParameterError, match=pattern):
        cp.delta(np.ones((5, 3)), N)
