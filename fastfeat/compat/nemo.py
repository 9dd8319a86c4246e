"""NeMo's ``AudioToMelSpectrogramPreprocessor`` with NeMo's arguments.

``AudioToMelSpectrogramPreprocessor(**nemo_kwargs)(input_signal=, length=)``
returns ``(processed_signal, processed_length)`` as NeMo does in eval mode:
``(batch, features, frames)`` float32, frames at or after each item's
``length // hop`` set to ``pad_value`` and the time axis padded to a multiple
of ``pad_to``.  numpy in and out; torch tensors in give tensors out.  Each
item is computed by the C engine under ``Config.preset("nemo")`` (plus the
arguments given), on its own ``length`` samples, so items never mix.

>>> import numpy as np
>>> from fastfeat.compat import nemo
>>> pre = nemo.AudioToMelSpectrogramPreprocessor(features=80, window_size=0.025)
>>> x = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
>>> feats, lengths = pre(input_signal=x, length=np.array([16000, 8000]))
>>> feats.shape, lengths.tolist()
((2, 80, 112), [100, 50])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import Config
from ..features import Extractor

__all__ = ["AudioToMelSpectrogramPreprocessor"]


class AudioToMelSpectrogramPreprocessor:
    """NeMo's mel preprocessor (eval mode), computed by fastfeat.

    Parameters are NeMo's, with its defaults.  Supported values: ``window``
    'hann', 'hamming', 'blackman' or 'none'; ``normalize`` 'per_feature' or
    None; ``log_zero_guard_type`` 'add' or 'clamp' with a numeric guard;
    ``frame_splicing=1``; ``exact_pad=False``; ``pad_to`` an int >= 0.
    ``dither`` is accepted and not applied (NeMo applies it only in training
    mode).  Anything else raises ValueError naming the argument.
    """

    _WINDOWS = {"hann": "hann", "hamming": "hamming", "blackman": "blackman", "none": "rectangular",
                "ones": "rectangular"}

    def __init__(self, sample_rate: int = 16000, window_size: float = 0.02, window_stride: float = 0.01,
                 n_window_size: int | None = None, n_window_stride: int | None = None, window: str = "hann",
                 normalize: str | None = "per_feature", n_fft: int | None = None, preemph: float | None = 0.97,
                 features: int = 64, lowfreq: float = 0, highfreq: float | None = None, log: bool = True,
                 log_zero_guard_type: str = "add", log_zero_guard_value: float = 2 ** -24,
                 dither: float = 1e-5, pad_to: int = 16, frame_splicing: int = 1, exact_pad: bool = False,
                 pad_value: float = 0, mag_power: float = 2.0, mel_norm: str | None = "slaney",
                 **kwargs: Any) -> None:
        if window not in self._WINDOWS:
            raise ValueError(f"window={window!r} is not supported; window must be one of {sorted(self._WINDOWS)}")
        if normalize not in (None, "per_feature"):
            raise ValueError(f"normalize={normalize!r} is not supported; normalize must be 'per_feature' or None")
        if log_zero_guard_type not in ("add", "clamp") or isinstance(log_zero_guard_value, str):
            raise ValueError(f"log_zero_guard_type={log_zero_guard_type!r}, log_zero_guard_value="
                             f"{log_zero_guard_value!r}: only 'add' or 'clamp' with a number is supported")
        if frame_splicing != 1 or exact_pad:
            raise ValueError("frame_splicing != 1 and exact_pad=True are not supported")
        if isinstance(pad_to, bool) or not isinstance(pad_to, int) or pad_to < 0:
            raise ValueError(f"pad_to={pad_to!r} is not supported; pad_to must be an integer >= 0")
        win = n_window_size or int(window_size * sample_rate)
        hop = n_window_stride or int(window_stride * sample_rate)
        self.hop_length = hop
        self.pad_to = pad_to
        self.pad_value = float(pad_value)
        self.config = Config.preset(
            "nemo", sample_rate=int(sample_rate), frame_length=win, hop_length=hop,
            n_fft=n_fft or 1 << (win - 1).bit_length(), window=self._WINDOWS[window],
            preemphasis=0.0 if preemph is None else float(preemph), n_mels=features, fmin=float(lowfreq),
            fmax=None if highfreq is None else float(highfreq), power=float(mag_power), mel_norm=mel_norm,
            log="ln" if log else None, log_floor=float(log_zero_guard_value),
            log_floor_mode="add" if log_zero_guard_type == "add" else "max", normalize=normalize,
        )
        self._ext = Extractor(self.config)

    def __call__(self, input_signal: Any, length: Any) -> tuple[Any, Any]:
        """Features of a (batch, samples) signal whose item b has ``length[b]`` valid samples.

        Returns
        -------
        processed_signal : (batch, features, frames) float32
        processed_length : (batch,) int64, ``length // hop_length`` frames each
        """
        tensor = type(input_signal).__module__.startswith("torch")
        x = input_signal.detach().cpu().numpy() if tensor else np.asarray(input_signal)
        lengths = np.asarray(length.detach().cpu().numpy() if tensor else length, dtype=np.int64)
        if x.ndim != 2:
            raise ValueError(f"input_signal must be 2-D (batch, samples), got shape {x.shape}")
        if lengths.shape != (x.shape[0],) or (lengths < 0).any() or (lengths > x.shape[1]).any():
            raise ValueError(f"length must hold one sample count in [0, {x.shape[1]}] per item of the batch")
        x = np.ascontiguousarray(x, dtype=np.float32)
        n_frames = lengths // self.hop_length
        total = x.shape[1] // self.hop_length + 1  # NeMo's stft frame count, before pad_to
        if self.pad_to and total % self.pad_to:
            total += self.pad_to - total % self.pad_to
        out = np.full((x.shape[0], self.config.n_mels, total), self.pad_value, np.float32)
        for b in range(x.shape[0]):
            if n_frames[b] > 0:
                out[b, :, :n_frames[b]] = self._ext(x[b, :lengths[b]]).T
        if not tensor:
            return out, n_frames
        import torch

        return torch.from_numpy(out).to(input_signal.device), torch.from_numpy(n_frames).to(input_signal.device)
