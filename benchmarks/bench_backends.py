"""Compute backends side by side: the C engine, the Numba backend (and pyFFTW).

Usage (from the repository root, fastfeat built and importable; see "Build
trap" in benchmarks/README.md)::

    python -m benchmarks.bench_backends                 # 200 clips, 600 s signal, 5 repeats
    python -m benchmarks.bench_backends --quick         # 50 clips, 60 s signal, 3 repeats
    python -m benchmarks.bench_backends --preset kaldi --markdown backends.md

Every backend is driven through the engine interface the Python layer uses
(``Engine(values).extract(x, out, threads)``, ``Engine.stream().push``), built
from the same ``fastfeat._backend.engine_values(cfg)``, so the numbers are the
engines' own, without the Python layer's checks.  Rows:

* **clip**: one 1 s clip (16 kHz noise + tone, benchmarks/signals.py) per
  call, ``out`` preallocated; µs per clip (best and median repeat of the
  whole clip set, divided by the number of clips).
* **long**: one 600 s signal per call; ms and × real time (audio seconds /
  compute seconds).
* **push 160**: a stream fed 160 samples (10 ms) per push, 60 s of audio, each
  push timed alone; the median push in µs (median over repeats).
* **first call** in a fresh interpreter (subprocess): the time to import the
  backend's module, then to build the engine and extract one 1 s clip, then
  the first 160-sample stream push.  For Numba twice: with an empty on-disk
  cache (``NUMBA_CACHE_DIR`` set to a new temporary directory: every kernel
  is compiled) and again with that cache warm (kernels are loaded).

Backends are timed round-robin, repeat by repeat, so machine load hits them
alike; ratios use the best repeat.  Nothing is asserted; the issue 6 targets
(Numba within 3x of C on the long signal; first call <= 1 s with the cache
warm) are reported as met or not.

Adding a backend: give ``BACKENDS`` an entry name ->
``Backend(module, make)``, where ``make(values)`` returns an object with the
engine interface; it is skipped (with a note) when its module cannot be
imported.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .signals import SR, make_clips, make_long


@dataclass(frozen=True)
class Backend:
    module: str                      # imported lazily; missing -> the backend is skipped
    make: Callable[[object, dict], object]  # (module, engine_values) -> engine


BACKENDS: dict[str, Backend] = {
    "c": Backend("fastfeat._engine", lambda mod, values: mod.Engine(values)),
    "numba": Backend("fastfeat._numba", lambda mod, values: mod.Engine(values)),
    "pyfftw": Backend("fastfeat._fftw", lambda mod, values: mod.Engine(values)),
}

PRESETS = ("default", "librosa", "kaldi", "python_speech_features")


def _config(preset: str):
    import fastfeat as ff

    if preset == "default":
        return ff.Config()
    return ff.Config.preset(preset, sample_rate=SR) if preset == "librosa" else ff.Config.preset(preset)


def _engines(names: Sequence[str], values: dict) -> tuple[dict, list[str]]:
    engines, notes = {}, []
    for name in names:
        b = BACKENDS[name]
        try:
            mod = importlib.import_module(b.module)
        except ImportError as exc:
            notes.append(f"{name}: skipped ({exc})")
            continue
        engines[name] = b.make(mod, values)
    return engines, notes


def _interleaved(fns: dict[str, Callable[[], float | None]], repeats: int) -> dict[str, list[float]]:
    """Run every fn once per repeat, round-robin; a fn returns its own time or
    None (then the wall time of the call is taken)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():  # warm up: JIT, caches, first-touch of buffers
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            r = fn()
            times[name].append(time.perf_counter() - t0 if r is None else r)
    return times


def measure_batch(engines: dict, clips: list[np.ndarray], long: np.ndarray, repeats: int):
    def clip_fn(e):
        outs = [np.empty((e.n_frames(len(c)), e.n_features), np.float32) for c in clips]

        def run():
            for c, o in zip(clips, outs):
                e.extract(c, o, 1)
        return run

    def long_fn(e):
        out = np.empty((e.n_frames(len(long)), e.n_features), np.float32)

        def run():
            e.extract(long, out, 1)
        return run

    clip_t = _interleaved({k: clip_fn(e) for k, e in engines.items()}, repeats)
    long_t = _interleaved({k: long_fn(e) for k, e in engines.items()}, repeats)
    return ({k: [t / len(clips) for t in v] for k, v in clip_t.items()}, long_t)


def measure_push(engines: dict, signal: np.ndarray, chunk: int, repeats: int):
    chunks = [signal[i:i + chunk] for i in range(0, len(signal) - chunk + 1, chunk)]

    def push_fn(e):
        out = np.empty((64, e.n_features), np.float32)

        def run():
            s = e.stream()
            ts = np.empty(len(chunks), np.int64)
            for i, c in enumerate(chunks):
                t0 = time.perf_counter_ns()
                s.push(c, out)
                ts[i] = time.perf_counter_ns() - t0
            s.flush(out)
            return float(np.median(ts)) * 1e-9
        return run

    return _interleaved({k: push_fn(e) for k, e in engines.items()}, repeats)


_FIRST_CALL = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import fastfeat
from fastfeat import _backend
import importlib
mod = importlib.import_module(sys.argv[1])
t1 = time.perf_counter()
cfg = {cfg}
values = _backend.engine_values(cfg)
y = (0.1 * np.random.default_rng(0).standard_normal({sr})).astype(np.float32)
e = mod.Engine(values)
out = np.empty((e.n_frames(len(y)), e.n_features), np.float32)
status = e.extract(y, out, 1)[0]
t2 = time.perf_counter()
s = e.stream()
buf = np.empty((8, e.n_features), np.float32)
s.push(y[:160], buf)
t3 = time.perf_counter()
print(json.dumps(dict(status=int(status), imp=t1 - t0, first=t2 - t1, push=t3 - t2)))
"""


def measure_first_call(names: Sequence[str], preset: str) -> dict[str, dict]:
    """Fresh interpreters: import, first extract, first push (seconds)."""
    cfg_expr = ("__import__('fastfeat').Config()" if preset == "default" else
                f"__import__('fastfeat').Config.preset({preset!r}" +
                (f", sample_rate={SR})" if preset == "librosa" else ")"))
    code = _FIRST_CALL.replace("{cfg}", cfg_expr).replace("{sr}", str(SR))
    results = {}
    with tempfile.TemporaryDirectory(prefix="ff-numba-cache-") as cache:
        # PYTHONSAFEPATH: the child must import the installed/built package, not
        # the source tree of the current directory (no compiled engine there).
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONSAFEPATH="1")
        for name in names:
            runs = [("", name)] if name != "numba" else [(" (cold JIT)", name), (" (warm cache)", name)]
            for label, n in runs:
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-c", code, BACKENDS[n].module], env=env,
                                      capture_output=True, text=True)
                wall = time.perf_counter() - t0
                if proc.returncode != 0:
                    results[name + label] = dict(error=proc.stderr.strip().splitlines()[-1:])
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                r["wall"] = wall
                results[name + label] = r
    return results


def _best(ts):
    return min(ts)


def _med(ts):
    return statistics.median(ts)


def render(preset, sizes, clip_t, long_t, push_t, first, notes, long_s) -> tuple[str, list[str]]:
    names = list(clip_t)
    ref = "c" if "c" in names else names[0]
    lines = [f"### Backends ({preset} config; {sizes['clips']} x 1 s clips, {long_s:g} s signal, "
             f"{sizes['repeats']} repeats)", "",
             "| backend | clip µs (best / median) | vs C | long ms (best / median) | × real time | vs C "
             "| push 160 µs (median) | vs C |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n in names:
        c, l_, p = clip_t[n], long_t[n], push_t[n]
        lines.append(
            f"| {n} | {_best(c) * 1e6:.1f} / {_med(c) * 1e6:.1f} | {_best(c) / _best(clip_t[ref]):.2f}x "
            f"| {_best(l_) * 1e3:.1f} / {_med(l_) * 1e3:.1f} | {long_s / _best(l_):.0f} "
            f"| {_best(l_) / _best(long_t[ref]):.2f}x | {_med(p) * 1e6:.1f} "
            f"| {_med(p) / _med(push_t[ref]):.2f}x |")
    lines += ["", "### First call in a fresh interpreter", "",
              "| backend | import s | engine + first 1 s clip s | first push s | import + first clip s "
              "| process wall s |",
              "| --- | --- | --- | --- | --- | --- |"]
    for n, r in first.items():
        if "error" in r:
            lines.append(f"| {n} | failed: {r['error']} | | | | |")
            continue
        lines.append(f"| {n} | {r['imp']:.3f} | {r['first']:.3f} | {r['push']:.3f} "
                     f"| {r['imp'] + r['first']:.3f} | {r['wall']:.2f} |")
    verdicts = []
    if "numba" in long_t and "c" in long_t:
        ratio = _best(long_t["numba"]) / _best(long_t["c"])
        verdicts.append(f"Numba within 3x of C on the long signal: {'met' if ratio <= 3 else 'NOT met'} "
                        f"({ratio:.2f}x)")
    warm = first.get("numba (warm cache)")
    if warm and "error" not in warm:
        t = warm["imp"] + warm["first"]
        verdicts.append(f"Numba first call <= 1 s with the on-disk cache warm: "
                        f"{'met' if t <= 1.0 else 'NOT met'} ({t:.2f} s import + first clip)")
    lines += [""] + [f"- {v}" for v in verdicts] + [f"- {n}" for n in notes]
    return "\n".join(lines), verdicts


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="50 clips, 60 s signal, 3 repeats")
    ap.add_argument("--preset", default="default", choices=PRESETS)
    ap.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: " + ", ".join(BACKENDS))
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--no-first-call", action="store_true", help="skip the subprocess measurements")
    ap.add_argument("--markdown", metavar="PATH", help="also write the tables here")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    for n in names:
        if n not in BACKENDS:
            ap.error(f"unknown backend {n!r}; choose from {', '.join(BACKENDS)}")
    sizes = dict(clips=50 if args.quick else 200, long=60.0 if args.quick else 600.0,
                 repeats=args.repeats or (3 if args.quick else 5))

    from fastfeat import _backend

    cfg = _config(args.preset)
    values = _backend.engine_values(cfg)
    engines, notes = _engines(names, values)
    if not engines:
        print("no backend available", file=sys.stderr)
        return 1
    clips = make_clips(sizes["clips"])
    long = make_long(sizes["long"])
    print(f"timing {', '.join(engines)} ...", file=sys.stderr)
    clip_t, long_t = measure_batch(engines, clips, long, sizes["repeats"])
    push_t = measure_push(engines, make_long(60.0), 160, sizes["repeats"])
    first = {} if args.no_first_call else measure_first_call(list(engines), args.preset)
    text, _ = render(args.preset, sizes, clip_t, long_t, push_t, first, notes, sizes["long"])
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
