"""A slow, readable float64 NumPy model of fastfeat's whole pipeline.

This is the *oracle* the tests compare the C engine (and the Numba backend) to,
stage by stage.  It is written for clarity, not speed: loops and explicit
formulas, float64 throughout, one function per stage.  It is driven by a plain
``dict`` holding every ``fastfeat.Config`` field, so it shares no code with the
package it checks.

``tests/test_model_vs_references.py`` proves that, with the three presets, this
model reproduces librosa, kaldi_native_fbank and python_speech_features.

Conventions (checked against the references in test_model_vs_references.py):

Framing, for a signal of N samples, frame length L, hop H:

* ``center=True`` (librosa): ``y`` is padded with ``n_fft//2`` samples on each
  side by ``np.pad(mode=pad_mode)``; ``n_frames = 1 + (N + 2*(n_fft//2) -
  n_fft) // H`` (= ``1 + N//H`` for even ``n_fft``, ``1 + (N-1)//H`` for
  odd ``n_fft``); frame f takes the L
  samples starting at padded index ``f*H + (n_fft - L)//2``, i.e. original
  samples ``[f*H - off, f*H - off + L)`` with ``off = n_fft//2 - (n_fft-L)//2``
  (librosa's stft centres the L-window inside the n_fft frame).
* ``center=False, window_centered=True`` (librosa center=False): frames of
  n_fft samples, ``n_frames = 0 if N < n_fft else 1 + (N - n_fft)//H``; the
  L-window of frame f covers ``[f*H + (n_fft-L)//2, ... + L)``.
* ``center=False, snip_edges=True, pad_end=False`` (Kaldi):
  ``n_frames = 0 if N < L else 1 + (N - L)//H``; frame f = ``[f*H, f*H + L)``.
* ``center=False, snip_edges=False`` (Kaldi): ``n_frames = (N + H//2)//H``;
  frame f starts at ``f*H + H//2 - L//2``; an out-of-range index s is mapped,
  repeatedly until it is in range, by ``s -> -s-1`` (s < 0) and
  ``s -> 2N-1-s`` (s >= N).
* ``center=False, snip_edges=True, pad_end=True`` (python_speech_features):
  ``n_frames = 1 if N <= L else 1 + ceil((N - L)/H)``; frames start at f*H;
  samples beyond N are zeros.

Per frame: gather (signal-scope pre-emphasis already applied) -> remove_dc ->
raw energy -> frame pre-emphasis -> window (windowed energy) -> zero-pad to
n_fft -> rfft -> |X|**power -> spectrum_norm (spectrum energy) -> mel ->
log -> DCT -> lifter -> energy -> deltas.

The field set of ``DEFAULT`` and the contents of ``PRESETS`` are kept equal to
``fastfeat.Config`` / ``fastfeat.config.PRESETS`` (checked by
``tests/test_engine_vs_model.py::test_model_fields_and_presets_match_fastfeat``),
but written out here independently.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "DEFAULT", "PRESETS", "FLOAT32_EPS", "FLOAT64_EPS", "make_config",
    "signal_preemphasis", "num_frames", "frame_indices", "frame_signal",
    "remove_dc", "frame_energy", "frame_preemphasis", "window_function",
    "apply_window", "power_spectrum", "hz_to_mel", "mel_to_hz",
    "mel_filterbank", "apply_mel", "floor_for_log", "apply_log", "dct_matrix", "dct", "lifter",
    "delta", "add_deltas", "model_stages", "model_features", "n_features",
]

FLOAT32_EPS = float(np.finfo(np.float32).eps)  # 1.1920928955078125e-07, Kaldi
FLOAT64_EPS = float(np.finfo(np.float64).eps)  # 2.220446049250313e-16, psf

# --------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------

DEFAULT: dict = dict(
    kind="mfcc",
    sample_rate=16000,
    frame_length=400,
    hop_length=160,
    n_fft=512,
    window="hamming",
    window_periodic=False,
    center=False,
    pad_mode="constant",
    snip_edges=True,
    pad_end=False,
    preemphasis=0.97,
    preemphasis_scope="frame",
    remove_dc=False,
    dither=0.0,
    seed=0,
    power=2.0,
    spectrum_norm=None,
    n_mels=40,
    fmin=0.0,
    fmax=None,
    mel_scale="htk",
    mel_norm=None,
    mel_triangles="mel",
    log="ln",
    log_floor=1e-10,
    log_floor_mode="max",
    top_db=None,
    n_mfcc=13,
    dct_norm="ortho",
    lifter=0.0,
    energy=None,
    energy_source="raw",
    deltas=0,
    delta_width=2,
    drop_last_frame=False,
    log_offset=0.0,
    log_scale=1.0,
    normalize=None,
    blackman_coeff=0.42,
    vtln_warp=1.0,
    vtln_low=100.0,
    vtln_high=-500.0,
    window_centered=False,
    dct_type=2,
    mel_pnorm=None,
    mel_first_bin=None,
)


def _preset(**overrides) -> dict:
    cfg = dict(DEFAULT)
    for k in overrides:
        assert k in DEFAULT, k
    cfg.update(overrides)
    return cfg


PRESETS: dict = {
    # fastfeat.Config() itself
    "default": _preset(),
    # librosa.feature.mfcc / melspectrogram defaults (librosa 0.11)
    "librosa": _preset(
        sample_rate=22050, frame_length=2048, hop_length=512, n_fft=2048,
        window="hann", window_periodic=True, center=True, pad_mode="constant",
        preemphasis=0.0, power=2.0, n_mels=128, fmin=0.0, fmax=None,
        mel_scale="slaney", mel_norm="slaney", mel_triangles="hz",
        log="db", log_floor=1e-10, top_db=80.0, n_mfcc=20, dct_norm="ortho",
        lifter=0.0, energy=None, window_centered=True,
    ),
    # kaldi_native_fbank.MfccOptions defaults (dither 3e-5 there; tests use 0)
    "kaldi": _preset(
        sample_rate=16000, frame_length=400, hop_length=160, n_fft=512,
        window="povey", window_periodic=False, center=False, snip_edges=True,
        pad_end=False, preemphasis=0.97, preemphasis_scope="frame",
        remove_dc=True, dither=3e-5, power=2.0, n_mels=23, fmin=20.0,
        fmax=None, mel_scale="htk", mel_norm=None, mel_triangles="mel",
        log="ln", log_floor=FLOAT32_EPS, n_mfcc=13, dct_norm="ortho",
        lifter=22.0, energy="replace_c0", energy_source="raw",
    ),
    # python_speech_features.mfcc defaults (0.6)
    "python_speech_features": _preset(
        sample_rate=16000, frame_length=400, hop_length=160, n_fft=512,
        window="rectangular", window_periodic=False, center=False,
        snip_edges=True, pad_end=True, preemphasis=0.97,
        preemphasis_scope="signal", remove_dc=False, power=2.0,
        spectrum_norm="n_fft", n_mels=26, fmin=0.0, fmax=None,
        mel_scale="htk", mel_norm=None, mel_triangles="bin", log="ln",
        log_floor=FLOAT64_EPS, log_floor_mode="zero", n_mfcc=13, dct_norm="ortho",
        lifter=22.0, energy="replace_c0", energy_source="spectrum",
    ),
    # openai-whisper log_mel_spectrogram / transformers WhisperFeatureExtractor
    "whisper": _preset(
        kind="logmel", sample_rate=16000, frame_length=400, hop_length=160, n_fft=400,
        window="hann", window_periodic=True, center=True, pad_mode="reflect",
        drop_last_frame=True, preemphasis=0.0, power=2.0, n_mels=80, fmin=0.0, fmax=None,
        mel_scale="slaney", mel_norm="slaney", mel_triangles="hz", log="log10",
        log_floor=1e-10, top_db=80.0, log_offset=4.0, log_scale=0.25,
    ),
    # NeMo AudioToMelSpectrogramPreprocessor defaults, eval mode
    "nemo": _preset(
        kind="logmel", sample_rate=16000, frame_length=320, hop_length=160, n_fft=512,
        window="hann", window_periodic=False, center=True, pad_mode="constant",
        drop_last_frame=True, preemphasis=0.97, preemphasis_scope="signal", power=2.0,
        n_mels=64, fmin=0.0, fmax=None, mel_scale="slaney", mel_norm="slaney",
        mel_triangles="hz", log="ln", log_floor=2.0 ** -24, log_floor_mode="add",
        normalize="per_feature",
    ),
    # torchaudio.transforms.MFCC defaults (2.11); MelSpectrogram is kind="logmel", log=None, top_db=None
    "torchaudio": _preset(
        sample_rate=16000, frame_length=400, hop_length=200, n_fft=400,
        window="hann", window_periodic=True, center=True, pad_mode="reflect",
        preemphasis=0.0, power=2.0, n_mels=128, fmin=0.0, fmax=None,
        mel_scale="htk", mel_norm=None, mel_triangles="hz",
        log="db", log_floor=1e-10, top_db=80.0, n_mfcc=40, dct_norm="ortho",
        lifter=0.0, energy=None,
    ),
    # speechbrain.lobes.features.Fbank defaults (1.1.2)
    "speechbrain": _preset(
        kind="logmel", sample_rate=16000, frame_length=400, hop_length=160, n_fft=400,
        window="hamming", window_periodic=True, center=True, pad_mode="constant",
        preemphasis=0.0, power=2.0, n_mels=40, fmin=0.0, fmax=None,
        mel_scale="htk", mel_norm=None, mel_triangles="hz_symmetric",
        log="db", log_floor=1e-10, top_db=80.0,
    ),
}
# speechbrain.lobes.features.MFCC defaults before its context window
PRESETS["speechbrain_mfcc"] = {**PRESETS["speechbrain"], "kind": "mfcc", "n_mels": 23, "n_mfcc": 20,
                               "dct_norm": "ortho", "lifter": 0.0, "deltas": 2, "delta_width": 2}
# TensorFlow 2.21: tf.signal.stft -> tf.abs -> linear_to_mel_weight_matrix(80, ..., 80, 7600)
# -> log(x + 1e-6) -> mfccs_from_log_mel_spectrograms[..., :13]
PRESETS["tensorflow"] = _preset(
    kind="mfcc", sample_rate=16000, frame_length=1024, hop_length=256, n_fft=1024,
    window="hann", window_periodic=True, preemphasis=0.0, power=1.0, n_mels=80,
    fmin=80.0, fmax=7600.0, mel_scale="htk", mel_triangles="mel", log="ln",
    log_floor=1e-6, log_floor_mode="add", n_mfcc=13, dct_norm="htk",
)
# tf.abs(tf.signal.stft(x, 255, 128)): TF's periodic Hann of odd length is symmetric
PRESETS["tensorflow_tutorial"] = _preset(
    kind="power", sample_rate=16000, frame_length=255, hop_length=128, n_fft=256,
    window="hann", window_periodic=False, preemphasis=0.0, power=1.0, log=None,
)
# tf.raw_ops.AudioSpectrogram(480, 160, magnitude_squared=True) -> tf.raw_ops.Mfcc defaults
PRESETS["tensorflow_speech_commands"] = _preset(
    kind="mfcc", sample_rate=16000, frame_length=480, hop_length=160, n_fft=512,
    window="hann", window_periodic=True, preemphasis=0.0, power=1.0, n_mels=40,
    fmin=20.0, fmax=4000.0, mel_scale="htk", mel_triangles="mel", mel_first_bin="htk",
    log="ln", log_floor=1e-12, n_mfcc=13, dct_norm="htk",
)


def make_config(preset: str | None = None, **overrides) -> dict:
    """A full config dict: DEFAULT or a preset, with overrides applied.

    ``kind="logmel"`` on the kaldi / psf presets gives their fbank / logfbank
    convention when ``energy=None`` is also passed.
    """
    cfg = dict(DEFAULT if preset is None else PRESETS[preset])
    for k in overrides:
        if k not in DEFAULT:
            raise KeyError(f"unknown config field {k!r}")
    cfg.update(overrides)
    return cfg


# --------------------------------------------------------------------------
# Stage 0: signal-scope pre-emphasis (python_speech_features)
# --------------------------------------------------------------------------

def signal_preemphasis(y: np.ndarray, coeff: float) -> np.ndarray:
    """e[r] = y[r] - coeff * y[r-1], with y[-1] = 0 (so e[0] = y[0])."""
    y = np.asarray(y, dtype=np.float64)
    e = y.copy()
    if coeff != 0.0:
        for r in range(1, len(y)):
            e[r] = y[r] - coeff * y[r - 1]
    return e


# --------------------------------------------------------------------------
# Stage 1: framing
# --------------------------------------------------------------------------

def num_frames(n: int, cfg: dict) -> int:
    """Number of frames for a signal of n samples."""
    L, H, n_fft = cfg["frame_length"], cfg["hop_length"], cfg["n_fft"]
    if cfg["center"]:
        # librosa: frames of n_fft over the signal padded by n_fft//2 each side;
        # Whisper drops the last one (stft[..., :-1])
        return 1 + (n + 2 * (n_fft // 2) - n_fft) // H - (1 if cfg["drop_last_frame"] else 0)
    if cfg["window_centered"]:
        return 0 if n < n_fft else 1 + (n - n_fft) // H
    if not cfg["snip_edges"]:
        return (n + H // 2) // H
    if cfg["pad_end"]:
        return 1 if n <= L else 1 + int(math.ceil((n - L) / H))
    return 0 if n < L else 1 + (n - L) // H


def frame_start(f: int, cfg: dict) -> int:
    """Index, in the original signal, of the first sample of frame f."""
    L, H, n_fft = cfg["frame_length"], cfg["hop_length"], cfg["n_fft"]
    if cfg["center"]:
        off = n_fft // 2 - (n_fft - L) // 2
        return f * H - off
    if cfg["window_centered"]:
        return f * H + (n_fft - L) // 2
    if not cfg["snip_edges"]:
        return f * H + H // 2 - L // 2
    return f * H


def frame_indices(n: int, cfg: dict) -> np.ndarray:
    """(n_frames, L) int array of sample indices into the original signal.

    Indices may lie outside [0, n): ``frame_signal`` resolves them according
    to the framing mode (centre padding, Kaldi reflection, zeros).
    """
    nf = num_frames(n, cfg)
    L = cfg["frame_length"]
    idx = np.empty((nf, L), dtype=np.int64)
    for f in range(nf):
        idx[f] = frame_start(f, cfg) + np.arange(L)
    return idx


def _kaldi_reflect(s: int, n: int) -> int:
    while s < 0 or s >= n:
        s = -s - 1 if s < 0 else 2 * n - 1 - s
    return s


def frame_signal(y: np.ndarray, cfg: dict) -> np.ndarray:
    """(n_frames, L) float64 frames of y (y already signal-pre-emphasised)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    idx = frame_indices(n, cfg)
    frames = np.zeros(idx.shape, dtype=np.float64)
    if cfg["center"]:
        pad = cfg["n_fft"] // 2
        if n == 0 and cfg["pad_mode"] != "constant":
            raise ValueError("cannot pad an empty signal with pad_mode " + cfg["pad_mode"])
        padded = np.pad(y, pad, mode=cfg["pad_mode"])
        for f in range(idx.shape[0]):
            frames[f] = padded[idx[f] + pad]
    elif not cfg["snip_edges"]:
        for f in range(idx.shape[0]):
            for j, s in enumerate(idx[f]):
                frames[f, j] = y[_kaldi_reflect(int(s), n)]
    else:
        for f in range(idx.shape[0]):
            for j, s in enumerate(idx[f]):
                frames[f, j] = y[s] if 0 <= s < n else 0.0  # psf zero tail
    return frames


# --------------------------------------------------------------------------
# Stage 2: per-frame time-domain processing
# --------------------------------------------------------------------------

def remove_dc(frames: np.ndarray) -> np.ndarray:
    """Subtract each frame's mean."""
    return frames - frames.mean(axis=1, keepdims=True)


def frame_energy(frames: np.ndarray) -> np.ndarray:
    """Sum of squares of each frame (raw or windowed energy)."""
    return np.sum(frames * frames, axis=1)


def frame_preemphasis(frames: np.ndarray, coeff: float) -> np.ndarray:
    """Kaldi: x[i] -= c x[i-1] for i = L-1..1, then x[0] -= c x[0]."""
    out = frames.copy()
    if coeff != 0.0:
        out[:, 1:] = frames[:, 1:] - coeff * frames[:, :-1]
        out[:, 0] = frames[:, 0] - coeff * frames[:, 0]
    return out


def window_function(name: str, L: int, periodic: bool = False, blackman_coeff: float = 0.42) -> np.ndarray:
    """The analysis window; denominator L-1 (symmetric) or L (periodic)."""
    if name == "rectangular":
        return np.ones(L)
    if L == 1:
        return np.ones(1)
    n = np.arange(L, dtype=np.float64)
    a = 2.0 * np.pi / (L if periodic else L - 1)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(a * n)
    if name == "hann":
        return 0.5 - 0.5 * np.cos(a * n)
    if name == "povey":
        return (0.5 - 0.5 * np.cos(a * n)) ** 0.85
    if name == "blackman":
        return blackman_coeff - 0.5 * np.cos(a * n) + (0.5 - blackman_coeff) * np.cos(2 * a * n)
    raise ValueError(f"unknown window {name!r}")


def apply_window(frames: np.ndarray, cfg: dict) -> np.ndarray:
    w = window_function(cfg["window"], cfg["frame_length"], cfg["window_periodic"], cfg["blackman_coeff"])
    return frames * w[None, :]


# --------------------------------------------------------------------------
# Stage 3: spectrum
# --------------------------------------------------------------------------

def power_spectrum(windowed: np.ndarray, cfg: dict) -> np.ndarray:
    """|rfft(frame zero-padded at the end to n_fft)| ** power [/ n_fft]."""
    n_fft = cfg["n_fft"]
    nf, L = windowed.shape
    padded = np.zeros((nf, n_fft))
    padded[:, :L] = windowed
    spec = np.abs(np.fft.rfft(padded, n=n_fft, axis=1)) ** cfg["power"]
    if cfg["spectrum_norm"] == "n_fft":
        spec = spec / n_fft
    elif cfg["spectrum_norm"] is not None:
        raise ValueError(f"unknown spectrum_norm {cfg['spectrum_norm']!r}")
    return spec


# --------------------------------------------------------------------------
# Stage 4: mel filterbank
# --------------------------------------------------------------------------

_SLANEY_F_SP = 200.0 / 3.0
_SLANEY_MIN_LOG_HZ = 1000.0
_SLANEY_MIN_LOG_MEL = _SLANEY_MIN_LOG_HZ / _SLANEY_F_SP  # 15
_SLANEY_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(f, scale: str):
    f = np.asarray(f, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    if scale == "slaney":
        lin = f / _SLANEY_F_SP
        log = _SLANEY_MIN_LOG_MEL + np.log(np.maximum(f, 1e-300) / _SLANEY_MIN_LOG_HZ) / _SLANEY_LOGSTEP
        return np.where(f >= _SLANEY_MIN_LOG_HZ, log, lin)
    raise ValueError(f"unknown mel_scale {scale!r}")


def mel_to_hz(m, scale: str):
    m = np.asarray(m, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    if scale == "slaney":
        lin = _SLANEY_F_SP * m
        log = _SLANEY_MIN_LOG_HZ * np.exp(_SLANEY_LOGSTEP * (m - _SLANEY_MIN_LOG_MEL))
        return np.where(m >= _SLANEY_MIN_LOG_MEL, log, lin)
    raise ValueError(f"unknown mel_scale {scale!r}")


def vtln_warp_hz(f: np.ndarray, cfg: dict) -> np.ndarray:
    """Kaldi's MelBanks::VtlnWarpFreq: piecewise linear through (fmin, fmin),
    (l, l / w), (h, h / w), (fmax, fmax) with l = vtln_low max(1, w) and
    h = vtln_high min(1, w); identity outside [fmin, fmax]."""
    sr, w = cfg["sample_rate"], cfg["vtln_warp"]
    lo = float(cfg["fmin"])
    hi = sr / 2.0 if cfg["fmax"] is None else float(cfg["fmax"])
    high = cfg["vtln_high"] + sr / 2.0 if cfg["vtln_high"] < 0 else cfg["vtln_high"]
    l, h = cfg["vtln_low"] * max(1.0, w), high * min(1.0, w)
    warped = np.interp(f, [lo, l, h, hi], [lo, l / w, h / w, hi])
    return np.where((f < lo) | (f > hi), f, warped)


def mel_filterbank(cfg: dict) -> np.ndarray:
    """(n_mels, n_fft//2 + 1) triangular filterbank.

    The n_mels + 2 edge points are equally spaced in mel between fmin and fmax.
    ``mel_triangles``:
      "mel": Kaldi - weights linear in mel of the bin frequency k*sr/n_fft;
      "hz":  librosa.filters.mel - edges converted to Hz, weights linear in Hz;
      "bin": python_speech_features.get_filterbanks - edges rounded down to
             FFT bins, bin = floor((n_fft+1) * hz / sr), weights linear in bin;
      "hz_symmetric": speechbrain Filterbank - linear in Hz, centred on
             hz[i+1], half-width hz[i+1] - hz[i] on both sides.
    ``mel_norm="slaney"`` multiplies filter i by 2 / (hz[i+2] - hz[i]);
    ``mel_pnorm=p`` divides it by its p-norm over the bins.
    ``mel_first_bin="htk"`` zeroes bins k < int(fmin * n_fft / sr + 1.5)
    (HTK's klo; TensorFlow's MfccMelFilterbank start_index_).
    """
    sr, n_fft, n_mels = cfg["sample_rate"], cfg["n_fft"], cfg["n_mels"]
    scale = cfg["mel_scale"]
    fmin = float(cfg["fmin"])
    fmax = sr / 2.0 if cfg["fmax"] is None else float(cfg["fmax"])
    n_bins = n_fft // 2 + 1
    mel_pts = np.linspace(hz_to_mel(fmin, scale), hz_to_mel(fmax, scale), n_mels + 2)
    hz_pts = mel_to_hz(mel_pts, scale)
    if cfg["vtln_warp"] != 1.0:
        hz_pts = vtln_warp_hz(hz_pts, cfg)
        mel_pts = hz_to_mel(hz_pts, scale)
    bin_freqs = np.arange(n_bins) * sr / n_fft
    fb = np.zeros((n_mels, n_bins))
    tri = cfg["mel_triangles"]
    if tri == "mel":
        m = hz_to_mel(bin_freqs, scale)
        for i in range(n_mels):
            lo, c, hi = mel_pts[i], mel_pts[i + 1], mel_pts[i + 2]
            fb[i] = np.maximum(0.0, np.minimum((m - lo) / (c - lo), (hi - m) / (hi - c)))
    elif tri == "hz":
        for i in range(n_mels):
            lo, c, hi = hz_pts[i], hz_pts[i + 1], hz_pts[i + 2]
            fb[i] = np.maximum(0.0, np.minimum((bin_freqs - lo) / (c - lo), (hi - bin_freqs) / (hi - c)))
    elif tri == "hz_symmetric":
        for i in range(n_mels):
            lo, c = hz_pts[i], hz_pts[i + 1]
            fb[i] = np.maximum(0.0, np.minimum((bin_freqs - lo) / (c - lo), (2.0 * c - lo - bin_freqs) / (c - lo)))
    elif tri == "bin":
        b = np.floor((n_fft + 1) * hz_pts / sr)
        for i in range(n_mels):
            for k in range(int(b[i]), int(b[i + 1])):
                fb[i, k] = (k - b[i]) / (b[i + 1] - b[i])
            for k in range(int(b[i + 1]), int(b[i + 2])):
                fb[i, k] = (b[i + 2] - k) / (b[i + 2] - b[i + 1])
    else:
        raise ValueError(f"unknown mel_triangles {tri!r}")
    if cfg["mel_first_bin"] == "htk":
        fb[:, :int(fmin / (sr / n_fft) + 1.5)] = 0.0
    elif cfg["mel_first_bin"] is not None:
        raise ValueError(f"unknown mel_first_bin {cfg['mel_first_bin']!r}")
    if cfg["mel_norm"] == "slaney":
        fb *= (2.0 / (hz_pts[2:] - hz_pts[:-2]))[:, None]
    elif cfg["mel_norm"] is not None:
        raise ValueError(f"unknown mel_norm {cfg['mel_norm']!r}")
    if cfg["mel_pnorm"] is not None:  # librosa.util.normalize(norm=p, axis=-1)
        p = float(cfg["mel_pnorm"])
        length = (np.abs(fb) ** p).sum(axis=1, keepdims=True) ** (1.0 / p)
        fb = np.where(length >= np.finfo(np.float32).tiny, fb / np.where(length > 0, length, 1.0), fb)
    return fb


def apply_mel(spec: np.ndarray, cfg: dict) -> np.ndarray:
    return spec @ mel_filterbank(cfg).T


# --------------------------------------------------------------------------
# Stage 5: log
# --------------------------------------------------------------------------

def floor_for_log(x: np.ndarray, cfg: dict) -> np.ndarray:
    """The values the log is taken of.

    ``log_floor_mode="max"``: max(x, log_floor) (librosa amin, Kaldi);
    ``"zero"``: only exact zeros become log_floor, smaller positive values are
    kept (python_speech_features: ``numpy.where(x == 0, eps, x)``).
    """
    x = np.asarray(x, dtype=np.float64)
    mode = cfg["log_floor_mode"]
    if mode == "max":
        return np.maximum(x, cfg["log_floor"])
    if mode == "zero":
        return np.where(x == 0, cfg["log_floor"], x)
    if mode == "add":
        return x + cfg["log_floor"]
    raise ValueError(f"unknown log_floor_mode {mode!r}")


TOP_DB_UNITS = {"db": 1.0, "log10": 0.1, "ln": math.log(10.0) / 10.0}  # per dB, in the log's units


def apply_log(x: np.ndarray, cfg: dict, top_db: bool = True) -> np.ndarray:
    """log of ``floor_for_log(x)``; 'db' = 10 log10(...); then (``top_db``:
    spectral values, not the energy) the top_db clip against the maximum of
    the whole array, in the log's units (librosa power_to_db with ref=1;
    Whisper's max - 8 with log10), and (x + log_offset) * log_scale."""
    kind = cfg["log"]
    if kind is None:
        out = np.array(x, dtype=np.float64)
    else:
        xf = floor_for_log(x, cfg)
        if kind == "ln":
            out = np.log(xf)
        elif kind == "log10":
            out = np.log10(xf)
        elif kind == "db":
            out = 10.0 * np.log10(xf)
        else:
            raise ValueError(f"unknown log {kind!r}")
    if not top_db:
        return out
    if cfg["top_db"] is not None and out.size:
        out = np.maximum(out, out.max() - cfg["top_db"] * TOP_DB_UNITS[kind])
    return (out + cfg["log_offset"]) * cfg["log_scale"]


# --------------------------------------------------------------------------
# Stage 6: cepstrum
# --------------------------------------------------------------------------

def dct_matrix(n_mfcc: int, n_mels: int, norm, dct_type: int = 2) -> np.ndarray:
    """(n_mfcc, n_mels) DCT matrix, as scipy.fft.dct(type=dct_type, norm=norm)."""
    if norm not in ("ortho", None, "htk"):
        raise ValueError(f"unknown dct_norm {norm!r}")
    if norm == "htk":  # HTK / TensorFlow: sqrt(2/N) sum x[m] cos(pi k (m + 1/2) / N), every k
        assert dct_type == 2, dct_type
        k, m = np.arange(n_mfcc)[:, None], np.arange(n_mels)[None, :]
        return math.sqrt(2.0 / n_mels) * np.cos(np.pi * k * (m + 0.5) / n_mels)
    N = n_mels
    D = np.zeros((n_mfcc, N))
    m = np.arange(N)
    for k in range(n_mfcc):
        if dct_type == 2:
            D[k] = 2.0 * np.cos(np.pi * k * (2 * m + 1) / (2.0 * N))
            if norm == "ortho":
                D[k] *= math.sqrt(1.0 / (4 * N)) if k == 0 else math.sqrt(1.0 / (2 * N))
        elif dct_type == 3:
            D[k] = 2.0 * np.cos(np.pi * (2 * k + 1) * m / (2.0 * N))
            D[k, 0] = 1.0
            if norm == "ortho":
                D[k] /= math.sqrt(N)
                D[k, 1:] /= math.sqrt(2.0)
        elif dct_type == 1:
            D[k] = 2.0 * np.cos(np.pi * k * m / (N - 1.0))
            D[k, 0] /= 2.0
            D[k, -1] /= 2.0
            if norm == "ortho":
                D[k, [0, -1]] *= math.sqrt(2.0)
                D[k] /= math.sqrt(2.0 * (N - 1))
                if k in (0, N - 1):
                    D[k] /= math.sqrt(2.0)
        else:
            raise ValueError(f"unknown dct_type {dct_type!r}")
    return D


def dct(logmel: np.ndarray, cfg: dict) -> np.ndarray:
    return logmel @ dct_matrix(cfg["n_mfcc"], logmel.shape[1], cfg["dct_norm"], cfg["dct_type"]).T


def lifter(cep: np.ndarray, L: float) -> np.ndarray:
    """cep[:, i] *= 1 + (L/2) sin(pi i / L), i = 0..n_mfcc-1 (Kaldi, psf)."""
    if L == 0:
        return cep
    i = np.arange(cep.shape[1])
    return cep * (1.0 + (L / 2.0) * np.sin(np.pi * i / L))[None, :]


# --------------------------------------------------------------------------
# Stage 7: deltas
# --------------------------------------------------------------------------

def delta(feat: np.ndarray, width: int) -> np.ndarray:
    """python_speech_features.delta: edge frames replicated."""
    n = feat.shape[0]
    denom = 2.0 * sum(k * k for k in range(1, width + 1))
    out = np.zeros_like(feat, dtype=np.float64)
    for t in range(n):
        acc = np.zeros(feat.shape[1])
        for k in range(1, width + 1):
            acc += k * (feat[min(t + k, n - 1)] - feat[max(t - k, 0)])
        out[t] = acc / denom
    return out


def add_deltas(static: np.ndarray, order: int, width: int) -> np.ndarray:
    parts = [static]
    d = static
    for _ in range(order):
        d = delta(d, width)
        parts.append(d)
    return np.concatenate(parts, axis=1)


# --------------------------------------------------------------------------
# The whole pipeline
# --------------------------------------------------------------------------

def n_features(cfg: dict) -> int:
    base = {"mfcc": cfg["n_mfcc"], "logmel": cfg["n_mels"], "power": cfg["n_fft"] // 2 + 1}[cfg["kind"]]
    if cfg["energy"] == "append":
        base += 1
    return base * (1 + cfg["deltas"])


def model_stages(y, cfg: dict) -> dict:
    """Run the pipeline and return every intermediate array by stage name.

    Keys: signal, frames, dc_removed, energy_raw, preemphasized, windowed,
    energy_windowed, spectrum, energy_spectrum, energy, log_energy, mel,
    log (the log of mel or of the spectrum), cepstrum, liftered, static,
    features.  Stages that the config skips are absent.
    """
    if cfg["dither"] != 0.0:
        raise NotImplementedError("the model has no dither: use dither=0")
    if cfg["n_fft"] < cfg["frame_length"]:
        raise ValueError("n_fft must be >= frame_length")
    kind = cfg["kind"]
    if cfg["energy"] == "replace_c0" and kind != "mfcc":
        raise ValueError("energy='replace_c0' needs kind='mfcc'")
    st: dict = {}
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError("mono 1-D signal expected")
    if cfg["preemphasis_scope"] == "signal":
        y = signal_preemphasis(y, cfg["preemphasis"])
    st["signal"] = y
    x = frame_signal(y, cfg)
    st["frames"] = x
    if cfg["remove_dc"]:
        x = remove_dc(x)
        st["dc_removed"] = x
    st["energy_raw"] = frame_energy(x)
    if cfg["preemphasis_scope"] == "frame":
        x = frame_preemphasis(x, cfg["preemphasis"])
        st["preemphasized"] = x
    x = apply_window(x, cfg)
    st["windowed"] = x
    st["energy_windowed"] = frame_energy(x)
    spec = power_spectrum(x, cfg)
    st["spectrum"] = spec
    st["energy_spectrum"] = spec.sum(axis=1)
    energy = st["energy_" + cfg["energy_source"]]
    st["energy"] = energy
    # the log energy: same log and floor, no top_db clip
    st["log_energy"] = apply_log(energy, cfg, top_db=False)

    if kind == "power":
        feat = apply_log(spec, cfg)
        st["log"] = feat
    else:
        mel = apply_mel(spec, cfg)
        st["mel"] = mel
        feat = apply_log(mel, cfg)
        st["log"] = feat
        if kind == "mfcc":
            feat = dct(feat, cfg)
            st["cepstrum"] = feat
            feat = lifter(feat, cfg["lifter"])
            st["liftered"] = feat
    feat = np.array(feat, dtype=np.float64)
    if cfg["normalize"] == "per_feature":  # NeMo normalize_batch: std with n - 1, + 1e-5
        n = feat.shape[0]
        std = feat.std(axis=0, ddof=1) if n > 1 else np.zeros(feat.shape[1])
        feat = (feat - feat.mean(axis=0)) / (std + 1e-5)
        st["normalized"] = feat
    if cfg["energy"] == "replace_c0":
        feat[:, 0] = st["log_energy"]
    elif cfg["energy"] == "append":
        feat = np.concatenate([feat, st["log_energy"][:, None]], axis=1)
    elif cfg["energy"] is not None:
        raise ValueError(f"unknown energy {cfg['energy']!r}")
    st["static"] = feat
    st["features"] = add_deltas(feat, cfg["deltas"], cfg["delta_width"])
    assert st["features"].shape == (num_frames(len(y), cfg), n_features(cfg))
    return st


def model_features(y, cfg: dict) -> np.ndarray:
    """(n_frames, n_features) float64 features of the 1-D signal y."""
    return model_stages(y, cfg)["features"]
