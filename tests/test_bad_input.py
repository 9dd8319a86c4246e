"""Bad input is refused clearly, never silently changed, never crashes (DESIGN.md).

Every refusal must be a ValueError/TypeError whose message names the
parameter (``y``, ``samples``, ``signals[i]``, ``out``, ``sr``, ``order``,
``width``, ``features``, ``top_db``) and says what is accepted.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastfeat as ff  # noqa: E402  (a broken build must fail loudly, not skip)

SR = 16000
CFG = ff.Config()  # frame_length 400, hop 160, snip_edges


def good(n=4000, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def extract(y, **kw):
    return ff.Extractor(CFG)(y, **kw)


# Each callable takes the bad array and the name it must be reported under.
ENTRY_POINTS = {
    "Extractor": (lambda y: ff.Extractor(CFG)(y), "y"),
    "mfcc": (lambda y: ff.mfcc(y, sr=SR), "y"),
    "logmel": (lambda y: ff.logmel(y, sr=SR, config=CFG), "y"),
    "power_spectrum": (lambda y: ff.power_spectrum(y, sr=SR, config=CFG), "y"),
    "map": (lambda y: ff.Extractor(CFG).map([good(), y], threads=2), "signals[1]"),
    "Stream.push": (lambda y: ff.Stream(CFG).push(y), "samples"),
}


def _bad_cases():
    ok = good()
    nan = ok.copy(); nan[1234] = np.nan
    pinf = ok.copy(); pinf[0] = np.inf
    ninf = ok.copy(); ninf[3999] = -np.inf
    f64nan = ok.astype(np.float64); f64nan[77] = np.nan
    return [
        # (id, array, exception, regex pieces that must all appear; {name} is the parameter)
        ("nan", nan, ValueError, [r"{name}", "non-finite", r"index 1234\b"]),
        ("+inf", pinf, ValueError, [r"{name}", "non-finite", r"index 0\b"]),
        ("-inf", ninf, ValueError, [r"{name}", "non-finite", r"index 3999\b"]),
        ("nan-float64", f64nan, ValueError, [r"{name}", r"index 77\b"]),
        ("int16", (ok * 32767).astype(np.int16), TypeError, [r"{name}", "int16", "float32"]),
        ("int32", np.zeros(4000, np.int32), TypeError, [r"{name}", "int32", "float32"]),
        ("uint8", np.zeros(4000, np.uint8), TypeError, [r"{name}", "uint8", "float32"]),
        ("complex", ok.astype(np.complex64), TypeError, [r"{name}", "complex64", "float32 or float64"]),
        ("float16", ok.astype(np.float16), TypeError, [r"{name}", "float16", "float32 or float64"]),
        ("stereo", np.stack([ok, ok]), ValueError, [r"{name}", "1-D", r"\(2, 4000\)", r"{name}\.mean\(axis=0\)"]),
        ("stereo-T", np.ascontiguousarray(np.stack([ok, ok]).T), ValueError,
         [r"{name}", "1-D", r"\(4000, 2\)", r"{name}\.mean\(axis=1\)", "along axis 1"]),
        ("0-d", np.array(0.5, np.float32), ValueError, [r"{name}", "1-D", r"\(\)"]),
        ("list", ok.tolist(), TypeError, [r"{name}", "numpy.ndarray", "float32 or float64", "got list",
                                          r"np\.asarray\({name}, dtype=np\.float32\)"]),
        ("scalar", 0.5, TypeError, [r"{name}", "numpy.ndarray"]),
        ("strided", good(8000)[::2], ValueError, [r"{name}", "contiguous"]),
        ("fortran-2d", np.asfortranarray(np.stack([ok, ok])), ValueError, [r"{name}", "1-D"]),
    ]


BAD = _bad_cases()


def _pattern(pieces, name):
    return [p.replace("{name}", re.escape(name)) for p in pieces]


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_signal_refused(entry, case):
    fn, name = ENTRY_POINTS[entry]
    _, y, exc, pieces = case
    with pytest.raises(exc) as info:
        fn(y)
    msg = str(info.value)
    for p in _pattern(pieces, name):
        assert re.search(p, msg), f"{p!r} not in {msg!r}"


@pytest.mark.parametrize("entry", ["Extractor", "mfcc", "logmel", "power_spectrum", "map"])
def test_empty_signal(entry):
    fn, name = ENTRY_POINTS[entry]
    with pytest.raises(ValueError, match=re.escape(name) + r" is empty; .*at least 400 samples"):
        fn(np.zeros(0, np.float32))


def test_empty_push_is_fine():
    # a stream accepts 0 samples (no rows), unlike a batch call
    s = ff.Stream(CFG)
    assert s.push(np.zeros(0, np.float32)).shape == (0, CFG.n_features)


@pytest.mark.parametrize("n", [1, 100, 399])
def test_shorter_than_one_frame(n):
    with pytest.raises(ValueError, match=rf"y has {n} samples, fewer than one frame; .*at least 400 samples"
                                         r" \(frame_length=400, center=False, snip_edges=True\)"):
        extract(good(n))
    # Kaldi's other edge rule needs hop - hop//2 = 80 samples
    cfg = CFG.replace(snip_edges=False)
    with pytest.raises(ValueError, match=r"at least 80 samples"):
        ff.Extractor(cfg)(good(79))
    assert ff.Extractor(cfg)(good(80)).shape == (1, 13)
    # with centre padding or pad_end, one sample is enough
    assert ff.Extractor(CFG.replace(center=True))(good(1)).shape[0] == 1
    assert ff.Extractor(CFG.replace(pad_end=True))(good(1)).shape[0] == 1
    # a too-short signal inside map is named by its position
    with pytest.raises(ValueError, match=r"signals\[2\] has 5 samples, fewer than one frame"):
        ff.Extractor(CFG).map([good(), good(), good(5)])


def test_wrong_sample_rate():
    y = good()
    for call in (lambda: ff.mfcc(y, sr=8000, config=CFG), lambda: extract(y, sr=44100),
                 lambda: ff.Extractor(CFG).map([y], sr=22050)):
        with pytest.raises(ValueError, match=r"sr=\d+ does not match the config's sample_rate=16000"):
            call()
    # the matching rate is accepted, and sr alone builds a config for it
    extract(y, sr=16000)
    assert ff.mfcc(y, sr=8000).shape == ff.Extractor(ff.Config(sample_rate=8000))(y).shape


def test_read_only_input_is_accepted():
    y = good()
    ref = extract(y)
    y.setflags(write=False)
    np.testing.assert_array_equal(extract(y), ref)
    np.testing.assert_array_equal(ff.mfcc(y, sr=SR), ref)
    s = ff.Stream(CFG)
    got = np.concatenate([s.push(y), s.flush()])
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-5)
    f = ff.mfcc(y, sr=SR)
    f.setflags(write=False)
    assert ff.delta(f).shape == f.shape


def test_float64_is_not_silently_different():
    y32 = good()
    # float64 samples carrying extra precision that rounds back to y32
    y64 = y32.astype(np.float64) + np.spacing(y32).astype(np.float64) / 4
    assert np.array_equal(y64.astype(np.float32), y32) and not np.array_equal(y64, y32)
    for fn in (lambda y: extract(y), lambda y: ff.logmel(y, sr=SR),
               lambda y: ff.power_spectrum(y, sr=SR)):
        np.testing.assert_array_equal(fn(y64), fn(y32))
    # the stream too, and the caller's arrays are untouched
    before = y64.copy()
    s1, s2 = ff.Stream(CFG), ff.Stream(CFG)
    a = np.concatenate([s1.push(y64[:1000]), s1.push(y64[1000:]), s1.flush()])
    b = np.concatenate([s2.push(y32[:1000]), s2.push(y32[1000:]), s2.flush()])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y64, before)
    f = extract(y32)
    np.testing.assert_array_equal(ff.delta(f.astype(np.float64)), ff.delta(f))


# ---------------------------------------------------------------- out=

def test_out_buffer():
    y = good()
    ext = ff.Extractor(CFG)
    rows = ext.n_frames(len(y))
    shape = (rows, CFG.n_features)
    out = np.empty(shape, np.float32)
    assert ext(y, out=out) is out
    np.testing.assert_array_equal(out, ext(y))
    with pytest.raises(TypeError, match=r"out has dtype float64; out must be float32"):
        ext(y, out=np.empty(shape, np.float64))
    with pytest.raises(ValueError, match=rf"out has shape \({rows + 1}, 13\); out must have shape \({rows}, 13\)"):
        ext(y, out=np.empty((rows + 1, 13), np.float32))
    with pytest.raises(ValueError, match=r"out has shape \(\d+, 12\); out must have shape"):
        ext(y, out=np.empty((rows, 12), np.float32))
    with pytest.raises(ValueError, match=r"out must be C-contiguous"):
        ext(y, out=np.empty((13, rows), np.float32).T)
    ro = np.zeros(shape, np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"out is read-only; out must be writeable"):
        ext(y, out=ro)
    assert not ro.any()  # nothing written
    with pytest.raises(TypeError, match=r"out must be a numpy.ndarray"):
        ext(y, out=[[0.0] * 13] * rows)


def test_stream_out_buffer():
    s = ff.Stream(CFG)
    n = s.frames_for(4000)
    with pytest.raises(TypeError, match=r"out must be a 2-D float32"):
        s.push(good(), out=np.empty((n, 13), np.float64))
    with pytest.raises(ValueError, match=rf"out has shape \({n - 1}, 13\); .*out must have shape \(>= {n}, 13\)"):
        s.push(good(), out=np.empty((n - 1, 13), np.float32))
    ro = np.empty((n, 13), np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"out must be C-contiguous and writeable"):
        s.push(good(), out=ro)
    with pytest.raises(ValueError, match=r"out must be C-contiguous"):
        s.push(good(), out=np.empty((13, n), np.float32).T)
    # the refused pushes changed nothing: the stream still equals batch
    y = good()
    buf = np.empty((n, 13), np.float32)
    got = np.concatenate([s.push(y, out=buf).copy(), s.flush()])
    np.testing.assert_allclose(got, extract(y), rtol=1e-6, atol=1e-5)


# ---------------------------------------------------------------- delta

def test_delta_bad_arguments():
    f = extract(good())
    # (order=1.0 / 2.0 are accepted, unlike width=2.0 and Config's int fields:
    # reported as an inconsistency, not asserted here)
    for order in (0, 3, -1, 1.5, True, "1", None):
        with pytest.raises(ValueError, match=r"order=.* is not valid; order must be 1 or 2"):
            ff.delta(f, order=order)
    for width in (0, 65, -2, 2.0, True, None):
        with pytest.raises(ValueError, match=r"width=.* is not valid; width must be an integer in \[1, 64\]"):
            ff.delta(f, width=width)
    with pytest.raises(ValueError, match=r"features must be 2-D \(n_frames, n_features\), got shape \(4000,\)"):
        ff.delta(good())
    with pytest.raises(ValueError, match=r"features must be 2-D .*got shape \(2, 3, 4\)"):
        ff.delta(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(TypeError, match=r"features has dtype int16; features must be float32 or float64"):
        ff.delta(f.astype(np.int16))
    with pytest.raises(TypeError, match=r"features must be a numpy.ndarray"):
        ff.delta(f.tolist())
    for v in (np.nan, np.inf, -np.inf):
        g = f.copy()
        g[3, 4] = v
        with pytest.raises(ValueError, match=r"features contains NaN or Inf"):
            ff.delta(g)
    # a transposed (non-contiguous) view is fine: delta reads along rows
    np.testing.assert_allclose(ff.delta(np.asfortranarray(f)), ff.delta(f))


def test_delta_edge_sizes():
    # one frame: every neighbour is the frame itself, delta 0; no crash on 0 frames
    assert not ff.delta(np.ones((1, 5), np.float32)).any()
    assert ff.delta(np.zeros((0, 5), np.float32)).shape == (0, 5)
    assert ff.delta(np.zeros((4, 0), np.float32)).shape == (4, 0)


# ---------------------------------------------------------------- Stream

@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_rejected_push_leaves_stream_intact(case):
    _, bad, exc, _ = case
    y = good(6000, seed=3)
    s = ff.Stream(CFG)
    first = s.push(y[:2345])
    with pytest.raises(exc):
        s.push(bad)
    rest = s.push(y[2345:])
    tail = s.flush()
    got = np.concatenate([first, rest, tail])
    np.testing.assert_allclose(got, extract(y), rtol=1e-6, atol=1e-5)


def test_rejected_push_with_deltas_and_signal_preemphasis():
    # the state that a bad push could corrupt: remainder, absolute offset
    # (dither index), signal pre-emphasis memory, delta ring
    cfg = ff.Config.preset("python_speech_features", deltas=2)
    y = good(7000, seed=4)
    s = ff.Stream(cfg)
    parts = [s.push(y[:1001])]
    bad = y[1001:3000].copy()
    bad[1500] = np.nan
    with pytest.raises(ValueError, match=r"samples contains a non-finite value .* at index 1500"):
        s.push(bad)
    parts += [s.push(y[1001:5003]), s.push(y[5003:]), s.flush()]
    np.testing.assert_allclose(np.concatenate(parts), ff.Extractor(cfg)(y), rtol=1e-5, atol=1e-4)


def test_push_after_flush():
    s = ff.Stream(CFG)
    s.push(good())
    s.flush()
    with pytest.raises(RuntimeError, match=r"flushed; call reset\(\)"):
        s.push(good())
    with pytest.raises(RuntimeError, match=r"already flushed; call reset\(\)"):
        s.flush()
    s.reset()
    y = good(seed=9)
    np.testing.assert_allclose(np.concatenate([s.push(y), s.flush()]), extract(y), rtol=1e-6, atol=1e-5)


def test_stream_refuses_top_db():
    cfg = ff.Config.preset("librosa")
    assert cfg.top_db == 80.0
    with pytest.raises(ValueError, match=r"top_db=80\.0 .*Stream needs top_db=None"):
        ff.Stream(cfg)
    ff.Stream(cfg.replace(top_db=None))  # the frame-local variant is fine


def test_wrong_config_types():
    with pytest.raises(TypeError, match=r"config must be a fastfeat.Config, got dict"):
        ff.Extractor({"n_fft": 512})
    with pytest.raises(TypeError, match=r"config must be a fastfeat.Config, got dict"):
        ff.Stream({"n_fft": 512})
    with pytest.raises(TypeError, match=r"config must be a fastfeat.Config, got dict"):
        ff.mfcc(good(), config={"n_fft": 512})
    with pytest.raises(ValueError, match=r"threads=0 is not valid; threads must be an integer >= 1"):
        ff.Extractor(CFG, threads=0)
    with pytest.raises(ValueError, match=r"threads=0 is not valid; threads must be an integer >= 1"):
        ff.Extractor(CFG).map([good()], threads=0)
    with pytest.raises(ValueError, match=r"logmel needs log='ln', 'log10' or 'db'"):
        ff.logmel(good(), config=CFG.replace(kind="logmel", log=None))


def test_refusal_does_not_modify_input():
    y = good()
    y[10] = np.nan
    before = y.copy()
    with pytest.raises(ValueError):
        extract(y)
    np.testing.assert_array_equal(y, before)


# ---------------------------------------------------------------- Config fields as keywords

def test_feature_functions_take_config_fields_as_keywords():
    y = good(16000)
    np.testing.assert_array_equal(ff.mfcc(y, sr=SR, n_mfcc=20, deltas=2),
                                  ff.Extractor(ff.Config(n_mfcc=20, deltas=2))(y))
    np.testing.assert_array_equal(ff.logmel(y, sr=SR, n_mels=80),
                                  ff.Extractor(ff.Config(kind="logmel", n_mels=80))(y))
    np.testing.assert_array_equal(ff.power_spectrum(y, sr=SR, n_fft=1024),
                                  ff.Extractor(ff.Config(kind="power", n_fft=1024, log=None))(y))
    kaldi = ff.Config.preset("kaldi", dither=0.0)  # keywords change the given config
    np.testing.assert_array_equal(ff.mfcc(y, config=kaldi, n_mfcc=10),
                                  ff.Extractor(kaldi.replace(n_mfcc=10))(y))


def test_feature_keywords_are_validated_as_config_fields():
    y = good()
    with pytest.raises(TypeError, match=r"unknown Config field\(s\) n_ceps; valid fields: kind, sample_rate"):
        ff.mfcc(y, sr=SR, n_ceps=20)
    with pytest.raises(ValueError, match=r"^n_mfcc=41 exceeds n_mels=40; n_mfcc must be in \[1, 40\]$"):
        ff.mfcc(y, sr=SR, n_mfcc=41)
    with pytest.raises(TypeError, match=r"^n_mels=2\.5 must be an integer in \[1, 4096\]$"):
        ff.logmel(y, sr=SR, n_mels=2.5)
    with pytest.raises(ValueError, match=r"logmel needs log='ln', 'log10' or 'db'"):
        ff.logmel(y, sr=SR, log=None)
    with pytest.raises(ValueError, match=r"sr=16000 does not match the config's sample_rate=8000"):
        ff.mfcc(y, sr=SR, sample_rate=8000)
    with pytest.raises(TypeError, match=r"^n_mels=\[40\] must be an integer"):
        ff.mfcc(y, sr=SR, n_mels=[40])  # unhashable: still Config's message


def test_feature_functions_check_every_call_whatever_came_before():
    # the calls are cached (fastfeat.features._calls) on the values and their
    # types: 20 and 20.0 are equal keys, but only one is a valid n_mfcc
    y = good()
    ff.mfcc(y, sr=SR, n_mfcc=20)
    with pytest.raises(TypeError, match=r"^n_mfcc=20\.0 must be an integer"):
        ff.mfcc(y, sr=SR, n_mfcc=20.0)
    ff.mfcc(y, sr=SR)
    with pytest.raises(TypeError, match=r"^sample_rate=16000\.0 must be an integer"):
        ff.mfcc(y, sr=16000.0)
    cfg = ff.Config(sample_rate=8000)
    assert ff.mfcc(y, config=cfg).shape == ff.Extractor(cfg)(y).shape
    with pytest.raises(ValueError, match=r"sr=16000 does not match the config's sample_rate=8000"):
        ff.mfcc(y, sr=SR, config=cfg)
    with pytest.raises(TypeError, match=r"config must be a fastfeat.Config, got dict"):
        ff.mfcc(y, config={"n_mfcc": 13})
