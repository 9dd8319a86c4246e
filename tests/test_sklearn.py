"""fastfeat.sklearn: real estimators (scikit-learn's checks), parallel == sequential,
pickling, pooling / CMVN / splicing / frame labels against direct numpy computations."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fastfeat as ff  # noqa: E402
from fastfeat.io import sample_files  # noqa: E402
from fastfeat.sklearn import (  # noqa: E402
    CMVN, FeatureExtractor, FrameFeatures, Pooling, frame_labels, frame_times, read_segments,
)

# scikit-learn's checks feed 2-D float arrays of a few columns; each row is then a
# signal of a few samples, so the checks run with a one-sample frame.
TINY = ff.Config(kind="logmel", frame_length=1, hop_length=1, n_fft=1, n_mels=1, n_mfcc=1,
                 preemphasis=0.0, log_floor=1e-3)

_SIGNALS = {
    "check_n_features_in": "signals have any length: there is no input feature count to remember",
    "check_n_features_in_after_fitting": "signals have any length: there is no input feature count to check",
    "check_estimators_dtypes": "integer arrays are refused (TypeError): fastfeat never guesses a PCM scale",
    "check_complex_data": "complex signals are refused with TypeError (a wrong dtype), not ValueError",
    "check_dtype_object": "object arrays are refused, not cast: signals must be float arrays",
}
_FRAMES = {
    "check_transformer_general": "one output row per frame, not per input signal",
    "check_transformer_data_not_an_array": "one output row per frame, not per input signal",
    "check_transformers_unfitted_stateless": "one output row per frame, not per input signal",
    "check_methods_sample_order_invariance": "rows are frames, ordered by signal",
}


def _expected_failures(est) -> dict:
    if isinstance(est, FeatureExtractor):
        out = dict(_SIGNALS)
        if est.cmvn == "global":
            out["check_transformer_general"] = "signals of another length are valid input (no feature count to check)"
        return out
    if isinstance(est, FrameFeatures):
        return {**_SIGNALS, **_FRAMES}
    if isinstance(est, CMVN) and est.scope == "utterance":
        return {"check_methods_subset_invariance": "per-utterance CMVN: a 2-D X is one utterance, its statistics "
                                                   "depend on all its rows (Kaldi semantics)"}
    return {}


@parametrize_with_checks([
    FeatureExtractor(TINY, pooling="mean"),
    FeatureExtractor(TINY, pooling="meanstd", n_jobs=2),
    FeatureExtractor(TINY, pooling="stats", cmvn="global", norm_vars=True),
    FeatureExtractor(TINY, pooling="flatten", n_frames=3, cmvn="utterance"),
    FrameFeatures(TINY, context=1),
    CMVN(),
    CMVN("global", norm_vars=True),
    Pooling(),
], expected_failed_checks=_expected_failures)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def signals():
    rng = np.random.default_rng(0)
    sig = [ff.load(p)[0] for p in sample_files()]
    return sig + [0.1 * rng.standard_normal(n).astype(np.float32) for n in (400, 401, 5000, 16000)]


def test_parallel_equals_sequential(signals):
    cfg = ff.Config(deltas=2)
    for est in (FeatureExtractor(cfg, pooling="stats", cmvn="global", norm_vars=True),
                FrameFeatures(cfg, context=3, cmvn="utterance")):
        a = clone(est).set_params(n_jobs=1).fit_transform(signals)
        b = clone(est).set_params(n_jobs=3).fit_transform(signals)
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


def test_pooling_values(signals):
    cfg = ff.Config(deltas=1)
    mats = [ff.Extractor(cfg)(y).astype(np.float64) for y in signals]
    got = FeatureExtractor(cfg, pooling="stats", percentiles=(25, 75)).fit_transform(signals)
    want = np.stack([np.concatenate([m.mean(0), m.std(0), m.min(0), m.max(0),
                                     np.percentile(m, 25, axis=0), np.percentile(m, 75, axis=0)]) for m in mats])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    got = FeatureExtractor(cfg, pooling="mean").fit_transform(signals)
    np.testing.assert_allclose(got, np.stack([m.mean(0) for m in mats]), rtol=1e-5, atol=1e-5)
    flat = FeatureExtractor(cfg, pooling="flatten", n_frames=50).fit_transform(signals)
    assert flat.shape == (len(signals), 50 * cfg.n_features)
    short = mats[-3]  # 1 frame (401 samples): repeated
    np.testing.assert_allclose(flat[-3].reshape(50, -1), np.repeat(short[:1], 50, 0).astype(np.float32))
    np.testing.assert_allclose(flat[-1].reshape(50, -1), mats[-1][:50], rtol=1e-6)
    names = FeatureExtractor(cfg, pooling="meanstd").fit(signals).get_feature_names_out()
    assert len(names) == 2 * cfg.n_features and names[0] == "mean_f0" and names[-1] == f"std_f{cfg.n_features - 1}"


def test_paths_equal_arrays():
    paths = sample_files()
    arrays = [ff.load(p, sr=16000)[0] for p in paths]
    est = FeatureExtractor(pooling="meanstd")
    np.testing.assert_array_equal(est.fit_transform(paths), est.fit_transform(arrays))
    # a path at another rate is resampled to config.sample_rate
    cfg8 = ff.Config(sample_rate=8000, frame_length=200, hop_length=80, n_fft=256, fmax=4000.0)
    got = FeatureExtractor(cfg8).fit_transform(paths[:2])
    want = FeatureExtractor(cfg8).fit_transform([ff.load(p, sr=8000)[0] for p in paths[:2]])
    np.testing.assert_array_equal(got, want)


def test_pickle_and_clone(signals):
    est = FeatureExtractor(ff.Config(deltas=2), pooling="meanstd", cmvn="global", norm_vars=True).fit(signals[:4])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.transform(signals), again.transform(signals))
    np.testing.assert_array_equal(est.cmvn_.stats_, again.cmvn_.stats_)
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "cmvn_")
    c.set_params(pooling="mean", config=ff.Config())
    assert c.fit_transform(signals).shape == (len(signals), 13)
    pipe = make_pipeline(FeatureExtractor(ff.Config(deltas=2)), StandardScaler())
    pipe.fit(signals)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(pipe)).transform(signals), pipe.transform(signals))


def test_global_cmvn_learns_from_fit_only(signals):
    cfg = ff.Config()
    train = signals[:3]
    est = FrameFeatures(cfg, cmvn="global", norm_vars=True).fit(train)
    frames = np.concatenate([ff.Extractor(cfg)(y).astype(np.float64) for y in train])
    mean, std = frames.mean(0), frames.std(0)
    y = signals[5]
    np.testing.assert_allclose(est.transform([y]), (ff.Extractor(cfg)(y) - mean) / std, rtol=1e-4, atol=1e-4)
    assert est.cmvn_.stats_[0, -1] == frames.shape[0]


def test_cmvn_kaldi_semantics():
    rng = np.random.default_rng(1)
    a = rng.normal(3.0, 2.0, (50, 4)).astype(np.float32)
    b = rng.normal(-1.0, 0.5, (20, 4)).astype(np.float32)
    # per utterance: mean 0, and with norm_vars std 1, per dimension
    for m in CMVN(norm_vars=True).fit_transform([a, b]):
        np.testing.assert_allclose(m.mean(0), 0.0, atol=1e-5)
        np.testing.assert_allclose(m.std(0), 1.0, atol=1e-4)
    out = CMVN().fit_transform([a, b])
    np.testing.assert_allclose(out[0], a - a.mean(0, dtype=np.float64), atol=1e-5)
    # global = StandardScaler over all frames
    g = CMVN("global", norm_vars=True).fit([a, b])
    ref = StandardScaler().fit(np.concatenate([a, b]))
    np.testing.assert_allclose(g.transform([b])[0], ref.transform(b), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(CMVN("global", norm_vars=True).fit_transform(a), StandardScaler().fit_transform(a),
                               rtol=1e-4, atol=1e-4)
    # Kaldi's stats layout and variance floor (a constant column stays finite)
    assert g.stats_.shape == (2, 5) and g.stats_[0, 4] == 70 and g.stats_[1, 4] == 0
    const = np.ones((10, 2), np.float32)
    assert np.isfinite(CMVN(norm_vars=True).fit_transform(const)).all()
    assert (CMVN(norm_means=False).fit_transform(a) == a).all()


def test_frame_features_splicing(signals):
    cfg = ff.Config()
    y = signals[0]
    base = ff.Extractor(cfg)(y)
    k = 2
    rows = FrameFeatures(cfg, context=k).fit_transform([y])
    n = base.shape[0]
    assert rows.shape == (n, 13 * (2 * k + 1))
    for t in (0, 1, n // 2, n - 1):
        want = np.concatenate([base[min(max(t + j, 0), n - 1)] for j in range(-k, k + 1)])
        np.testing.assert_array_equal(rows[t], want)
    both = FrameFeatures(cfg, context=k).fit_transform(signals[:2])
    assert both.shape[0] == n + ff.Extractor(cfg)(signals[1]).shape[0]
    assert frame_labels(["a", "b"], signals[:2], config=cfg).shape == (both.shape[0],)


def test_frame_times_match_librosa_and_kaldi():
    librosa = pytest.importorskip("librosa")
    cfg = ff.Config.preset("librosa", sample_rate=16000)
    np.testing.assert_allclose(frame_times(10, cfg), librosa.frames_to_time(np.arange(10), sr=16000, hop_length=512))
    # Kaldi snip_edges: frame t covers [160 t, 160 t + 400): centre 160 t + 200 samples
    np.testing.assert_allclose(frame_times(4, ff.Config.preset("kaldi")), (160 * np.arange(4) + 200) / 16000)
    # snip_edges=False: centred on 160 t + 80
    np.testing.assert_allclose(frame_times(3, ff.Config(snip_edges=False)), (160 * np.arange(3) + 80) / 16000)


def test_frame_labels_segments(tmp_path):
    cfg = ff.Config()  # centres at 12.5 ms + 10 ms t
    y = np.zeros(16000, np.float32)
    n = ff.Extractor(cfg).n_frames(16000)
    segs = [(0.0, 0.3, "sil"), (0.3, 0.55, "y"), (0.55, 1.0, "eh")]
    lab = frame_labels([segs], [y], config=cfg)
    t = frame_times(n, cfg)
    assert lab.shape == (n,)
    assert (lab[t < 0.3] == "sil").all() and (lab[(t >= 0.3) & (t < 0.55)] == "y").all() and (lab[t >= 0.55] == "eh").all()
    # the same alignment as an HTK .lab file (100 ns units)
    p = tmp_path / "a.lab"
    p.write_text("".join(f"{int(round(s * 1e7))} {int(round(e * 1e7))} {w}\n" for s, e, w in segs))
    assert read_segments(p) == segs
    np.testing.assert_array_equal(frame_labels([read_segments(p)], [n], config=cfg), lab)
    raw = [(int(round(s * 1e7)), int(round(e * 1e7)), w) for s, e, w in segs]
    np.testing.assert_array_equal(frame_labels([raw], [n], config=cfg, unit="htk"), lab)
    # gaps: an error naming the utterance, or the default label
    with pytest.raises(ValueError, match=r"labels\[0\]: frame 0"):
        frame_labels([[(0.3, 0.5, "y")]], [n], config=cfg)
    gap = frame_labels([[(0.3, 0.5, "y")]], [n], config=cfg, default="sil")
    assert set(gap) == {"sil", "y"}
    with pytest.raises(ValueError, match="labels has 2 items but X has 1"):
        frame_labels(["a", "b"], [y])


@pytest.mark.parametrize("make, match", [
    (lambda: FeatureExtractor(pooling="max"), "pooling='max' is not valid"),
    (lambda: FeatureExtractor(pooling="flatten"), "n_frames=None is not valid"),
    (lambda: FeatureExtractor(cmvn="speaker"), "cmvn='speaker' is not valid"),
    (lambda: FeatureExtractor(n_jobs=0), "n_jobs=0 is not valid"),
    (lambda: FeatureExtractor(pooling="stats", percentiles=(50, 101)), "percentiles="),
    (lambda: FrameFeatures(context=-1), "context=-1 is not valid"),
    (lambda: CMVN("speaker"), "scope='speaker' is not valid"),
])
def test_bad_parameters_are_named(make, match):
    y = [np.zeros(1600, np.float32)]
    with pytest.raises(ValueError, match=match):
        make().fit(y if not isinstance(make(), CMVN) else np.zeros((3, 2)))


def test_bad_inputs_are_named():
    good = np.zeros(1600, np.float32)
    with pytest.raises(TypeError, match="config must be a fastfeat.Config"):
        FeatureExtractor(config=5).fit([good])
    with pytest.raises(TypeError, match=r"X\[1\].*integer"):
        FeatureExtractor().fit_transform([good, np.zeros(1600, np.int16)])
    with pytest.raises(ValueError, match=r"X\[1\].*(NaN|finite)"):
        FeatureExtractor().fit([good, np.full(1600, np.nan, np.float32)])
    with pytest.raises(ValueError, match=r"X\[0\] has 100 samples, too short"):
        FeatureExtractor().fit([good[:100]])
    with pytest.raises(ValueError, match="Reshape your data"):
        FeatureExtractor().fit(good)
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        FeatureExtractor().fit(["nope.wav"])
    with pytest.raises(ValueError, match="X is empty"):
        FeatureExtractor().fit([])
