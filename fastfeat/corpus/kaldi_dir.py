"""Kaldi data directories: ``wav.scp`` / ``segments`` / ``utt2spk`` in, and the
files a Kaldi or ESPnet recipe reads next to ``feats.scp`` out (``cmvn.scp``,
``utt2spk``, ``spk2utt``).  docs/corpus.md describes the rules.
"""

from __future__ import annotations

import io
import os
import subprocess
from typing import Callable, Iterable

import numpy as np

from ..io import AudioReader, open_audio
from .formats.base import replace_atomically
from .inputs import Utterance
from .kaldi_matrix import double_matrix

__all__ = ["is_data_dir", "read_data_dir", "open_recording", "cmvn_stats", "write_recipe_files"]


def is_data_dir(path: str) -> bool:
    """True if ``path`` is a directory holding a ``wav.scp``."""
    return os.path.isfile(os.path.join(path, "wav.scp"))


def _table(path: str, fields: int, what: str) -> list[list[str]]:
    """The lines of a Kaldi table file split into ``fields`` fields (the last one takes the rest)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split(None, fields - 1)
            if len(parts) < fields:
                raise ValueError(f"{path}:{n}: expected {what}, got {line.strip()!r}")
            rows.append([p.strip() for p in parts])
    return rows


def read_data_dir(path: str, *, allow_pipes: bool = False) -> list[Utterance]:
    """The utterances of a Kaldi data directory.

    ``wav.scp`` gives ``<recording> <path>`` or ``<recording> <command> |``
    (a shell command that writes the audio to stdout; only with
    ``allow_pipes``).  With ``segments`` (``<utt> <recording> <start>
    <end> [<channel>]``, seconds, end -1 = to the end) each line is an
    utterance cut from its recording, else each recording is one.
    ``utt2spk`` sets speakers.  Utterances come grouped by recording (in
    ``wav.scp`` order), so that each recording is decoded once.  Relative paths are relative to the
    current directory, as in Kaldi.

    Raises
    ------
    ValueError
        A malformed line, a segment of an unknown recording, or a pipe entry
        without ``allow_pipes`` (named with its line).

    Examples
    --------
    >>> import os, tempfile
    >>> from fastfeat.corpus.kaldi_dir import read_data_dir
    >>> from fastfeat.io import sample_files
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "wav.scp"), "w") as f:
    ...     _ = f.write(f"rec1 {sample_files()[0]}\\n")
    >>> with open(os.path.join(d, "segments"), "w") as f:
    ...     _ = f.write("rec1-a rec1 0.00 0.40\\nrec1-b rec1 0.40 -1\\n")
    >>> [(u.id, u.start, u.end) for u in read_data_dir(d)]
    [('rec1-a', 0.0, 0.4), ('rec1-b', 0.4, None)]
    """
    wav_scp = os.path.join(path, "wav.scp")
    recordings: dict[str, tuple[str, bool]] = {}
    for rec, rest in _table(wav_scp, 2, "<recording> <path or command |>"):
        pipe = rest.endswith("|")
        if pipe and not allow_pipes:
            raise ValueError(f"{wav_scp}: recording {rec!r} is a pipe ({rest!r}), which runs a shell command; "
                             "pass allow_pipes=True (--allow-pipes) to run it")
        recordings[rec] = (rest[:-1].strip() if pipe else rest, pipe)
    speakers = {}
    if os.path.isfile(os.path.join(path, "utt2spk")):
        speakers = dict(_table(os.path.join(path, "utt2spk"), 2, "<utterance> <speaker>"))
    segments_path = os.path.join(path, "segments")
    if not os.path.isfile(segments_path):
        return [Utterance(rec, src, speaker=speakers.get(rec), pipe=pipe) for rec, (src, pipe) in recordings.items()]
    order = {rec: k for k, rec in enumerate(recordings)}
    cut = []
    for n, row in enumerate(_table(segments_path, 4, "<utterance> <recording> <start> <end>"), 1):
        utt, rec, start, end, *more = row[:3] + row[3].split()
        if len(more) > 1 or more and not more[0].isdigit():
            raise ValueError(f"{segments_path}:{n}: expected <utterance> <recording> <start> <end> [<channel>], "
                             f"got {' '.join(row)!r}")
        if rec not in recordings:
            raise ValueError(f"{segments_path}:{n}: recording {rec!r} is not in {wav_scp}")
        try:
            t0, t1 = float(start), float(end)
        except ValueError:
            raise ValueError(f"{segments_path}:{n}: start and end must be seconds, got {start!r} {end!r}") from None
        if t0 < 0 or (t1 != -1 and t1 <= t0):
            raise ValueError(f"{segments_path}:{n}: segment {t0}-{t1} s is empty or negative (end -1 means the end)")
        src, pipe = recordings[rec]
        cut.append((order[rec], t0, Utterance(utt, src, speaker=speakers.get(utt), start=t0,
                                              end=None if t1 == -1 else t1, pipe=pipe,
                                              channel=int(more[0]) if more else None)))
    return [u for _, _, u in sorted(cut, key=lambda c: c[:2])]


def open_recording(utt: Utterance) -> AudioReader:
    """An AudioReader of ``utt``'s recording: the file, or what its pipe command writes to stdout."""
    if not utt.pipe:
        return open_audio(utt.path)
    from ..io import _SoundFileReader

    res = subprocess.run(utt.path, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        tail = res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ValueError(f"pipe {utt.path!r} exited with status {res.returncode}: {tail[0]}")
    try:
        reader = _SoundFileReader(io.BytesIO(res.stdout))  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"pipe {utt.path!r} did not write audio ({len(res.stdout)} bytes): "
                         f"{str(exc).rsplit(': ', 1)[-1]}") from None
    reader.path = utt.path  # for its error messages
    return reader


def cmvn_stats(matrices: Iterable[np.ndarray]) -> np.ndarray:
    """Kaldi's ``compute-cmvn-stats`` of the frames of ``matrices``, in order.

    A (2, dim + 1) float64 matrix: row 0 holds the sums of each feature and
    the frame count, row 1 the sums of squares and 0.  As in Kaldi's
    ``AccCmvnStats``, each frame's value and square are float32 and are added
    to float64 sums one frame after the other.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_dir import cmvn_stats
    >>> cmvn_stats([np.array([[1, 2], [3, 4]], np.float32), np.array([[5, 6]], np.float32)]).tolist()
    [[9.0, 12.0, 3.0], [35.0, 56.0, 0.0]]
    """
    acc: np.ndarray | None = None
    for m in matrices:
        m = np.asarray(m, dtype=np.float32)
        # one row per frame: [x, 1] and [x * x (in float32), 0]; cumsum adds them in order
        frames = np.concatenate([np.stack([m, m * m], axis=1).astype(np.float64),
                                 np.tile(np.array([[1.0], [0.0]]), (m.shape[0], 1, 1))], axis=2)
        if acc is not None:
            frames = np.concatenate([acc[None], frames])
        acc = np.cumsum(frames, axis=0)[-1] if frames.shape[0] else acc
    if acc is None:
        raise ValueError("cmvn_stats needs at least one matrix")
    return acc


def write_recipe_files(entry: str, root: str, records: list[dict], read: Callable[[dict], np.ndarray]) -> None:
    """``cmvn.scp`` (+ ``ROOT/cmvn.ark``), ``utt2spk`` and ``spk2utt`` for the utterances of ``feats.scp``.

    ``records`` are sorted by id; an utterance without a speaker is its own
    speaker (Kaldi's convention).  Per speaker, the statistics run over its
    utterances in that order (what ``spk2utt`` lists), read back from the
    archive as Kaldi would.  ``utt2spk`` and ``spk2utt`` are not written
    into a folder that holds a ``wav.scp`` (a data directory keeps its own).
    """
    folder = os.path.dirname(os.path.abspath(entry))
    spk2utt: dict[str, list[dict]] = {}
    for r in records:
        spk2utt.setdefault(r.get("speaker") or r["id"], []).append(r)
    ark = os.path.join(root, "cmvn.ark")
    offsets = {}

    def write_ark(p: str) -> None:
        with open(p, "wb") as f:
            for spk in sorted(spk2utt, key=lambda s: s.encode("utf-8")):
                f.write(spk.encode("utf-8") + b" ")
                offsets[spk] = f.tell()
                f.write(double_matrix(cmvn_stats(read(r) for r in spk2utt[spk])))
    replace_atomically(ark, write_ark)
    lines: dict[str, str] = {
        "cmvn.scp": "".join(f"{spk} {os.path.abspath(ark)}:{off}\n" for spk, off in offsets.items())}
    if not is_data_dir(folder):
        lines["utt2spk"] = "".join(f"{r['id']} {r.get('speaker') or r['id']}\n" for r in records)
        lines["spk2utt"] = "".join(f"{spk} {' '.join(r['id'] for r in rs)}\n"
                                   for spk, rs in sorted(spk2utt.items(), key=lambda kv: kv[0].encode("utf-8")))
    for name, text in lines.items():
        def write(p: str, text: str = text) -> None:
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
        replace_atomically(os.path.join(folder, name), write)
