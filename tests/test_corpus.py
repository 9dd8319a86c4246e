"""Corpus extraction: the WAV fast path, block reading, ``fastfeat extract`` in
every format, bad files, kill -9 and resume, Dask, the command line.

The corpus is generated here (fixed seed): 300 short clips of tones and noise
in several encodings, rates and channel counts, plus five bad entries.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import soundfile as sf

import fastfeat as ff
from fastfeat.cli import build_config, main, parse_set
from fastfeat.corpus import Utterance, collect_inputs, extract, read_features
from fastfeat.io import Resampler, _WavReader, open_audio, resample

N_CLIPS = 300
BLOCK = 12000  # clips longer than this (frames) take the block/Stream path
FORMAT_OUT = {"npy": "feats", "hdf5": "feats.h5", "ark": "feats.ark"}
BAD = ("corrupt.wav", "empty.wav", "truncated.wav", "short.wav", "x.wav")


def _clip(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    f = rng.uniform(100, 0.45 * sr)
    return (0.3 * np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(root, {id: reference features}) for the default Config at 16 kHz."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(7)
    encodings = [("wav", "PCM_16", 16000, 1)] * 6 + [
        ("wav", "PCM_24", 16000, 1), ("wav", "FLOAT", 16000, 2), ("wav", "PCM_U8", 16000, 1),
        ("flac", "PCM_16", 16000, 1), ("wav", "PCM_16", 22050, 1), ("wav", "PCM_32", 8000, 2),
    ]
    for i in range(N_CLIPS):
        ext, subtype, sr, ch = encodings[i % len(encodings)]
        n = int(rng.integers(sr // 5, int(1.2 * sr)))
        y = np.stack([_clip(rng, n, sr) for _ in range(ch)], axis=1)
        folder = root / f"spk{i % 3}"
        folder.mkdir(exist_ok=True)
        sf.write(folder / f"utt{i:03d}.{ext}", y, sr, subtype=subtype)
    (root / "bad").mkdir()
    (root / "bad" / "corrupt.wav").write_bytes(rng.bytes(3000))
    (root / "bad" / "empty.wav").write_bytes(b"")
    good = (root / "spk0" / "utt000.wav").read_bytes()
    (root / "bad" / "truncated.wav").write_bytes(good[:30])
    sf.write(root / "bad" / "short.wav", np.zeros(100, np.float32), 16000, subtype="PCM_16")
    (root / "bad" / "x.wav").mkdir()
    ext = ff.Extractor(ff.Config())
    refs = {u.id: ext(ff.load(u.path, sr=16000)[0]) for u in collect_inputs([root]) if not u.id.startswith("bad/")}
    assert len(refs) == N_CLIPS
    return root, refs


def _check_output(out, refs):
    got = {}
    for uid, feats in read_features(out):
        assert uid not in got, f"{uid} written twice"
        got[uid] = feats
    assert sorted(got) == sorted(refs)
    for uid, ref in refs.items():
        assert got[uid].dtype == np.float32 and got[uid].shape == ref.shape, uid
        np.testing.assert_array_equal(got[uid], ref, err_msg=uid)


# ---------------------------------------------------------------- reading audio

@pytest.mark.parametrize("container,subtype", [("WAV", "PCM_U8")] + [  # libsndfile writes no 8-bit WAVEX
    (c, s) for c in ("WAV", "WAVEX") for s in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_wav_fast_path_equals_soundfile(tmp_path, container, subtype, channels):
    y = np.clip(np.random.default_rng(1).standard_normal((3001, channels)) * 0.5, -1, 1)
    path = tmp_path / "a.wav"
    sf.write(path, y, 11025, subtype=subtype, format=container)
    with open_audio(path) as r:
        assert isinstance(r, _WavReader)
        head, rest = r.read(1000), r.read()
    ref = sf.read(path, dtype="float32", always_2d=True)[0]
    np.testing.assert_array_equal(np.concatenate([head, rest]), ref)
    got, sr = ff.load(path)
    assert sr == 11025
    np.testing.assert_array_equal(got, ref.mean(axis=1, dtype=np.float32) if channels > 1 else ref[:, 0])


def test_wav_truncated_data_reads_what_is_there(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, np.random.default_rng(2).uniform(-1, 1, 5000), 16000, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:-1001])  # data chunk size now exceeds the file
    with open_audio(path) as r:
        assert isinstance(r, _WavReader)
        ours = r.read()
    np.testing.assert_array_equal(ours, sf.read(path, dtype="float32", always_2d=True)[0])


needs_c = pytest.mark.skipif(ff.backend() != "c", reason="the batch WAV reader is part of the C engine")


@needs_c
@pytest.mark.parametrize("container,subtype", [("WAV", "PCM_U8")] + [
    (c, s) for c in ("WAV", "WAVEX") for s in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")])
def test_c_wav_batch_equals_load_then_extract(tmp_path, container, subtype):
    """The GIL-free corpus reader (C header parser + decoder) gives Extractor(load(path)) exactly."""
    rng = np.random.default_rng(4)
    paths = []
    for i, n in enumerate((16000, 401, 7777)):
        paths.append(tmp_path / f"{i}.wav")
        sf.write(paths[-1], np.clip(rng.standard_normal(n) * 0.5, -1, 1), 16000, subtype=subtype, format=container)
    ext = ff.Extractor()
    feats, rows, frames, decode, compute = ext._engine.extract_wav_files([str(p) for p in paths], 1 << 20)
    assert frames == [16000, 401, 7777] and decode >= 0 and compute > 0
    refs = [ext(ff.load(p)[0]) for p in paths]
    assert rows == [r.shape[0] for r in refs]
    np.testing.assert_array_equal(feats, np.concatenate(refs))


@needs_c
def test_c_wav_batch_leaves_other_files_to_the_general_path(tmp_path):
    rng = np.random.default_rng(5)
    y = rng.uniform(-0.5, 0.5, 8000)
    sf.write(tmp_path / "ok.wav", y, 16000, subtype="PCM_16")
    sf.write(tmp_path / "stereo.wav", np.stack([y, y], axis=1), 16000, subtype="PCM_16")
    sf.write(tmp_path / "rate.wav", y, 22050, subtype="PCM_16")
    sf.write(tmp_path / "flac.wav", y, 16000, format="FLAC")  # a FLAC file named .wav
    sf.write(tmp_path / "long.wav", np.tile(y, 3), 16000, subtype="PCM_16")
    sf.write(tmp_path / "short.wav", y[:100], 16000, subtype="PCM_16")
    sf.write(tmp_path / "nan.wav", np.where(np.arange(8000) == 5000, np.nan, y), 16000, subtype="FLOAT")
    sf.write(tmp_path / "ulaw.wav", y, 16000, subtype="ULAW")
    good = (tmp_path / "ok.wav").read_bytes()
    (tmp_path / "header.wav").write_bytes(good[:40])  # cut inside the header
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "dir.wav").mkdir()
    names = ["ok", "stereo", "rate", "flac", "long", "short", "nan", "ulaw", "header", "empty", "dir", "missing"]
    ext = ff.Extractor()
    paths = [str(tmp_path / f"{n}.wav") for n in names] + [str(tmp_path / "ok.wav") + "\0.flac"]
    feats, rows, frames, _, _ = ext._engine.extract_wav_files(paths, 20000)
    assert rows == [ext.n_frames(8000)] + [-1] * (len(paths) - 1)
    np.testing.assert_array_equal(feats, ext(ff.load(tmp_path / "ok.wav")[0]))


@needs_c
def test_c_wav_batch_reads_a_truncated_data_chunk_as_the_python_reader(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, np.random.default_rng(2).uniform(-1, 1, 5000), 16000, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:-1001])  # data chunk size now exceeds the file
    ext = ff.Extractor()
    feats, rows, frames, _, _ = ext._engine.extract_wav_files([str(path)], 1 << 20)
    assert frames == [(5000 * 2 - 1001) // 2]
    np.testing.assert_array_equal(feats, ext(ff.load(path)[0]))


def test_open_audio_errors(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        open_audio(tmp_path)
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        open_audio(tmp_path / "nope.wav")
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(ValueError, match="e.wav"):
        open_audio(tmp_path / "e.wav")


@pytest.mark.parametrize("rates", [(22050, 16000), (8000, 16000), (48000, 16000), (16000, 16000)])
def test_resampler_blocks_equal_whole(rates):
    x = np.random.default_rng(3).standard_normal(30011)
    rng = np.random.default_rng(4)
    r = Resampler(*rates)
    parts, i = [], 0
    while i < len(x):
        k = int(rng.integers(0, 3000))
        parts.append(r.push(x[i:i + k]))
        i += k
    parts.append(r.flush())
    np.testing.assert_array_equal(np.concatenate(parts), resample(x, *rates))


# ---------------------------------------------------------------- extract

@pytest.mark.parametrize("fmt", ["npy", "hdf5", "ark"])
def test_extract_every_format_equals_extractor(corpus, tmp_path, fmt):
    root, refs = corpus
    out = tmp_path / FORMAT_OUT[fmt]
    s = extract([root], out, jobs=2, block_frames=BLOCK, format=fmt if fmt == "npy" else None)
    assert (s.files, s.failed, s.skipped) == (N_CLIPS, len(BAD), 0)
    assert s.audio_seconds > 100 and s.decode_seconds > 0 and s.compute_seconds > 0 and s.write_seconds > 0
    _check_output(out, refs)
    # the errors report names every bad file with a reason
    with open(s.errors_path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    assert sorted(os.path.basename(p) for p, _ in rows) == sorted(BAD)
    reasons = {os.path.basename(p): why for p, why in rows}
    assert "directory" in reasons["x.wav"] and "too short" in reasons["short.wav"]
    assert all(why for why in reasons.values())


@needs_c
def test_plain_mono_wavs_skip_open_audio(corpus, tmp_path, monkeypatch):
    """With the C engine, plain mono WAVs at the config's rate never reach the Python reader."""
    import fastfeat.corpus.tasks as corpus_mod

    root, refs = corpus
    opened = []
    monkeypatch.setattr(corpus_mod, "open_audio", lambda p: opened.append(p) or open_audio(p))
    s = extract([root], tmp_path / "f", jobs=2, block_frames=BLOCK)
    assert (s.files, s.failed) == (N_CLIPS, len(BAD))
    _check_output(tmp_path / "f", refs)
    general = {os.path.basename(p) for p in opened}
    for u in collect_inputs([root]):
        info = sf.info(u.path) if not u.id.startswith("bad/") else None
        plain = (info is not None and info.format == "WAV" and info.channels == 1
                 and info.samplerate == 16000 and info.frames <= BLOCK)
        assert (os.path.basename(u.path) in general) != plain, u.path


def test_outputs_are_readable_by_their_own_tools(corpus, tmp_path, monkeypatch):
    h5py = pytest.importorskip("h5py")
    kaldiio = pytest.importorskip("kaldiio")
    root, refs = corpus
    some = [u for u in collect_inputs([root]) if u.id.startswith("spk1/")][:40]
    for fmt in ("hdf5", "ark", "npy"):
        extract(some, tmp_path / FORMAT_OUT[fmt], format="npy" if fmt == "npy" else None, jobs=2)
    monkeypatch.chdir(tmp_path / "feats")  # external links resolve from the file, not the cwd
    with h5py.File(tmp_path / "feats.h5", "r") as f:
        assert f.attrs["n_mfcc"] == 13 and ff.Config.from_dict(json.loads(f.attrs["config_json"])) == ff.Config()
        for u in some:
            np.testing.assert_array_equal(f[u.id][()], refs[u.id])
    scp = kaldiio.load_scp(str(tmp_path / "feats.scp"))
    assert sorted(scp) == sorted(u.id for u in some)
    for u in some:
        np.testing.assert_array_equal(scp[u.id], refs[u.id])
    import csv

    with open(tmp_path / "feats" / "index.csv", encoding="utf-8") as f:
        index = list(csv.DictReader(f))
    assert [r["id"] for r in index] == sorted(u.id for u in some)
    for r in index:
        mat = np.load(tmp_path / "feats" / r["part"], mmap_mode="r")
        np.testing.assert_array_equal(mat[int(r["start"]):int(r["stop"])], refs[r["id"]])


_KILLED_RUN = textwrap.dedent("""
    import sys, time
    import fastfeat.corpus as corpus
    import fastfeat.corpus.tasks as tasks
    _done = tasks._done
    def slow_done(*args):  # ~3 ms per file, every path, so the run is killed mid-way
        time.sleep(0.003)
        return _done(*args)
    tasks._done = slow_done
    tasks.FILES_PER_PART = 16
    tasks.BATCH_FILES = 4
    corpus.extract([sys.argv[1]], sys.argv[2], jobs=2, block_frames=%d)
""" % BLOCK)


@pytest.mark.parametrize("fmt", ["npy", "hdf5", "ark"])
def test_kill_9_then_resume_loses_and_duplicates_nothing(corpus, tmp_path, fmt):
    root, refs = corpus
    out = tmp_path / FORMAT_OUT[fmt]
    journal = (tmp_path / "feats" if fmt == "npy" else tmp_path / (out.name.replace(".ark", ".scp") + ".d")) / "journal.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(root), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = list(read_features(out))  # readable right after the kill
    assert 20 <= len(before) < N_CLIPS
    s = extract([root], out, resume=True, jobs=2, block_frames=BLOCK)
    assert s.skipped == len(before) and s.files == N_CLIPS - len(before) and s.failed == len(BAD)
    _check_output(out, refs)
    assert not [n for n in os.listdir(journal.parent) if n.endswith(".tmp")]
    again = extract([root], out, resume=True, jobs=2, block_frames=BLOCK)  # nothing left to do
    assert (again.files, again.skipped) == (0, N_CLIPS)
    _check_output(out, refs)


def test_dask_local_cluster_equals_local_run(corpus, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    root, refs = corpus
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            s = extract([root], tmp_path / "dask.h5", dask=client, block_frames=BLOCK)
    finally:
        cluster.close()
    local = extract([root], tmp_path / "local.h5", jobs=2, block_frames=BLOCK)
    assert (s.files, s.failed) == (local.files, local.failed) == (N_CLIPS, len(BAD))
    assert sorted(p for p, _ in s.errors) == sorted(p for p, _ in local.errors)
    _check_output(tmp_path / "dask.h5", refs)


def test_dask_option_errors(tmp_path):
    pytest.importorskip("dask.distributed")
    with pytest.raises(ValueError, match="local:N"):
        extract([], tmp_path / "o", dask="local:x")
    with pytest.raises(TypeError, match="dask must be"):
        extract([], tmp_path / "o", dask=3)


def test_manifest_ids_labels_speakers(corpus, tmp_path):
    h5py = pytest.importorskip("h5py")
    root, refs = corpus
    manifest = root / "list.tsv"
    manifest.write_text("path\tid\tlabel\tspeaker\n"
                        "spk0/utt000.wav\tfirst\tyes\talice\n"
                        "spk1/utt001.wav\t\tno\t\n", encoding="utf-8")
    s = extract([manifest], tmp_path / "m.h5", jobs=1)
    assert (s.files, s.failed) == (2, 0)
    got = {uid: (f, m) for uid, f, m in read_features(tmp_path / "m.h5", meta=True)}
    assert sorted(got) == ["first", "spk1/utt001"]
    assert got["first"][1]["label"] == "yes" and got["first"][1]["speaker"] == "alice"
    assert got["spk1/utt001"][1]["label"] == "no" and "speaker" not in got["spk1/utt001"][1]
    np.testing.assert_array_equal(got["first"][0], refs["spk0/utt000"])
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert f["first"].attrs["speaker"] == "alice"
    # a Kaldi archive key cannot hold whitespace: that utterance fails, the others are written
    (root / "spaces.csv").write_text("path,id\nspk0/utt000.wav,has space\nspk1/utt001.wav,fine\n", encoding="utf-8")
    s = extract([root / "spaces.csv"], tmp_path / "k.ark", jobs=1)
    assert (s.files, s.failed) == (1, 1) and "whitespace" in s.errors[0][1]
    assert [uid for uid, _ in read_features(tmp_path / "k.ark")] == ["fine"]
    (root / "nopath.csv").write_text("file,id\na.wav,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no 'path' column"):
        collect_inputs([root / "nopath.csv"])


def test_duplicate_ids_and_resume_rules(corpus, tmp_path):
    root, refs = corpus
    a = Utterance("same", str(root / "spk0" / "utt000.wav"))
    b = Utterance("same", str(root / "spk1" / "utt001.wav"))
    s = extract([a, b], tmp_path / "d", jobs=1)
    assert s.files == 1 and s.failed == 1 and "duplicate id 'same'" in s.errors[0][1]
    with pytest.raises(ValueError, match="already holds extracted features"):
        extract([a], tmp_path / "d")
    with pytest.raises(ValueError, match="n_mfcc"):
        extract([a], tmp_path / "d", resume=True, config=ff.Config(n_mfcc=20))
    with pytest.raises(ValueError, match="contradicts"):
        extract([a], tmp_path / "x.h5", format="ark")
    with pytest.raises(ValueError, match="jobs"):
        extract([a], tmp_path / "y", jobs=0)
    with pytest.raises(ValueError, match="does not exist"):
        extract([tmp_path / "missing"], tmp_path / "z")
    with pytest.raises(ValueError, match="matches no audio"):
        extract([str(tmp_path / "*.nothing")], tmp_path / "z")


# ---------------------------------------------------------------- command line

def test_parse_set_by_field_kind():
    assert parse_set("n_mfcc=20") == ("n_mfcc", 20)
    assert parse_set("preemphasis = 0.5") == ("preemphasis", 0.5)
    assert parse_set("center=False") == ("center", False)
    assert parse_set("fmax=none") == ("fmax", None)
    assert parse_set("window=hann") == ("window", "hann")
    for text, match in [("n_mfcc=2.5", "n_mfcc must be an integer"), ("center=maybe", "center must be True or False"),
                        ("fmin=None", "fmin must be"), ("nmfcc=3", "unknown field 'nmfcc'"), ("n_mfcc", "FIELD=VALUE")]:
        with pytest.raises(ValueError, match=match):
            parse_set(text)


def test_config_files(tmp_path):
    (tmp_path / "c.toml").write_text('n_mfcc = 20\nwindow = "hann"\n', encoding="utf-8")
    (tmp_path / "c.json").write_text('{"fmax": null, "deltas": 1}', encoding="utf-8")
    assert build_config("default", str(tmp_path / "c.toml"), ["deltas=2"]) == ff.Config(n_mfcc=20, window="hann", deltas=2)
    assert build_config("kaldi", str(tmp_path / "c.json")) == ff.Config.preset("kaldi", deltas=1)
    (tmp_path / "bad.json").write_text('{"n_mfc": 3}', encoding="utf-8")
    with pytest.raises(TypeError, match="n_mfc"):
        build_config("default", str(tmp_path / "bad.json"))


def test_cli_exit_codes_and_messages(corpus, tmp_path, capsys):
    root, refs = corpus
    assert main(["extract", str(root / "spk2"), str(root / "bad"), "-o", str(tmp_path / "o.scp"), "-q",
                 "--set", "deltas=1"]) == 1
    out = capsys.readouterr().out
    assert f"{len(refs) // 3} files" in out and f"{len(BAD)} failed" in out and "errors.tsv" in out
    assert main(["extract", str(root / "spk2"), "-o", str(tmp_path / "o.scp"), "-q", "--set", "deltas=1", "--resume"]) == 0
    assert "already done" in capsys.readouterr().out
    for argv, message in [
        (["extract", "-o", str(tmp_path / "e")], "no INPUT"),
        (["extract", str(root / "nope"), "-o", str(tmp_path / "e")], "does not exist"),
        (["extract", str(root), "-o", str(tmp_path / "e"), "--set", "n_mels=many"], "n_mels must be an integer"),
        (["extract", str(root), "-o", str(tmp_path / "e"), "--set", "colour=blue"], "unknown field 'colour'"),
        (["extract", str(root), "-o", str(tmp_path / "e"), "--set", "n_fft=100"], "frame_length"),
        (["extract", str(root), "-o", str(tmp_path / "e.h5"), "--format", "npy"], "contradicts"),
        (["extract", str(root / "spk2"), "-o", str(tmp_path / "o.scp"), "-q", "--set", "deltas=1"], "--resume"),
    ]:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err, argv
    for argv in (["extract", str(root), "-o", "x", "--jobs", "0"], ["extract", str(root)],
                 ["extract", str(root), "-o", "x", "--format", "csv"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    capsys.readouterr()


def test_extract_command_on_bundled_samples(tmp_path):
    out = subprocess.run([sys.executable, "-m", "fastfeat", "extract", "--samples", "-o", str(tmp_path / "s.h5")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "6 files" in out.stdout and "0 failed" in out.stdout and "real time" in out.stdout
    assert len(list(read_features(tmp_path / "s.h5"))) == 6


def test_missing_hdf5_library_leaves_no_output_behind(tmp_path, monkeypatch):
    # without h5py, `extract -o x.h5` must fail before it creates x.h5.d/ (and its lock file)
    import fastfeat.corpus.formats.hdf5 as hdf5

    def no_h5py():
        raise ValueError("format 'hdf5' needs h5py: pip install 'fastfeat[corpus]'")

    monkeypatch.setattr(hdf5, "h5py", no_h5py)
    wav = tmp_path / "a.wav"
    sf.write(wav, _clip(np.random.default_rng(0), 16000, 16000), 16000)
    with pytest.raises(ValueError, match="needs h5py"):
        extract([str(wav)], tmp_path / "x.h5")
    assert sorted(os.listdir(tmp_path)) == ["a.wav"]
