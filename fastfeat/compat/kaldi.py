"""Kaldi-compatible ``fbank`` and ``mfcc`` with Kaldi's option names.

Keyword names follow Kaldi's ``compute-fbank-feats`` / ``compute-mfcc-feats``
options as spelled by ``torchaudio.compliance.kaldi`` (milliseconds for
frame_length/frame_shift, ``high_freq <= 0`` meaning an offset from Nyquist);
defaults are Kaldi's (kaldi-native-fbank's ``FbankOptions``/``MfccOptions``)
**except ``dither``, which defaults to 0 here** so that results are reproducible
(Kaldi, kaldi-native-fbank and ``Config.preset("kaldi")`` add dither by default;
pass ``dither=3e-5`` for kaldi-native-fbank's amount, drawn from fastfeat's
seeded generator).  Output
is (n_frames, n_features) like Kaldi's matrices.  The waveform is used at the
scale given (Kaldi's command-line tools read int16-scaled samples).

>>> import numpy as np
>>> from fastfeat.compat import kaldi
>>> wav = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> kaldi.mfcc(wav).shape
(98, 13)
>>> kaldi.fbank(wav, num_mel_bins=80).shape
(98, 80)
"""

from __future__ import annotations

import math

import numpy as np

from ..config import Config
from ..features import Extractor

__all__ = ["fbank", "mfcc"]

_WINDOWS = {"povey": "povey", "hamming": "hamming", "hanning": "hann", "hann": "hann",
            "rectangular": "rectangular", "blackman": "blackman"}


def _frame_config(sample_frequency, frame_length, frame_shift, round_to_power_of_two,
                  window_type, blackman_coeff, snip_edges, preemphasis_coefficient,
                  remove_dc_offset, dither, low_freq, high_freq, num_mel_bins, use_power,
                  **fields) -> Config:
    if window_type not in _WINDOWS:
        raise ValueError(f"window_type={window_type!r} is not valid; window_type must be one of {sorted(_WINDOWS)}")
    if blackman_coeff != 0.42:
        raise ValueError(f"blackman_coeff={blackman_coeff!r} is not supported; only Kaldi's default 0.42")
    sr = float(sample_frequency)
    if not sr.is_integer() or sr <= 0:
        raise ValueError(f"sample_frequency={sample_frequency!r} must be a positive whole number of Hz")
    length = int(sr * 0.001 * frame_length)
    shift = int(sr * 0.001 * frame_shift)
    if length < 1 or shift < 1:
        raise ValueError(f"frame_length={frame_length} ms and frame_shift={frame_shift} ms must each "
                         f"cover at least one sample at {sr:g} Hz")
    n_fft = 1 << (length - 1).bit_length() if round_to_power_of_two else length
    nyquist = sr / 2
    fmax = nyquist + high_freq if high_freq <= 0 else high_freq
    return Config(
        sample_rate=int(sr), frame_length=length, hop_length=shift, n_fft=n_fft,
        window=_WINDOWS[window_type], window_periodic=False, center=False, snip_edges=snip_edges,
        preemphasis=preemphasis_coefficient, preemphasis_scope="frame", remove_dc=remove_dc_offset,
        dither=dither, power=2.0 if use_power else 1.0, n_mels=num_mel_bins, fmin=low_freq, fmax=fmax,
        mel_scale="htk", mel_norm=None, mel_triangles="mel", log_floor=1.1920928955078125e-07,
        **fields,
    )


def _signal(waveform, channel: int) -> np.ndarray:
    w = np.asarray(waveform)
    if w.ndim == 2:
        w = w[channel if channel >= 0 else 0]
    return np.ascontiguousarray(w)


def _finish(feats: np.ndarray, energy_col: int | None, energy_floor: float, subtract_mean: bool) -> np.ndarray:
    if energy_floor < 0:
        raise ValueError(f"energy_floor={energy_floor!r} must be >= 0")
    if energy_col is not None and energy_floor > 0:
        np.maximum(feats[:, energy_col], np.float32(math.log(energy_floor)), out=feats[:, energy_col])
    if subtract_mean:
        feats -= feats.mean(axis=0, keepdims=True)
    return feats


def fbank(waveform: np.ndarray, *, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
          energy_floor: float = 0.0, frame_length: float = 25.0, frame_shift: float = 10.0,
          high_freq: float = 0.0, htk_compat: bool = False, low_freq: float = 20.0,
          num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97, raw_energy: bool = True,
          remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
          sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
          use_energy: bool = False, use_log_fbank: bool = True, use_power: bool = True,
          window_type: str = "povey") -> np.ndarray:
    """Kaldi ``compute-fbank-feats``: log mel energies, shape (n_frames, num_mel_bins [+1]).

    With ``use_energy`` the log energy is column 0 (or the last column with
    ``htk_compat``), as Kaldi orders it.

    Warnings
    --------
    ``dither`` defaults to **0** here (reproducible output), unlike Kaldi,
    kaldi-native-fbank and ``Config.preset("kaldi")``, which all dither by
    default (3e-5 on a [-1, 1] signal, Kaldi's 1.0 on the int16 scale).  Pass
    ``dither=3e-5`` to get Kaldi's default.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import kaldi
    >>> kaldi.fbank(np.ones(8000, np.float32), use_energy=True).shape
    (48, 24)
    """
    cfg = _frame_config(sample_frequency, frame_length, frame_shift, round_to_power_of_two,
                        window_type, blackman_coeff, snip_edges, preemphasis_coefficient,
                        remove_dc_offset, dither, low_freq, high_freq, num_mel_bins, use_power,
                        kind="logmel", log="ln" if use_log_fbank else None,
                        energy="append" if use_energy else None,
                        energy_source="raw" if raw_energy else "windowed")
    feats = Extractor(cfg)(_signal(waveform, channel))
    col = None
    if use_energy:
        col = num_mel_bins
        if not htk_compat:  # Kaldi puts the energy first
            feats = np.ascontiguousarray(np.roll(feats, 1, axis=1))
            col = 0
    return _finish(feats, col, energy_floor, subtract_mean)


def mfcc(waveform: np.ndarray, *, blackman_coeff: float = 0.42, cepstral_lifter: float = 22.0,
         channel: int = -1, dither: float = 0.0, energy_floor: float = 0.0, frame_length: float = 25.0,
         frame_shift: float = 10.0, high_freq: float = 0.0, htk_compat: bool = False,
         low_freq: float = 20.0, num_ceps: int = 13, num_mel_bins: int = 23,
         preemphasis_coefficient: float = 0.97, raw_energy: bool = True, remove_dc_offset: bool = True,
         round_to_power_of_two: bool = True, sample_frequency: float = 16000.0, snip_edges: bool = True,
         subtract_mean: bool = False, use_energy: bool = True, window_type: str = "povey") -> np.ndarray:
    """Kaldi ``compute-mfcc-feats``: shape (n_frames, num_ceps).

    ``use_energy`` (Kaldi's default) replaces c0 by the log frame energy.
    ``htk_compat=True`` (c0/energy moved last, HTK scaling) is not supported.

    Warnings
    --------
    ``dither`` defaults to **0** here (reproducible output), unlike Kaldi,
    kaldi-native-fbank and ``Config.preset("kaldi")``, which all dither by
    default (3e-5 on a [-1, 1] signal, Kaldi's 1.0 on the int16 scale).  Pass
    ``dither=3e-5`` to get Kaldi's default.

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import kaldi
    >>> kaldi.mfcc(np.ones(8000, np.float32), num_ceps=20, num_mel_bins=40).shape
    (48, 20)
    """
    if htk_compat:
        raise ValueError("htk_compat=True is not supported by fastfeat.compat.kaldi.mfcc; use htk_compat=False")
    cfg = _frame_config(sample_frequency, frame_length, frame_shift, round_to_power_of_two,
                        window_type, blackman_coeff, snip_edges, preemphasis_coefficient,
                        remove_dc_offset, dither, low_freq, high_freq, num_mel_bins, True,
                        kind="mfcc", log="ln", n_mfcc=num_ceps, lifter=cepstral_lifter,
                        energy="replace_c0" if use_energy else None,
                        energy_source="raw" if raw_energy else "windowed")
    feats = Extractor(cfg)(_signal(waveform, channel))
    return _finish(feats, 0 if use_energy else None, energy_floor, subtract_mean)
