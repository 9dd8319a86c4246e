"""Streaming equals batch: Stream.push over any chunking + flush == Extractor.

The stream runs the same C block pipeline on the same samples as batch, and
the engine is built without fused multiply-adds, so a frame computed alone (a
1-frame block) rounds exactly as in a 16-frame block: the comparison is exact,
bit for bit -- stricter than DESIGN.md's "within float32 rounding".
"""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastfeat as ff

def _close(got: np.ndarray, ref: np.ndarray) -> None:
    assert got.shape == ref.shape
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ref)


def _stream(cfg: ff.Config, y: np.ndarray, cuts) -> np.ndarray:
    s = ff.Stream(cfg)
    rows, pos = [], 0
    for c in cuts:
        chunk = y[pos:pos + c]
        predicted = s.frames_for(len(chunk))
        r = s.push(chunk)
        assert r.shape == (predicted, cfg.n_features)
        rows.append(r)
        pos += len(chunk)
    rows.append(s.push(y[pos:]))
    rows.append(s.flush())
    return np.concatenate(rows)


PRESET_CONFIGS = {
    "default": ff.Config(),
    "default-deltas": ff.Config(deltas=2, energy="append"),
    "librosa": ff.Config.preset("librosa", sample_rate=16000, top_db=None),
    "librosa-reflect": ff.Config.preset("librosa", sample_rate=16000, top_db=None, pad_mode="reflect",
                                        n_fft=512, frame_length=400, hop_length=160, deltas=1),
    "librosa-center-false": ff.Config.preset("librosa", sample_rate=16000, top_db=None, center=False,
                                             n_fft=512, frame_length=300, hop_length=128, dct_type=3,
                                             mel_norm=None, mel_pnorm=2.0, pad_mode="symmetric", deltas=1),
    "kaldi": ff.Config.preset("kaldi"),  # dither on: seeded by sample index
    "kaldi-nosnip": ff.Config.preset("kaldi", snip_edges=False, deltas=2),
    "psf": ff.Config.preset("python_speech_features", deltas=2, delta_width=3),
    "power": ff.Config(kind="power", window="hann", frame_length=320, n_fft=320, preemphasis=0, log="ln"),
}


def _signal(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = 0.4 * np.sin(2 * np.pi * (200 + 3000 * t) * t) + 0.05 * rng.standard_normal(n)
    return y.astype(np.float32)


@pytest.mark.parametrize("name", sorted(PRESET_CONFIGS))
@pytest.mark.parametrize("chunk", [1, 7, 160, 4096])
def test_fixed_chunkings(name, chunk):
    cfg = PRESET_CONFIGS[name]
    y = _signal(3 * 16000 // 4 if chunk > 1 else 4000, 1)
    ref = ff.Extractor(cfg)(y)
    cuts = [chunk] * (len(y) // chunk)
    _close(_stream(cfg, y, cuts), ref)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(PRESET_CONFIGS)),
       n=st.integers(0, 6000),
       seed=st.integers(0, 2**16),
       cuts=st.lists(st.integers(0, 900), max_size=40))
def test_random_chunkings(name, n, seed, cuts):
    cfg = PRESET_CONFIGS[name]
    y = _signal(n, seed)
    got = _stream(cfg, y, cuts)
    if ff.Extractor(cfg).n_frames(n) == 0:
        assert got.shape == (0, cfg.n_features)  # too short: nothing, in stream as in batch
        return
    _close(got, ff.Extractor(cfg)(y))


def test_out_buffer_and_reset():
    cfg = ff.Config(deltas=2)
    y = _signal(16000, 3)
    ref = ff.Extractor(cfg)(y)
    s = ff.Stream(cfg)
    buf = np.empty((8, cfg.n_features), np.float32)
    for _ in range(2):  # reset() starts a new utterance with the same tables
        s.reset()
        rows = []
        for i in range(0, len(y), 160):
            r = s.push(y[i:i + 160], out=buf)
            assert r.base is buf or r.size == 0 or np.shares_memory(r, buf)
            rows.append(r.copy())
        rows.append(s.flush())
        _close(np.concatenate(rows), ref)


def test_out_views_stay_right_when_the_caller_changes_one():
    # push(out=buf) hands out the same view of buf again while it is still
    # exactly buf[:k]; one the caller reshaped or froze is replaced
    cfg = ff.Config()
    y = _signal(4000, 5)
    ref = ff.Extractor(cfg)(y)
    s = ff.Stream(cfg)
    buf = np.empty((4, cfg.n_features), np.float32)
    first = s.push(y[:560], out=buf)  # frames 0 and 1
    _close(first, ref[0:2])
    first.shape = (first.size,)
    second = s.push(y[560:880], out=buf)  # frames 2 and 3
    _close(second, ref[2:4])
    second.flags.writeable = False
    third = s.push(y[880:1200], out=buf)  # frames 4 and 5
    assert third.flags.writeable and np.shares_memory(third, buf)
    _close(third, ref[4:6])
    _close(s.push(y[1200:1360], out=buf), ref[6:7])
    _close(s.push(y[1360:1520], out=buf), ref[7:8])
    assert first.shape == (26,) and not second.flags.writeable  # the caller's changes stay theirs


def test_samples_the_fast_path_does_not_take():
    # unaligned or read-only float32, float64: the checked path, same numbers
    cfg = ff.Config(deltas=1)
    y = _signal(4000, 6)
    ref = ff.Extractor(cfg)(y)
    unaligned = np.frombuffer(b"\0" + y.tobytes(), np.float32, offset=1)
    assert not unaligned.flags.aligned and not unaligned.flags.writeable
    for x in (unaligned, y.astype(np.float64)):
        _close(ff.Extractor(cfg)(x), ref)
        s = ff.Stream(cfg)
        _close(np.concatenate([s.push(x[:1234]), s.push(x[1234:]), s.flush()]), ref)


def test_a_stream_needs_no_cycle_collector():
    # the C engine's push is bound to the stream without a reference cycle:
    # a dropped stream (and its C buffers) goes at once
    gc.disable()
    try:
        s = ff.Stream()
        s.push(np.zeros(1000, np.float32))
        ref = weakref.ref(s)
        del s
        assert ref() is None
    finally:
        gc.enable()


def test_latency():
    cfg = ff.Config(deltas=2, delta_width=2)
    s = ff.Stream(cfg)
    assert s.latency_frames == 4
    assert s.latency_samples == 400 + 4 * 160
    y = _signal(5000, 4)
    # Row t is out once t * hop + latency_samples samples have been pushed.
    n = 2 * 160 + s.latency_samples
    assert s.push(y[:n - 1]).shape[0] == 2
    assert s.push(y[n - 1:n]).shape[0] == 1


def test_threads_match_sequential():
    cfg = ff.Config.preset("kaldi", deltas=2)
    signals = [_signal(12000 + 977 * i, 10 + i) for i in range(8)]
    expected = [_stream(cfg, y, [160] * 80) for y in signals]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = _stream(cfg, signals[i], [160] * 80)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        np.testing.assert_array_equal(results[i], expected[i])


def test_dither_is_chunk_independent():
    cfg = ff.Config.preset("kaldi", dither=0.01, seed=5)
    y = _signal(8000, 5)
    a = _stream(cfg, y, [1] * 500 + [13] * 100)
    b = _stream(cfg, y, [8000])
    _close(a, b)
    c = _stream(cfg.replace(seed=6), y, [8000])
    assert np.abs(c - b).max() > 1e-3  # the seed matters
    _close(b, ff.Extractor(cfg)(y))
