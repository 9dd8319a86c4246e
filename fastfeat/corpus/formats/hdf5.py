"""HDF5 output: one HDF5 file per part and an entry file of external links."""

from __future__ import annotations

import errno
import json
import os
from typing import Any

import numpy as np

from ...config import Config
from ..inputs import Utterance
from . import register
from .base import Part, half


def h5py() -> Any:
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


@register
class H5Part(Part):
    """An HDF5 file with one float32 (float16 when compressed) dataset per utterance (its id is the dataset path)."""

    format = "hdf5"
    entry = "features.h5"
    out_suffixes = (".h5", ".hdf5")
    suffix = ".h5"
    CHUNK_ROWS = 4096
    #: free bytes left untouched on the output's filesystem (see ``_check_space``)
    SPACE_MARGIN = 16 << 20

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._f = h5py().File(self.tmp, "w")
        _config_attrs(self._f.attrs, self.config)

    @classmethod
    def check_available(cls) -> None:
        h5py()

    @classmethod
    def write_entry(cls, path: str, root: str, records: list[dict], config: Config) -> None:
        lib = h5py()
        # the links are relative to the entry file's folder (path is a temporary name next to it)
        base = os.path.dirname(os.path.abspath(path))
        with lib.File(path, "w") as f:
            _config_attrs(f.attrs, config)
            for r in records:
                f[r["id"]] = lib.ExternalLink(os.path.relpath(os.path.join(root, r["part"]), base), r["loc"])

    @classmethod
    def open_for_reading(cls, path: str) -> Any:
        return h5py().File(path, "r")

    @classmethod
    def read(cls, src: Any, loc: Any) -> np.ndarray:
        return src[loc][()]

    def _check_space(self, nbytes: int) -> None:
        """Stop with ENOSPC while ``SPACE_MARGIN`` is still free.

        libhdf5 does not recover from a failed write: on a full disk it raises
        nothing where the data is written, prints errors when objects are
        freed, and can crash the process.  So the disk is checked before
        every write instead (one statvfs), and the run stops cleanly.
        """
        st = os.statvfs(os.path.dirname(self.tmp))
        if st.f_bavail * st.f_frsize < nbytes + self.SPACE_MARGIN:
            raise OSError(errno.ENOSPC, f"No space left on device (less than {self.SPACE_MARGIN >> 20} MiB "
                          f"free; HDF5 is not written closer to a full disk)", self.tmp)

    def add(self, utt: Utterance, feats: np.ndarray) -> Any:
        data = half(feats) if self.compress else feats
        self._check_space(data.nbytes)
        self._ds = self._f.create_dataset(utt.id, data=data)
        self._label(utt)
        self.count += 1
        return utt.id

    def _label(self, utt: Utterance) -> None:
        for key in ("label", "speaker"):
            if getattr(utt, key) is not None:
                self._ds.attrs[key] = getattr(utt, key)

    def begin(self, utt: Utterance, rows_hint: int | None = None) -> None:
        self._id, self.rows = None, 0
        self._ds = self._f.create_dataset(utt.id, shape=(0, self.n_features),
                                          dtype=np.float16 if self.compress else np.float32,
                                          maxshape=(None, self.n_features),
                                          chunks=(self.CHUNK_ROWS, self.n_features))
        self._id = utt.id
        self._label(utt)

    def append(self, rows: np.ndarray) -> None:
        self._check_space(rows.nbytes)
        self._ds.resize(self.rows + rows.shape[0], axis=0)
        self._ds[self.rows:] = half(rows) if self.compress else rows
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
