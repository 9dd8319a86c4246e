"""Kaldi output: binary archives (``.ark``, one per part) and ``feats.scp``."""

from __future__ import annotations

import os
import struct
from typing import Any

import numpy as np

from ...config import Config
from ..inputs import Utterance
from ..kaldi_dir import write_recipe_files
from ..kaldi_matrix import compress as compress_matrix
from ..kaldi_matrix import read_matrix
from . import register
from .base import Part


def read_ark_matrix(f: Any, offset: int) -> np.ndarray:
    """The binary matrix (FM, DM, CM or CM2) at byte ``offset`` of an open archive."""
    f.seek(offset)
    return read_matrix(f)


@register
class ArkPart(Part):
    """A Kaldi binary archive: ``id "\\0B" "FM " <int32 rows> <int32 cols> float32 data`` per utterance."""

    format = "ark"
    entry = "feats.scp"
    out_suffixes = (".ark", ".scp")
    suffix = ".ark"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = open(self.tmp, "wb")

    @staticmethod
    def id_problem(utt_id: str) -> str | None:
        if not utt_id or any(c.isspace() for c in utt_id):
            return f"id {utt_id!r} is empty or contains whitespace, which a Kaldi archive key cannot"
        return None

    @classmethod
    def create(cls, root: str, name: str, config: Config, n_features: int, compress: bool = False) -> Part:
        """A new part; ``compress`` gives Kaldi compressed matrices (``CompressedArkPart``)."""
        return (CompressedArkPart if compress else cls)(root, name, config, n_features, compress)

    @classmethod
    def entry_for(cls, out: str) -> str:
        return out[:-4] + ".scp" if out.lower().endswith(".ark") else out

    @classmethod
    def write_entry(cls, path: str, root: str, records: list[dict], config: Config) -> None:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            for r in records:
                f.write(f"{r['id']} {os.path.abspath(os.path.join(root, r['part']))}:{r['loc']}\n")

    @classmethod
    def write_companions(cls, entry: str, root: str, records: list[dict]) -> None:
        """With speakers (utt2spk, a manifest's speaker column): cmvn.scp, utt2spk, spk2utt."""
        if not any("speaker" in r for r in records):
            return
        opened: dict[str, Any] = {}

        def read(r: dict) -> np.ndarray:
            if r["part"] not in opened:
                opened[r["part"]] = open(os.path.join(root, r["part"]), "rb")
            return read_ark_matrix(opened[r["part"]], r["loc"])
        try:
            write_recipe_files(entry, root, records, read)
        finally:
            for f in opened.values():
                f.close()

    @classmethod
    def open_for_reading(cls, path: str) -> Any:
        return open(path, "rb")

    @classmethod
    def read(cls, src: Any, loc: Any) -> np.ndarray:
        return read_ark_matrix(src, loc)

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


class CompressedArkPart(ArkPart):
    """A Kaldi archive of compressed matrices (``CM``/``CM2``, as ``copy-feats --compress=true``).

    The percentiles need the whole matrix, so an utterance's rows are held
    in memory until its end.
    """

    add_many = Part.add_many  # each utterance compressed on its own

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._key, self._blocks, self.rows = utt.id.encode("utf-8") + b" ", [], 0

    def append(self, rows: np.ndarray) -> None:
        self._blocks.append(rows)
        self.rows += rows.shape[0]

    def end(self) -> Any:
        data = compress_matrix(np.concatenate(self._blocks))
        loc = self._f.tell() + len(self._key)
        self._f.write(self._key + data)
        self._blocks = []
        self.count += 1
        return loc

    def discard(self) -> None:
        self._blocks = []
