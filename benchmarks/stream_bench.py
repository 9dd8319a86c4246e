"""Streaming benchmark: per-push latency of ``fastfeat.Stream`` against its peers.

Usage (from the repository root, fastfeat built and importable; see
"Build trap" in benchmarks/README.md)::

    python -m benchmarks.stream_bench            # 60 s of audio per run, 5 repeats
    python -m benchmarks.stream_bench --quick    # 20 s, 3 repeats (a few seconds)
    python -m benchmarks.stream_bench --markdown stream.md

``python -m benchmarks.compare`` runs the same measurements (its "Streaming"
section).  What is measured (benchmarks/README.md, "Streaming", has the long
version):

* **Per push.** A speech-like 16 kHz signal (noise + tones under a syllable-rate
  envelope, fixed seed) is cut into chunks beforehand (views, no copies); every
  ``push`` is timed on its own with ``time.perf_counter_ns``.  A table row
  gives the median, 99th percentile and maximum over all pushes of one run
  (each the median over the repeats, which are taken round-robin so machine
  load hits all rows alike) and the throughput, audio seconds / summed push
  time (× real time).
* **Peers.** kaldi-native-fbank ``OnlineMfcc`` (its defaults except dither 0:
  Povey window, DC removal, 23 bins from 20 Hz, energy in c0, lifter 22; the
  cost of those differences is a few per cent): per push ``accept_waveform``
  then ``get_frame(i)`` for every newly ready frame, stacked into an array.
  The librosa workaround (librosa has no streaming MFCC): keep the newest 400
  samples and compute ``librosa.feature.mfcc`` over them per push.
* **Stream vs batch.** Streaming the whole signal in 4096-sample chunks (plus
  ``flush``) against one ``Extractor(cfg)(signal)`` call.
* **Threads.** 8 independent streams (each its own signal) in 8 threads against
  the same 8 streams one after the other in one thread.
* **Allocation.** ``tracemalloc`` over 1000 pushes after warm-up: the bytes the
  pushes leave behind (every result is kept) split into numpy array data and
  Python objects, and the largest transient allocation inside one push.
  The C engine's own buffers (plain ``malloc``) are invisible to tracemalloc;
  csrc/tests check those.

Nothing here asserts a time; the numbers are reported, never checked.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")  # librosa's mel projection: one BLAS thread, as elsewhere

import argparse
import gc
import statistics
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ._report import emit
from .signals import SR, SEED

HOP = 160            # 10 ms at 16 kHz
N_THREADS = 8
ALLOC_PUSHES = 1000
TARGETS = {
    "median_us": 3.0,      # per 10 ms push, fastfeat
    "p99_us": 10.0,
    "vs_knf": 5.0,         # knf median / fastfeat median
    "vs_batch": 1.5,       # 4096-chunk streaming time / batch time
    "threads": 1.8,        # 1-thread time / 8-thread time, 2 cores
}

Push = Callable[[np.ndarray], object]
Factory = Callable[[], Push]  # a fresh stream (state) per run; returns its push function


# --------------------------------------------------------------------------
# signal
# --------------------------------------------------------------------------

def make_speechlike(seconds: float, seed: int = SEED + 7) -> np.ndarray:
    """``seconds`` of 16 kHz float32 "speech-like" audio, fixed seed.

    Blocks of 50-300 ms ("syllables"), each a few harmonics of a random
    fundamental (90-300 Hz) plus a random formant-band tone, under a smooth
    envelope, separated by short pauses, plus low white noise throughout.
    The content does not change the cost of any implementation measured; it
    only has to look like a microphone signal (non-silent, speech band).
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    y = 0.01 * rng.standard_normal(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.05, 0.3) * SR)
        stop = min(pos + length, n)
        t = np.arange(stop - pos) / SR
        f0 = rng.uniform(90, 300)
        seg = sum(np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 6))
        seg = seg + 0.5 * np.sin(2 * np.pi * rng.uniform(500, 3500) * t)
        y[pos:stop] += 0.2 * np.hanning(stop - pos) * seg
        pos = stop + int(rng.uniform(0.0, 0.15) * SR)
    return y.astype(np.float32)


def split(y: np.ndarray, chunk: int) -> list[np.ndarray]:
    """Views of ``y`` in chunks of ``chunk`` samples (the last may be shorter)."""
    return [y[i:i + chunk] for i in range(0, y.shape[0], chunk)]


# --------------------------------------------------------------------------
# the implementations: factories of push functions
# --------------------------------------------------------------------------

class Unavailable(Exception):
    """The library is not installed: the row is skipped."""


def _ff():
    try:
        import fastfeat as ff
    except ImportError as exc:
        raise Unavailable(f"fastfeat is not importable ({exc})") from None
    return ff


def fastfeat_factory(chunk: int, *, deltas: int = 0, out: bool = False) -> Factory:
    """``Stream(Config(deltas=...)).push(chunk)``, allocating or into a preallocated ``out=``."""
    ff = _ff()
    cfg = ff.Config(deltas=deltas)

    def make() -> Push:
        s = ff.Stream(cfg)
        if not out:
            return s.push
        # a push of `chunk` samples completes at most chunk // hop + 1 frames
        buf = np.empty((chunk // cfg.hop_length + 2, s.n_features), dtype=np.float32)
        push = s.push
        return lambda x: push(x, out=buf)

    return make


def knf_factory() -> Factory:
    """kaldi-native-fbank ``OnlineMfcc`` (defaults except dither 0), newly ready frames stacked.

    The chunk is handed over as a Python list (``accept_waveform`` takes a
    ``Sequence[float]``; a list converts faster than a numpy array, see
    peers.py), the conversion inside the timed push.
    """
    try:
        import kaldi_native_fbank as knf
    except ImportError as exc:
        raise Unavailable(f"kaldi_native_fbank is not installed ({exc})") from None
    opts = knf.MfccOptions()
    opts.frame_opts.dither = 0.0
    n_ceps = opts.num_ceps

    def make() -> Push:
        m = knf.OnlineMfcc(opts)
        done = 0

        def push(x: np.ndarray) -> np.ndarray:
            nonlocal done
            m.accept_waveform(SR, x.tolist())
            ready = m.num_frames_ready
            if ready == done:
                return np.empty((0, n_ceps), dtype=np.float32)
            rows = np.stack([m.get_frame(i) for i in range(done, ready)])
            done = ready
            return rows

        return push

    return make


def librosa_ring_factory() -> Factory:
    """The librosa workaround: the newest 400 samples, ``librosa.feature.mfcc`` over them per push.

    ``n_fft=512, win_length=400, hop 160, center=False, n_mels=40, htk=True``,
    Hamming window, pre-emphasis 0.97 (``librosa.effects.preemphasis`` on the
    ring, as peers.py does for the batch call).  librosa centres the 400-sample
    window in the 512-sample FFT frame, so the ring is the middle 400 samples
    of a zero-filled 512-sample buffer: one frame per call, the newest.  Only
    meaningful with hop-sized (160-sample) chunks.
    """
    try:
        import librosa
    except ImportError as exc:
        raise Unavailable(f"librosa is not installed ({exc})") from None
    n_fft, win = 512, 400
    lo = (n_fft - win) // 2
    hi = lo + win

    def make() -> Push:
        buf = np.zeros(n_fft, dtype=np.float32)

        def push(x: np.ndarray) -> np.ndarray:
            k = x.shape[0]
            buf[lo:hi - k] = buf[lo + k:hi]
            buf[hi - k:hi] = x
            y = buf.copy()
            y[lo:hi] = librosa.effects.preemphasis(buf[lo:hi], coef=0.97)
            return librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13, n_fft=n_fft, hop_length=HOP,
                                        win_length=win, window="hamming", center=False,
                                        n_mels=40, htk=True)

        return push

    return make


def push_rows(chunk: int) -> list[tuple[str, Callable[[], Factory]]]:
    """(row label, factory builder) for one chunk size."""
    rows = [
        ("fastfeat push(chunk)", lambda: fastfeat_factory(chunk)),
        ("fastfeat push(chunk, out=buf)", lambda: fastfeat_factory(chunk, out=True)),
    ]
    if chunk == HOP:
        rows += [
            ("fastfeat deltas=2 push(chunk)", lambda: fastfeat_factory(chunk, deltas=2)),
            ("fastfeat deltas=2 push(chunk, out=buf)", lambda: fastfeat_factory(chunk, deltas=2, out=True)),
        ]
    rows.append(("kaldi-native-fbank OnlineMfcc", knf_factory))
    if chunk == HOP:
        rows.append(("librosa ring of 400 samples", librosa_ring_factory))
    return rows


# --------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------

@dataclass
class PushStats:
    name: str
    chunk: int
    audio_s: float
    pushes: int = 0
    median_us: float = float("nan")
    p99_us: float = float("nan")
    max_us: float = float("nan")
    xrt: float = float("nan")      # audio seconds / summed push time
    repeats: int = 0
    skipped: str | None = None


def time_pushes(push: Push, chunks: Sequence[np.ndarray]) -> np.ndarray:
    """Nanoseconds of each ``push(chunk)``, one ``perf_counter_ns`` pair per push."""
    clock = time.perf_counter_ns
    ns = np.empty(len(chunks), dtype=np.int64)
    for i, x in enumerate(chunks):
        t0 = clock()
        push(x)
        ns[i] = clock() - t0
    return ns


def measure_push(y: np.ndarray, chunk: int, repeats: int, progress=None) -> list[PushStats]:
    """Per-push latency of every implementation of ``push_rows(chunk)`` on ``y``."""
    chunks = split(y, chunk)
    audio_s = y.shape[0] / SR
    stats, factories = [], {}
    for name, builder in push_rows(chunk):
        st = PushStats(name, chunk, audio_s, pushes=len(chunks))
        try:
            factories[name] = builder()
            time_pushes(factories[name](), chunks[: min(len(chunks), 200)])  # warm-up: imports, caches
        except Unavailable as exc:
            st.skipped = str(exc)
        stats.append(st)
    runs: dict[str, list[np.ndarray]] = {name: [] for name in factories}
    for _ in range(repeats):  # round-robin: repeat r of every row before repeat r + 1
        for name, make in factories.items():
            push = make()
            gc.collect()
            runs[name].append(time_pushes(push, chunks))
    for st in stats:
        if st.skipped:
            continue
        per = runs[st.name]
        st.median_us = statistics.median(float(np.median(ns)) / 1e3 for ns in per)
        st.p99_us = statistics.median(float(np.percentile(ns, 99)) / 1e3 for ns in per)
        st.max_us = statistics.median(float(ns.max()) / 1e3 for ns in per)
        st.xrt = statistics.median(audio_s / (ns.sum() / 1e9) for ns in per)
        st.repeats = len(per)
        if progress:
            progress(f"  stream {chunk:5d}-sample {st.name}: median {st.median_us:,.2f} us, "
                     f"p99 {st.p99_us:,.2f} us, {st.xrt:,.0f}x real time")
    return stats


@dataclass
class Ratio:
    name: str
    numerator_s: float = float("nan")    # seconds, best of repeats
    denominator_s: float = float("nan")
    ratio: float = float("nan")          # best numerator / best denominator (what the target is read on)
    median_ratio: float = float("nan")   # median numerator / median denominator
    repeats: int = 0
    target: str = ""
    met: bool | None = None
    note: str = ""
    skipped: str | None = None
    extra: dict = field(default_factory=dict)


def _ratios(r: Ratio, num: list[float], den: list[float]) -> None:
    r.numerator_s, r.denominator_s = min(num), min(den)
    r.ratio = r.numerator_s / r.denominator_s
    r.median_ratio = statistics.median(num) / statistics.median(den)
    r.repeats = len(num)


def measure_vs_batch(y: np.ndarray, repeats: int, chunk: int = 4096) -> Ratio:
    """Streaming ``y`` in ``chunk``-sample pushes (+ flush) vs one batch Extractor call."""
    r = Ratio(f"stream {chunk}-sample chunks / batch Extractor", target=f"<= {TARGETS['vs_batch']}×")
    try:
        ff = _ff()
    except Unavailable as exc:
        r.skipped = str(exc)
        return r
    cfg = ff.Config()
    ext = ff.Extractor(cfg)
    chunks = split(y, chunk)

    def stream_all():
        s = ff.Stream(cfg)
        for x in chunks:
            s.push(x)
        s.flush()

    stream_all()
    ext(y)
    ts, tb = [], []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        stream_all()
        ts.append(time.perf_counter() - t0)
        gc.collect()
        t0 = time.perf_counter()
        ext(y)
        tb.append(time.perf_counter() - t0)
    _ratios(r, ts, tb)
    r.met = r.ratio <= TARGETS["vs_batch"]
    audio = y.shape[0] / SR
    r.note = (f"stream {r.numerator_s * 1e3:.1f} ms ({audio / r.numerator_s:,.0f}× real time), "
              f"batch {r.denominator_s * 1e3:.1f} ms ({audio / r.denominator_s:,.0f}× real time)")
    return r


def measure_threads(seconds: float, repeats: int, chunk: int = HOP, n: int = N_THREADS) -> Ratio:
    """``n`` streams (own signal each) in ``n`` threads vs the same streams in one thread."""
    cores = os.cpu_count() or 1
    r = Ratio(f"{n} threads × {n} streams vs 1 thread, {chunk}-sample chunks",
              target=f">= {TARGETS['threads']}× on 2 cores" if chunk == HOP else "")
    try:
        ff = _ff()
    except Unavailable as exc:
        r.skipped = str(exc)
        return r
    cfg = ff.Config()
    signals = [make_speechlike(seconds, seed=SEED + 100 + i) for i in range(n)]
    chunked = [split(y, chunk) for y in signals]
    rows = chunk // cfg.hop_length + 2

    def run_one(chunks):
        s = ff.Stream(cfg)
        buf = np.empty((rows, s.n_features), dtype=np.float32)
        push = s.push
        for x in chunks:
            push(x, out=buf)

    def sequential() -> float:
        t0 = time.perf_counter()
        for chunks in chunked:
            run_one(chunks)
        return time.perf_counter() - t0

    def threaded() -> float:
        barrier = threading.Barrier(n + 1)

        def work(chunks):
            barrier.wait()
            run_one(chunks)

        threads = [threading.Thread(target=work, args=(c,)) for c in chunked]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    sequential(), threaded()  # warm-up
    seq, par = [], []
    for _ in range(repeats):
        gc.collect()
        seq.append(sequential())
        gc.collect()
        par.append(threaded())
    _ratios(r, seq, par)
    if chunk == HOP:
        r.met = r.ratio >= TARGETS["threads"]
    audio = n * seconds
    r.note = (f"{n} × {seconds:g} s; 1 thread {r.numerator_s * 1e3:.0f} ms ({audio / r.numerator_s:,.0f}× real time), "
              f"{n} threads {r.denominator_s * 1e3:.0f} ms ({audio / r.denominator_s:,.0f}× real time); "
              f"{cores} cores")
    return r


@dataclass
class AllocStats:
    name: str
    pushes: int = 0
    array_bytes: int = 0        # numpy array data left behind by the pushes (results kept)
    object_bytes: int = 0       # Python objects left behind (array headers / views)
    transient_max: int = 0      # largest peak-over-start inside one push
    transient_median: float = 0.0
    skipped: str | None = None


def measure_alloc(y: np.ndarray, out: bool, pushes: int = ALLOC_PUSHES, warmup: int = 100) -> AllocStats:
    """tracemalloc over ``pushes`` 160-sample pushes after ``warmup`` (every result kept)."""
    a = AllocStats("fastfeat push(chunk, out=buf)" if out else "fastfeat push(chunk)", pushes)
    try:
        push = fastfeat_factory(HOP, out=out)()
    except Unavailable as exc:
        a.skipped = str(exc)
        return a
    chunks = split(y, HOP)
    need = warmup + 2 * pushes
    chunks = (chunks * (need // len(chunks) + 1))[:need]
    for x in chunks[:warmup]:
        push(x)
    results: list = [None] * pushes
    data_domain = np.lib.tracemalloc_domain
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        # 1) what the pushes leave behind: keep every result, diff two snapshots
        before = tracemalloc.take_snapshot()
        for i in range(pushes):
            results[i] = push(chunks[warmup + i])
        after = tracemalloc.take_snapshot()

        def total(snap, inclusive):
            flt = tracemalloc.DomainFilter(inclusive, data_domain)
            return sum(s.size for s in snap.filter_traces([flt]).statistics("filename"))

        a.array_bytes = total(after, True) - total(before, True)
        a.object_bytes = total(after, False) - total(before, False)
        del before, after
        results[:] = [None] * pushes
        # 2) transient: peak above the starting point inside each push
        peaks = np.empty(pushes, dtype=np.int64)
        get, reset = tracemalloc.get_traced_memory, tracemalloc.reset_peak
        for i in range(pushes):
            start = get()[0]
            reset()
            push(chunks[warmup + pushes + i])
            peaks[i] = get()[1] - start
        a.transient_max = int(peaks.max())
        a.transient_median = float(np.median(peaks))
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return a


# --------------------------------------------------------------------------
# everything, and the report
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class StreamSizes:
    seconds: float = 60.0          # audio per run for 160- and 4096-sample chunks
    one_sample_seconds: float = 5.0
    thread_seconds: float = 60.0   # per stream, 8 streams
    repeats: int = 5

    @classmethod
    def quick(cls) -> "StreamSizes":
        return cls(seconds=20.0, one_sample_seconds=2.0, thread_seconds=20.0, repeats=3)


@dataclass
class StreamResults:
    sizes: StreamSizes
    push: dict[int, list[PushStats]]
    vs_batch: Ratio
    threads: list[Ratio]
    alloc: list[AllocStats]
    elapsed: float = 0.0


def run(sizes: StreamSizes, progress=None) -> StreamResults:
    t0 = time.perf_counter()
    y = make_speechlike(sizes.seconds)
    push = {}
    for chunk, audio in ((HOP, y), (1, y[: int(sizes.one_sample_seconds * SR)]), (4096, y)):
        if progress:
            progress(f"streaming: {chunk}-sample chunks, {audio.shape[0] / SR:g} s of audio")
        push[chunk] = measure_push(audio, chunk, sizes.repeats, progress)
    if progress:
        progress("streaming: 4096-sample chunks vs batch")
    vs_batch = measure_vs_batch(y, 4 * sizes.repeats + 1)
    if progress:
        progress(f"  {vs_batch.name}: {vs_batch.ratio:.2f}x ({vs_batch.note})")
        progress(f"streaming: {N_THREADS} threads x {N_THREADS} streams")
    threads = [measure_threads(sizes.thread_seconds, sizes.repeats + 2, chunk=c) for c in (HOP, 4096)]
    if progress:
        for r in threads:
            progress(f"  {r.name}: {r.ratio:.2f}x ({r.note})")
        progress("streaming: allocation (tracemalloc)")
    alloc = [measure_alloc(y, out=True), measure_alloc(y, out=False)]
    return StreamResults(sizes, push, vs_batch, threads, alloc, time.perf_counter() - t0)


def _f(x: float, fmt: str = ",.2f") -> str:
    return "–" if x != x else format(x, fmt)


def _verdict(met: bool | None) -> str:
    return "" if met is None else (" **met**" if met else " **not met**")


def render(res: StreamResults, heading: str = "##") -> str:
    """The streaming section as markdown (tables + the targets)."""
    sz = res.sizes
    lines = [
        f"{heading} Streaming: per-push latency of `fastfeat.Stream` vs peers",
        "",
        f"Speech-like 16 kHz float32 signal (noise + tones, fixed seed), {sz.seconds:g} s "
        f"({sz.one_sample_seconds:g} s for 1-sample chunks), cut into chunks beforehand; every push timed "
        f"alone with `perf_counter_ns`. Median / p99 / max are over all pushes of a run, then the median "
        f"over {sz.repeats} round-robin repeats. × real time = audio seconds / summed push time. "
        "fastfeat: canonical `Config()` (13 MFCC) unless `deltas=2` (39 dims); kaldi-native-fbank: "
        "`OnlineMfcc` with its own defaults except dither 0 (Povey window, 23 bins, energy, lifter 22), "
        "`accept_waveform(16000, chunk.tolist())` then `get_frame(i)` for each newly ready frame, stacked; "
        "librosa: `feature.mfcc` over a ring of the newest 400 samples per push (n_fft 512, centre off, "
        "40 HTK mel, Hamming, pre-emphasis).",
        "",
    ]
    for chunk, stats in res.push.items():
        ref = next((s for s in stats if s.name == "fastfeat push(chunk, out=buf)" and not s.skipped), None)
        ms = chunk / SR * 1e3
        lines += [f"{heading}# {chunk}-sample pushes ({ms:g} ms of audio each)", "",
                  "| implementation | median µs | p99 µs | max µs | × real time | median / fastfeat out= |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for s in stats:
            if s.skipped:
                lines.append(f"| {s.name} | skipped: {s.skipped} | | | | |")
                continue
            rel = f"{s.median_us / ref.median_us:.2f}×" if ref else "–"
            lines.append(f"| {s.name} | {_f(s.median_us)} | {_f(s.p99_us)} | {_f(s.max_us, ',.1f')} "
                         f"| {_f(s.xrt, ',.0f')} | {rel} |")
        lines.append("")

    lines += [f"{heading}# Stream vs batch, threads", "",
              "Each side is timed alternately; *ratio* uses the best repeat of each side (as the batch "
              "tables do), *median ratio* the medians; times in *details* are the best.", "",
              "| what | ratio | median ratio | repeats | target | details |",
              "| --- | ---: | ---: | ---: | --- | --- |"]
    for r in [res.vs_batch, *res.threads]:
        if r.skipped:
            lines.append(f"| {r.name} | skipped: {r.skipped} | | | | |")
        else:
            lines.append(f"| {r.name} | {r.ratio:.2f}× | {r.median_ratio:.2f}× | {r.repeats} "
                         f"| {r.target}{_verdict(r.met)} | {r.note} |")
    lines.append("")

    lines += [f"{heading}# Allocation in the steady state (tracemalloc, {ALLOC_PUSHES} pushes of 160 samples "
              "after 100 warm-up pushes)", "",
              "| push | array data left behind (B) | Python objects left behind (B) "
              "| per push | largest transient in one push (B) | median transient (B) |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for a in res.alloc:
        if a.skipped:
            lines.append(f"| {a.name} | skipped: {a.skipped} | | | | |")
            continue
        per = (a.array_bytes + a.object_bytes) / a.pushes
        lines.append(f"| {a.name} | {a.array_bytes:,} | {a.object_bytes:,} | {per:,.0f} B | "
                     f"{a.transient_max:,} | {a.transient_median:,.0f} |")
    lines += ["", "Every result is kept during the first pass, so *left behind* counts the returned arrays "
              "(with `out=`: only the view objects, no array data). The C engine's own buffers are plain "
              "`malloc` and not seen by tracemalloc.", ""]

    lines += [f"{heading}# Targets", ""]
    lines += [f"- {line}" for line in targets(res)]
    lines += ["", f"*Streaming section took {res.elapsed:.0f} s.*", ""]
    return "\n".join(lines)


def targets(res: StreamResults) -> list[str]:
    """One line per issue target: the figure, and met / not met."""
    out = []
    stats = {s.name: s for s in res.push.get(HOP, []) if not s.skipped}
    ffo, knf = stats.get("fastfeat push(chunk, out=buf)"), stats.get("kaldi-native-fbank OnlineMfcc")
    ffa = stats.get("fastfeat push(chunk)")
    if ffo:
        ok = ffo.median_us <= TARGETS["median_us"] and ffo.p99_us <= TARGETS["p99_us"]
        alloc = f"; allocating push: median {ffa.median_us:.2f} µs, p99 {ffa.p99_us:.2f} µs" if ffa else ""
        out.append(f"160-sample push, fastfeat out=: median {ffo.median_us:.2f} µs (target ≤ 3), "
                   f"p99 {ffo.p99_us:.2f} µs (target ≤ 10){alloc}:{_verdict(ok)}")
        if knf:
            ratio = knf.median_us / ffo.median_us
            out.append(f"vs kaldi-native-fbank: {ratio:.1f}× faster per push (median; target ≥ 5×)"
                       f":{_verdict(ratio >= TARGETS['vs_knf'])}")
    r = res.vs_batch
    if not r.skipped:
        out.append(f"4096-sample streaming / batch: {r.ratio:.2f}× best, {r.median_ratio:.2f}× median "
                   f"(target ≤ 1.5×):{_verdict(r.met)}")
    r = res.threads[0] if res.threads else None
    if r and not r.skipped:
        out.append(f"{N_THREADS} threads vs 1 thread, 160-sample chunks: {r.ratio:.2f}× best, "
                   f"{r.median_ratio:.2f}× median "
                   f"(target ≥ 1.8× on 2 cores; this machine has {os.cpu_count()}):{_verdict(r.met)}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 s of audio, 3 repeats")
    parser.add_argument("--seconds", type=float, help="audio per run (default 60, quick 20)")
    parser.add_argument("--repeats", type=int, help="repeats per row (default 5, quick 3)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    args = parser.parse_args(argv)
    sizes = StreamSizes.quick() if args.quick else StreamSizes()
    if args.seconds:
        sizes = StreamSizes(args.seconds, min(sizes.one_sample_seconds, args.seconds), args.seconds,
                            sizes.repeats)
    if args.repeats:
        sizes = StreamSizes(sizes.seconds, sizes.one_sample_seconds, sizes.thread_seconds, args.repeats)
    try:
        _ff()
    except Unavailable as exc:
        print(f"python -m benchmarks.stream_bench: {exc}; see 'Build trap' in benchmarks/README.md",
              file=sys.stderr)
        return 2
    res = run(sizes, progress=lambda m: print(m, file=sys.stderr, flush=True))
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    md = f"# fastfeat streaming benchmark\n\n{os.cpu_count()} cores, load average {load}.\n\n" + render(res)
    return emit(md, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
