"""Drop-in ``torchaudio.compliance.kaldi``: ``fbank``, ``mfcc``, ``spectrogram``.

The three functions keep torchaudio's signatures, argument order and defaults
(which differ from Kaldi's in places: ``energy_floor=1.0``, ``dither=0.0``,
``mfcc(use_energy=False)``), so replacing
``import torchaudio.compliance.kaldi as kaldi`` by
``import fastfeat.compat.torchaudio as kaldi`` keeps the numbers.  The
waveform is ``(C, N)`` as in torchaudio (``channel`` picks the row; -1 means
0); a 1-D ``(N,)`` array is accepted too.  A ``torch.Tensor`` in gives a
``torch.Tensor`` out, of the input's dtype and device (computed in float32 on
the CPU); anything else gives a float32 numpy array.

Where fastfeat differs, on purpose:

- gradients do not flow (the engine is C): a waveform that requires grad is
  refused rather than silently detached;
- ``dither`` noise comes from fastfeat's seeded generator (``torch.randn`` in
  torchaudio), so dithered output is reproducible but not torchaudio's draw;
- a waveform shorter than one frame raises ValueError (torchaudio raises
  AssertionError); ``fastfeat.compat.kaldi`` returns 0 rows as Kaldi does;
- a waveform shorter than ``min_duration`` gives an empty ``(0,)`` result from
  all three (torchaudio's ``mfcc`` raises RuntimeError there; its ``fbank``
  and ``spectrogram`` return ``torch.empty(0)``).

torchaudio.transforms.MFCC / MelSpectrogram defaults are
``fastfeat.Config.preset("torchaudio")`` (``kind="logmel", log=None, top_db=None`` for the
mel spectrogram).

>>> import numpy as np
>>> from fastfeat.compat import torchaudio as kaldi
>>> wav = np.random.default_rng(0).standard_normal((1, 16000)).astype(np.float32)
>>> kaldi.fbank(wav).shape
(98, 23)
>>> kaldi.mfcc(wav, num_ceps=20, num_mel_bins=40).shape
(98, 20)
>>> kaldi.spectrogram(wav).shape
(98, 257)
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from . import kaldi as _kaldi

__all__ = ["fbank", "mfcc", "spectrogram"]


def _run(fn: Callable[..., np.ndarray], waveform: Any, channel: int, min_duration: float,
         frame_length: float, sample_frequency: float, **kw: Any) -> Any:
    """torchaudio's waveform handling around the compat.kaldi function ``fn``."""
    torch = sys.modules.get("torch")
    tensor = torch is not None and isinstance(waveform, torch.Tensor)
    if tensor:
        if waveform.requires_grad:
            raise ValueError("waveform requires grad; fastfeat.compat.torchaudio does not propagate "
                             "gradients: pass waveform.detach() (or use torchaudio for a differentiable front end)")
        w = waveform.detach().cpu().numpy()
    else:
        w = np.asarray(waveform)
    if w.ndim == 2:
        row = max(channel, 0)
        if not row < w.shape[0]:
            raise ValueError(f"channel={channel} is invalid for a waveform of {w.shape[0]} channel(s); "
                             f"channel must be in [-1, {w.shape[0] - 1}]")
        w = w[row]
    elif w.ndim != 1:
        raise ValueError(f"waveform must have shape (C, N) or (N,), got {w.shape}")
    window_size = int(sample_frequency * frame_length * 0.001)
    if len(w) < window_size:
        raise ValueError(f"waveform has {len(w)} samples, fewer than one frame of frame_length={frame_length} ms "
                         f"({window_size} samples); torchaudio refuses it too (fastfeat.compat.kaldi gives 0 frames)")
    if len(w) < min_duration * sample_frequency:
        out = np.zeros(0, np.float32)  # torchaudio: torch.empty(0) for a too-short segment
    else:
        out = fn(w, frame_length=frame_length, sample_frequency=sample_frequency, **kw)
    if tensor:  # torchaudio returns the input's floating dtype (integer input: float32 here)
        dtype = waveform.dtype if waveform.is_floating_point() else torch.float32
        return torch.from_numpy(out).to(device=waveform.device, dtype=dtype)
    return out


def spectrogram(waveform: Any, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
                energy_floor: float = 1.0, frame_length: float = 25.0, frame_shift: float = 10.0,
                min_duration: float = 0.0, preemphasis_coefficient: float = 0.97, raw_energy: bool = True,
                remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
                sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
                window_type: str = "povey") -> Any:
    """torchaudio.compliance.kaldi.spectrogram: (m, padded_window_size // 2 + 1) log power.

    Column 0 is the log frame energy (floored at log(energy_floor)).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import torchaudio as kaldi
    >>> kaldi.spectrogram(np.ones((1, 8000), np.float32), frame_length=20.0).shape
    (49, 257)
    """
    return _run(_kaldi.spectrogram, waveform, channel, min_duration, frame_length, sample_frequency,
                blackman_coeff=blackman_coeff, dither=dither, energy_floor=energy_floor,
                frame_shift=frame_shift, preemphasis_coefficient=preemphasis_coefficient,
                raw_energy=raw_energy, remove_dc_offset=remove_dc_offset,
                round_to_power_of_two=round_to_power_of_two, snip_edges=snip_edges,
                subtract_mean=subtract_mean, window_type=window_type)


def fbank(waveform: Any, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
          energy_floor: float = 1.0, frame_length: float = 25.0, frame_shift: float = 10.0,
          high_freq: float = 0.0, htk_compat: bool = False, low_freq: float = 20.0,
          min_duration: float = 0.0, num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97,
          raw_energy: bool = True, remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
          sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
          use_energy: bool = False, use_log_fbank: bool = True, use_power: bool = True,
          vtln_high: float = -500.0, vtln_low: float = 100.0, vtln_warp: float = 1.0,
          window_type: str = "povey") -> Any:
    """torchaudio.compliance.kaldi.fbank: (m, num_mel_bins + use_energy).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import torchaudio as kaldi
    >>> kaldi.fbank(np.ones((1, 8000), np.float32), num_mel_bins=80, use_energy=True).shape
    (48, 81)
    """
    return _run(_kaldi.fbank, waveform, channel, min_duration, frame_length, sample_frequency,
                blackman_coeff=blackman_coeff, dither=dither, energy_floor=energy_floor,
                frame_shift=frame_shift, high_freq=high_freq, htk_compat=htk_compat, low_freq=low_freq,
                num_mel_bins=num_mel_bins, preemphasis_coefficient=preemphasis_coefficient,
                raw_energy=raw_energy, remove_dc_offset=remove_dc_offset,
                round_to_power_of_two=round_to_power_of_two, snip_edges=snip_edges,
                subtract_mean=subtract_mean, use_energy=use_energy, use_log_fbank=use_log_fbank,
                use_power=use_power, vtln_high=vtln_high, vtln_low=vtln_low, vtln_warp=vtln_warp,
                window_type=window_type)


def mfcc(waveform: Any, blackman_coeff: float = 0.42, cepstral_lifter: float = 22.0, channel: int = -1,
         dither: float = 0.0, energy_floor: float = 1.0, frame_length: float = 25.0,
         frame_shift: float = 10.0, high_freq: float = 0.0, htk_compat: bool = False,
         low_freq: float = 20.0, num_ceps: int = 13, min_duration: float = 0.0, num_mel_bins: int = 23,
         preemphasis_coefficient: float = 0.97, raw_energy: bool = True, remove_dc_offset: bool = True,
         round_to_power_of_two: bool = True, sample_frequency: float = 16000.0, snip_edges: bool = True,
         subtract_mean: bool = False, use_energy: bool = False, vtln_high: float = -500.0,
         vtln_low: float = 100.0, vtln_warp: float = 1.0, window_type: str = "povey") -> Any:
    """torchaudio.compliance.kaldi.mfcc: (m, num_ceps); ``use_energy`` is False by default here.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import torchaudio as kaldi
    >>> kaldi.mfcc(np.ones((1, 8000), np.float32), use_energy=True).shape
    (48, 13)
    """
    return _run(_kaldi.mfcc, waveform, channel, min_duration, frame_length, sample_frequency,
                blackman_coeff=blackman_coeff, cepstral_lifter=cepstral_lifter, dither=dither,
                energy_floor=energy_floor, frame_shift=frame_shift, high_freq=high_freq,
                htk_compat=htk_compat, low_freq=low_freq, num_ceps=num_ceps, num_mel_bins=num_mel_bins,
                preemphasis_coefficient=preemphasis_coefficient, raw_energy=raw_energy,
                remove_dc_offset=remove_dc_offset, round_to_power_of_two=round_to_power_of_two,
                snip_edges=snip_edges, subtract_mean=subtract_mean, use_energy=use_energy,
                vtln_high=vtln_high, vtln_low=vtln_low, vtln_warp=vtln_warp, window_type=window_type)
