"""The output store: layout of an output, the journal, resume, entry file and errors report.

An utterance is done once its line is in ``journal.jsonl`` (one write and an
fsync per task).  ``Store`` opens an output (new, or with ``resume`` an
existing one after dropping what a killed run left half-done) and, at the
end, rewrites the entry file and ``errors.tsv`` from the journal.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import socket
import time
from json.encoder import encode_basestring_ascii as _esc
from typing import Any

from ..config import Config
from .formats import PARTS, Part
from .formats.base import replace_atomically

JOURNAL, META, ERRORS, LOCK = "journal.jsonl", "fastfeat.json", "errors.tsv", "fastfeat.lock"
class OutputLock:
    """An exclusive ``flock`` on ``ROOT/fastfeat.lock``, held while a run writes the output.

    The kernel drops the lock when the holding process ends, however it ends,
    so a lock file left by a killed run never blocks ``resume``.  The file
    keeps the holder's pid, host and start time for the message of a second
    run, which refuses at once.  It is left in place (removing a locked file
    would let two later runs lock two different files).
    """

    def __init__(self, root: str, out: str) -> None:
        path = os.path.join(root, LOCK)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "pid and host unknown"
            os.close(fd)
            raise ValueError(f"out={out!r} is being written by another fastfeat extract ({holder}); "
                             "wait for it to finish or stop it, then run again with --resume") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on host {socket.gethostname()}, since "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode("utf-8"))
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None


def layout(out: str, fmt: str | None) -> tuple[str, str, str | None]:
    """(root directory, entry file, format) of output ``out``.

    A name ending in one of a format's ``out_suffixes`` (.h5/.hdf5/.scp/.ark)
    decides the format and is (or names) the entry file, with the root next
    to it; any other name is the root directory, whose format is ``fmt``,
    else the one recorded there, else npy.
    """
    low = out.lower()
    for name, cls in PARTS.items():
        if low.endswith(cls.refused_suffixes):
            raise ValueError(f"out={out!r}: {name} output is a directory (parts and {cls.entry}), not one "
                             f"{os.path.splitext(out)[1]} file; name a directory (-o {os.path.splitext(out)[0]}), "
                             "or a single entry file NAME.h5 / NAME.scp")
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


def journal_line(r: dict) -> str:
    """``json.dumps(r) + "\\n"`` for a record, four times faster (it is GIL-held work per file).

    Keys in the order the tasks make them; strings escaped by json's own C
    escaper (ASCII only, so a name that is not UTF-8 survives as ``\\udcXX``).
    """
    if len(r) != 5 + ("label" in r) + ("speaker" in r):  # a record with other keys: the general encoder
        return json.dumps(r) + "\n"
    loc = r["loc"]
    loc = f"[{loc[0]}, {loc[1]}]" if type(loc) is list else _esc(loc) if type(loc) is str else int(loc)
    text = (f'{{"id": {_esc(r["id"])}, "part": {_esc(r["part"])}, "loc": {loc}, '
            f'"seconds": {float(r["seconds"])!r}, "path": {_esc(r["path"])}')
    for key in ("label", "speaker"):
        if key in r:
            text += f', "{key}": {_esc(r[key])}'
    return text + "}\n"


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
        if not os.path.exists(meta_path):
            self._check_foreign(out)
            # before anything is created: a format whose library is missing leaves no trace
            self.part_class.check_available()
        os.makedirs(self.root, exist_ok=True)
        self.lock = OutputLock(self.root, out)
        try:
            self._open(out, fmt, config, resume, compress, meta_path)
        except BaseException:
            self.lock.release()
            raise

    def _check_foreign(self, out: str) -> None:
        for path in (self.root, self.entry):
            if os.path.isfile(path) or path == self.root and os.path.isdir(path) and set(os.listdir(path)) - {LOCK}:
                raise ValueError(f"out={out!r}: {path} exists and was not written by fastfeat extract; "
                                 "remove it or choose another output")

    def _open(self, out: str, fmt: str | None, config: Config, resume: bool, compress: bool, meta_path: str) -> None:
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
            self._check_foreign(out)  # again, now that no other run can be creating it
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
            self._journal.write("".join(map(journal_line, records)).encode("ascii"))
            self._journal.flush()
            os.fsync(self._journal.fileno())
            self.records += records

    def close(self) -> None:
        """End without writing the entry file (the disk is full): journal closed, lock released."""
        try:
            self._journal.close()
        except OSError:
            pass  # its unwritten tail is a torn line, dropped by resume
        finally:
            self.lock.release()

    def finish(self, errors: list[tuple[str, str]]) -> str:
        """Write the entry file (sorted by id, as Kaldi wants) and errors.tsv; returns the errors path."""
        try:
            self._journal.close()
            self.records.sort(key=lambda r: r["id"].encode("utf-8"))
            replace_atomically(self.entry, lambda p: self.part_class.write_entry(p, self.root, self.records, self.config))
            self.part_class.write_companions(self.entry, self.root, self.records)
            return self._write_errors(errors)
        finally:
            self.lock.release()

    def _write_errors(self, errors: list[tuple[str, str]]) -> str:
        errors_path = os.path.join(self.root, ERRORS)

        def write_errors(p: str) -> None:
            # surrogateescape: a file name that is not UTF-8 is written as its own bytes
            with open(p, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
                w = csv.writer(f, delimiter="\t", lineterminator="\n")
                w.writerow(["path", "reason"])
                w.writerows(errors)
        replace_atomically(errors_path, write_errors)
        return errors_path
