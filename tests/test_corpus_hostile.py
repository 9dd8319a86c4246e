"""Corpus extraction on hostile input trees and outputs (issue 13): file names
that are not UTF-8, two runs on one output, FIFOs/devices/sockets, absurd
sample rates in headers, a full disk, Ctrl-C, and the small traps of the
command line.  Each test fails on the code before the fix.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import soundfile as sf

import fastfeat as ff
from fastfeat.cli import main
from fastfeat.corpus import extract, read_features
from test_corpus import _check_output as _check  # one definition of "every id once, bit-exact"

N = 24
FORMAT_OUT = {"npy": "feats", "hdf5": "feats.h5", "ark": "feats.ark"}
ROOT_OF = {"npy": "feats", "hdf5": "feats.h5.d", "ark": "feats.scp.d"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """(root, {id: reference features}): N short 16 kHz clips, every third at 22.05 kHz (the Python path)."""
    root = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(13)
    ext = ff.Extractor(ff.Config())
    refs = {}
    for i in range(N):
        sr = 22050 if i % 3 == 2 else 16000
        y = (0.3 * np.sin(2 * np.pi * rng.uniform(100, 4000) * np.arange(sr // 2) / sr)
             + 0.05 * rng.standard_normal(sr // 2)).astype(np.float32)
        path = root / f"utt{i:02d}.wav"
        sf.write(path, y, sr, subtype="PCM_16")
        refs[f"utt{i:02d}"] = ext(ff.load(path, sr=16000)[0])
    return root, refs


def _errors(root):
    with open(os.path.join(root, "errors.tsv"), "rb") as f:
        return [line.rstrip(b"\n").split(b"\t") for line in f][1:]


def _copy_tree(src, dst):
    dst.mkdir()
    for name in os.listdir(src):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


# ------------------------------------------------------------- (1) file names that are not UTF-8

@pytest.mark.parametrize("fmt", ["npy", "hdf5", "ark"])
def test_file_name_not_utf8_is_one_error_and_the_rest_is_written(clips, tmp_path, fmt):
    src, refs = clips
    tree = _copy_tree(src, tmp_path / "in")
    bad = os.path.join(os.fsencode(tree), b"bad\xff.wav")
    with open(bad, "wb") as f:
        f.write((src / "utt00.wav").read_bytes())
    out = tmp_path / FORMAT_OUT[fmt]
    argv = ["extract", str(tree), "-o", str(out), "-q"] + (["--format", "npy"] if fmt == "npy" else [])
    assert main(argv) == 1
    _check(out, refs)
    rows = _errors(tmp_path / ROOT_OF[fmt])
    assert [os.path.basename(p) for p, _ in rows] == [b"bad\xff.wav"]  # the file's own bytes
    assert b"not valid UTF-8" in rows[0][1]
    if fmt == "ark":
        kaldiio = pytest.importorskip("kaldiio")
        scp = kaldiio.load_scp(str(tmp_path / "feats.scp"))
        assert sorted(scp) == sorted(refs)
    assert main(argv + ["--resume"]) == 1  # resume works, and reports the same file again
    _check(out, refs)


# ------------------------------------------------------------- (2) one run at a time per output

_SLOW_RUN = textwrap.dedent("""
    import signal, sys, time
    # Ctrl-C as in a terminal: a test runner may ignore SIGINT, and children inherit that
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import fastfeat.corpus.tasks as tasks
    from fastfeat.cli import main
    _done = tasks._done
    def slow_done(*args):  # 0.1 s per file (2.4 s in all), so the run is still going when the test acts
        time.sleep(0.1)
        return _done(*args)
    tasks._done = slow_done
    tasks.FILES_PER_PART = 2
    tasks.BATCH_FILES = 1
    sys.exit(main(["extract", sys.argv[1], "-o", sys.argv[2], "-q", "--jobs", "1"]))
""")


def _start_slow_run(root, out, journal):
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(root), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 2:
            return proc
        time.sleep(0.005)
    raise AssertionError("the run ended before the test could act: " + proc.stderr.read().decode())


def test_second_run_on_the_same_output_refuses_and_a_killed_runs_lock_does_not_block(clips, tmp_path):
    root, refs = clips
    out = tmp_path / "feats.h5"
    proc = _start_slow_run(root, out, tmp_path / "feats.h5.d" / "journal.jsonl")
    try:
        t0 = time.monotonic()
        with pytest.raises(ValueError, match=rf"being written by another fastfeat extract \(pid {proc.pid} "
                                             rf"on host {socket.gethostname()}"):
            extract([root], out, resume=True, jobs=1)
        assert time.monotonic() - t0 < 5  # at once, not after waiting
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert (tmp_path / "feats.h5.d" / "fastfeat.lock").exists()  # left behind by the killed run
    s = extract([root], out, resume=True, jobs=2)
    assert s.skipped >= 2 and s.files + s.skipped == N and s.failed == 0
    _check(out, refs)


# ------------------------------------------------------------- (3) FIFOs, devices, sockets

def test_fifo_device_and_socket_are_errors_never_opened(clips, tmp_path):
    src, refs = clips
    tree = _copy_tree(src, tmp_path / "in")
    os.mkfifo(tree / "fifo.wav")
    os.symlink("/dev/null", tree / "device.wav")
    os.symlink(tree / "utt00.wav", tree / "link.wav")  # a link to a regular file is read
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(tree / "socket.wav"))
    try:
        run = subprocess.run([sys.executable, "-m", "fastfeat", "extract", str(tree), "-o", str(tmp_path / "o.scp"),
                              "-q", "--jobs", "2"], capture_output=True, text=True, timeout=120)
    finally:
        sock.close()
    assert run.returncode == 1, run.stderr
    reasons = {os.path.basename(p).decode(): why.decode() for p, why in _errors(tmp_path / "o.scp.d")}
    assert sorted(reasons) == ["device.wav", "fifo.wav", "socket.wav"]
    assert "FIFO" in reasons["fifo.wav"] and "socket" in reasons["socket.wav"]
    assert "character device" in reasons["device.wav"]
    _check(tmp_path / "o.scp", {**refs, "link": refs["utt00"]})


# ------------------------------------------------------------- (4) sample rates in headers

def _with_header_rate(path, rate):
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"fmt "
    data[24:28] = rate.to_bytes(4, "little")
    data[28:32] = (rate * 2 % (1 << 32)).to_bytes(4, "little")  # byte rate, 16-bit mono
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("rate", [1, 999, 768_001, 1_000_000_000, 0x7FFFFFFF])
def test_sample_rate_outside_the_range_is_refused_at_once(tmp_path, rate):
    path = tmp_path / "odd.wav"
    sf.write(path, np.zeros(20, np.float32) + 0.1, 16000, subtype="PCM_16")
    _with_header_rate(path, rate)
    t0 = time.monotonic()
    with pytest.raises(ValueError, match=rf"header says {rate} Hz, outside the sample rates fastfeat reads "
                                         rf"\({ff.io.MIN_SAMPLE_RATE} to {ff.io.MAX_SAMPLE_RATE} Hz\)"):
        ff.load(path, sr=16000)
    s = extract([path], tmp_path / "o.h5", jobs=1)
    assert s.failed == 1 and "outside the sample rates" in s.errors[0][1]
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("rate", [ff.io.MIN_SAMPLE_RATE, ff.io.MAX_SAMPLE_RATE])
def test_sample_rates_at_the_ends_of_the_range_are_read(tmp_path, rate):
    path = tmp_path / "edge.wav"
    sf.write(path, np.random.default_rng(0).uniform(-0.5, 0.5, rate // 4), rate, subtype="PCM_16")
    y, sr = ff.load(path, sr=16000)
    assert sr == 16000 and y.shape == (4000,)


# ------------------------------------------------------------- (5) disk full

def _fail_after(monkeypatch, cls, names, calls):
    """Make cls.<names> raise ENOSPC from the ``calls``-th call on (counted over all names)."""
    count = [0]
    for name in names:
        original = getattr(cls, name)

        def failing(self, *args, _original=original, **kw):
            count[0] += 1
            if count[0] >= calls:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return _original(self, *args, **kw)
        monkeypatch.setattr(cls, name, failing)


@pytest.mark.parametrize("fmt", ["npy", "hdf5", "ark"])
def test_disk_full_is_a_clear_error_nothing_corrupt_and_resume_finishes(clips, tmp_path, monkeypatch, fmt):
    from fastfeat.corpus import formats, tasks

    root, refs = clips
    monkeypatch.setattr(tasks, "FILES_PER_PART", 4)
    monkeypatch.setattr(tasks, "BATCH_FILES", 2)
    cls = formats.PARTS[fmt]
    out = tmp_path / FORMAT_OUT[fmt]
    with monkeypatch.context() as m:
        _fail_after(m, cls, ["add", "add_many", "append"], 9)
        with pytest.raises(OSError, match=rf"out='{out}': the disk is full .*resume") as exc:
            extract([root], out, format=fmt if fmt == "npy" else None, jobs=1)
        assert exc.value.errno == errno.ENOSPC
    partial = dict(read_features(out))
    assert 0 < len(partial) < N
    for uid, feats in partial.items():
        np.testing.assert_array_equal(feats, refs[uid])
    s = extract([root], out, resume=True, jobs=2)
    assert s.skipped == len(partial) and s.files == N - len(partial) and s.failed == 0
    _check(out, refs)


def test_disk_full_while_journaling_leaves_a_resumable_output(clips, tmp_path, monkeypatch):
    from fastfeat.corpus import journal, tasks

    root, refs = clips
    monkeypatch.setattr(tasks, "FILES_PER_PART", 4)
    commit = journal.Store.commit
    calls = [0]

    def torn_commit(self, records):
        calls[0] += 1
        if calls[0] == 3:  # half a line reaches the disk, then it is full
            self._journal.write(b'{"id": "utt')
            self._journal.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return commit(self, records)
    with monkeypatch.context() as m:
        m.setattr(journal.Store, "commit", torn_commit)
        with pytest.raises(OSError, match="the disk is full"):
            extract([root], tmp_path / "f.scp", jobs=1)
    assert len(list(read_features(tmp_path / "f.scp"))) == 8
    s = extract([root], tmp_path / "f.scp", resume=True, jobs=1)
    assert (s.skipped, s.files) == (8, N - 8)
    _check(tmp_path / "f.scp", refs)


# ------------------------------------------------------------- (6) Ctrl-C and the small traps

def test_ctrl_c_prints_the_resume_command_and_exits_130(clips, tmp_path):
    root, refs = clips
    out = tmp_path / "feats.scp"
    proc = _start_slow_run(root, out, tmp_path / "feats.scp.d" / "journal.jsonl")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err.decode(), err.decode()
    command = lines[0].partition("finish with: fastfeat ")[2]
    assert command.endswith("--resume")
    import shlex

    assert main(shlex.split(command)) == 0
    _check(out, refs)


def test_read_features_accepts_the_entry_file_the_command_prints(clips, tmp_path, capsys):
    root, refs = clips
    assert main(["extract", str(root), "-o", str(tmp_path / "featsdir"), "-q"]) == 0
    printed = capsys.readouterr().out.rsplit("features: ", 1)[1].strip()
    assert printed == str(tmp_path / "featsdir" / "index.csv")
    _check(printed, refs)


@pytest.mark.parametrize("name", ["one.npy", "one.NPZ"])
def test_out_naming_one_npy_file_is_refused(clips, tmp_path, capsys, name):
    root, _ = clips
    assert main(["extract", str(root), "-o", str(tmp_path / name), "-q"]) == 2
    assert "npy output is a directory" in capsys.readouterr().err
    assert not (tmp_path / name).exists()


def test_empty_file_is_reported_as_empty(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.wav is empty \(0 bytes\)"):
        ff.load(tmp_path / "empty.wav")
    s = extract([tmp_path / "empty.wav"], tmp_path / "o.h5", jobs=1)
    assert s.errors[0][1].endswith("is empty (0 bytes)")


def test_float64_wav_beyond_float32_range_is_an_error_without_a_numpy_warning(tmp_path):
    path = tmp_path / "loud.wav"
    sf.write(path, np.full(16000, 1e39), 16000, subtype="DOUBLE")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, _ = ff.load(path)
        with pytest.raises(ValueError, match="non-finite"):
            ff.Extractor(ff.Config())(y)
        s = extract([path], tmp_path / "o.h5", jobs=1)
    assert s.failed == 1 and "non-finite" in s.errors[0][1], s.errors


@pytest.mark.parametrize("rec", [
    {"id": "spk1/utt001", "part": "part-1a2b3c4d-00000.npy", "loc": [0, 98], "seconds": 0.98, "path": "/d/spk1/utt001.wav"},
    {"id": "a\"b\\c\u00e9\u4e2d", "part": "part-x.ark", "loc": 123456789012, "seconds": 1e-05, "path": "/d/\udcff\t.wav",
     "label": "yes\n", "speaker": "s\u00e9"},
    {"id": "x", "part": "part-x.h5", "loc": "x/y", "seconds": 3.0, "path": "p", "speaker": "s"},
    {"id": "x", "part": "p", "loc": 1, "seconds": 2.0, "path": "p", "segment": [0.5, 1.5]},  # other keys
])
def test_journal_line_is_json_dumps(rec):
    from fastfeat.corpus.journal import journal_line

    assert journal_line(rec) == json.dumps(rec) + "\n"


def test_hdf5_stops_before_the_disk_is_full(clips, tmp_path, monkeypatch):
    """libhdf5 cannot recover from a failed write (on a real full tmpfs it crashed the process), so
    the HDF5 writer checks the free space first and stops cleanly with the disk-full error."""
    from fastfeat.corpus import tasks
    from fastfeat.corpus.formats import hdf5

    root, refs = clips
    monkeypatch.setattr(tasks, "FILES_PER_PART", 4)
    real, calls = os.statvfs, [0]

    class Full:
        f_bavail, f_frsize = 1000, 4096  # 4 MB free: under the margin

    def statvfs(path):
        calls[0] += 1
        return Full if calls[0] > 9 else real(path)
    with monkeypatch.context() as m:
        m.setattr(hdf5.os, "statvfs", statvfs)
        with pytest.raises(OSError, match=r"the disk is full .*less than 16 MiB free") as exc:
            extract([root], tmp_path / "f.h5", jobs=1)
        assert exc.value.errno == errno.ENOSPC
    assert len(list(read_features(tmp_path / "f.h5"))) == 8
    s = extract([root], tmp_path / "f.h5", resume=True, jobs=1)
    assert (s.skipped, s.files) == (8, N - 8)
    _check(tmp_path / "f.h5", refs)
