"""Kaldi formats: compressed matrices (vs kaldiio's writer and reader), float16
storage, Kaldi data directories as input (wav.scp, segments, utt2spk, pipes)
and the feats.scp / cmvn.scp they produce (vs kaldiio and the definition of
compute-cmvn-stats)."""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest
import soundfile as sf

import fastfeat as ff
from fastfeat.corpus import extract, read_features
from fastfeat.corpus.kaldi_matrix import compress, decompress, float_matrix, read_matrix

kaldiio = pytest.importorskip("kaldiio")


def _matrices():
    rng = np.random.default_rng(3)
    y = ff.load(ff.io.sample_files()[0], sr=16000)[0]
    return {
        "normal": rng.standard_normal((100, 13)).astype(np.float32),
        "mfcc": ff.mfcc(y),
        "logmel": ff.logmel(y),
        "deltas": ff.mfcc(y, config=ff.Config(deltas=2)),
        "9 rows": rng.standard_normal((9, 5)).astype(np.float32),  # smallest kSpeechFeature
        "8 rows": rng.standard_normal((8, 5)).astype(np.float32),  # kTwoByteAuto
        "1 row": rng.standard_normal((1, 40)).astype(np.float32),
        "constant": np.full((30, 4), -2.5, np.float32),
        "ties": np.repeat(rng.standard_normal((4, 6)).astype(np.float32), 10, axis=0),
    }


@pytest.mark.parametrize("name", list(_matrices()))
def test_compressed_matrix_bytes_equal_kaldiio_writer_and_decode(tmp_path, name):
    x = _matrices()[name]
    # the reference: kaldiio's own writer with kAutomaticMethod (copy-feats --compress=true)
    kaldiio.save_ark(str(tmp_path / "ref.ark"), {"utt": x}, compression_method=1)
    ref = (tmp_path / "ref.ark").read_bytes()[4:]
    mine = compress(x)
    rows, cols = x.shape
    head = 5 + 16 + (8 * cols if rows > 8 else 1)  # token, global header, column percentiles
    assert len(mine) == len(ref) and mine[:head] == ref[:head]
    # the codes: kaldiio adds the rounding 0.5/0.499 in float32 where Kaldi adds it in double,
    # so a value on a rounding boundary may get the neighbouring code there, never more
    dtype = np.uint8 if rows > 8 else np.dtype("<u2")
    a, b = (np.frombuffer(d[head:], dtype).astype(int) for d in (mine, ref))
    assert np.abs(a - b).max(initial=0) <= 1 and np.count_nonzero(a != b) <= max(1, a.size // 500)
    (tmp_path / "mine.ark").write_bytes(b"utt " + compress(x))
    (uid, got), = kaldiio.load_ark(str(tmp_path / "mine.ark"))
    assert uid == "utt" and got.shape == x.shape
    # kaldiio decodes in float32 without Kaldi's double step: within float rounding of ours
    np.testing.assert_allclose(decompress(compress(x)), got, rtol=0, atol=1e-5 * (1 + np.abs(x).max()))
    # the 1-byte code is within one step of its column's quartile span; 2-byte within range/65535
    span = x.max() - x.min() or 1.0
    assert np.abs(got - x).max() <= (span / 63 if x.shape[0] > 8 else span / 65535 * 1.01) + 1e-6


def test_compressed_matrix_decode_follows_kaldi_definition():
    x = _matrices()["mfcc"]
    data = compress(x)
    lo, span, rows, cols = np.frombuffer(data[5:13], "<f4").tolist() + np.frombuffer(data[13:21], "<i4").tolist()
    pct = np.frombuffer(data[21:21 + 8 * cols], "<u2").reshape(cols, 4)
    codes = np.frombuffer(data[21 + 8 * cols:], np.uint8).reshape(cols, rows)
    assert (rows, cols) == x.shape and (np.diff(pct.astype(int), axis=1) > 0).all()
    got = decompress(data)
    for c in (0, 5, 12):  # CharToFloat, written out in double for a few entries
        p = [lo + span * (1 / 65535) * k for k in pct[c]]
        for r in (0, 17, rows - 1):
            v = int(codes[c, r])
            want = (p[0] + (p[1] - p[0]) * v / 64 if v <= 64 else
                    p[1] + (p[2] - p[1]) * (v - 64) / 128 if v <= 192 else p[2] + (p[3] - p[2]) * (v - 192) / 63)
            assert got[r, c] == pytest.approx(want, rel=1e-5, abs=1e-5)


def test_matrix_codec_errors():
    with pytest.raises(ValueError, match="NaN or Inf"):
        compress(np.array([[1.0, np.nan]], np.float32))
    with pytest.raises(ValueError, match="rows >= 1"):
        compress(np.zeros((0, 3), np.float32))
    with pytest.raises(ValueError, match="expected FM, DM, CM or CM2"):
        read_matrix(io.BytesIO(b"\0BXX 1234567890"))
    with pytest.raises(ValueError, match="cut short"):
        read_matrix(io.BytesIO(float_matrix(np.ones((4, 4), np.float32))[:-3]))


@pytest.mark.parametrize("fmt,out", [("ark", "feats.ark"), ("hdf5", "feats.h5"), ("npy", "feats")])
def test_extract_compress_every_format(tmp_path, fmt, out):
    files = ff.io.sample_files()
    ext = ff.Extractor(ff.Config())
    refs = {os.path.splitext(os.path.basename(p))[0]: ext(ff.load(p, sr=16000)[0]) for p in files}
    s = extract(files, tmp_path / out, jobs=2, compress=True, block_frames=4000)  # some files in blocks
    assert (s.files, s.failed) == (len(files), 0)
    got = dict(read_features(tmp_path / out))
    assert sorted(got) == sorted(refs)
    for uid, ref in refs.items():
        assert got[uid].dtype == np.float32 and got[uid].shape == ref.shape
        if fmt == "ark":
            np.testing.assert_array_equal(got[uid], decompress(compress(ref)))
        else:
            np.testing.assert_array_equal(got[uid], ref.astype(np.float16).astype(np.float32))
    if fmt == "ark":
        scp = kaldiio.load_scp(str(tmp_path / "feats.scp"))
        for uid, ref in refs.items():
            np.testing.assert_allclose(scp[uid], got[uid], atol=1e-4)
    elif fmt == "hdf5":
        h5py = pytest.importorskip("h5py")
        with h5py.File(tmp_path / out, "r") as f:
            assert f["down"].dtype == np.float16
    else:
        assert np.load(next((tmp_path / out).glob("part-*.npy"))).dtype == np.float16
    with pytest.raises(ValueError, match="compress=False but .* compress=True"):
        extract(files, tmp_path / out, resume=True)
    assert json.loads(next((tmp_path).glob("**/fastfeat.json")).read_text())["compress"] is True


def test_float16_overflow_is_reported_per_file(tmp_path):
    sf.write(tmp_path / "loud.wav", np.ones(8000, np.float32) * 0.99, 16000, subtype="FLOAT")
    sf.write(tmp_path / "quiet.wav", np.ones(8000, np.float32) * 0.01, 16000, subtype="FLOAT")
    cfg = ff.Config(kind="power", log=None, window="rectangular", preemphasis=0.0)  # DC power 400**2
    s = extract([tmp_path / "loud.wav", tmp_path / "quiet.wav"], tmp_path / "out", config=cfg, compress=True, jobs=1)
    assert s.files == 1 and len(s.errors) == 1 and "float16 range" in s.errors[0][1]
    assert [uid for uid, _ in read_features(tmp_path / "out")] == ["quiet"]


# ---------------------------------------------------------------- Kaldi data directories

def _data_dir(tmp_path, pipe=False):
    """Two recordings, five segments, two speakers; optionally one pipe entry."""
    rng = np.random.default_rng(5)
    audio = tmp_path / "audio"
    audio.mkdir()
    signals = {"recA": (rng.standard_normal(48000) * 0.1).astype(np.float32),
               "recB": (rng.standard_normal(16000) * 0.1).astype(np.float32)}
    sf.write(audio / "a.wav", signals["recA"], 16000, subtype="FLOAT")
    sf.write(audio / "b.wav", signals["recB"], 16000, subtype="FLOAT")
    d = tmp_path / "data"
    d.mkdir()
    b_entry = f"cat {audio / 'b.wav'} |" if pipe else str(audio / "b.wav")
    (d / "wav.scp").write_text(f"recA {audio / 'a.wav'}\nrecB {b_entry}\n")
    segs = {"s1-recA-000": ("recA", 0.0, 1.0), "s1-recA-001": ("recA", 1.0, 2.25), "s2-recA-002": ("recA", 2.25, -1),
            "s2-recB-000": ("recB", 0.1, 0.6), "s1-recB-001": ("recB", 0.5, 1.3)}  # ends 0.3 s after the file: clipped
    (d / "segments").write_text("".join(f"{u} {r} {a} {b}\n" for u, (r, a, b) in sorted(segs.items())))
    (d / "utt2spk").write_text("".join(f"{u} {u[:2]}\n" for u in sorted(segs)))
    ext = ff.Extractor(ff.Config())
    refs = {}
    for u, (r, a, b) in segs.items():
        y = signals[r]
        refs[u] = ext(y[int(a * 16000):len(y) if b == -1 else min(int(b * 16000), len(y))])  # extract-segments
    return d, refs


def _stats_by_definition(feats_by_utt, utts):
    """compute-cmvn-stats: for each frame, sums += x, sums2 += x * x (float32 product, double sums), count += 1."""
    dim = next(iter(feats_by_utt.values())).shape[1]
    stats = np.zeros((2, dim + 1))
    for u in utts:
        for frame in feats_by_utt[u]:
            for i in range(dim):
                stats[0, i] += float(frame[i])
                stats[1, i] += float(np.float32(frame[i]) * np.float32(frame[i]))
            stats[0, dim] += 1.0
    return stats


@pytest.mark.parametrize("compressed", [False, True])
def test_kaldi_data_dir_round_trip(tmp_path, compressed):
    d, refs = _data_dir(tmp_path)
    out = tmp_path / "out"
    s = extract([d], out, format="ark", jobs=2, compress=compressed)
    assert (s.files, s.failed) == (5, 0)
    feats = {k: np.asarray(v) for k, v in kaldiio.load_scp(str(out / "feats.scp")).items()}
    assert sorted(feats) == sorted(refs)
    for u, ref in refs.items():
        want = decompress(compress(ref)) if compressed else ref
        np.testing.assert_allclose(feats[u], want, rtol=0, atol=1e-4 if compressed else 0)
    assert (out / "utt2spk").read_text() == "".join(f"{u} {u[:2]}\n" for u in sorted(refs))
    assert (out / "spk2utt").read_text() == "".join(
        f"{spk} {' '.join(u for u in sorted(refs) if u[:2] == spk)}\n" for spk in ("s1", "s2"))
    cmvn = {k: np.asarray(v) for k, v in kaldiio.load_scp(str(out / "cmvn.scp")).items()}
    assert sorted(cmvn) == ["s1", "s2"]
    mine = dict(read_features(out))  # what Kaldi reads from feats.scp, decoded as Kaldi does
    for spk in ("s1", "s2"):
        golden = _stats_by_definition(mine, [u for u in sorted(refs) if u[:2] == spk])
        assert cmvn[spk].dtype == np.float64
        np.testing.assert_array_equal(cmvn[spk], golden)
    metas = {uid: m for uid, _, m in read_features(out, meta=True)}
    assert metas["s2-recB-000"]["speaker"] == "s2" and metas["s2-recB-000"]["seconds"] == 0.5
    assert (metas["s2-recB-000"]["start"], metas["s2-recB-000"]["end"], metas["s2-recA-002"]["end"]) == (0.1, 0.6, None)


def test_each_recording_decoded_once(tmp_path, monkeypatch):
    import fastfeat.corpus.tasks as tasks

    d, refs = _data_dir(tmp_path)
    opened = []
    real = tasks.open_recording
    monkeypatch.setattr(tasks, "open_recording", lambda u: opened.append(u.path) or real(u))
    monkeypatch.setattr(tasks, "FILES_PER_PART", 2)  # small tasks: a cut must not split a recording
    extract([d], tmp_path / "out.ark", jobs=2)
    assert sorted(opened) == sorted({str(tmp_path / "audio" / "a.wav"), str(tmp_path / "audio" / "b.wav")})


def test_pipes_only_with_allow_pipes(tmp_path, capsys):
    from fastfeat.cli import main

    d, refs = _data_dir(tmp_path, pipe=True)
    with pytest.raises(ValueError, match="recB.*pipe.*allow_pipes=True"):
        extract([d], tmp_path / "o1.ark")
    assert not (tmp_path / "o1.scp").exists()
    assert main(["extract", str(d), "-o", str(tmp_path / "o2.ark"), "-q"]) == 2
    assert "--allow-pipes" in capsys.readouterr().err
    s = extract([d], tmp_path / "o3.ark", allow_pipes=True, jobs=1)
    assert (s.files, s.failed) == (5, 0)
    got = dict(read_features(tmp_path / "o3.ark"))
    for u, ref in refs.items():
        np.testing.assert_array_equal(got[u], ref)
    (d / "wav.scp").write_text((d / "wav.scp").read_text().replace("cat ", "false "))
    s = extract([d], tmp_path / "o4.ark", allow_pipes=True, jobs=1)
    assert s.files == 3 and all("exited with status 1" in why for _, why in s.errors)
    (d / "wav.scp").write_text((d / "wav.scp").read_text().replace("false ", "echo not audio; true "))
    s = extract([d], tmp_path / "o5.ark", allow_pipes=True, jobs=1)
    assert s.files == 3 and all("did not write audio (10 bytes)" in why for _, why in s.errors), s.errors


def test_data_dir_errors(tmp_path):
    d, _ = _data_dir(tmp_path)
    (d / "segments").write_text("u1 recC 0 1\n")
    with pytest.raises(ValueError, match="segments:1: recording 'recC' is not in"):
        extract([d], tmp_path / "o.ark")
    (d / "segments").write_text("u1 recA 2 1\n")
    with pytest.raises(ValueError, match="segments:1: segment 2.0-1.0 s is empty"):
        extract([d], tmp_path / "o.ark")
    (d / "segments").write_text("u1 recA 0 1 x\n")
    with pytest.raises(ValueError, match=r"segments:1: expected .* \[<channel>\]"):
        extract([d], tmp_path / "o.ark")
    (d / "segments").write_text("u1 recA 9 10\nu2 recA 2.5 3.5\nu3 recA 2.5 3.49\nu4 recA 0 1 1\n")
    s = extract([d], tmp_path / "o.ark")
    why = dict((e[1].split(" s of ")[0], e[1]) for e in s.errors)
    assert s.files == 1 and s.failed == 3, s.errors
    assert "starts after the end of the recording (3.000 s)" in why["segment 9.0-10.0"]
    assert "ends 0.5 s or more after the end" in why["segment 2.5-3.5"]
    assert any("segment channel 1 but" in e[1] and "has 1 channel(s)" in e[1] for e in s.errors)


def test_segment_channel_picks_one_channel(tmp_path):
    y = np.random.default_rng(2).standard_normal((16000, 2)).astype(np.float32) * 0.1
    sf.write(tmp_path / "st.wav", y, 16000, subtype="FLOAT")
    d = tmp_path / "data"
    d.mkdir()
    (d / "wav.scp").write_text(f"st {tmp_path / 'st.wav'}\n")
    (d / "segments").write_text("left st 0 1 0\nright st 0 1 1\nboth st 0 1\n")
    got = dict(read_features(extract([d], tmp_path / "o.ark").out))
    ext = ff.Extractor(ff.Config())
    np.testing.assert_array_equal(got["left"], ext(np.ascontiguousarray(y[:, 0])))
    np.testing.assert_array_equal(got["right"], ext(np.ascontiguousarray(y[:, 1])))
    np.testing.assert_array_equal(got["both"], ext(ff.io.downmix(y)))


def test_cli_compress_writes_kaldi_compressed_matrices(tmp_path):
    from fastfeat.cli import main

    assert main(["extract", "--samples", "-o", str(tmp_path / "f.ark"), "--compress", "-q"]) == 0
    part = b"".join(p.read_bytes() for p in (tmp_path / "f.scp.d").glob("part-*.ark"))
    assert part.count(b"\0BCM ") == len(ff.io.sample_files()) and b"\0BFM " not in part
    assert sorted(kaldiio.load_scp(str(tmp_path / "f.scp"))) == sorted(uid for uid, _ in read_features(tmp_path / "f.ark"))
