"""The output store: layout of an output, the journal, resume, entry file and errors report.

An utterance is done once its line is in ``journal.jsonl`` (one write and an
fsync per task).  ``Store`` opens an output (new, or with ``resume`` an
existing one after dropping what a killed run left half-done) and, at the
end, rewrites the entry file and ``errors.tsv`` from the journal.
"""

from __future__ import annotations

import csv
import json
import os
from typing import Any

from ..config import Config
from .formats import PARTS, Part
from .formats.base import replace_atomically

JOURNAL, META, ERRORS = "journal.jsonl", "fastfeat.json", "errors.tsv"


def layout(out: str, fmt: str | None) -> tuple[str, str, str | None]:
    """(root directory, entry file, format) of output ``out``.

    A name ending in one of a format's ``out_suffixes`` (.h5/.hdf5/.scp/.ark)
    decides the format and is (or names) the entry file, with the root next
    to it; any other name is the root directory, whose format is ``fmt``,
    else the one recorded there, else npy.
    """
    low = out.lower()
    implied = next((name for name, cls in PARTS.items() if low.endswith(cls.out_suffixes)), None)
    if implied is None:
        meta = os.path.join(out, META)
        if fmt is None and os.path.isfile(meta):
            with open(meta, encoding="utf-8") as f:
                fmt = json.load(f)["format"]
        fmt = fmt or "npy"
        return out, os.path.join(out, PARTS[fmt].entry), fmt
    if fmt is not None and fmt != implied:
        suffixes = "/".join(s for cls in PARTS.values() for s in cls.out_suffixes)
        raise ValueError(f"format={fmt!r} contradicts out={out!r}, whose name means {implied!r}; "
                         f"change one of them (a directory name without {suffixes} holds any format)")
    entry = PARTS[implied].entry_for(out)
    return entry + ".d", entry, implied


def read_journal(root: str) -> list[dict]:
    """Completed utterances, in commit order (a torn last line is ignored)."""
    path = os.path.join(root, JOURNAL)
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    return [json.loads(line) for line in data[:data.rfind(b"\n") + 1].splitlines()]


def _write_json(path: str, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)


class Store:
    """An output being written: ``commit`` journals a task's records, ``finish`` writes the entry file."""

    def __init__(self, out: str, fmt: str | None, config: Config, resume: bool, compress: bool = False) -> None:
        out = os.fspath(out)
        if fmt is not None and fmt not in PARTS:
            raise ValueError(f"format={fmt!r} is not valid; format must be one of {', '.join(PARTS)}")
        self.root, self.entry, self.format = layout(out, fmt)
        self.part_class: type[Part] = PARTS[self.format]
        meta_path = os.path.join(self.root, META)
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            if not resume:
                raise ValueError(f"out={out!r} already holds extracted features; pass resume=True "
                                 "(--resume) to finish that job, or choose another output")
            if meta["format"] != self.format:
                raise ValueError(f"resume: format={fmt!r} but out={out!r} holds format {meta['format']!r}")
            if meta.get("compress", False) != compress:
                raise ValueError(f"resume: compress={compress} but out={out!r} was started with "
                                 f"compress={meta.get('compress', False)}; use the same --compress")
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
            self.part_class.check_available()
            os.makedirs(self.root, exist_ok=True)
            replace_atomically(meta_path, lambda p: _write_json(p, {"format": self.format, "config": config.to_dict(),
                                                                    "compress": compress}))
        self.config = config
        self.records = read_journal(self.root)
        self._journal = open(os.path.join(self.root, JOURNAL), "ab")

    def _recover(self) -> None:
        """Drop what a killed run left half-done: a torn journal line, unjournaled parts, temporaries."""
        path = os.path.join(self.root, JOURNAL)
        if os.path.exists(path):
            with open(path, "rb+") as f:
                data = f.read()
                f.truncate(data.rfind(b"\n") + 1)
        keep = {r["part"] for r in read_journal(self.root)}
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
        replace_atomically(self.entry, lambda p: self.part_class.write_entry(p, self.root, self.records, self.config))
        self.part_class.write_companions(self.entry, self.root, self.records)
        errors_path = os.path.join(self.root, ERRORS)

        def write_errors(p: str) -> None:
            with open(p, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, delimiter="\t", lineterminator="\n")
                w.writerow(["path", "reason"])
                w.writerows(errors)
        replace_atomically(errors_path, write_errors)
        return errors_path
