"""Streaming benchmarks: one push of 160 samples (10 ms) per round (pytest-benchmark).

Run:  pytest benchmarks/test_bench_stream.py --benchmark-only
      pytest benchmarks/ --benchmark-only -k stream

Group ``stream``: fastfeat ``Stream().push(chunk)`` (allocating) and
``push(chunk, out=buf)`` (preallocated), 13 MFCC and 39 dims, and
kaldi-native-fbank ``OnlineMfcc`` (accept_waveform + get_frame of the newly
ready frames).  Each round is one push of the next 10 ms chunk of one
continuous speech-like signal, so the stream is always in its steady state.
The per-push percentiles, chunk sizes 1 and 4096, threads, stream-vs-batch
and the allocation count are in ``python -m benchmarks.stream_bench`` (and
the "Streaming" section of ``python -m benchmarks.compare``).

Nothing here asserts a time.
"""

from __future__ import annotations

import os

import pytest

from . import stream_bench as sb

pytest.importorskip("pytest_benchmark")

SECONDS = float(os.environ.get("FASTFEAT_BENCH_STREAM_SECONDS", "60"))

IMPLS = {
    "fastfeat": lambda: sb.fastfeat_factory(sb.HOP),
    "fastfeat_out": lambda: sb.fastfeat_factory(sb.HOP, out=True),
    "fastfeat_deltas2": lambda: sb.fastfeat_factory(sb.HOP, deltas=2),
    "fastfeat_deltas2_out": lambda: sb.fastfeat_factory(sb.HOP, deltas=2, out=True),
    "kaldi_native_fbank": sb.knf_factory,
}


@pytest.fixture(scope="module")
def stream_chunks():
    """SECONDS of speech-like audio in 160-sample views (fixed seed)."""
    return sb.split(sb.make_speechlike(SECONDS), sb.HOP)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_stream_push(benchmark, impl, stream_chunks):
    try:
        make = IMPLS[impl]()
    except sb.Unavailable as exc:
        pytest.skip(str(exc))
    push = make()
    for x in stream_chunks[:100]:  # warm-up: buffers grown, past the first frames
        push(x)
    it = iter(stream_chunks[100:])
    benchmark.group = "stream"
    benchmark.extra_info.update(chunk_samples=sb.HOP, audio_seconds=SECONDS)
    benchmark.pedantic(push, setup=lambda: ((next(it),), {}), rounds=len(stream_chunks) - 100, iterations=1)
