"""Config -> engine, and the array checks that name the parameter.

Everything a user can get wrong is caught here, before the C engine sees it,
with a message that names the parameter and what it accepts.  The C engine
checks its own bounds too (a status, never undefined behaviour); a status that
reaches Python unexpectedly becomes an EngineError.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .config import Config

try:
    from . import _engine
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "fastfeat's compiled engine (fastfeat._engine) is missing. If you are running from a "
        "source checkout, install it first: pip install -e \".[test]\" and run the `pytest` "
        f"command, not `python -m pytest` from the repository root. ({exc})"
    ) from None

__all__ = ["engine_for", "check_signal", "check_out", "raise_status", "backend"]

_ENUMS: dict[str, dict[Any, int]] = {
    "kind": {"mfcc": 0, "logmel": 1, "power": 2},
    "window": {"hamming": 0, "hann": 1, "povey": 2, "blackman": 3, "rectangular": 4},
    "pad_mode": {"constant": 0, "reflect": 1, "edge": 2},
    "preemphasis_scope": {"frame": 0, "signal": 1},
    "spectrum_norm": {None: 0, "n_fft": 1},
    "mel_scale": {"htk": 0, "slaney": 1},
    "mel_norm": {None: 0, "slaney": 1},
    "mel_triangles": {"mel": 0, "hz": 1, "bin": 2},
    "log": {None: 0, "ln": 1, "log10": 2, "db": 3},
    "log_floor_mode": {"max": 0, "zero": 1},
    "dct_norm": {"ortho": 0, None: 1},
    "energy": {None: 0, "replace_c0": 1, "append": 2},
    "energy_source": {"raw": 0, "windowed": 1, "spectrum": 2},
}


def backend() -> str:
    """Name of the active compute backend ("c": the compiled C engine).

    Examples
    --------
    >>> import fastfeat as ff
    >>> ff.backend()
    'c'
    """
    return "c"


def engine_values(cfg: Config) -> dict[str, Any]:
    """The Config as the C struct's numbers (enums as ints, None resolved)."""
    values = cfg.to_dict()
    for name, table in _ENUMS.items():
        values[name] = table[values[name]]
    for name in ("window_periodic", "center", "snip_edges", "pad_end", "remove_dc"):
        values[name] = int(values[name])
    values["fmax"] = cfg.fmax_hz
    values["top_db"] = 0.0 if cfg.top_db is None else cfg.top_db
    return values


@functools.lru_cache(maxsize=64)
def engine_for(cfg: Config) -> "_engine.Engine":
    """The compiled engine for a Config; tables are built once per Config."""
    values = engine_values(cfg)
    bad = _engine.check_config(values)
    if bad is not None:  # Config validation should have caught it: say which field
        raise ValueError(f"the C engine rejected {bad}={getattr(cfg, bad, '?')!r}")
    return _engine.Engine(values)


def check_signal(y: Any, cfg: Config, sr: int | None = None, name: str = "y",
                 allow_empty: bool = False) -> np.ndarray:
    """A 1-D float32 C-contiguous view or copy of ``y``; raise on anything else.

    float64 input is rounded to float32 (the engine computes in float32);
    nothing else is converted: integer PCM, 2-D, non-contiguous and complex
    arrays are refused with a message saying what to do.
    """
    if sr is not None and sr != cfg.sample_rate:
        raise ValueError(
            f"sr={sr} does not match the config's sample_rate={cfg.sample_rate}; resample the "
            f"signal (fastfeat.load(path, sr={cfg.sample_rate})) or use a config built for it "
            f"(config.replace(sample_rate={sr}))"
        )
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of float32 or float64 samples, got {type(y).__name__}")
    if y.dtype.kind in "iu":
        scale = 2 ** (8 * y.dtype.itemsize - 1)
        raise TypeError(
            f"{name} has integer dtype {y.dtype}; fastfeat does not guess the PCM scale. Pass "
            f"{name}.astype(np.float32) / {scale} or read the file with fastfeat.load(), which scales it"
        )
    if y.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} has dtype {y.dtype}; {name} must be float32 or float64 samples")
    if y.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (mono), got shape {y.shape}; downmix first "
            f"(e.g. {name}.mean(axis=0) for channels-first) or load with fastfeat.load(path, mono=True)"
        )
    if not y.flags.c_contiguous:
        raise ValueError(f"{name} is not contiguous (strides {y.strides}); pass np.ascontiguousarray({name})")
    if y.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty; {name} must have at least {min_samples(cfg)} samples under this config")
    if y.dtype == np.float64:
        y = y.astype(np.float32)
    return y


def min_samples(cfg: Config) -> int:
    """The shortest signal that yields one frame under ``cfg``."""
    if cfg.center or cfg.pad_end:
        return 1
    if not cfg.snip_edges:
        return cfg.hop_length - cfg.hop_length // 2
    return cfg.frame_length


def check_out(out: Any, shape: tuple[int, int], name: str = "out") -> np.ndarray:
    """Refuse an ``out`` buffer that is not float32, C-contiguous, writeable and of ``shape``."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != np.float32:
        raise TypeError(f"{name} has dtype {out.dtype}; {name} must be float32")
    if out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape}; {name} must have shape {shape}")
    if not out.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (strides {out.strides})")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; {name} must be writeable")
    return out


def raise_status(status: int, bad: int, y: np.ndarray, cfg: Config, name: str = "y") -> None:
    """Turn a C status into the exception a user can act on."""
    if status == 0:
        return
    if status == 4:
        raise ValueError(
            f"{name} contains a non-finite value (NaN or Inf) at index {bad}; clean the signal "
            f"(e.g. np.nan_to_num({name})) before extracting"
        )
    if status == 5:
        raise ValueError(
            f"{name} has {y.shape[0]} samples, fewer than one frame; this config needs at least "
            f"{min_samples(cfg)} samples (frame_length={cfg.frame_length}, center={cfg.center}, "
            f"snip_edges={cfg.snip_edges}); pad the signal or use center=True"
        )
    if status == 1:
        raise MemoryError("fastfeat: out of memory")
    raise _engine.EngineError(f"C engine status {status} ({_engine.strerror(status)})")
