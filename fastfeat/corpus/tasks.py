"""One task: a list of files extracted into one part; and the plan that cuts a job into tasks.

With the C engine, a worker hands its files to ``Engine.extract_wav_files``
``BATCH_FILES`` at a time: one GIL-free call reads, decodes (``csrc/wav.c``)
and extracts every plain mono WAV at the config's rate, so threads scale with
cores.  The files it leaves (other formats, rates, channel counts, long files,
bad files) go one by one through ``open_audio``.  Long files are read in
blocks and go through ``fastfeat.Stream`` (bit-identical to ``Extractor``);
their rows are appended to the part as they come, so memory is bounded by the
block, not by the file.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from ..config import Config
from ..features import Extractor
from ..io import AudioReader, Resampler, downmix, open_audio, resample
from ..stream import Stream
from .formats import PARTS, Part
from .formats.base import is_disk_full
from .inputs import Utterance
from .kaldi_dir import open_recording

BLOCK_FRAMES = 1 << 20  # files longer than this (frames) are streamed in blocks of it
FILES_PER_PART = 256
BATCH_FILES = 32  # files per GIL-free read + decode + extract call of the C engine
BYTES_PER_PART = 256 << 20


@dataclass
class Task:
    root: str
    format: str
    config: Config
    part: str
    items: list[Utterance]
    block_frames: int = BLOCK_FRAMES
    compress: bool = False


@dataclass
class Result:
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


def _whole(reader: AudioReader, utt: Utterance, part: Part, ext: Extractor, res: Result) -> Any:
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


def _blocks(reader: AudioReader, utt: Utterance, part: Part, task: Task, res: Result) -> Any:
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


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {text}"


def _general(utt: Utterance, part: Part, task: Task, ext: Extractor, res: Result) -> tuple[Any, float]:
    """One file through open_audio (any format, rate, length): its location in the part and seconds."""
    with open_audio(utt.path) as reader:
        seconds = reader.frames / reader.sample_rate
        if reader.frames * reader.channels > task.block_frames and task.config.causal:
            return _blocks(reader, utt, part, task, res), seconds
        return _whole(reader, utt, part, ext, res), seconds


MAX_OVERSHOOT = 0.5  # seconds a segment may end after its recording (clipped), as Kaldi's extract-segments


def _recording(utts: list[Utterance], part: Part, ext: Extractor, res: Result) -> None:
    """The utterances of one recording (segments of it, or a pipe): decoded once, each cut and extracted.

    As Kaldi's ``extract-segments``, at the config's rate: samples
    ``[int(start * rate), int(end * rate))``; an end up to ``MAX_OVERSHOOT``
    after the recording is clipped, further is an error; ``channel`` picks
    one channel (else channels are averaged).
    """
    rate = ext.config.sample_rate
    t0 = time.perf_counter()
    try:
        with open_recording(utts[0]) as reader:
            block, orig = reader.read(), reader.sample_rate
    except Exception as exc:
        for utt in utts:
            _done(res, utt, part, exc, 0.0)
        return
    signals: dict[int | None, np.ndarray] = {}
    res.decode += time.perf_counter() - t0
    for utt in utts:
        try:
            if utt.channel not in signals:
                if utt.channel is not None and utt.channel >= block.shape[1]:
                    raise ValueError(f"segment channel {utt.channel} but {utt.path} has {block.shape[1]} channel(s)")
                t1 = time.perf_counter()
                y = downmix(block) if utt.channel is None else np.ascontiguousarray(block[:, utt.channel])
                signals[utt.channel] = resample(y, orig, rate) if orig != rate else y
                res.decode += time.perf_counter() - t1
            y = signals[utt.channel]
            n = y.shape[0]
            a = 0 if utt.start is None else int(utt.start * rate)
            b = n if utt.end is None else int(utt.end * rate)
            if a >= n:
                raise ValueError(f"segment {utt.start}-{utt.end} s of {utt.path} starts after the "
                                 f"end of the recording ({n / rate:.3f} s)")
            if b >= n + int(MAX_OVERSHOOT * rate):
                raise ValueError(f"segment {utt.start}-{utt.end} s of {utt.path} ends {MAX_OVERSHOOT} s or more "
                                 f"after the end of the recording ({n / rate:.3f} s)")
            b = min(b, n)
            if ext.n_frames(b - a) <= 0:
                raise _too_short(b - a, ext.config)
            t1 = time.perf_counter()
            feats = ext(y[a:b])
            t2 = time.perf_counter()
            loc, seconds = part.add(utt, feats), (b - a) / rate
            res.compute += t2 - t1
            res.write += time.perf_counter() - t2
        except Exception as exc:  # one bad segment is reported, the others go on
            if is_disk_full(exc):  # but a full disk is the output's problem: stop
                raise
            loc, seconds = exc, 0.0
        _done(res, utt, part, loc, seconds)


def _done(res: Result, utt: Utterance, part: Part, loc: Any, seconds: float) -> None:
    """Record an utterance written at ``loc`` (or, when ``loc`` is an exception, failed)."""
    if isinstance(loc, Exception):
        res.errors.append((utt.path, one_line(loc)))
        return
    rec = {"id": utt.id, "part": part.name, "loc": loc, "seconds": seconds, "path": utt.path}
    if utt.label is not None:
        rec["label"] = utt.label
    if utt.speaker is not None:
        rec["speaker"] = utt.speaker
    if utt.start is not None:
        rec["start"], rec["end"] = utt.start, utt.end
    res.records.append(rec)
    res.seconds += seconds


def run_task(task: Task, progress: Callable[[int, float], None] | None = None,
              stop: threading.Event | None = None) -> Result:
    """Extract the task's files into one part; bad files become errors, never exceptions.

    With the C engine, files go in batches of ``BATCH_FILES`` through one
    GIL-free call that reads, decodes and extracts every plain mono WAV at the
    config's rate (``Engine.extract_wav_files``); the files it leaves, and all
    files with another backend, go one by one through ``open_audio``.
    Segments and pipes (Kaldi data directories) go by recording, each
    decoded once (``_recording``).
    """
    res = Result()
    ext = _extractor(task.config)
    fast = getattr(ext._engine, "extract_wav_files", None)
    rate = task.config.sample_rate
    part = PARTS[task.format].create(task.root, task.part, task.config, ext.n_features, task.compress)
    whole = [u for u in task.items if u.whole_file]
    recordings = [list(g) for _, g in itertools.groupby((u for u in task.items if not u.whole_file),
                                                         key=lambda u: (u.path, u.pipe))]
    try:
        for utts in recordings:
            if stop is not None and stop.is_set():
                break
            res.files += len(utts)
            before = res.seconds
            _recording(utts, part, ext, res)
            if progress is not None:
                progress(len(utts), res.seconds - before)
        for start in range(0, len(whole), BATCH_FILES):
            if stop is not None and stop.is_set():
                break
            batch = whole[start:start + BATCH_FILES]
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
                    if is_disk_full(exc):  # but a full disk is the output's problem: stop
                        raise
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


def plan(items: list[Utterance], root: str, fmt: str, config: Config, workers: int,
          block_frames: int, compress: bool = False) -> Iterator[Task]:
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
        same = bool(group) and not utt.whole_file and (utt.path, utt.pipe) == (group[-1].path, group[-1].pipe)
        if group and not same and (len(group) >= per or size >= BYTES_PER_PART):
            # full: cut here, but never between two segments of one recording
            yield Task(root, fmt, config, f"part-{token}-{count:05d}", group, block_frames, compress)
            count += 1
            group, size = [], 0
        if not same and not utt.pipe:
            try:
                size += os.stat(utt.path).st_size
            except OSError:
                pass
        group.append(utt)
    if group:
        yield Task(root, fmt, config, f"part-{token}-{count:05d}", group, block_frames, compress)
