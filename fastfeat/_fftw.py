"""pyFFTW as the FFT of the batch pipeline (``backend="pyfftw"``).

The C engine computes the frames (``ff_extract_frames``), FFTW transforms them
all in one planned, multithreaded call, and the C engine finishes from the
spectrum (``ff_extract_from_fft``: power, mel, log, DCT, energy, deltas).
Streams use the C engine unchanged (one frame per push gains nothing from
FFTW).  The frame count is rounded up to a multiple of 32 so signals of
similar length share a plan; plans are cached per (rows, n_fft, threads) and
per calling thread
(an FFTW plan owns its buffers, so threads must not share one); planning is
serialised, and FFTW's wisdom is kept in memory and saved under
``$FASTFEAT_CACHE`` (default ``~/.cache/fastfeat``) so a later process plans
instantly.  Imported only when this backend is
chosen; pyfftw is an optional extra.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict

import numpy as np
import pyfftw

from . import _engine

__all__ = ["Engine", "check_config", "delta", "strerror", "EngineError"]

check_config = _engine.check_config
delta = _engine.delta
strerror = _engine.strerror
EngineError = _engine.EngineError

_LOCAL = threading.local()  # per thread: OrderedDict of plans
_MAX_PLANS = 16
_LOCK = threading.Lock()  # FFTW planning and wisdom are process-global
_WISDOM_LOADED = False


def _wisdom_path() -> str:
    root = os.environ.get("FASTFEAT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "fastfeat")
    return os.path.join(root, "fftw_wisdom.pkl")


def _load_wisdom() -> None:
    global _WISDOM_LOADED
    if _WISDOM_LOADED:
        return
    _WISDOM_LOADED = True
    try:
        with open(_wisdom_path(), "rb") as f:
            pyfftw.import_wisdom(pickle.load(f))
    except (OSError, ValueError, pickle.UnpicklingError, EOFError):
        pass  # no or unreadable wisdom: plan from scratch


def _save_wisdom() -> None:
    path = _wisdom_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(pyfftw.export_wisdom(), f)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs planning time


def _plan(rows: int, n_fft: int, threads: int) -> "pyfftw.FFTW":
    """An FFTW plan for (rows, n_fft) float32 -> (rows, n_fft//2+1) complex64, cached."""
    key = (rows, n_fft, threads)
    plans = getattr(_LOCAL, "plans", None)
    if plans is None:
        plans = _LOCAL.plans = OrderedDict()
    plan = plans.get(key)
    if plan is not None:
        plans.move_to_end(key)
        return plan
    with _LOCK:
        _load_wisdom()
        src = pyfftw.empty_aligned((rows, n_fft), dtype=np.float32)
        dst = pyfftw.empty_aligned((rows, n_fft // 2 + 1), dtype=np.complex64)
        plan = pyfftw.FFTW(src, dst, axes=(1,), direction="FFTW_FORWARD", threads=threads,
                           flags=("FFTW_MEASURE",))
        _save_wisdom()
    plans[key] = plan
    if len(plans) > _MAX_PLANS:
        plans.popitem(last=False)
    return plan


class Engine:
    """The C engine with FFTW doing the FFT of a whole signal's frames at once."""

    def __init__(self, values: dict) -> None:
        self._c = _engine.Engine(values)
        self._n_fft = int(values["n_fft"])
        self.n_features = self._c.n_features

    def n_frames(self, n_samples: int) -> int:
        return self._c.n_frames(n_samples)

    def stream(self):
        return self._c.stream()

    def extract(self, x, out, threads: int):
        rows = self._c.n_frames(len(x))
        if rows <= 0:
            return 5, -1
        plan = _plan(-(-rows // 32) * 32, self._n_fft, max(1, threads))
        energy = np.empty(rows, np.float32)
        status, bad = self._c.extract_frames(x, plan.input_array[:rows], energy)
        if status != 0:
            return status, bad
        plan()  # pyfftw releases the GIL while FFTW runs; padding rows are ignored
        spec = plan.output_array[:rows].view(np.float32)
        return self._c.extract_from_fft(spec, energy, out, threads), -1
