"""Shared fixtures for the pytest-benchmark suite (signals with a fixed seed).

Sizes can be reduced for a smoke run with environment variables:
FASTFEAT_BENCH_CLIPS (default 1000) and FASTFEAT_BENCH_LONG_SECONDS (default 600).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS, if it has not yet

import pytest

from .signals import make_clips, make_long


def _env_number(name: str, default: float, kind=int):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise pytest.UsageError(f"{name}={raw!r} is not valid; it must be a positive {kind.__name__}") from None
    if value <= 0:
        raise pytest.UsageError(f"{name}={raw!r} is not valid; it must be a positive {kind.__name__}")
    return value


N_CLIPS = _env_number("FASTFEAT_BENCH_CLIPS", 1000)
LONG_SECONDS = _env_number("FASTFEAT_BENCH_LONG_SECONDS", 600.0, float)


@pytest.fixture(scope="session")
def clips():
    """N_CLIPS one-second 16 kHz float32 clips of noise + tone (fixed seed)."""
    return make_clips(N_CLIPS)


@pytest.fixture(scope="session")
def long_signal():
    """One LONG_SECONDS-second 16 kHz float32 signal (fixed seed)."""
    return make_long(LONG_SECONDS)


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Peers get one BLAS thread, like one fastfeat call (see peers.limit_blas_threads)."""
    from . import peers

    for peer in peers.PEERS:  # import each peer's library first: each may load its own BLAS
        try:
            peer.make()
        except peers.Unavailable:
            pass
    peers.limit_blas_threads(1)
