"""Kaldi-compatible ``fbank``, ``mfcc`` and ``spectrogram`` with Kaldi's option names.

Keyword names follow Kaldi's ``compute-fbank-feats`` / ``compute-mfcc-feats`` /
``compute-spectrogram-feats`` options as spelled by
``torchaudio.compliance.kaldi`` (milliseconds for frame_length/frame_shift,
``high_freq <= 0`` meaning an offset from Nyquist, ``vtln_high < 0`` likewise);
defaults are Kaldi's (kaldi-native-fbank's ``FbankOptions``/``MfccOptions``)
**except ``dither``, which defaults to 0 here** so that results are reproducible
(Kaldi, kaldi-native-fbank and ``Config.preset("kaldi")`` add dither by default;
pass ``dither=3e-5`` for kaldi-native-fbank's amount, drawn from fastfeat's
seeded generator).  Output
is (n_frames, n_features) like Kaldi's matrices; a signal shorter than one
frame gives 0 rows, as in Kaldi and kaldi-native-fbank.

The waveform is used at the scale given.  Kaldi's tools read int16-scaled
samples, so int16 (or other integer) arrays are accepted and used as their
integer values, without dividing by 32768; float input at another scale (e.g.
in [-1, 1]) is used as it is too (its log-fbank is then 2 ln 32768 = 20.8 lower).

>>> import numpy as np
>>> from fastfeat.compat import kaldi
>>> wav = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
>>> kaldi.mfcc(wav).shape
(98, 13)
>>> kaldi.fbank(wav, num_mel_bins=80).shape
(98, 80)
>>> kaldi.fbank(np.zeros(100, np.int16)).shape
(0, 23)
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import min_samples
from ..config import FLOAT32_EPS, Config
from ..features import Extractor

__all__ = ["fbank", "mfcc", "spectrogram"]

# Kaldi option -> the Config field it sets, so that a refusal names the option the caller passed.
_OPTION_OF_FIELD = {"fmin": "low_freq", "fmax": "high_freq", "n_mels": "num_mel_bins", "n_mfcc": "num_ceps",
                    "lifter": "cepstral_lifter", "preemphasis": "preemphasis_coefficient", "dither": "dither",
                    "blackman_coeff": "blackman_coeff", "vtln_warp": "vtln_warp", "vtln_low": "vtln_low",
                    "vtln_high": "vtln_high", "frame_length": "frame_length", "n_fft": "frame_length"}

_WINDOWS = {"povey": "povey", "hamming": "hamming", "hanning": "hann", "hann": "hann",
            "rectangular": "rectangular", "blackman": "blackman"}


def _frame_config(sample_frequency, frame_length, frame_shift, round_to_power_of_two,
                  window_type, blackman_coeff, snip_edges, preemphasis_coefficient,
                  remove_dc_offset, dither, raw_energy, **fields) -> Config:
    """The Config of Kaldi's FrameExtractionOptions (plus ``fields``)."""
    if window_type not in _WINDOWS:
        raise ValueError(f"window_type={window_type!r} is not valid; window_type must be one of {sorted(_WINDOWS)}")
    sr = float(sample_frequency)
    if not sr.is_integer() or sr <= 0:
        raise ValueError(f"sample_frequency={sample_frequency!r} must be a positive whole number of Hz")
    length = int(sr * 0.001 * frame_length)
    shift = int(sr * 0.001 * frame_shift)
    if length < 1 or shift < 1:
        raise ValueError(f"frame_length={frame_length} ms and frame_shift={frame_shift} ms must each "
                         f"cover at least one sample at {sr:g} Hz")
    n_fft = 1 << (length - 1).bit_length() if round_to_power_of_two else length
    try:
        return Config(
            sample_rate=int(sr), frame_length=length, hop_length=shift, n_fft=n_fft,
            window=_WINDOWS[window_type], window_periodic=False, blackman_coeff=blackman_coeff,
            center=False, snip_edges=snip_edges, preemphasis=preemphasis_coefficient,
            preemphasis_scope="frame", remove_dc=remove_dc_offset, dither=dither,
            log_floor=FLOAT32_EPS, energy_source="raw" if raw_energy else "windowed", **fields,
        )
    except (TypeError, ValueError) as exc:
        field = str(exc).split("=", 1)[0]
        option = _OPTION_OF_FIELD.get(field)
        if option is None or option == field:
            raise
        raise type(exc)(f"{option} (fastfeat's {field}): {exc}") from None


def _mel_config(sample_frequency, low_freq, high_freq, num_mel_bins, vtln_low, vtln_high, vtln_warp,
                **fields) -> Config:
    """The Config of Kaldi's MelBanksOptions on top of the frame options."""
    nyquist = float(sample_frequency) / 2
    fmax = nyquist + high_freq if high_freq <= 0 else high_freq
    return _frame_config(sample_frequency, n_mels=num_mel_bins, fmin=low_freq, fmax=fmax,
                         mel_scale="htk", mel_norm=None, mel_triangles="mel",
                         vtln_warp=vtln_warp, vtln_low=vtln_low, vtln_high=vtln_high, **fields)


def _signal(waveform, channel: int) -> np.ndarray:
    w = np.asarray(waveform)
    if w.ndim == 2:
        w = w[max(channel, 0)]
    if w.dtype.kind in "iu":  # Kaldi's own scale: the int16 values themselves
        w = w.astype(np.float32)
    return np.ascontiguousarray(w)


def _extract(cfg: Config, y: np.ndarray) -> np.ndarray:
    """Extractor(cfg)(y), or 0 rows when y is shorter than one frame (Kaldi)."""
    if y.ndim == 1 and y.dtype.kind == "f" and len(y) < min_samples(cfg):
        return np.zeros((0, cfg.n_features), np.float32)
    return Extractor(cfg)(y)


def _check_floor(energy_floor: float) -> None:
    if not energy_floor >= 0:
        raise ValueError(f"energy_floor={energy_floor!r} must be >= 0")


def _log_energy(feats: np.ndarray, col: int, is_log: bool, energy_floor: float) -> None:
    """Make column ``col`` Kaldi's log energy in place: log(max(E, FLT_EPSILON))
    (the engine logs it only when the features are logged), then floored at
    log(energy_floor) when energy_floor > 0."""
    if not is_log:
        feats[:, col] = np.log(np.maximum(feats[:, col], np.float32(FLOAT32_EPS)))
    if energy_floor > 0:
        np.maximum(feats[:, col], np.float32(math.log(energy_floor)), out=feats[:, col])


def _subtract_mean(feats: np.ndarray, subtract_mean: bool) -> np.ndarray:
    if subtract_mean and len(feats):
        feats -= feats.mean(axis=0, keepdims=True)
    return feats


def fbank(waveform: np.ndarray, *, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
          energy_floor: float = 0.0, frame_length: float = 25.0, frame_shift: float = 10.0,
          high_freq: float = 0.0, htk_compat: bool = False, low_freq: float = 20.0,
          num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97, raw_energy: bool = True,
          remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
          sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
          use_energy: bool = False, use_log_fbank: bool = True, use_power: bool = True,
          vtln_high: float = -500.0, vtln_low: float = 100.0, vtln_warp: float = 1.0,
          window_type: str = "povey") -> np.ndarray:
    """Kaldi ``compute-fbank-feats``: log mel energies, shape (n_frames, num_mel_bins [+1]).

    With ``use_energy`` the log energy (log even when ``use_log_fbank=False``,
    as in Kaldi) is column 0, or the last column with ``htk_compat``.
    ``vtln_warp`` applies Kaldi's piecewise-linear VTLN warp to the mel bins.

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
    cfg = _mel_config(sample_frequency, low_freq, high_freq, num_mel_bins, vtln_low, vtln_high, vtln_warp,
                      frame_length=frame_length, frame_shift=frame_shift,
                      round_to_power_of_two=round_to_power_of_two, window_type=window_type,
                      blackman_coeff=blackman_coeff, snip_edges=snip_edges,
                      preemphasis_coefficient=preemphasis_coefficient, remove_dc_offset=remove_dc_offset,
                      dither=dither, raw_energy=raw_energy, kind="logmel",
                      power=2.0 if use_power else 1.0, log="ln" if use_log_fbank else None,
                      energy="append" if use_energy else None)
    _check_floor(energy_floor)
    feats = _extract(cfg, _signal(waveform, channel))
    if use_energy:
        _log_energy(feats, num_mel_bins, use_log_fbank, energy_floor)
        if not htk_compat:  # Kaldi puts the energy first
            feats = np.ascontiguousarray(np.roll(feats, 1, axis=1))
    return _subtract_mean(feats, subtract_mean)


def mfcc(waveform: np.ndarray, *, blackman_coeff: float = 0.42, cepstral_lifter: float = 22.0,
         channel: int = -1, dither: float = 0.0, energy_floor: float = 0.0, frame_length: float = 25.0,
         frame_shift: float = 10.0, high_freq: float = 0.0, htk_compat: bool = False,
         low_freq: float = 20.0, num_ceps: int = 13, num_mel_bins: int = 23,
         preemphasis_coefficient: float = 0.97, raw_energy: bool = True, remove_dc_offset: bool = True,
         round_to_power_of_two: bool = True, sample_frequency: float = 16000.0, snip_edges: bool = True,
         subtract_mean: bool = False, use_energy: bool = True, vtln_high: float = -500.0,
         vtln_low: float = 100.0, vtln_warp: float = 1.0, window_type: str = "povey") -> np.ndarray:
    """Kaldi ``compute-mfcc-feats``: shape (n_frames, num_ceps).

    ``use_energy`` (Kaldi's default) replaces c0 by the log frame energy.
    ``htk_compat=True`` moves c0 (or the energy) last, c0 times sqrt(2) when
    it is not the energy, as Kaldi does.

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
    cfg = _mel_config(sample_frequency, low_freq, high_freq, num_mel_bins, vtln_low, vtln_high, vtln_warp,
                      frame_length=frame_length, frame_shift=frame_shift,
                      round_to_power_of_two=round_to_power_of_two, window_type=window_type,
                      blackman_coeff=blackman_coeff, snip_edges=snip_edges,
                      preemphasis_coefficient=preemphasis_coefficient, remove_dc_offset=remove_dc_offset,
                      dither=dither, raw_energy=raw_energy, kind="mfcc", power=2.0, log="ln",
                      n_mfcc=num_ceps, lifter=cepstral_lifter, energy="replace_c0" if use_energy else None)
    _check_floor(energy_floor)
    feats = _extract(cfg, _signal(waveform, channel))
    if use_energy:
        _log_energy(feats, 0, True, energy_floor)
    if htk_compat:
        if not use_energy:
            feats[:, 0] *= np.float32(math.sqrt(2.0))
        feats = np.ascontiguousarray(np.roll(feats, -1, axis=1))
    return _subtract_mean(feats, subtract_mean)


def spectrogram(waveform: np.ndarray, *, blackman_coeff: float = 0.42, channel: int = -1,
                dither: float = 0.0, energy_floor: float = 0.0, frame_length: float = 25.0,
                frame_shift: float = 10.0, preemphasis_coefficient: float = 0.97, raw_energy: bool = True,
                remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
                sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
                window_type: str = "povey") -> np.ndarray:
    """Kaldi ``compute-spectrogram-feats``: log power spectrum, shape (n_frames, n_fft // 2 + 1).

    Column 0 is the log frame energy instead of the log DC power, as in Kaldi;
    the other bins are log(max(power, FLT_EPSILON)).

    Examples
    --------
    >>> import numpy as np
    >>> from fastfeat.compat import kaldi
    >>> kaldi.spectrogram(np.ones(8000, np.float32)).shape
    (48, 257)
    """
    cfg = _frame_config(sample_frequency, frame_length, frame_shift, round_to_power_of_two, window_type,
                        blackman_coeff, snip_edges, preemphasis_coefficient, remove_dc_offset, dither,
                        raw_energy, kind="power", power=2.0, log="ln", energy="append")
    _check_floor(energy_floor)
    feats = _extract(cfg, _signal(waveform, channel))
    _log_energy(feats, -1, True, energy_floor)
    feats[:, 0] = feats[:, -1]  # the energy replaces the DC bin
    return _subtract_mean(np.ascontiguousarray(feats[:, :-1]), subtract_mean)
