"""The C engine (``fastfeat.Extractor``) against the float64 model (tests/_model.py).

The model is proven against librosa, kaldi_native_fbank and
python_speech_features in ``test_model_vs_references.py``; here the engine
only has to match the model, stage by stage, with configs that isolate one
stage at a time, and then on random configs (hypothesis).

Tolerances
----------
The engine computes in float32 with its own FFT and its own log polynomial;
the model in float64.  Instead of one magic number per test, every comparison
uses a bound *propagated through the model's own stages* from one measured
constant:

1. Spectrum.  Every complex bin ``X_k`` of a frame is off by at most
   ``delta_f = C_FFT(n_fft) * eps32 * (||raw_f||_1 (1 + preemphasis) + ||windowed_f||_1)``.
   Why: a rounding error ``e_i`` of each time-domain sample moves every bin by
   at most ``sum_i |e_i|`` (|DFT weights| = 1), and float32 rounding of the
   gather / DC removal / pre-emphasis / window is a few ulp of the raw samples;
   a radix-2/mixed-radix FFT adds O(log2 n_fft) roundings of values bounded by
   the same L1 norm.  So ``C_FFT = max(4, log2 n_fft)``.  Observed (speech,
   every synthetic signal, n_fft 320..4096, odd and even): the error divided
   by ``eps32 * (L1 norms)`` is <= 1.32, i.e. the bound has a 4x-9x margin.
   With ``remove_dc`` the float32 running sum of the frame mean adds
   ``eps32 * sum_i |partial sum_i| / L * sum |window|`` (the first-order bound
   of recursive summation: tight for zero-mean frames, ``~eps32 L ||frame||_1``
   for a constant frame, where a sequential sum really does lose that much).
   ``|X|**power`` then gets the exact interval ``[(|X| - delta)^p, (|X| + delta)^p]``
   plus ``REL_OP`` relative rounding (sqrtf/powf/scale).
2. Mel.  The filter weights are non-negative, so a bin's bound goes through
   the filterbank as ``fb @ t``; the float32 weights and the sum add
   ``eps32 * (2 + band length)`` relative.
3. Log.  The log is taken of the exact interval ``[x - t, x + t]`` after the
   floor (``max``: floored at ``log_floor``; ``zero``: a value that may be 0
   in float32 may also be any positive float32, down to the smallest
   subnormal), so values dominated by float32 noise get a wide but honest
   bound and every other value a tight one; plus 4 ulp of the result for the
   log polynomial (it is within 2 ulp; log_floor itself is rounded to float32).
   ``top_db`` clipping is 1-Lipschitz in both the value and the global
   maximum, so the clipped bound is ``max(t, t[argmax])``.
4. DCT, lifter, deltas are linear: bounds go through ``|lifter * D|`` and the
   delta weights taken in absolute value, plus ``n * eps32`` relative for the
   float32 sums.
5. Energies: float32 sums of ``L`` squares (``L * eps32`` relative, worst
   case) of samples each off by at most ``e`` (a few ulp of the frame's
   largest raw sample, plus the DC-removal mean error):
   ``2 ||x|| sqrt(L) e + L e^2`` (Cauchy-Schwarz); the spectrum energy is the
   sum of the bins' bounds.

Because the bound for a loud, well-conditioned value is ~1e-6 relative, a
wrong window, frame offset, filter edge, floor or lifter fails by orders of
magnitude; the tests also report ``max(|diff| / bound)`` in their failure
messages.
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pytest

import _model as M
from conftest import OBSERVED, SYNTHETIC_NAMES, load_speech, short_signal, synthetic_signal

import fastfeat as ff  # noqa: E402  (a broken build must fail loudly, not skip)
from fastfeat import config as ffconfig  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

EPS32 = float(np.finfo(np.float32).eps)  # 1.19e-7
TINY32 = float(np.finfo(np.float32).smallest_subnormal)  # 1.4e-45
REL_OP = 8 * EPS32  # sqrtf/powf/scale/compare: a few roundings per value


def c_fft(n_fft: int) -> float:
    """See the module docstring (1.): observed max ratio 1.32."""
    return max(4.0, math.log2(n_fft))


# ---------------------------------------------------------------- helpers

def model_config(cfg: "ff.Config") -> dict:
    return M.make_config(**cfg.to_dict())


def run_engine(cfg, y) -> np.ndarray:
    """Extractor(cfg)(y), with the output contract checked."""
    ext = ff.Extractor(cfg)
    out = ext(y)
    assert out.dtype == np.float32
    assert out.flags.c_contiguous
    assert out.shape == (ext.n_frames(len(y)), cfg.n_features)
    assert ext.n_features == cfg.n_features
    return out


def _log_scale(kind):
    return {"ln": 1.0, "log10": 1.0 / math.log(10.0), "db": 10.0 / math.log(10.0)}[kind]


def _log_interval(x, t, mc):
    """Bound on |engine log - model log| given |engine lin - x| <= t (x: model)."""
    floor = mc["log_floor"]
    scale = _log_scale(mc["log"])
    x = np.asarray(x, dtype=np.float64)
    lo, hi = x - t, x + t
    if mc["log_floor_mode"] == "max":
        v_lo, v = np.maximum(lo, floor), np.maximum(x, floor)
        v_hi = np.maximum(hi, floor)
    elif mc["log_floor_mode"] == "add":  # the float32 sum x + floor adds one rounding
        v = x + floor
        v_lo = np.maximum(lo, 0.0) * (1 - EPS32) + floor * (1 - EPS32)
        v_hi = (hi + floor) * (1 + EPS32)
    else:
        v = np.where(x == 0, floor, x)
        # an engine value <= 0 becomes the floor; a positive one is kept, and
        # in float32 it can be as small as the smallest subnormal
        v_lo = np.where(lo > 0, lo, min(floor, TINY32))
        v_hi = np.maximum(hi, floor)
    val = np.log(v)
    tol = np.maximum(val - np.log(v_lo), np.log(v_hi) - val) * scale
    val = val * scale
    return val, tol + 4 * EPS32 * np.abs(val) + 1e-7 * scale


def _abs_delta(t: np.ndarray, width: int) -> np.ndarray:
    """Bound of the delta of values each known to within t (rows = time)."""
    n = t.shape[0]
    denom = 2.0 * sum(k * k for k in range(1, width + 1))
    out = np.zeros_like(t)
    for k in range(1, width + 1):
        up = t[np.minimum(np.arange(n) + k, n - 1)]
        dn = t[np.maximum(np.arange(n) - k, 0)]
        out += k * (up + dn)
    return out / denom


def bounds(y, cfg) -> tuple[np.ndarray, np.ndarray, dict]:
    """(model features, elementwise tolerance, model stages) for the engine on y."""
    mc = model_config(cfg)
    y64 = np.asarray(y, dtype=np.float64)
    st = M.model_stages(y64, mc)
    nf = st["features"].shape[0]
    if nf == 0:
        return st["features"], np.zeros_like(st["features"]), st
    # 1. spectrum
    raw = M.frame_signal(y64, dict(mc, preemphasis_scope="frame"))  # before any pre-emphasis
    l1 = np.abs(raw).sum(axis=1) * (1.0 + mc["preemphasis"]) + np.abs(st["windowed"]).sum(axis=1)
    delta = c_fft(mc["n_fft"]) * EPS32 * l1
    # per-sample error bound of the float32 time-domain frame (gather,
    # pre-emphasis, window: a few roundings of values <= max |raw| (1 + c))
    e_sample = 4 * EPS32 * np.abs(raw).max(axis=1) * (1.0 + mc["preemphasis"])
    if mc["remove_dc"]:
        # the frame mean is a float32 running sum: its error is at most
        # eps32 * sum_i |partial sum_i| (first order), and it shifts every
        # sample, so every bin moves by up to that / L * sum |window|
        # (pre-emphasis adds the shifted copy).  Tight for zero-mean frames;
        # ~eps32 * L * ||frame||_1 for a constant frame.
        partial = np.abs(np.cumsum(raw, axis=1)).sum(axis=1)
        w = M.window_function(mc["window"], mc["frame_length"], mc["window_periodic"])
        mean_err = 2 * EPS32 * partial / mc["frame_length"] * (1.0 + mc["preemphasis"])
        delta = delta + mean_err * np.abs(w).sum()
        e_sample = e_sample + mean_err
    delta = delta[:, None]
    spec = st["spectrum"]
    s = float(mc["n_fft"]) if mc["spectrum_norm"] == "n_fft" else 1.0
    p = mc["power"]
    mag = (spec * s) ** (1.0 / p)
    t_spec = np.maximum((mag + delta) ** p - mag ** p, mag ** p - np.maximum(mag - delta, 0.0) ** p) / s
    t_spec = t_spec + REL_OP * spec
    # 2. mel
    if mc["kind"] == "power":
        lin, t_lin = spec, t_spec
    else:
        fb = M.mel_filterbank(mc)
        band = (fb > 0).sum(axis=1).max()
        lin = st["mel"]
        t_lin = t_spec @ fb.T + EPS32 * (2 + band) * lin
    # 3. log
    if mc["log"] is None:
        val, t_val = lin, t_lin
    else:
        val, t_val = _log_interval(lin, t_lin, mc)
        if mc["top_db"] is not None:
            i = np.unravel_index(np.argmax(val), val.shape)
            t_val = np.maximum(t_val, t_val[i])
            val = np.maximum(val, val.max() - mc["top_db"] * M.TOP_DB_UNITS[mc["log"]])
    if mc["log_offset"] != 0.0 or mc["log_scale"] != 1.0:  # two float32 roundings
        val = (val + mc["log_offset"]) * mc["log_scale"]
        t_val = t_val * mc["log_scale"] + 2 * EPS32 * (np.abs(val) + abs(mc["log_offset"] * mc["log_scale"]))
    assert np.allclose(val, st["log"], rtol=1e-12, atol=1e-12)  # same as the model's own log
    # 4. DCT + lifter
    if mc["kind"] == "mfcc":
        D = M.dct_matrix(mc["n_mfcc"], mc["n_mels"], mc["dct_norm"])
        lift = M.lifter(np.ones((1, mc["n_mfcc"])), mc["lifter"])[0]
        A = np.abs(lift[:, None] * D)
        t_val = t_val @ A.T + EPS32 * (2 + mc["n_mels"]) * (np.abs(val) @ A.T)
    # 5. energy
    if mc["energy"] is not None:
        L = mc["frame_length"]
        E = st["energy"]
        if mc["energy_source"] in ("raw", "windowed"):
            # samples each off by <= e_sample: |sum (x+e)^2 - sum x^2| <=
            # 2 ||x|| ||e|| + ||e||^2 with ||e|| <= sqrt(L) e_sample; plus the
            # float32 running sum of L squares (<= L eps32 relative)
            ne = np.sqrt(L) * e_sample
            t_E = EPS32 * (2 + L) * E + 2 * np.sqrt(E) * ne + ne * ne
        else:
            t_E = t_spec.sum(axis=1) + EPS32 * (2 + spec.shape[1]) * E
        if mc["log"] is None:
            t_e = t_E
        else:
            _, t_e = _log_interval(E, t_E, mc)
        t_val = np.array(t_val)
        if mc["energy"] == "replace_c0":
            t_val[:, 0] = t_e
        else:
            t_val = np.concatenate([t_val, t_e[:, None]], axis=1)
    # 6. deltas
    static, t_static = st["static"], t_val
    parts, tparts = [static], [t_static]
    for _ in range(mc["deltas"]):
        d = M.delta(parts[-1], mc["delta_width"])
        td = _abs_delta(tparts[-1], mc["delta_width"]) + EPS32 * 8 * _abs_delta(np.abs(parts[-1]), mc["delta_width"])
        parts.append(d)
        tparts.append(td)
    tol = np.concatenate(tparts, axis=1)
    assert tol.shape == st["features"].shape
    return st["features"], tol, st


def check(cfg, y, what="") -> float:
    """Engine vs model on y under cfg; returns max(|diff| / tol)."""
    y = np.ascontiguousarray(y, dtype=np.float32)
    eng = run_engine(cfg, y)
    model, tol, _ = bounds(y, cfg)
    assert eng.shape == model.shape, (eng.shape, model.shape)
    if eng.size == 0:
        return 0.0
    assert np.isfinite(eng).all(), f"{what}: non-finite engine output"
    d = np.abs(eng.astype(np.float64) - model)
    bad = d > tol
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, d - tol, -np.inf)), d.shape)
        pytest.fail(
            f"{what} {cfg}: {bad.sum()} of {d.size} values outside the bound; worst at "
            f"(frame, col) {i}: engine {eng[i]!r} model {model[i]!r} bound {tol[i]:.3g} "
            f"(|diff| {d[i]:.3g}); n={len(y)}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        r = float(np.where(tol > 0, d / tol, np.where(d > 0, np.inf, 0.0)).max())
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split("[")[0].split(" ")[0]
    key = f"engine vs model: {test}"
    old = OBSERVED.get(key, (0.0, 0.0))
    OBSERVED[key] = (max(old[0], r), max(old[1], float(d.max())))
    return r


_SPEECH = None


def speech_clip(name="turn_left") -> np.ndarray:
    global _SPEECH
    if _SPEECH is None:
        _SPEECH = load_speech()
    return _SPEECH[name]


def signals():
    """A few signals for a stage test: speech, chirp, a DC sine, clicks, silence."""
    out = {"speech": speech_clip("turn_left")[:6000], "chirp": synthetic_signal("chirp")[:5000],
           "dc_sine": synthetic_signal("dc_sine")[:3000], "clicks": synthetic_signal("clicks")[:4000],
           "silence": synthetic_signal("silence")[:2000]}
    return out


def check_all(cfg):
    worst = 0.0
    for name, y in signals().items():
        worst = max(worst, check(cfg, y, name))
    return worst


# ---------------------------------------------------------------- model vs package

def test_model_fields_and_presets_match_fastfeat():
    # the model is written out independently; its field set and presets must
    # describe the same pipelines as fastfeat.Config and fastfeat.config.PRESETS
    names = [f.name for f in dataclasses.fields(ff.Config)]
    assert set(M.DEFAULT) == set(names)
    assert M.DEFAULT == ff.Config().to_dict()
    assert set(M.PRESETS) == set(ffconfig.PRESETS)
    for name in ffconfig.PRESETS:
        ours = ff.Config.preset(name).to_dict()
        assert M.PRESETS[name] == ours, {k: (M.PRESETS[name][k], ours[k])
                                         for k in ours if M.PRESETS[name][k] != ours[k]}
    assert M.PRESETS["python_speech_features"]["log_floor_mode"] == "zero"
    assert M.PRESETS["kaldi"]["log_floor_mode"] == "max"


def test_bounds_are_tight_enough_to_fail():
    # the bound machinery must catch a small real error: a 1% gain change on
    # a loud signal, a one-sample frame shift, a Hann window instead of Hamming
    y = np.ascontiguousarray(speech_clip("stop")[:6000])
    cfg = ff.Config(kind="logmel")
    model, tol, _ = bounds(y, cfg)
    eng = ff.Extractor(cfg)(y).astype(np.float64)
    assert np.all(np.abs(eng - model) <= tol)
    assert not np.all(np.abs(ff.Extractor(cfg)(y * np.float32(1.01)) - model) <= tol)
    shifted = ff.Extractor(cfg)(np.ascontiguousarray(y[1:]))
    k = shifted.shape[0]
    assert not np.all(np.abs(shifted - model[:k]) <= tol[:k])
    assert not np.all(np.abs(ff.Extractor(cfg.replace(window="hann"))(y) - model) <= tol)
    # the bound on each frame's loudest band is ~1e-4 nats (observed <= 1.04e-4
    # on this clip), and a linear power bin is bounded to < 1e-4 of the
    # frame's loudest bin (observed <= 6.5e-5; the engine's actual error is
    # <= 2.7e-7 of it)
    loudest = tol[np.arange(len(model)), np.argmax(model, axis=1)]
    assert loudest.max() < 3e-4
    pcfg = ff.Config(kind="power", log=None)
    pmodel, ptol, _ = bounds(y, pcfg)
    assert (ptol / pmodel.max(axis=1, keepdims=True)).max() < 1e-4


# ---------------------------------------------------------------- stage by stage
# Each test sets the fields of one stage and keeps the rest neutral.

POWER = dict(kind="power", log=None, preemphasis=0.0)


@pytest.mark.parametrize("window", ["hamming", "hann", "povey", "blackman", "rectangular"])
@pytest.mark.parametrize("periodic", [False, True])
def test_window(window, periodic):
    check_all(ff.Config(**POWER, window=window, window_periodic=periodic))


@pytest.mark.parametrize("coeff", [0.3, 0.5])
def test_blackman_coeff(coeff):
    check_all(ff.Config(**POWER, window="blackman", blackman_coeff=coeff))


@pytest.mark.parametrize("warp", [0.85, 1.2])
@pytest.mark.parametrize("triangles", ["mel", "hz", "bin"])
def test_vtln_warp(warp, triangles):
    for extra in (dict(), dict(n_mels=80, fmin=50.0, fmax=7000.0, vtln_low=300.0, vtln_high=6000.0)):
        check_all(ff.Config(kind="logmel", log=None, mel_triangles=triangles, vtln_warp=warp, **extra))


@pytest.mark.parametrize("framing", [
    dict(center=True, pad_mode="constant"),
    dict(center=True, pad_mode="reflect"),
    dict(center=True, pad_mode="edge"),
    dict(center=True, pad_mode="symmetric"),
    dict(center=True, pad_mode="reflect", window_centered=True),  # no effect with center
    dict(center=False, window_centered=True),  # librosa center=False
    dict(center=False, snip_edges=True),
    dict(center=False, snip_edges=False),
    dict(center=False, snip_edges=True, pad_end=True),
])
@pytest.mark.parametrize("geometry", [
    dict(frame_length=400, hop_length=160, n_fft=512),
    dict(frame_length=400, hop_length=160, n_fft=400),
    dict(frame_length=401, hop_length=100, n_fft=401),  # odd n_fft
    dict(frame_length=320, hop_length=160, n_fft=320),
    dict(frame_length=300, hop_length=128, n_fft=401),  # frame_length < odd n_fft
    dict(frame_length=250, hop_length=97, n_fft=512),
])
def test_framing(framing, geometry):
    cfg = ff.Config(**POWER, **framing, **geometry)
    check_all(cfg)
    # lengths around the frame-count boundaries, including 1 sample
    L, H = geometry["frame_length"], geometry["hop_length"]
    for n in (1, 2, H // 2, H - 1, H, H + 1, L - 1, L, L + 1, L + H - 1, L + H, L + H + 1, 3 * L + 7):
        if ff.Extractor(cfg).n_frames(n) == 0:
            assert M.num_frames(n, model_config(cfg)) == 0
            continue
        check(cfg, short_signal(n), f"n={n}")


@pytest.mark.parametrize("n_fft,frame_length", [(401, 401), (400, 400), (320, 320), (512, 400),
                                                (401, 300), (1024, 400), (257, 200), (2048, 2048)])
def test_frame_count_matches_model(n_fft, frame_length):
    # Extractor.n_frames against the model's framing rules, for every mode
    for framing in (dict(center=True), dict(snip_edges=True), dict(snip_edges=False),
                    dict(snip_edges=True, pad_end=True), dict(window_centered=True)):
        for hop in (1, 7, 160, 512):
            cfg = ff.Config(**POWER, n_fft=n_fft, frame_length=frame_length, hop_length=hop, **framing)
            ext, mc = ff.Extractor(cfg), model_config(cfg)
            for n in (1, 2, 3, hop, frame_length - 1, frame_length, frame_length + 1,
                      n_fft // 2, n_fft, n_fft + hop, 5000):
                assert ext.n_frames(n) == M.num_frames(n, mc), (framing, hop, n)


@pytest.mark.parametrize("scope", ["frame", "signal"])
@pytest.mark.parametrize("coef", [0.97, 0.5, 1.0])
@pytest.mark.parametrize("framing", [dict(), dict(center=True, pad_mode="reflect"),
                                     dict(snip_edges=False), dict(pad_end=True)])
def test_preemphasis(scope, coef, framing):
    check_all(ff.Config(kind="power", log=None, preemphasis=coef, preemphasis_scope=scope, **framing))


@pytest.mark.parametrize("scope", ["frame", "signal"])
def test_remove_dc(scope):
    check_all(ff.Config(kind="power", log=None, remove_dc=True, preemphasis_scope=scope))
    check_all(ff.Config(kind="power", log=None, remove_dc=True, preemphasis=0.0))


@pytest.mark.parametrize("power", [1.0, 2.0, 1.5, 0.5])
@pytest.mark.parametrize("norm", [None, "n_fft"])
def test_power_and_spectrum_norm(power, norm):
    check_all(ff.Config(**POWER, power=power, spectrum_norm=norm))


@pytest.mark.parametrize("scale", ["htk", "slaney"])
@pytest.mark.parametrize("mel_norm", [None, "slaney", 1.0, 2.0, 0.5])
@pytest.mark.parametrize("triangles", ["mel", "hz", "bin"])
def test_mel(scale, mel_norm, triangles):
    # a number is mel_pnorm (librosa's numeric norm=), with mel_norm None
    norms = dict(mel_norm=None, mel_pnorm=mel_norm) if isinstance(mel_norm, float) else dict(mel_norm=mel_norm)
    for extra in (dict(), dict(n_mels=80, fmin=50.0, fmax=7000.0), dict(n_fft=400, frame_length=400, n_mels=23, fmin=20.0)):
        check_all(ff.Config(kind="logmel", log=None, mel_scale=scale, mel_triangles=triangles, **norms, **extra))



@pytest.mark.parametrize("triangles", ["mel", "hz"])
@pytest.mark.parametrize("fmin", [0.0, 20.0, 47.0, 300.0])
def test_mel_first_bin_htk(triangles, fmin):
    # HTK's klo (TensorFlow's Mfcc op): bins below int(fmin / bin_width + 1.5) read nothing
    for n_fft in (512, 400):
        cfg = ff.Config(kind="logmel", log=None, n_fft=n_fft, frame_length=400, n_mels=40, fmin=fmin,
                        fmax=4000.0, mel_triangles=triangles, mel_first_bin="htk")
        check_all(cfg)
        fb = M.mel_filterbank(M.make_config(**cfg.to_dict()))
        skipped = int(fmin / (16000 / n_fft) + 1.5)
        assert not fb[:, :skipped].any() and fb[:, skipped].any()


@pytest.mark.parametrize("log", ["ln", "log10", "db"])
@pytest.mark.parametrize("floor_mode", ["max", "zero", "add"])
@pytest.mark.parametrize("floor", [1e-10, 1.1920928955078125e-07, 2.220446049250313e-16, 1e-3])
@pytest.mark.parametrize("kind", ["logmel", "power"])
def test_log(log, floor_mode, floor, kind):
    cfg = ff.Config(kind=kind, log=log, log_floor=floor, log_floor_mode=floor_mode)
    check_all(cfg)
    # very quiet signals push values to the floor: below it, at it, above it
    y = short_signal(3000)
    for gain in (1e-3, 1e-6, 1e-9, 1e-20):
        check(cfg, y * np.float32(gain), f"gain={gain}")


@pytest.mark.parametrize("top_db", [80.0, 30.0, 1.0])
def test_top_db(top_db):
    for kind in ("logmel", "mfcc", "power"):
        check_all(ff.Config(kind=kind, log="db", top_db=top_db))
    check_all(ff.Config.preset("librosa", sample_rate=16000, n_fft=512, frame_length=512,
                               hop_length=128, n_mels=40, top_db=top_db))


@pytest.mark.parametrize("dct_type", [1, 2, 3])
@pytest.mark.parametrize("dct_norm", ["ortho", None])
@pytest.mark.parametrize("lifter", [0.0, 22.0, 3.5])
@pytest.mark.parametrize("n_mfcc", [1, 13, 40])
def test_dct_and_lifter(dct_type, dct_norm, lifter, n_mfcc):
    check_all(ff.Config(dct_norm=dct_norm, lifter=lifter, n_mfcc=n_mfcc, dct_type=dct_type))
    if dct_type == 2:  # HTK's / TensorFlow's sqrt(2/N) on every coefficient
        check_all(ff.Config(dct_norm="htk", lifter=lifter, n_mfcc=n_mfcc))


@pytest.mark.parametrize("energy,kind", [("replace_c0", "mfcc"), ("append", "mfcc"),
                                         ("append", "logmel"), ("append", "power")])
@pytest.mark.parametrize("source", ["raw", "windowed", "spectrum"])
def test_energy(energy, source, kind):
    # (replace_c0 with kind != "mfcc" is a Config error, see test_config.py)
    for extra in (dict(), dict(remove_dc=True), dict(preemphasis_scope="signal", pad_end=True),
                  dict(log=None) if kind != "mfcc" else dict(log="log10")):
        check_all(ff.Config(kind=kind, energy=energy, energy_source=source, **extra))


@pytest.mark.parametrize("deltas", [1, 2])
@pytest.mark.parametrize("width", [1, 2, 3])
def test_deltas(deltas, width):
    for kind, extra in (("mfcc", dict(energy="append")), ("logmel", dict()), ("power", dict(log="ln"))):
        cfg = ff.Config(kind=kind, deltas=deltas, delta_width=width, **extra)
        check_all(cfg)
        for n in (400, 560, 720, 1200):  # 1..5 frames: every row is an edge row
            check(cfg, short_signal(n), f"n={n}")


@pytest.mark.parametrize("name", SYNTHETIC_NAMES)
@pytest.mark.parametrize("preset", ["default", "librosa", "kaldi", "python_speech_features", "whisper", "nemo",
                                    "speechbrain", "speechbrain_mfcc"])
def test_presets_vs_model(preset, name):
    # nemo: the engine part (normalize runs in Python: test_nemo.py checks it against NeMo)
    over = dict(sample_rate=16000) if preset == "librosa" else dict(normalize=None) if preset == "nemo" \
        else dict(dither=0.0)
    for kind in ("mfcc", "logmel"):
        extra = dict(energy=None) if kind == "logmel" and preset in ("kaldi", "python_speech_features") else {}
        cfg = ff.Config.preset(preset, kind=kind, **over, **extra)
        check(cfg, synthetic_signal(name), name)
        check(cfg, speech_clip("go_forward"), "speech")


def test_model_floor_modes_differ_on_engine_too():
    # with psf's floor mode a mel value in (0, floor) is kept; with "max" it
    # is floored: the engine must follow the mode, not one fixed rule
    y = (1e-10 * short_signal(4000)).astype(np.float32)
    base = ff.Config.preset("python_speech_features", kind="logmel", energy=None)
    zero = run_engine(base, y)
    maxed = run_engine(base.replace(log_floor_mode="max"), y)
    floor = math.log(base.log_floor)
    assert (zero < floor - 1).any()
    assert maxed.min() >= np.float32(floor) - 1e-5
    check(base, y)
    check(base.replace(log_floor_mode="max"), y)


# ---------------------------------------------------------------- hypothesis



@hst.composite
def configs(draw):
    kind = draw(hst.sampled_from(["mfcc", "logmel", "power"]))
    sr = draw(hst.sampled_from([8000, 16000, 22050]))
    n_fft = draw(hst.sampled_from([64, 128, 255, 256, 320, 400, 401, 512, 1024]))
    frame_length = draw(hst.integers(min_value=max(1, n_fft // 3), max_value=n_fft))
    hop = draw(hst.integers(min_value=1, max_value=max(1, frame_length)))
    center = draw(hst.booleans())
    snip = draw(hst.booleans())
    pad_end = (not center) and snip and draw(hst.booleans())
    n_bins = n_fft // 2 + 1
    n_mels = draw(hst.integers(min_value=1, max_value=min(64, n_bins)))
    nyq = sr / 2
    fmin = draw(hst.sampled_from([0.0, 20.0, 100.0, 300.0]))
    fmax = draw(hst.sampled_from([None, nyq, nyq - 400.0, 0.6 * nyq]))
    log = draw(hst.sampled_from([None, "ln", "log10", "db"] if kind != "mfcc" else ["ln", "log10", "db"]))
    energy = draw(hst.sampled_from([None, "append"] + (["replace_c0"] if kind == "mfcc" else [])))
    top_db = draw(hst.sampled_from([None, 80.0, 40.0])) if log is not None else None
    affine = draw(hst.sampled_from([(0.0, 1.0), (4.0, 0.25), (-1.5, 3.0)]))
    return ff.Config(
        kind=kind, sample_rate=sr, frame_length=frame_length, hop_length=hop, n_fft=n_fft,
        window=draw(hst.sampled_from(["hamming", "hann", "povey", "blackman", "rectangular"])),
        window_periodic=draw(hst.booleans()), center=center,
        pad_mode=draw(hst.sampled_from(["constant", "reflect", "edge", "symmetric"])),
        snip_edges=snip, pad_end=pad_end,
        preemphasis=draw(hst.sampled_from([0.0, 0.97, 0.5, 1.0])),
        preemphasis_scope=draw(hst.sampled_from(["frame", "signal"])),
        remove_dc=draw(hst.booleans()), dither=0.0,
        power=draw(hst.sampled_from([1.0, 2.0, 1.5])),
        spectrum_norm=draw(hst.sampled_from([None, "n_fft"])),
        n_mels=n_mels, fmin=fmin, fmax=fmax,
        mel_scale=draw(hst.sampled_from(["htk", "slaney"])),
        mel_norm=draw(hst.sampled_from([None, "slaney"])),
        mel_triangles=draw(hst.sampled_from(["mel", "hz", "bin"])),
        mel_first_bin=draw(hst.sampled_from([None, "htk"])),
        log=log, log_floor=draw(hst.sampled_from([1e-10, 1.1920928955078125e-07, 2.220446049250313e-16, 1e-4])),
        log_floor_mode=draw(hst.sampled_from(["max", "zero", "add"])), top_db=top_db,
        n_mfcc=draw(hst.integers(min_value=1, max_value=n_mels)),
        dct_norm=draw(hst.sampled_from(["ortho", None, "htk"])),
        lifter=draw(hst.sampled_from([0.0, 22.0, 7.0])),
        energy=energy, energy_source=draw(hst.sampled_from(["raw", "windowed", "spectrum"])),
        deltas=draw(hst.integers(min_value=0, max_value=2)),
        delta_width=draw(hst.integers(min_value=1, max_value=3)),
        drop_last_frame=center and draw(hst.booleans()), log_offset=affine[0], log_scale=affine[1],
    )


@hst.composite
def signals_st(draw):
    n = draw(hst.integers(min_value=1, max_value=5000))
    kind = draw(hst.sampled_from(["noise", "silence", "clipped", "tone", "dc", "sparse", "quiet"]))
    seed = draw(hst.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == "noise":
        y = rng.standard_normal(n) * draw(hst.sampled_from([1e-3, 0.1, 1.0]))
    elif kind == "silence":
        y = np.zeros(n)
    elif kind == "clipped":  # loud, clipped at int16 full scale (Kaldi's scale)
        y = np.clip(rng.standard_normal(n) * 1e5, -32768.0, 32767.0)
    elif kind == "tone":
        f = draw(hst.floats(min_value=10.0, max_value=7000.0))
        y = 0.7 * np.sin(2 * np.pi * f * np.arange(n) / 16000.0)
    elif kind == "dc":
        y = 0.5 + 1e-3 * rng.standard_normal(n)
    elif kind == "sparse":
        y = np.zeros(n)
        y[rng.integers(0, n, size=max(1, n // 500))] = rng.uniform(-1, 1, size=max(1, n // 500))
    else:
        y = 1e-7 * rng.standard_normal(n)
    return y.astype(np.float32)


@settings(max_examples=int(os.environ.get("FF_HYPOTHESIS_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs(), y=signals_st())
def test_random_configs_and_signals(cfg, y):
    if ff.Extractor(cfg).n_frames(len(y)) == 0:
        assert M.num_frames(len(y), model_config(cfg)) == 0
        with pytest.raises(ValueError, match="fewer than one frame"):
            ff.Extractor(cfg)(y)
        return
    check(cfg, y, "hypothesis")
