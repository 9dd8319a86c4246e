"""Config -> engine, backend choice, and the array checks that name the parameter.

Everything a user can get wrong is caught here, before an engine sees it,
with a message that names the parameter and what it accepts.  The engines
check their own bounds too (a status, never undefined behaviour); a status
that reaches Python unexpectedly becomes a RuntimeError.

Backends (all with the interface of ``fastfeat._engine``):

- ``"c"``: the compiled C engine (default);
- ``"numba"``: ``fastfeat._numba``, the same pipeline in Numba (no compiler
  needed; never chosen silently: without a loadable compiled engine,
  ``import fastfeat`` fails with the precise reason unless
  ``FASTFEAT_BACKEND=numba`` asks for this backend);
- ``"pyfftw"``: ``fastfeat._fftw``, the C engine with FFTW doing the batch FFT.

The default is ``$FASTFEAT_BACKEND`` when set, else ``"c"``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import os
import sys
import warnings
from types import ModuleType
from typing import Any

import numpy as np

from .config import Config


def _compiled_engines_elsewhere(here: str) -> list[str]:
    """Compiled engines (``fastfeat/_engine*.so``, .pyd) of other fastfeat copies than ``here``.

    Looks in every sys.path entry and asks every import finder (an editable
    install is found by its own finder, not through sys.path).
    """
    places = [os.path.join(os.path.abspath(entry or os.curdir), "fastfeat") for entry in sys.path]
    for finder in sys.meta_path:
        try:
            spec = finder.find_spec("fastfeat", None)
        except Exception:  # a third-party finder that cannot answer: not a place to look
            continue
        places += list(getattr(spec, "submodule_search_locations", None) or [])
    found = []
    for pkg in places:
        if os.path.realpath(pkg) == os.path.realpath(here) or not os.path.isdir(pkg):
            continue
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(pkg, "_engine" + suffix)
            if os.path.isfile(path) and path not in found:
                found.append(path)
    return found


def _why_no_engine(here: str, load_error: ImportError | None) -> str:
    """What went wrong when ``fastfeat._engine`` did not import, precisely.

    Three cases: the package imported is a source tree (``_engine.pyx`` beside
    this file) that was never built -- usually because the current directory
    shadows an installed fastfeat; the engine is absent from an installation;
    or it exists but failed to load (``load_error``: a missing shared library,
    another Python's build): then the loader's own error is the message.
    """
    if load_error is not None:
        return (f"fastfeat's compiled engine (fastfeat._engine, in {here}) failed to load: {load_error}. "
                f"Reinstall fastfeat for this Python ({sys.executable}).")
    elsewhere = _compiled_engines_elsewhere(here)
    also = (f" A compiled fastfeat is installed at {os.path.dirname(elsewhere[0])}, but the source tree comes "
            f"first on sys.path (the current directory or PYTHONPATH)." if elsewhere else "")
    if os.path.isfile(os.path.join(here, "_engine.pyx")):
        return (f"you are importing the source tree at {os.path.dirname(here)}, which has no compiled "
                f"engine (fastfeat/_engine*.so).{also} Run from elsewhere or `pip install -e .` "
                f"(builds the engine in place).")
    return (f"fastfeat's compiled engine (fastfeat._engine) is not in the installation at {here}.{also} "
            f"Reinstall fastfeat (pip install --force-reinstall fastfeat).")


def _load_engine(here: str) -> tuple[Any, str | None]:
    """``(fastfeat._engine, None)``, or ``(None, why)`` when there is no usable engine."""
    try:
        engine = importlib.import_module("fastfeat._engine")
    except ModuleNotFoundError as exc:
        return None, _why_no_engine(here, None if exc.name == "fastfeat._engine" else exc)
    except ImportError as exc:
        return None, _why_no_engine(here, exc)
    where = os.path.dirname(os.path.abspath(engine.__file__))
    if where != here and os.path.realpath(where) != os.path.realpath(here):
        # an import finder (an editable install) supplied another copy's engine to
        # this copy's Python code: the two may be of different versions
        return None, _why_no_engine(here, None)
    return engine, None


# No silent fallback: Numba runs only when asked for (FASTFEAT_BACKEND=numba),
# so a missing or broken engine is never mistaken for a slow one.
_engine, _ENGINE_ERROR = _load_engine(os.path.dirname(os.path.abspath(__file__)))
if _engine is None:
    if os.environ.get("FASTFEAT_BACKEND", "").strip().lower() != "numba":
        raise ImportError(f"fastfeat: {_ENGINE_ERROR} (To run without the compiled engine, on the "
                          f"Numba backend, set FASTFEAT_BACKEND=numba.)")

__all__ = ["engine_for", "check_signal", "check_out", "raise_status", "backend", "resolve", "BACKENDS"]

BACKENDS = ("c", "numba", "pyfftw")

_ENUMS: dict[str, dict[Any, int]] = {
    "kind": {"mfcc": 0, "logmel": 1, "power": 2},
    "window": {"hamming": 0, "hann": 1, "povey": 2, "blackman": 3, "rectangular": 4},
    "pad_mode": {"constant": 0, "reflect": 1, "edge": 2, "symmetric": 3},
    "preemphasis_scope": {"frame": 0, "signal": 1},
    "spectrum_norm": {None: 0, "n_fft": 1},
    "mel_scale": {"htk": 0, "slaney": 1},
    "mel_norm": {None: 0, "slaney": 1},
    "mel_triangles": {"mel": 0, "hz": 1, "bin": 2, "hz_symmetric": 3},
    "log": {None: 0, "ln": 1, "log10": 2, "db": 3},
    "log_floor_mode": {"max": 0, "zero": 1, "add": 2},
    "dct_norm": {"ortho": 0, None: 1, "htk": 2},
    "mel_first_bin": {None: 0, "htk": 1},
    "energy": {None: 0, "replace_c0": 1, "append": 2},
    "energy_source": {"raw": 0, "windowed": 1, "spectrum": 2},
}


def backend() -> str:
    """Name of the default compute backend: ``"c"``, ``"numba"`` or ``"pyfftw"``.

    ``$FASTFEAT_BACKEND`` sets it; otherwise the compiled C engine (without
    one, ``import fastfeat`` fails unless ``FASTFEAT_BACKEND=numba``).  ``Extractor(..., backend=)``
    and ``Stream(..., backend=)`` override it per object.

    Examples
    --------
    >>> import fastfeat as ff
    >>> ff.backend() in ("c", "numba", "pyfftw")
    True
    """
    return resolve(None)


def resolve(name: str | None) -> str:
    """The backend to use for a requested name (None: the default)."""
    if name is None:
        name = os.environ.get("FASTFEAT_BACKEND", "").strip().lower() or "c"
        where = "FASTFEAT_BACKEND"
    else:
        where = "backend"
    if name not in BACKENDS:
        raise ValueError(f"{where}={name!r} is not valid; {where} must be one of {', '.join(map(repr, BACKENDS))}")
    return name


_warned: set = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def module(name: str) -> ModuleType:
    """The engine module of a backend, imported on first use."""
    if name == "c":
        if _engine is None:
            raise ImportError(f"backend 'c': {_ENGINE_ERROR}")
        return _engine
    if name == "numba":
        try:
            return importlib.import_module("fastfeat._numba")
        except ImportError as exc:
            raise ImportError(f"backend 'numba' needs numba: pip install numba ({exc})") from None
    try:
        return importlib.import_module("fastfeat._fftw")
    except ImportError as exc:
        _warn_once("pyfftw", f"fastfeat: backend 'pyfftw' needs pyfftw ({exc}); using the C engine's FFT")
        return module("c")


def engine_values(cfg: Config) -> dict[str, Any]:
    """The Config as the C struct's numbers (enums as ints, None resolved)."""
    values = cfg.to_dict()
    for name, table in _ENUMS.items():
        values[name] = table[values[name]]
    for name in ("window_periodic", "center", "snip_edges", "pad_end", "remove_dc", "window_centered",
                 "drop_last_frame"):
        values[name] = int(values[name])
    values["fmax"] = cfg.fmax_hz
    values["top_db"] = 0.0 if cfg.top_db is None else cfg.top_db
    values["vtln_high"] = cfg.vtln_high_hz
    values["mel_pnorm"] = 0.0 if cfg.mel_pnorm is None else cfg.mel_pnorm
    return values


@functools.lru_cache(maxsize=64)
def engine_for(cfg: Config, name: str = "c") -> Any:
    """The engine of backend ``name`` for a Config; tables are built once per (Config, backend)."""
    mod = module(name)
    values = engine_values(cfg)
    bad = mod.check_config(values)
    if bad is not None:  # Config validation should have caught it: say which field
        raise ValueError(f"the {name} engine rejected {bad}={getattr(cfg, bad, '?')!r}")
    return mod.Engine(values)


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
        hint = (f"; convert it first: np.asarray({name}, dtype=np.float32)"
                if isinstance(y, (list, tuple)) or hasattr(y, "__array__") else "")
        raise TypeError(f"{name} must be a numpy.ndarray of float32 or float64 samples, got "
                        f"{type(y).__name__}{hint}")
    if y.dtype.kind in "iu":
        scale = 2 ** (8 * y.dtype.itemsize - 1)
        raise TypeError(
            f"{name} has integer dtype {y.dtype}; fastfeat does not guess the PCM scale. Pass "
            f"{name}.astype(np.float32) / {scale} or read the file with fastfeat.load(), which scales it"
        )
    if y.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} has dtype {y.dtype}; {name} must be float32 or float64 samples")
    if y.ndim != 1:
        if y.ndim == 2:  # the channels are the short axis: (2, N) channels-first, (N, 2) channels-last
            axis = 0 if y.shape[0] <= y.shape[1] else 1
            how = (f"{name}.mean(axis={axis}) for this shape: its {y.shape[axis]} channels are "
                   f"along axis {axis}")
        else:
            how = f"e.g. {name}.mean(axis=0) for channels-first, {name}.mean(axis=-1) for channels-last"
        raise ValueError(
            f"{name} must be 1-D (mono), got shape {y.shape}; downmix first ({how}) "
            f"or load with fastfeat.load(path, mono=True)"
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
    if cfg.center and cfg.drop_last_frame:  # the second centred frame must exist
        return cfg.hop_length + cfg.n_fft % 2
    if cfg.center or cfg.pad_end:
        return 1
    if not cfg.snip_edges:
        return cfg.hop_length - cfg.hop_length // 2
    if cfg.window_centered:
        return cfg.n_fft
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
    raise RuntimeError(f"fastfeat engine returned status {status} for {name} (a bug: please report it)")
