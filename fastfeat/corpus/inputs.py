"""Inputs of a corpus job: files, directories, globs and manifests to ``Utterance`` lists."""

from __future__ import annotations

import csv
import glob
import os
from dataclasses import dataclass
from typing import Iterable

__all__ = ["Utterance", "AUDIO_EXTENSIONS", "collect_inputs"]

#: File name endings that directory and glob inputs pick up (case-insensitive).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au", ".w64", ".caf")


@dataclass(frozen=True)
class Utterance:
    """One input file and its id (and the manifest's optional label and speaker).

    From a Kaldi data directory, ``start``/``end`` (seconds; ``end`` None =
    to the end) cut the utterance from its recording (``segments``, whose
    optional ``channel`` picks one channel), and ``pipe`` means ``path`` is
    a shell command writing the audio to stdout.
    """

    id: str
    path: str
    label: str | None = None
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    pipe: bool = False
    channel: int | None = None

    @property
    def whole_file(self) -> bool:
        """A plain file read whole (not a segment, not a pipe)."""
        return self.start is None and not self.pipe


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


def collect_inputs(inputs: Iterable[str | os.PathLike], *, allow_pipes: bool = False) -> list[Utterance]:
    """The utterances named by files, directories, globs and manifests.

    Parameters
    ----------
    inputs : iterable of str or os.PathLike
        Each one is a Kaldi data directory (one with a ``wav.scp``:
        ``fastfeat.corpus.kaldi_dir.read_data_dir``), a directory (searched
        recursively for names ending in ``AUDIO_EXTENSIONS``; a directory
        with such a name is listed too, so that it is reported as a failure
        rather than silently skipped), a glob
        pattern (``data/**/*.flac``), a CSV/TSV manifest (``.csv``/``.tsv``
        with a ``path`` column, relative to the manifest, and optional ``id``,
        ``label``, ``speaker``), or an audio file.
    allow_pipes : bool, default False
        Run the shell commands of ``wav.scp`` pipe entries (``cmd |``);
        without it such an entry is an error.

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
        manifest without a ``path`` column, a pipe without ``allow_pipes``
        (the message names it).

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
        elif os.path.isdir(text) and os.path.isfile(os.path.join(text, "wav.scp")):
            from .kaldi_dir import read_data_dir

            items += read_data_dir(text, allow_pipes=allow_pipes)
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
