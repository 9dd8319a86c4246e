"""The common end of a benchmark's ``main()``: the markdown report out."""

from __future__ import annotations

from pathlib import Path


def emit(md: str, markdown: str | None) -> int:
    """Print ``md``; with ``--markdown FILE`` (``markdown``) also write it there.

    Returns 0, ``main()``'s exit status.
    """
    print(md)
    if markdown:
        Path(markdown).write_text(md, encoding="utf-8")
    return 0
