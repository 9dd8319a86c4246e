"""Numba backend: the C engine (csrc/) written a second time, in Numba.

The same entry points as the Cython binding ``fastfeat._engine`` (``check_config``,
``Engine``, ``StreamState``, ``delta``, ``strerror``, ``EngineError``), so the
Python layer can use either.  Two purposes (issue 6): a backend that needs no
compiler (FASTFEAT_BACKEND=numba: never chosen silently), and a second, readable implementation of every
stage that cross-checks the C code.

How it mirrors the C engine
---------------------------
* Stage by stage and field by field: framing (frame.c), dither, DC removal,
  energies, pre-emphasis, windows (frontend.c), mel banks built in float64 and
  stored as float32 (mel.c), log with floor modes, DCT (types 1-3) with the lifter
  folded in (cepstrum.c), deltas (delta.c), top_db's two passes (pipeline.c)
  and the streaming state machine (stream.c).  Every kernel computes in
  float32 with the same operations in the same order as the C code, so
  results differ from C only through the FFT (a different algorithm) and
  the log (libm's ``logf`` here, a Cephes polynomial in C): a few float32
  ulps, more in spectral bins far below their frame's loudest bin.
* The dither is the same counter RNG (splitmix64 + Box-Muller, in float64
  like ``ff_dither_normal``), so dithered features agree too.
* Frames run in blocks of ``LANES`` frames stored structure-of-arrays
  (``buf[i, lane]``) as in C: every stage's inner loop runs across frames,
  which LLVM vectorises.  Lanes never mix, so a frame gives the same bits
  whether it is computed alone (a stream) or in a block (batch): the Numba
  stream equals the Numba batch exactly.
* FFT: an iterative power-of-two complex FFT (Stockham, radix 4, natural
  order in and out).  A real frame of even n is packed into a complex signal
  of n/2 points (even samples real, odd imaginary) and unpacked with one
  twiddle per bin; when n/2 is not a power of two (n_fft
  400, 320, ...) that complex FFT is Bluestein's chirp-z algorithm over a
  power-of-two convolution, computed in float64 so it stays as accurate as
  the C engine's mixed-radix FFT; odd n goes straight through Bluestein.
* Threads: ``Engine.extract(..., threads)`` ignores ``threads`` (one thread
  per signal); every kernel releases the GIL (``nogil=True``), so
  ``Extractor.map`` scales over signals as with the C engine.

All kernels are compiled with ``cache=True``: the first use in a fresh
environment compiles them (15-30 s for batch and stream together), later
processes load them from ``__pycache__`` (or ``NUMBA_CACHE_DIR``) in a few
tenths of a second.  Every config shares one compiled
version: the config reaches the kernels as two small arrays (``ip``, ``fp``)
and the tables as arrays, never as compile-time constants.
"""

from __future__ import annotations

import math
import threading
from collections import namedtuple

import numpy as np
from numba import njit

__all__ = ["check_config", "Engine", "StreamState", "delta", "strerror", "EngineError", "LANES"]

# numpy error model: integer division needs no zero check (which would stop
# vectorisation); every divisor here is validated non-zero by check_config.
_jit = njit(cache=True, nogil=True, error_model="numpy")

LANES = 16  # frames per block (FF_LANES)

# ---- status codes and enums (fastfeat.h) ------------------------------------
OK, E_NOMEM, E_CONFIG, E_ARG, E_NONFINITE, E_TOO_SHORT, E_BUFFER, E_STATE, E_FORMAT = range(9)
_STRERROR = {
    OK: "ok", E_NOMEM: "out of memory", E_CONFIG: "invalid configuration",
    E_ARG: "invalid argument", E_NONFINITE: "signal contains NaN or infinity",
    E_TOO_SHORT: "signal too short for one frame", E_BUFFER: "output buffer too small",
    E_STATE: "call not valid in the current state",
    E_FORMAT: "not a plain PCM or float WAV file",  # only the C engine's WAV reader returns it
}
KIND_MFCC, KIND_LOGMEL, KIND_POWER = 0, 1, 2
WIN_HAMMING, WIN_HANN, WIN_POVEY, WIN_BLACKMAN, WIN_RECTANGULAR = range(5)
PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_SYMMETRIC = 0, 1, 2, 3
PREEMPH_FRAME, PREEMPH_SIGNAL = 0, 1
MEL_HTK, MEL_SLANEY = 0, 1
MELNORM_NONE, MELNORM_SLANEY = 0, 1
TRI_MEL, TRI_HZ, TRI_BIN, TRI_HZ_SYMMETRIC = 0, 1, 2, 3
LOG_NONE, LOG_LN, LOG_LOG10, LOG_DB = 0, 1, 2, 3
FLOOR_MAX, FLOOR_ZERO, FLOOR_ADD = 0, 1, 2
DCT_ORTHO, DCT_NONE, DCT_HTK = 0, 1, 2
FIRSTBIN_ANY, FIRSTBIN_HTK = 0, 1
ENERGY_NONE, ENERGY_REPLACE_C0, ENERGY_APPEND = 0, 1, 2
ESRC_RAW, ESRC_WINDOWED, ESRC_SPECTRUM = 0, 1, 2
MAX_FFT, MAX_MELS, MAX_DELTA_WIDTH = 1 << 20, 4096, 64

_PI = 3.14159265358979323846
_2PI = 6.28318530717958647692
_FLT_MIN = np.float32(1.17549435e-38)
_FLT_MAX = np.float32(3.40282347e38)
_LN_2_128 = np.float32(88.72283935546875)  # what the C log gives for +inf: ln(2^128)
_LOG10_E = np.float32(0.43429448190325176)
_DB_PER_NAT = np.float32(4.3429448190325176)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_U30, _U27, _U31, _U32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_LO32 = np.uint64(0xFFFFFFFF)

# ---- the config as two arrays ----------------------------------------------
# ip: int64, one slot per integer/enum field of ff_config plus derived sizes;
# fp: float64, the float fields (rounded to float32 where ff_config has a float).
_INT_FIELDS = ("kind", "sample_rate", "frame_length", "hop_length", "n_fft", "window",
               "window_periodic", "center", "pad_mode", "snip_edges", "pad_end",
               "preemphasis_scope", "remove_dc", "spectrum_norm", "n_mels", "mel_scale",
               "mel_norm", "mel_triangles", "log", "log_floor_mode", "n_mfcc", "dct_norm",
               "energy", "energy_source", "deltas", "delta_width")
(KIND, SR, FLEN, HOP, NFFT, WINDOW, PERIODIC, CENTER, PAD_MODE, SNIP, PAD_END, PRE_SCOPE,
 REMOVE_DC, SPEC_NORM, N_MELS, MEL_SCALE, MEL_NORM, MEL_TRI, LOG, FLOOR_MODE, N_MFCC,
 DCT_NORM, ENERGY, ESRC, DELTAS, DWIDTH) = range(len(_INT_FIELDS))
# derived: bins, spectral columns, static width, row width, the seed's bits,
# the complex FFT size (n/2 for even n, n for odd), Bluestein's size (0: none)
N_BINS, N_SPEC, N_STATIC, N_FEAT, SEED, FFT_H, FFT_M = range(26, 33)
# window_centered and dct_type, after the derived sizes; then drop_last_frame, mel_first_bin
WIN_CENTERED, DCT_TYPE, DROP_LAST, MEL_FIRST_BIN = 33, 34, 35, 36
_N_IP = 37
_FLOAT32_FIELDS = ("preemphasis", "dither", "power", "log_floor", "top_db", "lifter",
                   "log_offset", "log_scale")
# TOP_DB holds top_db in the units of the log (pipeline.c top_db_units)
PREEMPH, DITHER, POWER, LOG_FLOOR, TOP_DB, LIFTER, FMIN, FMAX, SPEC_SCALE = range(9)
BLACKMAN_COEFF, VTLN_WARP, VTLN_LOW, VTLN_HIGH = range(9, 13)  # doubles in ff_config
MEL_PNORM = 13  # 0: off
LOG_OFFSET, LOG_SCALE = 14, 15
_N_FP = 16

# Immutable tables of one Engine (ff_extractor) and the scratch of one thread
# (ff_workspace).  Unused tables are empty arrays, so every config has the
# same types and shares one compiled kernel.
Tables = namedtuple("Tables", [
    "window",                                    # float32 (frame_length,)
    "mel_start", "mel_len", "mel_off", "mel_w",  # int64 (n_mels,) x 3, float32 (total,)
    "dct",                                       # float32 (n_mfcc, n_mels), lifter folded in
    "twr", "twi",                                # power-of-two FFT: exp(-2 pi i k / h), k < h
    "post_r", "post_i",                          # even n: cos, -sin (2 pi k / n), k <= n/2
    "bs_cr", "bs_ci", "bs_br", "bs_bi", "bs_twr", "bs_twi",  # Bluestein (float64)
])
Work = namedtuple("Work", ["frame", "re", "im", "zr", "zi", "ur", "ui", "br", "bi", "bur", "bui",
                           "mel", "cep", "energy"])


class EngineError(RuntimeError):
    """A status the Python layer did not expect (a bug if it ever shows)."""


def strerror(status: int) -> str:
    """The C engine's description of a status (ff_strerror)."""
    return _STRERROR.get(int(status), "unknown status")


def _f32(v) -> float:
    with np.errstate(over="ignore"):
        return float(np.float32(v))


def check_config(values: dict) -> str | None:
    """None if the engine accepts the config, else the name of the bad field
    (ff_config_check, check for check, in the same order)."""
    v = dict(values)
    for name in _FLOAT32_FIELDS:  # ff_config stores these as float
        v[name] = _f32(v[name])
    fin = math.isfinite
    checks = (
        (0 <= v["kind"] <= 2, "kind"),
        (v["sample_rate"] > 0, "sample_rate"),
        (1 <= v["n_fft"] <= MAX_FFT, "n_fft"),
        (1 <= v["frame_length"] <= v["n_fft"], "frame_length"),
        (v["hop_length"] >= 1, "hop_length"),
        (0 <= v["window"] <= 4, "window"),
        (0 <= v["pad_mode"] <= 3, "pad_mode"),
        (not v["pad_end"] or (not v["center"] and v["snip_edges"]), "pad_end"),
        (fin(v["preemphasis"]) and 0.0 <= v["preemphasis"] <= 1.0, "preemphasis"),
        (v["preemphasis_scope"] in (0, 1), "preemphasis_scope"),
        (fin(v["dither"]) and v["dither"] >= 0.0, "dither"),
        (fin(v["power"]) and 0.0 < v["power"] <= 8.0, "power"),
        (v["spectrum_norm"] in (0, 1), "spectrum_norm"),
        (1 <= v["n_mels"] <= MAX_MELS and v["n_mels"] <= v["n_fft"] // 2 + 1, "n_mels"),
        (fin(v["fmax"]) and 0.0 < v["fmax"] and (v["fmax"] <= 0.5 * v["sample_rate"] or v["mel_triangles"] == TRI_HZ),
         "fmax"),
        (fin(v["fmin"]) and 0.0 <= v["fmin"] < v["fmax"], "fmin"),
        (v["mel_scale"] in (0, 1), "mel_scale"),
        (v["mel_norm"] in (0, 1), "mel_norm"),
        (fin(v["mel_pnorm"]) and v["mel_pnorm"] >= 0.0 and (v["mel_pnorm"] == 0.0 or v["mel_norm"] == 0),
         "mel_pnorm"),
        (0 <= v["mel_triangles"] <= 3, "mel_triangles"),
        (v["mel_first_bin"] in (FIRSTBIN_ANY, FIRSTBIN_HTK), "mel_first_bin"),
        (0 <= v["log"] <= 3, "log"),
        (v["kind"] != KIND_MFCC or v["log"] != LOG_NONE, "log"),
        (fin(v["log_floor"]) and v["log_floor"] > 0.0, "log_floor"),
        (v["log_floor_mode"] in (0, 1, 2), "log_floor_mode"),
        (fin(v["top_db"]) and (v["top_db"] <= 0.0 or v["log"] != LOG_NONE), "top_db"),
        (v["n_mfcc"] >= 1 and (v["kind"] != KIND_MFCC or v["n_mfcc"] <= v["n_mels"]), "n_mfcc"),
        (v["dct_norm"] in (DCT_ORTHO, DCT_NONE, DCT_HTK), "dct_norm"),
        (1 <= v["dct_type"] <= 3, "dct_type"),
        (v["dct_norm"] != DCT_HTK or v["dct_type"] == 2, "dct_norm"),
        (v["dct_type"] != 1 or v["kind"] != KIND_MFCC or v["n_mels"] >= 2, "dct_type"),
        (fin(v["lifter"]) and v["lifter"] >= 0.0, "lifter"),
        (0 <= v["energy"] <= 2, "energy"),
        (v["energy"] != ENERGY_REPLACE_C0 or v["kind"] == KIND_MFCC, "energy"),
        (0 <= v["energy_source"] <= 2, "energy_source"),
        (0 <= v["deltas"] <= 2, "deltas"),
        (1 <= v["delta_width"] <= MAX_DELTA_WIDTH, "delta_width"),
        (v["drop_last_frame"] == 0 or (v["drop_last_frame"] == 1 and v["center"]), "drop_last_frame"),
        (fin(v["log_offset"]), "log_offset"),
        (fin(v["log_scale"]) and v["log_scale"] > 0.0, "log_scale"),
        (fin(v["blackman_coeff"]) and 0.0 <= v["blackman_coeff"] <= 1.0, "blackman_coeff"),
        (fin(v["vtln_warp"]) and 0.0 < v["vtln_warp"] <= 10.0, "vtln_warp"),
        (v["vtln_warp"] == 1.0 or (fin(v["vtln_low"]) and v["vtln_low"] > v["fmin"]), "vtln_low"),
        (v["vtln_warp"] == 1.0 or (fin(v["vtln_high"]) and v["vtln_high"] < v["fmax"] and
                                   v["vtln_low"] * max(1.0, v["vtln_warp"]) < v["vtln_high"] * min(1.0, v["vtln_warp"])),
         "vtln_high"),
        (v["window_centered"] in (0, 1) and (not v["window_centered"] or v["center"]
                                             or (v["snip_edges"] and not v["pad_end"])), "window_centered"),
    )
    for ok, name in checks:
        if not ok:
            return name
    return None


def _pack(values: dict) -> tuple[np.ndarray, np.ndarray]:
    """engine_values(cfg) -> (ip, fp); the config must have passed check_config."""
    ip = np.zeros(_N_IP, np.int64)
    for i, name in enumerate(_INT_FIELDS):
        ip[i] = int(values[name])
    n_fft, n_bins = ip[NFFT], ip[NFFT] // 2 + 1
    ip[N_BINS] = n_bins
    ip[N_SPEC] = {KIND_MFCC: ip[N_MFCC], KIND_LOGMEL: ip[N_MELS], KIND_POWER: n_bins}[int(ip[KIND])]
    ip[N_STATIC] = ip[N_SPEC] + (1 if ip[ENERGY] == ENERGY_APPEND else 0)
    ip[N_FEAT] = ip[N_STATIC] * (1 + ip[DELTAS])
    ip[SEED] = np.array([int(values["seed"])], np.uint64).view(np.int64)[0]
    ip[WIN_CENTERED], ip[DCT_TYPE] = int(values["window_centered"]), int(values["dct_type"])
    ip[DROP_LAST] = int(values["drop_last_frame"])
    ip[MEL_FIRST_BIN] = int(values["mel_first_bin"])
    h = n_fft // 2 if n_fft % 2 == 0 else n_fft
    ip[FFT_H] = h
    if n_fft % 2 == 0 and (h & (h - 1)) == 0:
        ip[FFT_M] = 0  # a power-of-two FFT
    else:  # Bluestein: the smallest power of two >= 2h - 1
        ip[FFT_M] = 1 << int(2 * h - 2).bit_length()
    fp = np.zeros(_N_FP, np.float64)
    fp[PREEMPH], fp[DITHER], fp[POWER] = (_f32(values[k]) for k in ("preemphasis", "dither", "power"))
    fp[LOG_FLOOR], fp[TOP_DB], fp[LIFTER] = (_f32(values[k]) for k in ("log_floor", "top_db", "lifter"))
    if ip[LOG] == LOG_LOG10:  # top_db_units: Whisper's 8 is top_db=80 with log10
        fp[TOP_DB] = _f32(fp[TOP_DB] / 10.0)
    elif ip[LOG] == LOG_LN:
        fp[TOP_DB] = _f32(fp[TOP_DB] * math.log(10.0) / 10.0)
    fp[LOG_OFFSET], fp[LOG_SCALE] = _f32(values["log_offset"]), _f32(values["log_scale"])
    fp[FMIN], fp[FMAX] = float(values["fmin"]), float(values["fmax"])
    fp[MEL_PNORM] = float(values["mel_pnorm"])
    fp[SPEC_SCALE] = _f32(1.0 / _f32(n_fft)) if values["spectrum_norm"] == 1 else 1.0
    for i, name in ((BLACKMAN_COEFF, "blackman_coeff"), (VTLN_WARP, "vtln_warp"),
                    (VTLN_LOW, "vtln_low"), (VTLN_HIGH, "vtln_high")):
        fp[i] = float(values[name])
    return ip, fp


# ---- frame arithmetic (frame.c) ---------------------------------------------

@_jit
def _num_frames(ip, n):
    """Frames a signal of n samples yields (0 when too short); ff_num_frames."""
    hop, flen, nfft = ip[HOP], ip[FLEN], ip[NFFT]
    if n <= 0:
        return 0
    if ip[CENTER]:
        return 1 + (n + 2 * (nfft // 2) - nfft) // hop - (1 if ip[DROP_LAST] else 0)
    if ip[WIN_CENTERED]:
        return 0 if n < nfft else 1 + (n - nfft) // hop
    if not ip[SNIP]:
        return (n + hop // 2) // hop
    if ip[PAD_END]:
        return 1 if n <= flen else 1 + (n - flen + hop - 1) // hop
    return 0 if n < flen else 1 + (n - flen) // hop


@_jit
def _frame_start(ip, f):
    """Signal index of the first sample of frame f (negative with padding)."""
    hop, flen, nfft = ip[HOP], ip[FLEN], ip[NFFT]
    if ip[CENTER]:
        return f * hop - (nfft // 2 - (nfft - flen) // 2)
    if ip[WIN_CENTERED]:
        return f * hop + (nfft - flen) // 2
    if not ip[SNIP]:
        return f * hop + hop // 2 - flen // 2
    return f * hop


@_jit
def _mirror(r, n, symmetric):
    """Period-p mirror of r onto [0, n): reflect (p = 2n - 2) or symmetric (p = 2n)."""
    p = 2 * n if symmetric else 2 * n - 2
    if p == 0:
        return 0
    m = r % p  # floor modulo: already in [0, p)
    if m < n:
        return m
    return p - 1 - m if symmetric else p - m


@_jit
def _map_index(ip, r, n):
    """Signal sample that supplies index r of an n-sample signal, or -1 for a zero."""
    if 0 <= r < n:
        return r
    if n <= 0:
        return -1
    if ip[CENTER]:
        mode = ip[PAD_MODE]
        if mode == PAD_EDGE:
            return 0 if r < 0 else n - 1
        if mode == PAD_REFLECT:
            return _mirror(r, n, False)
        if mode == PAD_SYMMETRIC:
            return _mirror(r, n, True)
        return -1
    if not ip[SNIP]:
        return _mirror(r, n, True)
    return -1  # pad_end: zeros


# ---- signal samples: dither and signal-scope pre-emphasis (pipeline.c) ------

@_jit
def _mix64(z):
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@_jit
def _dither_normal(seed, index):
    """Standard normal deviate for (seed, sample index): ff_dither_normal."""
    bits = _mix64(_mix64(seed) + _GOLDEN * np.uint64(index))
    u1 = (np.float64(bits >> _U32) + 1.0) / 4294967296.0  # (0, 1]
    u2 = np.float64(bits & _LO32) / 4294967296.0          # [0, 1)
    return np.float32(math.sqrt(-2.0 * math.log(u1)) * math.cos(_2PI * u2))


@_jit
def _dithered(fp, seed, x, x0, m):
    """Signal sample m (held in x, which starts at index x0) after dither."""
    v = x[m - x0] if x0 <= m < x0 + x.shape[0] else np.float32(0.0)
    d = np.float32(fp[DITHER])
    if d > np.float32(0.0):
        v += d * _dither_normal(seed, m)
    return v


@_jit
def _value_at(ip, fp, seed, x, x0, total, r):
    """Value at signal index r after edge mapping, dither and signal pre-emphasis."""
    m = _map_index(ip, r, total)
    if m < 0:
        return np.float32(0.0)
    v = _dithered(fp, seed, x, x0, m)
    coef = np.float32(fp[PREEMPH])
    if ip[PRE_SCOPE] == PREEMPH_SIGNAL and coef != np.float32(0.0) and m > 0:
        v -= coef * _dithered(fp, seed, x, x0, m - 1)
    return v


@_jit
def _gather(ip, fp, x, x0, total, f0, lanes, buf):
    """buf[i, l] = sample i of frame f0 + l.  x holds signal indices [x0, x0 + len(x))
    of a signal of `total` samples."""
    flen = ip[FLEN]
    coef = np.float32(fp[PREEMPH])
    signal_pre = ip[PRE_SCOPE] == PREEMPH_SIGNAL and coef != np.float32(0.0)
    seed = np.uint64(ip[SEED])
    xend = x0 + x.shape[0]
    for l in range(lanes):
        start = _frame_start(ip, f0 + l)
        need_lo = start - 1 if signal_pre and start > 0 else start
        if fp[DITHER] == 0.0 and start >= 0 and start + flen <= total and need_lo >= x0 \
                and start + flen <= xend:
            o = start - x0  # inside the signal and held: no mapping, no dither
            if not signal_pre:
                for i in range(flen):
                    buf[i, l] = x[o + i]
            else:
                buf[0, l] = x[o] - coef * x[o - 1] if start > 0 else x[o]
                for i in range(1, flen):
                    buf[i, l] = x[o + i] - coef * x[o + i - 1]
        else:
            for i in range(flen):
                buf[i, l] = _value_at(ip, fp, seed, x, x0, total, start + i)


# ---- frame stages (frontend.c) ----------------------------------------------

@_jit
def _remove_dc(buf, flen, lanes):
    for l in range(lanes):
        mean = np.float32(0.0)
        for i in range(flen):
            mean += buf[i, l]
        mean /= np.float32(flen)
        for i in range(flen):
            buf[i, l] -= mean


@_jit
def _sum_squares(buf, flen, lanes, acc):
    for l in range(lanes):
        acc[l] = np.float32(0.0)
    for i in range(flen):
        for l in range(lanes):
            v = buf[i, l]
            acc[l] += v * v


@_jit
def _preemph_frame(buf, flen, lanes, coef):
    """Kaldi's in-frame pre-emphasis: x[i] -= c x[i-1] (i >= 1), x[0] -= c x[0]."""
    for i in range(flen - 1, 0, -1):
        for l in range(lanes):
            buf[i, l] -= coef * buf[i - 1, l]
    for l in range(lanes):
        buf[0, l] -= coef * buf[0, l]


@_jit
def _window_apply(buf, w, flen, nfft, lanes):
    for i in range(flen):
        wi = w[i]
        for l in range(lanes):
            buf[i, l] *= wi
    for i in range(flen, nfft):
        for l in range(lanes):
            buf[i, l] = np.float32(0.0)


@_jit
def _spectrum(re, im, n_bins, lanes, power, scale, energy, want_energy):
    """re = (re^2 + im^2)^(power/2) * scale in place; energy = its sum over bins."""
    if power == np.float32(2.0):
        for k in range(n_bins):
            for l in range(lanes):
                re[k, l] = (re[k, l] * re[k, l] + im[k, l] * im[k, l]) * scale
    elif power == np.float32(1.0):
        for k in range(n_bins):
            for l in range(lanes):
                re[k, l] = np.sqrt(re[k, l] * re[k, l] + im[k, l] * im[k, l]) * scale
    else:
        half = np.float32(0.5) * power
        for k in range(n_bins):
            for l in range(lanes):
                re[k, l] = (re[k, l] * re[k, l] + im[k, l] * im[k, l]) ** half * scale
    if want_energy:
        for l in range(lanes):
            energy[l] = np.float32(0.0)
        for k in range(n_bins):
            for l in range(lanes):
                energy[l] += re[k, l]


@_jit
def _log1(v, mode, lowest, thresh):
    """ff_log_apply for one value: values below thresh become lowest (the floor
    raised to FLT_MIN; NaN too), +inf gives ln(2^128) as the C polynomial does."""
    if not v >= thresh:
        v = lowest
    r = np.float32(np.log(v)) if v <= _FLT_MAX else _LN_2_128
    if mode == LOG_LOG10:
        r = r * _LOG10_E
    elif mode == LOG_DB:
        r = r * _DB_PER_NAT
    return r


@_jit
def _log_apply(v, rows, lanes, mode, floor, fmode):
    """v[:rows, :lanes] = log(max(v, floor)) in the mode's base (ZERO: only v < FLT_MIN)."""
    if mode == LOG_NONE:
        return
    lowest = floor if floor > _FLT_MIN else _FLT_MIN
    thresh = _FLT_MIN if fmode == FLOOR_ZERO else lowest
    add = floor if fmode == FLOOR_ADD else np.float32(0.0)
    for k in range(rows):
        for l in range(lanes):
            v[k, l] = _log1(v[k, l] + add, mode, lowest, thresh)


@_jit
def _log_energy(e, lanes, mode, floor, fmode):
    if mode == LOG_NONE:
        return
    lowest = floor if floor > _FLT_MIN else _FLT_MIN
    thresh = _FLT_MIN if fmode == FLOOR_ZERO else lowest
    add = floor if fmode == FLOOR_ADD else np.float32(0.0)
    for l in range(lanes):
        e[l] = _log1(e[l] + add, mode, lowest, thresh)


# ---- FFT ----------------------------------------------------------------------
# Complex FFTs of a power-of-two size n, `lanes` frames at once, on flat arrays
# holding point j of frame l at [j * lanes + l].  Stockham's self-sorting
# algorithm (natural order in and out), radix 4 with one radix-2 stage when
# log2(n) is odd: each stage reads one buffer and writes the other, and its
# inner loop runs over s * lanes contiguous values (s = the stage's stride).
# The inner loop indexes 1-D views starting at each row, so LLVM sees
# non-negative indices from one base and vectorises it (indexing the whole
# array at `offset + q` defeats that).  tw = exp(-2 pi i k / n), k < n.

@_jit
def _fft_pow2(ar, ai, br, bi, n, lanes, twr, twi):
    """Forward DFT of the first n points in (ar, ai), using (br, bi) as the
    other buffer; returns True when the result is in (br, bi), else (ar, ai)."""
    s = 1
    size = n
    swapped = False
    while size >= 4:  # radix 4: y_4p+k = w^kp sum_j x_p+jq (-i)^jk, q = size/4
        q4 = size // 4
        span = s * lanes
        step = q4 * span
        for p in range(q4):
            w1r, w1i = twr[p * s], twi[p * s]
            w2r, w2i = twr[2 * p * s], twi[2 * p * s]
            w3r, w3i = twr[3 * p * s], twi[3 * p * s]
            i0 = p * span
            o0 = 4 * p * span
            x0r, x0i = ar[i0:], ai[i0:]
            x1r, x1i = ar[i0 + step:], ai[i0 + step:]
            x2r, x2i = ar[i0 + 2 * step:], ai[i0 + 2 * step:]
            x3r, x3i = ar[i0 + 3 * step:], ai[i0 + 3 * step:]
            y0r, y0i = br[o0:], bi[o0:]
            y1r, y1i = br[o0 + span:], bi[o0 + span:]
            y2r, y2i = br[o0 + 2 * span:], bi[o0 + 2 * span:]
            y3r, y3i = br[o0 + 3 * span:], bi[o0 + 3 * span:]
            for q in range(span):
                a_r, a_i = x0r[q], x0i[q]
                b_r, b_i = x1r[q], x1i[q]
                c_r, c_i = x2r[q], x2i[q]
                d_r, d_i = x3r[q], x3i[q]
                apc_r, apc_i = a_r + c_r, a_i + c_i
                amc_r, amc_i = a_r - c_r, a_i - c_i
                bpd_r, bpd_i = b_r + d_r, b_i + d_i
                jbd_r, jbd_i = d_i - b_i, b_r - d_r  # i (b - d)
                y0r[q] = apc_r + bpd_r
                y0i[q] = apc_i + bpd_i
                t_r, t_i = amc_r - jbd_r, amc_i - jbd_i
                y1r[q] = w1r * t_r - w1i * t_i
                y1i[q] = w1r * t_i + w1i * t_r
                t_r, t_i = apc_r - bpd_r, apc_i - bpd_i
                y2r[q] = w2r * t_r - w2i * t_i
                y2i[q] = w2r * t_i + w2i * t_r
                t_r, t_i = amc_r + jbd_r, amc_i + jbd_i
                y3r[q] = w3r * t_r - w3i * t_i
                y3i[q] = w3r * t_i + w3i * t_r
        ar, br = br, ar
        ai, bi = bi, ai
        swapped = not swapped
        s *= 4
        size = q4
    if size == 2:  # the last stage, radix 2 (no twiddles)
        span = s * lanes
        x1r, x1i = ar[span:], ai[span:]
        y1r, y1i = br[span:], bi[span:]
        for q in range(span):
            a_r, a_i = ar[q], ai[q]
            b_r, b_i = x1r[q], x1i[q]
            br[q] = a_r + b_r
            bi[q] = a_i + b_i
            y1r[q] = a_r - b_r
            y1i[q] = a_i - b_i
        swapped = not swapped
    return swapped


@_jit
def _bluestein(T, W, nc, m, lanes):
    """Complex DFT of size nc by chirp-z, in float64.  W.br/W.bi hold the input
    times the chirp, zero-padded to m (a power of two >= 2 nc - 1); the result,
    X[k] = c_k (a * b)[k] with c_j = exp(-i pi j^2 / nc), a_j = z_j c_j and
    b_j = conj(c_j), goes to W.zr/W.zi (float32).  The cyclic convolution is
    IFFT(FFT(a) B), B = FFT(b) / m (a table), IFFT(Y) = conj(FFT(conj(Y)))."""
    if _fft_pow2(W.br, W.bi, W.bur, W.bui, m, lanes, T.bs_twr, T.bs_twi):
        r1, i1, r2, i2 = W.bur, W.bui, W.br, W.bi
    else:
        r1, i1, r2, i2 = W.br, W.bi, W.bur, W.bui
    for j in range(m):  # Y = conj(A B)
        pr = T.bs_br[j]
        pi = T.bs_bi[j]
        yr = r1[j * lanes:(j + 1) * lanes]
        yi = i1[j * lanes:(j + 1) * lanes]
        for l in range(lanes):
            xr = yr[l]
            xi = yi[l]
            yr[l] = xr * pr - xi * pi
            yi[l] = -(xr * pi + xi * pr)
    if _fft_pow2(r1, i1, r2, i2, m, lanes, T.bs_twr, T.bs_twi):
        r1, i1 = r2, i2
    for k in range(nc):  # X_k = c_k conj(D_k)
        cr = T.bs_cr[k]
        ci = T.bs_ci[k]
        dr_ = r1[k * lanes:(k + 1) * lanes]
        di_ = i1[k * lanes:(k + 1) * lanes]
        xr = W.zr[k * lanes:(k + 1) * lanes]
        xi = W.zi[k * lanes:(k + 1) * lanes]
        for l in range(lanes):
            dr = dr_[l]
            di = -di_[l]
            xr[l] = np.float32(cr * dr - ci * di)
            xi[l] = np.float32(cr * di + ci * dr)


@_jit
def _rfft(ip, T, W, lanes):
    """Forward real DFT of W.frame[:n_fft, :lanes] into W.re/W.im[:n_fft/2 + 1].
    (Inner loops run over 1-D row views: see the note on _fft_pow2.)"""
    n = ip[NFFT]
    h = ip[FFT_H]
    m = ip[FFT_M]
    frame, re, im = W.frame, W.re, W.im
    br, bi = W.br, W.bi
    if n % 2 == 1:  # odd n: Bluestein on the real frame, bins 0 .. (n-1)/2
        for j in range(n):
            cr = T.bs_cr[j]
            ci = T.bs_ci[j]
            x = frame[j]
            yr = br[j * lanes:(j + 1) * lanes]
            yi = bi[j * lanes:(j + 1) * lanes]
            for l in range(lanes):
                v = np.float64(x[l])
                yr[l] = v * cr
                yi[l] = v * ci
        br[n * lanes:m * lanes] = 0.0
        bi[n * lanes:m * lanes] = 0.0
        _bluestein(T, W, n, m, lanes)
        for k in range(n // 2 + 1):
            xr = W.zr[k * lanes:(k + 1) * lanes]
            xi = W.zi[k * lanes:(k + 1) * lanes]
            yr = re[k]
            yi = im[k]
            for l in range(lanes):
                yr[l] = xr[l]
                yi[l] = xi[l]
        return
    # even n: z_j = x_2j + i x_2j+1 (h points), complex FFT, then unpack.
    zr, zi = W.zr, W.zi
    if m == 0:  # h is a power of two
        for j in range(h):
            xe = frame[2 * j]
            xo = frame[2 * j + 1]
            yr = zr[j * lanes:(j + 1) * lanes]
            yi = zi[j * lanes:(j + 1) * lanes]
            for l in range(lanes):
                yr[l] = xe[l]
                yi[l] = xo[l]
        if _fft_pow2(zr, zi, W.ur, W.ui, h, lanes, T.twr, T.twi):
            zr, zi = W.ur, W.ui
    else:  # Bluestein on the h-point complex signal
        for j in range(h):
            cr = T.bs_cr[j]
            ci = T.bs_ci[j]
            xe = frame[2 * j]
            xo = frame[2 * j + 1]
            yr = br[j * lanes:(j + 1) * lanes]
            yi = bi[j * lanes:(j + 1) * lanes]
            for l in range(lanes):
                xr = np.float64(xe[l])
                xi = np.float64(xo[l])
                yr[l] = xr * cr - xi * ci
                yi[l] = xr * ci + xi * cr
        br[h * lanes:m * lanes] = 0.0
        bi[h * lanes:m * lanes] = 0.0
        _bluestein(T, W, h, m, lanes)
    # X_k = E_k + w^k O_k, E = (Z_k + conj Z_h-k) / 2, O = (Z_k - conj Z_h-k) / 2i
    half = np.float32(0.5)
    for k in range(h + 1):
        o1 = (k if k < h else 0) * lanes
        o2 = (h - k if k > 0 else 0) * lanes
        wr = T.post_r[k]
        wi = T.post_i[k]
        z1r = zr[o1:o1 + lanes]
        z1i = zi[o1:o1 + lanes]
        z2r = zr[o2:o2 + lanes]
        z2i = zi[o2:o2 + lanes]
        xr = re[k]
        xi = im[k]
        for l in range(lanes):
            ar = z1r[l]
            ai = z1i[l]
            cr = z2r[l]
            ci = z2i[l]
            er = half * (ar + cr)
            ei = half * (ai - ci)
            orr = half * (ai + ci)
            oi = half * (cr - ar)
            xr[l] = er + (wr * orr - wi * oi)
            xi[l] = ei + (wr * oi + wi * orr)


# ---- mel bank and DCT (mel.c, cepstrum.c) -----------------------------------

@_jit
def _mel_apply(T, spec, n_mels, lanes, mel):
    for m in range(n_mels):
        s = T.mel_start[m]
        o = T.mel_off[m]
        for l in range(lanes):
            mel[m, l] = np.float32(0.0)
        for j in range(T.mel_len[m]):
            w = T.mel_w[o + j]
            for l in range(lanes):
                mel[m, l] += w * spec[s + j, l]


@_jit
def _dct_apply(T, n_mfcc, n_mels, mel, lanes, cep):
    for k in range(n_mfcc):
        for l in range(lanes):
            cep[k, l] = np.float32(0.0)
        for m in range(n_mels):
            w = T.dct[k, m]
            for l in range(lanes):
                cep[k, l] += w * mel[m, l]


# ---- the block pipeline (pipeline.c) ------------------------------------------

@_jit
def _block_front(ip, fp, T, W, x, x0, total, f0, lanes):
    """Frames f0 .. f0 + lanes - 1 up to the log: returns the logged spectral
    values (W.mel, or W.re for kind power), rows = n_mels or n_bins; the logged
    energy is in W.energy."""
    flen = ip[FLEN]
    want_energy = ip[ENERGY] != ENERGY_NONE
    esrc = ip[ESRC]
    frame = W.frame
    _gather(ip, fp, x, x0, total, f0, lanes, frame)
    if ip[REMOVE_DC]:
        _remove_dc(frame, flen, lanes)
    if want_energy and esrc == ESRC_RAW:
        _sum_squares(frame, flen, lanes, W.energy)
    coef = np.float32(fp[PREEMPH])
    if coef != np.float32(0.0) and ip[PRE_SCOPE] == PREEMPH_FRAME:
        _preemph_frame(frame, flen, lanes, coef)
    _window_apply(frame, T.window, flen, ip[NFFT], lanes)
    if want_energy and esrc == ESRC_WINDOWED:
        _sum_squares(frame, flen, lanes, W.energy)
    _rfft(ip, T, W, lanes)
    _spectrum(W.re, W.im, ip[N_BINS], lanes, np.float32(fp[POWER]), np.float32(fp[SPEC_SCALE]),
              W.energy, want_energy and esrc == ESRC_SPECTRUM)
    floor = np.float32(fp[LOG_FLOOR])
    if ip[KIND] == KIND_POWER:
        spec = W.re
        n_spec = ip[N_BINS]
    else:
        _mel_apply(T, W.re, ip[N_MELS], lanes, W.mel)
        spec = W.mel
        n_spec = ip[N_MELS]
    _log_apply(spec, n_spec, lanes, ip[LOG], floor, ip[FLOOR_MODE])
    if want_energy:
        _log_energy(W.energy, lanes, ip[LOG], floor, ip[FLOOR_MODE])
    return spec


@_jit
def _block_back(ip, fp, T, W, spec, lanes, out, row0):
    """log_offset/log_scale, DCT (mfcc), energy, and rows out[row0 + l, :n_static] for l < lanes."""
    n = ip[N_SPEC]
    off, scale = np.float32(fp[LOG_OFFSET]), np.float32(fp[LOG_SCALE])
    if off != np.float32(0.0) or scale != np.float32(1.0):  # Whisper's (x + 4) / 4
        pre = ip[N_BINS] if ip[KIND] == KIND_POWER else ip[N_MELS]
        for k in range(pre):
            for l in range(lanes):
                spec[k, l] = (spec[k, l] + off) * scale
    cols = spec
    if ip[KIND] == KIND_MFCC:
        _dct_apply(T, ip[N_MFCC], ip[N_MELS], spec, lanes, W.cep)
        if ip[ENERGY] == ENERGY_REPLACE_C0:
            for l in range(lanes):
                W.cep[0, l] = W.energy[l]
        cols = W.cep
    append = ip[ENERGY] == ENERGY_APPEND
    for l in range(lanes):
        r = row0 + l
        for k in range(n):
            out[r, k] = cols[k, l]
        if append:
            out[r, n] = W.energy[l]


@_jit
def _first_nonfinite(x):
    """Index of the first NaN/Inf in x, or -1 (a branch-free scan per chunk)."""
    n = x.shape[0]
    for i0 in range(0, n, 4096):
        i1 = min(i0 + 4096, n)
        bad = 0
        for i in range(i0, i1):
            bad |= 0 if abs(x[i]) <= _FLT_MAX else 1
        if bad:
            for i in range(i0, i1):
                if not abs(x[i]) <= _FLT_MAX:
                    return i
    return -1


@_jit
def _delta_row(src, c0, first, t, last, cols, width, dst, drow, dc0):
    """dst[drow, dc0 + c] = delta of frame t of src columns c0 + c (c < cols),
    src row i holding frame first + i; frame indices clamp to [0, last]
    (ff_delta_row)."""
    denom = np.float32(0.0)
    for k in range(1, width + 1):
        denom += np.float32(k * k)
    inv = np.float32(1.0) / (np.float32(2.0) * denom)
    for c in range(cols):
        dst[drow, dc0 + c] = np.float32(0.0)
    for k in range(1, width + 1):
        tp = t + k if t + k < last else last
        tm = t - k if t - k >= 0 else 0
        fk = np.float32(k)
        a = tp - first
        b = tm - first
        for c in range(cols):
            dst[drow, dc0 + c] += fk * (src[a, c0 + c] - src[b, c0 + c])
    for c in range(cols):
        dst[drow, dc0 + c] *= inv


@_jit
def _extract(ip, fp, T, W, x, out):
    """ff_extract: whole signal x into out rows; returns (status, bad_index)."""
    n = x.shape[0]
    bad = _first_nonfinite(x)
    if bad >= 0:
        return E_NONFINITE, bad
    nf = _num_frames(ip, n)
    if nf <= 0:
        return E_TOO_SHORT, -1
    if out.shape[0] < nf:
        return E_BUFFER, -1
    if ip[LOG] != LOG_NONE and fp[TOP_DB] > 0.0:
        # librosa's top_db: front of every frame into tmp, clip every spectral
        # value to (global max - top_db), then the back end from tmp.
        pre = ip[N_BINS] if ip[KIND] == KIND_POWER else ip[N_MELS]
        tmp = np.empty((nf, pre + 1), np.float32)
        for f in range(0, nf, LANES):
            lanes = min(LANES, nf - f)
            spec = _block_front(ip, fp, T, W, x, 0, n, f, lanes)
            for l in range(lanes):
                for k in range(pre):
                    tmp[f + l, k] = spec[k, l]
                tmp[f + l, pre] = W.energy[l]
        mx = -_FLT_MAX
        for f in range(nf):
            for k in range(pre):
                if tmp[f, k] > mx:
                    mx = tmp[f, k]
        lo = mx - np.float32(fp[TOP_DB])
        for f in range(nf):
            for k in range(pre):
                if tmp[f, k] < lo:
                    tmp[f, k] = lo
        spec = W.re if ip[KIND] == KIND_POWER else W.mel
        for f in range(0, nf, LANES):
            lanes = min(LANES, nf - f)
            for l in range(lanes):
                for k in range(pre):
                    spec[k, l] = tmp[f + l, k]
                W.energy[l] = tmp[f + l, pre]
            _block_back(ip, fp, T, W, spec, lanes, out, f)
    else:
        for f in range(0, nf, LANES):
            lanes = min(LANES, nf - f)
            spec = _block_front(ip, fp, T, W, x, 0, n, f, lanes)
            _block_back(ip, fp, T, W, spec, lanes, out, f)
    ns = ip[N_STATIC]
    for d in range(1, ip[DELTAS] + 1):
        for t in range(nf):
            _delta_row(out, (d - 1) * ns, 0, t, nf - 1, ns, ip[DWIDTH], out, t, d * ns)
    return OK, -1


@_jit
def _delta(x, order, width, out):
    """ff_delta over a whole (rows, cols) array; returns the status."""
    rows, cols = x.shape
    if order < 1 or order > 2 or width < 1 or width > MAX_DELTA_WIDTH:
        return E_ARG
    if out.shape[0] != rows or out.shape[1] != cols:
        return E_ARG
    if rows == 0 or cols == 0:
        return OK
    if order == 1:
        for t in range(rows):
            _delta_row(x, 0, 0, t, rows - 1, cols, width, out, t, 0)
        return OK
    scratch = np.empty((rows, cols), np.float32)
    for t in range(rows):
        _delta_row(x, 0, 0, t, rows - 1, cols, width, scratch, t, 0)
    for t in range(rows):
        _delta_row(scratch, 0, 0, t, rows - 1, cols, width, out, t, 0)
    return OK


# ---- tables (ff_extractor_new) ------------------------------------------------

@_jit
def _hz_to_mel(f, scale):
    if scale == MEL_HTK:
        return 2595.0 * math.log10(1.0 + f / 700.0)
    if f < 1000.0:  # Slaney: linear below 1 kHz (200/3 Hz per mel), logarithmic above
        return f / (200.0 / 3.0)
    return 15.0 + math.log(f / 1000.0) / (math.log(6.4) / 27.0)


@_jit
def _mel_to_hz(m, scale):
    if scale == MEL_HTK:
        return 700.0 * (math.pow(10.0, m / 2595.0) - 1.0)
    if m < 15.0:
        return m * (200.0 / 3.0)
    return 1000.0 * math.exp((math.log(6.4) / 27.0) * (m - 15.0))


@_jit
def _mel_weight(ip, mel, hz, bins, m, k):
    """Dense weight of filter m at FFT bin k (float64), per the triangle convention."""
    f = np.float64(k) * ip[SR] / ip[NFFT]
    if ip[MEL_FIRST_BIN] == FIRSTBIN_HTK and k < math.floor(1.5 + hz[0] / (np.float64(ip[SR]) / ip[NFFT])):
        return 0.0  # HTK's klo (mel.c weight); hz[0] is fmin
    tri = ip[MEL_TRI]
    if tri == TRI_MEL:
        x = _hz_to_mel(f, ip[MEL_SCALE])
        lo, ce, hi = mel[m], mel[m + 1], mel[m + 2]
    elif tri == TRI_HZ:
        x = f
        lo, ce, hi = hz[m], hz[m + 1], hz[m + 2]
    elif tri == TRI_HZ_SYMMETRIC:  # SpeechBrain: as wide on both sides of point m+1
        x = f
        lo, ce = hz[m], hz[m + 1]
        hi = 2.0 * ce - lo
    else:  # TRI_BIN: python_speech_features' loops, [lo, ce) rising, [ce, hi) falling
        x = np.float64(k)
        lo, ce, hi = bins[m], bins[m + 1], bins[m + 2]
        if x >= lo and x < ce:
            return (x - lo) / (ce - lo)
        if x >= ce and x < hi:
            return (hi - x) / (hi - ce)
        return 0.0
    up = (x - lo) / (ce - lo) if ce > lo else -1.0
    down = (hi - x) / (hi - ce) if hi > ce else -1.0
    x = up if up < down else down
    return x if x > 0.0 else 0.0


@_jit
def _vtln_warp_hz(fp, f):
    """Kaldi's VtlnWarpFreq (mel.c vtln_warp_hz): 1/warp between the inflection points."""
    w, lo, hi = fp[VTLN_WARP], fp[FMIN], fp[FMAX]
    l = fp[VTLN_LOW] * (w if w > 1.0 else 1.0)
    h = fp[VTLN_HIGH] * (w if w < 1.0 else 1.0)
    if f < lo or f > hi:
        return f
    if f < l:
        return lo + (l / w - lo) / (l - lo) * (f - lo)
    if f < h:
        return f / w
    return hi + (hi - h / w) / (hi - h) * (f - hi)


@_jit
def _mel_bank(ip, fp):
    """Sparse triangular filters: (start, len, offset, weights) as ff_melbank_init."""
    n = ip[N_MELS]
    n_bins = ip[NFFT] // 2 + 1
    scale = ip[MEL_SCALE]
    mel = np.empty(n + 2)
    hz = np.empty(n + 2)
    bins = np.empty(n + 2)
    mlo = _hz_to_mel(fp[FMIN], scale)
    mhi = _hz_to_mel(fp[FMAX], scale)
    step = (mhi - mlo) / (n + 1)
    for m in range(n + 2):  # the points: linspace as numpy computes it
        mel[m] = mhi if m == n + 1 else m * step + mlo
        f = _mel_to_hz(mel[m], scale)
        if fp[VTLN_WARP] != 1.0:
            f = _vtln_warp_hz(fp, f)
            mel[m] = _hz_to_mel(f, scale)
        hz[m] = f
        if m == 0:
            hz[m] = fp[FMIN]
        if m == n + 1:
            hz[m] = fp[FMAX]
        bins[m] = math.floor((ip[NFFT] + 1) * f / ip[SR])
    start = np.zeros(n, np.int64)
    length = np.zeros(n, np.int64)
    offset = np.zeros(n, np.int64)
    total = 0
    for m in range(n):  # the non-zero band of each filter
        first = -1
        last = -1
        for k in range(n_bins):
            if _mel_weight(ip, mel, hz, bins, m, k) != 0.0:
                if first < 0:
                    first = k
                last = k
        start[m] = 0 if first < 0 else first
        length[m] = 0 if first < 0 else last - first + 1
        offset[m] = total
        total += length[m]
    weights = np.zeros(max(total, 1), np.float32)
    for m in range(n):
        norm = 1.0
        if ip[MEL_NORM] == MELNORM_SLANEY:
            norm = 2.0 / (hz[m + 2] - hz[m])
        for k in range(length[m]):
            weights[offset[m] + k] = np.float32(norm * _mel_weight(ip, mel, hz, bins, m, start[m] + k))
        if fp[MEL_PNORM] > 0.0:  # librosa.util.normalize(norm=p) (mel.c pnormalize)
            w = weights[offset[m]:offset[m] + length[m]]
            total_p = 0.0
            for k in range(length[m]):
                total_p += abs(np.float64(w[k])) ** fp[MEL_PNORM]
            norm_p = total_p ** (1.0 / fp[MEL_PNORM])
            if norm_p >= 1.17549435e-38:
                for k in range(length[m]):
                    w[k] = np.float32(np.float64(w[k]) / norm_p)
    return start, length, offset, weights


@_jit
def _window_table(ip, fp):
    n = ip[FLEN]
    denom = np.float64(n) if ip[PERIODIC] else np.float64(n - 1)
    w = np.empty(n, np.float32)
    kind = ip[WINDOW]
    for i in range(n):
        a = _2PI * i / denom if denom > 0 else 0.0
        v = 1.0
        if kind == WIN_HAMMING:
            v = 0.54 - 0.46 * math.cos(a)
        elif kind == WIN_HANN:
            v = 0.5 - 0.5 * math.cos(a)
        elif kind == WIN_POVEY:
            v = math.pow(0.5 - 0.5 * math.cos(a), 0.85)
        elif kind == WIN_BLACKMAN:
            v = fp[BLACKMAN_COEFF] - 0.5 * math.cos(a) + (0.5 - fp[BLACKMAN_COEFF]) * math.cos(2.0 * a)
        w[i] = np.float32(v) if denom > 0 else np.float32(1.0)  # a 1-sample window is [1]
    return w


@_jit
def _dct_entry(ip, k, m, lift):
    """Entry (k, m) of the DCT matrix times the lifter weight (cepstrum.c dct_entry)."""
    nm = ip[N_MELS]
    ortho = ip[DCT_NORM] == DCT_ORTHO
    if ip[DCT_TYPE] == 3:
        if m == 0:
            return (math.sqrt(1.0 / nm) if ortho else 1.0) * lift
        return ((math.sqrt(2.0 / nm) if ortho else 2.0) * lift) * math.cos(_PI * (2.0 * k + 1.0) * m / (2.0 * nm))
    if ip[DCT_TYPE] == 1:
        edge_m = m == 0 or m == nm - 1
        edge_k = k == 0 or k == nm - 1
        v = (1.0 if edge_m else 2.0) * math.cos(_PI * float(k) * m / (nm - 1.0))
        if ortho:
            v *= (math.sqrt(2.0) if edge_m else 1.0) * (math.sqrt(0.5) if edge_k else 1.0) / math.sqrt(2.0 * (nm - 1.0))
        return v * lift
    if ip[DCT_NORM] == DCT_HTK:  # sqrt(2/N) for every k (HTK, TensorFlow)
        return (math.sqrt(2.0 / nm) * lift) * math.cos(_PI * k * (2.0 * m + 1.0) / (2.0 * nm))
    return ((math.sqrt((1.0 if k == 0 else 2.0) / nm) if ortho else 2.0) * lift) * \
        math.cos(_PI * k * (2.0 * m + 1.0) / (2.0 * nm))


@_jit
def _dct_table(ip, fp):
    """DCT rows (types 1-3 as scipy.fft.dct, ortho or unnormalised) times the lifter."""
    nc = ip[N_MFCC]
    nm = ip[N_MELS]
    lifter = fp[LIFTER]
    t = np.empty((nc, nm), np.float32)
    for k in range(nc):
        lift = 1.0 + 0.5 * lifter * math.sin(_PI * k / lifter) if lifter > 0.0 else 1.0
        for m in range(nm):
            t[k, m] = np.float32(_dct_entry(ip, k, m, lift))
    return t


def _twiddles(n: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(max(n, 1))
    a = 2.0 * np.pi * k / n
    return np.cos(a).astype(dtype), (-np.sin(a)).astype(dtype)


def _fft_tables(ip: np.ndarray) -> dict:
    """The FFT plan: power-of-two twiddles, or Bluestein's (chirp, FFT of the
    conjugate chirp / m, float64 twiddles); the unpacking twiddles for even n."""
    n, h, m = int(ip[NFFT]), int(ip[FFT_H]), int(ip[FFT_M])
    f32, f64 = np.zeros(0, np.float32), np.zeros(0, np.float64)
    t = dict(twr=f32, twi=f32, post_r=f32, post_i=f32,
             bs_cr=f64, bs_ci=f64, bs_br=f64, bs_bi=f64, bs_twr=f64, bs_twi=f64)
    if n % 2 == 0:
        k = np.arange(h + 1)
        t["post_r"] = np.cos(2.0 * np.pi * k / n).astype(np.float32)
        t["post_i"] = (-np.sin(2.0 * np.pi * k / n)).astype(np.float32)
    if m == 0:
        t["twr"], t["twi"] = _twiddles(h, np.float32)
        return t
    nc = n if n % 2 else h
    j = np.arange(nc, dtype=np.int64)
    ang = np.pi * ((j * j) % (2 * nc)) / nc  # j^2 mod 2nc: exact angles for large j
    chirp = np.exp(-1j * ang)
    b = np.zeros(m, np.complex128)
    b[:nc] = np.conj(chirp)
    b[m - nc + 1:] = np.conj(chirp[1:])[::-1]
    bf = np.fft.fft(b) / m
    t.update(bs_cr=chirp.real.copy(), bs_ci=chirp.imag.copy(),
             bs_br=bf.real.copy(), bs_bi=bf.imag.copy())
    t["bs_twr"], t["bs_twi"] = _twiddles(m, np.float64)
    return t


@_jit
def _cepstral_tables(ip, fp):
    """Window, mel bank and DCT table (ff_extractor_new), in one compiled call
    so that a fresh process loads one cached kernel for them, not three."""
    window = _window_table(ip, fp)
    if ip[KIND] != KIND_POWER:
        start, length, offset, weights = _mel_bank(ip, fp)
    else:
        start = np.zeros(0, np.int64)
        length = np.zeros(0, np.int64)
        offset = np.zeros(0, np.int64)
        weights = np.zeros(0, np.float32)
    dct = _dct_table(ip, fp) if ip[KIND] == KIND_MFCC else np.zeros((0, 0), np.float32)
    return window, start, length, offset, weights, dct


def _tables(ip: np.ndarray, fp: np.ndarray) -> Tables:
    window, start, length, offset, weights, dct = _cepstral_tables(ip, fp)
    return Tables(window=window, mel_start=start, mel_len=length, mel_off=offset,
                  mel_w=weights, dct=dct, **_fft_tables(ip))


def _work(ip: np.ndarray) -> Work:
    """Scratch for one thread (ff_workspace): blocks of LANES frames."""
    def e(rows, dt=np.float32):  # (rows, LANES) blocks
        return np.zeros((max(int(rows), 1), LANES), dt)

    def flat(rows, dt=np.float32):  # FFT buffers: rows * lanes values, any lanes <= LANES
        return np.zeros(max(int(rows), 1) * LANES, dt)

    h, m = int(ip[FFT_H]), int(ip[FFT_M])
    return Work(frame=e(ip[NFFT]), re=e(ip[N_BINS]), im=e(ip[N_BINS]),
                zr=flat(h), zi=flat(h), ur=flat(h), ui=flat(h),
                br=flat(m, np.float64), bi=flat(m, np.float64),
                bur=flat(m, np.float64), bui=flat(m, np.float64),
                mel=e(ip[N_MELS]), cep=e(ip[N_MFCC]), energy=np.zeros(LANES, np.float32))


# ---- streaming (stream.c) -----------------------------------------------------
# State slots of a stream (int64 array).
X0, N_BUF, N_TOTAL, N_STAT, STAT_FIRST, DLT_FIRST, N_DELTA, EMITTED, FLUSHED = range(9)
_N_STATE = 9
NEED_ROOM = -1  # internal: the buffers must grow first (nothing changed)


@_jit
def _frames_ready(ip, frm, n_total):
    """Static frames that are final once n_total samples have arrived (not flushed)."""
    limit = _num_frames(ip, n_total)
    f = frm
    while f < limit:
        start = _frame_start(ip, f)
        if start + ip[FLEN] - 1 >= n_total:  # right part not here yet
            break
        if start < 0 and -start >= n_total:  # left mirror not here yet
            break
        f += 1
    return f


@_jit
def _rows_done(ip, n_static, flushed):
    look = ip[DELTAS] * ip[DWIDTH]
    if flushed:
        return n_static
    return n_static - look if n_static > look else 0


@_jit
def _stream_rows_for(ip, st, n):
    if st[FLUSHED]:
        return 0
    if n < 0:
        return _num_frames(ip, st[N_TOTAL]) - st[EMITTED]
    ns = _frames_ready(ip, st[N_STAT], st[N_TOTAL] + n)
    return _rows_done(ip, ns, False) - st[EMITTED]


@_jit
def _emit_rows(ip, st, stat, dlt, upto, out):
    """Rows [emitted, upto) from the histories, computing deltas on the way."""
    ns = ip[N_STATIC]
    w = ip[DWIDTH]
    deltas = ip[DELTAS]
    n_static = st[N_STAT]
    if deltas >= 1:  # deltas of every frame whose look-ahead is complete
        if st[FLUSHED]:
            d_upto = n_static
        elif deltas == 2:
            d_upto = n_static - w if n_static > w else 0
        else:
            d_upto = upto
        for t in range(st[N_DELTA], d_upto):
            _delta_row(stat, 0, st[STAT_FIRST], t, n_static - 1, ns, w, dlt, t - st[DLT_FIRST], 0)
        if d_upto > st[N_DELTA]:
            st[N_DELTA] = d_upto
    for t in range(st[EMITTED], upto):
        r = t - st[EMITTED]
        for c in range(ns):
            out[r, c] = stat[t - st[STAT_FIRST], c]
        if deltas >= 1:
            for c in range(ns):
                out[r, ns + c] = dlt[t - st[DLT_FIRST], c]
        if deltas == 2:
            _delta_row(dlt, 0, st[DLT_FIRST], t, st[N_DELTA] - 1, ns, w, out, r, 2 * ns)
    st[EMITTED] = upto


@_jit
def _compact(ip, st, samples, stat, dlt):
    """Drop the samples and history rows no future frame or row needs."""
    ns = ip[N_STATIC]
    w = ip[DWIDTH]
    tail = st[N_TOTAL] - (ip[NFFT] + ip[FLEN])
    keep = _frame_start(ip, st[N_STAT]) - 1
    if tail < keep:
        keep = tail
    if keep > st[X0]:
        drop = min(keep - st[X0], st[N_BUF])
        for i in range(st[N_BUF] - drop):  # forward copy: the ranges overlap
            samples[i] = samples[i + drop]
        st[N_BUF] -= drop
        st[X0] += drop
    if ip[DELTAS] >= 1:
        need = min(st[N_DELTA] - w, st[EMITTED])
        if need > st[STAT_FIRST]:
            drop = need - st[STAT_FIRST]
            for r in range(st[N_STAT] - need):
                for c in range(ns):
                    stat[r, c] = stat[r + drop, c]
            st[STAT_FIRST] = need
        need = st[EMITTED] - w
        if need > st[DLT_FIRST]:
            drop = need - st[DLT_FIRST]
            for r in range(st[N_DELTA] - need):
                for c in range(ns):
                    dlt[r, c] = dlt[r + drop, c]
            st[DLT_FIRST] = need
    else:
        st[STAT_FIRST] = st[N_STAT]


@_jit
def _advance(ip, fp, T, W, st, samples, stat, dlt, upto, out):
    """Compute static frames [n_static, upto) (into out, or the history when
    deltas need it) and emit the rows that are done; returns rows written."""
    before = st[EMITTED]
    x = samples[:st[N_BUF]]
    direct = ip[DELTAS] == 0
    dst = out if direct else stat
    row0 = 0 if direct else st[N_STAT] - st[STAT_FIRST]
    f0 = st[N_STAT]
    for f in range(f0, upto, LANES):
        lanes = min(LANES, upto - f)
        spec = _block_front(ip, fp, T, W, x, st[X0], st[N_TOTAL], f, lanes)
        _block_back(ip, fp, T, W, spec, lanes, dst, row0 + f - f0)
    st[N_STAT] = upto
    if direct:
        st[EMITTED] += upto - f0
        st[STAT_FIRST] = upto
    else:
        _emit_rows(ip, st, stat, dlt, _rows_done(ip, upto, st[FLUSHED]), out)
    k = st[EMITTED] - before
    _compact(ip, st, samples, stat, dlt)
    return k


@_jit
def _room(ip, st, samples, stat, dlt, n, frames):
    """0 if the buffers hold n more samples and `frames` more history rows,
    else NEED_ROOM (make_room)."""
    if st[N_BUF] + n > samples.shape[0]:
        return NEED_ROOM
    if ip[DELTAS] >= 1:
        if st[N_STAT] + frames - st[STAT_FIRST] > stat.shape[0]:
            return NEED_ROOM
        if st[N_STAT] + frames - st[DLT_FIRST] > dlt.shape[0]:
            return NEED_ROOM
    return OK


@_jit
def _stream_push(ip, fp, T, W, st, samples, stat, dlt, x, out):
    """ff_stream_push; returns (status, rows written, bad_index).  NEED_ROOM:
    nothing changed, grow the buffers (sizes: _stream_need) and call again."""
    if st[FLUSHED]:
        return E_STATE, 0, -1
    n = x.shape[0]
    bad = _first_nonfinite(x)
    if bad >= 0:
        return E_NONFINITE, 0, bad
    upto = _frames_ready(ip, st[N_STAT], st[N_TOTAL] + n)
    rows = _rows_done(ip, upto, False) - st[EMITTED]
    if rows > out.shape[0]:
        return E_BUFFER, 0, -1
    if _room(ip, st, samples, stat, dlt, n, upto - st[N_STAT]) != OK:
        return NEED_ROOM, 0, -1
    # Commit: nothing below can fail.
    nb = st[N_BUF]
    for i in range(n):
        samples[nb + i] = x[i]
    st[N_BUF] += n
    st[N_TOTAL] += n
    return OK, _advance(ip, fp, T, W, st, samples, stat, dlt, upto, out), -1


@_jit
def _stream_flush(ip, fp, T, W, st, samples, stat, dlt, out):
    """ff_stream_flush; returns (status, rows written); NEED_ROOM as in push."""
    if st[FLUSHED]:
        return E_STATE, 0
    total_frames = _num_frames(ip, st[N_TOTAL])
    if total_frames - st[EMITTED] > out.shape[0]:
        return E_BUFFER, 0
    if _room(ip, st, samples, stat, dlt, 0, total_frames - st[N_STAT]) != OK:
        return NEED_ROOM, 0
    st[FLUSHED] = 1
    return OK, _advance(ip, fp, T, W, st, samples, stat, dlt, total_frames, out)


@_jit
def _stream_need(ip, st, n, flush):
    """(samples, history rows) the buffers need for a push of n samples / a flush."""
    upto = _num_frames(ip, st[N_TOTAL]) if flush else _frames_ready(ip, st[N_STAT], st[N_TOTAL] + n)
    rows = upto - min(st[STAT_FIRST], st[DLT_FIRST])
    return st[N_BUF] + n, rows


# ---- Python surface (the binding's interface) ------------------------------------

def _check_in(x, name="x"):
    """What the binding's `const float[::1]` accepts: a 1-D C-contiguous float32 array."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if x.dtype != np.float32 or x.ndim != 1 or not x.flags.c_contiguous:
        raise ValueError(f"{name} must be a 1-D C-contiguous float32 array "
                         f"(got {x.dtype}, shape {x.shape})")


def _check_out(out, name="out"):
    """What `float[:, ::1]` accepts: a writeable 2-D C-contiguous float32 array."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != np.float32 or out.ndim != 2 or not out.flags.c_contiguous \
            or not out.flags.writeable:
        raise ValueError(f"{name} must be a writeable 2-D C-contiguous float32 array "
                         f"(got {out.dtype}, shape {out.shape})")


class Engine:
    """Immutable tables of one config (ff_extractor); extract() may run in many
    threads at once (each thread gets its own scratch)."""

    def __init__(self, values: dict) -> None:
        if check_config(values) is not None:
            raise EngineError(f"ff_extractor_new: {strerror(E_CONFIG)}")
        self._ip, self._fp = _pack(values)
        self._tables = _tables(self._ip, self._fp)
        self._local = threading.local()
        self.n_features = int(self._ip[N_FEAT])

    def n_frames(self, n_samples: int) -> int:
        # the kernel's own code run by Python: integer arithmetic, no JIT call
        return int(_num_frames.py_func(self._ip, int(n_samples)))

    def stream(self) -> "StreamState":
        return StreamState(self)

    def _scratch(self) -> Work:
        w = getattr(self._local, "work", None)
        if w is None:
            w = self._local.work = _work(self._ip)
        return w

    def extract(self, x, out, threads: int) -> tuple[int, int]:
        """Fill out (n_frames, n_features); returns (status, bad_index).
        `threads` is accepted and ignored: one thread per signal."""
        _check_in(x)
        _check_out(out)
        if out.shape[1] != self.n_features:
            return E_BUFFER, -1
        status, bad = _extract(self._ip, self._fp, self._tables, self._scratch(), x, out)
        return int(status), int(bad)


class StreamState:
    """Streaming state (ff_stream) bound to an Engine; one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        ip = engine._ip
        if ip[LOG] != LOG_NONE and engine._fp[TOP_DB] > 0.0:
            raise EngineError(f"ff_stream_new: {strerror(E_CONFIG)}")
        self._engine = engine
        self._ip, self._fp, self._tables = ip, engine._fp, engine._tables
        self._work = _work(ip)
        self._st = np.zeros(_N_STATE, np.int64)
        ns = int(ip[N_STATIC])
        self._samples = np.zeros(256, np.float32)
        rows = 16 if ip[DELTAS] else 0
        self._stat = np.zeros((rows, ns), np.float32)
        self._dlt = np.zeros((rows, ns), np.float32)
        self.n_features = engine.n_features

    def reset(self) -> None:
        """Forget the utterance; keep tables and buffers."""
        self._st[:] = 0

    def rows_for(self, n: int) -> int:
        """Rows a push of n samples would emit now (n < 0: a flush)."""
        return int(_stream_rows_for(self._ip, self._st, int(n)))

    @property
    def latency_frames(self) -> int:
        return int(self._ip[DELTAS] * self._ip[DWIDTH])

    def _grow(self, n: int, flush: bool) -> None:
        """Grow the buffers (doubling) for a push of n samples or a flush."""
        need_samples, need_rows = _stream_need(self._ip, self._st, n, flush)
        if need_samples > self._samples.shape[0]:
            new = np.zeros(max(int(need_samples), 2 * self._samples.shape[0]), np.float32)
            new[:self._samples.shape[0]] = self._samples
            self._samples = new
        if self._ip[DELTAS] and need_rows > self._stat.shape[0]:
            rows = max(int(need_rows), 2 * self._stat.shape[0])
            for name in ("_stat", "_dlt"):
                old = getattr(self, name)
                new = np.zeros((rows, old.shape[1]), np.float32)
                new[:old.shape[0]] = old
                setattr(self, name, new)

    def push(self, x, out) -> tuple[int, int, int]:
        """Returns (status, rows written, bad_index); a failed push changes nothing."""
        _check_in(x)
        _check_out(out)
        if out.shape[1] != self.n_features:
            return E_BUFFER, 0, -1
        while True:
            status, k, bad = _stream_push(self._ip, self._fp, self._tables, self._work, self._st,
                                          self._samples, self._stat, self._dlt, x, out)
            if status != NEED_ROOM:
                return int(status), int(k), int(bad)
            self._grow(x.shape[0], False)

    def push_rows(self, x, out=None):
        """Stream.push's fast path (as the C binding's): the rows (a new array
        or out[:k]), or None when x / out are not the typed arrays push takes
        or the push failed; nothing changed then."""
        try:
            buf = np.empty((self.rows_for(len(x)), self.n_features), np.float32) if out is None else out
            status, k, _ = self.push(x, buf)
        except (TypeError, ValueError, AttributeError):
            return None
        if status != OK:
            return None
        return buf if out is None else buf[:k]

    def flush(self, out) -> tuple[int, int]:
        """Returns (status, rows written)."""
        _check_out(out)
        if out.shape[1] != self.n_features:
            return E_BUFFER, 0
        while True:
            status, k = _stream_flush(self._ip, self._fp, self._tables, self._work, self._st,
                                      self._samples, self._stat, self._dlt, out)
            if status != NEED_ROOM:
                return int(status), int(k)
            self._grow(0, True)


def delta(x, order: int, width: int, out) -> int:
    """out = delta (order 1) or delta-delta (order 2) of x along axis 0; returns the status."""
    _check_out(out)
    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim != 2 \
            or not x.flags.c_contiguous:
        raise ValueError("x must be a 2-D C-contiguous float32 array")
    if x.shape[0] == 0 or x.shape[1] == 0:
        return OK
    return int(_delta(x, int(order), int(width), out))
