"""StreamPool == one Stream per handle, bit for bit, whatever the interleaving.

Random programs of pushes (random handle subsets in random order, random
chunk lengths, both chunk forms and the out/offsets form), rejected pushes
(NaN, bad dtype, repeated or closed handle, small out, flushed stream) and
open/close/reset/flush, for every causal preset: after each push every
stream's rows equal those of a Stream fed the same chunks.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastfeat as ff
from test_stream import PRESET_CONFIGS, _signal


class Model:
    """A pool and, beside it, one Stream per open handle fed the same chunks."""

    def __init__(self, cfg: ff.Config, n: int) -> None:
        self.cfg = cfg
        self.pool = ff.StreamPool(cfg)
        self.refs: dict[int, ff.Stream] = {}
        self.pos: dict[int, int] = {}
        self.flushed: set[int] = set()
        self.signals = [_signal(20000, seed) for seed in range(n)]
        self.sig_of: dict[int, int] = {}
        for i in range(n):
            self.open(i)

    def open(self, sig: int) -> None:
        h = self.pool.open()
        assert h not in self.refs
        self.refs[h] = ff.Stream(self.cfg)
        self.pos[h] = 0
        self.sig_of[h] = sig

    def chunk(self, h: int, length: int) -> np.ndarray:
        y = self.signals[self.sig_of[h]]
        p = self.pos[h] % (len(y) - 1000)
        return y[p:p + length]

    def state(self) -> dict[int, tuple]:
        """What a rejected push must leave unchanged: rows owed by a flush now."""
        return {h: (self.pos[h], self.pool.rows_for([h], 0)) for h in self.refs if h not in self.flushed}

    def push(self, handles: list[int], lengths: list[int], form: str) -> None:
        chunks = [self.chunk(h, n) for h, n in zip(handles, lengths)]
        if form == "2d" and len(set(lengths)) <= 1:
            m = lengths[0] if lengths else 0
            arr = np.stack(chunks) if handles else np.empty((0, m), np.float32)
            got = self.pool.push(handles, arr)
        elif form == "out":
            need = sum(self.refs[h].frames_for(n) for h, n in zip(handles, lengths))
            out = np.full((need + 3, self.cfg.n_features), np.nan, np.float32)
            offsets = np.empty(len(handles) + 1, np.int64)
            flat = self.pool.push(np.array(handles, np.int64), chunks, out, offsets)
            assert flat.shape[0] == need == offsets[len(handles)]
            got = [flat[offsets[i]:offsets[i + 1]] for i in range(len(handles))]
        else:
            got = self.pool.push(handles, chunks)
        assert len(got) == len(handles)
        for h, c, g in zip(handles, chunks, got):
            np.testing.assert_array_equal(g, self.refs[h].push(c))
            self.pos[h] += len(c)

    def flush(self, h: int) -> None:
        np.testing.assert_array_equal(self.pool.flush(h), self.refs[h].flush())
        self.flushed.add(h)

    def reset(self, h: int) -> None:
        self.pool.reset(h)
        self.refs[h].reset()
        self.flushed.discard(h)
        self.pos[h] = 0

    def close(self, h: int) -> None:
        self.pool.close(h)
        del self.refs[h], self.pos[h]
        self.flushed.discard(h)


def _live(m: Model, picks: list[int]) -> list[int]:
    handles = sorted(h for h in m.refs if h not in m.flushed)
    seen: list[int] = []
    for p in picks:
        if handles and handles[p % len(handles)] not in seen:
            seen.append(handles[p % len(handles)])
    return seen


OPS = st.lists(st.tuples(st.sampled_from(["push", "push", "push", "nan", "dtype", "repeat", "flush",
                                          "reset", "close", "open"]),
                         st.lists(st.integers(0, 50), max_size=12),
                         st.lists(st.sampled_from([0, 1, 7, 160, 160, 160, 401, 1500]), min_size=1, max_size=12),
                         st.sampled_from(["2d", "list", "out"])),
               max_size=25)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(PRESET_CONFIGS)), n=st.integers(1, 20), ops=OPS)
def test_pool_equals_one_stream_per_handle(name, n, ops):
    m = Model(PRESET_CONFIGS[name], n)
    for op, picks, lens, form in ops:
        handles = _live(m, picks)
        lengths = [lens[i % len(lens)] for i in range(len(handles))]
        if form == "2d":
            lengths = [lens[0]] * len(handles)
        if op == "push":
            m.push(handles, lengths, form)
        elif op in ("nan", "dtype", "repeat") and handles:
            before = m.state()
            chunks = [m.chunk(h, max(k, 1)).copy() for h, k in zip(handles, lengths)]
            bad = len(handles) - 1
            hs = list(handles)
            if op == "nan":
                chunks[bad][len(chunks[bad]) // 2] = np.nan
                match = f"chunks\\[{bad}\\] \\(handle {hs[bad]}\\) contains a non-finite"
            elif op == "dtype":
                chunks[bad] = (chunks[bad] * 1000).astype(np.int16)
                match = f"chunks\\[{bad}\\] \\(handle {hs[bad]}\\) has integer dtype"
            else:
                hs.append(hs[0])
                chunks.append(chunks[0])
                match = f"handles\\[{bad + 1}\\]={hs[0]} appears twice"
            with pytest.raises((ValueError, TypeError), match=match):
                m.pool.push(hs, chunks)
            assert m.state() == before
        elif op == "flush" and handles:
            m.flush(handles[0])
        elif op == "reset" and m.refs:
            m.reset(sorted(m.refs)[picks[0] % len(m.refs) if picks else 0])
        elif op == "close" and m.refs:
            m.close(sorted(m.refs)[picks[0] % len(m.refs) if picks else 0])
        elif op == "open":
            m.open(len(m.refs) % n)
    for h in list(m.refs):
        if h not in m.flushed:
            m.flush(h)
    assert len(m.pool) == len(m.refs)


@pytest.mark.parametrize("name", sorted(PRESET_CONFIGS))
def test_whole_signals_equal_batch(name):
    """Ticks of 10 ms for 20 streams (more than one block of lanes) equal batch."""
    cfg = PRESET_CONFIGS[name]
    pool = ff.StreamPool(cfg)
    handles = np.array([pool.open() for _ in range(20)], np.int64)
    y = np.stack([_signal(8000, s) for s in range(20)])
    rows: list[list[np.ndarray]] = [[] for _ in handles]
    for t in range(0, 8000, 160):
        for r, new in zip(rows, pool.push(handles, y[:, t:t + 160])):
            r.append(new)
    ext = ff.Extractor(cfg)
    for i, h in enumerate(handles):
        got = np.concatenate(rows[i] + [pool.flush(int(h))])
        np.testing.assert_array_equal(got, ext(y[i]))


def test_errors_name_the_handle_and_change_nothing():
    pool = ff.StreamPool(ff.Config(deltas=1))
    a, b = pool.open(), pool.open()
    x = _signal(1000, 0)
    with pytest.raises(ValueError, match="handles\\[1\\]=7 is not an open stream"):
        pool.push([a, 7], [x, x])
    with pytest.raises(ValueError, match="chunks has 1 arrays for 2 handles"):
        pool.push([a, b], [x])
    with pytest.raises(ValueError, match="chunks has shape \\(3, 1000\\) for 2 handles"):
        pool.push([a, b], np.zeros((3, 1000), np.float32))
    with pytest.raises(TypeError, match="chunks\\[0\\] \\(handle 0\\) must be float32 or float64|"
                                        "chunks\\[0\\] \\(handle 0\\) has dtype"):
        pool.push([a, b], [x.astype(np.complex64), x])
    with pytest.raises(TypeError, match="chunks has integer dtype int16"):
        pool.push([a, b], np.zeros((2, 10), np.int16))
    with pytest.raises(ValueError, match="chunks\\[1\\] \\(handle 1\\) must be 1-D"):
        pool.push([a, b], [x, np.zeros((2, 5), np.float32)])
    with pytest.raises(TypeError, match="handles must be a 1-D sequence of int"):
        pool.push([0.5, 1.5], [x, x])
    with pytest.raises(TypeError, match="out and offsets go together"):
        pool.push([a, b], [x, x], out=np.empty((10, 26), np.float32))
    need = 2 * ff.Stream(ff.Config(deltas=1)).frames_for(1000)
    with pytest.raises(ValueError, match=f"out has 1 rows; this push returns {need} rows"):
        pool.push([a, b], [x, x], np.empty((1, 26), np.float32), np.empty(3, np.int64))
    with pytest.raises(ValueError, match="out has shape \\(10, 13\\)"):
        pool.push([a, b], [x, x], np.empty((10, 13), np.float32), np.empty(3, np.int64))
    assert pool.rows_for([a, b], 0) == 0
    assert pool.rows_for([a, b], 1000) == need
    pool.flush(a)
    with pytest.raises(RuntimeError, match="handle 0 \\(handles\\[0\\]\\) was flushed; call reset\\(0\\)"):
        pool.push([a, b], [x, x])
    with pytest.raises(RuntimeError, match="already flushed"):
        pool.flush(a)
    pool.reset(a)
    pool.close(b)
    for call in (pool.close, pool.reset, pool.flush):
        with pytest.raises(ValueError, match="handle=1 is not an open stream"):
            call(b)
    with pytest.raises(TypeError, match="handle must be an int"):
        pool.close("0")
    assert pool.open() == b  # closed handles are reused
    with pytest.raises(ValueError, match="top_db"):
        ff.StreamPool(ff.Config.preset("librosa"))
    with pytest.raises(TypeError, match="config must be a fastfeat.Config"):
        ff.StreamPool({"deltas": 1})


def test_forms_agree_and_accept_float64_and_strided_rows():
    cfg = ff.Config(deltas=2)
    y = np.stack([_signal(4000, s) for s in range(5)])
    outs = []
    for form in ("2d", "2d64", "list", "out"):
        pool = ff.StreamPool(cfg)
        h = [pool.open() for _ in range(5)]
        got: list[list[np.ndarray]] = [[] for _ in h]
        for t in range(0, 4000, 320):
            c = y[:, t:t + 320]  # rows contiguous, not the whole array
            if form == "2d":
                new = pool.push(h, c)
            elif form == "2d64":
                new = pool.push(h, c.astype(np.float64))
            elif form == "list":
                new = pool.push(h, list(c))
            else:
                out, offs = np.empty((pool.rows_for(h, 320), 39), np.float32), np.empty(6, np.int64)
                flat = pool.push(np.array(h), c, out, offs)
                new = [flat[offs[i]:offs[i + 1]] for i in range(5)]
            for r, n in zip(got, new):
                r.append(n)
        outs.append([np.concatenate(r + [pool.flush(k)]) for r, k in zip(got, h)])
    for other in outs[1:]:
        for a, b in zip(outs[0], other):
            np.testing.assert_array_equal(a, b)
    assert pool.nbytes > 0 and len(pool) == 5
    assert pool.push([], np.empty((0, 320), np.float32)) == [] and pool.push([], []) == []
    assert pool.rows_for([], 320) == 0


def _run_pool(cfg: ff.Config, y: np.ndarray, chunk: int) -> list[np.ndarray]:
    pool = ff.StreamPool(cfg)
    h = np.array([pool.open() for _ in range(len(y))], np.int64)
    rows: list[list[np.ndarray]] = [[] for _ in h]
    for t in range(0, y.shape[1], chunk):
        for r, new in zip(rows, pool.push(h, y[:, t:t + chunk])):
            r.append(new)
    return [np.concatenate(r + [pool.flush(int(k))]) for r, k in zip(rows, h)]


def test_two_pools_on_two_threads_match_sequential():
    cfg = ff.Config(deltas=2)
    ys = [np.stack([_signal(6000, 10 * p + s) for s in range(30)]) for p in range(2)]
    want = [_run_pool(cfg, y, 160) for y in ys]
    got: list = [None, None]

    def work(p: int) -> None:
        got[p] = _run_pool(cfg, ys[p], 160)

    threads = [threading.Thread(target=work, args=(p,)) for p in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in range(2):
        for a, b in zip(got[p], want[p]):
            np.testing.assert_array_equal(a, b)


def test_one_pool_shared_by_threads_is_locked():
    """Threads pushing disjoint handles of one pool: each stream still equals batch."""
    cfg = ff.Config(deltas=1)
    pool = ff.StreamPool(cfg)
    y = np.stack([_signal(5000, s) for s in range(8)])
    handles = [[pool.open() for _ in range(4)] for _ in range(2)]
    rows: dict[int, list[np.ndarray]] = {h: [] for hs in handles for h in hs}

    def work(k: int) -> None:
        hs = handles[k]
        for t in range(0, 5000, 100):
            for h, new in zip(hs, pool.push(hs, y[hs, t:t + 100])):
                rows[h].append(new)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ext = ff.Extractor(cfg)
    for h in rows:
        np.testing.assert_array_equal(np.concatenate(rows[h] + [pool.flush(h)]), ext(y[h]))


# ---- sliding CMVN (Kaldi apply-cmvn-sliding, center=false) -----------------

def _kaldi_sliding(x: np.ndarray, window: int, min_window: int, norm_vars: bool) -> np.ndarray:
    """SlidingWindowCmnInternal of Kaldi's feature-functions.cc, line by line (center=false),
    every window's sums recomputed from scratch."""
    n = x.shape[0]
    out = np.empty_like(x, dtype=np.float64)
    for t in range(n):
        ws, we = t - window, t + 1
        if ws < 0:
            we -= ws
            ws = 0
        if we > t:
            we = max(t + 1, min_window)
        if we > n:
            ws -= we - n
            we = n
            ws = max(ws, 0)
        w = x[ws:we].astype(np.float64)
        frames = we - ws
        o = x[t] - w.sum(axis=0) / frames
        if norm_vars:
            var = np.maximum((w * w).sum(axis=0) / frames - (w.sum(axis=0) / frames) ** 2, 1e-10)
            o = np.zeros_like(o) if frames == 1 else o / np.sqrt(var)
        out[t] = o
    return out


def test_sliding_cmvn_golden():
    from fastfeat.sklearn import CMVN

    x = np.arange(1, 7, dtype=np.float32)[:, None]  # values 1..6, window 3, min_window 3
    # t=0,1,2: rows [0, 3) (mean 2); then Kaldi's window+1 rows [t - 3, t]:
    # t=3: values 1..4 (mean 2.5); t=4: 2..5 (3.5); t=5: 3..6 (4.5)
    want = [-1.0, 0.0, 1.0, 1.5, 1.5, 1.5]
    assert CMVN(scope="sliding", window=3, min_window=3).fit_transform(x)[:, 0].tolist() == want
    assert _kaldi_sliding(x, 3, 3, False)[:, 0].tolist() == want
    rng = np.random.default_rng(3)
    for n in (1, 7, 40, 300):
        m = (rng.standard_normal((n, 5)) * [1, 10, 0.1, 5, 2] + [0, 3, -2, 8, 1]).astype(np.float32)
        for window, min_window, nv in ((600, 100, False), (30, 10, True), (5, 5, True), (1, 1, True)):
            got = CMVN(scope="sliding", window=window, min_window=min_window, norm_vars=nv).fit_transform(m)
            np.testing.assert_allclose(got, _kaldi_sliding(m, window, min_window, nv), rtol=1e-5, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(["default", "default-deltas", "kaldi", "psf"]),
       windows=st.sampled_from([(600, 100), (30, 10), (8, 8), (1, 1)]),
       norm_vars=st.booleans(),
       n=st.sampled_from([1000, 6000, 20000]),
       cuts=st.lists(st.integers(0, 2000), min_size=1, max_size=20))
def test_pool_cmvn_equals_batch_sliding(name, windows, norm_vars, n, cuts):
    from fastfeat.sklearn import CMVN

    cfg = PRESET_CONFIGS[name]
    window, min_window = windows
    pool = ff.StreamPool(cfg, cmvn_window=window, cmvn_min_window=min_window, cmvn_norm_vars=norm_vars)
    ys = [_signal(n, s) for s in range(3)]
    h = [pool.open() for _ in ys]
    rows: list[list[np.ndarray]] = [[] for _ in h]
    pos = 0
    for c in cuts + [n]:
        chunks = [y[pos:pos + c] for y in ys]
        want = pool.rows_for(h, len(chunks[0]))
        new = pool.push(h, chunks)
        assert sum(len(r) for r in new) == want
        for r, k in zip(rows, new):
            r.append(k)
        pos += c
    ext = ff.Extractor(cfg)
    batch = CMVN(scope="sliding", window=window, min_window=min_window, norm_vars=norm_vars)
    for i, y in enumerate(ys):
        got = np.concatenate(rows[i] + [pool.flush(h[i])])
        ref = ext(y)
        assert got.shape == ref.shape
        if ref.shape[0]:
            np.testing.assert_allclose(got, batch.fit_transform(ref), rtol=1e-5, atol=1e-5)


def test_pool_cmvn_latency_and_errors():
    cfg = ff.Config()
    pool = ff.StreamPool(cfg, cmvn_window=50, cmvn_min_window=20)
    h = pool.open()
    y = _signal(16000, 1)
    s = ff.Stream(cfg)
    got = ref = 0
    for t in range(0, 16000, 160):
        ref += len(s.push(y[t:t + 160]))
        got += len(pool.push([h], [y[t:t + 160]])[0])
        assert got == (ref if ref >= 20 else 0)  # held back only until min_window rows exist
    with pytest.raises(ValueError, match="cmvn_min_window=60 must be <= cmvn_window=50"):
        ff.StreamPool(cfg, cmvn_window=50, cmvn_min_window=60)
    with pytest.raises(ValueError, match="cmvn_window=0 must be an int >= 1"):
        ff.StreamPool(cfg, cmvn_window=0)
    with pytest.raises(TypeError, match="cmvn_norm_vars must be a bool"):
        ff.StreamPool(cfg, cmvn_window=10, cmvn_min_window=5, cmvn_norm_vars="yes")


# ---- online CMVN from global statistics (Kaldi online2 OnlineCmvn) ----------

def _kaldi_online(x: np.ndarray, stats: np.ndarray, window: int, global_frames: int, norm_vars: bool):
    """OnlineCmvn::GetFrame of Kaldi's online-feature.cc without speaker stats, per frame:
    ComputeStatsForFrame (the last `window` frames), SmoothOnlineCmvnStats, ApplyCmvn."""
    d = x.shape[1]
    out = np.empty(x.shape)
    for t in range(x.shape[0]):
        w = x[max(0, t - window + 1):t + 1].astype(np.float64)
        st_ = np.zeros((2, d + 1))
        st_[0, :d], st_[1, :d], st_[0, d] = w.sum(0), (w * w).sum(0), len(w)
        cur = st_[0, d]
        if cur < window:
            st_ += (min(window - cur, global_frames) / stats[0, d]) * stats
        mean = st_[0, :d] / st_[0, d]
        if norm_vars:
            var = np.maximum(st_[1, :d] / st_[0, d] - mean ** 2, 1e-20)
            out[t] = (x[t] - mean) / np.sqrt(var)
        else:
            out[t] = x[t] - mean
    return out


def test_online_cmvn_golden():
    from fastfeat.sklearn import CMVN

    x = np.arange(1, 5, dtype=np.float32)[:, None]  # 1..4; global mean 3 over 10 frames
    stats = np.array([[30.0, 10.0], [100.0, 0.0]])
    # t=0: 1 frame + 1 global frame: (1 + 3) / 2 = 2 -> -1; then windows of 2 frames -> +0.5
    cm = CMVN(scope="online", window=2, global_frames=1)
    cm.stats_, cm.n_features_in_ = stats, 1
    assert cm.transform(x)[:, 0].tolist() == [-1.0, 0.5, 0.5, 0.5]
    assert _kaldi_online(x, stats, 2, 1, False)[:, 0].tolist() == [-1.0, 0.5, 0.5, 0.5]
    rng = np.random.default_rng(4)
    train = [(rng.standard_normal((50, 4)) * [1, 3, 0.5, 2] + [1, -2, 0, 5]).astype(np.float32) for _ in range(3)]
    for nv in (False, True):
        for window, gf in ((600, 200), (20, 5), (3, 10)):
            cm = CMVN(scope="online", window=window, global_frames=gf, norm_vars=nv).fit(train)
            m = train[0][:37]
            np.testing.assert_allclose(cm.transform(m), _kaldi_online(m, cm.stats_, window, gf, nv),
                                       rtol=1e-5, atol=1e-5)


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(["default", "default-deltas", "kaldi"]),
       windows=st.sampled_from([(600, 200), (30, 10), (5, 50)]),
       norm_vars=st.booleans(),
       n=st.sampled_from([1000, 8000]),
       cuts=st.lists(st.integers(0, 2000), min_size=1, max_size=15))
def test_pool_online_cmvn_equals_batch(name, windows, norm_vars, n, cuts):
    from fastfeat.sklearn import CMVN

    cfg = PRESET_CONFIGS[name]
    ext = ff.Extractor(cfg)
    window, gf = windows
    batch = CMVN(scope="online", window=window, global_frames=gf, norm_vars=norm_vars)
    batch.fit([ext(_signal(16000, 100 + s)) for s in range(2)])
    pool = ff.StreamPool(cfg, cmvn_window=window, cmvn_stats=batch.stats_, cmvn_global_frames=gf,
                         cmvn_norm_vars=norm_vars)
    ys = [_signal(n, s) for s in range(2)]
    h = [pool.open() for _ in ys]
    rows: list[list[np.ndarray]] = [[] for _ in h]
    s_ = [ff.Stream(cfg) for _ in ys]
    pos = 0
    for c in cuts + [n]:
        new = pool.push(h, [y[pos:pos + c] for y in ys])
        for i, k in enumerate(new):
            assert len(k) == len(s_[i].push(ys[i][pos:pos + c]))  # no extra latency
            rows[i].append(k)
        pos += c
    for i, y in enumerate(ys):
        got = np.concatenate(rows[i] + [pool.flush(h[i])])
        np.testing.assert_allclose(got, batch.transform(ext(y)), rtol=1e-5, atol=1e-5)


def test_online_cmvn_errors():
    cfg = ff.Config()
    with pytest.raises(ValueError, match="cmvn_stats has shape \\(2, 5\\); cmvn_stats must be Kaldi CMVN "
                                         "statistics of shape \\(2, 14\\)"):
        ff.StreamPool(cfg, cmvn_stats=np.ones((2, 5)))
    with pytest.raises(ValueError, match="cmvn_stats counts 0.0 frames"):
        ff.StreamPool(cfg, cmvn_stats=np.zeros((2, 14)))
    bad = np.ones((2, 14))
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="cmvn_stats contains NaN"):
        ff.StreamPool(cfg, cmvn_stats=bad)
    with pytest.raises(ValueError, match="cmvn_global_frames=0 must be an int >= 1"):
        ff.StreamPool(cfg, cmvn_stats=np.ones((2, 14)), cmvn_global_frames=0)
