"""Each preset against its reference library, directly (no model in between).

* ``Config.preset("librosa", sample_rate=sr)`` vs ``librosa.feature.mfcc`` and
  ``librosa.power_to_db(librosa.feature.melspectrogram(...))`` (top_db=80),
* ``Config.preset("kaldi", dither=0)`` vs ``kaldi_native_fbank.OnlineMfcc`` /
  ``OnlineFbank`` (``ff.logmel`` drops the preset's replace_c0 energy),
* ``Config.preset("python_speech_features")`` vs ``psf.mfcc`` / ``psf.logfbank``,
  and ``ff.delta`` vs ``psf.delta``,

on the speech fixtures (tests/data) and on synthetic signals: chirp, noise,
silence, clipping, DC, clicks and very short inputs.  All references are
computed live from the installed libraries.

Tolerances
----------
fastfeat computes in float32; librosa and psf in float64 (librosa's mel basis
is float32), knf in float32 with its own FFT.  In every case the error of a
linear mel energy is float32 rounding noise proportional to the frame's
loudest energies, not to the value itself, so in the log domain a band's
error grows as it falls below its frame's loudest band:

    tol_log = LOG_ATOL + R * exp(below),   below = ln(max_band / band)  (nats)

``R`` is the float32 noise of a mel energy relative to the loudest band of its
frame: the engine's is <= 3e-7 on speech (test_engine_vs_model.py), knf's is
similar; R = 1e-5 leaves a 30x margin.  ``LOG_ATOL`` covers the float32 log
and weights (a few ulp of values up to |100|: ~1e-5 for dB) with margin.
``below`` is computed from the *reference's* values, so a wrong engine cannot
loosen its own tolerance.  For MFCC the log-mel bound is propagated through
the (liftered) orthonormal DCT: ``tol_c = |lifter * D| @ tol_log``.  The log
energy that replaces c0 is a float32 sum of 400 squares (relative error
<= 400 * eps32 = 5e-5 worst case) and a float32 log: ``ENERGY_ATOL``.  knf
differs from the float64 model by up to ``1e-4 (1 + exp(below / 4))``
(measured in test_model_vs_references.py), so the kaldi bound adds that term.
Observed maxima (|diff| / tol) are quoted next to each test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from conftest import (DB, ENERGY_ATOL, SHORT_LENGTHS, SPEECH_SR, SYNTHETIC_NAMES, assert_within,
                      log_tolerance, mfcc_tolerance, short_signal, synthetic_signal)

import fastfeat as ff  # noqa: E402  (a broken build must fail loudly, not skip)
import kaldi_native_fbank as knf  # noqa: E402  (test extra: must be installed, never skipped)
import librosa  # noqa: E402
import python_speech_features as psf  # noqa: E402

DELTA_RTOL = 4e-7  # see test_delta_vs_psf


def _f64(y):
    return np.ascontiguousarray(y, dtype=np.float64)


def _f32(y):
    return np.ascontiguousarray(y, dtype=np.float32)


# ---------------------------------------------------------------- references

def librosa_logmel(y, sr):
    # librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr)) with its
    # defaults (ref=1.0, amin=1e-10, top_db=80.0), time-major
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_fft too large" on very short inputs
        return librosa.power_to_db(librosa.feature.melspectrogram(y=_f64(y), sr=sr)).T


def librosa_mfcc(y, sr, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return librosa.feature.mfcc(y=_f64(y), sr=sr, **kw).T


def knf_features(y, kind, sr=16000, **frame_opts):
    opts = knf.MfccOptions() if kind == "mfcc" else knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = sr
    for k, v in frame_opts.items():
        setattr(opts.frame_opts, k, v)
    comp = knf.OnlineMfcc(opts) if kind == "mfcc" else knf.OnlineFbank(opts)
    comp.accept_waveform(sr, _f64(y).tolist())
    comp.input_finished()
    n = comp.num_frames_ready
    dim = opts.num_ceps if kind == "mfcc" else opts.mel_opts.num_bins
    return np.array([comp.get_frame(i) for i in range(n)], dtype=np.float64).reshape(n, dim)


# ---------------------------------------------------------------- signals

def all_signals(speech):
    sigs = {f"speech:{k}": v for k, v in speech.items()}
    sigs.update({k: synthetic_signal(k) for k in SYNTHETIC_NAMES})
    rng = np.random.default_rng(7)
    # loud, clipped at full scale: flat-topped, energy up to Nyquist
    sigs["hard_clip"] = np.clip(5.0 * rng.standard_normal(8000), -1.0, 1.0).astype(np.float32)
    return sigs


# ---------------------------------------------------------------- librosa

LIBROSA_SR = (SPEECH_SR, 22050)


def check_librosa(y, sr, what):
    cfg = ff.Config.preset("librosa", sample_rate=sr)
    assert cfg.top_db == 80.0
    ref_db = librosa_logmel(y, sr)
    tol_db = log_tolerance(ref_db, unit=DB)
    r1 = assert_within(ff.logmel(_f32(y), sr=sr, config=cfg), ref_db, tol_db, f"librosa logmel {what}")
    ref_c = librosa_mfcc(y, sr)
    r2 = assert_within(ff.mfcc(_f32(y), sr=sr, config=cfg), ref_c,
                       mfcc_tolerance(tol_db, cfg.n_mfcc), f"librosa mfcc {what}")
    return max(r1, r2)


@pytest.mark.parametrize("sr", LIBROSA_SR)
def test_librosa_preset(speech, sr):
    # the clips are 16 kHz; at 22050 they are simply read as 22.05 kHz audio
    # (the preset's own rate): only the filterbank frequencies change
    for name, y in all_signals(speech).items():
        check_librosa(y, sr, name)


@pytest.mark.parametrize("n", SHORT_LENGTHS)
def test_librosa_short(n):
    check_librosa(short_signal(n), SPEECH_SR, f"n={n}")


@pytest.mark.parametrize("center", [True, False])
def test_librosa_preset_window_shorter_than_fft(speech, center):
    # librosa frames n_fft samples with the win_length window centred in them,
    # for center=False too (the preset's window_centered)
    y = speech["turn_left"]
    cfg = ff.Config.preset("librosa", sample_rate=SPEECH_SR, center=center, n_fft=1024, frame_length=600,
                           hop_length=256, top_db=None)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(
        y=_f64(y), sr=SPEECH_SR, n_fft=1024, win_length=600, hop_length=256, center=center), top_db=None).T
    assert_within(ff.logmel(y, sr=SPEECH_SR, config=cfg), ref, log_tolerance(ref, unit=DB),
                  f"librosa preset win_length < n_fft center={center}")


def test_librosa_top_db_is_in_the_preset(speech):
    # without top_db the quiet tail (exact zeros: -100 dB) is not clipped; the
    # preset's clip at max - 80 dB is what librosa does by default
    y = speech["yes"]
    cfg = ff.Config.preset("librosa", sample_rate=SPEECH_SR)
    clipped = ff.logmel(y, sr=SPEECH_SR, config=cfg)
    unclipped = ff.logmel(y, sr=SPEECH_SR, config=cfg.replace(top_db=None))
    assert clipped.min() >= clipped.max() - 80.0 - 1e-3
    assert unclipped.min() < clipped.max() - 80.0 - 1.0
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=_f64(y), sr=SPEECH_SR), top_db=None).T
    assert_within(unclipped, ref, log_tolerance(ref, unit=DB), "top_db=None")


# ---------------------------------------------------------------- kaldi

def check_kaldi(y, what, sr=16000, **over):
    cfg = ff.Config.preset("kaldi", dither=0.0, sample_rate=sr, **over)
    frame_opts = {"snip_edges": over["snip_edges"]} if "snip_edges" in over else {}
    ref_fb = knf_features(y, "fbank", sr, **frame_opts)
    if ref_fb.shape[0] == 0:  # knf returns no frame; fastfeat refuses a too-short signal
        with pytest.raises(ValueError, match="fewer than one frame"):
            ff.mfcc(_f32(y), sr=sr, config=cfg)
        with pytest.raises(ValueError, match="fewer than one frame"):
            ff.logmel(_f32(y), sr=sr, config=cfg)
        return 0.0
    tol_fb = log_tolerance(ref_fb, knf_term=True)
    r1 = assert_within(ff.logmel(_f32(y), sr=sr, config=cfg), ref_fb, tol_fb, f"kaldi fbank {what}")
    ref_c = knf_features(y, "mfcc", sr, **frame_opts)
    tol_c = mfcc_tolerance(tol_fb, cfg.n_mfcc, cfg.lifter)
    tol_c[:, 0] = ENERGY_ATOL  # c0 is the log raw energy (use_energy=True)
    r2 = assert_within(ff.mfcc(_f32(y), sr=sr, config=cfg), ref_c, tol_c, f"kaldi mfcc {what}")
    return max(r1, r2)


@pytest.mark.parametrize("snip_edges", [True, False])
def test_kaldi_preset(speech, snip_edges):
    for name, y in all_signals(speech).items():
        check_kaldi(y, name, snip_edges=snip_edges)


@pytest.mark.parametrize("n", SHORT_LENGTHS)
def test_kaldi_short(n):
    check_kaldi(short_signal(n), f"n={n}")
    check_kaldi(short_signal(n), f"n={n}", snip_edges=False)


def test_kaldi_logmel_drops_replace_c0():
    cfg = ff.Config.preset("kaldi", dither=0.0)
    assert cfg.energy == "replace_c0"
    assert ff.logmel(short_signal(4000), sr=16000, config=cfg).shape == (1 + (4000 - 400) // 160, 23)


def test_kaldi_preset_keeps_kaldis_dither():
    # the preset itself has knf's dither 3e-5; it is seeded, so two runs agree,
    # and it changes the silent frames (log(FLT_EPS) otherwise)
    cfg = ff.Config.preset("kaldi")
    assert cfg.dither == 3e-05
    y = np.zeros(4000, np.float32)
    a, b = ff.mfcc(y, sr=16000, config=cfg), ff.mfcc(y, sr=16000, config=cfg)
    np.testing.assert_array_equal(a, b)
    c0 = ff.mfcc(y, sr=16000, config=cfg.replace(dither=0.0))[:, 0]
    np.testing.assert_allclose(c0, np.log(np.float32(1.1920928955078125e-07)), rtol=1e-6)
    assert np.all(a[:, 0] > c0 + 1.0)


# ---------------------------------------------------------------- python_speech_features

def check_psf(y, what, sr=16000, **kw):
    cfg = ff.Config.preset("python_speech_features", sample_rate=sr)
    y64 = _f64(y)
    # psf's own nfft default is 512 at every rate; the preset takes the power of
    # two >= the frame (psf's calculate_nfft), the same 512 at 16 kHz
    ref_fb = psf.logfbank(y64, sr, nfft=cfg.n_fft)
    tol_fb = log_tolerance(ref_fb)
    r1 = assert_within(ff.logmel(_f32(y), sr=sr, config=cfg), ref_fb, tol_fb, f"psf logfbank {what}")
    ref_c = psf.mfcc(y64, sr, nfft=cfg.n_fft)
    tol_c = mfcc_tolerance(tol_fb, cfg.n_mfcc, cfg.lifter)
    # c0 = log of the frame's spectrum energy: float32 sum of 257 bins
    tol_c[:, 0] = log_tolerance(np.log(np.maximum(np.exp(ref_c[:, :1]), 1e-300)))[:, 0] + ENERGY_ATOL
    r2 = assert_within(ff.mfcc(_f32(y), sr=sr, config=cfg), ref_c, tol_c, f"psf mfcc {what}")
    return max(r1, r2)


def test_psf_preset(speech):
    for name, y in all_signals(speech).items():
        check_psf(y, name)


def _at_rate(speech, sr):
    """Two speech clips resampled to ``sr`` (content up to the new Nyquist)."""
    return {name: librosa.resample(speech[name].astype(np.float64), orig_sr=SPEECH_SR, target_sr=sr).astype(np.float32)
            for name in ("turn_left", "yes")}


@pytest.mark.parametrize("sr", [8000, 22050, 44100])
def test_presets_in_ms_equal_their_reference_at_other_rates(speech, sr):
    """kaldi and psf count frames in ms: at any rate the preset equals the reference's defaults."""
    for name, y in _at_rate(speech, sr).items():
        check_kaldi(y, f"{name}@{sr}", sr=sr)
        check_psf(y, f"{name}@{sr}", sr=sr)


@pytest.mark.parametrize("n", SHORT_LENGTHS)
def test_psf_short(n):
    check_psf(short_signal(n), f"n={n}")


def test_psf_quiet_signal_zero_floor():
    # mel energies in (0, eps) are kept by psf (numpy.where(x == 0, eps, x));
    # the preset's log_floor_mode="zero" does the same.  1e-10 * noise puts
    # most bands below eps = 2.2e-16.
    y = 1e-10 * short_signal(4000).astype(np.float64)
    ref = psf.logfbank(y, 16000)
    assert (ref < math.log(2.220446049250313e-16)).any()
    assert_within(ff.logmel(_f32(y), sr=16000, config=ff.Config.preset("python_speech_features")),
                  ref, log_tolerance(ref), "quiet")


@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_delta_vs_psf(speech, N):
    f = psf.mfcc(_f64(speech["go_forward"]), 16000)
    ref = psf.delta(f, N)
    ours = ff.delta(f.astype(np.float32), order=1, width=N)
    # float32 inputs (rounded by <= 2^-24 relative) and sums: relative to max |f|
    assert_within(ours, ref, DELTA_RTOL * np.abs(f).max(), f"delta N={N}")
    ref2 = psf.delta(ref, N)
    assert_within(ff.delta(f.astype(np.float32), order=2, width=N), ref2,
                  DELTA_RTOL * np.abs(f).max(), f"delta-delta N={N}")
    # and float64 input: same numbers as its float32 rounding
    np.testing.assert_array_equal(ff.delta(f, order=1, width=N), ours)


def test_psf_deltas_in_the_config(speech):
    y = speech["turn_left"]
    f = psf.mfcc(_f64(y), 16000)
    d1 = psf.delta(f, 2)
    d2 = psf.delta(d1, 2)
    cfg = ff.Config.preset("python_speech_features", deltas=2, delta_width=2)
    ours = ff.mfcc(y, sr=16000, config=cfg)
    ref = np.hstack([f, d1, d2])
    tol_fb = log_tolerance(psf.logfbank(_f64(y), 16000))
    tol_c = mfcc_tolerance(tol_fb, 13, 22.0)
    tol_c[:, 0] = 1e-3
    # the delta of values each within tol is within the delta weights' |sum| of tol (<= max tol)
    tol = np.hstack([tol_c, np.full_like(tol_c, tol_c.max()), np.full_like(tol_c, tol_c.max())])
    assert_within(ours, ref, tol, "deltas")


# ---------------------------------------------------------------- Extractor.map

@pytest.mark.parametrize("threads", [1, 4])
@pytest.mark.parametrize("preset", ["kaldi", "python_speech_features", "librosa"])
def test_map_equals_one_by_one(speech, preset, threads):
    over = dict(dither=0.0) if preset == "kaldi" else {}
    if preset == "librosa":
        over = dict(sample_rate=16000)
    cfg = ff.Config.preset(preset, **over)
    ext = ff.Extractor(cfg)
    sigs = list(speech.values()) + [synthetic_signal("chirp"), short_signal(2049), synthetic_signal("silence")]
    got = ext.map(sigs, threads=threads)
    assert len(got) == len(sigs)
    for g, y in zip(got, sigs):
        np.testing.assert_array_equal(g, ext(y))
        assert g.dtype == np.float32 and g.flags.c_contiguous
    # and the kaldi preset with its (seeded) dither: still identical
    if preset == "kaldi":
        ext = ff.Extractor(ff.Config.preset("kaldi"))
        for g, y in zip(ext.map(sigs, threads=threads), sigs):
            np.testing.assert_array_equal(g, ext(y))


# ---------------------------------------------------------------- the tolerances can fail

def _within(ours, ref, tol) -> bool:
    return ours.shape == ref.shape and bool(np.all(np.abs(ours - ref) <= tol))


def test_tolerances_catch_a_wrong_convention(speech):
    # one convention detail changed in each preset must break the comparison:
    # the tolerances above are far below the size of a real convention error
    y = speech["go_forward"]
    ref = librosa_logmel(y, SPEECH_SR)
    tol = log_tolerance(ref, unit=DB)
    good = ff.Config.preset("librosa", sample_rate=SPEECH_SR)
    assert _within(ff.logmel(y, sr=SPEECH_SR, config=good), ref, tol)
    for bad in (dict(window_periodic=False), dict(mel_triangles="mel"), dict(pad_mode="reflect")):
        assert not _within(ff.logmel(y, sr=SPEECH_SR, config=good.replace(**bad)), ref, tol), bad
    ref = knf_features(y, "fbank")
    tol = log_tolerance(ref, knf_term=True)
    good = ff.Config.preset("kaldi", dither=0.0)
    assert _within(ff.logmel(y, sr=16000, config=good), ref, tol)
    for bad in (dict(window="hann"), dict(remove_dc=False), dict(fmin=0.0), dict(preemphasis=0.95)):
        assert not _within(ff.logmel(y, sr=16000, config=good.replace(**bad)), ref, tol), bad
    ref = psf.logfbank(_f64(y), 16000)
    tol = log_tolerance(ref)
    good = ff.Config.preset("python_speech_features")
    assert _within(ff.logmel(y, sr=16000, config=good), ref, tol)
    for bad in (dict(preemphasis_scope="frame"), dict(mel_triangles="mel"), dict(spectrum_norm=None)):
        assert not _within(ff.logmel(y, sr=16000, config=good.replace(**bad)), ref, tol), bad


# ---------------------------------------------------------------- aggregate check
#
# The per-value bounds above follow float32 noise into weak bands, which makes
# them wide where a band is far below its frame's loudest.  This check is the
# complement: every frame's whole MFCC vector must match the reference to a
# relative L2 error of MFCC_FRAME_RTOL.  Observed on tests/data (2026-11-22):
# librosa <= 6.6e-7, kaldi <= 4.5e-6 (knf is float32 itself), psf <= 1.8e-6;
# 2e-5 leaves a 4x margin.  A wrong convention (window, triangles, floor,
# lifter) moves whole vectors by 1e-2 or more.
MFCC_FRAME_RTOL = 2e-5


@pytest.mark.parametrize("preset", ["librosa", "kaldi", "python_speech_features"])
def test_mfcc_frames_match_in_relative_l2(speech, preset):
    for name, y in speech.items():
        if preset == "librosa":
            ours = ff.mfcc(_f32(y), config=ff.Config.preset("librosa", sample_rate=SPEECH_SR))
            ref = librosa_mfcc(y, SPEECH_SR)
        elif preset == "kaldi":
            ours = ff.mfcc(_f32(y), config=ff.Config.preset("kaldi", dither=0.0))
            ref = knf_features(y, "mfcc")
        else:
            ours = ff.mfcc(_f32(y), config=ff.Config.preset("python_speech_features"))
            ref = psf.mfcc(_f64(y))
        assert ours.shape == ref.shape, name
        rel = np.linalg.norm(ours - ref, axis=1) / np.linalg.norm(ref, axis=1)
        assert rel.max() < MFCC_FRAME_RTOL, f"{preset} {name}: frame {rel.argmax()} off by {rel.max():.2e}"
