"""Corpus extraction: many audio files to features on disk, parallel and resumable.

``extract(inputs, out)`` is what the ``fastfeat extract`` command runs;
``read_features(out)`` reads any output back.  docs/corpus.md is the guide.

How it stays correct when killed at any moment
----------------------------------------------
The files are cut into tasks of up to a few hundred files.  A task writes one
*part* (an .npy matrix, an HDF5 file or a Kaldi ark) under a temporary name
and renames it when complete, so a part on disk is always whole.  The process
that runs the job then appends one line per utterance of the part to
``journal.jsonl`` with a single write and fsyncs it: an utterance is done once
its line is there.  A run killed at any point leaves complete parts, perhaps a
part no journal line mentions and perhaps a torn last journal line; a run with
``resume=True`` drops both (and any ``*.tmp``) and does every file whose id is
not in the journal, so nothing is lost and nothing is written twice.  The
entry file (``index.csv``, ``feats.scp`` or the HDF5 file of external links)
and ``errors.tsv`` are rewritten from the journal, atomically, when a run ends.

Where the time goes
-------------------
With the C engine, a worker hands its files to ``Engine.extract_wav_files``
32 at a time: one GIL-free call reads, decodes (``csrc/wav.c``) and extracts
every plain mono WAV at the config's rate, so threads scale with cores.  The
files it leaves (other formats, rates, channel counts, long files, bad files)
go one by one through ``open_audio``.  Long files are read in blocks and go
through ``fastfeat.Stream`` (bit-identical to ``Extractor``); their rows are
appended to the part as they come, so memory is bounded by the block, not by
the file.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import glob
import itertools
import json
import os
import struct
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .config import Config
from .features import Extractor
from .io import AudioReader, Resampler, downmix, open_audio, resample
from .stream import Stream

__all__ = ["Utterance", "Summary", "FORMATS", "AUDIO_EXTENSIONS", "collect_inputs", "extract", "read_features"]

#: Output formats and the entry file each writes in a directory output.
FORMATS = {"npy": "index.csv", "hdf5": "features.h5", "ark": "feats.scp"}
#: File name endings that directory and glob inputs pick up (case-insensitive).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au", ".w64", ".caf")
BLOCK_FRAMES = 1 << 20  # files longer than this (frames) are streamed in blocks of it
FILES_PER_PART = 256
BATCH_FILES = 32  # files per GIL-free read + decode + extract call of the C engine
BYTES_PER_PART = 256 << 20
_JOURNAL, _META, _ERRORS = "journal.jsonl", "fastfeat.json", "errors.tsv"
_NPY_HEADER = 128  # bytes reserved for an .npy header (the shape is written at the end)


@dataclass(frozen=True)
class Utterance:
    """One input file and its id (and the manifest's optional label and speaker).

    Examples
    --------
    >>> from fastfeat.corpus import collect_inputs
    >>> from fastfeat.io import sample_files
    >>> import os
    >>> utts = collect_inputs([os.path.dirname(sample_files()[0])])
    >>> sorted(u.id for u in utts)[:2]
    ['down', 'left']
    """

    id: str
    path: str
    label: str | None = None
    speaker: str | None = None


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------

def _utt_id(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    if rel.startswith(os.pardir):
        rel = os.path.abspath(path).lstrip(os.sep)
    return os.path.splitext(rel)[0].replace(os.sep, "/")


def _is_audio_name(name: str) -> bool:
    return name.lower().endswith(AUDIO_EXTENSIONS)


def _read_manifest(path: str) -> list[Utterance]:
    root = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t" if path.lower().endswith(".tsv") else ","))
        columns = list(rows[0]) if rows else []
    if "path" not in columns:
        raise ValueError(f"manifest {path} has no 'path' column (columns: {', '.join(columns) or 'none'}); "
                         "a manifest needs 'path' and may have 'id', 'label', 'speaker'")
    items = []
    for row in rows:
        audio = os.path.join(root, row["path"])
        items.append(Utterance(row.get("id") or _utt_id(audio, root), audio,
                               row.get("label") or None, row.get("speaker") or None))
    return items


def collect_inputs(inputs: Iterable[str | os.PathLike]) -> list[Utterance]:
    """The utterances named by files, directories, globs and manifests.

    Parameters
    ----------
    inputs : iterable of str or os.PathLike
        Each one is a directory (searched recursively for names ending in
        ``AUDIO_EXTENSIONS``; a directory with such a name is listed too, so
        that it is reported as a failure rather than silently skipped), a glob
        pattern (``data/**/*.flac``), a CSV/TSV manifest (``.csv``/``.tsv``
        with a ``path`` column, relative to the manifest, and optional ``id``,
        ``label``, ``speaker``), or an audio file.

    Returns
    -------
    list of Utterance
        In input order, each directory and glob sorted.  The id is the
        manifest's ``id``, else the path relative to the directory (or the
        glob's fixed prefix, the manifest's folder, the file's folder) without
        its extension, with ``/`` separators.

    Raises
    ------
    ValueError
        An input that does not exist, a glob that matches nothing, a
        manifest without a ``path`` column (the message names it).

    Examples
    --------
    >>> import os
    >>> from fastfeat.corpus import collect_inputs
    >>> from fastfeat.io import sample_files
    >>> folder = os.path.dirname(sample_files()[0])
    >>> [u.id for u in collect_inputs([folder])][:3]
    ['down', 'left', 'no']
    """
    items: list[Utterance] = []
    for given in inputs:
        text = os.fspath(given)
        if glob.has_magic(text):
            matches = sorted(p for p in glob.glob(text, recursive=True) if _is_audio_name(p))
            if not matches:
                raise ValueError(f"input {text!r} matches no audio file (extensions: {', '.join(AUDIO_EXTENSIONS)})")
            prefix = text[:min(text.index(c) for c in "*?[" if c in text)]
            root = prefix if prefix.endswith(os.sep) else os.path.dirname(prefix)
            items += [Utterance(_utt_id(p, root or os.curdir), p) for p in matches]
        elif os.path.isdir(text):
            found = []
            for folder, dirs, files in os.walk(text):
                dirs.sort()
                rel = os.path.relpath(folder, text)
                for name in files + dirs:
                    if _is_audio_name(name):
                        uid = os.path.splitext(name if rel == os.curdir else os.path.join(rel, name))[0]
                        found.append(Utterance(uid.replace(os.sep, "/"), os.path.join(folder, name)))
            items += sorted(found, key=lambda u: u.path)
        elif os.path.isfile(text) and text.lower().endswith((".csv", ".tsv")):
            items += _read_manifest(text)
        elif os.path.isfile(text):
            items.append(Utterance(_utt_id(text, os.path.dirname(text) or os.curdir), text))
        else:
            raise ValueError(f"input {text!r} does not exist (expected an audio file, a directory, a glob or a .csv/.tsv manifest)")
    return items


# --------------------------------------------------------------------------
# parts: one file per task, written under a temporary name
# --------------------------------------------------------------------------

def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_atomically(path: str, write: Callable[[str], None]) -> None:
    tmp = path + ".tmp"
    write(tmp)
    _fsync_path(tmp)
    os.replace(tmp, path)


class _Part:
    """A part being written: utterances added whole (``add``) or row block by block."""

    suffix = ""

    @staticmethod
    def id_problem(utt_id: str) -> str | None:
        """Why this format cannot store an utterance of this id (None: it can)."""
        return None

    def __init__(self, root: str, name: str, config: Config, n_features: int) -> None:
        self.name = name + self.suffix
        self.path = os.path.join(root, self.name)
        self.tmp = self.path + ".tmp"
        self.config, self.n_features = config, n_features
        self.count = 0  # utterances completed
        self.rows = 0  # rows of the current utterance

    def add(self, utt: Utterance, feats: np.ndarray) -> Any:
        self.begin(utt, feats.shape[0])
        self.append(feats)
        return self.end()

    def add_many(self, utts: list[Utterance], feats: np.ndarray, rows: list[int]) -> list[Any]:
        """Add utterances whose rows are consecutive in ``feats`` (``rows[i]`` each).

        Returns their locations; an utterance that could not be added has the
        exception instead, and the others are added all the same.
        """
        locs: list[Any] = []
        start = 0
        for utt, n in zip(utts, rows):
            try:
                locs.append(self.add(utt, feats[start:start + n]))
            except Exception as exc:
                locs.append(exc)
            start += n
        return locs

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        """Start utterance ``utt``; ``rows_hint`` is its row count when known."""
        raise NotImplementedError

    def append(self, rows: np.ndarray) -> None:
        """Append rows to the current utterance."""
        raise NotImplementedError

    def end(self) -> Any:
        """Finish the current utterance; returns its location in the part."""
        raise NotImplementedError

    def discard(self) -> None:
        """Forget the current (unfinished) utterance."""
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def commit(self) -> bool:
        """Close, fsync and rename into place; False (and nothing left) if empty."""
        self._close()
        if self.count == 0:
            os.remove(self.tmp)
            return False
        _fsync_path(self.tmp)
        os.replace(self.tmp, self.path)
        return True

    def abort(self) -> None:
        self._close()
        os.remove(self.tmp)


class _NpyPart(_Part):
    """One float32 (rows, n_features) .npy matrix; an utterance is a row range."""

    suffix = ".npy"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = open(self.tmp, "wb")
        self._f.write(bytes(_NPY_HEADER))
        self._total = 0

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._start, self.rows = self._total, 0

    def add_many(self, utts: list[Utterance], feats: np.ndarray, rows: list[int]) -> list[Any]:
        self._f.write(memoryview(feats).cast("B"))  # one write for the whole batch
        locs = []
        for n in rows:
            locs.append([self._total, self._total + n])
            self._total += n
        self.count += len(rows)
        return locs

    def append(self, rows: np.ndarray) -> None:
        self._f.write(memoryview(rows).cast("B"))
        self.rows += rows.shape[0]
        self._total += rows.shape[0]

    def end(self) -> Any:
        self.count += 1
        return [self._start, self._total]

    def discard(self) -> None:
        self._total = self._start
        self._f.seek(_NPY_HEADER + 4 * self.n_features * self._total)
        self._f.truncate()

    def _close(self) -> None:
        if self._f.closed:
            return
        text = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (self._total, self.n_features)
        self._f.seek(0)
        self._f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", _NPY_HEADER - 10)
                      + text.ljust(_NPY_HEADER - 11).encode("latin1") + b"\n")
        self._f.close()


class _ArkPart(_Part):
    """A Kaldi binary archive: ``id "\\0B" "FM " <int32 rows> <int32 cols> float32 data`` per utterance."""

    suffix = ".ark"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = open(self.tmp, "wb")

    @staticmethod
    def id_problem(utt_id: str) -> str | None:
        if not utt_id or any(c.isspace() for c in utt_id):
            return f"id {utt_id!r} is empty or contains whitespace, which a Kaldi archive key cannot"
        return None

    def _header(self, rows: int) -> bytes:
        return b"\0BFM \x04" + struct.pack("<i", rows) + b"\x04" + struct.pack("<i", self.n_features)

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._start = self._f.tell()
        self._f.write(utt.id.encode("utf-8") + b" ")
        self._loc = self._f.tell()
        self._f.write(self._header(rows_hint or 0))
        self._hint, self.rows = rows_hint, 0

    def add_many(self, utts: list[Utterance], feats: np.ndarray, rows: list[int]) -> list[Any]:
        pieces: list[Any] = []
        locs = []
        pos, start = self._f.tell(), 0
        for utt, n in zip(utts, rows):
            key = utt.id.encode("utf-8") + b" "
            data = memoryview(feats[start:start + n]).cast("B")
            pieces += (key, self._header(n), data)
            locs.append(pos + len(key))
            pos += len(key) + 15 + data.nbytes
            start += n
        self._f.write(b"".join(pieces))  # one write for the whole batch
        self.count += len(utts)
        return locs

    def append(self, rows: np.ndarray) -> None:
        self._f.write(memoryview(rows).cast("B"))
        self.rows += rows.shape[0]

    def end(self) -> Any:
        if self.rows != self._hint:
            self._f.seek(self._loc + 6)
            self._f.write(struct.pack("<i", self.rows))
            self._f.seek(0, os.SEEK_END)
        self.count += 1
        return self._loc

    def discard(self) -> None:
        self._f.seek(self._start)
        self._f.truncate()

    def _close(self) -> None:
        self._f.close()


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ValueError("format 'hdf5' needs h5py: pip install 'fastfeat[corpus]'") from None
    return h5py


def _config_attrs(attrs: Any, config: Config) -> None:
    """The Config as attributes: one per field (None fields omitted) and ``config_json``."""
    fields = config.to_dict()
    for k, v in fields.items():
        if v is not None:
            attrs[k] = v
    attrs["config_json"] = json.dumps(fields)


class _H5Part(_Part):
    """An HDF5 file with one float32 dataset per utterance (its id is the dataset path)."""

    suffix = ".h5"
    CHUNK_ROWS = 4096

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = _h5py().File(self.tmp, "w")
        _config_attrs(self._f.attrs, self.config)

    def add(self, utt: Utterance, feats: np.ndarray) -> Any:
        self._ds = self._f.create_dataset(utt.id, data=feats)
        self._label(utt)
        self.count += 1
        return utt.id

    def _label(self, utt: Utterance) -> None:
        for key in ("label", "speaker"):
            if getattr(utt, key) is not None:
                self._ds.attrs[key] = getattr(utt, key)

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._id, self.rows = None, 0
        self._ds = self._f.create_dataset(utt.id, shape=(0, self.n_features), dtype=np.float32,
                                          maxshape=(None, self.n_features),
                                          chunks=(self.CHUNK_ROWS, self.n_features))
        self._id = utt.id
        self._label(utt)

    def append(self, rows: np.ndarray) -> None:
        self._ds.resize(self.rows + rows.shape[0], axis=0)
        self._ds[self.rows:] = rows
        self.rows += rows.shape[0]

    def end(self) -> Any:
        self.count += 1
        return self._id

    def discard(self) -> None:
        if self._id is not None and self._id in self._f:
            del self._f[self._id]

    def _close(self) -> None:
        if self._f.id.valid:
            self._f.close()


_PARTS: dict[str, type[_Part]] = {"npy": _NpyPart, "hdf5": _H5Part, "ark": _ArkPart}


# --------------------------------------------------------------------------
# one task: a list of files -> one part
# --------------------------------------------------------------------------

@dataclass
class _Task:
    root: str
    format: str
    config: Config
    part: str
    items: list[Utterance]
    block_frames: int = BLOCK_FRAMES


@dataclass
class _Result:
    records: list[dict] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    decode: float = 0.0
    compute: float = 0.0
    write: float = 0.0
    seconds: float = 0.0  # of audio written
    files: int = 0  # items attempted


@functools.lru_cache(maxsize=8)
def _extractor(config: Config) -> Extractor:
    return Extractor(config)


def _too_short(n: int, config: Config) -> ValueError:
    what = "no samples (empty audio)" if n == 0 else f"{n} samples"
    return ValueError(f"{what}: too short for one frame (frame_length={config.frame_length} at {config.sample_rate} Hz)")


def _whole(reader: AudioReader, utt: Utterance, part: _Part, ext: Extractor, res: _Result) -> Any:
    config = ext.config
    t0 = time.perf_counter()
    y = downmix(reader.read())
    if reader.sample_rate != config.sample_rate:
        y = resample(y, reader.sample_rate, config.sample_rate)
    t1 = time.perf_counter()
    if ext.n_frames(y.shape[0]) <= 0:
        raise _too_short(y.shape[0], config)
    feats = ext(y)
    t2 = time.perf_counter()
    loc = part.add(utt, feats)
    res.decode += t1 - t0
    res.compute += t2 - t1
    res.write += time.perf_counter() - t2
    return loc


def _blocks(reader: AudioReader, utt: Utterance, part: _Part, task: _Task, res: _Result) -> Any:
    config = task.config
    stream = Stream(config)
    rs = Resampler(reader.sample_rate, config.sample_rate) if reader.sample_rate != config.sample_rate else None
    part.begin(utt)
    try:
        while True:
            t0 = time.perf_counter()
            block = reader.read(task.block_frames)
            last = block.shape[0] == 0
            y = downmix(block)
            if rs is not None:
                y = rs.flush() if last else rs.push(y)
            t1 = time.perf_counter()
            rows = stream.push(y)
            if last:
                rows = np.concatenate([rows, stream.flush()])
            t2 = time.perf_counter()
            if rows.shape[0]:
                part.append(rows)
            res.decode += t1 - t0
            res.compute += t2 - t1
            res.write += time.perf_counter() - t2
            if last:
                break
        if part.rows == 0:
            raise _too_short(reader.frames, config)
        return part.end()
    except BaseException:
        part.discard()
        raise


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {text}"


def _general(utt: Utterance, part: _Part, task: _Task, ext: Extractor, res: _Result) -> tuple[Any, float]:
    """One file through open_audio (any format, rate, length): its location in the part and seconds."""
    with open_audio(utt.path) as reader:
        seconds = reader.frames / reader.sample_rate
        if reader.frames * reader.channels > task.block_frames and task.config.causal:
            return _blocks(reader, utt, part, task, res), seconds
        return _whole(reader, utt, part, ext, res), seconds


def _done(res: _Result, utt: Utterance, part: _Part, loc: Any, seconds: float) -> None:
    """Record an utterance written at ``loc`` (or, when ``loc`` is an exception, failed)."""
    if isinstance(loc, Exception):
        res.errors.append((utt.path, _one_line(loc)))
        return
    rec = {"id": utt.id, "part": part.name, "loc": loc, "seconds": seconds, "path": utt.path}
    if utt.label is not None:
        rec["label"] = utt.label
    if utt.speaker is not None:
        rec["speaker"] = utt.speaker
    res.records.append(rec)
    res.seconds += seconds


def _run_task(task: _Task, progress: Callable[[int, float], None] | None = None,
              stop: threading.Event | None = None) -> _Result:
    """Extract the task's files into one part; bad files become errors, never exceptions.

    With the C engine, files go in batches of ``BATCH_FILES`` through one
    GIL-free call that reads, decodes and extracts every plain mono WAV at the
    config's rate (``Engine.extract_wav_files``); the files it leaves, and all
    files with another backend, go one by one through ``open_audio``.
    """
    res = _Result()
    ext = _extractor(task.config)
    fast = getattr(ext._engine, "extract_wav_files", None)
    rate = task.config.sample_rate
    part = _PARTS[task.format](task.root, task.part, task.config, ext.n_features)
    try:
        for start in range(0, len(task.items), BATCH_FILES):
            if stop is not None and stop.is_set():
                break
            batch = task.items[start:start + BATCH_FILES]
            res.files += len(batch)
            before = res.seconds
            rest = batch
            if fast is not None:
                feats, rows, frames, decode, compute = fast([u.path for u in batch], task.block_frames)
                res.decode += decode
                res.compute += compute
                took = [k for k, n in enumerate(rows) if n >= 0]
                if took:
                    t0 = time.perf_counter()
                    locs = part.add_many([batch[k] for k in took], feats, [rows[k] for k in took])
                    res.write += time.perf_counter() - t0
                    for k, loc in zip(took, locs):
                        _done(res, batch[k], part, loc, frames[k] / rate)
                    rest = [utt for utt, n in zip(batch, rows) if n < 0]
            for utt in rest:
                try:
                    loc, seconds = _general(utt, part, task, ext, res)
                except Exception as exc:  # a bad file is reported, never stops the run
                    loc, seconds = exc, 0.0
                _done(res, utt, part, loc, seconds)
            if progress is not None:
                progress(len(batch), res.seconds - before)
        if stop is not None and stop.is_set():
            part.abort()
            res.records.clear()
        else:
            t0 = time.perf_counter()
            part.commit()
            res.write += time.perf_counter() - t0
    except BaseException:
        part.abort()
        raise
    return res


# --------------------------------------------------------------------------
# the output store: layout, journal, entry file, errors report
# --------------------------------------------------------------------------

def _layout(out: str, fmt: str | None) -> tuple[str, str, str | None]:
    """(root directory, entry file, format) of output ``out``.

    A name ending in .h5/.hdf5/.scp/.ark decides the format and is (or names)
    the entry file, with the root next to it; any other name is the root
    directory, whose format is ``fmt``, else the one recorded there, else npy.
    """
    low = out.lower()
    implied = "hdf5" if low.endswith((".h5", ".hdf5")) else "ark" if low.endswith((".ark", ".scp")) else None
    if implied is None:
        meta = os.path.join(out, _META)
        if fmt is None and os.path.isfile(meta):
            with open(meta, encoding="utf-8") as f:
                fmt = json.load(f)["format"]
        fmt = fmt or "npy"
        return out, os.path.join(out, FORMATS[fmt]), fmt
    if fmt is not None and fmt != implied:
        raise ValueError(f"format={fmt!r} contradicts out={out!r}, whose name means {implied!r}; "
                         f"change one of them (a directory name without .h5/.ark/.scp holds any format)")
    entry = out[:-4] + ".scp" if low.endswith(".ark") else out
    return entry + ".d", entry, implied


def _read_journal(root: str) -> list[dict]:
    """Completed utterances, in commit order (a torn last line is ignored)."""
    path = os.path.join(root, _JOURNAL)
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    return [json.loads(line) for line in data[:data.rfind(b"\n") + 1].splitlines()]


class _Store:
    def __init__(self, out: str, fmt: str | None, config: Config, resume: bool) -> None:
        out = os.fspath(out)
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"format={fmt!r} is not valid; format must be one of {', '.join(FORMATS)}")
        self.root, self.entry, self.format = _layout(out, fmt)
        meta_path = os.path.join(self.root, _META)
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            if not resume:
                raise ValueError(f"out={out!r} already holds extracted features; pass resume=True "
                                 "(--resume) to finish that job, or choose another output")
            if meta["format"] != self.format:
                raise ValueError(f"resume: format={fmt!r} but out={out!r} holds format {meta['format']!r}")
            if meta["config"] != config.to_dict():
                changed = sorted(k for k, v in config.to_dict().items() if meta["config"].get(k) != v)
                raise ValueError(f"resume: the config differs from the one out={out!r} was started with "
                                 f"(fields {', '.join(changed)}); use the same preset/--config/--set")
            self._recover()
        else:
            for path in (self.root, self.entry):
                if os.path.isfile(path) or path == self.root and os.path.isdir(path) and os.listdir(path):
                    raise ValueError(f"out={out!r}: {path} exists and was not written by fastfeat extract; "
                                     "remove it or choose another output")
            if self.format == "hdf5":
                _h5py()
            os.makedirs(self.root, exist_ok=True)
            _replace_atomically(meta_path, lambda p: _write_json(p, {"format": self.format, "config": config.to_dict()}))
        self.config = config
        self.records = _read_journal(self.root)
        self._journal = open(os.path.join(self.root, _JOURNAL), "ab")

    def _recover(self) -> None:
        """Drop what a killed run left half-done: a torn journal line, unjournaled parts, temporaries."""
        path = os.path.join(self.root, _JOURNAL)
        if os.path.exists(path):
            with open(path, "rb+") as f:
                data = f.read()
                f.truncate(data.rfind(b"\n") + 1)
        keep = {r["part"] for r in _read_journal(self.root)}
        for name in os.listdir(self.root):
            if name.startswith("part-") and name not in keep:
                os.remove(os.path.join(self.root, name))

    def commit(self, records: list[dict]) -> None:
        if records:
            self._journal.write(b"".join(json.dumps(r).encode("utf-8") + b"\n" for r in records))
            self._journal.flush()
            os.fsync(self._journal.fileno())
            self.records += records

    def finish(self, errors: list[tuple[str, str]]) -> str:
        """Write the entry file (sorted by id, as Kaldi wants) and errors.tsv; returns the errors path."""
        self._journal.close()
        self.records.sort(key=lambda r: r["id"].encode("utf-8"))
        getattr(self, f"_entry_{self.format}")()
        errors_path = os.path.join(self.root, _ERRORS)

        def write_errors(p: str) -> None:
            with open(p, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, delimiter="\t", lineterminator="\n")
                w.writerow(["path", "reason"])
                w.writerows(errors)
        _replace_atomically(errors_path, write_errors)
        return errors_path

    def _entry_npy(self) -> None:
        def write(p: str) -> None:
            with open(p, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["id", "part", "start", "stop", "seconds", "path", "label", "speaker"])
                for r in self.records:
                    w.writerow([r["id"], r["part"], *r["loc"], r["seconds"], r["path"], r.get("label", ""), r.get("speaker", "")])
        _replace_atomically(self.entry, write)

    def _entry_ark(self) -> None:
        def write(p: str) -> None:
            with open(p, "w", encoding="utf-8") as f:
                for r in self.records:
                    f.write(f"{r['id']} {os.path.abspath(os.path.join(self.root, r['part']))}:{r['loc']}\n")
        _replace_atomically(self.entry, write)

    def _entry_hdf5(self) -> None:
        h5py = _h5py()
        base = os.path.dirname(os.path.abspath(self.entry))

        def write(p: str) -> None:
            with h5py.File(p, "w") as f:
                _config_attrs(f.attrs, self.config)
                for r in self.records:
                    f[r["id"]] = h5py.ExternalLink(os.path.relpath(os.path.join(self.root, r["part"]), base), r["loc"])
        _replace_atomically(self.entry, write)


def _write_json(path: str, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)


# --------------------------------------------------------------------------
# running: local threads or dask
# --------------------------------------------------------------------------

@dataclass
class Summary:
    """What a run did.  ``line()`` is the summary the command prints.

    Decode, compute and write times are summed over workers (thread-seconds).

    Examples
    --------
    >>> from fastfeat.corpus import Summary
    >>> s = Summary("feats/", files=2, audio_seconds=3.0, wall_seconds=0.5)
    >>> s.realtime
    6.0
    """

    out: str
    files: int = 0
    failed: int = 0
    skipped: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    decode_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    errors_path: str = ""

    @property
    def realtime(self) -> float:
        """Seconds of audio per second of wall time."""
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def line(self) -> str:
        """The one-line summary ``fastfeat extract`` prints at the end.

        Examples
        --------
        >>> from fastfeat.corpus import Summary
        >>> Summary("feats/", files=2, audio_seconds=3.0, wall_seconds=0.5).line()[:52]
        '2 files, 0.001 h of audio in 0.50 s (4 files/s, 6x r'
        """
        text = (f"{self.files} files, {self.audio_seconds / 3600:.3f} h of audio in {self.wall_seconds:.2f} s "
                f"({self.files / max(self.wall_seconds, 1e-9):,.0f} files/s, {self.realtime:,.0f}x real time); "
                f"{self.failed} failed; decode {self.decode_seconds:.2f} s, compute {self.compute_seconds:.2f} s, "
                f"write {self.write_seconds:.2f} s (summed over workers)")
        if self.skipped:
            text += f"; {self.skipped} already done"
        if self.failed:
            text += f"; errors: {self.errors_path}"
        return text


class _Progress:
    """tqdm when installed (files/s and x real time), else a plain line every second."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._lock = threading.Lock()
        self._t0 = self._last = time.perf_counter()
        self._done, self._total, self._audio = 0, total, 0.0
        self._bar = None
        self._enabled = enabled and total > 0
        if self._enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, unit="file", dynamic_ncols=True, smoothing=0.05)

    def update(self, files: int, seconds: float) -> None:
        if not self._enabled:
            return
        with self._lock:
            self._done += files
            self._audio += seconds
            now = time.perf_counter()
            rt = self._audio / max(now - self._t0, 1e-9)
            if self._bar is not None:
                self._bar.update(files)
                if now - self._last > 0.5:
                    self._bar.set_postfix_str(f"{rt:,.0f}x real time", refresh=False)
                    self._last = now
            elif now - self._last > 1.0 or self._done == self._total:
                self._last = now
                rate = self._done / max(now - self._t0, 1e-9)
                print(f"\r{self._done}/{self._total} files, {rate:,.0f} files/s, {rt:,.0f}x real time",
                      end="\n" if self._done == self._total else "", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _plan(items: list[Utterance], root: str, fmt: str, config: Config, workers: int,
          block_frames: int) -> Iterator[_Task]:
    """Consecutive items grouped so that every worker gets several tasks.

    A generator: the first tasks start while later ones are still planned
    (one ``stat`` per file, for the size limit of a part).
    """
    per = max(1, min(FILES_PER_PART, -(-len(items) // (4 * workers))))
    token = uuid.uuid4().hex[:8]
    count = 0
    group: list[Utterance] = []
    size = 0
    for utt in items:
        try:
            size += os.stat(utt.path).st_size
        except OSError:
            pass
        group.append(utt)
        if len(group) >= per or size >= BYTES_PER_PART:
            yield _Task(root, fmt, config, f"part-{token}-{count:05d}", group, block_frames)
            count += 1
            group, size = [], 0
    if group:
        yield _Task(root, fmt, config, f"part-{token}-{count:05d}", group, block_frames)


def _local(tasks: Iterable[_Task], jobs: int, progress: _Progress) -> Iterator[_Result]:
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="fastfeat")
    try:
        # plan one task per worker before any starts, so that all start together
        # (a worker started alone slows the planning of the next task)
        first = list(itertools.islice(tasks, jobs))
        futures = [pool.submit(_run_task, t, progress.update, stop) for t in itertools.chain(first, tasks)]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        stop.set()  # on an interrupt: running tasks drop their part, queued ones do not start
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(dask: Any) -> tuple[Any, Callable[[], None]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("dask needs dask.distributed: pip install 'fastfeat[dask]'") from None
    if isinstance(dask, Client):
        return dask, lambda: None
    if not isinstance(dask, str):
        raise TypeError(f"dask must be 'local', 'local:N', a scheduler address or a distributed.Client, got {type(dask).__name__}")
    if dask == "local" or dask.startswith("local:"):
        n = dask.partition(":")[2]
        if n and (not n.isdigit() or int(n) < 1):
            raise ValueError(f"dask={dask!r}: N in 'local:N' must be an integer >= 1")
        cluster = LocalCluster(n_workers=int(n) if n else os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()
        return client, close
    try:
        client = Client(dask, timeout="20s")
    except OSError as exc:
        raise ValueError(f"dask={dask!r}: cannot connect to the scheduler ({exc})") from None
    return client, client.close


def _distributed(tasks: Iterable[_Task], client: Any, progress: _Progress) -> Iterator[_Result]:
    from dask.distributed import as_completed as dask_completed

    futures = {client.submit(_run_task, t, pure=False): t for t in tasks}
    try:
        for fut in dask_completed(list(futures)):
            try:
                res = fut.result()
            except Exception as exc:  # the worker died or the task could not run: its files failed
                res = _Result(errors=[(u.path, f"worker error: {_one_line(exc)}") for u in futures[fut].items],
                              files=len(futures[fut].items))
            progress.update(res.files, res.seconds)
            yield res
    finally:
        client.cancel(list(futures))


def extract(inputs: Iterable[str | os.PathLike | Utterance], out: str | os.PathLike, *,
            config: Config | None = None, format: str | None = None, jobs: int | None = None,
            resume: bool = False, dask: Any = None, progress: bool = False,
            block_frames: int = BLOCK_FRAMES) -> Summary:
    """Extract features of many audio files into ``out``; what ``fastfeat extract`` runs.

    Parameters
    ----------
    inputs : iterable of str, os.PathLike or Utterance
        Files, directories, globs, CSV/TSV manifests (``collect_inputs``) or
        ready-made ``Utterance`` objects.
    out : str or os.PathLike
        ``NAME.h5``/``NAME.hdf5`` (HDF5), ``NAME.scp``/``NAME.ark`` (Kaldi),
        or a directory (``format``, default npy).  Parts, journal and
        ``errors.tsv`` go in the directory, or next to a file output in
        ``OUT.d/`` (``NAME.scp.d/`` for ``NAME.ark``).  docs/corpus.md shows
        the layouts.
    config : Config, optional
        ``Config()`` by default.  Files at another rate are resampled to
        ``config.sample_rate`` (``fastfeat.io.resample``); channels are averaged.
    format : {"npy", "hdf5", "ark"}, optional
        Needed only for a directory output (npy when omitted).
    jobs : int, optional
        Worker threads (all cores by default); ignored with ``dask``.
    resume : bool, default False
        Continue an interrupted (or finished) job in ``out``: the utterances
        already written are skipped, all others are done.  Without it an
        existing output is an error.
    dask : str or distributed.Client, optional
        ``"local"``/``"local:N"`` (a LocalCluster of N worker processes),
        a scheduler address (``"tcp://host:8786"``) or a Client.  Workers
        need the same filesystem.
    progress : bool, default False
        Show a progress bar (tqdm if installed) on stderr.
    block_frames : int, default 2**20
        Files with more frames are read and extracted in blocks this long.

    Returns
    -------
    Summary
        Counts, hours of audio, times; ``errors`` lists (path, reason) of the
        files that failed (also in ``summary.errors_path``).

    Raises
    ------
    ValueError, TypeError
        Bad arguments or inputs, an existing output without ``resume``, or
        ``resume`` with another config -- all before any file is read.
        Unreadable files never raise; they are listed in ``errors``.

    Examples
    --------
    >>> import os, tempfile
    >>> from fastfeat.corpus import extract, read_features
    >>> from fastfeat.io import sample_files
    >>> out = os.path.join(tempfile.mkdtemp(), "feats")
    >>> summary = extract(sample_files(), out, jobs=2)
    >>> (summary.files, summary.failed)
    (6, 0)
    >>> feats = dict(read_features(out))  # id -> (n_frames, 13) float32
    >>> (sorted(feats)[:2], feats["down"].shape[1])
    (['down', 'left'], 13)
    """
    config = Config() if config is None else config
    if not isinstance(config, Config):
        raise TypeError(f"config must be a fastfeat.Config, got {type(config).__name__}")
    if jobs is None:
        jobs = os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs={jobs!r} is not valid; jobs must be an integer >= 1 or None")
    if isinstance(block_frames, bool) or not isinstance(block_frames, int) or block_frames < 1:
        raise ValueError(f"block_frames={block_frames!r} is not valid; block_frames must be an integer >= 1")
    given = list(inputs)
    items = [u for u in given if isinstance(u, Utterance)]
    items += collect_inputs(u for u in given if not isinstance(u, Utterance))
    client, close_client = _dask_client(dask) if dask is not None else (None, lambda: None)
    try:
        store = _Store(os.fspath(out), format, config, resume)
        t0 = time.perf_counter()
        summary = Summary(out=store.entry)
        done = {r["id"] for r in store.records}
        seen: set[str] = set()
        todo = []
        for utt in items:
            if utt.id in seen:
                summary.errors.append((utt.path, f"duplicate id {utt.id!r}: an earlier input has the same id"))
            elif problem := _PARTS[store.format].id_problem(utt.id):
                summary.errors.append((utt.path, problem))
            elif utt.id in done:
                summary.skipped += 1
            else:
                todo.append(utt)
            seen.add(utt.id)
        workers = len(client.scheduler_info()["workers"]) if client is not None else jobs
        tasks = _plan(todo, store.root, store.format, config, max(workers, 1), block_frames)
        bar = _Progress(len(todo), progress)
        try:
            results = _distributed(tasks, client, bar) if client is not None else _local(tasks, jobs, bar)
            with contextlib.closing(results):
                for res in results:
                    store.commit(res.records)
                    summary.files += len(res.records)
                    summary.errors += res.errors
                    summary.audio_seconds += res.seconds
                    summary.decode_seconds += res.decode
                    summary.compute_seconds += res.compute
                    summary.write_seconds += res.write
        finally:
            bar.close()
            summary.failed = len(summary.errors)
            summary.errors_path = store.finish(summary.errors)
            summary.wall_seconds = time.perf_counter() - t0
    finally:
        close_client()
    return summary


# --------------------------------------------------------------------------
# reading back
# --------------------------------------------------------------------------

def _read_ark_matrix(f: Any, offset: int) -> np.ndarray:
    f.seek(offset)
    head = f.read(15)
    if head[:6] != b"\0BFM \x04" or head[10:11] != b"\x04":
        raise ValueError(f"{f.name}: no binary float matrix at offset {offset}")
    rows, cols = struct.unpack("<i", head[6:10])[0], struct.unpack("<i", head[11:15])[0]
    return np.fromfile(f, dtype="<f4", count=rows * cols).reshape(rows, cols)


def read_features(out: str | os.PathLike, *, meta: bool = False) -> Iterator[tuple]:
    """Iterate the utterances of an ``extract`` output, in any format.

    Reads the journal, so it also works on the output of a run that was
    killed (it then gives every utterance completed so far).

    Parameters
    ----------
    out : str or os.PathLike
        What was passed as ``out`` to ``extract`` (``fastfeat extract -o``).
    meta : bool, default False
        Also yield a dict with ``path``, ``seconds`` and, when the manifest
        had them, ``label`` and ``speaker``.

    Yields
    ------
    (id, features) or (id, features, meta)
        ``features`` is a float32 (n_frames, n_features) array.

    Raises
    ------
    ValueError
        ``out`` is not an extract output.

    Examples
    --------
    >>> import os, tempfile
    >>> from fastfeat.corpus import extract, read_features
    >>> from fastfeat.io import sample_files
    >>> out = os.path.join(tempfile.mkdtemp(), "feats.h5")
    >>> _ = extract(sample_files()[:2], out, jobs=1)
    >>> [(uid, f.shape[1], m["seconds"] > 0) for uid, f, m in read_features(out, meta=True)]
    [('down', 13, True), ('left', 13, True)]
    """
    out = os.fspath(out)
    root, _, fmt = _layout(out, None)
    if fmt is None or not os.path.isfile(os.path.join(root, _META)):
        raise ValueError(f"out={out!r} is not a fastfeat extract output (no {_META} in {root})")
    opened: dict[str, Any] = {}
    try:
        for r in _read_journal(root):
            path = os.path.join(root, r["part"])
            if r["part"] not in opened:
                for f in opened.values():
                    if hasattr(f, "close"):
                        f.close()
                opened = {r["part"]: np.load(path, mmap_mode="r") if fmt == "npy"
                          else _h5py().File(path, "r") if fmt == "hdf5" else open(path, "rb")}
            src = opened[r["part"]]
            if fmt == "npy":
                feats = np.array(src[r["loc"][0]:r["loc"][1]])
            elif fmt == "hdf5":
                feats = src[r["loc"]][()]
            else:
                feats = _read_ark_matrix(src, r["loc"])
            if meta:
                yield r["id"], feats, {k: r[k] for k in ("path", "seconds", "label", "speaker") if k in r}
            else:
                yield r["id"], feats
    finally:
        for f in opened.values():
            if hasattr(f, "close"):
                f.close()
