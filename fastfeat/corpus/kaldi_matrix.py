"""Kaldi's binary matrix formats: what an ark holds after ``"key "`` (docs/corpus.md).

``"\\0B"`` then one of

- ``"FM "`` / ``"DM "``: a float32 / float64 matrix (``<int32 rows> <int32 cols>``,
  each int preceded by its size byte ``\\x04``, then the values row by row);
- ``"CM "``: Kaldi's compressed matrix, method kSpeechFeature (what
  ``copy-feats --compress=true`` writes for more than 8 rows): a global header
  ``<float32 min> <float32 range> <int32 rows> <int32 cols>``, then per column
  four uint16 percentiles (0, 25, 75, 100 %) on the 16-bit grid
  ``min + range * k / 65535``, then one byte per value, column by column,
  interpolating piecewise linearly between the column's percentiles
  (codes 0-64, 64-192, 192-255);
- ``"CM2 "``: kTwoByteAuto (what kAutomaticMethod picks for 8 rows or fewer):
  the same global header, then one uint16 per value, row by row.

``compress`` follows Kaldi's ``CompressedMatrix::CopyFromMat`` with
kAutomaticMethod operation for operation in float32 (the same rounding: a
float product, then ``+ 0.5`` or ``+ 0.499`` in double, truncated), so the
bytes are those Kaldi writes; ``read_matrix`` decodes as Kaldi's ``CopyToMat``
does.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

__all__ = ["float_matrix", "double_matrix", "compress", "decompress", "read_matrix"]

_F32, _F64 = np.float32, np.float64
_INV_65535 = _F32(1.52590218966964e-05)  # Kaldi's float constant 1/65535
_GLOBAL = struct.Struct("<ffii")


def _dims(rows: int, cols: int) -> bytes:
    return b"\x04" + struct.pack("<i", rows) + b"\x04" + struct.pack("<i", cols)


def float_matrix(feats: np.ndarray) -> bytes:
    """``"\\0BFM "`` + dims + float32 data: a plain Kaldi float matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_matrix import float_matrix
    >>> float_matrix(np.zeros((2, 3), np.float32))[:5]
    b'\\x00BFM '
    """
    feats = np.ascontiguousarray(feats, dtype="<f4")
    return b"\0BFM " + _dims(*feats.shape) + feats.tobytes()


def double_matrix(values: np.ndarray) -> bytes:
    """``"\\0BDM "`` + dims + float64 data: a Kaldi double matrix (cmvn stats).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_matrix import double_matrix
    >>> len(double_matrix(np.zeros((2, 14))))
    239
    """
    values = np.ascontiguousarray(values, dtype="<f8")
    return b"\0BDM " + _dims(*values.shape) + values.tobytes()


def _to_uint16(x: np.ndarray, lo: np.float32, span: np.float32) -> np.ndarray:
    """Kaldi's FloatToUint16: (x - min) / range in float, clamped, * 65535 + 0.499."""
    f = np.clip((x - lo) / span, _F32(0), _F32(1))
    return ((f * _F32(65535)).astype(_F64) + 0.499).astype(np.int64)


def _from_uint16(k: np.ndarray, lo: np.float32, span: np.float32) -> np.ndarray:
    """Kaldi's Uint16ToFloat: min + range * (1/65535) * k, all in float."""
    return lo + (span * _INV_65535) * k.astype(_F32)


def _percentiles(x: np.ndarray, lo: np.float32, span: np.float32) -> np.ndarray:
    """Kaldi's ComputeColHeader for ``rows >= 5``: (4, cols) uint16 percentiles."""
    n = x.shape[0]
    q = n // 4
    picked = np.partition(x, [0, q, 3 * q, n - 1], axis=0)[[0, q, 3 * q, n - 1]]
    p = _to_uint16(picked, lo, span)
    # strictly increasing, with room for the next one (Kaldi's min/max chain)
    p[0] = np.minimum(p[0], 65532)
    p[1] = np.minimum(np.maximum(p[1], p[0] + 1), 65533)
    p[2] = np.minimum(np.maximum(p[2], p[1] + 1), 65534)
    p[3] = np.maximum(p[3], p[2] + 1)
    return p.astype(np.uint16)


_STEPS = np.array([64, 128, 63], np.float32)  # codes 0-64, 64-192, 192-255
_BASE = np.array([0, 64, 192], np.uint8)


def _to_codes(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Kaldi's FloatToChar for every value: base + int(((x - a) / (b - a)) * steps + 0.5), clamped.

    ``p`` holds each column's four percentiles as floats; ``[a, b)`` is the
    piece of ``[p0, p25)``, ``[p25, p75)``, ``[p75, p100]`` that holds ``x``.
    """
    upper, top = x >= p[1], x >= p[2]
    piece = upper.view(np.uint8) + top.view(np.uint8)
    a = np.where(top, p[2], np.where(upper, p[1], p[0]))
    b = np.where(top, p[3], np.where(upper, p[2], p[1]))
    steps = _STEPS[piece]
    with np.errstate(divide="ignore", invalid="ignore"):  # a == b only in degenerate columns
        f = ((x - a) / (b - a)) * steps
    f = f.astype(np.float64)
    f += 0.5
    np.trunc(f, out=f)
    # clamp to [0, steps]; fmax/fmin also map a NaN of a degenerate column to 0
    return np.fmin(np.fmax(f, 0.0), steps).astype(np.uint8) + _BASE[piece]


def compress(feats: np.ndarray) -> bytes:
    """Kaldi's compressed matrix of ``feats`` (kAutomaticMethod): ``"\\0BCM "`` or ``"\\0BCM2 "``.

    Parameters
    ----------
    feats : ndarray, shape (rows, cols)
        float32, finite, at least one row and one column.

    Returns
    -------
    bytes
        What Kaldi writes after ``"key "`` in an ark (``copy-feats
        --compress=true``): kSpeechFeature (1 byte per value plus 8 bytes
        per column) for more than 8 rows, kTwoByteAuto (2 bytes per value)
        otherwise.

    Raises
    ------
    ValueError
        An empty matrix or one with NaN/Inf (Kaldi cannot compress those).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_matrix import compress, decompress
    >>> x = np.random.default_rng(0).standard_normal((100, 13)).astype(np.float32)
    >>> data = compress(x)
    >>> (data[:5], len(data) - 5 - 16)   # header, then 13 * (8 + 100) bytes
    (b'\\x00BCM ', 1404)
    >>> bool(np.abs(decompress(data) - x).max() < 0.05)
    True
    """
    x = np.asarray(feats)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"feats must be a (rows >= 1, cols >= 1) matrix to compress, got shape {x.shape}")
    x = np.ascontiguousarray(x, dtype=_F32)
    lo, hi = x.min(), x.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("feats contain NaN or Inf, which a Kaldi compressed matrix cannot hold")
    if hi == lo:
        hi = _F32(_F64(lo) + (1.0 + abs(_F64(lo))))
    span = _F32(hi - lo)
    rows, cols = x.shape
    head = _GLOBAL.pack(lo, span, rows, cols)
    if rows <= 8:  # kTwoByteAuto
        return b"\0BCM2 " + head + _to_uint16(x, lo, span).astype("<u2").tobytes()
    pct = _percentiles(x, lo, span)
    codes = _to_codes(x, _from_uint16(pct, lo, span))
    return b"\0BCM " + head + pct.T.astype("<u2").tobytes() + codes.T.tobytes()


def _from_code(codes: np.ndarray, pct: np.ndarray) -> np.ndarray:
    """Kaldi's CharToFloat: a float product, times 1/64, 1/128 or 1/63 in double."""
    p0, p25, p75, p100 = pct
    v = codes.astype(_F32)
    low = p0.astype(_F64) + ((p25 - p0) * v).astype(_F64) * (1 / 64.0)
    mid = p25.astype(_F64) + ((p75 - p25) * (v - _F32(64))).astype(_F64) * (1 / 128.0)
    high = p75.astype(_F64) + ((p100 - p75) * (v - _F32(192))).astype(_F64) * (1 / 63.0)
    return np.where(codes <= 64, low, np.where(codes <= 192, mid, high)).astype(_F32)


def _read_exact(f: BinaryIO, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ValueError(f"{getattr(f, 'name', 'ark')}: {what} cut short ({len(data)} of {n} bytes)")
    return data


def read_matrix(f: BinaryIO) -> np.ndarray:
    """The matrix at the current position of ``f`` (after ``"key "``): FM, DM, CM or CM2.

    Returns float32 (float64 for DM), decoded as Kaldi's ``CopyToMat``.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_matrix import float_matrix, read_matrix
    >>> read_matrix(io.BytesIO(float_matrix(np.eye(2, dtype=np.float32)))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    token = _read_exact(f, 5, "matrix header")
    if token in (b"\0BFM ", b"\0BDM "):
        head = _read_exact(f, 10, "matrix dimensions")
        if head[0:1] != b"\x04" or head[5:6] != b"\x04":
            raise ValueError(f"{getattr(f, 'name', 'ark')}: bad matrix dimensions")
        rows, cols = struct.unpack("<i", head[1:5])[0], struct.unpack("<i", head[6:10])[0]
        dtype = np.dtype("<f4" if token == b"\0BFM " else "<f8")
        data = _read_exact(f, rows * cols * dtype.itemsize, "matrix data")
        return np.frombuffer(data, dtype=dtype).reshape(rows, cols).astype(dtype.newbyteorder("="))
    if token == b"\0BCM2":
        _read_exact(f, 1, "matrix header")
        lo, span, rows, cols = _GLOBAL.unpack(_read_exact(f, 16, "compressed matrix header"))
        k = np.frombuffer(_read_exact(f, 2 * rows * cols, "compressed matrix data"), "<u2")
        inc = _F32(_F64(_F32(span)) * (1.0 / 65535.0))
        return (_F32(lo) + k.astype(_F32) * inc).reshape(rows, cols)
    if token == b"\0BCM ":
        lo, span, rows, cols = _GLOBAL.unpack(_read_exact(f, 16, "compressed matrix header"))
        pct = np.frombuffer(_read_exact(f, 8 * cols, "column headers"), "<u2").reshape(cols, 4).T
        codes = np.frombuffer(_read_exact(f, rows * cols, "compressed matrix data"), np.uint8).reshape(cols, rows).T
        return _from_code(codes, _from_uint16(pct.astype(np.int64), _F32(lo), _F32(span)))
    raise ValueError(f"{getattr(f, 'name', 'ark')}: no binary Kaldi matrix here (found {token!r}; "
                     "expected FM, DM, CM or CM2)")


def decompress(data: bytes) -> np.ndarray:
    """``read_matrix`` of a bytes object (what ``compress`` returns).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.corpus.kaldi_matrix import compress, decompress
    >>> decompress(compress(np.ones((3, 2), np.float32))).tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """
    import io

    return read_matrix(io.BytesIO(data))
