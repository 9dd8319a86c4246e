"""Many-stream benchmark: ``fastfeat.StreamPool`` against one stream object per stream.

Usage (from the repository root, fastfeat built and importable)::

    python -m benchmarks.pool_bench              # 1,000 streams, 3 s of ticks, 5 repeats
    python -m benchmarks.pool_bench --quick      # 1,000 streams, 1 s of ticks, 3 repeats
    python -m benchmarks.pool_bench --markdown pool.md

What is measured (one run, rows taken round-robin over the repeats so machine
load hits them alike; each figure is the median over the repeats):

* **Per stream-push.** ``n_streams`` streams (default 1,000), every one gets
  10 ms (160 samples at 16 kHz) per tick; features are MFCC + Δ + ΔΔ
  (``Config(deltas=2)``, 39 columns).  Each stream reads its own stretch of
  one speech-like signal (the chunks of a tick are rows of one strided view:
  no copies).  Time of all ticks / (ticks × streams), as CPU time of the
  driving thread (``time.thread_time``: on a shared machine the wall time also
  counts the time other processes hold the core) and as wall time.  Rows:
  ``StreamPool.push(handles, chunks, out, offsets)`` (no allocation),
  ``StreamPool.push(handles, chunks)`` (a list of arrays back), a Python loop
  of ``Stream.push(chunk, out=buf)``, and kaldi-native-fbank ``OnlineMfcc``
  driven per stream (its defaults except dither 0; 13 columns, it has no
  deltas; ``accept_waveform(list)`` then ``get_frame`` per ready frame).
* **Threads.** Two pools of ``n_streams`` streams each: both driven by one
  thread, one after the other, against one thread per pool.
* **Memory.** ``StreamPool.nbytes / n_streams`` after the ticks: the
  per-stream sample buffer (the samples a future frame still needs, about
  n_fft + frame_length, plus one chunk) and the static/delta history, as
  allocated (capacities, doubling).

Nothing here asserts a time; the numbers are reported, never checked.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from typing import Callable, Sequence

import numpy as np

from ._report import emit
from .stream_bench import Unavailable, make_speechlike

HOP = 160
STRIDE = 331  # samples between the starts of two streams' signals
TARGETS = {"us_per_push": 0.4, "vs_knf": 30.0, "threads": 1.8}


def tick_views(y: np.ndarray, n_streams: int, n_ticks: int) -> list[np.ndarray]:
    """Per tick, a (n_streams, HOP) view: row i is stream i's next 10 ms."""
    assert y.shape[0] >= n_streams * STRIDE + n_ticks * HOP
    s = y.strides[0]
    return [np.lib.stride_tricks.as_strided(y[t * HOP:], (n_streams, HOP), (STRIDE * s, s))
            for t in range(n_ticks)]


Run = Callable[[list], tuple]  # drives fresh streams over the ticks; returns (wall, CPU) seconds


def pool_run(out_form: bool) -> Run:
    import fastfeat as ff

    def run(ticks: list) -> float:
        n = ticks[0].shape[0]
        pool = ff.StreamPool(ff.Config(deltas=2))
        h = np.array([pool.open() for _ in range(n)], np.int64)
        out, offs = np.empty((2 * n, 39), np.float32), np.empty(n + 1, np.int64)
        push = pool.push
        t0, c0 = time.perf_counter(), time.thread_time()
        if out_form:
            for c in ticks:
                push(h, c, out, offs)
        else:
            for c in ticks:
                push(h, c)
        dt = time.perf_counter() - t0, time.thread_time() - c0
        run.nbytes = pool.nbytes / n  # type: ignore[attr-defined]
        return dt

    return run


def stream_loop_run(ticks: list) -> float:
    import fastfeat as ff

    n = ticks[0].shape[0]
    cfg = ff.Config(deltas=2)
    pushes = [ff.Stream(cfg).push for _ in range(n)]
    buf = np.empty((2, 39), np.float32)
    t0, c0 = time.perf_counter(), time.thread_time()
    for c in ticks:
        for push, x in zip(pushes, c):
            push(x, out=buf)
    return time.perf_counter() - t0, time.thread_time() - c0


def knf_run(ticks: list) -> float:
    try:
        import kaldi_native_fbank as knf
    except ImportError as exc:
        raise Unavailable(f"kaldi_native_fbank is not installed ({exc})") from None
    opts = knf.MfccOptions()
    opts.frame_opts.dither = 0.0
    n = ticks[0].shape[0]
    ms = [knf.OnlineMfcc(opts) for _ in range(n)]
    done = [0] * n
    t0, c0 = time.perf_counter(), time.thread_time()
    for c in ticks:
        for i, (m, x) in enumerate(zip(ms, c)):
            m.accept_waveform(16000, x.tolist())
            ready = m.num_frames_ready
            if ready > done[i]:
                np.stack([m.get_frame(f) for f in range(done[i], ready)])
                done[i] = ready
    return time.perf_counter() - t0, time.thread_time() - c0


def threads_ratio(ticks_a: list, ticks_b: list) -> tuple[float, float]:
    """(seconds for both pools in one thread, seconds with one thread per pool)."""
    run = pool_run(True)
    t0 = time.perf_counter()
    run(ticks_a)
    run(ticks_b)
    seq = time.perf_counter() - t0
    threads = [threading.Thread(target=run, args=(t,)) for t in (ticks_a, ticks_b)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seq, time.perf_counter() - t0


def measure(n_streams: int, seconds: float, repeats: int, knf_seconds: float, progress=None) -> dict:
    n_ticks = int(seconds * 100)
    n_knf = max(1, int(knf_seconds * 100))
    y = make_speechlike((2 * n_streams * STRIDE + n_ticks * HOP) / 16000 + 0.1)
    ticks = tick_views(y, n_streams, n_ticks)
    ticks_b = tick_views(y[n_streams * STRIDE:], n_streams, n_ticks)
    out_run = pool_run(True)
    rows: dict[str, tuple[Run, list]] = {
        "fastfeat StreamPool.push(handles, chunks, out, offsets)": (out_run, ticks),
        "fastfeat StreamPool.push(handles, chunks) -> list": (pool_run(False), ticks),
        "fastfeat Stream.push(chunk, out=buf), one per stream": (stream_loop_run, ticks[:n_knf]),
        "kaldi-native-fbank OnlineMfcc, one per stream (13 columns)": (knf_run, ticks[:n_knf]),
    }
    times: dict[str, list[float]] = {k: [] for k in rows}
    walls: dict[str, list[float]] = {k: [] for k in rows}
    seq, par = [], []
    for r in range(repeats):
        for name, (run, tk) in list(rows.items()):
            try:
                wall, cpu = run(tk)
                times[name].append(cpu / (len(tk) * n_streams) * 1e6)
                walls[name].append(wall / (len(tk) * n_streams) * 1e6)
            except Unavailable as exc:
                if progress:
                    progress(f"skipped {name}: {exc}")
                del rows[name], times[name], walls[name]
        s, p = threads_ratio(ticks, ticks_b)
        seq.append(s)
        par.append(p)
        if progress:
            progress(f"repeat {r + 1}/{repeats} done")
    us = {k: statistics.median(v) for k, v in times.items()}
    return {"n_streams": n_streams, "seconds": seconds, "knf_seconds": n_knf / 100, "repeats": repeats,
            "us": us, "wall_us": {k: statistics.median(v) for k, v in walls.items()}, "threads": statistics.median(s / p for s, p in zip(seq, par)),
            "threads_all": [s / p for s, p in zip(seq, par)], "bytes_per_stream": out_run.nbytes}


def render(res: dict) -> str:
    us = res["us"]
    base = us["fastfeat StreamPool.push(handles, chunks, out, offsets)"]
    lines = [
        f"{res['n_streams']:,} streams, 10 ms chunks, MFCC + Δ + ΔΔ (39 columns); pool rows over "
        f"{res['seconds']:g} s of ticks, per-stream rows over {res['knf_seconds']:g} s; median of "
        f"{res['repeats']} repeats.", "",
        "| implementation | µs per stream-push (CPU) | (wall) | streams per core in real time | "
        "time vs the pool |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, v in us.items():
        lines.append(f"| {name} | {v:.3f} | {res['wall_us'][name]:.3f} | {10000 / v:,.0f} | {v / base:.1f}× |")
    knf = next((v for k, v in us.items() if k.startswith("kaldi")), None)
    lines += [
        "",
        f"- Two pools on two threads vs the same two pools in one thread: {res['threads']:.2f}× "
        f"(each repeat: {', '.join(f'{r:.2f}' for r in res['threads_all'])}).",
        f"- Memory per open stream: {res['bytes_per_stream']:,.0f} bytes (StreamPool.nbytes / streams).",
        "",
        "Targets: " + "; ".join([
            f"≤ {TARGETS['us_per_push']} µs per stream-push: {base:.3f} "
            f"({'met' if base <= TARGETS['us_per_push'] else 'not met'})",
            (f"≥ {TARGETS['vs_knf']:g}× kaldi-native-fbank: {knf / base:.0f}× "
             f"({'met' if knf / base >= TARGETS['vs_knf'] else 'not met'})") if knf else "kaldi-native-fbank: n/a",
            f"≥ {TARGETS['threads']}× on 2 threads: {res['threads']:.2f} "
            f"({'met' if res['threads'] >= TARGETS['threads'] else 'not met'})",
        ]) + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pool_bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 s of ticks, 3 repeats")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=float, help="seconds of ticks for the pool rows (default 3)")
    parser.add_argument("--repeats", type=int, help="repeats (default 5, quick 3)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    args = parser.parse_args(argv)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    repeats = args.repeats or (3 if args.quick else 5)
    try:
        import fastfeat  # noqa: F401
    except ImportError as exc:
        print(f"python -m benchmarks.pool_bench: fastfeat is not importable ({exc})", file=sys.stderr)
        return 2
    res = measure(args.streams, seconds, repeats, knf_seconds=min(seconds, 0.5),
                  progress=lambda m: print(m, file=sys.stderr, flush=True))
    load = "%.2f %.2f %.2f" % os.getloadavg()
    md = f"# fastfeat StreamPool benchmark\n\n{os.cpu_count()} cores, load average {load}.\n\n" + render(res)
    return emit(md, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
