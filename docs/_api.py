"""Write docs/api.rst from the package itself (called by conf.py at every build).

Sections: the top-level ``fastfeat`` names (``fastfeat.__all__``), then one
section per public submodule with the names of its ``__all__`` that the top
level does not already show.  Public submodules are found by walking the
package (names starting with ``_`` and the command-line entry points are
left out), so a new module or a new name appears without editing the docs.
"""

from __future__ import annotations

import importlib
import pkgutil

SKIP_MODULES = {"fastfeat.cli", "fastfeat.__main__"}  # the `fastfeat` command: see the guides


def public_modules(mocked: list[str]) -> list:
    """The importable public submodules of fastfeat, in name order."""
    from sphinx.ext.autodoc.mock import mock

    import fastfeat

    found = []
    with mock(mocked):
        for info in pkgutil.walk_packages(fastfeat.__path__, "fastfeat."):
            parts = info.name.split(".")
            if any(p.startswith("_") for p in parts) or info.name in SKIP_MODULES:
                continue
            found.append(importlib.import_module(info.name))
    return sorted(found, key=lambda m: m.__name__)


def _section(title: str, module: str, names: list[str]) -> list[str]:
    lines = [title, "-" * len(title), "", f".. automodule:: {module}", "   :no-members:", "",
             f".. currentmodule:: {module}", "", ".. autosummary::", "   :toctree: generated", ""]
    return lines + [f"   {n}" for n in names] + [""]


def write_api_page(path: str, mocked: list[str]) -> None:
    import fastfeat

    shown = {id(getattr(fastfeat, n)) for n in fastfeat.__all__}
    lines = ["API reference", "=============", "",
             "Generated from the docstrings; every example on these pages runs as a doctest in CI.", ""]
    lines += _section("fastfeat", "fastfeat", list(fastfeat.__all__))
    for mod in public_modules(mocked):
        names = [n for n in getattr(mod, "__all__", []) if id(getattr(mod, n)) not in shown]
        if names:
            lines += _section(f"{mod.__name__}", mod.__name__, names)
    text = "\n".join(lines)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return  # unchanged: keep the timestamp (incremental builds)
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
