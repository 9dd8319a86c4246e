"""Sphinx configuration of the fastfeat site: the guides (Markdown, via myst-parser)
and an API reference generated from the docstrings (numpydoc).

Build it warnings-as-errors, as CI does:

    pip install ".[docs]"
    python -m sphinx -W -b html docs /tmp/fastfeat-docs

The API page lists every public name without being edited: ``api.rst`` is
written here, at build time, from ``fastfeat.__all__`` and the ``__all__`` of
every public submodule (compat drop-ins included), so a module or name added
to the package appears by itself.  A submodule whose optional dependency
(torch, lhotse, ...) is not installed is documented through mocked imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # docs/_api.py

import fastfeat  # noqa: E402  (the installed package: build it first)

project = "fastfeat"
author = "The fastfeat authors"
copyright = "2026, The fastfeat authors"
release = version = fastfeat.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/*.py", "**/__pycache__"]
templates_path = ["_templates"]

# ---- API reference -------------------------------------------------------
# Optional dependencies of public submodules: mocked when absent, so the build
# (and -W) does not depend on which extras are installed.
OPTIONAL = ["torch", "torchaudio", "lhotse", "whisper", "transformers", "dask", "distributed",
            "h5py", "kaldiio", "sklearn", "scipy", "matplotlib", "pyfftw", "numba", "tqdm",
            "librosa", "kaldi_native_fbank", "python_speech_features"]
autodoc_mock_imports = [m for m in OPTIONAL if importlib.util.find_spec(m) is None]

from _api import write_api_page  # noqa: E402

write_api_page(os.path.join(HERE, "api.rst"), autodoc_mock_imports)

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
autodoc_default_options = {"members": True, "special-members": "__call__"}
numpydoc_show_class_members = False  # methods are documented on the class page
numpydoc_xref_param_type = False
numpydoc_validation_checks: set = set()

# ---- guides ----------------------------------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
# the guides put table captions in H4 under H2 (a style, not an error)
suppress_warnings = ["myst.header"]

html_theme = "pydata_sphinx_theme"
html_title = f"fastfeat {release}"
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2}
