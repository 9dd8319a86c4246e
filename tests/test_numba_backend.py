"""The Numba backend (fastfeat._numba) against the C engine (fastfeat._engine).

Both engines are built from the same ``fastfeat._backend.engine_values(cfg)``
and called through the binding's interface (Engine.extract, StreamState,
delta, check_config), so this is a direct, stage-by-stage cross-check of two
implementations of the same pipeline.

What must be *exactly* equal (same float32 operations in the same order in
both engines): the frame arithmetic and every status, the streaming state
machine (rows_for, rows emitted per push), the dither (bit for bit: checked
through the raw and windowed energies, which involve no FFT and no log),
delta(), and Numba stream == Numba batch.

What may differ, and by how much (``_tolerance``): the FFTs are different
algorithms (C: mixed-radix Stockham in float32; Numba: radix-4 Stockham in
float32, Bluestein in float64 for other sizes), and the logs differ (C: a
Cephes polynomial, within 1 ulp; Numba: libm's logf).  A float32 FFT's
rounding error in bin k is absolute, proportional to the frame's loudest
bin, not to bin k, so:

* linear power bins: |a - b| <= R * P_max (P_max: the frame's largest bin,
  from the C engine) where R = 5e-7 * log2(n_fft) (~4.5e-6 at 512): a few
  float32 eps per FFT stage for each engine; observed <= 6e-7 at n_fft 512;
* log of a value v (power bin, or mel band m = sum_k w_mk P_k):
  |a - b| <= unit * (LOG_ATOL + R * W * P_max / v), W = 1 for a bin and
  sum_k w_mk for a band (the noise of the sum), unit = 1 (ln), 1/ln 10
  (log10) or 10/ln 10 (dB), LOG_ATOL = 5e-5 nats (2 ulp of logs up to ~100
  nats, plus float32 sums of <= ~100 weighted bins: tests/conftest.py);
  values far below their frame's loudest bin get a wide bound, as they must:
  there both engines are down to rounding noise;
* MFCC: the log-mel bound propagated through |lifter * DCT|
  (conftest.mfcc_tolerance);
* energies from the raw or windowed frame: the same operations in both
  engines, so exact when linear and LOG_ATOL when logged; from the spectrum:
  a sum of n_bins bins, R * n_bins * P_max;
* deltas: a regression with weights summing (in absolute value) to <= 1, so
  each delta column is bounded by its static column's largest bound, and
  delta-delta by that again.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

pytest.importorskip("numba")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fastfeat as ff  # noqa: E402
from fastfeat import _backend, _engine  # noqa: E402
from fastfeat import _numba as nb  # noqa: E402

from conftest import (LOG_ATOL, SHORT_LENGTHS, load_speech, mfcc_tolerance,  # noqa: E402
                      short_signal, synthetic_signal)

UNITS = {"ln": 1.0, "log10": 1.0 / math.log(10.0), "db": 10.0 / math.log(10.0)}


# ------------------------------------------------------------------ helpers

def _engines(cfg: ff.Config):
    values = _backend.engine_values(cfg)
    return _engine.Engine(values), nb.Engine(values)


def _extract(engine, y: np.ndarray) -> np.ndarray:
    out = np.empty((engine.n_frames(len(y)), engine.n_features), np.float32)
    status, bad = engine.extract(y, out, 1)
    assert (status, bad) == (0, -1)
    return out


def _linear_power(cfg: ff.Config, y: np.ndarray) -> np.ndarray:
    """The C engine's linear spectrum of every frame (kind power, no log)."""
    pcfg = cfg.replace(kind="power", log=None, top_db=None, energy=None, deltas=0)
    return _extract(_engine.Engine(_backend.engine_values(pcfg)), y).astype(np.float64)


def _fft_noise(cfg: ff.Config) -> float:
    """R: twice the FFT amplitude error of either engine relative to the frame's
    largest amplitude (observed <= 5.5e-7 at n_fft 512; this is ~7x that)."""
    return 4e-7 * max(math.log2(cfg.n_fft), 1.0)


def _tolerance(cfg: ff.Config, y: np.ndarray, ref: np.ndarray, numba_engine) -> np.ndarray:
    """Per-value bound on |numba - C| for ref = the C engine's output (see the
    module docstring for the derivation)."""
    ref = ref.astype(np.float64)
    R, p = _fft_noise(cfg), float(np.float32(cfg.power))
    spec = _linear_power(cfg, y)  # |X|^p (* 1/n_fft), as the engine computes it
    vmax = spec.max(axis=1, keepdims=True)  # loudest bin of each frame
    n_static = cfg.n_static
    n_spec = n_static - (1 if cfg.energy == "append" else 0)
    tol = np.zeros(ref.shape)
    unit = UNITS.get(cfg.log)

    floor = max(float(np.float32(cfg.log_floor)), 1.17549435e-38)  # the engines' floor (>= FLT_MIN)

    def noise(v, weight):
        """Bound on |numba - C| of a linear value v that sums `weight` bins
        (power p): with |dA| <= (R/2) A_max per bin, dV = p V/A dA, to first
        order, plus the noise power itself."""
        scale = (weight * vmax) ** (1.0 / p)
        return p * R / 2 * scale * np.abs(v) ** ((p - 1.0) / p) + (R / 2) ** p * weight * vmax

    def log_bound(values_log, weight):
        """On unit * ln(max(v, floor)): C's v is within dv of the truth, and so
        is Numba's, so its log lies within ln(1 + 2 dv / max(v - 2 dv, floor));
        with log_floor_mode="zero" a C value that is exactly 0 (floored) or
        within the noise can come out of Numba as any tiny positive number."""
        with np.errstate(over="ignore"):
            v = np.exp(np.minimum(values_log / unit, 700.0))
        dv = 2.0 * noise(v, weight)
        tol = unit * (LOG_ATOL + np.log1p(dv / np.maximum(v - dv, floor)))
        if cfg.log_floor_mode == "zero":
            floored = values_log <= unit * math.log(floor) * (1 - 1e-6)
            tol = np.where(floored | (v - dv <= 0.0), np.inf, tol)
        return tol

    def lin_bound(v, weight):
        return 2.0 * noise(v, weight) + 1e-30

    if cfg.kind == "power":
        values = ref[:, :n_spec]
        tol[:, :n_spec] = lin_bound(values, 1.0) if cfg.log is None else log_bound(values, 1.0)
    else:
        T = numba_engine._tables
        W = np.array([T.mel_w[o:o + n].sum() for o, n in zip(T.mel_off, T.mel_len)], np.float64)
        if cfg.kind == "logmel":
            bands = ref[:, :n_spec]
            tol[:, :n_spec] = lin_bound(bands, W) if cfg.log is None else log_bound(bands, W)
        else:  # mfcc: bound the log-mel bands that made it, then through the DCT
            lcfg = cfg.replace(kind="logmel", energy=None, deltas=0)
            bands = _extract(_engine.Engine(_backend.engine_values(lcfg)), y).astype(np.float64)
            with np.errstate(invalid="ignore"):  # inf * 0 where a band is pure noise
                t = mfcc_tolerance(log_bound(bands, W), cfg.n_mfcc, cfg.lifter, 0, cfg.dct_norm)
            tol[:, :n_spec] = np.where(np.isnan(t), np.inf, t)
    if cfg.energy is not None:
        col = 0 if cfg.energy == "replace_c0" else n_spec
        if cfg.energy_source == "spectrum":  # a band of all n_bins bins
            e = ref[:, col:col + 1]
            n_bins = float(spec.shape[1])
            tol[:, col] = (lin_bound(e, n_bins) if cfg.log is None else log_bound(e, n_bins))[:, 0]
        else:  # same operations in both engines; only the log differs
            tol[:, col] = 0.0 if cfg.log is None else unit * LOG_ATOL
    for d in range(1, cfg.deltas + 1):
        tol[:, d * n_static:(d + 1) * n_static] = tol[:, (d - 1) * n_static:d * n_static].max(axis=0)
    return tol


def _assert_close(cfg, y, got, ref, numba_engine, what=""):
    assert got.shape == ref.shape and got.dtype == np.float32, what
    if ref.size == 0:
        return
    tol = _tolerance(cfg, y, ref, numba_engine)
    d = np.abs(got.astype(np.float64) - ref)
    bad = ~(d <= tol)  # NaN counts as bad
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, d - tol, -np.inf)), d.shape)
        pytest.fail(f"{what}: {bad.sum()}/{d.size} values outside the tolerance; worst at {i}: "
                    f"numba {got[i]!r} C {ref[i]!r} tol {tol[i]:.3g}; max |diff| {np.nanmax(d):.3g}")


def _compare(cfg: ff.Config, y: np.ndarray, what: str = "") -> tuple[np.ndarray, np.ndarray]:
    ce, ne = _engines(cfg)
    assert ne.n_features == ce.n_features
    assert ne.n_frames(len(y)) == ce.n_frames(len(y))
    ref, got = _extract(ce, y), _extract(ne, y)
    _assert_close(cfg, y, got, ref, ne, what or repr(cfg))
    return got, ref


SIGNALS = ("chirp", "white_noise", "silence", "clicks", "dc_sine")


@pytest.fixture(scope="module")
def speech():
    return load_speech()


def _signals(speech, names=SIGNALS):
    out = {name: synthetic_signal(name) for name in names}
    out.update({k: v for k, v in speech.items() if k in ("turn_left", "yes")})
    return out


# ------------------------------------------------------------------ batch vs C

PRESETS = {
    "default": ff.Config(),
    "librosa": ff.Config.preset("librosa", sample_rate=16000),
    "kaldi": ff.Config.preset("kaldi"),
    "python_speech_features": ff.Config.preset("python_speech_features"),
    "whisper": ff.Config.preset("whisper", kind="mfcc"),  # top_db in log10 units, log_offset/scale
    "nemo": ff.Config.preset("nemo", kind="mfcc", normalize=None),  # log_floor_mode 'add'
    "tensorflow": ff.Config.preset("tensorflow"),  # dct_norm 'htk'
    "tensorflow_speech_commands": ff.Config.preset("tensorflow_speech_commands"),  # mel_first_bin 'htk'
}


@pytest.mark.parametrize("dither", [0.0, 0.01])
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets(speech, name, dither):
    cfg = PRESETS[name].replace(dither=dither, seed=7)
    for sig, y in _signals(speech).items():
        _compare(cfg, y, f"{name} dither={dither} on {sig}")
        _compare(cfg.replace(kind="logmel", energy=None if cfg.energy == "replace_c0" else cfg.energy),
                 y, f"{name} logmel dither={dither} on {sig}")


FRAMINGS = {
    "snip": dict(center=False, snip_edges=True),
    "nosnip": dict(center=False, snip_edges=False),
    "pad_end": dict(center=False, snip_edges=True, pad_end=True),
    "center-constant": dict(center=True, pad_mode="constant"),
    "center-reflect": dict(center=True, pad_mode="reflect"),
    "center-edge": dict(center=True, pad_mode="edge"),
    "center-drop-last": dict(center=True, pad_mode="reflect", drop_last_frame=True),
}


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
def test_framing_rules(framing):
    for n_fft, flen, hop in ((512, 400, 160), (401, 400, 160), (256, 256, 100)):
        cfg = ff.Config(n_fft=n_fft, frame_length=flen, hop_length=hop, dither=0.01, seed=3,
                        remove_dc=True, energy="append", **FRAMINGS[framing])
        ce, ne = _engines(cfg)
        for n in range(0, 1200, 7):
            assert ne.n_frames(n) == ce.n_frames(n), (framing, n_fft, n)
        for n in SHORT_LENGTHS + (3999,):
            y = short_signal(n)
            if ce.n_frames(n) == 0:
                out = np.empty((0, ce.n_features), np.float32)
                assert ne.extract(y, out, 1) == ce.extract(y, out, 1) == (5, -1)
                continue
            _assert_close(cfg, y, _extract(ne, y), _extract(ce, y), ne, f"{framing} n={n}")


@pytest.mark.parametrize("n_fft", [400, 401, 320, 511, 512, 1024])
@pytest.mark.parametrize("kind", ["power", "logmel", "mfcc"])
def test_fft_sizes_and_kinds(speech, n_fft, kind):
    cfg = ff.Config(kind=kind, n_fft=n_fft, frame_length=min(400, n_fft), n_mels=40)
    for sig, y in _signals(speech, ("chirp", "white_noise")).items():
        _compare(cfg, y, f"{kind} n_fft={n_fft} on {sig}")
    if kind == "power":
        y = speech["yes"]
        _compare(cfg.replace(log="ln"), y, f"log power n_fft={n_fft}")
        _compare(cfg.replace(power=1.0, spectrum_norm="n_fft"), y, f"magnitude n_fft={n_fft}")
        _compare(cfg.replace(power=1.5), y, f"power 1.5 n_fft={n_fft}")


def test_tiny_fft_sizes():
    y = short_signal(3000)
    for n_fft in (1, 2, 3, 4, 5, 8, 12, 16, 17):
        _compare(ff.Config(kind="power", log=None, n_fft=n_fft, frame_length=n_fft, hop_length=3,
                           n_mels=1, n_mfcc=1, preemphasis=0.0), y, f"n_fft={n_fft}")


@pytest.mark.parametrize("log", ["ln", "log10", "db", None])
@pytest.mark.parametrize("floor_mode", ["max", "zero"])
def test_log_and_floor_modes(speech, log, floor_mode):
    for floor in (1e-10, 1e-3):
        for kind in ("logmel", "power"):
            cfg = ff.Config(kind=kind, log=log, log_floor=floor, log_floor_mode=floor_mode)
            for sig, y in _signals(speech, ("clicks", "silence", "chirp")).items():
                _compare(cfg, y, f"{kind} log={log} floor={floor} {floor_mode} on {sig}")
        if log is not None:
            _compare(ff.Config(log=log, log_floor=floor, log_floor_mode=floor_mode),
                     speech["yes"], f"mfcc log={log}")


@pytest.mark.parametrize("source", ["raw", "windowed", "spectrum"])
@pytest.mark.parametrize("energy", ["replace_c0", "append"])
def test_energies(speech, energy, source):
    cfg = ff.Config(energy=energy, energy_source=source, remove_dc=True)
    for sig, y in _signals(speech).items():
        _compare(cfg, y, f"energy={energy} source={source} on {sig}")
        if energy == "append":
            _compare(cfg.replace(kind="logmel"), y, f"logmel energy {source} on {sig}")
            _compare(cfg.replace(kind="logmel", log=None), y, f"linear energy {source} on {sig}")


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
def test_front_end_is_bit_identical(speech, framing):
    """Raw and windowed energies involve framing, dither, DC removal, both
    pre-emphasis scopes and the window table, but no FFT and no log: they
    must agree bit for bit (this pins the dither RNG to the C one)."""
    y = speech["turn_left"]
    for source in ("raw", "windowed"):
        for scope in ("frame", "signal"):
            for window, periodic in (("hamming", False), ("hann", True), ("povey", False),
                                     ("blackman", True), ("rectangular", False)):
                cfg = ff.Config(kind="logmel", log=None, energy="append", energy_source=source,
                                preemphasis_scope=scope, window=window, window_periodic=periodic,
                                dither=0.3, seed=2**64 - 5, remove_dc=source == "raw",
                                n_fft=512, **FRAMINGS[framing])
                ce, ne = _engines(cfg)
                a, b = _extract(ce, y)[:, -1], _extract(ne, y)[:, -1]
                np.testing.assert_array_equal(b, a, err_msg=f"{source} {scope} {window}")


def test_mel_banks_and_dct(speech):
    y = speech["turn_left"]
    for scale, norm, tri in (("htk", None, "mel"), ("slaney", "slaney", "hz"), ("htk", None, "bin"),
                             ("slaney", None, "mel"), ("htk", "slaney", "hz")):
        for fmin, fmax in ((0.0, None), (133.3, 6855.4), (20.0, 4000.0)):
            for dct_norm, lifter in (("ortho", 0.0), (None, 22.0)):
                cfg = ff.Config(mel_scale=scale, mel_norm=norm, mel_triangles=tri, fmin=fmin,
                                fmax=fmax, dct_norm=dct_norm, lifter=lifter, n_mels=64)
                _compare(cfg, y, f"{scale} {norm} {tri} {fmin}-{fmax} {dct_norm} {lifter}")


@pytest.mark.parametrize("deltas", [1, 2])
@pytest.mark.parametrize("width", [1, 2, 5])
def test_deltas(speech, deltas, width):
    for sig, y in _signals(speech, ("chirp",)).items():
        _compare(ff.Config(deltas=deltas, delta_width=width, energy="append"), y, f"{sig}")
    # delta() itself: the same float32 operations as ff_delta, so bit-identical
    rng = np.random.default_rng(width)
    for rows in (1, 2, 3, 17, 100):
        x = rng.standard_normal((rows, 13)).astype(np.float32)
        a, b = np.empty_like(x), np.empty_like(x)
        assert _engine.delta(x, deltas, width, a) == nb.delta(x, deltas, width, b) == 0
        np.testing.assert_array_equal(b, a)
    x = np.zeros((4, 3), np.float32)
    for order, w in ((0, 2), (3, 2), (1, 0), (1, 65)):
        assert nb.delta(x, order, w, np.empty_like(x)) == _engine.delta(x, order, w, np.empty_like(x)) == 3


def test_top_db(speech):
    for sig, y in _signals(speech, ("chirp", "clicks", "silence")).items():
        _compare(ff.Config.preset("librosa", sample_rate=16000), y, f"librosa mfcc on {sig}")
        _compare(ff.Config.preset("librosa", sample_rate=16000, kind="logmel", deltas=1), y,
                 f"librosa logmel on {sig}")
        _compare(ff.Config(kind="power", log="db", top_db=40.0, energy="append"), y,
                 f"power dB top_db on {sig}")


def test_threads_share_one_engine(speech):
    cfg = ff.Config.preset("kaldi", deltas=2)
    ce, ne = _engines(cfg)
    signals = [np.ascontiguousarray(np.roll(speech["turn_left"], 977 * i)) for i in range(6)]
    expected = [_extract(ne, y) for y in signals]
    results = {}

    def work(i):
        results[i] = _extract(ne, signals[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(6):
        np.testing.assert_array_equal(results[i], expected[i])


# ------------------------------------------------------------------ random configs

@st.composite
def configs(draw):
    sr = draw(st.sampled_from([8000, 16000, 22050]))
    n_fft = draw(st.sampled_from([64, 100, 128, 200, 255, 256, 320, 400, 401, 512, 1024]))
    kind = draw(st.sampled_from(["mfcc", "logmel", "power"]))
    center = draw(st.booleans())
    snip = draw(st.booleans())
    n_bins = n_fft // 2 + 1
    n_mels = draw(st.integers(1, min(n_bins, 48)))
    fmin = draw(st.sampled_from([0.0, 20.0, 300.0]))
    fmax = draw(st.sampled_from([None, sr / 2, sr / 4, 3000.0]))
    assume(fmin < (fmax if fmax is not None else sr / 2))
    log = draw(st.sampled_from(["ln", "log10", "db"] if kind == "mfcc" else ["ln", "log10", "db", None]))
    energy = draw(st.sampled_from([None, "append"] + (["replace_c0"] if kind == "mfcc" else [])))
    fields = dict(
        kind=kind, sample_rate=sr, n_fft=n_fft,
        frame_length=draw(st.integers(max(1, n_fft // 4), n_fft)),
        hop_length=draw(st.integers(1, n_fft)),
        window=draw(st.sampled_from(["hamming", "hann", "povey", "blackman", "rectangular"])),
        window_periodic=draw(st.booleans()), center=center,
        pad_mode=draw(st.sampled_from(["constant", "reflect", "edge"])), snip_edges=snip,
        pad_end=draw(st.booleans()) and snip and not center,
        preemphasis=draw(st.sampled_from([0.0, 0.97, 0.5])),
        preemphasis_scope=draw(st.sampled_from(["frame", "signal"])),
        remove_dc=draw(st.booleans()), dither=draw(st.sampled_from([0.0, 0.01])),
        seed=draw(st.integers(0, 2**64 - 1)), power=draw(st.sampled_from([1.0, 2.0, 1.5])),
        spectrum_norm=draw(st.sampled_from([None, "n_fft"])),
        n_mels=n_mels, fmin=fmin, fmax=fmax,
        mel_scale=draw(st.sampled_from(["htk", "slaney"])),
        mel_norm=draw(st.sampled_from([None, "slaney"])),
        mel_triangles=draw(st.sampled_from(["mel", "hz", "bin"])),
        mel_first_bin=draw(st.sampled_from([None, "htk"])),
        log=log, log_floor=draw(st.sampled_from([1e-10, 1e-5])),
        log_floor_mode=draw(st.sampled_from(["max", "zero"])),
        top_db=draw(st.sampled_from([None, 60.0])) if log == "db" else None,
        n_mfcc=draw(st.integers(1, n_mels)), dct_norm=draw(st.sampled_from(["ortho", None, "htk"])),
        lifter=draw(st.sampled_from([0.0, 22.0])), energy=energy,
        energy_source=draw(st.sampled_from(["raw", "windowed", "spectrum"])),
        deltas=draw(st.integers(0, 2)), delta_width=draw(st.integers(1, 3)),
    )
    return ff.Config(**fields)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs(), n=st.integers(1, 6000), seed=st.integers(0, 1000))
def test_random_configs(cfg, n, seed):
    t = np.arange(n) / cfg.sample_rate
    rng = np.random.default_rng(seed)
    y = (0.3 * np.sin(2 * np.pi * (150 + 900 * t) * t) + 0.05 * rng.standard_normal(n)).astype(np.float32)
    ce, ne = _engines(cfg)
    assert ne.n_frames(n) == ce.n_frames(n)
    if ce.n_frames(n) == 0:
        out = np.empty((0, ce.n_features), np.float32)
        assert ne.extract(y, out, 1) == ce.extract(y, out, 1) == (5, -1)
        return
    _assert_close(cfg, y, _extract(ne, y), _extract(ce, y), ne, repr(cfg))


# ------------------------------------------------------------------ streaming

STREAM_CONFIGS = {
    "default": ff.Config(),
    "deltas": ff.Config(deltas=2, energy="append"),
    "librosa": ff.Config.preset("librosa", sample_rate=16000, top_db=None, pad_mode="reflect",
                                deltas=1),
    "kaldi": ff.Config.preset("kaldi"),
    "kaldi-nosnip": ff.Config.preset("kaldi", snip_edges=False, deltas=2, dither=0.01),
    "psf": ff.Config.preset("python_speech_features", deltas=2, delta_width=3),
    "power": ff.Config(kind="power", window="hann", frame_length=320, n_fft=320, preemphasis=0,
                       log="ln"),
    "whisper": ff.Config.preset("whisper", top_db=None),  # drop_last_frame, log_offset/scale
}


def _stream(engine, y, cuts, check_rows_for=None):
    """Push y in chunks of the given sizes (then the rest) and flush; checks
    that every push returns exactly rows_for() rows."""
    s = engine.stream()
    rows, pos = [], 0
    for c in list(cuts) + [len(y)]:
        x = np.ascontiguousarray(y[pos:pos + c])
        k = s.rows_for(len(x))
        if check_rows_for is not None:
            assert check_rows_for.rows_for(len(x)) == k
        out = np.empty((k, engine.n_features), np.float32)
        assert s.push(x, out) == (0, k, -1)
        if check_rows_for is not None:
            assert check_rows_for.push(x, np.empty((k, engine.n_features), np.float32))[:2] == (0, k)
        rows.append(out)
        pos += len(x)
    k = s.rows_for(-1)
    out = np.empty((k, engine.n_features), np.float32)
    assert s.flush(out) == (0, k)
    rows.append(out)
    return np.concatenate(rows)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(STREAM_CONFIGS)), n=st.integers(0, 5000),
       seed=st.integers(0, 2**16), cuts=st.lists(st.integers(0, 700), max_size=30))
def test_stream_random_chunkings(name, n, seed, cuts):
    cfg = STREAM_CONFIGS[name]
    ce, ne = _engines(cfg)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = (0.4 * np.sin(2 * np.pi * (200 + 3000 * t) * t) + 0.05 * rng.standard_normal(n)).astype(np.float32)
    # the same state machine as stream.c: rows_for and rows per push agree exactly
    got = _stream(ne, y, cuts, check_rows_for=ce.stream())
    if ne.n_frames(n) == 0:
        assert got.shape == (0, ne.n_features)
        return
    np.testing.assert_array_equal(got, _extract(ne, y))  # Numba stream == Numba batch, exactly
    _assert_close(cfg, y, got, _extract(ce, y), ne, f"stream {name}")  # and close to C


@pytest.mark.parametrize("chunk", [1, 160, 4096])
def test_stream_fixed_chunkings(speech, chunk):
    y = speech["yes"][:6000 if chunk == 1 else None]
    for name, cfg in STREAM_CONFIGS.items():
        ce, ne = _engines(cfg)
        got = _stream(ne, y, [chunk] * (len(y) // chunk))
        np.testing.assert_array_equal(got, _extract(ne, y), err_msg=name)


def test_stream_failed_push_changes_nothing():
    cfg = ff.Config(deltas=2, dither=0.01)
    _, ne = _engines(cfg)
    y = short_signal(8000)
    ref = _extract(ne, y)
    s = ne.stream()
    rows = []
    big = np.empty((200, ne.n_features), np.float32)
    for i in range(0, len(y), 500):
        x = y[i:i + 500]
        before = (s._st.copy(), s._samples.copy(), s._stat.copy(), s._dlt.copy())
        bad = x.copy()
        bad[37] = np.nan
        assert s.push(bad, big) == (4, 0, 37)
        bad[37] = 0.0
        bad[3] = -np.inf
        assert s.push(bad, big) == (4, 0, 3)
        k = s.rows_for(len(x))
        if k > 0:  # too small an out: status 6, nothing written
            assert s.push(x, np.empty((k - 1, ne.n_features), np.float32)) == (6, 0, -1)
        assert s.push(x, np.empty((k, ne.n_features + 1), np.float32)) == (6, 0, -1)
        after = (s._st, s._samples[:len(before[1])], s._stat[:len(before[2])], s._dlt[:len(before[3])])
        for b, a in zip(before, after):
            np.testing.assert_array_equal(a, b)
        status, k2, _ = s.push(x, big)
        assert (status, k2) == (0, k)
        rows.append(big[:k].copy())
    k = s.rows_for(-1)
    if k > 0:
        assert s.flush(np.empty((k - 1, ne.n_features), np.float32)) == (6, 0)
    assert s.flush(big) == (0, k)
    rows.append(big[:k].copy())
    np.testing.assert_array_equal(np.concatenate(rows), ref)
    # after a flush: push and flush are refused until reset
    assert s.push(y[:10], big) == (7, 0, -1)
    assert s.flush(big) == (7, 0)
    assert s.rows_for(10) == 0 and s.rows_for(-1) == 0
    s.reset()
    np.testing.assert_array_equal(_stream(ne, y, [333] * 20), ref)


def test_stream_state_matches_c():
    for name, cfg in STREAM_CONFIGS.items():
        ce, ne = _engines(cfg)
        cs, ns = ce.stream(), ne.stream()
        assert ns.latency_frames == cs.latency_frames, name
        assert ns.n_features == cs.n_features
        for n in (-1, 0, 1, 399, 400, 401, 1000, 5000):
            assert ns.rows_for(n) == cs.rows_for(n), (name, n)
    with pytest.raises(nb.EngineError):
        nb.Engine(_backend.engine_values(ff.Config.preset("librosa"))).stream()


# ------------------------------------------------------------------ statuses and config checks

def test_statuses():
    cfg = ff.Config()
    ce, ne = _engines(cfg)
    y = short_signal(4000)
    rows = ce.n_frames(len(y))
    for engine in (ce, ne):
        out = np.empty((rows, engine.n_features), np.float32)
        assert engine.extract(y[:399], out, 1) == (5, -1)
        assert engine.extract(y[:0], out, 1) == (5, -1)
        assert engine.extract(y, np.empty((rows - 1, engine.n_features), np.float32), 1) == (6, -1)
        assert engine.extract(y, np.empty((rows, engine.n_features + 1), np.float32), 1) == (6, -1)
        for i, v in ((0, np.nan), (1234, np.inf), (3999, -np.inf)):
            bad = y.copy()
            bad[i] = v
            assert engine.extract(bad, out, 4) == (4, i)
    for status in range(9):
        assert nb.strerror(status) == _engine.strerror(status)
    # what the binding's typed memoryviews refuse, the Numba engine refuses too
    for bad_x in (y.astype(np.float64), y[::2], y.reshape(40, 100), list(y[:10])):
        with pytest.raises((TypeError, ValueError)):
            ne.extract(bad_x, np.empty((rows, 13), np.float32), 1)
    ro = np.empty((rows, 13), np.float32)
    ro.flags.writeable = False
    with pytest.raises((TypeError, ValueError)):
        ne.extract(y, ro, 1)


BAD_VALUES = [
    ("n_fft", 0), ("frame_length", 600), ("hop_length", 0), ("kind", 3), ("sample_rate", 0),
    ("window", 9), ("pad_mode", 5), ("preemphasis", 1.5), ("preemphasis", float("nan")),
    ("dither", -1.0), ("power", 0.0), ("power", 9.0), ("n_mels", 300), ("fmax", 9000.0),
    ("fmin", 8000.0), ("log_floor", 0.0), ("n_mfcc", 41), ("lifter", -1.0), ("deltas", 3),
    ("delta_width", 0), ("delta_width", 65), ("mel_triangles", 4), ("energy", 3),
    ("energy_source", 3), ("log", 4), ("log_floor_mode", 3), ("dct_norm", 3), ("mel_scale", 2),
    ("mel_first_bin", 2),
]


def test_check_config_names_the_same_field():
    base = _backend.engine_values(ff.Config())
    assert nb.check_config(base) is None
    for field, value in BAD_VALUES:
        values = dict(base, **{field: value})
        assert nb.check_config(values) == _engine.check_config(values), (field, value)
        assert nb.check_config(values) is not None
        with pytest.raises(nb.EngineError):
            nb.Engine(values)
    for combo in (dict(pad_end=1, center=1), dict(kind=0, log=0), dict(top_db=10.0, log=0, kind=1),
                  dict(drop_last_frame=1, center=0), dict(log_scale=0.0), dict(log_offset=math.inf),
                  dict(energy=1, kind=1), dict(preemphasis=1.00000001), dict(fmax=8000.0000001),
                  dict(dct_norm=2, dct_type=3)):
        values = dict(base, **combo)
        assert nb.check_config(values) == _engine.check_config(values), combo


def test_import_fastfeat_does_not_import_numba():
    import subprocess
    import sys

    code = "import sys, fastfeat; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
