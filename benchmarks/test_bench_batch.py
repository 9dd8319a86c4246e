"""Batch MFCC benchmarks, fastfeat against its peers (pytest-benchmark).

Run:  pytest benchmarks/ --benchmark-only
      pytest benchmarks/ --benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,mean,rounds

Groups:
  clips     one call per 1 s clip (cycling through the 1000 clips, each round
            a new clip): the per-clip cost including the Python call
  long      one call on the 600 s signal
  deltas39  13 MFCC + delta + delta-delta, one clip per call
  map       Extractor.map over all clips with 1 thread vs all cores, and
            Extractor(threads=1 / 2) on the long signal

Nothing here asserts a time; ratios are read from the table (or from
``python -m benchmarks.compare``, which prints them directly).
"""

from __future__ import annotations

import itertools
import os

import pytest

from . import peers

pytest.importorskip("pytest_benchmark")

LONG_ROUNDS = 3
MAP_ROUNDS = 3


def _build(peer: peers.Peer):
    try:
        return peer.make()
    except peers.Unavailable as exc:
        pytest.skip(str(exc))


def _per_clip(benchmark, fn, clips):
    """Time fn on one clip per round, a different clip each round, every clip once."""
    fn(clips[0])  # warm-up (imports, plans, caches) outside the timing
    it = itertools.cycle(clips)
    benchmark.pedantic(fn, setup=lambda: ((next(it),), {}), rounds=len(clips), iterations=1)


def _ids(group):
    return [pytest.param(p, id=p.name.replace(" ", "_")) for p in peers.peers(*group)]


@pytest.mark.parametrize("peer", _ids(("mfcc13", "floor")))
def test_clips(benchmark, peer, clips):
    benchmark.group = "clips"
    benchmark.extra_info["clips"] = len(clips)
    _per_clip(benchmark, _build(peer), clips)


@pytest.mark.parametrize("peer", _ids(("mfcc13", "floor")))
def test_long(benchmark, peer, long_signal):
    benchmark.group = "long"
    fn = _build(peer)
    fn(long_signal)  # warm-up, plans the pyfftw floor for this frame count
    benchmark.extra_info["audio_seconds"] = long_signal.shape[0] / 16000
    benchmark.pedantic(fn, args=(long_signal,), rounds=LONG_ROUNDS, iterations=1)


@pytest.mark.parametrize("peer", _ids(("mfcc39",)))
def test_deltas39(benchmark, peer, clips):
    benchmark.group = "deltas39"
    _per_clip(benchmark, _build(peer), clips)


def _fastfeat():
    try:
        import fastfeat as ff
    except ImportError as exc:
        pytest.skip(f"fastfeat is not importable ({exc})")
    return ff


@pytest.mark.parametrize("threads", [1, None], ids=["1thread", "allcores"])
def test_map_clips(benchmark, threads, clips):
    ff = _fastfeat()
    ext = ff.Extractor(ff.Config())
    benchmark.group = "map"
    benchmark.extra_info.update(clips=len(clips), threads=threads or os.cpu_count())
    ext.map(clips[:8], threads=threads)  # warm-up: thread pool, first touches
    benchmark.pedantic(ext.map, args=(clips,), kwargs={"threads": threads}, rounds=MAP_ROUNDS, iterations=1)


@pytest.mark.parametrize("threads", [1, 2], ids=["long_1thread", "long_2threads"])
def test_threads_long(benchmark, threads, long_signal):
    ff = _fastfeat()
    ext = ff.Extractor(ff.Config(), threads=threads)
    benchmark.group = "map"
    benchmark.extra_info.update(threads=threads, audio_seconds=long_signal.shape[0] / 16000)
    ext(long_signal)  # warm-up
    benchmark.pedantic(ext, args=(long_signal,), rounds=MAP_ROUNDS, iterations=1)
