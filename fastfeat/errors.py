"""fastfeat's own exception types (imports nothing)."""

from __future__ import annotations

__all__ = ["ParameterError"]


class ParameterError(ValueError):
    """An option a drop-in (``fastfeat.compat``) does not accept, named like librosa's.

    It is a ``ValueError``, so ``except ValueError`` clauses catch it too.

    Examples
    --------
    >>> import fastfeat as ff
    >>> issubclass(ff.ParameterError, ValueError)
    True
    """
