"""Whisper's front end with openai-whisper's and transformers' signatures.

``log_mel_spectrogram(audio, n_mels=80, padding=0, device=None)`` is
``whisper.log_mel_spectrogram`` (openai-whisper): ``(n_mels, n_frames)``,
numpy in and out, a torch tensor in gives a tensor out.
``WhisperFeatureExtractor`` is called like transformers'
``WhisperFeatureExtractor`` (same keyword arguments, output keys
``input_features`` and ``attention_mask``).  Both compute the
``Config.preset("whisper")`` pipeline in the C engine.

The clamp ``max(x, x.max() - 8)`` (``top_db=80`` with ``log="log10"``) uses
the maximum of whatever one call sees: openai's ``transcribe`` passes the
whole file plus 30 s of zeros (``padding=480000``: one global maximum);
transformers pads or trims each item to 30 s and clamps each item on its own,
never across the items of a batch, as this module does.

>>> import numpy as np
>>> from fastfeat.compat import whisper
>>> audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> whisper.log_mel_spectrogram(audio).shape
(80, 100)
>>> fe = whisper.WhisperFeatureExtractor()
>>> fe(audio, sampling_rate=16000, return_tensors="np")["input_features"].shape
(1, 80, 3000)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import Config
from ..features import Extractor

__all__ = ["log_mel_spectrogram", "WhisperFeatureExtractor", "BatchFeature", "N_SAMPLES"]

SAMPLE_RATE = 16000
N_SAMPLES = 30 * SAMPLE_RATE  # openai-whisper's N_SAMPLES: one 30 s chunk


def _extractor(n_mels: int, **fields: Any) -> Extractor:
    return Extractor(Config.preset("whisper", n_mels=n_mels, **fields))


def log_mel_spectrogram(audio: Any, n_mels: int = 80, padding: int = 0, device: Any = None) -> Any:
    """openai-whisper's ``log_mel_spectrogram``: Whisper's log-mel input.

    Parameters
    ----------
    audio : str, np.ndarray [shape=(n_samples,)] or torch.Tensor
        A path (read with ``fastfeat.load(path, sr=16000)``; openai uses
        ffmpeg) or 16 kHz mono samples, float32 or float64.
    n_mels : int, default 80
        80, or 128 for large-v3.
    padding : int, default 0
        Zeros appended before the transform (``transcribe`` uses 480000).
    device : optional
        With a tensor input: the device of the returned tensor (computed on
        the CPU either way).

    Returns
    -------
    np.ndarray or torch.Tensor [shape=(n_mels, n_samples // 160)], float32
        A tensor when ``audio`` is one, else an array.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.whisper import log_mel_spectrogram
    >>> log_mel_spectrogram(np.zeros(480000, np.float32), padding=160).shape
    (80, 3001)
    """
    tensor = None
    if isinstance(audio, str):
        from ..io import load

        audio, _ = load(audio, sr=SAMPLE_RATE)
    elif type(audio).__module__.startswith("torch"):
        tensor = audio
        audio = audio.detach().cpu().numpy()
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding={padding!r} is not valid; padding must be an integer >= 0")
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a path, a numpy.ndarray or a torch.Tensor, got {type(audio).__name__}")
    if audio.ndim != 1:
        raise ValueError(f"audio must be 1-D (one signal), got shape {audio.shape}; call once per signal "
                         f"(openai-whisper's batched call shares one maximum across the batch)")
    if padding:
        audio = np.concatenate([np.asarray(audio, np.float32), np.zeros(int(padding), np.float32)])
    out = np.ascontiguousarray(_extractor(n_mels)(np.ascontiguousarray(audio), sr=SAMPLE_RATE).T)
    if tensor is None:
        return out
    import torch

    return torch.from_numpy(out).to(tensor.device if device is None else device)


class BatchFeature(dict):
    """The result of :class:`WhisperFeatureExtractor`: a dict with attribute access,
    as transformers' ``BatchFeature`` (``out["input_features"]`` or ``out.input_features``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class WhisperFeatureExtractor:
    """transformers' ``WhisperFeatureExtractor``, computed by the C engine.

    Construction and call take transformers' arguments; each item of a batch
    is padded with ``padding_value`` or trimmed (to ``chunk_length`` seconds
    by default), and its log-mel is clamped against its own maximum.

    Parameters
    ----------
    feature_size : int, default 80
        Mel bands (128 for large-v3).
    sampling_rate, hop_length, chunk_length, n_fft, padding_value
        As in transformers (16000, 160, 30, 400, 0.0).
    dither : float, default 0.0
        Gaussian dither of that standard deviation, from fastfeat's seeded
        generator (transformers draws it from ``torch.randn``: the same
        amount, not the same numbers).
    return_attention_mask : bool, default False
        The default for calls that do not say.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat.whisper import WhisperFeatureExtractor
    >>> rng = np.random.default_rng(0)
    >>> batch = [rng.standard_normal(n).astype(np.float32) for n in (16000, 40000)]
    >>> out = WhisperFeatureExtractor()(batch, sampling_rate=16000, padding="longest",
    ...                                 return_attention_mask=True, return_tensors="np")
    >>> out["input_features"].shape, out["attention_mask"].sum(axis=1).tolist()
    ((2, 80, 250), [100, 250])
    """

    model_input_names = ["input_features"]

    def __init__(self, feature_size: int = 80, sampling_rate: int = 16000, hop_length: int = 160,
                 chunk_length: int = 30, n_fft: int = 400, padding_value: float = 0.0,
                 dither: float = 0.0, return_attention_mask: bool = False, **kwargs: Any) -> None:
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.hop_length = hop_length
        self.chunk_length = chunk_length
        self.n_fft = n_fft
        self.padding_value = float(padding_value)
        self.dither = dither
        self.return_attention_mask = return_attention_mask
        self.n_samples = chunk_length * sampling_rate
        self.nb_max_frames = self.n_samples // hop_length
        # transformers' filters span 0 .. 8000 Hz whatever the rate
        self._ext = _extractor(feature_size, sample_rate=sampling_rate, hop_length=hop_length,
                               n_fft=n_fft, frame_length=n_fft, fmax=8000.0, dither=float(dither))

    def _lengths(self, lengths: Sequence[int], padding: Any, max_length: int | None,
                 truncation: bool, pad_to_multiple_of: int | None) -> tuple[list[int], list[int]]:
        """(kept, padded) samples of each item, as transformers' SequenceFeatureExtractor.pad."""
        if padding is True:
            padding = "longest"
        elif padding is False or padding is None:
            padding = "do_not_pad"
        if padding not in ("longest", "max_length", "do_not_pad"):
            raise ValueError(f"padding={padding!r} is not valid; padding must be 'longest', 'max_length', "
                             f"'do_not_pad', True or False")

        def round_up(n: int) -> int:
            m = pad_to_multiple_of
            return n + (m - n % m) % m if m else n

        limit = round_up(max_length if max_length else self.n_samples)  # Whisper always passes one
        kept = [min(n, limit) if truncation else n for n in lengths]
        if padding == "do_not_pad":
            return kept, kept
        target = round_up(max(kept) if padding == "longest" else limit)
        return kept, [max(n, target) for n in kept]

    def __call__(self, raw_speech: Any, truncation: bool = True, pad_to_multiple_of: int | None = None,
                 return_tensors: str | None = None, return_attention_mask: bool | None = None,
                 padding: Any = "max_length", max_length: int | None = None,
                 sampling_rate: int | None = None, do_normalize: bool | None = None,
                 device: str | None = "cpu", **kwargs: Any) -> BatchFeature:
        """Features of one signal or a batch (ragged lists allowed).

        Returns
        -------
        BatchFeature
            ``input_features``: (batch, feature_size, frames) float32 (a list
            of (feature_size, frames_i) arrays when the lengths differ, with
            ``padding="do_not_pad"``); ``attention_mask``: (batch, frames)
            int32, 1 where the frame starts inside the unpadded item, when
            ``return_attention_mask`` (or the constructor's default) is true.
        """
        if sampling_rate is not None and sampling_rate != self.sampling_rate:
            raise ValueError(f"sampling_rate={sampling_rate} does not match the extractor's "
                             f"{self.sampling_rate} Hz; resample the audio (fastfeat.load(path, "
                             f"sr={self.sampling_rate}))")
        if return_tensors not in (None, "np", "pt"):
            raise ValueError(f"return_tensors={return_tensors!r} is not supported; use 'np', 'pt' or None")
        batched = (isinstance(raw_speech, np.ndarray) and raw_speech.ndim > 1) or (
            isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0
            and isinstance(raw_speech[0], (np.ndarray, list, tuple)))
        if isinstance(raw_speech, np.ndarray) and raw_speech.ndim > 2:
            raise ValueError(f"raw_speech has shape {raw_speech.shape}; only mono audio is supported")
        items = [np.asarray(x, dtype=np.float32) for x in raw_speech] if batched else \
            [np.asarray(raw_speech, dtype=np.float32)]
        for i, x in enumerate(items):
            if x.ndim != 1:
                raise ValueError(f"raw_speech[{i}] has shape {x.shape}; each item must be 1-D (mono)")
        kept, targets = self._lengths([x.shape[0] for x in items], padding, max_length, truncation,
                                      pad_to_multiple_of)
        want_mask = self.return_attention_mask if return_attention_mask is None else return_attention_mask
        padded = []
        for x, k, t in zip(items, kept, targets):
            y = np.full(t, self.padding_value, np.float32)
            if do_normalize:  # transformers: over the unpadded part, var + 1e-7
                part = x[:k]
                y[:k] = (part - part.mean()) / np.sqrt(part.var() + 1e-7)
            else:
                y[:k] = x[:k]
            padded.append(y)
        feats = [f.T for f in self._ext.map(padded, sr=self.sampling_rate, threads=1)]
        result = BatchFeature()
        if len(set(f.shape for f in feats)) == 1:
            result["input_features"] = np.ascontiguousarray(np.stack(feats))
        else:
            result["input_features"] = [np.ascontiguousarray(f) for f in feats]
        if want_mask:
            rows = [f.shape[1] for f in feats]
            masks = [(np.arange(r) * self.hop_length < k).astype(np.int32) for r, k in zip(rows, kept)]
            result["attention_mask"] = np.stack(masks) if len(set(rows)) == 1 else masks
        if return_tensors == "pt":
            import torch

            for key, value in result.items():
                result[key] = torch.from_numpy(value) if isinstance(value, np.ndarray) \
                    else [torch.from_numpy(v) for v in value]
        return result
