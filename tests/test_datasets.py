"""fastfeat.datasets.synth_commands: 16 kHz 1 s WAVs, a manifest split by voice,
reproducible; a clear error without espeak-ng."""

from __future__ import annotations

import collections
import os

import numpy as np
import pytest

from fastfeat import datasets

needs_espeak = pytest.mark.skipif(datasets.espeak_binary() is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    if datasets.espeak_binary() is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    out = tmp_path_factory.mktemp("cmds")
    path = datasets.synth_commands(out, words=("yes", "no", "stop"), unknown_words=("bird", "tree"),
                                   n_voices=6, n_per_word=1, test_fraction=0.34, seed=3)
    return path, datasets.read_manifest(path)


@needs_espeak
def test_manifest_and_audio(small_set):
    import soundfile as sf

    path, m = small_set
    assert len(m) == 6 * 5  # 3 words + unknown + silence per voice
    assert collections.Counter(m.labels) == {"yes": 6, "no": 6, "stop": 6, "unknown": 6, "silence": 6}
    train = {s for s, sp in zip(m.speakers, m.splits) if sp == "train"}
    test = {s for s, sp in zip(m.speakers, m.splits) if sp == "test"}
    assert len(test) == 2 and len(train) == 4 and not train & test
    for p, lab, w, s, e in zip(m.paths, m.labels, m.words, m.starts, m.ends):
        info = sf.info(p)
        assert (info.samplerate, info.frames, info.channels) == (16000, 16000, 1)
        if lab == "unknown":
            assert w in ("bird", "tree")
        if lab == "silence":
            assert np.isnan(s)
        else:
            y, _ = sf.read(p, dtype="float32")
            assert 0.0 <= s < e <= 1.0 and e - s > 0.1
            inside = y[int(s * 16000):int(e * 16000)]
            outside = np.concatenate([y[:int(s * 16000)], y[int(e * 16000):]])
            # the word is where the manifest says: louder than the noise around it
            if outside.size > 800:
                assert np.sqrt(np.mean(inside ** 2)) > 3 * np.sqrt(np.mean(outside ** 2))


@needs_espeak
def test_reproducible(small_set, tmp_path):
    import soundfile as sf

    _, m = small_set
    again = datasets.read_manifest(datasets.synth_commands(
        tmp_path, words=("yes", "no", "stop"), unknown_words=("bird", "tree"), n_voices=6,
        n_per_word=1, test_fraction=0.34, seed=3, n_jobs=1))
    assert again.labels == m.labels and again.speakers == m.speakers and again.splits == m.splits
    for a, b in zip(m.paths[:6], again.paths[:6]):
        np.testing.assert_array_equal(sf.read(a)[0], sf.read(b)[0])


def test_missing_espeak_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        datasets.synth_commands(tmp_path / "x", n_voices=1)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        datasets.speak("yes")


def test_bad_parameters(tmp_path):
    if datasets.espeak_binary() is None:
        pytest.skip("parameter checks run after the espeak-ng check")
    with pytest.raises(ValueError, match="n_per_word=0"):
        datasets.synth_commands(tmp_path, n_per_word=0)
    with pytest.raises(ValueError, match="test_fraction=1.5"):
        datasets.synth_commands(tmp_path, test_fraction=1.5)
    with pytest.raises(ValueError, match="n_voices=500"):
        datasets.synth_commands(tmp_path, n_voices=500)
    with pytest.raises(ValueError, match="overlap"):
        datasets.synth_commands(tmp_path, words=("yes",), unknown_words=("yes",))


def test_read_manifest_needs_columns(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,label\na.wav,yes\n")
    with pytest.raises(ValueError, match="speaker, split"):
        datasets.read_manifest(p)
    assert len(datasets.voices()) == len(set(datasets.voices())) == 96
    assert os.path.basename(datasets.read_manifest.__module__) == "fastfeat.datasets"
