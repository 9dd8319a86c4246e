"""The engine's Python-level targets (issue 10) in one run, one line each.

    python -m benchmarks.engine_targets [--quick] [--markdown FILE]

Prints, from one run on this machine (ratios of timings taken interleaved,
so a change of load hits both sides alike; batch calls are timed in thread
CPU time, which leaves out what the scheduler of a shared machine gives to
other processes):

- the 600 s signal in one call, one thread: × real time (target >= 35,000);
- a 1 s clip per call: librosa time / fastfeat time (target >= 22);
- 13 MFCC + Δ + ΔΔ vs 13 MFCC per 1 s clip: time ratio (target <= 1.15);
- a 10 ms ``Stream.push`` from Python: median of single pushes timed one by
  one, with and without ``out=`` (target <= 1.0 µs).

The peers and signals are those of ``python -m benchmarks.compare``
(benchmarks/peers.py, benchmarks/signals.py).  The C-level per-stage figures
are ``make -C csrc bench`` / ``make -C csrc bench-fftw``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Sequence

import numpy as np

from . import peers
from ._report import emit
from .compare import time_interleaved
from .signals import SR, make_clips, make_long

TARGETS = {"real_time": 35000.0, "vs_librosa": 22.0, "d39_vs_13": 1.15, "push_us": 1.0}


def push_median_us(seconds: float, use_out: bool, repeats: int) -> float:
    """Median µs of single 160-sample Stream.push calls, best of `repeats` streams."""
    import fastfeat as ff

    y = make_long(seconds)
    chunks = [y[i:i + 160] for i in range(0, len(y) - 159, 160)]
    pc = time.perf_counter_ns
    best = float("inf")
    for _ in range(repeats):
        s = ff.Stream()
        push = s.push
        buf = np.empty((s.frames_for(160) + 1, s.n_features), np.float32)
        ts = np.empty(len(chunks), np.int64)
        gc.disable()
        try:
            if use_out:
                for i, c in enumerate(chunks):
                    t0 = pc()
                    push(c, buf)
                    ts[i] = pc() - t0
            else:
                for i, c in enumerate(chunks):
                    t0 = pc()
                    push(c)
                    ts[i] = pc() - t0
        finally:
            gc.enable()
        best = min(best, float(np.median(ts)) / 1e3)
    # the clock read itself, measured the same way, is not the push's cost
    ts = np.empty(20000, np.int64)
    for i in range(len(ts)):
        t0 = pc()
        ts[i] = pc() - t0
    return best - float(np.median(ts)) / 1e3


def run(quick: bool) -> list[tuple[str, str, bool]]:
    """(what, figure, met) per target."""
    import fastfeat as ff

    if ff.backend() != "c":
        raise SystemExit(f"fastfeat.backend() is {ff.backend()!r}: build the C engine first")
    peers.limit_blas_threads(1)
    n_clips, long_s, reps = (50, 120.0, 5) if quick else (100, 600.0, 11)
    clips = make_clips(n_clips)
    long = make_long(long_s)
    out = []

    t = time_interleaved({"ff": peers.make_fastfeat()}, [long], reps, 60.0, time.thread_time)["ff"]
    rt = long_s / t.best
    out.append((f"{long_s:g} s signal, one call, one thread",
                f"{rt:,.0f}× real time (median {long_s / t.median:,.0f}×; target ≥ 35,000×)",
                rt >= TARGETS["real_time"]))

    fns = {"ff": peers.make_fastfeat(), "librosa": peers.make_librosa()}
    tt = time_interleaved(fns, clips, reps, 60.0, time.thread_time)
    r = tt["librosa"].best / tt["ff"].best
    out.append(("1 s clip per call vs librosa",
                f"{r:.1f}× faster ({tt['ff'].best * 1e6:.0f} µs vs {tt['librosa'].best * 1e6:.0f} µs; "
                "target ≥ 22×)", r >= TARGETS["vs_librosa"]))

    fns = {"13": peers.make_fastfeat(), "39": peers.make_fastfeat39()}
    tt = time_interleaved(fns, clips, reps, 60.0, time.thread_time)
    r = tt["39"].best / tt["13"].best
    out.append(("13 MFCC + Δ + ΔΔ vs 13 MFCC, 1 s clip",
                f"{r:.2f}× the time ({tt['39'].best * 1e6:.0f} µs vs {tt['13'].best * 1e6:.0f} µs; "
                "target ≤ 1.15×)", r <= TARGETS["d39_vs_13"]))

    for use_out in (True, False):
        us = push_median_us(20.0 if quick else 60.0, use_out, reps)
        out.append((f"10 ms Stream.push{'(chunk, out=buf)' if use_out else '(chunk)'}",
                    f"median {us:.2f} µs (target ≤ 1.0 µs)", us <= TARGETS["push_us"]))
    return out


def render(rows: list[tuple[str, str, bool]]) -> str:
    lines = ["| target | figure | met |", "| --- | --- | --- |"]
    lines += [f"| {what} | {fig} | {'yes' if met else 'no'} |" for what, fig, met in rows]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine_targets",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="120 s signal, 50 clips, 5 repeats")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    md = render(run(args.quick))
    md += f"\n*{SR // 1000} kHz float32 signals of benchmarks/signals.py; run took " \
          f"{time.perf_counter() - start:.0f} s.*\n"
    return emit(md, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
