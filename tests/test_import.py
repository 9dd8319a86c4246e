"""``import fastfeat`` stays light: no numba, scipy, sklearn, soundfile at import."""

import subprocess
import sys


def test_import_is_light():
    code = (
        "import sys, fastfeat\n"
        "heavy = [m for m in ('numba', 'scipy', 'sklearn', 'soundfile', 'librosa', 'torch', 'dask', 'h5py', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at package import: {out.stdout}"


def test_public_api():
    import fastfeat as ff

    assert sorted(ff.__all__) == sorted([
        "Config", "Extractor", "Stream", "StreamPool", "mfcc", "logmel", "power_spectrum", "delta", "load", "read_features",
        "backend", "ParameterError",
    ])
    assert ff.backend() == "c"


# ---- importing a copy of the package that has no usable compiled engine ----
# Each test lays a copy of the installed package's Python files in tmp_path (as
# a source checkout has them: _engine.pyx, no compiled _engine) and imports it
# in a child Python whose current directory is tmp_path, so the copy shadows the
# real installation exactly as `python` run from a repository root does.

def _source_tree(tmp_path):
    import importlib.machinery
    import shutil
    from pathlib import Path

    import fastfeat

    here = Path(fastfeat.__file__).resolve().parent
    shutil.copytree(here, tmp_path / "fastfeat",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    pyx = tmp_path / "fastfeat" / "_engine.pyx"
    if not pyx.exists():  # an installed wheel has no sources; a checkout has this one
        pyx.write_text("# the Cython binding (not built)\n")
    return tmp_path, importlib.machinery.EXTENSION_SUFFIXES[0]


# Child preamble that hides every other fastfeat: only the standard import
# finders, and no sys.path entry with a fastfeat/ except the current directory.
_ISOLATE = (
    "import os, sys, importlib.machinery as m, numpy\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if f in (m.BuiltinImporter, m.FrozenImporter, m.PathFinder)]\n"
    "sys.path[:] = [p for p in sys.path if p in ('', os.getcwd()) or not os.path.isdir(os.path.join(p, 'fastfeat'))]\n"
)


def _import_in(cwd, code="import fastfeat; print(fastfeat.backend(), fastfeat.__file__)", **env):
    import os

    full_env = {k: v for k, v in os.environ.items() if k not in ("FASTFEAT_BACKEND", "PYTHONPATH")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env=full_env, timeout=300)


def test_source_tree_shadowing_an_installed_engine_is_refused(tmp_path):
    """Never run the Numba backend (or another copy's engine) silently: say what happened."""
    root, _ = _source_tree(tmp_path)
    out = _import_in(root)
    assert out.returncode != 0, out.stdout
    msg = out.stderr.strip().splitlines()[-1]
    assert f"you are importing the source tree at {root}" in msg
    assert "A compiled fastfeat is installed at" in msg
    assert "run from elsewhere or `pip install -e .`" in msg.lower()


def test_source_tree_without_any_engine_is_refused(tmp_path):
    root, _ = _source_tree(tmp_path)
    out = _import_in(root, _ISOLATE + "import fastfeat")
    assert out.returncode != 0, out.stdout
    msg = out.stderr.strip().splitlines()[-1]
    assert f"you are importing the source tree at {root}, which has no compiled engine" in msg
    assert "installed at" not in msg


def test_numba_without_an_engine_only_when_asked(tmp_path):
    import pytest

    pytest.importorskip("numba")
    root, _ = _source_tree(tmp_path)
    out = _import_in(root, _ISOLATE + "import fastfeat; print(fastfeat.backend())", FASTFEAT_BACKEND="numba")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["numba"]


def test_engine_that_fails_to_load_reports_the_loader_error(tmp_path):
    import importlib.util

    import pytest

    root, suffix = _source_tree(tmp_path)
    broken = root / "fastfeat" / ("_engine" + suffix)
    broken.write_bytes(b"\x7fELF" + b"\0" * 60)  # what the loader sees of a truncated download
    with pytest.raises(ImportError) as loader:  # the dynamic loader's own words, asked directly
        spec = importlib.util.spec_from_file_location("fastfeat_broken_probe", broken)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    out = _import_in(root, _ISOLATE + "import fastfeat")
    assert out.returncode != 0, out.stdout
    msg = out.stderr.strip().splitlines()[-1]
    assert "compiled engine (fastfeat._engine" in msg and "failed to load:" in msg
    assert str(loader.value) in msg
    assert "missing" not in msg and "source tree" not in msg
