"""docs/ stays true: the Config table is generated from the same metadata."""

import os
import re

from fastfeat.config import fields_markdown

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def test_config_table_is_current():
    text = open(os.path.join(DOCS, "config.md"), encoding="utf-8").read()
    table = re.search(r"<!-- fields:begin -->\n(.*)<!-- fields:end -->", text, re.S).group(1)
    assert table == fields_markdown(), "regenerate the table in docs/config.md with fastfeat.config.fields_markdown()"


def _public_objects():
    """(qualified name, object) of every public function, class and method.

    The public names are ``fastfeat.__all__`` and the ``__all__`` of every public
    submodule (the ones the API reference lists, docs/_api.py); a submodule whose
    optional dependency is not installed is left out here (its doctests are
    skipped the same way).
    """
    import importlib
    import inspect
    import pkgutil

    import fastfeat

    modules = [fastfeat]
    for info in pkgutil.walk_packages(fastfeat.__path__, "fastfeat."):
        if any(p.startswith("_") for p in info.name.split(".")) or info.name == "fastfeat.cli":
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:
            continue
    seen, out = set(), []
    for mod in modules:
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if id(obj) in seen or not callable(obj):
                continue
            seen.add(id(obj))
            out.append((f"{mod.__name__}.{name}", obj))
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if (attr == "__call__" or not attr.startswith("_")) and (
                            inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod))):
                        out.append((f"{mod.__name__}.{name}.{attr}", getattr(obj, attr)))
    return out


# Public names that arrived (with other issues' modules) without an example yet.
# This list may only shrink: a new public name needs a runnable example.
KNOWN_WITHOUT_EXAMPLE = {
    "fastfeat.compat.nemo.AudioToMelSpectrogramPreprocessor",
    "fastfeat.compat.nemo.AudioToMelSpectrogramPreprocessor.__call__",
    "fastfeat.compat.whisper.WhisperFeatureExtractor.__call__",
    "fastfeat.compat.whisper.BatchFeature",
    "fastfeat.corpus.Utterance", "fastfeat.corpus.Summary", "fastfeat.corpus.Summary.line",
    "fastfeat.corpus.kaldi_dir.is_data_dir", "fastfeat.corpus.kaldi_dir.open_recording",
    "fastfeat.corpus.kaldi_dir.write_recipe_files",
}  # (and the output-format plugin interface, fastfeat.corpus.formats.*)


def test_every_public_function_class_and_method_has_a_runnable_example():
    import inspect

    objects = _public_objects()
    assert any(n == "fastfeat.Stream.push" for n, _ in objects)  # the walk finds the methods
    missing = [name for name, obj in objects if ">>>" not in (inspect.getdoc(obj) or "")
               and name not in KNOWN_WITHOUT_EXAMPLE and not name.startswith("fastfeat.corpus.formats.")]
    assert not missing, f"docstrings without an example (the doctests run them): {missing}"
