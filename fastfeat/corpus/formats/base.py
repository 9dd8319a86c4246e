"""What every output format implements: a ``Part`` (one file of a task's
utterances, written under a temporary name and renamed when whole), its entry
file and how to read an utterance back."""

from __future__ import annotations

import errno
import os
from typing import Any, Callable

import numpy as np

from ...config import Config
from ..inputs import Utterance

__all__ = ["Part", "fsync_path", "replace_atomically", "is_disk_full", "half"]

#: errno values that mean the output's disk is full (a fatal error, not a bad input file)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def is_disk_full(exc: BaseException) -> bool:
    """True for a write that failed because the disk (or quota) is full; h5py gives no errno, only text."""
    return isinstance(exc, OSError) and (exc.errno in DISK_FULL or "No space left on device" in str(exc))


_HALF_MAX = float(np.finfo(np.float16).max)


def half(feats: np.ndarray) -> np.ndarray:
    """``feats`` as float16 (what ``compress=True`` stores in npy and HDF5), refusing overflow."""
    peak = float(np.abs(feats).max()) if feats.size else 0.0
    if peak > _HALF_MAX:
        raise ValueError(f"a feature value of magnitude {peak:.4g} exceeds the float16 range (65504) of "
                         "compress=True (--compress); use a log config or store float32")
    return feats.astype(np.float16)


def fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(path: str, write: Callable[[str], None]) -> None:
    """``write(tmp)``, fsync, rename to ``path``: a reader sees the old file or the whole new one."""
    tmp = path + ".tmp"
    write(tmp)
    fsync_path(tmp)
    os.replace(tmp, path)


class Part:
    """A part being written: utterances added whole (``add``) or row block by block.

    A format subclasses it, sets the class attributes and registers itself
    with ``fastfeat.corpus.formats.register``.
    """

    #: the format's name (``format=``, ``--format``)
    format = ""
    #: the entry file of a directory output
    entry = ""
    #: output names ending in one of these imply this format (lower case)
    out_suffixes: tuple[str, ...] = ()
    #: file name ending of a part
    suffix = ""
    #: output names that look like a single file of this format, which it does not write
    refused_suffixes: tuple[str, ...] = ()

    @staticmethod
    def id_problem(utt_id: str) -> str | None:
        """Why this format cannot store an utterance of this id (None: it can)."""
        return None

    @classmethod
    def entry_for(cls, out: str) -> str:
        """The entry file of an output named ``out`` (one of ``out_suffixes``)."""
        return out

    @classmethod
    def check_available(cls) -> None:
        """Raise ValueError if a library the format needs is missing."""

    @classmethod
    def write_entry(cls, path: str, root: str, records: list[dict], config: Config) -> None:
        """Write the entry file at ``path`` (a temporary name) from the journal records, sorted by id."""
        raise NotImplementedError

    @classmethod
    def write_companions(cls, entry: str, root: str, records: list[dict]) -> None:
        """Files written next to the entry file at the end of a run (none here; Kaldi: cmvn.scp ...)."""

    @classmethod
    def open_for_reading(cls, path: str) -> Any:
        """An open part (with ``close()`` if it needs closing)."""
        raise NotImplementedError

    @classmethod
    def read(cls, src: Any, loc: Any) -> np.ndarray:
        """The matrix at ``loc`` in an open part (float16 if it was stored so)."""
        raise NotImplementedError

    @classmethod
    def create(cls, root: str, name: str, config: Config, n_features: int, compress: bool = False) -> "Part":
        """A new part; ``compress`` asks for the format's lossy, smaller storage (float16 here)."""
        return cls(root, name, config, n_features, compress)

    def __init__(self, root: str, name: str, config: Config, n_features: int, compress: bool = False) -> None:
        self.name = name + self.suffix
        self.path = os.path.join(root, self.name)
        self.tmp = self.path + ".tmp"
        self.config, self.n_features, self.compress = config, n_features, compress
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
                if is_disk_full(exc):
                    raise
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
        fsync_path(self.tmp)
        os.replace(self.tmp, self.path)
        return True

    def abort(self) -> None:
        self._close()
        os.remove(self.tmp)
