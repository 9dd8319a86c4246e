"""TensorFlow's speech front ends with TensorFlow's argument names.

Two families, both computed by fastfeat's engine:

``tf.signal`` recipes (audio in, ``[..., samples]`` -> ``[..., frames, bins]``):

* :func:`spectrogram` is ``tf.abs(tf.signal.stft(signals, frame_length,
  frame_step, fft_length, pad_end=pad_end))`` (``Config.preset("tensorflow_tutorial")``
  with the defaults of the "simple audio recognition" tutorial, 255 / 128);
* :func:`log_mel_spectrogram` is ``tf.math.log(tf.tensordot(tf.abs(stft),
  tf.signal.linear_to_mel_weight_matrix(num_mel_bins, fft_length // 2 + 1,
  sample_rate, lower_edge_hertz, upper_edge_hertz), 1) + log_offset)``;
* :func:`mfccs` is ``tf.signal.mfccs_from_log_mel_spectrograms`` of that,
  ``[..., :num_mfccs]`` (``Config.preset("tensorflow")``).

Defaults are those of the ``mfccs_from_log_mel_spectrograms`` docstring example
(16 kHz, frames of 1024 every 256, 80 bins from 80 to 7600 Hz, ``1e-6``, 13
MFCCs).  ``tf.signal.stft``'s window is ``hann_window(periodic=True)``, which
for an *odd* frame length is the symmetric Hann window (TensorFlow's
``_raised_cosine_window`` only makes even lengths periodic); these functions do
the same.

The ops of TensorFlow's speech-commands training (``tf.raw_ops`` /
``tensorflow.python.ops.gen_audio_ops``):

* :func:`audio_spectrogram` is ``AudioSpectrogram(input, window_size, stride,
  magnitude_squared)``: ``input`` ``[samples, channels]``, result
  ``[channels, frames, fft_length // 2 + 1]``;
* :func:`mfcc` is ``Mfcc(spectrogram, sample_rate, upper_frequency_limit,
  lower_frequency_limit, filterbank_channel_count, dct_coefficient_count)`` of
  such a spectrogram;
* :func:`audio_mfcc` is the two in one pass from the audio
  (``Config.preset("tensorflow_speech_commands")``: window 480, stride 160,
  magnitude squared, the Mfcc defaults).

numpy in, numpy out (float32); a ``tf.Tensor`` in gives a ``tf.Tensor`` out
(TensorFlow is imported only then: ``import fastfeat`` never imports it).  A
signal shorter than one frame gives 0 frames, as AudioSpectrogram does
(``tf.signal.stft`` 2.21 raises in its RFFT instead).

>>> import numpy as np
>>> from fastfeat.compat import tensorflow as ftf
>>> audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> ftf.spectrogram(audio).shape            # the tutorial's spectrogram
(124, 129)
>>> ftf.mfccs(audio).shape
(59, 13)
>>> ftf.audio_mfcc(audio[:, None], 16000).shape
(1, 98, 13)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend
from ..config import Config, _next_pow2
from ..features import Extractor

__all__ = ["spectrogram", "log_mel_spectrogram", "mfccs", "audio_spectrogram", "mfcc", "audio_mfcc"]

# Config field -> the TensorFlow argument that set it, so that a refusal names the argument.
_SIGNAL_ARGS = {"sample_rate": "sample_rate", "frame_length": "frame_length", "hop_length": "frame_step",
                "n_fft": "fft_length", "n_mels": "num_mel_bins", "fmin": "lower_edge_hertz",
                "fmax": "upper_edge_hertz", "log_floor": "log_offset", "n_mfcc": "num_mfccs", "power": "power"}
_OP_ARGS = {"sample_rate": "sample_rate", "frame_length": "window_size", "hop_length": "stride",
            "n_fft": "window_size", "n_mels": "filterbank_channel_count", "fmin": "lower_frequency_limit",
            "fmax": "upper_frequency_limit", "n_mfcc": "dct_coefficient_count"}


def _config(preset: str, args: dict[str, str], **fields: Any) -> Config:
    """Config.preset(preset, **fields); a refusal names the TensorFlow argument."""
    try:
        return Config.preset(preset, **fields)
    except (TypeError, ValueError) as exc:
        field = str(exc).split("=", 1)[0].split(" ", 1)[0]
        arg = args.get(field)
        if arg is None or arg == field:
            raise
        raise type(exc)(f"{arg} (fastfeat's {field}): {exc}") from None


def _int(name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value.__index__()) < low:
        raise ValueError(f"{name}={value!r} is not valid; {name} must be an integer >= {low}")
    return int(value.__index__())


def _array(x: Any, name: str) -> tuple[np.ndarray, bool]:
    """(float array, whether x was a tf.Tensor); integer samples are refused as fastfeat does."""
    tensor = type(x).__module__.startswith("tensorflow")
    if tensor:
        x = x.numpy()
    a = np.asarray(x)
    if a.dtype.kind in "iub":
        raise TypeError(f"{name} has dtype {a.dtype}; {name} must be float32 or float64 samples in [-1, 1] "
                        f"(tf.audio.decode_wav gives float32)")
    if a.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {a.dtype}; {name} must be a float32 or float64 array")
    return a, tensor


def _out(a: np.ndarray, tensor: bool) -> Any:
    if not tensor:
        return a
    import tensorflow as tf  # already imported by whoever made the tensor

    return tf.convert_to_tensor(a)


def _run(cfg: Config, signals: np.ndarray, name: str, pad_end: bool = False) -> np.ndarray:
    """Extractor(cfg) on every row of signals [..., samples] -> [..., frames, features]."""
    if signals.ndim < 1:
        raise ValueError(f"{name} must have at least one dimension [..., samples], got shape {signals.shape}")
    n = signals.shape[-1]
    if pad_end:  # tf.signal.frame(pad_end=True): ceil(n / step) frames, zeros after the signal
        frames = -(-n // cfg.hop_length)
        extra = max(0, cfg.frame_length + cfg.hop_length * (frames - 1) - n) if frames else 0
        signals = np.concatenate([signals, np.zeros(signals.shape[:-1] + (extra,), signals.dtype)], axis=-1)
        n += extra
    ext = Extractor(cfg)
    rows = signals.reshape(-1, n)
    out = np.zeros((rows.shape[0], ext.n_frames(n), ext.n_features), np.float32)
    if out.shape[1]:
        for i, y in enumerate(rows):
            ext(np.ascontiguousarray(y, np.float32), out=out[i])
    return out.reshape(signals.shape[:-1] + out.shape[1:])


def _rate(value: Any) -> int:
    """A sample rate: an integer, or a float with an integer value (TensorFlow takes either)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return _int("sample_rate", value)


def _stft_fields(frame_length: Any, frame_step: Any, fft_length: Any) -> dict[str, Any]:
    frame_length = _int("frame_length", frame_length)
    n_fft = _next_pow2(frame_length) if fft_length is None else _int("fft_length", fft_length)
    if n_fft < frame_length:
        raise ValueError(f"fft_length={fft_length} is smaller than frame_length={frame_length}; fft_length must "
                         f"be >= frame_length or None (fastfeat does not crop frames to the FFT)")
    return dict(frame_length=frame_length, hop_length=_int("frame_step", frame_step), n_fft=n_fft,
                window_periodic=frame_length % 2 == 0)  # TF: periodic=True is symmetric for odd lengths


def spectrogram(signals: Any, frame_length: int = 255, frame_step: int = 128, fft_length: int | None = None,
                pad_end: bool = False) -> Any:
    """``tf.abs(tf.signal.stft(signals, frame_length, frame_step, fft_length, pad_end=pad_end))``.

    Parameters
    ----------
    signals : array or tf.Tensor [..., samples], float32 or float64
    frame_length, frame_step : int
        Samples per frame and between frames (the tutorial's 255 and 128).
    fft_length : int, optional
        FFT size (>= frame_length); None: the next power of two >= frame_length.
    pad_end : bool, default False
        Pad the end with zeros so that every sample starts a frame's worth
        (``ceil(samples / frame_step)`` frames), as ``tf.signal.frame``.

    Returns
    -------
    [..., frames, fft_length // 2 + 1] float32 magnitudes.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import spectrogram
    >>> spectrogram(np.zeros((2, 16000), np.float32)).shape
    (2, 124, 129)
    >>> spectrogram(np.zeros(1000, np.float32), pad_end=True).shape
    (8, 129)
    """
    x, tensor = _array(signals, "signals")
    cfg = _config("tensorflow_tutorial", _SIGNAL_ARGS, **_stft_fields(frame_length, frame_step, fft_length))
    return _out(_run(cfg, x, "signals", bool(pad_end)), tensor)


def _mel_config(kind: str, sample_rate, frame_length, frame_step, fft_length, num_mel_bins,
                lower_edge_hertz, upper_edge_hertz, log_offset, power, **fields) -> Config:
    return _config("tensorflow", _SIGNAL_ARGS, kind=kind, sample_rate=_rate(sample_rate),
                   **_stft_fields(frame_length, frame_step, fft_length), n_mels=num_mel_bins,
                   fmin=lower_edge_hertz, fmax=upper_edge_hertz, log_floor=log_offset, power=power, **fields)


def log_mel_spectrogram(signals: Any, sample_rate: int = 16000, frame_length: int = 1024, frame_step: int = 256,
                        fft_length: int | None = None, num_mel_bins: int = 80, lower_edge_hertz: float = 80.0,
                        upper_edge_hertz: float = 7600.0, log_offset: float = 1e-6, power: float = 1.0,
                        pad_end: bool = False) -> Any:
    """``tf.math.log(tf.tensordot(tf.abs(stft) ** power, linear_to_mel_weight_matrix(...), 1) + log_offset)``.

    Parameters
    ----------
    signals : array or tf.Tensor [..., samples], float32 or float64
    sample_rate : int
        Hz of ``signals`` (``linear_to_mel_weight_matrix``'s ``sample_rate``).
    frame_length, frame_step, fft_length, pad_end
        As ``tf.signal.stft`` (see :func:`spectrogram`).
    num_mel_bins, lower_edge_hertz, upper_edge_hertz
        As ``tf.signal.linear_to_mel_weight_matrix`` (HTK mel, triangles in mel,
        peak 1, DC bin zero); ``upper_edge_hertz <= sample_rate / 2``.
    log_offset : float, default 1e-6
        Added before the log (> 0).
    power : float, default 1.0
        1: ``tf.abs(stft)`` (the TensorFlow docs' recipe); 2: its square.

    Returns
    -------
    [..., frames, num_mel_bins] float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import log_mel_spectrogram
    >>> log_mel_spectrogram(np.zeros(16000, np.float32), num_mel_bins=40)[0, :2]
    array([-13.815511, -13.815511], dtype=float32)
    """
    x, tensor = _array(signals, "signals")
    cfg = _mel_config("logmel", sample_rate, frame_length, frame_step, fft_length, num_mel_bins,
                      lower_edge_hertz, upper_edge_hertz, log_offset, power)
    return _out(_run(cfg, x, "signals", bool(pad_end)), tensor)


def mfccs(signals: Any, sample_rate: int = 16000, frame_length: int = 1024, frame_step: int = 256,
          fft_length: int | None = None, num_mel_bins: int = 80, lower_edge_hertz: float = 80.0,
          upper_edge_hertz: float = 7600.0, log_offset: float = 1e-6, num_mfccs: int | None = 13,
          power: float = 1.0, pad_end: bool = False) -> Any:
    """``tf.signal.mfccs_from_log_mel_spectrograms(log_mel_spectrogram(...))[..., :num_mfccs]``.

    TensorFlow's DCT scaling: ``dct(type=2) * rsqrt(2 * num_mel_bins)``, i.e.
    ``sqrt(2 / num_mel_bins)`` on every coefficient (HTK's; the orthonormal DCT
    times sqrt 2 on c0): ``dct_norm="htk"``.

    Parameters
    ----------
    num_mfccs : int or None, default 13
        Coefficients kept (<= num_mel_bins); None: all ``num_mel_bins``, as
        ``mfccs_from_log_mel_spectrograms`` returns.
    (the others as :func:`log_mel_spectrogram`)

    Returns
    -------
    [..., frames, num_mfccs] float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import mfccs
    >>> mfccs(np.zeros((3, 16000), np.float32), num_mfccs=None).shape
    (3, 59, 80)
    """
    x, tensor = _array(signals, "signals")
    if num_mfccs is None:
        num_mfccs = num_mel_bins
    cfg = _mel_config("mfcc", sample_rate, frame_length, frame_step, fft_length, num_mel_bins,
                      lower_edge_hertz, upper_edge_hertz, log_offset, power, n_mfcc=num_mfccs)
    return _out(_run(cfg, x, "signals", bool(pad_end)), tensor)


def _op_input(input: Any) -> tuple[np.ndarray, bool]:
    x, tensor = _array(input, "input")
    if x.ndim != 2:
        raise ValueError(f"input must be 2-D [samples, channels] (as AudioSpectrogram's), got shape {x.shape}")
    return x, tensor


def _op_fields(window_size: Any, stride: Any) -> dict[str, Any]:
    window_size = _int("window_size", window_size)
    return dict(frame_length=window_size, hop_length=_int("stride", stride), n_fft=_next_pow2(window_size))


def audio_spectrogram(input: Any, window_size: int, stride: int, magnitude_squared: bool = False) -> Any:
    """``tf.raw_ops.AudioSpectrogram``: periodic Hann, FFT of the next power of two.

    Parameters
    ----------
    input : array or tf.Tensor [samples, channels], float
    window_size, stride : int
        Samples per frame and between frames.
    magnitude_squared : bool, default False
        ``|X|**2`` instead of ``|X|``.

    Returns
    -------
    [channels, frames, fft_length // 2 + 1] float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import audio_spectrogram
    >>> audio_spectrogram(np.zeros((16000, 1), np.float32), 480, 160).shape
    (1, 98, 257)
    """
    x, tensor = _op_input(input)
    cfg = _config("tensorflow_tutorial", _OP_ARGS, **_op_fields(window_size, stride), window_periodic=True,
                  power=2.0 if magnitude_squared else 1.0)
    return _out(_run(cfg, np.ascontiguousarray(x.T), "input"), tensor)


def _mfcc_fields(sample_rate, upper_frequency_limit, lower_frequency_limit, filterbank_channel_count,
                 dct_coefficient_count) -> dict[str, Any]:
    return dict(sample_rate=_rate(sample_rate), fmax=upper_frequency_limit,
                fmin=lower_frequency_limit, n_mels=filterbank_channel_count, n_mfcc=dct_coefficient_count)


def audio_mfcc(input: Any, sample_rate: int = 16000, window_size: int = 480, stride: int = 160,
               magnitude_squared: bool = True, upper_frequency_limit: float = 4000.0,
               lower_frequency_limit: float = 20.0, filterbank_channel_count: int = 40,
               dct_coefficient_count: int = 13) -> Any:
    """``Mfcc(AudioSpectrogram(input, window_size, stride, magnitude_squared), sample_rate, ...)`` in one pass.

    The defaults are TensorFlow's speech-commands training (30 ms / 10 ms at
    16 kHz; its ``train.py`` passes ``dct_coefficient_count=feature_bin_count``,
    40 by default) and the Mfcc op's own (4000 / 20 Hz, 40 channels, 13
    coefficients).  The op's filterbank takes the square root of its input,
    so ``magnitude_squared=True`` filters magnitudes (``power=1``) and
    ``False`` their square roots (``power=0.5``).

    Returns
    -------
    [channels, frames, dct_coefficient_count] float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import audio_mfcc
    >>> audio_mfcc(np.zeros((8000, 2), np.float32), 16000).shape
    (2, 48, 13)
    """
    x, tensor = _op_input(input)
    cfg = _config("tensorflow_speech_commands", _OP_ARGS, **_op_fields(window_size, stride),
                  power=1.0 if magnitude_squared else 0.5,
                  **_mfcc_fields(sample_rate, upper_frequency_limit, lower_frequency_limit,
                                 filterbank_channel_count, dct_coefficient_count))
    return _out(_run(cfg, np.ascontiguousarray(x.T), "input"), tensor)


def mfcc(spectrogram: Any, sample_rate: int, upper_frequency_limit: float = 4000.0,
         lower_frequency_limit: float = 20.0, filterbank_channel_count: int = 40,
         dct_coefficient_count: int = 13) -> Any:
    """``tf.raw_ops.Mfcc`` of a spectrogram (as :func:`audio_spectrogram` or the op gives).

    The op's filterbank takes the square root of each value (magnitudes, from
    ``magnitude_squared=True``), skips the bins below ``int(lower / bin_width
    + 1.5)`` (``mel_first_bin="htk"``), logs with a floor of 1e-12 and scales
    its DCT-II by ``sqrt(2 / filterbank_channel_count)``.  Needs the C engine
    (the spectrogram is fed to it as an FFT).  :func:`audio_mfcc` does both ops
    in one pass from the audio.

    Parameters
    ----------
    spectrogram : array or tf.Tensor [channels, frames, bins], float
        ``bins = fft_length // 2 + 1``; values >= 0.
    sample_rate : int
        Hz of the audio the spectrogram was computed from.

    Returns
    -------
    [channels, frames, dct_coefficient_count] float32.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.tensorflow import audio_spectrogram, mfcc
    >>> audio = np.random.default_rng(0).standard_normal((16000, 1)).astype(np.float32)
    >>> s = audio_spectrogram(audio, 480, 160, magnitude_squared=True)
    >>> mfcc(s, 16000).shape
    (1, 98, 13)
    """
    s, tensor = _array(spectrogram, "spectrogram")
    if s.ndim != 3 or s.shape[-1] < 2:
        raise ValueError(f"spectrogram must be 3-D [channels, frames, bins] with bins >= 2, got shape {s.shape}")
    if not (s >= 0).all():
        raise ValueError("spectrogram must be >= 0 everywhere (AudioSpectrogram's magnitudes); "
                         "it has negative or NaN values")
    n_fft = 2 * (s.shape[-1] - 1)
    cfg = _config("tensorflow_speech_commands", _OP_ARGS, frame_length=n_fft, n_fft=n_fft, power=1.0,
                  **_mfcc_fields(sample_rate, upper_frequency_limit, lower_frequency_limit,
                                 filterbank_channel_count, dct_coefficient_count))
    engine = _backend.engine_for(cfg, "c")
    channels, frames, bins = s.shape
    out = np.zeros((channels, frames, cfg.n_mfcc), np.float32)
    energy = np.zeros(max(frames, 1), np.float32)
    for c in range(channels):
        if frames == 0:
            break
        fft = np.zeros((frames, 2 * bins), np.float32)
        fft[:, 0::2] = np.sqrt(s[c].astype(np.float64))  # |re| = sqrt(value): the op's sqrt
        status = engine.extract_from_fft(fft, energy, out[c], 1)
        if status != 0:
            raise RuntimeError(f"fastfeat engine returned status {status} for the spectrogram (a bug: please report it)")
    return _out(out, tensor)
