"""Config: the one frozen description of a feature pipeline.

Every field carries its accepted range and a one-line description
(``FIELDS``); validation messages and ``docs/config.md`` are produced from that
same metadata, so the two cannot disagree.  This module imports nothing from
the rest of the package.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Config", "PRESETS", "FIELDS", "FieldSpec"]

FLOAT32_EPS = 1.1920928955078125e-07  # Kaldi's log floor: FLT_EPSILON
FLOAT64_EPS = 2.220446049250313e-16  # python_speech_features: numpy.finfo(float).eps
MAX_FFT = 1 << 20  # FF_MAX_FFT in csrc/fastfeat.h
MAX_DELTA_WIDTH = 64  # FF_MAX_DELTA_WIDTH


@dataclass(frozen=True)
class FieldSpec:
    """What a Config field accepts: its kind, range or choices, and meaning.

    Examples
    --------
    >>> from fastfeat.config import FIELDS
    >>> FIELDS["n_mels"].kind, FIELDS["n_mels"].low, FIELDS["n_mels"].high
    ('int', 1, 4096)
    """

    kind: str  # "int", "float", "bool", "choice"
    doc: str
    choices: tuple = ()
    low: float | None = None  # inclusive unless low_open
    high: float | None = None  # inclusive unless high_open
    low_open: bool = False
    high_open: bool = False
    optional: bool = False  # None accepted

    def describe(self) -> str:
        """The accepted range in words, as used in error messages and docs.

        Examples
        --------
        >>> from fastfeat.config import FIELDS
        >>> FIELDS["power"].describe()
        'a finite number in (0, 8]'
        """
        if self.kind == "bool":
            text = "True or False"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            lo = "-inf" if self.low is None else _num(self.low)
            hi = "inf" if self.high is None else _num(self.high)
            what = "an integer" if self.kind == "int" else "a finite number"
            lb = "(" if self.low_open or self.low is None else "["
            hb = ")" if self.high_open or self.high is None else "]"
            text = f"{what} in {lb}{lo}, {hi}{hb}"
        if self.optional and None not in self.choices:
            text += " or None"
        return text


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _choice(doc: str, *choices: Any, optional: bool = False) -> FieldSpec:
    return FieldSpec("choice", doc, choices=choices, optional=optional)


FIELDS: dict[str, FieldSpec] = {
    "kind": _choice("what Extractor/Stream emit", "mfcc", "logmel", "power"),
    "sample_rate": FieldSpec("int", "Hz the config is built for; a signal at another rate is an error", low=1, high=10_000_000),
    "frame_length": FieldSpec("int", "samples per analysis window (<= n_fft); None: 25 ms at sample_rate, rounded down (400 at 16 kHz, 1102 at 44.1 kHz)", low=1, high=MAX_FFT, optional=True),
    "hop_length": FieldSpec("int", "samples between frame starts; None: 10 ms at sample_rate, rounded down (160 at 16 kHz)", low=1, high=1 << 30, optional=True),
    "n_fft": FieldSpec("int", "FFT size; the frame is zero-padded to it (>= frame_length); None: the next power of two >= frame_length", low=1, high=MAX_FFT, optional=True),
    "window": _choice("analysis window", "hamming", "hann", "povey", "blackman", "rectangular"),
    "window_periodic": FieldSpec("bool", "periodic (DFT-even, librosa/scipy fftbins=True) instead of symmetric (Kaldi, HTK, numpy.hamming) window"),
    "center": FieldSpec("bool", "librosa centring: frame t is centred on sample t*hop_length, signal padded by n_fft//2"),
    "pad_mode": _choice("how `center` pads the signal (numpy.pad modes)", "constant", "reflect", "edge", "symmetric"),
    "snip_edges": FieldSpec("bool", "when center is False: True keeps only frames that fit in the signal (Kaldi default); False centres frames on multiples of hop and mirrors the edges (Kaldi --snip-edges=false)"),
    "pad_end": FieldSpec("bool", "with snip_edges: also emit the last partial frame, zero-padded (python_speech_features)"),
    "preemphasis": FieldSpec("float", "pre-emphasis coefficient; 0 disables", low=0.0, high=1.0),
    "preemphasis_scope": _choice("'frame': inside each frame after DC removal (Kaldi); 'signal': once over the whole signal before framing (python_speech_features)", "frame", "signal"),
    "remove_dc": FieldSpec("bool", "subtract each frame's mean (Kaldi remove_dc_offset)"),
    "dither": FieldSpec("float", "standard deviation of Gaussian dither added to each signal sample; 0 disables", low=0.0, high=None),
    "seed": FieldSpec("int", "dither seed; the dither of a sample depends only on (seed, sample index)", low=0, high=2**64 - 1),
    "power": FieldSpec("float", "exponent of the magnitude spectrum: 1 magnitude, 2 power", low=0.0, high=8.0, low_open=True),
    "spectrum_norm": _choice("divide the spectrum by n_fft ('n_fft', python_speech_features' powspec) or not (None)", None, "n_fft", optional=True),
    "n_mels": FieldSpec("int", "number of mel filters (<= n_fft//2 + 1)", low=1, high=4096),
    "fmin": FieldSpec("float", "lowest filterbank frequency in Hz", low=0.0, high=None),
    "fmax": FieldSpec("float", "highest filterbank frequency in Hz (<= sample_rate/2, except with mel_triangles='hz': librosa accepts more, the filters above Nyquist are then empty); None means sample_rate/2", low=0.0, high=None, low_open=True, optional=True),
    "mel_scale": _choice("'htk': 2595 log10(1 + f/700); 'slaney': linear below 1 kHz, logarithmic above (librosa default)", "htk", "slaney"),
    "mel_norm": _choice("None: peak 1; 'slaney': each filter divided by its width in Hz / 2 (librosa norm='slaney')", None, "slaney", optional=True),
    "mel_triangles": _choice("where the triangles are linear: 'mel' (Kaldi, HTK), 'hz' (librosa), 'bin' (python_speech_features: edges rounded down to FFT bins), 'hz_symmetric' (SpeechBrain: linear in Hz, centred on point m+1 and as wide above it as below, so it ends at 2 hz[m+1] - hz[m], not at point m+2)", "mel", "hz", "bin", "hz_symmetric"),
    "log": _choice("'ln', 'log10', 'db' (10 log10, librosa power_to_db) or None", None, "ln", "log10", "db", optional=True),
    "log_floor": FieldSpec("float", "values are floored here before the log (librosa amin)", low=0.0, high=None, low_open=True),
    "log_floor_mode": _choice("'max': log(max(x, log_floor)) (librosa amin, Kaldi); 'zero': only exact zeros become log_floor (python_speech_features); 'add': log(x + log_floor) (NeMo's log_zero_guard_type='add')", "max", "zero", "add"),
    "top_db": FieldSpec("float", "clip every spectral value to (maximum over the whole signal) - top_db dB, in the units of `log`: top_db with 'db' (librosa), top_db/10 with 'log10' (Whisper's max - 8 is top_db=80), top_db ln(10)/10 with 'ln'; needs the whole signal, so Stream refuses it (fastfeat.stream.window_step applies it per window)", low=0.0, high=None, low_open=True, optional=True),
    "n_mfcc": FieldSpec("int", "cepstral coefficients kept (<= n_mels)", low=1, high=4096),
    "dct_norm": _choice("DCT-II normalisation: 'ortho' (orthonormal, librosa/Kaldi/psf), None (scipy's unnormalised 2*sum) or 'htk' (sqrt(2/n_mels) on every coefficient, c0 included: HTK, TensorFlow's mfccs_from_log_mel_spectrograms and Mfcc op; needs dct_type=2)", "ortho", None, "htk", optional=True),
    "lifter": FieldSpec("float", "cepstral lifter L: c_i *= 1 + (L/2) sin(pi i / L); 0 disables (Kaldi, psf use 22)", low=0.0, high=None),
    "energy": _choice("log frame energy: 'replace_c0' (MFCC only; Kaldi/HTK/psf), 'append' (extra last static column) or None", None, "replace_c0", "append", optional=True),
    "energy_source": _choice("what the energy measures: 'raw' (sum of squares after DC removal, before pre-emphasis and window: Kaldi raw_energy), 'windowed' (after the window), 'spectrum' (sum of the spectrum bins: python_speech_features)", "raw", "windowed", "spectrum"),
    "deltas": FieldSpec("int", "0: static only; 1: add delta; 2: add delta and delta-delta", low=0, high=2),
    "delta_width": FieldSpec("int", "delta regression half-width N (frames each side; HTK DELTAWINDOW)", low=1, high=MAX_DELTA_WIDTH),
    "drop_last_frame": FieldSpec("bool", "with center: drop the last frame, n_samples // hop_length frames (openai-whisper and transformers' stft[..., :-1])"),
    "log_offset": FieldSpec("float", "spectral values after the log and top_db become (x + log_offset) * log_scale, before the DCT (Whisper: 4)", low=None, high=None),
    "log_scale": FieldSpec("float", "see log_offset; a multiplication (Whisper's / 4 is log_scale=0.25)", low=0.0, high=None, low_open=True),
    "normalize": _choice("'per_feature': each spectral column minus its mean over the signal's frames, divided by its standard deviation (n - 1 denominator) + 1e-5 (NeMo normalize='per_feature'); kind 'logmel' or 'power' without deltas; needs the whole signal, so Stream refuses it (fastfeat.stream.window_step applies it per window)", None, "per_feature", optional=True),
    "blackman_coeff": FieldSpec("float", "a0 of the generalised Blackman window a0 - 0.5 cos x + (0.5 - a0) cos 2x (Kaldi --blackman-coeff); only window='blackman' uses it", low=0.0, high=1.0),
    "vtln_warp": FieldSpec("float", "VTLN warp factor: every mel point is moved by Kaldi's piecewise-linear VtlnWarpFreq (Hz scaled by 1/vtln_warp between the inflection points); 1 disables", low=0.0, high=10.0, low_open=True),
    "vtln_low": FieldSpec("float", "lower VTLN inflection point in Hz (Kaldi --vtln-low); with vtln_warp != 1 it must be above fmin", low=0.0, high=None),
    "vtln_high": FieldSpec("float", "upper VTLN inflection point in Hz; negative: that many Hz below sample_rate/2 (Kaldi --vtln-high); with vtln_warp != 1 it must be below fmax", low=None, high=None),
    "window_centered": FieldSpec("bool", "when center is False: frames span n_fft samples with the frame_length window centred in them, zeros outside, so 1 + (N - n_fft) // hop_length frames (librosa center=False); needs snip_edges=True, pad_end=False. center=True always centres the window"),
    "dct_type": FieldSpec("int", "DCT type as scipy.fft.dct: 2 (MFCC), 3 (its inverse; HTK-style in librosa) or 1 (needs n_mels >= 2); dct_norm applies to each", low=1, high=3),
    "mel_pnorm": FieldSpec("float", "divide each filter by its p-norm over the FFT bins (librosa norm=p, librosa.util.normalize); None: off; needs mel_norm=None", low=0.0, high=None, low_open=True, optional=True),
    "mel_first_bin": _choice("None: the filters read every FFT bin their triangles cover; 'htk': the bins below int(fmin / bin_width + 1.5) read nothing: the DC, and the bin nearest fmin even where the first triangle covers it (HTK's klo, TensorFlow's Mfcc op)", None, "htk", optional=True),
}


@dataclass(frozen=True)
class _Ms:
    """A duration a Config turns into samples at its own sample_rate (and again after replace).

    ``frame_length=None`` / ``hop_length=None`` mean ``_Ms(25)`` / ``_Ms(10)``,
    rounded down as Kaldi does (``int(sr * 0.001 * ms)``); the
    python_speech_features preset rounds half up, as its ``framesig`` does.
    """

    ms: float
    rounding: str = "down"  # "down" (Kaldi) or "half_up" (python_speech_features)

    def samples(self, sample_rate: int) -> int:
        exact = sample_rate * 0.001 * self.ms
        n = int(exact) if self.rounding == "down" else int(math.floor(exact + 0.5))
        return max(1, n)


# What a None (or a preset's _Ms) in these fields stands for; n_fft None is the
# next power of two >= frame_length.
_DURATIONS = {"frame_length": _Ms(25.0), "hop_length": _Ms(10.0)}


def _next_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


@dataclass(frozen=True, repr=False)
class Config:
    """Every parameter of the feature pipeline, frozen and validated.

    The defaults are a generic HTK/Kaldi-style front end: 25 ms frames every
    10 ms *at any sample rate* (``frame_length``, ``hop_length`` and ``n_fft``
    default to None, resolved from ``sample_rate``: 400 / 160 / 512 at the
    default 16 kHz, 1102 / 441 / 2048 at 44.1 kHz; pass sample counts to fix
    them), Hamming window, pre-emphasis 0.97, 40 mel filters, 13 MFCCs.
    Fields resolved from the rate follow it: ``cfg.replace(sample_rate=8000)``
    gives 25 ms frames again.  ``Config.preset(name)`` gives the convention of
    librosa, Kaldi or python_speech_features.  ``docs/config.md`` describes
    every field; ``FIELDS[name].describe()`` gives its accepted range.

    Raises
    ------
    TypeError
        A field has the wrong type (e.g. a float for ``n_fft``).
    ValueError
        A field is out of range, or fields contradict each other
        (``frame_length > n_fft``, ``fmax > sample_rate / 2``, ...).  The
        message names the field and the accepted range.

    Examples
    --------
    >>> import fastfeat as ff
    >>> cfg = ff.Config(n_mfcc=20, deltas=2)
    >>> cfg.n_features
    60
    >>> ff.Config.preset("kaldi").window
    'povey'
    >>> c = ff.Config(sample_rate=44100)
    >>> (c.frame_length, c.hop_length, c.n_fft)
    (1102, 441, 2048)
    >>> c.replace(sample_rate=8000).frame_length
    200
    """

    kind: str = "mfcc"
    sample_rate: int = 16000
    frame_length: int | None = None
    hop_length: int | None = None
    n_fft: int | None = None
    window: str = "hamming"
    window_periodic: bool = False
    center: bool = False
    pad_mode: str = "constant"
    snip_edges: bool = True
    pad_end: bool = False
    preemphasis: float = 0.97
    preemphasis_scope: str = "frame"
    remove_dc: bool = False
    dither: float = 0.0
    seed: int = 0
    power: float = 2.0
    spectrum_norm: str | None = None
    n_mels: int = 40
    fmin: float = 0.0
    fmax: float | None = None
    mel_scale: str = "htk"
    mel_norm: str | None = None
    mel_triangles: str = "mel"
    log: str | None = "ln"
    log_floor: float = 1e-10
    log_floor_mode: str = "max"
    top_db: float | None = None
    n_mfcc: int = 13
    dct_norm: str | None = "ortho"
    lifter: float = 0.0
    energy: str | None = None
    energy_source: str = "raw"
    deltas: int = 0
    delta_width: int = 2
    drop_last_frame: bool = False
    log_offset: float = 0.0
    log_scale: float = 1.0
    normalize: str | None = None
    blackman_coeff: float = 0.42
    vtln_warp: float = 1.0
    vtln_low: float = 100.0
    vtln_high: float = -500.0
    window_centered: bool = False
    dct_type: int = 2
    mel_pnorm: float | None = None
    mel_first_bin: str | None = None

    def __post_init__(self) -> None:
        derived: dict[str, Any] = {}  # field -> what it was derived from (replace re-derives it)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _DURATIONS and (value is None or isinstance(value, _Ms)):
                derived[f.name] = value = value or _DURATIONS[f.name]
                value = value.samples(self.sample_rate)  # sample_rate is validated: it comes first
            elif f.name == "n_fft" and value is None:
                derived[f.name] = None
                value = _next_pow2(self.frame_length)
            object.__setattr__(self, f.name, _check_field(f.name, value))
        object.__setattr__(self, "_derived", derived)
        self._check_relations()

    def _check_relations(self) -> None:
        nyquist = self.sample_rate / 2
        n_bins = self.n_fft // 2 + 1
        if self.frame_length > self.n_fft:
            raise ValueError(
                f"frame_length={self.frame_length} is larger than n_fft={self.n_fft}; "
                f"n_fft must be >= frame_length (the frame is zero-padded to n_fft)"
            )
        if self.n_mels > n_bins:
            raise ValueError(
                f"n_mels={self.n_mels} exceeds the {n_bins} FFT bins of n_fft={self.n_fft}; "
                f"n_mels must be in [1, {n_bins}]"
            )
        fmax = self.fmax_hz
        if fmax > nyquist and self.mel_triangles != "hz":  # librosa's filterbank accepts it
            raise ValueError(
                f"fmax={self.fmax} Hz is above the Nyquist frequency {nyquist:g} Hz of "
                f"sample_rate={self.sample_rate}; fmax must be in (fmin, {nyquist:g}] or None"
            )
        if not self.fmin < fmax:
            raise ValueError(
                f"fmin={self.fmin} Hz must be below fmax={fmax:g} Hz; fmin must be in [0, {fmax:g})"
            )
        if self.kind == "mfcc":
            if self.log is None:
                raise ValueError("log=None is not allowed with kind='mfcc': the cepstrum is the DCT of a log spectrum; use log='ln', 'log10' or 'db'")
            if self.n_mfcc > self.n_mels:
                raise ValueError(f"n_mfcc={self.n_mfcc} exceeds n_mels={self.n_mels}; n_mfcc must be in [1, {self.n_mels}]")
        if self.energy == "replace_c0" and self.kind != "mfcc":
            raise ValueError(f"energy='replace_c0' needs kind='mfcc' (got kind={self.kind!r}); use energy='append' or None")
        if self.top_db is not None and self.log is None:
            raise ValueError(f"top_db={self.top_db} needs a log ('db', 'log10' or 'ln'; got log=None); set top_db=None")
        if self.normalize is not None and (self.kind == "mfcc" or self.deltas):
            raise ValueError(f"normalize={self.normalize!r} needs kind='logmel' or 'power' and deltas=0 (got kind="
                             f"{self.kind!r}, deltas={self.deltas}); compute MFCCs or deltas from the normalised features")
        if self.drop_last_frame and not self.center:
            raise ValueError("drop_last_frame=True needs center=True (it is Whisper's rule for centred frames)")
        if self.window_centered and not self.center and (self.pad_end or not self.snip_edges):
            raise ValueError("window_centered=True with center=False needs snip_edges=True and pad_end=False "
                             "(it is librosa's center=False framing)")
        if self.mel_pnorm is not None and self.mel_norm is not None:
            raise ValueError(f"mel_pnorm={self.mel_pnorm} needs mel_norm=None (got mel_norm={self.mel_norm!r}); "
                             f"a filter has one normalisation")
        if self.dct_norm == "htk" and self.dct_type != 2:
            raise ValueError(f"dct_norm='htk' needs dct_type=2 (got dct_type={self.dct_type}); HTK's scaling is "
                             f"defined for the DCT-II; use dct_norm='ortho' or None")
        if self.dct_type == 1 and self.kind == "mfcc" and self.n_mels < 2:
            raise ValueError("dct_type=1 needs n_mels >= 2 (scipy's DCT-I is undefined for one value)")
        if self.pad_end and (self.center or not self.snip_edges):
            raise ValueError("pad_end=True needs center=False and snip_edges=True (it is python_speech_features' framing rule)")
        if self.vtln_warp != 1.0:
            self._check_vtln(fmax)

    def _check_vtln(self, fmax: float) -> None:
        # Kaldi's VtlnWarpFreq asserts these: the warp is then increasing and continuous.
        low, high, w = self.vtln_low, self.vtln_high_hz, self.vtln_warp
        if not self.fmin < low:
            raise ValueError(f"vtln_low={low} Hz must be above fmin={self.fmin} Hz when vtln_warp={w}; "
                             f"vtln_low must be in ({self.fmin}, {fmax:g})")
        if not high < fmax:
            raise ValueError(f"vtln_high={self.vtln_high} ({high:g} Hz) must be below fmax={fmax:g} Hz when "
                             f"vtln_warp={w}; vtln_high must be in (vtln_low, {fmax:g}) Hz, or negative (below Nyquist)")
        if not low * max(1.0, w) < high * min(1.0, w):
            raise ValueError(f"vtln_low={low} and vtln_high={self.vtln_high} leave no middle band at vtln_warp={w}: "
                             f"vtln_low * max(1, vtln_warp) = {low * max(1.0, w):g} Hz must be below "
                             f"vtln_high * min(1, vtln_warp) = {high * min(1.0, w):g} Hz")

    def __repr__(self) -> str:
        """Only the fields that differ from the defaults: ``Config(n_mfcc=20, deltas=2)``."""
        plain = {"frame_length": _DURATIONS["frame_length"].samples(self.sample_rate),
                 "hop_length": _DURATIONS["hop_length"].samples(self.sample_rate),
                 "n_fft": _next_pow2(self.frame_length)}  # what None gives: omitted when equal
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
                   if getattr(self, f.name) != f.default
                   and not (f.name in self._derived and getattr(self, f.name) == plain[f.name])]
        return f"Config({', '.join(changed)})"

    # ---- derived values -------------------------------------------------

    @property
    def fmax_hz(self) -> float:
        """fmax in Hz, with None resolved to sample_rate / 2."""
        return self.sample_rate / 2 if self.fmax is None else self.fmax

    @property
    def vtln_high_hz(self) -> float:
        """vtln_high in Hz, a negative value resolved as an offset below sample_rate / 2 (Kaldi)."""
        return self.sample_rate / 2 + self.vtln_high if self.vtln_high < 0 else self.vtln_high

    @property
    def n_static(self) -> int:
        """Columns before deltas: mfcc/logmel/power bins plus an appended energy."""
        base = {"mfcc": self.n_mfcc, "logmel": self.n_mels, "power": self.n_fft // 2 + 1}[self.kind]
        return base + (1 if self.energy == "append" else 0)

    @property
    def n_features(self) -> int:
        """Columns of every output row: static features times (1 + deltas)."""
        return self.n_static * (1 + self.deltas)

    @property
    def causal(self) -> bool:
        """False when a frame depends on the whole signal (top_db, normalize)."""
        return self.top_db is None and self.normalize is None

    # ---- construction helpers -------------------------------------------

    def replace(self, **changes: Any) -> "Config":
        """A copy with some fields changed, validated again.

        Examples
        --------
        >>> import fastfeat as ff
        >>> ff.Config().replace(n_mfcc=20).n_mfcc
        20

        Frame sizes that were derived from the sample rate are derived again:

        >>> ff.Config().replace(sample_rate=48000).hop_length
        480
        """
        _check_names(changes)
        return dataclasses.replace(self, **{**self._derived, **changes})

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "Config":
        """The named convention, with ``overrides`` applied.

        Parameters
        ----------
        name : {"default", "librosa", "kaldi", "python_speech_features", "torchaudio", "whisper", "nemo", "speechbrain", "speechbrain_mfcc", "tensorflow", "tensorflow_tutorial", "tensorflow_speech_commands"}
            ``"librosa"`` is librosa.feature.mfcc/melspectrogram with librosa's
            own defaults (22050 Hz, n_fft 2048, hop 512, Hann, centred, Slaney
            mel, dB with top_db=80, 20 MFCC); ``"kaldi"`` is
            kaldi-native-fbank's MfccOptions; ``"python_speech_features"`` is
            python_speech_features.mfcc; ``"torchaudio"`` is
            torchaudio.transforms.MFCC (n_fft 400, hop 200, periodic Hann,
            centred with reflect padding, 128 HTK mel, dB with top_db=80, 40
            MFCC; ``kind="logmel", log=None, top_db=None`` gives its MelSpectrogram).
            ``"whisper"`` is the log-mel input of
            openai-whisper and transformers' WhisperFeatureExtractor (80 mel;
            ``n_mels=128`` for large-v3); ``"nemo"`` is NeMo's
            AudioToMelSpectrogramPreprocessor; ``"speechbrain"`` is
            speechbrain.lobes.features.Fbank() and ``"speechbrain_mfcc"`` its
            MFCC() before the context window (fastfeat.compat.speechbrain).
            ``"tensorflow"`` is tf.signal's MFCC recipe (stft, ``abs``,
            linear_to_mel_weight_matrix, log(x + 1e-6),
            mfccs_from_log_mel_spectrograms; ``kind="logmel"`` for the
            log-mel), ``"tensorflow_tutorial"`` the magnitude spectrogram of
            TensorFlow's simple audio recognition tutorial and
            ``"tensorflow_speech_commands"`` the AudioSpectrogram + Mfcc ops
            of its speech-commands training (fastfeat.compat.tensorflow).
            docs/presets.md has the details.
        **overrides
            Config fields to change, e.g. ``sample_rate=16000``.

        Warnings
        --------
        ``"kaldi"`` **dithers by default**, as Kaldi and kaldi-native-fbank do:
        ``dither=3e-5`` (Kaldi's 1.0 on the int16 scale), seeded, so two runs
        agree but silent frames are not exactly ``log(FLT_EPSILON)``.
        ``fastfeat.compat.kaldi`` defaults to ``dither=0`` instead; pass
        ``dither=0.0`` here for the same numbers as it.

        Examples
        --------
        >>> import fastfeat as ff
        >>> cfg = ff.Config.preset("librosa", sample_rate=16000)
        >>> (cfg.n_fft, cfg.center, cfg.mel_scale)
        (2048, True, 'slaney')
        """
        if name not in PRESETS:
            raise ValueError(f"preset {name!r} is unknown; name must be one of {', '.join(map(repr, PRESETS))}")
        _check_names(overrides)
        return cls(**{**PRESETS[name], **overrides})

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON/TOML/HDF5-attribute friendly).

        Frame sizes are the resolved sample counts, so the record reproduces
        the Config at its own sample rate.

        Examples
        --------
        >>> import fastfeat as ff
        >>> d = ff.Config(sample_rate=8000).to_dict()
        >>> d["sample_rate"], d["frame_length"], d["n_fft"]
        (8000, 200, 256)
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "Config":
        """Build from a mapping of field names (unknown names are an error).

        Examples
        --------
        >>> import fastfeat as ff
        >>> cfg = ff.Config(n_mfcc=20, deltas=2)
        >>> ff.Config.from_dict(cfg.to_dict()) == cfg
        True
        >>> ff.Config.from_dict({"n_ceps": 20})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: unknown Config field(s) n_ceps; valid fields: kind, sample_rate, ...
        """
        _check_names(values)
        return cls(**values)


def _check_names(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown Config field(s) {', '.join(unknown)}; valid fields: {', '.join(FIELDS)}")


def _check_field(name: str, value: Any) -> Any:
    spec = FIELDS[name]
    if value is None:
        if spec.optional:
            return None
        raise TypeError(f"{name}=None is not accepted; {name} must be {spec.describe()}")
    if spec.kind == "choice":
        if isinstance(value, str) and value in spec.choices:
            return value
        raise ValueError(f"{name}={value!r} is not valid; {name} must be {spec.describe()}")
    if spec.kind == "bool":
        if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
            return bool(value)  # Python or NumPy boolean
        raise TypeError(f"{name}={value!r} must be {spec.describe()}")
    if spec.kind == "int":
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise TypeError(f"{name}={value!r} must be {spec.describe()}")
        value = int(value.__index__())
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            raise TypeError(f"{name}={value!r} must be {spec.describe()}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name}={value!r} is not finite; {name} must be {spec.describe()}")
    too_low = spec.low is not None and (value <= spec.low if spec.low_open else value < spec.low)
    too_high = spec.high is not None and (value >= spec.high if spec.high_open else value > spec.high)
    if too_low or too_high:
        raise ValueError(f"{name}={value!r} is out of range; {name} must be {spec.describe()}")
    return value


PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "librosa": dict(
        sample_rate=22050, frame_length=2048, hop_length=512, n_fft=2048,
        window="hann", window_periodic=True, center=True, pad_mode="constant",
        preemphasis=0.0, power=2.0, n_mels=128, fmin=0.0, fmax=None,
        mel_scale="slaney", mel_norm="slaney", mel_triangles="hz",
        log="db", log_floor=1e-10, top_db=80.0, n_mfcc=20, dct_norm="ortho", lifter=0.0,
        window_centered=True,
    ),
    # kaldi and python_speech_features count frames in ms (and round n_fft up to a
    # power of two: knf round_to_power_of_two, psf's calculate_nfft), so their sizes
    # follow sample_rate; librosa counts in samples at every rate.
    "kaldi": dict(
        sample_rate=16000, frame_length=None, hop_length=None, n_fft=None,
        window="povey", window_periodic=False, center=False, snip_edges=True,
        preemphasis=0.97, preemphasis_scope="frame", remove_dc=True, dither=3e-05,
        power=2.0, n_mels=23, fmin=20.0, fmax=None, mel_scale="htk", mel_norm=None,
        mel_triangles="mel", log="ln", log_floor=FLOAT32_EPS, n_mfcc=13, dct_norm="ortho",
        lifter=22.0, energy="replace_c0", energy_source="raw",
    ),
    "python_speech_features": dict(
        sample_rate=16000, frame_length=_Ms(25.0, "half_up"), hop_length=_Ms(10.0, "half_up"), n_fft=None,
        window="rectangular", center=False, snip_edges=True, pad_end=True,
        preemphasis=0.97, preemphasis_scope="signal", power=2.0, spectrum_norm="n_fft",
        n_mels=26, fmin=0.0, fmax=None, mel_scale="htk", mel_norm=None, mel_triangles="bin",
        log="ln", log_floor=FLOAT64_EPS, log_floor_mode="zero", n_mfcc=13, dct_norm="ortho", lifter=22.0,
        energy="replace_c0", energy_source="spectrum",
    ),
    # openai-whisper log_mel_spectrogram / transformers WhisperFeatureExtractor
    # (n_mels=128 for large-v3): log10, max(x, x.max() - 8), (x + 4) / 4.
    "whisper": dict(
        kind="logmel", sample_rate=16000, frame_length=400, hop_length=160, n_fft=400,
        window="hann", window_periodic=True, center=True, pad_mode="reflect", drop_last_frame=True,
        preemphasis=0.0, power=2.0, n_mels=80, fmin=0.0, fmax=None,
        mel_scale="slaney", mel_norm="slaney", mel_triangles="hz",
        log="log10", log_floor=1e-10, top_db=80.0, log_offset=4.0, log_scale=0.25,
    ),
    # NeMo AudioToMelSpectrogramPreprocessor defaults (eval mode: no dither);
    # Parakeet/Canary: frame_length=400, n_mels=80 or 128
    "nemo": dict(
        kind="logmel", sample_rate=16000, frame_length=320, hop_length=160, n_fft=512,
        window="hann", window_periodic=False, center=True, pad_mode="constant", drop_last_frame=True,
        preemphasis=0.97, preemphasis_scope="signal", power=2.0, n_mels=64, fmin=0.0, fmax=None,
        mel_scale="slaney", mel_norm="slaney", mel_triangles="hz",
        log="ln", log_floor=2.0 ** -24, log_floor_mode="add", normalize="per_feature",
    ),
    # torchaudio.transforms.MFCC() defaults (its MelSpectrogram: kind="logmel", log=None, top_db=None)
    "torchaudio": dict(
        sample_rate=16000, frame_length=400, hop_length=200, n_fft=400,
        window="hann", window_periodic=True, center=True, pad_mode="reflect",
        preemphasis=0.0, power=2.0, n_mels=128, fmin=0.0, fmax=None,
        mel_scale="htk", mel_norm=None, mel_triangles="hz",
        log="db", log_floor=1e-10, top_db=80.0, n_mfcc=40, dct_norm="ortho", lifter=0.0,
    ),
    # speechbrain.lobes.features.Fbank() defaults: periodic Hamming, centred zero padding,
    # power, 40 HTK-mel filters symmetric in Hz, 10 log10(max(x, 1e-10)) with top_db=80
    "speechbrain": dict(
        kind="logmel", sample_rate=16000, frame_length=400, hop_length=160, n_fft=400,
        window="hamming", window_periodic=True, center=True, pad_mode="constant",
        preemphasis=0.0, power=2.0, n_mels=40, fmin=0.0, fmax=None,
        mel_scale="htk", mel_norm=None, mel_triangles="hz_symmetric",
        log="db", log_floor=1e-10, top_db=80.0,
    ),
}
# speechbrain.lobes.features.MFCC() defaults before its context window
# (fastfeat.compat.speechbrain.context_window stacks the 5 + 1 + 5 frames)
PRESETS["speechbrain_mfcc"] = dict(
    PRESETS["speechbrain"], kind="mfcc", n_mels=23, n_mfcc=20, dct_norm="ortho", lifter=0.0,
    deltas=2, delta_width=2,
)

# TensorFlow 2.21: tf.signal.stft (periodic Hann, no centring, fft_length the next power
# of two) -> tf.abs -> linear_to_mel_weight_matrix (HTK mel, triangles in mel) ->
# tf.math.log(x + 1e-6) -> mfccs_from_log_mel_spectrograms (DCT-II * rsqrt(2 N))[..., :13],
# with the sizes of that docstring's example (1024 / 256 at 16 kHz, 80 bins 80 - 7600 Hz).
# TF's hann_window(periodic=True) of an odd length is the symmetric window: its
# frame_length=255 tutorial needs window_periodic=False.
_TF_SIGNAL = dict(
    kind="mfcc", sample_rate=16000, frame_length=1024, hop_length=256, n_fft=1024,
    window="hann", window_periodic=True, center=False, snip_edges=True,
    preemphasis=0.0, power=1.0, n_mels=80, fmin=80.0, fmax=7600.0,
    mel_scale="htk", mel_norm=None, mel_triangles="mel",
    log="ln", log_floor=1e-6, log_floor_mode="add", n_mfcc=13, dct_norm="htk", lifter=0.0,
)
PRESETS["tensorflow"] = _TF_SIGNAL
# the "simple audio recognition" tutorial: tf.abs(tf.signal.stft(x, frame_length=255, frame_step=128))
PRESETS["tensorflow_tutorial"] = dict(
    kind="power", sample_rate=16000, frame_length=255, hop_length=128, n_fft=256,
    window="hann", window_periodic=False, center=False, snip_edges=True, preemphasis=0.0, power=1.0,
    log=None,
)
# tf.raw_ops.AudioSpectrogram(window_size=480, stride=160, magnitude_squared=True) -> tf.raw_ops.Mfcc
# with its defaults (the speech-commands / micro-speech training): the Mfcc op's filterbank takes
# the square root (so power 1), skips the bins below int(fmin / bin_width + 1.5), logs with a
# 1e-12 floor and scales its DCT-II by sqrt(2 / channels).
PRESETS["tensorflow_speech_commands"] = dict(
    kind="mfcc", sample_rate=16000, frame_length=480, hop_length=160, n_fft=512,
    window="hann", window_periodic=True, center=False, snip_edges=True,
    preemphasis=0.0, power=1.0, n_mels=40, fmin=20.0, fmax=4000.0,
    mel_scale="htk", mel_norm=None, mel_triangles="mel", mel_first_bin="htk",
    log="ln", log_floor=1e-12, log_floor_mode="max", n_mfcc=13, dct_norm="htk", lifter=0.0,
)


def fields_markdown() -> str:
    """The table of docs/config.md: every field, its default, range and meaning.

    docs/config.md embeds this table verbatim (a test checks it), so the page
    and the validation messages come from the same metadata.

    Examples
    --------
    >>> from fastfeat.config import fields_markdown
    >>> fields_markdown().splitlines()[2]
    "| `kind` | `'mfcc'` | one of 'mfcc', 'logmel', 'power' | what Extractor/Stream emit |"
    """
    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    lines = ["| field | default | accepts | meaning |", "| --- | --- | --- | --- |"]
    for name, spec in FIELDS.items():
        doc = spec.doc.replace("|", "\\|")
        lines.append(f"| `{name}` | `{defaults[name]!r}` | {spec.describe()} | {doc} |")
    return "\n".join(lines) + "\n"
