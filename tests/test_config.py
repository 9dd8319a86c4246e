"""Config: field validation from FIELDS metadata, cross-field rules, presets, round trips."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import numpy as np
import pytest

import fastfeat as ff  # noqa: E402  (a broken build must fail loudly, not skip)
from fastfeat.config import FIELDS, PRESETS  # noqa: E402


def _must(name):
    """The tail every field error ends with: 'must be <accepted range>'."""
    return re.escape(f"must be {FIELDS[name].describe()}")


def _bad_values(name, spec):
    """(value, exception) pairs that no field of this spec may accept."""
    out = []
    if spec.kind == "choice":
        out += [("no-such-choice", ValueError), (3, ValueError), (b"hann", ValueError)]
        if not spec.optional:
            out.append((None, TypeError))
        if isinstance(spec.choices[0], str):
            out.append((spec.choices[0].upper() + "x", ValueError))
    elif spec.kind == "bool":
        out += [(1, TypeError), (0, TypeError), ("True", TypeError), (None, TypeError), (1.0, TypeError)]
    elif spec.kind == "int":
        out += [(1.5, TypeError), ("3", TypeError), (True, TypeError), (2.0, TypeError)]
        if not spec.optional:
            out.append((None, TypeError))
        if spec.low is not None:
            out.append((int(spec.low) - 1, ValueError))
        if spec.high is not None:
            out.append((int(spec.high) + 1, ValueError))
    else:  # float
        out += [("0.5", TypeError), (True, TypeError), (float("nan"), ValueError),
                (float("inf"), ValueError), (-float("inf"), ValueError), ([1.0], TypeError)]
        if not spec.optional:
            out.append((None, TypeError))
        if spec.low is not None:
            out.append((spec.low if spec.low_open else spec.low - 1e-3, ValueError))
        if spec.high is not None:
            out.append((spec.high if spec.high_open else spec.high + 1e-3, ValueError))
    return out


CASES = [(name, v, e) for name, spec in FIELDS.items() for v, e in _bad_values(name, spec)]


def test_fields_metadata_covers_config():
    assert [f.name for f in dataclasses.fields(ff.Config)] == list(FIELDS)
    for name, spec in FIELDS.items():
        assert spec.doc and spec.kind in ("int", "float", "bool", "choice"), name
        # the default itself is valid, and None is allowed exactly where optional
        default = getattr(ff.Config(), name)
        assert default is not None or spec.optional, name


@pytest.mark.parametrize("name,value,exc", CASES, ids=[f"{n}={v!r}" for n, v, _ in CASES])
def test_bad_field_value(name, value, exc):
    with pytest.raises(exc, match=rf"^{re.escape(name)}=.*{_must(name)}$"):
        ff.Config(**{name: value})
    # the same through replace() and from_dict()
    with pytest.raises(exc, match=_must(name)):
        ff.Config().replace(**{name: value})
    with pytest.raises(exc, match=_must(name)):
        ff.Config.from_dict({**ff.Config().to_dict(), name: value})


def test_describe_texts():
    # the accepted ranges, as users read them
    assert FIELDS["n_fft"].describe() == "an integer in [1, 1048576] or None"
    assert FIELDS["n_mels"].describe() == "an integer in [1, 4096]"
    assert FIELDS["power"].describe() == "a finite number in (0, 8]"
    assert FIELDS["fmax"].describe() == "a finite number in (0, inf) or None"
    assert FIELDS["preemphasis"].describe() == "a finite number in [0, 1]"
    assert FIELDS["center"].describe() == "True or False"
    assert FIELDS["log"].describe() == "one of None, 'ln', 'log10', 'db'"
    assert FIELDS["window"].describe().startswith("one of 'hamming', 'hann'")


def test_range_boundaries_are_accepted():
    ok = dict(preemphasis=0.0, hop_length=1, power=8.0, deltas=2, delta_width=64, seed=2**64 - 1,
              dither=0.0, lifter=0.0, fmin=0.0, sample_rate=16000)
    for k, v in ok.items():
        assert getattr(ff.Config(**{k: v}), k) == v
    assert ff.Config(preemphasis=1.0).preemphasis == 1.0
    assert ff.Config(deltas=0).n_features == 13
    assert ff.Config(frame_length=1, n_fft=2, n_mels=1, n_mfcc=1).n_fft == 2


def test_numeric_types_are_normalised():
    cfg = ff.Config(n_fft=np.int64(1024), frame_length=np.int32(400), preemphasis=np.float32(0.5),
                    power=1, center=True, fmin=np.float64(20.0))
    assert type(cfg.n_fft) is int and cfg.n_fft == 1024
    assert type(cfg.frame_length) is int
    assert type(cfg.preemphasis) is float and cfg.preemphasis == 0.5
    assert type(cfg.power) is float and cfg.power == 1.0
    assert cfg.center is True
    assert hash(cfg) == hash(ff.Config(n_fft=1024, frame_length=400, preemphasis=0.5, power=1.0,
                                       center=True, fmin=20.0))


def test_numpy_bool_is_accepted():
    # config._check_field means to accept numpy booleans (it tests
    # type(value).__name__ == "bool_"), but under NumPy 2 the type is named
    # "bool", so Config(center=np.True_) raises TypeError.  numpy booleans
    # are what comparisons and loaded config arrays give.
    assert ff.Config(center=np.bool_(True)).center is True
    assert ff.Config(remove_dc=np.array([True, False])[0]).remove_dc is True


# ---------------------------------------------------------------- cross-field rules

CROSS = [
    (dict(frame_length=600, n_fft=512), r"frame_length=600 is larger than n_fft=512; n_fft must be >= frame_length"),
    (dict(n_mels=258), r"n_mels=258 exceeds the 257 FFT bins of n_fft=512; n_mels must be in \[1, 257\]"),
    (dict(n_fft=64, frame_length=64, n_mels=40), r"n_mels=40 exceeds the 33 FFT bins of n_fft=64; n_mels must be in \[1, 33\]"),
    (dict(fmax=8000.5), r"fmax=8000.5 Hz is above the Nyquist frequency 8000 Hz of sample_rate=16000; fmax must be in \(fmin, 8000\] or None"),
    (dict(sample_rate=8000, fmax=7600.0), r"fmax=7600.0 Hz is above the Nyquist frequency 4000 Hz of sample_rate=8000"),
    (dict(fmin=300.0, fmax=300.0), r"fmin=300.0 Hz must be below fmax=300 Hz; fmin must be in \[0, 300\)"),
    (dict(fmin=9000.0), r"fmin=9000.0 Hz must be below fmax=8000 Hz"),
    (dict(n_mfcc=41), r"n_mfcc=41 exceeds n_mels=40; n_mfcc must be in \[1, 40\]"),
    (dict(n_mels=10, n_mfcc=13), r"n_mfcc=13 exceeds n_mels=10"),
    (dict(log=None), r"log=None is not allowed with kind='mfcc'"),
    (dict(kind="logmel", energy="replace_c0"), r"energy='replace_c0' needs kind='mfcc' \(got kind='logmel'\); use energy='append' or None"),
    (dict(kind="power", energy="replace_c0"), r"energy='replace_c0' needs kind='mfcc' \(got kind='power'\)"),
    (dict(kind="logmel", log=None, top_db=80.0), r"top_db=80.0 needs a log \('db', 'log10' or 'ln'; got log=None\); set top_db=None"),
    (dict(drop_last_frame=True), r"drop_last_frame=True needs center=True"),
    (dict(log_scale=0.0), r"log_scale=0.0 is out of range; log_scale must be a finite number in \(0, inf\)"),
    (dict(pad_end=True, center=True), r"pad_end=True needs center=False and snip_edges=True"),
    (dict(pad_end=True, snip_edges=False), r"pad_end=True needs center=False and snip_edges=True"),
]


@pytest.mark.parametrize("fields,pattern", CROSS, ids=[p.split("=")[0] + str(i) for i, (_, p) in enumerate(CROSS)])
def test_cross_field_rules(fields, pattern):
    with pytest.raises(ValueError, match=pattern):
        ff.Config(**fields)


def test_cross_field_rules_allow_the_valid_side():
    ff.Config(frame_length=512, n_fft=512)
    ff.Config(n_mels=257, n_mfcc=13)
    ff.Config(fmax=8000.0)
    ff.Config(n_mfcc=40)
    ff.Config(kind="logmel", log=None)
    ff.Config(kind="logmel", energy="append")
    ff.Config(log="db", top_db=80.0)
    ff.Config(pad_end=True)
    # n_mels is only checked against n_mfcc for kind="mfcc"
    ff.Config(kind="logmel", n_mels=10, n_mfcc=13)


# ---------------------------------------------------------------- frozen, hashable, replace

def test_frozen_and_hashable():
    cfg = ff.Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_fft = 1024
    with pytest.raises(dataclasses.FrozenInstanceError):
        del cfg.n_mels
    assert hash(cfg) == hash(ff.Config())
    assert cfg == ff.Config() and cfg != ff.Config(n_mfcc=20)
    table = {cfg: "a", ff.Config(n_mfcc=20): "b"}
    assert table[ff.Config()] == "a" and table[ff.Config().replace(n_mfcc=20)] == "b"
    assert len({ff.Config.preset(p) for p in PRESETS}) == len(PRESETS)


def test_replace_revalidates():
    cfg = ff.Config()
    assert cfg.replace(n_mfcc=20).n_mfcc == 20
    assert cfg.n_mfcc == 13  # the original is unchanged
    with pytest.raises(ValueError, match=r"frame_length=400 is larger than n_fft=256"):
        cfg.replace(n_fft=256)
    with pytest.raises(ValueError, match=_must("hop_length")):
        cfg.replace(hop_length=0)
    with pytest.raises(TypeError, match=r"unknown Config field\(s\) nfft; valid fields: kind, sample_rate"):
        cfg.replace(nfft=256)
    # several fields at once are validated together, not one by one
    assert cfg.replace(n_fft=256, frame_length=200).n_fft == 256


def test_unknown_field_in_constructor():
    with pytest.raises(TypeError, match="n_ffts"):
        ff.Config(n_ffts=512)


# ---------------------------------------------------------------- presets

def test_presets_are_valid_and_documented_values():
    for name in PRESETS:
        cfg = ff.Config.preset(name)
        assert isinstance(cfg, ff.Config)
    assert ff.Config.preset("default") == ff.Config()
    lib = ff.Config.preset("librosa")
    assert (lib.sample_rate, lib.n_fft, lib.hop_length, lib.window, lib.center, lib.mel_scale,
            lib.log, lib.top_db, lib.n_mfcc) == (22050, 2048, 512, "hann", True, "slaney", "db", 80.0, 20)
    kal = ff.Config.preset("kaldi")
    assert (kal.window, kal.remove_dc, kal.energy, kal.lifter, kal.n_mels, kal.fmin, kal.dither) == \
        ("povey", True, "replace_c0", 22.0, 23, 20.0, 3e-05)
    psf = ff.Config.preset("python_speech_features")
    assert (psf.window, psf.pad_end, psf.preemphasis_scope, psf.log_floor_mode, psf.mel_triangles) == \
        ("rectangular", True, "signal", "zero", "bin")


def test_preset_with_overrides():
    cfg = ff.Config.preset("librosa", sample_rate=16000, n_mfcc=13)
    assert (cfg.sample_rate, cfg.n_mfcc, cfg.n_fft) == (16000, 13, 2048)
    assert ff.Config.preset("kaldi", dither=0.0).dither == 0.0
    # overrides are validated with the preset's other fields
    with pytest.raises(ValueError, match=r"n_mfcc=30 exceeds n_mels=23"):
        ff.Config.preset("kaldi", n_mfcc=30)
    with pytest.raises(ValueError, match=_must("n_fft")):
        ff.Config.preset("kaldi", n_fft=0)


def test_unknown_preset_and_override_names():
    with pytest.raises(ValueError, match=r"preset 'htk' is unknown; name must be one of 'default', 'librosa', 'kaldi', 'python_speech_features'"):
        ff.Config.preset("htk")
    with pytest.raises(ValueError, match=r"preset 'Kaldi' is unknown"):
        ff.Config.preset("Kaldi")
    with pytest.raises(TypeError, match=r"unknown Config field\(s\) num_ceps"):
        ff.Config.preset("kaldi", num_ceps=13)


# ---------------------------------------------------------------- dict round trips

@pytest.mark.parametrize("name", list(PRESETS))
def test_to_dict_from_dict_round_trip(name):
    cfg = ff.Config.preset(name, **({} if name == "nemo" else dict(deltas=2)))  # nemo normalizes: no deltas
    d = cfg.to_dict()
    assert list(d) == list(FIELDS)
    assert ff.Config.from_dict(d) == cfg
    # through JSON (what corpus metadata files hold)
    assert ff.Config.from_dict(json.loads(json.dumps(d))) == cfg
    # a partial dict means "defaults for the rest"
    assert ff.Config.from_dict({"n_mfcc": 20}) == ff.Config(n_mfcc=20)


def test_from_dict_refuses_unknown_names():
    with pytest.raises(TypeError, match=r"unknown Config field\(s\) bogus, n_fftt"):
        ff.Config.from_dict({"n_fftt": 512, "bogus": 1})


# ---------------------------------------------------------------- fmax

def test_fmax_none_is_nyquist_and_zero_is_an_error():
    cfg = ff.Config(fmax=None)
    assert cfg.fmax is None and cfg.fmax_hz == 8000.0
    assert ff.Config(sample_rate=22050).fmax_hz == 11025.0
    # None and the explicit Nyquist give the same features
    y = (0.1 * np.random.default_rng(0).standard_normal(4000)).astype(np.float32)
    np.testing.assert_array_equal(ff.Extractor(cfg)(y), ff.Extractor(ff.Config(fmax=8000.0))(y))
    # 0 is not silently Nyquist (python_speech_features' `highfreq or sr/2`)
    with pytest.raises(ValueError, match=r"fmax=0\.0 is out of range; fmax " + _must("fmax")):
        ff.Config(fmax=0)
    with pytest.raises(ValueError, match=_must("fmax")):
        ff.Config(fmax=0.0)
    # a small positive fmax is a real (narrow) filterbank, not Nyquist either
    with pytest.raises(ValueError, match=r"fmin=20\.0 Hz must be below fmax=10 Hz"):
        ff.Config(fmin=20.0, fmax=10.0)


def test_n_features_and_causal():
    assert ff.Config().n_features == 13
    assert ff.Config(deltas=2).n_features == 39
    assert ff.Config(energy="append", deltas=1).n_features == 28
    assert ff.Config(kind="logmel", n_mels=80).n_features == 80
    assert ff.Config(kind="power", n_fft=400).n_features == 201
    assert ff.Config.preset("librosa").causal is False
    assert ff.Config.preset("librosa", top_db=None).causal is True
    assert math.isclose(ff.Config.preset("kaldi").log_floor, np.finfo(np.float32).eps)


def test_n_mfcc_only_binds_mfcc():
    # n_mfcc is unused outside kind="mfcc": a small filterbank must not be refused
    # because of the default n_mfcc=13 (regression: the C check was unconditional).
    import numpy as np
    for kind in ("logmel", "power"):
        cfg = ff.Config(kind=kind, n_mels=4, log="ln")
        assert ff.Extractor(cfg)(np.ones(800, np.float32)).shape[0] == 3
    with pytest.raises(ValueError, match="n_mfcc=13 exceeds n_mels=4"):
        ff.Config(kind="mfcc", n_mels=4)


def test_repr_shows_changes_and_round_trips():
    assert repr(ff.Config()) == "Config()"
    assert repr(ff.Config(n_mfcc=20, deltas=2)) == "Config(n_mfcc=20, deltas=2)"
    for name in ff.config.PRESETS:
        cfg = ff.Config.preset(name)
        assert eval(repr(cfg), {"Config": ff.Config}) == cfg


# ---------------------------------------------------------------- frame sizes in ms

@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000, 11025])
def test_default_frames_are_25_ms_every_10_ms_at_any_rate(sr):
    cfg = ff.Config(sample_rate=sr)
    # Kaldi's rule (knf FrameExtractionOptions: int(samp_freq * 0.001 * ms), round_to_power_of_two)
    frame = int(sr * 0.001 * 25)
    assert (cfg.frame_length, cfg.hop_length) == (frame, int(sr * 0.001 * 10))
    assert cfg.n_fft >= cfg.frame_length > cfg.n_fft // 2 and cfg.n_fft & (cfg.n_fft - 1) == 0
    assert abs(cfg.frame_length / sr - 0.025) < 1 / sr and abs(cfg.hop_length / sr - 0.010) < 1 / sr


def test_derived_sizes_follow_replace_and_explicit_ones_stay():
    cfg = ff.Config()
    assert (cfg.frame_length, cfg.hop_length, cfg.n_fft) == (400, 160, 512)
    at44 = cfg.replace(sample_rate=44100)
    assert (at44.frame_length, at44.hop_length, at44.n_fft) == (1102, 441, 2048)
    assert at44.replace(sample_rate=16000) == cfg
    fixed = ff.Config(frame_length=512, hop_length=128)  # explicit sample counts
    moved = fixed.replace(sample_rate=44100)
    assert (moved.frame_length, moved.hop_length, moved.n_fft) == (512, 128, 512)
    assert fixed.replace(frame_length=1000).n_fft == 1024  # n_fft None follows frame_length
    assert ff.Config(n_fft=1024).replace(sample_rate=8000).n_fft == 1024
    # a derived value equals the explicit one: the same Config (hash, eq)
    assert ff.Config(frame_length=400, hop_length=160, n_fft=512) == cfg
    assert hash(ff.Config(frame_length=400, hop_length=160, n_fft=512)) == hash(cfg)
    # the record of a Config (to_dict) has the resolved numbers
    assert ff.Config(sample_rate=8000).to_dict()["frame_length"] == 200


def test_derived_sizes_are_validated_with_the_rest():
    with pytest.raises(ValueError, match=r"frame_length=400 is larger than n_fft=256"):
        ff.Config(n_fft=256)
    with pytest.raises(ValueError, match=r"n_mels=40 exceeds the 2 FFT bins of n_fft=2"):
        ff.Config(sample_rate=100)  # 25 ms = 2 samples
    assert ff.Config(sample_rate=1, n_mels=1, n_mfcc=1, fmax=None).frame_length == 1  # never 0


def test_presets_in_ms_follow_the_rate_and_librosa_stays_in_samples():
    kal = ff.Config.preset("kaldi", sample_rate=8000)
    assert (kal.frame_length, kal.hop_length, kal.n_fft) == (200, 80, 256)
    psf = ff.Config.preset("python_speech_features", sample_rate=22050)
    # psf's framesig rounds half up: 0.010 * 22050 = 220.5 -> 221 (Kaldi's rule gives 220)
    assert (psf.frame_length, psf.hop_length, psf.n_fft) == (551, 221, 1024)
    assert psf.replace(sample_rate=44100).frame_length == 1103
    lib = ff.Config.preset("librosa", sample_rate=44100)
    assert (lib.frame_length, lib.hop_length, lib.n_fft) == (2048, 512, 2048)


def test_mfcc_at_44100_uses_25_ms_frames():
    y = np.random.default_rng(0).standard_normal(44100).astype(np.float32)
    feats = ff.mfcc(y, sr=44100)
    assert feats.shape == (1 + (44100 - 1102) // 441, 13)
    np.testing.assert_array_equal(feats, ff.Extractor(ff.Config(sample_rate=44100, frame_length=1102,
                                                                hop_length=441, n_fft=2048))(y))
