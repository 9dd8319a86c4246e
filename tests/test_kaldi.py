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
