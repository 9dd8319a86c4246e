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
See ``tasks.py``: batches of plain WAVs go through one GIL-free C call.

The package
-----------
``inputs`` (files, directories, globs, manifests -> ``Utterance``),
``formats/`` (one module per output format, and the registry), ``journal``
(output layout, journal, resume, entry file, errors report), ``tasks`` (one
task: files -> one part; the plan), ``executors`` (local threads, dask),
``progress`` (progress bar, ``Summary``).  This module is the public API.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from typing import Any, Iterable, Iterator

import numpy as np

from ..config import Config
from .executors import dask_client, distributed, local
from .formats import PARTS
from .inputs import AUDIO_EXTENSIONS, Utterance, collect_inputs
from .formats.base import is_disk_full
from .journal import META, Store, layout, read_journal
from .progress import Progress, Summary
from .tasks import BLOCK_FRAMES, plan

__all__ = ["Utterance", "Summary", "FORMATS", "AUDIO_EXTENSIONS", "collect_inputs", "extract", "read_features"]

#: Output formats and the entry file each writes in a directory output.
FORMATS = {name: cls.entry for name, cls in PARTS.items()}


def extract(inputs: Iterable[str | os.PathLike | Utterance], out: str | os.PathLike, *,
            config: Config | None = None, format: str | None = None, jobs: int | None = None,
            resume: bool = False, dask: Any = None, progress: bool = False,
            block_frames: int = BLOCK_FRAMES, compress: bool = False, allow_pipes: bool = False) -> Summary:
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
    compress : bool, default False
        Store lossy, smaller features: Kaldi compressed matrices in ark
        (``copy-feats --compress=true``, about 1 byte per value), float16 in
        npy and HDF5.  ``read_features`` gives float32 all the same; the
        error against float32 is measured in docs/corpus.md.
    allow_pipes : bool, default False
        Run the shell commands of ``wav.scp`` pipe entries (``cmd |``) of
        Kaldi data directories; without it they are an error.

    Returns
    -------
    Summary
        Counts, hours of audio, times; ``errors`` lists (path, reason) of the
        files that failed (also in ``summary.errors_path``).

    Raises
    ------
    ValueError, TypeError
        Bad arguments or inputs, an existing output without ``resume``,
        ``resume`` with another config, or an output another run is writing
        (the message names its pid and host) -- all before any file is read.
        Unreadable files never raise; they are listed in ``errors``.
    OSError
        The output's disk is full: the message names the output; what is
        written is whole, and ``resume=True`` finishes once there is space.
    KeyboardInterrupt
        Passed on after the running tasks dropped their unfinished parts and
        the entry file was written for what is done (``resume=True`` goes on).

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
    if not isinstance(compress, bool):
        raise TypeError(f"compress must be True or False, got {type(compress).__name__}")
    given = list(inputs)
    items = [u for u in given if isinstance(u, Utterance)]
    items += collect_inputs((u for u in given if not isinstance(u, Utterance)), allow_pipes=allow_pipes)
    if not allow_pipes and (piped := next((u for u in items if u.pipe), None)):
        raise ValueError(f"utterance {piped.id!r} is read through a pipe ({piped.path!r}), which runs a shell "
                         "command; pass allow_pipes=True (--allow-pipes) to run it")
    client, close_client = dask_client(dask) if dask is not None else (None, lambda: None)
    try:
        store = Store(os.fspath(out), format, config, resume, compress)
        t0 = time.perf_counter()
        summary = Summary(out=store.entry)
        done = {r["id"] for r in store.records}
        seen: set[str] = set()
        todo = []
        for utt in items:
            if utt.id in seen:
                summary.errors.append((utt.path, f"duplicate id {utt.id!r}: an earlier input has the same id"))
            elif problem := _id_problem(utt.id) or store.part_class.id_problem(utt.id):
                summary.errors.append((utt.path, problem))
            elif utt.id in done:
                summary.skipped += 1
            else:
                todo.append(utt)
            seen.add(utt.id)
        bar = Progress(len(todo), progress)
        failed, full = True, False
        try:
            workers = len(client.scheduler_info()["workers"]) if client is not None else jobs
            tasks = plan(todo, store.root, store.format, config, max(workers, 1), block_frames, compress)
            results = distributed(tasks, client, bar) if client is not None else local(tasks, jobs, bar)
            with contextlib.closing(results):
                for res in results:
                    store.commit(res.records)
                    summary.files += len(res.records)
                    summary.errors += res.errors
                    summary.audio_seconds += res.seconds
                    summary.decode_seconds += res.decode
                    summary.compute_seconds += res.compute
                    summary.write_seconds += res.write
            failed = False
        except OSError as exc:
            if is_disk_full(exc):
                full = True
                raise OSError(exc.errno or errno.ENOSPC, f"out={os.fspath(out)!r}: the disk is full ({exc}); "
                              "what is written is whole: free some space and run again with "
                              "resume=True (--resume)") from None
            raise
        finally:
            bar.close()
            summary.failed = len(summary.errors)
            if full:  # no entry file on a full disk (libhdf5 may crash there); resume writes it
                store.close()
            else:
                try:
                    summary.errors_path = store.finish(summary.errors)
                except OSError:
                    if not failed:
                        raise  # else the first error is the one to report
            summary.wall_seconds = time.perf_counter() - t0
    finally:
        close_client()
    return summary


def _id_problem(utt_id: str) -> str | None:
    """Why no format can store this id: a file name that is not UTF-8 (None: it can)."""
    try:
        utt_id.encode("utf-8")
    except UnicodeEncodeError:
        return (f"id {utt_id!r} is not valid UTF-8 (the file name has bytes that are not UTF-8, shown "
                "as \\udcXX); rename the file, or give it an id in a CSV/TSV manifest")
    return None


def read_features(out: str | os.PathLike, *, meta: bool = False) -> Iterator[tuple]:
    """Iterate the utterances of an ``extract`` output, in any format.

    Reads the journal, so it also works on the output of a run that was
    killed (it then gives every utterance completed so far).

    Parameters
    ----------
    out : str or os.PathLike
        What was passed as ``out`` to ``extract`` (``fastfeat extract -o``),
        or the entry file the command printed (``feats/index.csv``).
    meta : bool, default False
        Also yield a dict with ``path``, ``seconds`` and, when the manifest
        had them, ``label`` and ``speaker`` (and a Kaldi segment's ``start``
        and ``end``).

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
    parent = os.path.dirname(out)
    if os.path.basename(out) in FORMATS.values() and os.path.isfile(os.path.join(parent, META)):
        out = parent  # the entry file of a directory output (what the command prints), e.g. feats/index.csv
    root, _, fmt = layout(out, None)
    if fmt is None or not os.path.isfile(os.path.join(root, META)):
        raise ValueError(f"out={out!r} is not a fastfeat extract output (no {META} in {root})")
    cls = PARTS[fmt]
    src: Any = None
    current = None
    try:
        for r in read_journal(root):
            if r["part"] != current:
                _close(src)
                src, current = cls.open_for_reading(os.path.join(root, r["part"])), r["part"]
            feats = cls.read(src, r["loc"]).astype(np.float32, copy=False)
            if meta:
                yield r["id"], feats, {k: r[k] for k in ("path", "seconds", "label", "speaker", "start", "end") if k in r}
            else:
                yield r["id"], feats
    finally:
        _close(src)


def _close(src: Any) -> None:
    if hasattr(src, "close"):
        src.close()
