"""Output formats, one module each, and their registry.

A format is a ``Part`` subclass (``formats/base.py``) in a module of this
package that calls ``register`` on it; every module here is imported when the
package is, so adding a format touches only its own file.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Part

__all__ = ["PARTS", "register", "Part"]

#: format name -> its Part class, in registration order
PARTS: dict[str, type[Part]] = {}


def register(cls: type[Part]) -> type[Part]:
    """Class decorator: make ``cls.format`` an output format."""
    PARTS[cls.format] = cls
    return cls


for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"):
    importlib.import_module(f"{__name__}.{_mod}")
