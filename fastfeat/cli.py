"""The ``fastfeat`` command (also ``python -m fastfeat``).

    fastfeat demo [--preset NAME] [--deltas N] [--files F ...]

``demo`` extracts features from the bundled speech clips (or the given
files) in batch and in 10 ms streaming chunks, checks that both agree, and
prints the matrix shapes and timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

import numpy as np

from .config import PRESETS, Config
from .features import Extractor
from .io import load, sample_files
from .stream import Stream

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    files = args.files or sample_files()
    cfg = Config.preset(args.preset, deltas=args.deltas)
    if not cfg.causal:
        cfg = cfg.replace(top_db=None)  # so the stream can be shown too
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
    args = parser.parse_args(argv)
    try:
        return _demo(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"fastfeat: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
