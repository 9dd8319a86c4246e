"""The implementations the benchmarks compare, one factory per implementation.

Each ``make_*`` function does the one-off work (import, build an Extractor,
plan an FFT, set options) and returns ``fn(y) -> features`` for a float32 1-D
16 kHz signal.  Only ``fn`` is timed, so what is measured is what a user pays
per call *including* the Python call and the library's own input conversion.

The canonical pipeline (``fastfeat.Config()``) is: 16 kHz, frame_length 400,
hop 160, n_fft 512, symmetric Hamming window, pre-emphasis 0.97, power
spectrum, 40 HTK mel bands 0..8000 Hz, natural log, orthonormal DCT-II, 13
MFCC, no lifter, no energy, first frame at sample 0, no padding (Kaldi's
``snip_edges``).  Each peer below is set as close to that as the library
allows; the comment above each factory lists what remains different.  None of
those differences changes the amount of work by more than a few per cent
(a normalisation constant, a different log, a filter on the whole signal
instead of per frame); tests/ checks numeric agreement, this module only
measures cost.

A factory raises ``Unavailable`` when its library is not installed (pyfftw is
optional), so both harnesses skip that row cleanly.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .signals import SR

FRAME_LENGTH = 400
HOP_LENGTH = 160
N_FFT = 512
N_MELS = 40
N_MFCC = 13
DELTA_WIDTH = 2  # frames each side (HTK DELTAWINDOW / psf N / Kaldi window)

Fn = Callable[[np.ndarray], Any]


class Unavailable(Exception):
    """The implementation's library is not installed (the row is skipped)."""


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} is not installed ({exc})") from None


# --------------------------------------------------------------------------
# one thread for everyone
# --------------------------------------------------------------------------
# librosa (mel projection via np.einsum -> BLAS) and python_speech_features
# (np.dot) call OpenBLAS, which by default starts one thread per core.  On a
# busy machine those threads spin against each other and against other
# processes: on the 2-core development box a 1 s clip took 14 ms in librosa
# with default OpenBLAS threading and 0.8 ms with one thread.  A single
# fastfeat Extractor call uses one thread, so the peers get one BLAS thread
# too (the parallel section measures fastfeat's own threads separately).

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")


def limit_blas_threads(n: int = 1) -> str:
    """Limit BLAS libraries to ``n`` threads; returns a description of what is in effect.

    The environment variables only reach libraries loaded afterwards (and are
    inherited by child processes); threadpoolctl, when installed, also limits
    the ones already loaded.  Call it again after importing a peer that may
    load another BLAS (scipy ships its own).
    """
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, str(n))
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return f"{BLAS_THREAD_VARS[0]}={os.environ[BLAS_THREAD_VARS[0]]} (threadpoolctl not installed)"
    threadpool_limits(limits=n, user_api="blas")
    libs = sorted({f"{i['internal_api']} x{i['num_threads']}"
                   for i in threadpool_info() if i["user_api"] == "blas"})
    return ", ".join(libs) or "no BLAS loaded"


# --------------------------------------------------------------------------
# fastfeat
# --------------------------------------------------------------------------

def make_fastfeat() -> Fn:
    """fastfeat, ``Extractor(Config())`` built once and reused: the intended batch use."""
    ff = _require("fastfeat")
    return ff.Extractor(ff.Config())


def make_fastfeat_function() -> Fn:
    """fastfeat, ``ff.mfcc(y, sr=16000)``: the one-line API (cached Extractor lookup + call)."""
    ff = _require("fastfeat")

    def fn(y: np.ndarray) -> np.ndarray:
        return ff.mfcc(y, sr=SR)

    return fn


def make_fastfeat_out() -> Fn:
    """fastfeat, ``Extractor(Config())(y, out=buf)``: caller-supplied output, no allocation."""
    ff = _require("fastfeat")
    ext = ff.Extractor(ff.Config())
    bufs: dict[int, np.ndarray] = {}

    def fn(y: np.ndarray) -> np.ndarray:
        buf = bufs.get(y.shape[0])
        if buf is None:
            buf = bufs[y.shape[0]] = np.empty((ext.n_frames(y.shape[0]), ext.n_features), np.float32)
        return ext(y, out=buf)

    return fn


def make_fastfeat39() -> Fn:
    """fastfeat, 13 MFCC + delta + delta-delta (``Config(deltas=2)``), one Extractor call."""
    ff = _require("fastfeat")
    return ff.Extractor(ff.Config().replace(deltas=2))


# --------------------------------------------------------------------------
# librosa
# --------------------------------------------------------------------------
# Differences from the canonical config that librosa.feature.mfcc cannot drop
# in this one call (same amount of work, different numbers):
# - the log is librosa.power_to_db (10*log10, top_db=80 clipping), not ln;
# - the mel filters are Slaney area-normalised (mfcc's own `norm` argument is
#   the DCT's, so the mel norm cannot be passed through it);
# - pre-emphasis is librosa.effects.preemphasis over the whole signal (one
#   lfilter), not per frame; it is included in the timed call because fastfeat
#   does pre-emphasis too.
# Output layout is librosa's (n_mfcc, n_frames); no transpose copy is made.

def _librosa_mfcc(librosa, y: np.ndarray) -> np.ndarray:
    y = librosa.effects.preemphasis(y, coef=0.97)
    return librosa.feature.mfcc(
        y=y, sr=SR, n_mfcc=N_MFCC, n_fft=N_FFT, win_length=FRAME_LENGTH,
        hop_length=HOP_LENGTH, window="hamming", center=False, n_mels=N_MELS, htk=True,
    )


def make_librosa() -> Fn:
    """librosa: preemphasis + feature.mfcc with the canonical framing (see comment above)."""
    librosa = _require("librosa")

    def fn(y: np.ndarray) -> np.ndarray:
        return _librosa_mfcc(librosa, y)

    return fn


def make_librosa39() -> Fn:
    """librosa: mfcc + feature.delta (order 1 and 2, width 5 = 2 frames each side).

    librosa.feature.delta is a Savitzky-Golay filter with mode='interp' at the
    edges (fastfeat/HTK replicate the edge frames); the interior is the same
    regression, the cost is comparable.
    """
    librosa = _require("librosa")
    width = 2 * DELTA_WIDTH + 1

    def fn(y: np.ndarray) -> np.ndarray:
        m = _librosa_mfcc(librosa, y)
        d1 = librosa.feature.delta(m, width=width, order=1)
        d2 = librosa.feature.delta(m, width=width, order=2)
        return np.concatenate([m, d1, d2], axis=0)

    return fn


# --------------------------------------------------------------------------
# python_speech_features
# --------------------------------------------------------------------------
# Set: nfilt=40, symmetric np.hamming window, ceplifter=0, appendEnergy=False
# (its defaults are 26 filters, a rectangular window, lifter 22 and log energy
# in c0).  Remaining differences: it zero-pads the signal so the last partial
# frame is kept (one extra frame at most); pre-emphasis is applied to the
# whole signal, not per frame; mel band edges are rounded to FFT bins
# (floor((n_fft+1) f / sr)); it computes in float64.

def _psf_mfcc(psf, y: np.ndarray) -> np.ndarray:
    return psf.mfcc(y, SR, nfilt=N_MELS, numcep=N_MFCC, nfft=N_FFT, winfunc=np.hamming,
                    ceplifter=0, appendEnergy=False)


def make_psf() -> Fn:
    """python_speech_features.mfcc with the canonical options it accepts."""
    psf = _require("python_speech_features")

    def fn(y: np.ndarray) -> np.ndarray:
        return _psf_mfcc(psf, y)

    return fn


def make_psf39() -> Fn:
    """python_speech_features: mfcc + delta(N=2) + delta of the delta (its documented recipe)."""
    psf = _require("python_speech_features")

    def fn(y: np.ndarray) -> np.ndarray:
        m = _psf_mfcc(psf, y)
        d1 = psf.delta(m, DELTA_WIDTH)
        d2 = psf.delta(d1, DELTA_WIDTH)
        return np.hstack([m, d1, d2])

    return fn


# --------------------------------------------------------------------------
# kaldi-native-fbank
# --------------------------------------------------------------------------
# Set: dither 0, Hamming window, remove_dc_offset False, 40 bins from 0 Hz to
# Nyquist, 13 ceps, no energy, lifter 0 (Kaldi defaults: dither, Povey window,
# DC removal, 23 bins from 20 Hz, energy, lifter 22).  Per-frame pre-emphasis
# and snip_edges are Kaldi's own, as in fastfeat's default.  Remaining
# differences: Kaldi's DCT is not orthonormal in the same way (scale of c0),
# the log floor is float epsilon.
# There is no batch call: a fresh OnlineMfcc per signal, accept_waveform,
# input_finished, then one get_frame() Python call per frame, stacked (a copy:
# get_frame returns a buffer the extractor owns).  The waveform is handed over
# as a Python list: accept_waveform takes a Sequence[float], and a list
# converts faster than a numpy array does (about 0.8 ms vs 1.2 ms for 16000
# samples on the development machine); long signals go in 1 s chunks so the
# list stays small.

_KNF_CHUNK = SR


def _knf_options(knf):
    opts = knf.MfccOptions()
    fo = opts.frame_opts
    fo.samp_freq = SR
    fo.frame_length_ms = 1000.0 * FRAME_LENGTH / SR
    fo.frame_shift_ms = 1000.0 * HOP_LENGTH / SR
    fo.dither = 0.0
    fo.window_type = "hamming"
    fo.remove_dc_offset = False
    fo.preemph_coeff = 0.97
    fo.round_to_power_of_two = True  # 400 -> 512
    fo.snip_edges = True
    opts.mel_opts.num_bins = N_MELS
    opts.mel_opts.low_freq = 0.0
    opts.mel_opts.high_freq = 0.0  # 0 = Nyquist in Kaldi
    opts.num_ceps = N_MFCC
    opts.use_energy = False
    opts.cepstral_lifter = 0.0
    return opts


def _knf_run(knf, opts, y: np.ndarray) -> np.ndarray:
    m = knf.OnlineMfcc(opts)
    for start in range(0, y.shape[0], _KNF_CHUNK):
        m.accept_waveform(SR, y[start:start + _KNF_CHUNK].tolist())
    m.input_finished()
    return np.stack([m.get_frame(i) for i in range(m.num_frames_ready)])


def make_knf() -> Fn:
    """kaldi-native-fbank OnlineMfcc, whole signal, all frames stacked (see comment above)."""
    knf = _require("kaldi_native_fbank")
    opts = _knf_options(knf)

    def fn(y: np.ndarray) -> np.ndarray:
        return _knf_run(knf, opts, y)

    return fn


def make_knf39() -> Fn:
    """kaldi-native-fbank: OnlineMfcc + compute_deltas(order 2, window 2) (Kaldi's add-deltas)."""
    knf = _require("kaldi_native_fbank")
    opts = _knf_options(knf)
    dopts = knf.DeltaOptions()
    dopts.order = 2
    dopts.window = DELTA_WIDTH

    def fn(y: np.ndarray) -> np.ndarray:
        return knf.compute_deltas(dopts, _knf_run(knf, opts, y))

    return fn


# --------------------------------------------------------------------------
# FFT floor: framing + window + real FFT only
# --------------------------------------------------------------------------
# What any pipeline must at least do: the frames (a strided view, no copy),
# multiplied by the Hamming window (one float32 copy), then an n=512 real FFT
# of every frame (zero-padded from 400).  No pre-emphasis, no |X|^2, no mel,
# log or DCT: a full MFCC cannot be cheaper than this with the same FFT
# library, so "fastfeat / floor" says how much of fastfeat's time is beyond
# the FFT.  All three work in single precision (float32 -> complex64; numpy
# >= 2 keeps float32) on one thread, like a single fastfeat Extractor call.

def _frames(y: np.ndarray) -> np.ndarray:
    """(n_frames, FRAME_LENGTH) strided view, snip_edges framing (no copy)."""
    return np.lib.stride_tricks.sliding_window_view(y, FRAME_LENGTH)[::HOP_LENGTH]


def _window() -> np.ndarray:
    return np.hamming(FRAME_LENGTH).astype(np.float32)


def make_numpy_rfft() -> Fn:
    """Floor: stride-trick frames * Hamming, ``np.fft.rfft(n=512)``."""
    win = _window()

    def fn(y: np.ndarray) -> np.ndarray:
        return np.fft.rfft(_frames(y) * win, n=N_FFT, axis=-1)

    return fn


def make_scipy_rfft() -> Fn:
    """Floor: stride-trick frames * Hamming, ``scipy.fft.rfft(n=512)`` (workers=1)."""
    sfft = _require("scipy.fft")
    win = _window()

    def fn(y: np.ndarray) -> np.ndarray:
        return sfft.rfft(_frames(y) * win, n=N_FFT, axis=-1, workers=1)

    return fn


def make_pyfftw_rfft() -> Fn:
    """Floor: stride-trick frames * Hamming, a pyfftw FFTW rfft object per frame count.

    The plan (FFTW_MEASURE, 1 thread) is built on the first call for a given
    number of frames and reused; the harnesses warm up before timing, so
    planning is never timed.  The builder's wrapper copies the 400-sample
    frames into its aligned, zero-padded 512-wide input array on each call
    (that copy is part of the cost), and returns FFTW's internal output
    array, which the next call overwrites.
    """
    pyfftw = _require("pyfftw")
    import pyfftw.builders  # noqa: F401  (submodule)
    win = _window()
    plans: dict[int, Any] = {}

    def fn(y: np.ndarray) -> np.ndarray:
        x = _frames(y) * win
        plan = plans.get(x.shape[0])
        if plan is None:
            plan = plans[x.shape[0]] = pyfftw.builders.rfft(
                np.empty_like(x), n=N_FFT, axis=-1, planner_effort="FFTW_MEASURE", threads=1)
        return plan(x)

    return fn


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Peer:
    name: str           # row label, also the pytest parameter id
    group: str          # "mfcc13", "floor" or "mfcc39"
    make: Callable[[], Fn]
    reference: bool = False  # the fastfeat row the ratios of its group are taken against

    @property
    def doc(self) -> str:
        return (self.make.__doc__ or "").strip().splitlines()[0]


PEERS: list[Peer] = [
    Peer("fastfeat", "mfcc13", make_fastfeat, reference=True),
    Peer("fastfeat ff.mfcc()", "mfcc13", make_fastfeat_function),
    Peer("fastfeat out=", "mfcc13", make_fastfeat_out),
    Peer("librosa", "mfcc13", make_librosa),
    Peer("python_speech_features", "mfcc13", make_psf),
    Peer("kaldi-native-fbank", "mfcc13", make_knf),
    Peer("numpy rfft (floor)", "floor", make_numpy_rfft),
    Peer("scipy rfft (floor)", "floor", make_scipy_rfft),
    Peer("pyfftw rfft (floor)", "floor", make_pyfftw_rfft),
    Peer("fastfeat", "mfcc39", make_fastfeat39, reference=True),
    Peer("librosa", "mfcc39", make_librosa39),
    Peer("python_speech_features", "mfcc39", make_psf39),
    Peer("kaldi-native-fbank", "mfcc39", make_knf39),
]


def peers(*groups: str) -> list[Peer]:
    """The registered peers of the given groups, in table order."""
    return [p for p in PEERS if p.group in groups]


_LIBRARIES = {  # row label: (distribution name, import name)
    "fastfeat": ("fastfeat", "fastfeat"),
    "numpy": ("numpy", "numpy"),
    "scipy": ("scipy", "scipy"),
    "librosa": ("librosa", "librosa"),
    "python_speech_features": ("python_speech_features", "python_speech_features"),
    "kaldi-native-fbank": ("kaldi_native_fbank", "kaldi_native_fbank"),
    "pyfftw": ("pyFFTW", "pyfftw"),
}


def versions() -> dict[str, str]:
    """Version of each library measured: the imported module's, else the installed
    distribution's; "absent" when it cannot be imported."""
    out = {}
    for label, (dist, module) in _LIBRARIES.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            out[label] = "absent"
            continue
        version = getattr(mod, "__version__", None)
        if version is None:
            try:
                version = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                version = "?"
        out[label] = str(version)
    return out
