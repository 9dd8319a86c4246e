"""Side-by-side comparison of fastfeat and its peers, in one process.

Usage (from the repository root, with fastfeat built and importable)::

    python -m benchmarks.compare                 # full sizes: 1000 clips, 600 s signal
    python -m benchmarks.compare --quick         # 100 clips, 60 s signal, fewer repeats
    python -m benchmarks.compare --markdown results.md --png ratios.png
    python -m benchmarks.compare --no-stream     # skip the streaming section

Every number is taken in this one run on this machine with ``time.perf_counter``:
each implementation is warmed up first (imports, plans, caches), then the
implementations of a table are timed round-robin, repeat by repeat, so that
a change of machine load hits them alike; the tables give the best and the
median repeat, and the ratios use the best.
The garbage collector stays on (it is part of what a user pays) but is run
before each repeat.  See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import os

# One BLAS thread for the peers, set before numpy loads OpenBLAS (see
# peers.limit_blas_threads; --blas-threads changes it at run time).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import peers, stream_bench
from .signals import SR, make_clips, make_long

HEAVY_MODULES = ("scipy", "numba", "sklearn", "matplotlib", "torch", "soundfile", "pandas")


# --------------------------------------------------------------------------
# sizes
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    n_clips: int
    long_seconds: float
    clip_repeats: int     # passes over all clips
    long_repeats: int     # calls on the long signal
    budget: float         # seconds per measurement after which repeats stop (>= 1 kept)
    import_runs: int      # fresh interpreters per imported module

    @classmethod
    def for_args(cls, args) -> "Sizes":
        if args.quick:
            base = cls(n_clips=100, long_seconds=60.0, clip_repeats=5, long_repeats=5, budget=2.0, import_runs=5)
        else:
            base = cls(n_clips=1000, long_seconds=600.0, clip_repeats=5, long_repeats=5, budget=15.0,
                       import_runs=10)
        return cls(
            n_clips=args.clips or base.n_clips,
            long_seconds=args.long_seconds or base.long_seconds,
            clip_repeats=base.clip_repeats, long_repeats=base.long_repeats,
            budget=base.budget, import_runs=args.import_runs or base.import_runs,
        )


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

@dataclass
class Timing:
    """Seconds per call: best and median over ``n`` repeats."""
    best: float
    median: float
    n: int


def time_interleaved(fns: dict[str, Callable], inputs: Sequence, repeats: int,
                     budget: float, clock: Callable[[], float] = time.perf_counter) -> dict[str, Timing]:
    """Seconds per call of each ``fn(x)`` for x in ``inputs`` (one Python call each).

    Every fn is warmed up with one call on ``inputs[0]``; then the timed
    passes over all inputs go round-robin (pass r of every implementation
    before pass r+1 of any), so a change of machine load during the run hits
    all of them alike.  Up to ``repeats`` passes each; an implementation stops
    once its own timed passes have taken ``budget`` seconds (one is always kept).
    ``clock`` is wall time by default; ``time.thread_time`` leaves out the time
    a shared machine's scheduler gives to other processes (one-thread calls).
    """
    for fn in fns.values():
        fn(inputs[0])
    times: dict[str, list[float]] = {name: [] for name in fns}
    spent = dict.fromkeys(fns, 0.0)
    for _ in range(repeats):
        for name, fn in fns.items():
            if times[name] and spent[name] > budget:
                continue
            gc.collect()
            t0 = clock()
            for x in inputs:
                fn(x)
            dt = clock() - t0
            times[name].append(dt / len(inputs))
            spent[name] += dt
    return {name: Timing(min(t), statistics.median(t), len(t)) for name, t in times.items()}


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    group: str
    timing: Timing | None = None
    skipped: str | None = None
    extra: dict = field(default_factory=dict)


def _build(peer: peers.Peer):
    try:
        return peer.make(), None
    except peers.Unavailable as exc:
        return None, str(exc)


def measure_peers(groups: tuple[str, ...], inputs: Sequence, repeats: int, budget: float,
                  label: str, blas_threads: int) -> list[Row]:
    rows, fns = [], {}
    for peer in peers.peers(*groups):
        fn, why = _build(peer)
        if fn is None:
            _progress(f"  {label:6s} {peer.name}: skipped ({why})")
        else:
            fns[peer.name] = fn
        rows.append(Row(peer.name, peer.group, skipped=why))
    peers.limit_blas_threads(blas_threads)  # a peer's import may have loaded another BLAS
    timings = time_interleaved(fns, inputs, repeats, budget)
    for row in rows:
        row.timing = timings.get(row.name)
        if row.timing is not None:
            t = row.timing
            _progress(f"  {label:6s} {row.name}: best {t.best * 1e6:,.1f} us/call ({t.n} repeats)")
    return rows


def measure_parallel(clips, long, sizes: Sizes) -> list[Row]:
    """fastfeat Extractor.map over the clips (1 thread vs all cores) and threads within the long signal."""
    try:
        import fastfeat as ff
    except ImportError as exc:
        return [Row("fastfeat parallel", "parallel", skipped=f"fastfeat is not importable ({exc})")]
    cfg = ff.Config()
    ext = ff.Extractor(cfg)
    cores = os.cpu_count() or 1
    rows = []
    maps = {"map, 1 thread": 1, f"map, all cores ({cores} threads)": None}
    timings = time_interleaved({label: (lambda xs, t=threads: ext.map(xs, threads=t))
                                for label, threads in maps.items()},
                               [clips], sizes.clip_repeats, sizes.budget)
    for label, threads in maps.items():
        t = timings[label]
        _progress(f"  map    {label}: best {t.best:.3f} s per {len(clips)} clips")
        rows.append(Row(label, "map", timing=t, extra={"threads": threads or cores}))
    longs = {f"long signal, Extractor(threads={k})": k for k in sorted({1, 2, cores})}
    timings = time_interleaved({label: ff.Extractor(cfg, threads=k) for label, k in longs.items()},
                               [long], sizes.long_repeats, sizes.budget)
    for label, k in longs.items():
        t = timings[label]
        _progress(f"  threads {label}: best {t.best:.3f} s")
        rows.append(Row(label, "threads", timing=t, extra={"threads": k}))
    return rows


# --------------------------------------------------------------------------
# import time, in fresh interpreters
# --------------------------------------------------------------------------

_IMPORT_PROBE = r"""
import json, sys, time
import numpy
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
heavy = [m for m in {heavy!r} if m in sys.modules]
first = None
if {maker!r}:
    from benchmarks import peers, signals
    y = signals.make_clips(1)[0]
    t2 = time.perf_counter()
    getattr(peers, {maker!r})()(y)
    first = (t1 - t0) + (time.perf_counter() - t2)
print(json.dumps({{"import": t1 - t0, "first": first, "heavy": heavy}}))
"""

_NUMPY_PROBE = r"""
import json, time
t0 = time.perf_counter()
import numpy
print(json.dumps({"import": time.perf_counter() - t0, "first": None, "heavy": []}))
"""

# (row label, module imported, peers factory for "first MFCC")
IMPORTS = [
    ("numpy (over a bare interpreter)", None, None),
    ("fastfeat", "fastfeat", "make_fastfeat"),
    ("librosa", "librosa", "make_librosa"),
    ("kaldi-native-fbank", "kaldi_native_fbank", "make_knf"),
    ("python_speech_features", "python_speech_features", "make_psf"),
]


def _child_env() -> dict:
    """Environment for child interpreters: they import the same fastfeat and benchmarks as we do."""
    paths = []
    try:
        import fastfeat
        paths.append(str(Path(fastfeat.__file__).resolve().parent.parent))
    except ImportError:
        pass
    paths.append(str(Path(__file__).resolve().parent.parent))
    paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def _run_child(code: str, env: dict, cwd: str, extra_args: Sequence[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *extra_args, "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def measure_imports(runs: int) -> tuple[list[dict], list[tuple[str, float]]]:
    """Median import time (and import + first MFCC) of each module, fresh interpreter each run.

    Also returns fastfeat's largest self-time imports from ``-X importtime``.
    """
    env = _child_env()
    rows = []
    with tempfile.TemporaryDirectory() as cwd:  # not the repo root: no shadowing source tree
        for label, module, maker in IMPORTS:
            code = _NUMPY_PROBE if module is None else _IMPORT_PROBE.format(
                module=module, heavy=HEAVY_MODULES, maker=maker)
            samples, error = [], None
            for i in range(runs + 1):  # the first run warms the OS file cache; not kept
                proc = _run_child(code, env, cwd)
                if proc.returncode != 0:
                    error = (proc.stderr.strip().splitlines() or ["failed"])[-1]
                    break
                if i:
                    samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            if error:
                _progress(f"  import {label}: {error}")
                rows.append({"label": label, "error": error})
                continue
            imp = statistics.median(s["import"] for s in samples)
            first = statistics.median(s["first"] for s in samples) if samples[0]["first"] is not None else None
            _progress(f"  import {label}: {imp * 1e3:.1f} ms")
            rows.append({"label": label, "module": module, "import": imp, "first": first,
                         "heavy": samples[0]["heavy"], "runs": len(samples)})
        top = []
        proc = _run_child("import numpy\nimport fastfeat", env, cwd, ("-X", "importtime"))
        if proc.returncode == 0:
            top = _importtime_top(proc.stderr, after="numpy")
    return rows, top


def _importtime_top(stderr: str, after: str, n: int = 6) -> list[tuple[str, float]]:
    """Largest self times (seconds) among modules imported after ``after`` finished."""
    entries, started = [], False
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, _cum, name = (part.strip() for part in line[len("import time:"):].split("|"))
            self_us = int(self_us)
        except ValueError:
            continue
        if started:
            entries.append((name.strip(), self_us / 1e6))
        elif name.strip() == after:
            started = True
    return sorted(entries, key=lambda e: -e[1])[:n]


# --------------------------------------------------------------------------
# machine
# --------------------------------------------------------------------------

def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    backend = "n/a"
    try:
        import fastfeat as ff
        backend = ff.backend() if callable(getattr(ff, "backend", None)) else str(getattr(ff, "backend", "?"))
    except ImportError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "load": load,
        "python": platform.python_version(), "platform": platform.platform(terse=True),
        "versions": peers.versions(), "fastfeat_backend": backend,
    }


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def _ratio(t: Timing | None, ref: Timing | None) -> str:
    if t is None or ref is None:
        return "–"
    return f"{t.best / ref.best:.2f}×"


def _reference(rows: list[Row], group: str) -> Timing | None:
    for r in rows:
        if r.group == group and r.name == "fastfeat" and r.timing is not None:
            return r.timing
    return None


def render(machine: dict, sizes: Sizes, clip_rows, long_rows, rows39, par_rows, imports, import_top,
           elapsed: float, stream: "stream_bench.StreamResults | None" = None) -> str:
    v = machine["versions"]
    lines = [
        "# fastfeat benchmark: batch and streaming MFCC vs peers",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"load average at start {machine['load']}; Python {machine['python']} on {machine['platform']}.",
        "",
        "**Versions:** " + ", ".join(f"{k} {val}" for k, val in v.items())
        + f"; fastfeat backend `{machine['fastfeat_backend']}`; BLAS threads for the peers: {machine['blas']}.",
        "",
        f"**Signals:** {sizes.n_clips} clips of 1 s and one {sizes.long_seconds:g} s signal, 16 kHz float32, "
        "noise + tone, fixed seed. Canonical config: frame 400, hop 160, n_fft 512, Hamming, "
        "pre-emphasis 0.97, 40 HTK mel bands, 13 MFCC (peers set as close as each allows; see peers.py).",
        "",
        "**Ratio** = peer time / fastfeat time (best of repeats): *N* > 1 means fastfeat is *N*× faster; "
        "for the FFT-floor rows it is below 1 (the floor does less work). "
        "**× real time** = seconds of audio per second of compute, one thread.",
        "",
    ]

    def table(title: str, rows: list[Row], ref: Timing | None, per: str, audio_s: float,
              scale: Callable[[float], str], unit: str) -> None:
        lines.extend([f"## {title}", "",
                      f"| implementation | {unit} {per} (best) | {unit} (median) "
                      "| ratio peer / fastfeat | × real time |",
                      "| --- | ---: | ---: | ---: | ---: |"])
        for r in rows:
            if r.timing is None:
                lines.append(f"| {r.name} | skipped: {r.skipped} | | | |")
                continue
            t = r.timing
            lines.append(f"| {r.name} | {scale(t.best)} | {scale(t.median)} | {_ratio(t, ref)} | "
                         f"{audio_s / t.best:,.0f} |")
        lines.append("")

    ref13 = _reference(clip_rows, "mfcc13")
    table(f"Per clip: 13 MFCC of a 1 s clip, one call each ({sizes.n_clips} clips)", clip_rows, ref13,
          "per clip", 1.0, _us, "µs")
    table(f"Long signal: 13 MFCC of {sizes.long_seconds:g} s in one call", long_rows,
          _reference(long_rows, "mfcc13"), "per call", sizes.long_seconds, lambda s: f"{s:.3f}", "s")
    table("39 dims: 13 MFCC + Δ + ΔΔ of a 1 s clip, one call each", rows39,
          _reference(rows39, "mfcc39"), "per clip", 1.0, _us, "µs")

    lines.extend(["## Parallel (fastfeat only)", "",
                  "| what | time (best) | time (median) | speed-up vs 1 thread | × real time |",
                  "| --- | ---: | ---: | ---: | ---: |"])
    base = {}
    for r in par_rows:
        if r.timing is None:
            lines.append(f"| {r.name} | skipped: {r.skipped} | | | |")
            continue
        t = r.timing
        if r.extra.get("threads") == 1:
            base[r.group] = t
        b = base.get(r.group)
        speed = f"{b.best / t.best:.2f}×" if b else "–"
        audio = sizes.n_clips if r.group == "map" else sizes.long_seconds
        per = (f"{t.best:.3f} s ({_us(t.best / sizes.n_clips)} µs/clip)" if r.group == "map"
               else f"{t.best:.3f} s")
        lines.append(f"| {r.name} | {per} | {t.median:.3f} s | {speed} | {audio / t.best:,.0f} |")
    lines.append("")

    if stream is not None:
        lines.append(stream_bench.render(stream, heading="##"))

    lines.extend(["## Import time (fresh interpreter, median of runs)", "",
                  "| module | import over `import numpy` (ms) | ratio / fastfeat | import + first 1 s MFCC (ms) "
                  "| heavy modules pulled in |",
                  "| --- | ---: | ---: | ---: | --- |"])
    ff_imp = next((i for i in imports if i.get("module") == "fastfeat" and "error" not in i), None)
    for i in imports:
        if "error" in i:
            lines.append(f"| {i['label']} | failed: {i['error']} | | | |")
            continue
        ratio = f"{i['import'] / ff_imp['import']:.2f}×" if ff_imp and i.get("module") else "–"
        first = f"{i['first'] * 1e3:,.1f}" if i["first"] is not None else "–"
        heavy = ", ".join(i["heavy"]) or "none"
        lines.append(f"| {i['label']} | {i['import'] * 1e3:,.1f} | {ratio} | {first} | {heavy} |")
    lines.append("")
    if import_top:
        lines.append("Largest self times in `import fastfeat` (`-X importtime`, one run): "
                     + ", ".join(f"`{name}` {s * 1e3:.1f} ms" for name, s in import_top) + ".")
        lines.append("")
    lines.append(f"*Run took {elapsed:.0f} s.*")
    return "\n".join(lines) + "\n"


def write_png(path: str, clip_rows, long_rows, rows39) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        _progress(f"matplotlib is not installed; --png {path} skipped (pip install matplotlib)")
        return
    panels = [("per 1 s clip", clip_rows, "mfcc13"), ("long signal", long_rows, "mfcc13"),
              ("39 dims, per clip", rows39, "mfcc39")]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), constrained_layout=True)
    for ax, (title, rows, group) in zip(axes, panels):
        ref = _reference(rows, group)
        data = [(r.name, r.timing.best / ref.best) for r in rows
                if r.timing is not None and ref is not None and not (r.name == "fastfeat" and r.group == group)]
        if not data:
            ax.set_visible(False)
            continue
        names, ratios = zip(*data)
        colors = ["tab:gray" if "floor" in n else ("tab:green" if n.startswith("fastfeat") else "tab:blue")
                  for n in names]
        ypos = np.arange(len(names))
        ax.barh(ypos, ratios, color=colors)
        ax.set_yticks(ypos, names)
        ax.invert_yaxis()
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(ticker.LogLocator(base=2))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}×"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlim(min(min(ratios), 1.0) / 1.5, max(max(ratios), 1.0) * 1.6)
        ax.axvline(1.0, color="black", linewidth=1)
        for y, r in zip(ypos, ratios):
            ax.text(r, y, f" {r:.2g}×", va="center", fontsize=8)
        ax.set_title(title)
        ax.set_xlabel("peer time / fastfeat time (>1: fastfeat faster)")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    _progress(f"wrote {path}")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 clips, a 60 s signal, fewer repeats (about a minute)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    parser.add_argument("--png", metavar="FILE", help="bar plot of the ratios (needs matplotlib)")
    parser.add_argument("--clips", type=int, metavar="N", help="number of 1 s clips (overrides the preset)")
    parser.add_argument("--long-seconds", type=float, metavar="S", help="length of the long signal in seconds")
    parser.add_argument("--import-runs", type=int, metavar="N", help="fresh interpreters per import measurement")
    parser.add_argument("--blas-threads", type=int, default=1, metavar="N",
                        help="BLAS threads for the peers (default 1, like one fastfeat call)")
    parser.add_argument("--no-stream", action="store_true",
                        help="skip the streaming section (per-push latency, threads, allocation)")
    parser.add_argument("--models", action="store_true",
                        help="add the speech-model front ends (benchmarks/bench_models.py: Whisper vs "
                             "openai-whisper and transformers; needs the 'models' extra)")
    args = parser.parse_args(argv)
    for name in ("clips", "long_seconds", "import_runs", "blas_threads"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name.replace('_', '-')}={value} is not valid; it must be > 0")
    if args.long_seconds is not None and args.long_seconds * SR < 400:
        parser.error("--long-seconds must give at least one 400-sample frame (>= 0.025 s)")

    try:
        import fastfeat  # noqa: F401  (a comparison without fastfeat says nothing)
    except ImportError as exc:
        print(f"python -m benchmarks.compare: fastfeat is not importable: {exc}\n"
              "Build it first (pip install -e .); with a build elsewhere see 'Build trap' in "
              "benchmarks/README.md.", file=sys.stderr)
        return 2

    sizes = Sizes.for_args(args)
    start = time.perf_counter()
    machine = machine_info()
    # import every peer once (each may load its own BLAS), then limit them all
    for peer in peers.PEERS:
        _build(peer)
    machine["blas"] = peers.limit_blas_threads(args.blas_threads)
    _progress(f"signals: {sizes.n_clips} x 1 s clips, {sizes.long_seconds:g} s long signal")
    clips = make_clips(sizes.n_clips)
    long = make_long(sizes.long_seconds)

    _progress("per clip (13 MFCC, FFT floor)")
    clip_rows = measure_peers(("mfcc13", "floor"), clips, sizes.clip_repeats, sizes.budget, "clip",
                              args.blas_threads)
    _progress("long signal")
    long_rows = measure_peers(("mfcc13", "floor"), [long], sizes.long_repeats, sizes.budget, "long",
                              args.blas_threads)
    _progress("39 dims per clip")
    rows39 = measure_peers(("mfcc39",), clips, sizes.clip_repeats, sizes.budget, "39", args.blas_threads)
    _progress("parallel")
    par_rows = measure_parallel(clips, long, sizes)
    stream = None
    if not args.no_stream:
        _progress("streaming")
        stream = stream_bench.run(stream_bench.StreamSizes.quick() if args.quick else stream_bench.StreamSizes(),
                                  progress=_progress)
    _progress("import time")
    imports, import_top = measure_imports(sizes.import_runs)

    md = render(machine, sizes, clip_rows, long_rows, rows39, par_rows, imports, import_top,
                time.perf_counter() - start, stream)
    if args.models:
        from . import bench_models

        md += "\n" + bench_models.run(args.quick, progress=_progress)
    print(md)
    if args.markdown:
        Path(args.markdown).write_text(md, encoding="utf-8")
        _progress(f"wrote {args.markdown}")
    if args.png:
        write_png(args.png, clip_rows, long_rows, rows39)
    return 0


if __name__ == "__main__":
    sys.exit(main())
