"""Audio input: ``load``, ``open_audio`` (block reading) and resampling.

Plain PCM / IEEE-float WAV files are parsed here and their samples read with
``numpy.fromfile`` (a few microseconds for a 1 s clip, the same numbers as
libsndfile); every other file goes through soundfile, imported on first use so
that ``import fastfeat`` stays light.  ``resample`` and ``Resampler`` are the
polyphase filter of ``scipy.signal.resample_poly``, whole-signal and streaming
(bit-identical to each other for any chunking), computed in C
(``csrc/resample.c``) when the engine is built; ``_polyphase`` is its numpy
model.
"""

from __future__ import annotations

import functools
import math
import os
import stat
import struct
from typing import Any

import numpy as np

__all__ = ["load", "open_audio", "AudioReader", "downmix", "resample", "Resampler", "sample_files",
           "MIN_SAMPLE_RATE", "MAX_SAMPLE_RATE", "RESAMPLE_MAX_TAPS"]

#: Sample rates (Hz) a file may declare; ``open_audio`` refuses others (a header
#: rate drives the cost of resampling, so an absurd one must not be believed).
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 768_000

_RESAMPLE_BLOCK = 1 << 15  # outputs computed per vectorised step


def _kaiser_lowpass(up: int, down: int, half_taps: int = 10, beta: float = 5.0) -> np.ndarray:
    """Anti-aliasing FIR for rational resampling by up/down.

    Windowed sinc with cutoff at the lower Nyquist (1 / max(up, down)), Kaiser
    window (beta 5), 2 * half_taps * max(up, down) + 1 taps, unit DC gain times
    ``up`` -- the filter ``scipy.signal.resample_poly`` designs by default.
    """
    rate = max(up, down)
    half_len = half_taps * rate
    n = np.arange(-half_len, half_len + 1, dtype=np.float64)
    h = np.sinc(n / rate) * np.kaiser(2 * half_len + 1, beta)
    return h * (up / h.sum())


def _rational(orig_sr: int, target_sr: int) -> tuple[int, int]:
    for name, v in (("orig_sr", orig_sr), ("target_sr", target_sr)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"{name}={v!r} must be a positive integer (Hz)")
    g = math.gcd(int(orig_sr), int(target_sr))
    return int(target_sr) // g, int(orig_sr) // g


def _polyphase(x: np.ndarray, x0: int, n_in: int, m0: int, m1: int,
               h: np.ndarray, up: int, down: int) -> np.ndarray:
    """Outputs m0 <= m < m1 of the polyphase filter, as float64.

    ``x`` holds input samples ``x0 .. x0 + len(x) - 1`` of a signal of
    ``n_in`` samples and must cover every input these outputs read.  Each
    output is the same sum in the same order whatever (x0, m0, m1) are, so
    any split of the outputs gives the same numbers bit for bit.
    """
    half_len = (len(h) - 1) // 2
    taps = -(-len(h) // up) + 1
    out = np.empty(max(m1 - m0, 0), dtype=np.float64)
    for b0 in range(m0, m1, _RESAMPLE_BLOCK):
        m = np.arange(b0, min(b0 + _RESAMPLE_BLOCK, m1), dtype=np.int64)
        # y[m] = sum_q h[m*down + half_len - q*up] x[q], over q with a valid tap.
        q0 = -((half_len - m * down) // up)  # ceil((m*down - half_len) / up)
        acc = np.zeros(m.shape[0])
        for j in range(taps):
            q = q0 + j
            k = m * down + half_len - q * up
            ok = (k >= 0) & (k < len(h)) & (q >= 0) & (q < n_in)
            acc += np.where(ok, h[np.clip(k, 0, len(h) - 1)] * x[np.clip(q - x0, 0, len(x) - 1)], 0.0)
        out[b0 - m0:b0 - m0 + m.shape[0]] = acc
    return out


#: Longest resampling filter (taps) fastfeat designs: 2 * 10 * max(up, down) + 1
#: for target/orig = up/down in lowest terms, so max(up, down) <= 209,715.
RESAMPLE_MAX_TAPS = 1 << 22


class _NumpyFilter:
    """The numpy model of the C polyphase filter (``_engine.ResampleFilter``), same interface.

    Used when the C engine is not built, and by the tests as the reference.
    """

    def __init__(self, orig_sr: int, target_sr: int) -> None:
        self.up, self.down = _rational(orig_sr, target_sr)
        self._h = _kaiser_lowpass(self.up, self.down)
        self.taps = len(self._h)
        self._half = (self.taps - 1) // 2
        self._per = -(-self.taps // self.up) + 1  # inputs one output reads

    def first_input(self, m: int) -> int:
        return -((self._half - m * self.down) // self.up)

    def outputs(self, n_in: int) -> int:
        return -(-n_in * self.up // self.down)

    def ready(self, received: int) -> int:
        return ((received - self._per) * self.up + self._half) // self.down + 1

    def run(self, x: np.ndarray, x0: int, n_in: int, m0: int, m1: int) -> np.ndarray:
        return _polyphase(x, x0, n_in, m0, m1, self._h, self.up, self.down).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _filter(orig_sr: int, target_sr: int) -> Any:
    """The polyphase filter for these rates: the C one when the engine is built (the filters are immutable)."""
    up, down = _rational(orig_sr, target_sr)
    taps = 2 * 10 * max(up, down) + 1
    if taps > RESAMPLE_MAX_TAPS:
        raise ValueError(f"resampling {orig_sr} Hz to {target_sr} Hz needs a {taps:,}-tap filter (the ratio is "
                         f"{up}/{down} in lowest terms), more than the {RESAMPLE_MAX_TAPS:,} fastfeat designs; "
                         "convert the file to a common rate first (e.g. sox in.wav -r 16000 out.wav)")
    from ._backend import _engine

    return _NumpyFilter(orig_sr, target_sr) if _engine is None else _engine.ResampleFilter(orig_sr, target_sr)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a 1-D signal by the rational factor target_sr / orig_sr.

    Polyphase FIR filtering (zero-phase, Kaiser-windowed sinc, as
    ``scipy.signal.resample_poly`` with its default window): no aliasing from
    above the new Nyquist, output length ``ceil(len(y) * target_sr / orig_sr)``.
    ``Resampler`` gives the same numbers for a signal that arrives in blocks.
    The filter runs in C (``csrc/resample.c``, GIL released) when the engine
    is built, else in numpy; docs/corpus.md gives their tolerance.  Its length,
    ``2 * 10 * max(up, down) + 1`` taps for ``target_sr / orig_sr = up / down``
    in lowest terms, is capped at ``RESAMPLE_MAX_TAPS``; each output costs
    ``ceil(taps / up) + 1`` multiply-adds.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float
    orig_sr, target_sr : int
        Rates in Hz (> 0).

    Returns
    -------
    np.ndarray [shape=(ceil(n * target_sr / orig_sr),)], float32

    Raises
    ------
    ValueError
        A rate that is not a positive integer, or a pair of rates whose
        filter would be longer than ``RESAMPLE_MAX_TAPS``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.io import resample
    >>> y = np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)
    >>> resample(y, 44100, 16000).shape
    (16000,)
    """
    up, down = _rational(orig_sr, target_sr)
    x = np.ascontiguousarray(y, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {x.shape}")
    if up == down:
        return x.astype(np.float32)
    f = _filter(int(orig_sr), int(target_sr))
    return f.run(x, 0, x.shape[0], 0, f.outputs(x.shape[0]))


class Resampler:
    """``resample`` for a signal that arrives in blocks, with bounded memory.

    ``concatenate([r.push(b) for b in blocks] + [r.flush()])`` equals
    ``resample(concatenate(blocks), orig_sr, target_sr)`` bit for bit: an
    output is computed once every input its filter reads has arrived (the
    ones at the end of the signal at ``flush``), with the same arithmetic.
    It keeps only the inputs later outputs still need (the filter length,
    ``20 * max(up, down) / up`` samples, plus the last block).

    Parameters
    ----------
    orig_sr, target_sr : int
        Rates in Hz (> 0).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.io import Resampler, resample
    >>> y = np.random.default_rng(0).standard_normal(44100)
    >>> r = Resampler(44100, 16000)
    >>> parts = [r.push(y[i:i + 4096]) for i in range(0, len(y), 4096)] + [r.flush()]
    >>> bool((np.concatenate(parts) == resample(y, 44100, 16000)).all())
    True
    """

    def __init__(self, orig_sr: int, target_sr: int) -> None:
        up, down = _rational(orig_sr, target_sr)
        self._f = None if up == down else _filter(int(orig_sr), int(target_sr))
        self._buf = np.zeros(0)
        self._x0 = 0  # absolute index of self._buf[0]
        self._next = 0  # next output index

    def _emit(self, m1: int, n_in: int) -> np.ndarray:
        f = self._f
        out = f.run(self._buf, self._x0, n_in, self._next, max(m1, self._next))
        self._next = max(self._next, m1)
        keep = max(0, min(f.first_input(self._next), self._x0 + len(self._buf)) - self._x0)
        self._buf = self._buf[keep:]
        self._x0 += keep
        return out

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Append samples; return the outputs whose inputs have all arrived.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)], float

        Returns
        -------
        np.ndarray [shape=(k,)], float32

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.io import Resampler
        >>> r = Resampler(48000, 16000)
        >>> blocks = [r.push(np.zeros(4800, np.float32)) for _ in range(10)]
        >>> sum(len(b) for b in blocks) + len(r.flush())  # 1 s at 16 kHz
        16000
        """
        x = np.asarray(samples, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"samples must be 1-D, got shape {x.shape}")
        if self._f is None:
            return x.astype(np.float32)
        self._buf = np.concatenate([self._buf, x])
        received = self._x0 + len(self._buf)
        # the last output whose every tap input has arrived
        return self._emit(self._f.ready(received), received)

    def flush(self) -> np.ndarray:
        """End of the signal: the outputs that read up to its last sample.

        Examples
        --------
        >>> import numpy as np
        >>> from fastfeat.io import Resampler, resample
        >>> x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
        >>> r = Resampler(22050, 16000)
        >>> y = np.concatenate([r.push(x[:300]), r.push(x[300:]), r.flush()])
        >>> bool((y == resample(x, 22050, 16000)).all())
        True
        """
        if self._f is None:
            return np.zeros(0, np.float32)
        n_in = self._x0 + len(self._buf)
        return self._emit(self._f.outputs(n_in), n_in)


_SUBFORMAT_TAIL = bytes.fromhex("000000001000800000aa00389b71")  # KSDATAFORMAT_SUBTYPE_* GUID
_PCM, _IEEE_FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


class AudioReader:
    """An open audio file, read in blocks of frames as float32 in [-1, 1].

    Made by ``open_audio``; use it as a context manager.  Integer PCM is
    scaled by its full scale (``int16 / 32768``, ``(uint8 - 128) / 128``, ...),
    exactly as libsndfile does.

    Attributes
    ----------
    path : str
    sample_rate : int
    channels : int
    frames : int
        Frames (samples per channel) in the file.

    Examples
    --------
    >>> from fastfeat.io import open_audio, sample_files
    >>> with open_audio(sample_files()[0]) as r:
    ...     print(r.sample_rate, r.channels, r.frames == r.read().shape[0])
    16000 1 True
    """

    path: str
    sample_rate: int
    channels: int
    frames: int

    def read(self, frames: int = -1) -> np.ndarray:
        """The next ``frames`` frames (all that remain with -1), shape (k, channels), float32.

        ``k`` is smaller than ``frames`` only at the end of the file (0 there).

        Examples
        --------
        >>> from fastfeat.io import open_audio, sample_files
        >>> with open_audio(sample_files()[0]) as r:
        ...     first, rest, end = r.read(1000), r.read(), r.read(1000)
        >>> first.shape[0] + rest.shape[0] == r.frames, end.shape
        (True, (0, 1))
        """
        raise NotImplementedError

    def close(self) -> None:
        """Close the file (leaving a ``with`` block does it).

        Examples
        --------
        >>> from fastfeat.io import open_audio, sample_files
        >>> r = open_audio(sample_files()[0])
        >>> r.read(10).shape
        (10, 1)
        >>> r.close()
        """
        raise NotImplementedError

    def __enter__(self) -> "AudioReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _WavReader(AudioReader):
    """Plain PCM (8/16/24/32-bit) or IEEE float (32/64-bit) WAV, read with numpy."""

    def __init__(self, path: str, f: Any, rate: int, channels: int, tag: int, bits: int,
                 data_bytes: int) -> None:
        self.path, self._f = path, f
        self.sample_rate, self.channels = rate, channels
        self._width = bits // 8
        self.frames = data_bytes // (self._width * channels)
        self._left = self.frames
        self._tag, self._bits = tag, bits

    def read(self, frames: int = -1) -> np.ndarray:
        n = self._left if frames < 0 else min(frames, self._left)
        count = n * self.channels
        if self._tag == _IEEE_FLOAT:
            with np.errstate(over="ignore"):  # float64 beyond FLT_MAX -> inf, refused later as non-finite
                data = self._raw("<f4" if self._bits == 32 else "<f8", count).astype(np.float32, copy=False)
        elif self._bits == 8:  # unsigned, offset 128
            data = (self._raw(np.uint8, count).astype(np.float32) - 128) * np.float32(2.0 ** -7)
        elif self._bits == 24:
            raw = self._raw(np.uint8, 3 * count)
            wide = np.zeros((raw.shape[0] // 3, 4), dtype=np.uint8)
            wide[:, 1:] = raw[:wide.shape[0] * 3].reshape(-1, 3)  # the sample in the top 3 bytes of an int32
            data = wide.view("<i4").ravel().astype(np.float32) * np.float32(2.0 ** -31)
        else:
            data = self._raw("<i2" if self._bits == 16 else "<i4", count).astype(np.float32) * np.float32(2.0 ** (1 - self._bits))
        k = data.shape[0] // self.channels
        self._left -= k
        return data[:k * self.channels].reshape(k, self.channels)

    def _raw(self, dtype: Any, count: int) -> np.ndarray:
        buf = np.empty(count, dtype=dtype)
        got = self._f.readinto(memoryview(buf).cast("B")) or 0
        return buf[:got // buf.itemsize]

    def close(self) -> None:
        self._f.close()


class _SoundFileReader(AudioReader):
    """Anything libsndfile reads (FLAC, OGG, exotic WAV, AIFF, ...)."""

    def __init__(self, path: str) -> None:
        import soundfile as sf

        self.path = path
        try:
            self._f = sf.SoundFile(path)
        except (RuntimeError, sf.LibsndfileError) as exc:  # "format not recognised" etc.
            raise ValueError(f"cannot read {path} as audio: {exc}") from None
        self.sample_rate, self.channels, self.frames = self._f.samplerate, self._f.channels, self._f.frames

    def read(self, frames: int = -1) -> np.ndarray:
        import soundfile as sf

        try:
            return self._f.read(frames, dtype="float32", always_2d=True)
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise ValueError(f"cannot read {self.path} as audio: {exc}") from None

    def close(self) -> None:
        self._f.close()


def _open_wav(path: str) -> AudioReader | None:
    """A _WavReader if ``path`` is a plain little-endian PCM/float WAV, else None."""
    f = open(path, "rb")
    try:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
            raise LookupError
        fmt = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise LookupError  # no data chunk: soundfile says what is wrong
            cid, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if cid == b"fmt ":
                body = f.read(size + (size & 1))
                if size < 16 or len(body) < size:
                    raise LookupError
                tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == _EXTENSIBLE:
                    if size < 40 or body[26:40] != _SUBFORMAT_TAIL or int.from_bytes(body[18:20], "little") != bits:
                        raise LookupError  # other subformats, or fewer valid bits than the container
                    tag = int.from_bytes(body[24:26], "little")
                fmt = (tag, channels, rate, align, bits)
            elif cid == b"data":
                break
            else:
                f.seek(size + (size & 1), os.SEEK_CUR)
        if fmt is None:
            raise LookupError
        tag, channels, rate, align, bits = fmt
        plain = (tag == _PCM and bits in (8, 16, 24, 32)) or (tag == _IEEE_FLOAT and bits in (32, 64))
        if not plain or channels < 1 or rate < 1 or align != channels * bits // 8:
            raise LookupError
        # a data size past the end of the file (truncated, or 0xFFFFFFFF while
        # streaming): read what is there, as libsndfile does
        available = os.fstat(f.fileno()).st_size - f.tell()
        return _WavReader(path, f, rate, channels, tag, bits, min(size, available))
    except LookupError:
        f.close()
        return None
    except BaseException:
        f.close()
        raise


def open_audio(path: str | os.PathLike) -> AudioReader:
    """Open an audio file for reading in blocks.

    Plain PCM (8/16/24/32-bit) and IEEE float (32/64-bit) WAV, including
    WAVE_FORMAT_EXTENSIBLE, are read directly with numpy; everything else
    through soundfile.  Both give the same float32 numbers.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    AudioReader
        ``.sample_rate``, ``.channels``, ``.frames`` and ``.read(frames)``.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a regular file (a directory, FIFO, device or socket: never
        opened), an empty file, a sample rate outside ``MIN_SAMPLE_RATE`` ..
        ``MAX_SAMPLE_RATE``, or a file that is not readable as audio (the
        message names the path).

    Examples
    --------
    >>> from fastfeat.io import open_audio, sample_files
    >>> with open_audio(sample_files()[0]) as r:
    ...     block = r.read(1600)
    >>> (r.sample_rate, r.channels, block.shape, block.dtype.name)
    (16000, 1, (1600, 1), 'float32')
    """
    path = os.fspath(path)
    try:
        info = os.stat(path)  # follows links: a link to a regular file is read
    except FileNotFoundError:
        raise FileNotFoundError(f"no such audio file: {path}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is {_file_kind(info.st_mode)}, not an audio file (only regular files "
                         "and links to them are read)")
    if info.st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes)")
    reader = _open_wav(path) or _SoundFileReader(path)
    if not MIN_SAMPLE_RATE <= reader.sample_rate <= MAX_SAMPLE_RATE:
        reader.close()
        raise ValueError(f"{path}: the header says {reader.sample_rate} Hz, outside the sample rates fastfeat "
                         f"reads ({MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)")
    return reader


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def downmix(block: np.ndarray) -> np.ndarray:
    """Mono float32 from a (frames, channels) block: the channel mean (a copy for one channel).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.io import downmix
    >>> downmix(np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)).tolist()
    [0.5, 0.5]
    """
    if block.shape[1] == 1:
        return np.ascontiguousarray(block[:, 0])
    return block.mean(axis=1, dtype=np.float32)


def load(path: str | os.PathLike, sr: int | None = None, *, mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples in [-1, 1].

    Any format libsndfile reads (WAV, FLAC, OGG, ...; 8/16/24/32-bit integer
    or float).  Integer PCM is scaled by its full scale (2**(bits-1)).  Plain
    PCM/float WAV is parsed and read directly (``open_audio``), with the same
    numbers soundfile gives.

    Parameters
    ----------
    path : str or os.PathLike
    sr : int, optional
        Resample to this rate (``resample``); None keeps the file's rate.
    mono : bool, default True
        Average the channels.  With False a multichannel file is returned as
        (channels, n_samples).

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)], float32
    sr : int

    Raises
    ------
    FileNotFoundError, ValueError
        Missing or unreadable file (the message names the path).

    Examples
    --------
    >>> import fastfeat as ff
    >>> from fastfeat.io import sample_files
    >>> y, sr = ff.load(sample_files()[0])
    >>> (y.dtype.name, sr)
    ('float32', 16000)
    """
    with open_audio(path) as reader:
        data, file_sr = reader.read(), reader.sample_rate
    y: Any = downmix(data) if mono else np.ascontiguousarray(data.T)
    if sr is not None and sr != file_sr:
        y = resample(y, file_sr, sr) if mono else np.stack([resample(c, file_sr, sr) for c in y])
        file_sr = sr
    return np.ascontiguousarray(y, dtype=np.float32), int(file_sr)


def sample_files() -> list[str]:
    """Paths of the short speech clips bundled with fastfeat (16 kHz mono WAV).

    Examples
    --------
    >>> from fastfeat.io import sample_files
    >>> len(sample_files()) >= 6
    True
    """
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".wav"))
