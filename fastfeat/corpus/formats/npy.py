"""npy output: a directory of float32 .npy matrices, one per part, and ``index.csv``."""

from __future__ import annotations

import csv
import struct
from typing import Any

import numpy as np

from ...config import Config
from ..inputs import Utterance
from . import register
from .base import Part, half

_NPY_HEADER = 128  # bytes reserved for an .npy header (the shape is written at the end)
#: the columns of index.csv
INDEX_COLUMNS = ["id", "part", "start", "stop", "seconds", "path", "label", "speaker"]


@register
class NpyPart(Part):
    """One float32 (float16 when compressed) (rows, n_features) .npy matrix; an utterance is a row range."""

    format = "npy"
    entry = "index.csv"
    suffix = ".npy"
    refused_suffixes = (".npy", ".npz")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = open(self.tmp, "wb")
        self._f.write(bytes(_NPY_HEADER))
        self._total = 0
        self._store = half if self.compress else np.asarray

    @classmethod
    def write_entry(cls, path: str, root: str, records: list[dict], config: Config) -> None:
        # surrogateescape: a path that is not UTF-8 is written as its own bytes
        with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(INDEX_COLUMNS)
            for r in records:
                w.writerow([r["id"], r["part"], *r["loc"], r["seconds"], r["path"], r.get("label", ""), r.get("speaker", "")])

    @classmethod
    def open_for_reading(cls, path: str) -> Any:
        return np.load(path, mmap_mode="r")

    @classmethod
    def read(cls, src: Any, loc: Any) -> np.ndarray:
        return np.array(src[loc[0]:loc[1]])

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._start, self.rows = self._total, 0

    def add_many(self, utts: list[Utterance], feats: np.ndarray, rows: list[int]) -> list[Any]:
        if self.compress:  # an utterance out of float16 range fails alone
            return super().add_many(utts, feats, rows)
        self._f.write(memoryview(feats).cast("B"))  # one write for the whole batch
        locs = []
        for n in rows:
            locs.append([self._total, self._total + n])
            self._total += n
        self.count += len(rows)
        return locs

    def append(self, rows: np.ndarray) -> None:
        self._f.write(memoryview(self._store(rows)).cast("B"))
        self.rows += rows.shape[0]
        self._total += rows.shape[0]

    def end(self) -> Any:
        self.count += 1
        return [self._start, self._total]

    def discard(self) -> None:
        self._total = self._start
        self._f.seek(_NPY_HEADER + (2 if self.compress else 4) * self.n_features * self._total)
        self._f.truncate()

    def _close(self) -> None:
        if self._f.closed:
            return
        text = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (
            "<f2" if self.compress else "<f4", self._total, self.n_features)
        self._f.seek(0)
        self._f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", _NPY_HEADER - 10)
                      + text.ljust(_NPY_HEADER - 11).encode("latin1") + b"\n")
        self._f.close()
