"""The ``fastfeat`` command (also ``python -m fastfeat``).

    fastfeat demo [--preset NAME] [--deltas N] [--files F ...]
    fastfeat extract INPUT... -o OUT [--format F] [--preset NAME] [--config FILE]
                     [--set FIELD=VALUE ...] [--jobs N] [--resume] [--compress] [--allow-pipes]
                     [--dask local[:N]|ADDRESS]

``demo`` extracts features from the bundled speech clips (or the given
files) in batch and in 10 ms streaming chunks, checks that both agree, and
prints the matrix shapes and timings.  ``extract`` writes the features of a
corpus to disk (``fastfeat.corpus.extract``; docs/corpus.md).  Exit codes:
0 success, 1 some files failed (listed in the errors report), 2 usage error
(or the output's disk is full), 130 interrupted (Ctrl-C; the message gives the
``--resume`` command).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from typing import Any, Sequence

import numpy as np

from .config import FIELDS, PRESETS, Config
from .corpus import FORMATS, extract
from .features import Extractor
from .io import load, sample_files
from .stream import Stream, frame_local

__all__ = ["main", "parse_set", "build_config"]

_TRUE, _FALSE, _NONE = ("true", "yes", "on", "1"), ("false", "no", "off", "0"), ("none", "null")


def _demo(args: argparse.Namespace) -> int:
    files = args.files or sample_files()
    cfg = Config.preset(args.preset, deltas=args.deltas)
    if not cfg.causal:
        cfg = frame_local(cfg)  # so the stream can be shown too
    signals = []
    for path in files:
        y, _ = load(path, sr=cfg.sample_rate)
        signals.append(y)
    ext = Extractor(cfg)
    ext.map(signals, threads=1)  # warm-up: tables are built once per Config
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        feats = ext.map(signals, threads=1)
    batch_s = (time.perf_counter() - t0) / reps
    audio_s = sum(len(y) for y in signals) / cfg.sample_rate

    hop = cfg.sample_rate // 100
    stream = Stream(cfg)
    worst = 0.0
    push_s = 0.0
    pushes = 0
    for y, ref in zip(signals, feats):
        stream.reset()
        chunks = [y[i:i + hop] for i in range(0, len(y), hop)]
        rows = []
        t0 = time.perf_counter()
        for chunk in chunks:
            rows.append(stream.push(chunk))
        push_s += time.perf_counter() - t0
        pushes += len(chunks)
        got = np.concatenate(rows + [stream.flush()])
        worst = max(worst, float(np.abs(got - ref).max()))

    print(f"fastfeat demo: preset {args.preset!r}, {cfg.kind} with deltas={cfg.deltas}: "
          f"{cfg.n_features} features per {1000 * cfg.hop_length / cfg.sample_rate:g} ms frame")
    for path, f in zip(files, feats):
        print(f"  {path.rsplit('/', 1)[-1]:<16} {f.shape[0]:5d} frames x {f.shape[1]} features")
    print(f"batch:  {len(files)} files, {audio_s:.2f} s of audio in {1e3 * batch_s:.3f} ms "
          f"({audio_s / batch_s:,.0f}x real time, one thread)")
    print(f"stream: {pushes} pushes of {hop} samples ({1000 * hop / cfg.sample_rate:g} ms), "
          f"{1e6 * push_s / pushes:.1f} us per push; max |stream - batch| = {worst:.2e}")
    return 0


def parse_set(text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` of ``--set``, with VALUE parsed by the field's kind.

    Integers and floats as Python literals, booleans as true/false (yes/no,
    on/off, 1/0), ``None``/``null`` for optional fields, choices as written.

    Raises
    ------
    ValueError
        Not ``FIELD=VALUE``, an unknown field, or a value of the wrong kind;
        the message names the field and what it accepts.

    Examples
    --------
    >>> from fastfeat.cli import parse_set
    >>> parse_set("n_mfcc=20"), parse_set("fmax=None"), parse_set("center=true")
    (('n_mfcc', 20), ('fmax', None), ('center', True))
    """
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise ValueError(f"--set {text!r}: expected FIELD=VALUE, e.g. --set n_mfcc=20")
    spec = FIELDS.get(name)
    if spec is None:
        raise ValueError(f"--set {text!r}: unknown field {name!r}; valid fields: {', '.join(FIELDS)}")
    if raw.lower() in _NONE and spec.optional:
        return name, None
    if spec.kind == "choice":
        return name, raw  # Config names the field and its choices if it is not one
    if spec.kind == "bool" and raw.lower() in _TRUE + _FALSE:
        return name, raw.lower() in _TRUE
    if spec.kind in ("int", "float"):
        try:
            return name, int(raw) if spec.kind == "int" else float(raw)
        except ValueError:
            pass
    raise ValueError(f"--set {text!r}: {name} must be {spec.describe()}")


def _read_config_file(path: str) -> dict:
    if path.lower().endswith(".toml"):
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ImportError:
                raise ValueError(f"--config {path}: reading TOML needs Python >= 3.11 or tomli; or write the config as JSON") from None
        with open(path, "rb") as f:
            values = tomllib.load(f)
    elif path.lower().endswith(".json"):
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    else:
        raise ValueError(f"--config {path}: expected a .toml or .json file of Config fields")
    if not isinstance(values, dict):
        raise ValueError(f"--config {path}: expected a table/object of Config fields")
    return values


def build_config(preset: str = "default", config_file: str | None = None,
                 sets: Sequence[str] = ()) -> Config:
    """The Config of ``--preset``, then ``--config FILE`` fields, then each ``--set``.

    Examples
    --------
    >>> from fastfeat.cli import build_config
    >>> cfg = build_config("kaldi", sets=["n_mfcc=20", "deltas=2"])
    >>> (cfg.window, cfg.n_mfcc, cfg.n_features)
    ('povey', 20, 60)
    """
    values = _read_config_file(config_file) if config_file else {}
    values.update(parse_set(s) for s in sets)
    return Config.preset(preset, **values)


def _extract(args: argparse.Namespace) -> int:
    inputs = list(args.inputs) + (sample_files() if args.samples else [])
    if not inputs:
        raise ValueError("no INPUT given: name files, directories, globs or a manifest (or use --samples)")
    config = build_config(args.preset, args.config, args.set or ())
    summary = extract(inputs, args.out, config=config, format=args.format, jobs=args.jobs,
                      resume=args.resume, dask=args.dask, progress=not args.quiet,
                      compress=args.compress, allow_pipes=args.allow_pipes)
    print(f"fastfeat extract: {summary.line()}")
    print(f"features: {summary.out}")
    return 1 if summary.failed else 0


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fastfeat`` console script."""
    parser = argparse.ArgumentParser(prog="fastfeat", description="Fast, exact speech features.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="extract features from the bundled sample clips and time it")
    demo.add_argument("--preset", default="default", choices=sorted(PRESETS),
                      help="convention to follow (default: %(default)s)")
    demo.add_argument("--deltas", type=int, default=2, choices=(0, 1, 2),
                      help="0 static only, 1 add delta, 2 add delta-delta (default: %(default)s)")
    demo.add_argument("--files", nargs="+", help="audio files to use instead of the bundled clips")
    ext = sub.add_parser(
        "extract", help="extract features of many audio files to disk (resumable, parallel)",
        description="Extract features of a corpus: directories (recursive), globs, audio files or a "
                    "CSV/TSV manifest (columns path, optional id, label, speaker), or Kaldi data directories "
                    "(wav.scp, optional segments and utt2spk).  Exit code 0: all "
                    "written; 1: some files failed (see the errors report); 2: usage error.")
    ext.add_argument("inputs", nargs="*", metavar="INPUT", help="audio files, directories, globs, manifests")
    ext.add_argument("-o", "--out", required=True,
                     help="NAME.h5 (HDF5), NAME.scp or NAME.ark (Kaldi), or a directory (--format, default npy)")
    ext.add_argument("--format", choices=list(FORMATS), help="output format for a directory OUT")
    ext.add_argument("--samples", action="store_true", help="add the sample clips bundled with fastfeat")
    ext.add_argument("--preset", default="default", choices=sorted(PRESETS),
                     help="convention to start from (default: %(default)s)")
    ext.add_argument("--config", metavar="FILE", help="a .toml or .json file of Config fields")
    ext.add_argument("--set", action="append", metavar="FIELD=VALUE",
                     help="change one Config field, e.g. --set n_mfcc=20 --set deltas=2 (repeatable)")
    ext.add_argument("--jobs", type=_positive_int, default=None,
                     help="worker threads (default: all cores)")
    ext.add_argument("--resume", action="store_true", help="finish an interrupted job in OUT")
    ext.add_argument("--allow-pipes", action="store_true",
                     help="run the shell commands of 'cmd |' entries in a Kaldi wav.scp")
    ext.add_argument("--compress", action="store_true",
                     help="lossy, smaller storage: Kaldi compressed matrices for ark (as copy-feats "
                          "--compress=true), float16 for npy and HDF5")
    ext.add_argument("--dask", metavar="local[:N]|ADDRESS",
                     help="run on dask.distributed: a LocalCluster of N processes or a scheduler address")
    ext.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        return _extract(args) if args.command == "extract" else _demo(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"fastfeat: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.command != "extract":
            return 130
        again = argv + ([] if args.resume else ["--resume"])
        print(f"fastfeat: interrupted; what is written is kept, finish with: fastfeat {shlex.join(again)}",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
