"""The float64 reference model (tests/_model.py) reproduces the reference libraries.

With the three presets, ``_model.model_features`` must equal

* librosa 0.11: ``librosa.feature.mfcc`` / ``power_to_db(melspectrogram)``,
* kaldi_native_fbank: ``OnlineMfcc`` / ``OnlineFbank`` (dither 0),
* python_speech_features: ``mfcc`` / ``logfbank``,

on real speech (tests/data/*.wav), on synthetic signals and on very short
inputs.  Once this holds, the C engine only has to match the model, stage by
stage.  Every reference gets the same float64 samples (float32 values cast to
float64), in [-1, 1].

Tolerances (see the constants below) are set from where each reference loses
precision, with a margin of 3x-50x over the largest difference observed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import _model as M
from conftest import SHORT_LENGTHS, SPEECH_SR, short_signal

knf = pytest.importorskip("kaldi_native_fbank")
librosa = pytest.importorskip("librosa")
psf = pytest.importorskip("python_speech_features")

# ------------------------------------------------------------------ tolerances
#
# python_speech_features works in float64 with the same formulas; only the
# summation order and the DCT routine (scipy.fftpack vs the model's explicit
# matrix) differ.  Observed: logfbank identical (0.0), mfcc <= 1.3e-12.
PSF_ATOL = 1e-9
#
# librosa works in float64 except that librosa.filters.mel builds the mel
# basis in float32 (its default dtype): each weight is rounded by <= 2**-24
# relative, i.e. <= 10*log10(1 + 6e-8) = 2.6e-7 dB per mel value.  The
# orthonormal DCT of 128 values amplifies an absolute error by at most
# sum_m |D_km| <= sqrt(2*128) = 16, i.e. <= 4.2e-6.  Observed: logmel
# <= 4e-7 dB, mfcc <= 1.8e-6.
LIBROSA_LOGMEL_ATOL = 1e-5  # dB
LIBROSA_MFCC_ATOL = 5e-5
#
# kaldi_native_fbank computes everything in float32 (window, its own FFT, mel
# weights, log).  A mel energy's relative error grows as the energy falls
# below the frame's loudest band (float32 FFT noise is spread over all bins),
# so the log-mel tolerance is
#     KALDI_ATOL * (1 + exp(below / 4)),  below = max_band(logmel) - logmel
# in nats: 2e-4 at the loudest band, 0.015 at 20 nats (87 dB) below it.
# Observed (all signals): <= 9e-5 within 15 nats of the peak; on the chirp,
# 5e-4 at 15-20 nats and 4.7e-3 at 20-25 nats below (<= 0.17 of the
# tolerance).  The tolerance is computed from the model's log-mel, so it
# cannot be loosened by a wrong reference.
KALDI_ATOL = 1e-4
# For MFCC the log-mel tolerance is propagated through the liftered DCT
# (tol_c[k] = sum_m |lift_k D_km| tol_m), plus KALDI_ATOL.  The log energy that
# replaces c0 is a float32 sum of 400 squares (relative error <= 400 * 2**-23
# = 5e-5 in the worst case) and a float32 log.  Observed <= 1.3e-5 (c0) and,
# for the cepstra, <= 2.3e-4 on speech and 2.3e-2 on the chirp (whose weak
# bands are noisy in knf); at most 0.17 of the tolerance anywhere.
KALDI_ENERGY_ATOL = 1e-4


# ------------------------------------------------------------------ references

def _f64(y) -> np.ndarray:
    return np.ascontiguousarray(y, dtype=np.float64)


def ref_librosa(y, cfg: dict) -> np.ndarray:
    """librosa with the arguments a librosa user would pass for cfg
    (n_frames, n_features)."""
    kw = dict(
        sr=cfg["sample_rate"], n_fft=cfg["n_fft"], hop_length=cfg["hop_length"],
        win_length=cfg["frame_length"], center=cfg["center"], pad_mode=cfg["pad_mode"],
        power=cfg["power"], n_mels=cfg["n_mels"], fmin=cfg["fmin"], fmax=cfg["fmax"],
        htk=cfg["mel_scale"] == "htk", norm=cfg["mel_norm"],
        window=cfg["window"],
    )
    assert cfg["window_periodic"] and cfg["mel_triangles"] == "hz" and cfg["log"] == "db"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_fft too large for input signal"
        S = librosa.feature.melspectrogram(y=_f64(y), **kw)
        db = librosa.power_to_db(S, ref=1.0, amin=cfg["log_floor"], top_db=cfg["top_db"])
        if cfg["kind"] == "logmel":
            out = db
        else:
            out = librosa.feature.mfcc(S=db, n_mfcc=cfg["n_mfcc"], dct_type=2,
                                       norm=cfg["dct_norm"], lifter=0)
            # same path as librosa.feature.mfcc(y=...) - checked separately
    return out.T


def ref_kaldi(y, cfg: dict, **frame_opts) -> np.ndarray:
    """kaldi_native_fbank OnlineMfcc (kind mfcc) or OnlineFbank (kind logmel)."""
    mfcc = cfg["kind"] == "mfcc"
    opts = knf.MfccOptions() if mfcc else knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    for k, v in frame_opts.items():
        setattr(opts.frame_opts, k, v)
    comp = knf.OnlineMfcc(opts) if mfcc else knf.OnlineFbank(opts)
    comp.accept_waveform(cfg["sample_rate"], _f64(y).tolist())
    comp.input_finished()
    n = comp.num_frames_ready
    dim = opts.num_ceps if mfcc else opts.mel_opts.num_bins
    out = np.zeros((n, dim))
    for i in range(n):
        out[i] = comp.get_frame(i)
    return out


def ref_psf(y, cfg: dict) -> np.ndarray:
    if cfg["kind"] == "mfcc":
        return psf.mfcc(_f64(y), samplerate=cfg["sample_rate"])
    return psf.logfbank(_f64(y), samplerate=cfg["sample_rate"])


# ------------------------------------------------------------------ checks

def preset_config(preset: str, kind: str, **overrides) -> dict:
    """The preset for one reference function: kaldi fbank / psf logfbank have
    no energy; the references are run without dither."""
    extra = dict(kind=kind, dither=0.0)
    if kind == "logmel" and preset != "librosa":
        extra["energy"] = None
    extra.update(overrides)
    return M.make_config(preset, **extra)


def _fail_message(model, ref, tol):
    d = np.abs(model - ref)
    i = np.unravel_index(np.argmax(d - tol), d.shape)
    return (f"max |diff| {d.max():.3g}; worst vs tolerance at (frame, coef) {i}: "
            f"model {model[i]!r} ref {ref[i]!r} tol {np.broadcast_to(tol, d.shape)[i]:.3g}")


def assert_close(model, ref, tol):
    assert model.shape == ref.shape, (model.shape, ref.shape)
    if model.size == 0:
        return
    assert np.all(np.isfinite(model)) and np.all(np.isfinite(ref))
    ok = np.abs(model - ref) <= tol
    assert ok.all(), _fail_message(model, ref, tol)


def kaldi_tolerance(stages: dict, cfg: dict) -> np.ndarray:
    logmel = stages["log"]
    if logmel.shape[0] == 0:
        return np.zeros((0, M.n_features(cfg)))
    below = logmel.max(axis=1, keepdims=True) - logmel
    tol = KALDI_ATOL * (1.0 + np.exp(below / 4.0))
    if cfg["kind"] == "logmel":
        return tol
    D = M.dct_matrix(cfg["n_mfcc"], cfg["n_mels"], cfg["dct_norm"])
    lift = M.lifter(np.ones((1, cfg["n_mfcc"])), cfg["lifter"])[0]
    tol = tol @ np.abs(lift[:, None] * D).T + KALDI_ATOL
    if cfg["energy"] == "replace_c0":
        tol[:, 0] = KALDI_ENERGY_ATOL
    return tol


def check_preset(preset: str, cfg: dict, y) -> float:
    """Compare the model to the preset's reference on y; return max |diff|."""
    y = _f64(y)
    stages = M.model_stages(y, cfg)
    model = stages["features"]
    if preset == "librosa":
        ref = ref_librosa(y, cfg)
        tol = LIBROSA_MFCC_ATOL if cfg["kind"] == "mfcc" else LIBROSA_LOGMEL_ATOL
    elif preset == "kaldi":
        ref = ref_kaldi(y, cfg)
        tol = kaldi_tolerance(stages, cfg)
    else:
        ref = ref_psf(y, cfg)
        tol = PSF_ATOL
    assert_close(model, ref, tol)
    return float(np.abs(model - ref).max()) if model.size else 0.0


PRESET_KINDS = [
    (p, k) for p in ("librosa", "kaldi", "python_speech_features") for k in ("mfcc", "logmel")
]


# ------------------------------------------------------------------ presets

@pytest.mark.parametrize("preset,kind", PRESET_KINDS)
def test_speech(speech, preset, kind):
    cfg = preset_config(preset, kind)
    for name, y in speech.items():
        check_preset(preset, cfg, y)


@pytest.mark.parametrize("kind", ["mfcc", "logmel"])
def test_speech_librosa_at_its_own_rate(speech, kind):
    # the librosa preset is built for 22.05 kHz; a user with 16 kHz audio
    # passes sr=16000: only the filterbank frequencies change
    cfg = preset_config("librosa", kind, sample_rate=SPEECH_SR)
    for y in speech.values():
        check_preset("librosa", cfg, y)


@pytest.mark.parametrize("preset,kind", PRESET_KINDS)
def test_synthetic(synthetic, preset, kind):
    name, y = synthetic
    check_preset(preset, preset_config(preset, kind), y)


@pytest.mark.parametrize("n", SHORT_LENGTHS)
@pytest.mark.parametrize("preset,kind", PRESET_KINDS)
def test_short_inputs(preset, kind, n):
    cfg = preset_config(preset, kind)
    y = short_signal(n)
    check_preset(preset, cfg, y)
    # frame counts, independently of the reference: Kaldi drops a signal
    # shorter than a frame, psf always has >= 1 frame, librosa 1 + N // hop
    expected = {"kaldi": 0 if n < 400 else 1 + (n - 400) // 160,
                "python_speech_features": 1 if n <= 400 else 1 + -(-(n - 400) // 160),
                "librosa": 1 + n // 512}[preset]
    assert M.num_frames(n, cfg) == expected


def test_kaldi_empty_signal():
    cfg = preset_config("kaldi", "mfcc")
    assert M.model_features(np.zeros(0), cfg).shape == (0, 13)
    assert ref_kaldi(np.zeros(0), cfg).shape == (0, 13)


def test_librosa_mfcc_from_signal(speech):
    # ref_librosa goes through power_to_db then mfcc(S=...); the one-call
    # librosa.feature.mfcc(y=, sr=) with all defaults is the same thing
    y = _f64(speech["turn_left"])
    cfg = preset_config("librosa", "mfcc")
    ref = librosa.feature.mfcc(y=y, sr=cfg["sample_rate"]).T
    assert_close(M.model_features(y, cfg), ref, LIBROSA_MFCC_ATOL)


def test_psf_deltas(speech):
    y = _f64(speech["go_forward"])
    f = psf.mfcc(y, 16000)
    for order, width in [(1, 2), (2, 2), (2, 3), (1, 1)]:
        parts = [f]
        for _ in range(order):
            parts.append(psf.delta(parts[-1], width))
        cfg = preset_config("python_speech_features", "mfcc", deltas=order, delta_width=width)
        assert_close(M.model_features(y, cfg), np.hstack(parts), PSF_ATOL)


# ------------------------------------------------------------------ variants
# Not presets, but the general rules of the model, each checked against the
# reference that defines it.

@pytest.mark.parametrize("n", [300, 960, 1000, 4000])
@pytest.mark.parametrize("variant", [
    dict(n_fft=512, frame_length=400, hop_length=160),  # window centred in n_fft
    dict(n_fft=512, frame_length=401, hop_length=160),
    dict(n_fft=511, frame_length=400, hop_length=160),  # odd n_fft: frame count
    dict(n_fft=513, frame_length=400, hop_length=100),
    dict(pad_mode="reflect"),  # pads longer than the signal, too
    dict(pad_mode="edge"),
    dict(window="hamming"),
    dict(mel_scale="htk", mel_norm=None, power=1.0, fmin=50.0, fmax=7000.0, n_mels=40),
    dict(top_db=None, log_floor=1e-6),
])
def test_librosa_variants(speech, variant, n):
    y = speech["turn_left"][:n]
    for kind in ("logmel", "mfcc"):
        cfg = preset_config("librosa", kind, sample_rate=SPEECH_SR, **variant)
        check_preset("librosa", cfg, y)


@pytest.mark.parametrize("n", [1, 100, 399, 400, 401, 559, 560, 561, 4000, 13087])
def test_kaldi_snip_edges_false(speech, n):
    y = speech["turn_left"][-n:]
    for kind in ("mfcc", "logmel"):
        cfg = preset_config("kaldi", kind, snip_edges=False)
        stages = M.model_stages(_f64(y), cfg)
        ref = ref_kaldi(y, cfg, snip_edges=False)
        assert_close(stages["features"], ref, kaldi_tolerance(stages, cfg))
        assert ref.shape[0] == (n + 80) // 160


@pytest.mark.parametrize("knf_window,window,periodic", [
    ("hamming", "hamming", False),
    ("hanning", "hann", False),
    ("hann", "hann", True),  # knf's "hann" is the periodic one (torch.hann_window)
    ("blackman", "blackman", False),
    ("rectangular", "rectangular", False),
])
def test_kaldi_windows(speech, knf_window, window, periodic):
    y = speech["go_forward"]
    cfg = preset_config("kaldi", "logmel", window=window, window_periodic=periodic)
    stages = M.model_stages(_f64(y), cfg)
    assert_close(stages["features"], ref_kaldi(y, cfg, window_type=knf_window),
                 kaldi_tolerance(stages, cfg))


def test_kaldi_other_options(speech):
    y = _f64(speech["stop"])
    # raw_energy=False: the energy of the windowed frame
    cfg = preset_config("kaldi", "mfcc", energy_source="windowed")
    opts = knf.MfccOptions()
    opts.frame_opts.dither = 0.0
    opts.raw_energy = False
    comp = knf.OnlineMfcc(opts)
    comp.accept_waveform(16000, y.tolist())
    comp.input_finished()
    ref = np.array([comp.get_frame(i) for i in range(comp.num_frames_ready)])
    st = M.model_stages(y, cfg)
    assert_close(st["features"], ref, kaldi_tolerance(st, cfg))
    # no DC removal, no pre-emphasis, magnitude spectrum
    cfg = preset_config("kaldi", "logmel", remove_dc=False, preemphasis=0.0, power=1.0)
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.remove_dc_offset = False
    opts.frame_opts.preemph_coeff = 0.0
    opts.use_power = False
    comp = knf.OnlineFbank(opts)
    comp.accept_waveform(16000, y.tolist())
    comp.input_finished()
    ref = np.array([comp.get_frame(i) for i in range(comp.num_frames_ready)])
    st = M.model_stages(y, cfg)
    assert_close(st["features"], ref, kaldi_tolerance(st, cfg))


def test_psf_variants(speech):
    y = _f64(speech["yes"])
    cfg = M.make_config("python_speech_features", window="hamming", n_mels=40, fmin=100.0,
                        fmax=7000.0, n_fft=1024, lifter=0.0)
    ref = psf.mfcc(y, 16000, winfunc=np.hamming, nfilt=40, lowfreq=100, highfreq=7000,
                   nfft=1024, ceplifter=0)
    assert_close(M.model_features(y, cfg), ref, PSF_ATOL)
    cfg = M.make_config("python_speech_features", energy=None, n_mfcc=20, n_mels=30)
    ref = psf.mfcc(y, 16000, numcep=20, nfilt=30, appendEnergy=False)
    assert_close(M.model_features(y, cfg), ref, PSF_ATOL)


# ------------------------------------------------------------------ stages

def test_filterbanks_match_references():
    # librosa: identical in float64
    for sr, n_fft, n_mels, htk, norm, fmin, fmax in [
        (22050, 2048, 128, False, "slaney", 0.0, None),
        (16000, 512, 40, True, None, 20.0, 7600.0),
        (16000, 400, 64, False, None, 0.0, 8000.0),
        (8000, 255, 20, True, "slaney", 100.0, 3000.0),
    ]:
        cfg = M.make_config(sample_rate=sr, n_fft=n_fft, frame_length=n_fft, n_mels=n_mels,
                            mel_scale="htk" if htk else "slaney", mel_norm=norm,
                            mel_triangles="hz", fmin=fmin, fmax=fmax)
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                  htk=htk, norm=norm, dtype=np.float64)
        np.testing.assert_allclose(M.mel_filterbank(cfg), ref, rtol=0, atol=1e-12)
    # python_speech_features: identical
    for nfilt, nfft, sr, lo, hi in [(26, 512, 16000, 0, None), (40, 1024, 16000, 100, 7000),
                                    (64, 512, 8000, 0, 4000)]:
        cfg = M.make_config("python_speech_features", n_mels=nfilt, n_fft=nfft, sample_rate=sr,
                            fmin=float(lo), fmax=None if hi is None else float(hi))
        np.testing.assert_allclose(M.mel_filterbank(cfg),
                                   psf.get_filterbanks(nfilt, nfft, sr, lo, hi), rtol=0, atol=1e-15)
    # Kaldi: its weights are computed in float32 in the mel domain; 1e-5 covers
    # the rounding of mel differences (observed 3.4e-6).  knf's matrix has
    # n_fft//2 + 1 columns; the Nyquist column is always 0 (Kaldi loops over
    # n_fft//2 bins only) and so is the model's, since mel(Nyquist) >= the
    # last right edge.
    for num_bins, lo, hi in [(23, 20.0, 0.0), (40, 0.0, 0.0), (80, 20.0, -400.0), (64, 60.0, 7600.0)]:
        mo = knf.MelBanksOptions()
        mo.num_bins, mo.low_freq, mo.high_freq = num_bins, lo, hi
        W = np.array(knf.MelBanks(mo, knf.FrameExtractionOptions()).get_matrix(), dtype=np.float64)
        fmax = None if hi == 0 else (hi if hi > 0 else 8000.0 + hi)
        cfg = M.make_config("kaldi", n_mels=num_bins, fmin=lo, fmax=fmax)
        F = M.mel_filterbank(cfg)
        assert W.shape == F.shape
        np.testing.assert_allclose(F, W, rtol=0, atol=1e-5)
        assert np.all(F[:, -1] == 0) and np.all(W[:, -1] == 0)


def test_windows_match_references():
    import scipy.signal

    for L in (1, 2, 400, 401, 2048):
        np.testing.assert_allclose(M.window_function("hamming", L), np.hamming(L), atol=1e-15)
        np.testing.assert_allclose(M.window_function("blackman", L), np.blackman(L), atol=1e-15)
        np.testing.assert_allclose(M.window_function("hann", L), np.hanning(L), atol=1e-15)
        for w in ("hann", "hamming", "blackman"):
            np.testing.assert_allclose(M.window_function(w, L, periodic=True),
                                       scipy.signal.get_window(w, L, fftbins=True), atol=1e-15)
    for wt, name, per in [("povey", "povey", False), ("hamming", "hamming", False),
                          ("blackman", "blackman", False), ("hanning", "hann", False),
                          ("hann", "hann", True), ("rectangular", "rectangular", False)]:
        fo = knf.FrameExtractionOptions()
        fo.window_type = wt
        w = np.array(knf.FeatureWindowFunction(fo).window, dtype=np.float64)
        np.testing.assert_allclose(M.window_function(name, 400, per), w, rtol=0, atol=1e-7)


def test_dct_matches_scipy(rng):
    import scipy.fft

    x = rng.standard_normal((7, 40))
    for dct_type in (1, 2, 3):
        for norm in ("ortho", None):
            ref = scipy.fft.dct(x, type=dct_type, norm=norm, axis=1)[:, :13]
            np.testing.assert_allclose(M.dct(x, dict(n_mfcc=13, dct_norm=norm, dct_type=dct_type)), ref, atol=1e-12)


def test_signal_preemphasis_matches_psf(rng):
    x = rng.standard_normal(1000)
    np.testing.assert_array_equal(M.signal_preemphasis(x, 0.97),
                                  psf.sigproc.preemphasis(x, 0.97))


# ------------------------------------------------------------------ known differences
# Where a reference does something the model (and so fastfeat) deliberately
# does not do; these tests pin the difference down so nobody "fixes" it.

def test_psf_replaces_exact_zeros_only():
    # psf: numpy.where(x == 0, eps, x) before the log, not max(x, eps).  A
    # signal so quiet that mel energies fall in (0, eps) keeps them with
    # log_floor_mode="zero" (the psf preset), exactly as psf does; with
    # log_floor_mode="max" they are floored and everything else agrees.
    y = 1e-10 * short_signal(4000).astype(np.float64)
    cfg = preset_config("python_speech_features", "logmel")
    assert cfg["log_floor_mode"] == "zero"
    model, ref = M.model_features(y, cfg), ref_psf(y, cfg)
    floor = np.log(cfg["log_floor"])
    below = ref < floor
    assert below.any()
    np.testing.assert_allclose(model, ref, atol=PSF_ATOL)
    model_max = M.model_features(y, dict(cfg, log_floor_mode="max"))
    np.testing.assert_allclose(model_max[~below], ref[~below], atol=PSF_ATOL)
    assert np.all(model_max[below] == floor)


def test_librosa_lifter_index_is_shifted(speech):
    # librosa's lifter multiplies c_i by 1 + (L/2) sin(pi (i+1) / L) (i from
    # 0); Kaldi/psf and the model use sin(pi i / L).  The presets never mix
    # them (librosa's default lifter is 0).
    y = _f64(speech["yes"])
    cfg = preset_config("librosa", "mfcc")
    base = M.model_features(y, cfg)
    i = np.arange(cfg["n_mfcc"])
    ref = librosa.feature.mfcc(y=y, sr=cfg["sample_rate"], lifter=22).T
    assert_close(base * (1 + 11 * np.sin(np.pi * (i + 1) / 22)), ref, 12 * LIBROSA_MFCC_ATOL)
