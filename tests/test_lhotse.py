"""fastfeat.lhotse: the FeatureExtractor in lhotse's own pipeline, every preset,
and against lhotse's Fbank with the same settings."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import fastfeat as ff
from fastfeat.config import PRESETS

lhotse = pytest.importorskip("lhotse", reason="lhotse is not installed (pip install lhotse; CI installs it)")

from lhotse import CutSet, Fbank, FbankConfig, Recording, RecordingSet  # noqa: E402
from lhotse.features.base import FeatureExtractor  # noqa: E402
from lhotse.features.io import NumpyFilesWriter  # noqa: E402

from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor  # noqa: E402

KALDI_FBANK = {"kind": "logmel", "n_mels": 80, "energy": None, "dither": 0.0, "fmax": 7600.0}


@pytest.fixture(scope="module")
def cuts(tmp_path_factory):
    root = tmp_path_factory.mktemp("lhotse_audio")
    rng = np.random.default_rng(11)
    recs = []
    for i, n in enumerate([16000, 16137, 12345, 24000]):
        path = root / f"r{i}.wav"
        t = np.arange(n) / 16000
        sf.write(path, (0.3 * np.sin(2 * np.pi * (200 + 150 * i) * t) + 0.05 * rng.standard_normal(n)).astype(np.float32),
                 16000, subtype="FLOAT")
        recs.append(Recording.from_file(path))
    return CutSet.from_manifests(recordings=RecordingSet.from_recordings(recs))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_compute_and_store_features_with_every_preset(cuts, tmp_path, preset):
    config = FastfeatConfig(preset=preset, sampling_rate=16000)
    ext = FastfeatExtractor(config)
    stored = cuts.compute_and_store_features(extractor=ext, storage_path=tmp_path / "feats",
                                             storage_type=NumpyFilesWriter, num_jobs=1)
    engine = ff.Extractor(config.fastfeat_config())
    for cut in stored:
        feats = cut.load_features()
        hop = engine.config.hop_length
        n = round(cut.duration * 16000)
        assert feats.shape == ((n + hop // 2) // hop, engine.n_features) and cut.features.type == "fastfeat"
        assert cut.features.frame_shift == pytest.approx(hop / 16000)
        ref = engine(cut.load_audio()[0])
        k = min(len(ref), len(feats))
        np.testing.assert_array_equal(feats[:k], ref[:k])  # the preset's numbers; only the count is fitted
        assert abs(len(ref) - len(feats)) <= 1


def test_equals_lhotse_fbank_with_the_same_settings(cuts):
    ext = FastfeatExtractor(FastfeatConfig(preset="kaldi", overrides=KALDI_FBANK))
    fbank = Fbank(FbankConfig(dither=0.0, num_mel_bins=80))  # lhotse's defaults: 20 Hz - (Nyquist - 400 Hz)
    assert ext.frame_shift == fbank.frame_shift and ext.feature_dim(16000) == fbank.feature_dim(16000)
    for cut in cuts:
        y = cut.load_audio()
        a, b = ext.extract(y, 16000), fbank.extract(y, 16000)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)


def test_registered_and_serialisable():
    ext = FastfeatExtractor(FastfeatConfig(preset="librosa", sampling_rate=16000, overrides={"n_mfcc": 30}))
    again = FeatureExtractor.from_dict(ext.to_dict())
    assert type(again) is FastfeatExtractor and again.config == ext.config and again.feature_dim(16000) == 30


def test_bad_input_is_refused():
    ext = FastfeatExtractor()
    with pytest.raises(ValueError, match="sampling_rate=8000 but the extractor is built for 16000 Hz"):
        ext.extract(np.zeros(8000, np.float32), 8000)
    with pytest.raises(ValueError, match=r"samples must be mono.*\(2, 16000\)"):
        ext.extract(np.zeros((2, 16000), np.float32), 16000)
    with pytest.raises(ValueError, match="n_mels"):
        FastfeatExtractor(FastfeatConfig(overrides={"n_mels": 0}))
