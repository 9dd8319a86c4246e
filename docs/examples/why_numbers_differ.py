"""Why do librosa, Kaldi and python_speech_features give different MFCCs?

One signal (tests/data/turn_left.wav, "turn left", 16 kHz, 13087 samples) is
taken through every stage of the MFCC pipeline under the three conventions,
and the script prints markdown tables showing where they part ways.  The
narrative around these tables is docs/why-numbers-differ.md.

Run from anywhere (needs numpy, scipy, soundfile, librosa, kaldi_native_fbank,
python_speech_features; fastfeat is used when importable)::

    python docs/examples/why_numbers_differ.py

Every stage is computed with the readable float64 model in tests/_model.py
(one function per stage, ``model_stages`` returns every intermediate), and the
end results are checked against the reference libraries themselves.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

import _model as M  # noqa: E402  (tests/_model.py)
import kaldi_native_fbank as knf  # noqa: E402
import librosa  # noqa: E402
import python_speech_features as psf  # noqa: E402
import soundfile as sf  # noqa: E402

try:  # the C engine, if built and importable
    import fastfeat as ff
except ImportError:  # pragma: no cover - the docs page says what is skipped
    ff = None

WAV = os.path.join(REPO, "tests", "data", "turn_left.wav")
SR = 16000
EPS32, EPS64 = M.FLOAT32_EPS, M.FLOAT64_EPS


# ---------------------------------------------------------------- helpers

def table(header, rows, title=None):
    """Print a markdown table (numbers formatted by ``fmt``, '|' escaped)."""
    if title:
        print(f"\n#### {title}\n")
    else:
        print()
    cell = lambda v: fmt(v).replace("|", "\\|")  # noqa: E731  (|X|^2 inside a table)
    print("| " + " | ".join(cell(h) for h in header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(cell(v) for v in r) + " |")


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.3e}"
    return f"{v:.4f}"


def section(title):
    print(f"\n### {title}")


def knf_run(y, mfcc=True, **frame_opts):
    """kaldi_native_fbank OnlineMfcc/OnlineFbank with its defaults, dither 0."""
    opts = knf.MfccOptions() if mfcc else knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    for k, v in frame_opts.items():
        setattr(opts.frame_opts, k, v)
    comp = knf.OnlineMfcc(opts) if mfcc else knf.OnlineFbank(opts)
    comp.accept_waveform(SR, np.asarray(y, dtype=np.float64).tolist())
    comp.input_finished()
    return np.array([comp.get_frame(i) for i in range(comp.num_frames_ready)])


def librosa_mfcc(y, top_db=80.0, **kw):
    """librosa.feature.mfcc(y=y, sr=16000) with all its defaults; top_db=None
    goes through power_to_db(top_db=None) + mfcc(S=...), the only way
    (librosa.feature.mfcc does not expose top_db)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if top_db == 80.0 and not kw:
            return librosa.feature.mfcc(y=y, sr=SR).T
        S = librosa.feature.melspectrogram(y=y, sr=SR, **kw)
        return librosa.feature.mfcc(S=librosa.power_to_db(S, top_db=top_db)).T


def kaldi_add_deltas(feat, order=2, window=2):
    """Kaldi's add-deltas (feature-functions.cc, DeltaFeatures), transcribed:
    the order-i filter is the order-(i-1) filter convolved with
    [-w..w]/sum(j^2); every tap reads the *input* with the frame index
    clamped to [0, T-1]."""
    scales = [np.array([1.0])]
    for _ in range(order):
        prev = scales[-1]
        po = (len(prev) - 1) // 2
        cur = np.zeros(len(prev) + 2 * window)
        co = po + window
        norm = 0.0
        for j in range(-window, window + 1):
            norm += j * j
            for k in range(-po, po + 1):
                cur[j + k + co] += j * prev[k + po]
        scales.append(cur / norm)
    T = feat.shape[0]
    out = []
    for s in scales:
        mo = (len(s) - 1) // 2
        o = np.zeros_like(feat)
        for t in range(T):
            for j in range(-mo, mo + 1):
                o[t] += s[j + mo] * feat[min(max(t + j, 0), T - 1)]
        out.append(o)
    return out  # [static, delta, delta-delta]


def nearest_frame(cfg, n, centre):
    """Index and centre sample of the frame whose centre is nearest ``centre``."""
    nf = M.num_frames(n, cfg)
    L = cfg["frame_length"]
    centres = np.array([M.frame_start(f, cfg) + L / 2 for f in range(nf)])
    f = int(np.argmin(np.abs(centres - centre)))
    return f, centres[f]


# ---------------------------------------------------------------- main

def main():
    t0 = time.time()
    y32, sr = sf.read(WAV, dtype="float32")
    assert sr == SR
    y = y32.astype(np.float64)
    N = len(y)
    print(f"Signal: tests/data/turn_left.wav, {N} samples at {sr} Hz ({N / sr:.4f} s), "
          f"peak {np.abs(y).max():.4f}; the last {int(np.sum(np.cumsum(y[::-1] != 0) == 0))} "
          f"samples are exact zeros.")
    print(f"librosa {librosa.__version__}, kaldi_native_fbank {knf.__version__ if hasattr(knf, '__version__') else '?'}, "
          f"python_speech_features 0.6 API, fastfeat: {'yes ' + ff.__version__ if ff else 'not importable'}")

    # the three conventions as model configs (no dither: the references run without)
    LIB = M.make_config("librosa", sample_rate=SR)  # librosa.feature.mfcc(y, sr=16000)
    KAL = M.make_config("kaldi", dither=0.0)
    PSF = M.make_config("python_speech_features")
    conv = {"librosa": LIB, "kaldi": KAL, "psf": PSF}

    # reference outputs, computed once
    ref = {
        "librosa": librosa_mfcc(y),
        "kaldi": knf_run(y),
        "psf": psf.mfcc(y, SR),
    }

    # ------------------------------------------------------------ 1. framing
    section("1. Framing: how many frames, and where the first and last ones are")
    rows = []
    framings = [
        ("librosa (center=True, n_fft 2048, hop 512)", LIB, ref["librosa"].shape[0]),
        ("Kaldi (snip_edges=True, 400/160)", KAL, ref["kaldi"].shape[0]),
        ("Kaldi --snip-edges=false", dict(KAL, snip_edges=False),
         knf_run(y, snip_edges=False).shape[0]),
        ("psf (pad_end, 400/160)", PSF, ref["psf"].shape[0]),
    ]
    for name, cfg, nref in framings:
        nf = M.num_frames(N, cfg)
        L = cfg["frame_length"]
        s0, sl = M.frame_start(0, cfg), M.frame_start(nf - 1, cfg)
        pad_front = max(0, -s0)
        pad_back = max(0, sl + L - N)
        unused = max(0, N - (sl + L))
        rows.append((name, nf, nref, f"[{s0}, {s0 + L})", f"{s0 + L / 2:g}",
                     f"[{sl}, {sl + L})", pad_front, pad_back, unused))
    table(["convention", "frames (model)", "frames (reference)", "frame 0 samples",
           "frame 0 centre", "last frame samples", "samples before 0 (filled)",
           "samples after the end (filled)", "samples never used"], rows)
    print("\nFilled with: zeros (librosa pad_mode='constant', psf), mirrored signal (Kaldi --snip-edges=false).")

    # ------------------------------------------------------------ 2. window
    section("2. Window values")
    fo = knf.FrameExtractionOptions()
    fo.window_type = "povey"
    knf_povey = np.array(knf.FeatureWindowFunction(fo).window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib_hann = librosa.filters.get_window("hann", 2048, fftbins=True)
    wins = [
        ("librosa: hann, periodic", 2048, M.window_function("hann", 2048, True), lib_hann),
        ("hann, symmetric (np.hanning)", 400, M.window_function("hann", 400, False), np.hanning(400)),
        ("hann, periodic", 400, M.window_function("hann", 400, True), None),
        ("Kaldi: povey = hann_sym^0.85", 400, M.window_function("povey", 400), knf_povey),
        ("default: hamming, symmetric", 400, M.window_function("hamming", 400), np.hamming(400)),
        ("psf: rectangular", 400, M.window_function("rectangular", 400), np.ones(400)),
    ]
    rows = []
    for name, L, w, r in wins:
        idx = [0, 1, L // 4, L // 2, L - 1]
        rows.append((name, L, *[w[i] for i in idx], w.sum(),
                     "-" if r is None else fmt(np.abs(w - r).max())))
    table(["window", "L", "w[0]", "w[1]", "w[L/4]", "w[L/2]", "w[L-1]", "sum",
           "max diff vs the library's own"], rows)

    # ------------------------------------------------------------ 3. pre-emphasis
    section("3. Pre-emphasis: inside each frame (Kaldi) or once over the signal (psf)")
    f = 28
    s = M.frame_start(f, KAL)
    kst = M.model_stages(y, KAL)
    pst = M.model_stages(y, PSF)
    f6 = lambda a: [f"{v:.6f}" for v in a]  # noqa: E731
    rows = [("raw y[s+i]", *f6(y[s:s + 3])),
            (f"Kaldi: after remove_dc (frame mean {kst['frames'][f].mean():.6f})", *f6(kst["dc_removed"][f, :3])),
            ("Kaldi: x[0] -= 0.97 x[0]; x[i] -= 0.97 x[i-1]", *f6(kst["preemphasized"][f, :3])),
            ("psf: y[s+i] - 0.97 y[s+i-1] (y[s-1] = %.6f)" % y[s - 1], *f6(pst["frames"][f, :3]))]
    table(["frame 28, sample", "i=0", "i=1", "i=2"], rows, f"Frame {f} starts at sample {s}")
    # effect of the scope alone, everything else psf
    a = M.model_stages(y, M.make_config("python_speech_features", kind="logmel", energy=None))["log"]
    b = M.model_stages(y, M.make_config("python_speech_features", kind="logmel", energy=None,
                                        preemphasis_scope="frame"))["log"]
    d = np.abs(a - b)
    i = np.unravel_index(np.argmax(d[:-1]), d[:-1].shape)
    table(["quantity", "value"], [
        ("max abs diff in ln-mel, frames 0..79 (nats)", d[:-1].max()),
        ("... at (frame, band)", f"({int(i[0])}, {int(i[1])})"),
        ("median abs diff (nats)", np.median(d[:-1])),
        ("frame 28, band 0: signal scope / frame scope", f"{a[28, 0]:.4f} / {b[28, 0]:.4f}"),
    ], "psf preset, changing only preemphasis_scope ('signal' -> 'frame')")

    # ------------------------------------------------------------ 4. spectrum scale
    section("4. Spectrum scale: |X|^2 (Kaldi, librosa) or |X|^2 / NFFT (psf)")
    c_psf = M.make_config("python_speech_features", energy=None)
    st_a = M.model_stages(y, c_psf)
    st_b = M.model_stages(y, dict(c_psf, spectrum_norm=None))
    live = (st_a["mel"] > 0).all(axis=1)  # frames where no band is an exact zero
    dl = (st_b["log"] - st_a["log"])[live]
    dc = st_b["features"] - st_a["features"]
    table(["quantity", "value"], [
        ("frame 28: sum |X|^2 (512-point rfft)", st_b["spectrum"][28].sum()),
        ("frame 28: sum |X|^2 / 512", st_a["spectrum"][28].sum()),
        (f"ln-mel shift over the {int(live.sum())} frames with no all-zero band (min, max)",
         f"{dl.min():.6f}, {dl.max():.6f}"),
        ("ln(512)", math.log(512)),
        ("c0 shift (DCT c0 = sum/sqrt(26)): frame 28", dc[28, 0]),
        ("sqrt(26) ln(512)", math.sqrt(26) * math.log(512)),
        ("max |shift| of c1..c12, frames 0..79", np.abs(dc[:-1, 1:]).max()),
    ], "psf preset without energy, changing only spectrum_norm ('n_fft' -> None)")

    # ------------------------------------------------------------ 5. mel filterbank
    section("5. Mel filterbank")
    base = dict(M.DEFAULT, sample_rate=SR, n_fft=512, n_mels=26, fmin=0.0, fmax=None)
    combos = [("htk", "mel", None), ("htk", "hz", None), ("htk", "bin", None),
              ("slaney", "mel", None), ("slaney", "hz", None), ("slaney", "bin", None),
              ("htk", "hz", "slaney"), ("slaney", "hz", "slaney")]
    for band in (0, 10):
        rows = []
        for scale, tri, norm in combos:
            cfg = dict(base, mel_scale=scale, mel_triangles=tri, mel_norm=norm)
            fb = M.mel_filterbank(cfg)
            pts = M.mel_to_hz(np.linspace(M.hz_to_mel(0.0, scale), M.hz_to_mel(8000.0, scale), 28), scale)
            nz = np.nonzero(fb[band])[0]
            rows.append((scale, tri, str(norm), pts[band], pts[band + 1], pts[band + 2],
                         f"{nz[0]}..{nz[-1]} ({len(nz)})", fb[band].max(), fb[band].sum()))
        table(["mel_scale", "mel_triangles", "mel_norm", "left edge Hz", "centre Hz",
               "right edge Hz", "nonzero bins (count)", "peak weight", "sum of weights"],
              rows, f"Filter {band} of 26, 16 kHz, n_fft 512 (bin spacing 31.25 Hz), 0-8000 Hz")
    # the presets' own filterbanks, checked against the libraries' matrices
    mo = knf.MelBanksOptions()
    mo.num_bins, mo.low_freq = 23, 20.0  # MfccOptions' mel_opts (MelBanksOptions alone defaults to 25)
    W_k = np.array(knf.MelBanks(mo, knf.FrameExtractionOptions()).get_matrix(), dtype=np.float64)
    W_l = librosa.filters.mel(sr=SR, n_fft=2048, dtype=np.float64)
    W_p = psf.get_filterbanks(26, 512, SR)
    rows = []
    for name, cfg, W in (("librosa", LIB, W_l), ("kaldi", KAL, W_k), ("psf", PSF, W_p)):
        fb = M.mel_filterbank(cfg)
        scale = cfg["mel_scale"]
        pts = M.mel_to_hz(np.linspace(M.hz_to_mel(cfg["fmin"], scale), M.hz_to_mel(SR / 2, scale),
                                      cfg["n_mels"] + 2), scale)
        nz0, nz10 = np.nonzero(fb[0])[0], np.nonzero(fb[10])[0]
        rows.append((name, cfg["n_mels"], f"{scale}/{cfg['mel_triangles']}/{cfg['mel_norm']}",
                     f"{pts[0]:.1f}-{pts[1]:.1f}-{pts[2]:.1f}", f"{nz0[0]}..{nz0[-1]}",
                     f"{pts[10]:.1f}-{pts[11]:.1f}-{pts[12]:.1f}", f"{nz10[0]}..{nz10[-1]}",
                     fb[10].max(), np.abs(fb - W).max()))
    table(["preset (16 kHz)", "n_mels", "scale/triangles/norm", "filter 0 edges Hz",
           "filter 0 bins", "filter 10 edges Hz", "filter 10 bins", "filter 10 peak",
           "max diff vs library matrix"], rows, "The presets' filterbanks")

    # ------------------------------------------------------------ 6. log
    section("6. Log: base and floor")
    last = M.num_frames(N, KAL) - 1  # frame 79: samples 12640..13039, all zeros
    lst = M.model_stages(y, LIB)
    lib_raw_db = 10 * np.log10(np.maximum(lst["mel"], 1e-10))
    rows = [
        ("Kaldi", "ln", "max(x, FLT_EPSILON)", EPS32, math.log(EPS32),
         f"{kst['log'][last].min():.4f} .. {kst['log'][last].max():.4f}"),
        ("psf", "ln", "x == 0 -> DBL_EPSILON", EPS64, math.log(EPS64),
         f"{pst['log'][last].min():.4f} .. {pst['log'][last].max():.4f}"),
        ("librosa", "10 log10", "max(x, amin=1e-10)", 1e-10, -100.0, "(no all-zero frame)"),
    ]
    table(["convention", "log", "floor rule", "floor", "log of floor",
           f"ln/dB-mel of all-zero frame {last} (min .. max)"], rows)
    table(["librosa quantity (whole clip, 26 frames x 128 bands)", "value"], [
        ("max dB", lib_raw_db.max()),
        ("min dB before top_db", lib_raw_db.min()),
        ("top_db floor = max - 80", lib_raw_db.max() - 80),
        ("values raised to that floor", f"{int(np.sum(lib_raw_db < lib_raw_db.max() - 80))} of {lib_raw_db.size}"),
        ("frames with at least one clipped band",
         f"{int(np.sum((lib_raw_db < lib_raw_db.max() - 80).any(axis=1)))} of {lib_raw_db.shape[0]}"),
    ], "librosa's effective floor comes from top_db, not amin")
    # dither: what a silent frame becomes
    def knf_fbank(dither):
        opts = knf.FbankOptions()
        opts.frame_opts.dither = dither
        comp = knf.OnlineFbank(opts)
        comp.accept_waveform(SR, y.tolist())
        comp.input_finished()
        return np.array([comp.get_frame(i) for i in range(comp.num_frames_ready)])
    z, r1, r2 = knf_fbank(0.0), knf_fbank(3e-5), knf_fbank(3e-5)
    rows = [("kaldi_native_fbank, dither 0", z[last].mean(), "-", "-"),
            ("kaldi_native_fbank, default dither 3e-5, run 1", r1[last].mean(), np.abs(r1[28] - z[28]).max(), "-"),
            ("kaldi_native_fbank, default dither 3e-5, run 2", r2[last].mean(), np.abs(r2[28] - z[28]).max(),
             np.abs(r1 - r2).max())]
    if ff is not None:
        f0 = ff.logmel(y32, config=ff.Config.preset("kaldi"))
        f0b = ff.logmel(y32, config=ff.Config.preset("kaldi"))
        f1 = ff.logmel(y32, config=ff.Config.preset("kaldi", seed=1))
        rows += [("fastfeat kaldi preset (dither 3e-5, seed 0), run 1", f0[last].mean(), np.abs(f0[28] - z[28]).max(), "-"),
                 ("fastfeat kaldi preset (dither 3e-5, seed 0), run 2", f0b[last].mean(), np.abs(f0b[28] - z[28]).max(),
                  np.abs(f0 - f0b).max()),
                 ("fastfeat kaldi preset, seed=1", f1[last].mean(), np.abs(f1[28] - z[28]).max(), np.abs(f0 - f1).max())]
    table(["Kaldi fbank", f"mean ln-mel of all-zero frame {last}", "max change of frame 28 vs dither 0",
           "max diff between the two runs (whole clip)"], rows,
          "Dither replaces the floor in silent frames (Kaldi convention)")
    # ln vs dB
    c_ln = dict(LIB, log="ln", top_db=None)
    c_db = dict(LIB, top_db=None)
    m_ln, m_db = M.model_features(y, c_ln), M.model_features(y, c_db)
    table(["frame 9", "c0", "c1", "c2", "c3"], [
        ("librosa preset, top_db=None, log='db'", *m_db[9, :4]),
        ("same, log='ln'", *m_ln[9, :4]),
        ("ratio", *(m_db[9, :4] / m_ln[9, :4])),
    ], f"dB = (10 / ln 10) x ln = {10 / math.log(10):.4f} x ln, so every MFCC scales by it")

    # ------------------------------------------------------------ 7. DCT and lifter
    section("7. DCT and lifter")
    D = M.dct_matrix(4, 26, "ortho")
    import scipy.fft
    sdct = scipy.fft.dct(np.eye(26), type=2, norm="ortho", axis=0)[:4]
    i = np.arange(6)
    table(["i", *[str(k) for k in i]], [
        ("Kaldi / psf lifter 22: 1 + 11 sin(pi i / 22)", *(1 + 11 * np.sin(np.pi * i / 22))),
        ("librosa lifter=22: 1 + 11 sin(pi (i+1) / 22)", *(1 + 11 * np.sin(np.pi * (i + 1) / 22))),
    ], "Lifter weights (librosa's default is lifter=0: none)")
    print(f"\nAll three use the orthonormal DCT-II (row 0 = 1/sqrt(n_mels), others sqrt(2/n_mels) cos): "
          f"model vs scipy.fft.dct(norm='ortho') max diff {np.abs(D - sdct).max():.1e}.")

    # ------------------------------------------------------------ 8. energy
    section("8. Energy in c0")
    c_k_noE = dict(KAL, energy=None)
    c_p_noE = dict(PSF, energy=None)
    kk = M.model_stages(y, c_k_noE)
    pp = M.model_stages(y, c_p_noE)
    f = 28
    table(["frame 28", "energy measured on", "log energy (c0 used)", "DCT c0 (not used)",
           "reference c0"], [
        ("Kaldi", "raw frame after remove_dc, before pre-emphasis and window",
         kst["log_energy"][f], kk["features"][f, 0], ref["kaldi"][f, 0]),
        ("psf", "sum of the power spectrum / 512 (pre-emphasised, rectangular)",
         pst["log_energy"][f], pp["features"][f, 0], ref["psf"][f, 0]),
        ("librosa", "(no energy: c0 is the DCT c0 of the dB mel)", "-",
         lst["features"][9, 0], ref["librosa"][9, 0]),
    ])

    # ------------------------------------------------------------ 9. final MFCC
    section("9. The final MFCC of one moment from each library")
    t_c = 9 * 512  # librosa frame 9 is centred on sample 4608 (0.288 s)
    fk, ck = nearest_frame(KAL, N, t_c)
    rows = [("librosa.feature.mfcc(y=y, sr=16000)", f"9 (centre {t_c})", *ref["librosa"][9, :4]),
            ("kaldi_native_fbank.OnlineMfcc", f"{fk} (centre {ck:g})", *ref["kaldi"][fk, :4]),
            ("python_speech_features.mfcc", f"{fk} (centre {ck:g})", *ref["psf"][fk, :4])]
    table(["library (own defaults)", "frame", "c0", "c1", "c2", "c3"], rows,
          "c0..c3 of the frame centred nearest 0.288 s")
    pairs = [("librosa", "kaldi"), ("librosa", "psf"), ("kaldi", "psf")]
    rows = []
    for a_, b_ in pairs:
        fa = 9 if a_ == "librosa" else fk
        fb_ = 9 if b_ == "librosa" else fk
        rows.append((f"{a_} - {b_}", *(ref[a_][fa, :4] - ref[b_][fb_, :4])))
    table(["difference at that frame", "c0", "c1", "c2", "c3"], rows)
    dk = ref["kaldi"][:80, :4] - ref["psf"][:80, :4]
    corr = [np.corrcoef(ref["kaldi"][:80, k], ref["psf"][:80, k])[0, 1] for k in range(4)]
    table(["kaldi vs psf over their 80 common frames", "c0", "c1", "c2", "c3"], [
        ("max abs diff", *np.abs(dk).max(axis=0)),
        ("mean diff", *dk.mean(axis=0)),
        ("correlation of the trajectories", *corr),
    ])

    # walk psf -> kaldi, one difference at a time, on the same frame grid
    steps = [
        ("psf preset (= psf.mfcc)", {}),
        ("window rectangular -> povey", dict(window="povey")),
        ("pre-emphasis per frame + remove_dc", dict(preemphasis_scope="frame", remove_dc=True)),
        ("spectrum_norm 'n_fft' -> None", dict(spectrum_norm=None)),
        ("filters: bin -> mel triangles, 26 -> 23, fmin 0 -> 20", dict(mel_triangles="mel", n_mels=23, fmin=20.0)),
        ("log floor DBL_EPSILON 'zero' -> FLT_EPSILON 'max'", dict(log_floor=EPS32, log_floor_mode="max")),
        ("energy: spectrum sum -> raw", dict(energy_source="raw")),
        ("pad_end True -> False (= kaldi preset)", dict(pad_end=False)),
    ]
    cfg = dict(PSF)
    rows = []
    for name, ch in steps:
        cfg = dict(cfg, **ch)
        out = M.model_features(y, cfg)
        rows.append((name, out.shape[0], *out[fk, :4]))
    assert cfg == KAL, {k: (cfg[k], KAL[k]) for k in cfg if cfg[k] != KAL[k]}
    rows.append(("kaldi_native_fbank (reference)", ref["kaldi"].shape[0], *ref["kaldi"][fk, :4]))
    table(["python_speech_features -> Kaldi, cumulative", "frames", "c0", "c1", "c2", "c3"], rows,
          f"Walking from psf to Kaldi one field at a time (model), frame {fk}")

    # walk librosa -> kaldi
    steps = [
        ("librosa preset, sr=16000 (= librosa.feature.mfcc)", {}),
        ("top_db 80 -> None", dict(top_db=None)),
        ("log dB -> ln, floor 1e-10 -> FLT_EPSILON", dict(log="ln", log_floor=EPS32)),
        ("mel: slaney/hz/area-norm -> htk/mel/peak 1, 128 -> 23, fmin 20, 13 MFCC",
         dict(mel_scale="htk", mel_triangles="mel", mel_norm=None, n_mels=23, fmin=20.0, n_mfcc=13)),
        ("framing: 2048/512 centred hann -> 400/160 snip_edges povey, n_fft 512",
         dict(frame_length=400, hop_length=160, n_fft=512, window="povey", window_periodic=False,
              center=False, window_centered=False)),
        ("pre-emphasis 0.97 per frame + remove_dc", dict(preemphasis=0.97, remove_dc=True)),
        ("lifter 22", dict(lifter=22.0)),
        ("c0 -> raw log energy (= kaldi preset)", dict(energy="replace_c0", energy_source="raw")),
    ]
    cfg = dict(LIB)
    rows = []
    for name, ch in steps:
        cfg = dict(cfg, **ch)
        out = M.model_features(y, cfg)
        fr, cen = nearest_frame(cfg, N, t_c)
        rows.append((name, f"{fr} / {out.shape[0]}", *out[fr, :4]))
    assert cfg == KAL, {k: (cfg[k], KAL[k]) for k in cfg if cfg[k] != KAL[k]}
    rows.append(("kaldi_native_fbank (reference)", f"{fk} / {ref['kaldi'].shape[0]}", *ref["kaldi"][fk, :4]))
    table(["librosa -> Kaldi, cumulative", "frame / frames", "c0", "c1", "c2", "c3"], rows,
          "Walking from librosa to Kaldi (model), frame centred nearest 0.288 s")

    # each convention reproduced: model and fastfeat vs the reference
    rows = []
    for name, cfg in conv.items():
        mod = M.model_features(y, cfg)
        r = ref[name]
        row = [name, mod.shape[0], np.abs(mod - r).max()]
        if ff is not None:
            preset = {"psf": "python_speech_features"}.get(name, name)
            extra = dict(sample_rate=SR) if name == "librosa" else {}
            if name == "kaldi":
                extra["dither"] = 0.0
            out = ff.mfcc(y32, config=ff.Config.preset(preset, **extra))
            row.append(np.abs(out - r).max())
        else:
            row.append("-")
        rows.append(row)
    table(["convention", "frames", "max |model - reference|", "max |fastfeat - reference| (float32)"],
          rows, "Each convention reproduced (whole clip, all coefficients)")

    # ------------------------------------------------------------ 10. top_db
    section("10. librosa's top_db: a frame depends on the length of the clip")
    n03 = int(0.3 * SR)  # 4800 samples
    short, whole = y[:n03], y
    A = librosa_mfcc(short)
    B = librosa_mfcc(whole)
    C = librosa_mfcc(short, top_db=None)
    Dn = librosa_mfcc(whole, top_db=None)
    last_full = (n03 - 1024) // 512  # last frame whose 2048 samples lie inside the 0.3 s
    dAB = np.abs(A[:last_full + 1] - B[:last_full + 1]).max(axis=1)
    fr = int(np.argmax(dAB))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mx_s = 10 * np.log10(librosa.feature.melspectrogram(y=short, sr=SR).max())
        mx_w = 10 * np.log10(librosa.feature.melspectrogram(y=whole, sr=SR).max())
    rows = [
        (f"first 0.3 s ({n03} samples), top_db=80", mx_s, *A[fr, :4]),
        (f"whole clip ({N} samples), top_db=80", mx_w, *B[fr, :4]),
        ("first 0.3 s, top_db=None", "-", *C[fr, :4]),
        ("whole clip, top_db=None", "-", *Dn[fr, :4]),
    ]
    table(["librosa.feature.mfcc input", "clip max dB", "c0", "c1", "c2", "c3"], rows,
          f"Frame {fr} (centred on sample {fr * 512}; its 2048 samples are identical in both inputs)")
    table(["frames 0..%d (inside the first 0.3 s)" % last_full, "value"], [
        ("max |diff| short vs whole, top_db=80", np.abs(A[:last_full + 1] - B[:last_full + 1]).max()),
        ("frames that differ, top_db=80", f"{int(np.sum(dAB > 1e-9))} of {last_full + 1}"),
        ("max |diff| short vs whole, top_db=None",
         np.abs(C[:last_full + 1] - Dn[:last_full + 1]).max()),
    ])
    if ff is not None:
        cfg80 = ff.Config.preset("librosa", sample_rate=SR)
        cfgN = cfg80.replace(top_db=None)
        fa = ff.mfcc(y32[:n03], config=cfg80)[fr, :4]
        fb2 = ff.mfcc(y32, config=cfg80)[fr, :4]
        fc = ff.mfcc(y32[:n03], config=cfgN)[fr, :4]
        fd = ff.mfcc(y32, config=cfgN)[fr, :4]
        table(["fastfeat, librosa preset sr=16000", "c0", "c1", "c2", "c3"], [
            ("first 0.3 s, top_db=80", *fa), ("whole clip, top_db=80", *fb2),
            ("first 0.3 s, top_db=None", *fc), ("whole clip, top_db=None", *fd),
        ], f"The same frame {fr} from fastfeat")
        try:
            ff.Stream(cfg80)
            msg = "(accepted)"
        except ValueError as e:
            msg = str(e)
        print(f"\n`ff.Stream(Config.preset('librosa', sample_rate=16000))` raises ValueError: {msg}")

    # ------------------------------------------------------------ 11. deltas
    section("11. Deltas at the edges and delta-delta")
    # The clip starts and ends in silence, where consecutive Kaldi frames are
    # identical and every edge rule gives the same answer; frames 20..59
    # (speech at both ends) show the edge rules at work.
    feats = ref["kaldi"][20:60].astype(np.float64)  # 40 x 13, Kaldi MFCC
    k = 1  # c1
    d_psf = psf.delta(feats, 2)
    dd_psf = psf.delta(d_psf, 2)
    _, d_kal, dd_kal = kaldi_add_deltas(feats, 2, 2)
    d_l5 = librosa.feature.delta(feats, width=5, axis=0)
    d_l9 = librosa.feature.delta(feats, width=9, axis=0)
    dd_l9 = librosa.feature.delta(feats, width=9, order=2, axis=0)
    d_ff4 = M.delta(feats, 4)
    frames_ = [0, 1, 2, 3, 4, 20, 38, 39]
    rows = [
        ("psf.delta(N=2) (HTK, fastfeat width=2)", *d_psf[frames_, k]),
        ("Kaldi add-deltas, window 2", *d_kal[frames_, k]),
        ("librosa.feature.delta(width=5)", *d_l5[frames_, k]),
        ("HTK regression N=4 (model; fastfeat width=4)", *d_ff4[frames_, k]),
        ("librosa.feature.delta() (width=9)", *d_l9[frames_, k]),
    ]
    if ff is not None:
        rows.insert(1, ("fastfeat ff.delta(order=1, width=2)",
                        *ff.delta(feats.astype(np.float32), order=1, width=2)[frames_, k]))
    table(["delta of Kaldi c1, excerpt frame", *map(str, frames_)], rows,
          "First-order delta (Kaldi MFCC frames 20..59 taken as a 40-frame sequence)")
    rows = [
        ("psf.delta(psf.delta(., 2), 2) (fastfeat deltas=2)", *dd_psf[frames_, k]),
        ("Kaldi add-deltas order 2 (one 9-tap filter)", *dd_kal[frames_, k]),
        ("librosa.feature.delta(order=2) (width=9)", *dd_l9[frames_, k]),
    ]
    if ff is not None:
        rows.insert(1, ("fastfeat ff.delta(order=2, width=2)",
                        *ff.delta(feats.astype(np.float32), order=2, width=2)[frames_, k]))
    table(["delta-delta of Kaldi c1, excerpt frame", *map(str, frames_)], rows, "Second-order delta")
    inner = slice(4, 36)
    table(["pair", "max abs diff, frames 4..35", "max abs diff, all 40 frames"], [
        ("delta: psf vs Kaldi", np.abs(d_psf - d_kal)[inner].max(), np.abs(d_psf - d_kal).max()),
        ("delta: psf N=2 vs librosa width=5", np.abs(d_psf - d_l5)[inner].max(), np.abs(d_psf - d_l5).max()),
        ("delta: HTK N=4 vs librosa width=9", np.abs(d_ff4 - d_l9)[inner].max(), np.abs(d_ff4 - d_l9).max()),
        ("delta-delta: psf vs Kaldi", np.abs(dd_psf - dd_kal)[inner].max(), np.abs(dd_psf - dd_kal).max()),
        ("delta-delta: psf vs librosa width=9", np.abs(dd_psf - dd_l9)[inner].max(), np.abs(dd_psf - dd_l9).max()),
    ], "All 13 coefficients")

    # ------------------------------------------------------------ 12. librosa #573
    section("12. The first frame reported in librosa #573, decoded")
    c0_573 = -395.07433842032867  # librosa's c0 in the issue (n_mels=40); c1.. were ~1e-14
    n40 = 40
    table(["quantity", "value"], [
        ("reported librosa c0 (c1..c12 ~ 1e-14: a constant dB vector)", c0_573),
        ("orthonormal DCT of a constant v over 40 bands: c0 = sqrt(40) v, so v (dB)", c0_573 / math.sqrt(n40)),
        ("loudest value (dB) of a clip whose top_db=80 floor is v: v + 80", c0_573 / math.sqrt(n40) + 80.0),
        ("c0 of a frame at the amin floor (-100 dB in every band)", -100.0 * math.sqrt(n40)),
        ("check: model DCT c0 of 40 values of -100 dB",
         M.dct(np.full((1, n40), -100.0), dict(n_mfcc=1, dct_norm="ortho", dct_type=2))[0, 0]),
    ])

    whisper_steps(y32)
    tensorflow_steps(y32)
    speechbrain_steps(y32)
    nemo_steps(y32)

    print(f"\n(ran in {time.time() - t0:.1f} s)")


def whisper_steps(y32):
    """Section 13: Whisper's three steps, one at a time, against openai-whisper."""
    try:
        import torch
        import whisper
    except ImportError as exc:
        print(f"\n(section 13 skipped: openai-whisper/torch not importable: {exc})")
        return
    section("13. Whisper: three steps the classic conventions did not have")
    ref = whisper.log_mel_spectrogram(torch.from_numpy(y32)).numpy().T.astype(np.float64)  # frames x 80
    W = M.make_config("whisper")
    steps = [
        ("librosa framing and mel at 400/160, reflect, log10 (no Whisper step)",
         dict(W, drop_last_frame=False, top_db=None, log_offset=0.0, log_scale=1.0)),
        ("+ drop_last_frame (stft[..., :-1])", dict(W, top_db=None, log_offset=0.0, log_scale=1.0)),
        ("+ top_db=80: max(x, x.max() - 8)", dict(W, log_offset=0.0, log_scale=1.0)),
        ("+ log_offset=4, log_scale=0.25: (x + 4) / 4 = the \"whisper\" preset", W),
    ]
    rows = []
    for name, cfg in steps:
        out = M.model_features(y32.astype(np.float64), cfg)
        n = min(len(out), len(ref))
        rows.append((name, len(out), len(ref), np.abs(out[:n] - ref[:n]).max()))
    table(["float64 model config", "frames", "openai-whisper frames", "max |diff| (common frames)"], rows)


def tensorflow_steps(y32):
    """Section 14: TensorFlow's steps, one at a time, against tf.signal and the Mfcc op."""
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    except ImportError as exc:
        print(f"\n(section 14 skipped: tensorflow not importable: {exc})")
        return
    section("14. TensorFlow: its own DCT scaling, and a filterbank that skips a bin")
    s = tf.raw_ops.AudioSpectrogram(input=y32[:, None], window_size=480, stride=160, magnitude_squared=True)
    op = tf.raw_ops.Mfcc(spectrogram=s, sample_rate=16000).numpy()[0]
    stft = tf.signal.stft(y32, 1024, 256)
    W = tf.signal.linear_to_mel_weight_matrix(80, 513, 16000, 80.0, 7600.0)
    sig = tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(tf.tensordot(tf.abs(stft), W, 1) + 1e-6))
    tut = tf.abs(tf.signal.stft(y32, 255, 128)).numpy()
    x = y32.astype(np.float64)
    C, T, U = (M.make_config(p) for p in ("tensorflow_speech_commands", "tensorflow", "tensorflow_tutorial"))
    for title, ref, steps in (
        ("Config.preset(\"tensorflow_speech_commands\", ...) vs Mfcc(AudioSpectrogram(y, 480, 160, True))", op, [
            ("ortho DCT, power 2 (the op's input as it is), every bin",
             dict(C, dct_norm="ortho", power=2.0, mel_first_bin=None)),
            ("+ dct_norm=\"htk\"", dict(C, power=2.0, mel_first_bin=None)),
            ("+ power=1 (the filterbank's sqrt)", dict(C, mel_first_bin=None)),
            ("+ mel_first_bin=\"htk\" = the preset", C)]),
        ("Config.preset(\"tensorflow\", ...) vs tf.signal (1024/256, 80 bins 80-7600, log(x + 1e-6), mfccs[..., :13])",
         sig.numpy()[:, :13], [
            ("power 2, ortho DCT", dict(T, power=2.0, dct_norm="ortho")),
            ("+ dct_norm=\"htk\"", dict(T, power=2.0)),
            ("+ power=1 (tf.abs) = the preset", T),
            ("the preset with window_periodic=False", dict(T, window_periodic=False))]),
        ("Config.preset(\"tensorflow_tutorial\", ...) vs tf.abs(tf.signal.stft(y, 255, 128))", tut, [
            ("window_periodic=True", dict(U, window_periodic=True)),
            ("the preset (symmetric: TF's \"periodic\" Hann of an odd length)", U)]),
    ):
        table([f"float64 model: {title}", "max |diff|"],
              [(name, np.abs(M.model_features(x, cfg) - ref).max()) for name, cfg in steps])


def speechbrain_steps(y32):
    """Section 15: SpeechBrain's Fbank() steps, one at a time, against SpeechBrain itself."""
    try:
        import torch
        from speechbrain.lobes.features import Fbank
    except ImportError as exc:
        print(f"\n(section 15 skipped: speechbrain/torch not importable: {exc})")
        return
    section("15. SpeechBrain: triangles that end early, and a clip over the whole utterance")
    with torch.no_grad():
        ref = Fbank().eval()(torch.from_numpy(y32)[None])[0].numpy().astype(np.float64)  # frames x 40, dB
    S = M.make_config("speechbrain")
    x = y32.astype(np.float64)
    steps = [
        ("HTK mel, triangles linear in Hz between points m and m+2 (librosa's shape), no clip",
         dict(S, mel_triangles="hz", top_db=None)),
        ("+ mel_triangles=\"hz_symmetric\" (centred on point m+1, as wide above as below)",
         dict(S, top_db=None)),
        ("+ top_db=80 over the whole utterance = the \"speechbrain\" preset", S),
        ("the preset with window_periodic=False (np.hamming)", dict(S, window_periodic=False)),
    ]
    kept = ref > ref.max() - 80.0 + 1e-3  # the values SpeechBrain's clip left alone
    rows = []
    for name, cfg in steps:
        d = np.abs(M.model_features(x, cfg) - ref)
        rows.append((name, d.max(), d[kept].max()))
    table(["float64 model: `Config.preset(\"speechbrain\")` vs `Fbank()(y[None])[0]` (dB)", "max |diff|",
           f"max |diff| where SpeechBrain did not clip ({kept.mean():.0%} of the values)"], rows)


def nemo_steps(y32):
    """Section 16: NeMo's FilterbankFeatures steps, one at a time, against NeMo itself."""
    try:
        import torch
        from _nemo_ref import nemo_filterbank_features  # tests/_nemo_ref.py
        features = nemo_filterbank_features()
    except ImportError as exc:
        print(f"\n(section 16 skipped: nemo_toolkit/torch not importable: {exc})")
        return
    section("16. NeMo: pre-emphasis over the signal, ln(x + 2^-24), and a normalisation over the utterance")

    def nemo(**kw):  # (frames, 64): the valid frames of one item, float64
        fb = features(**kw).eval()
        with torch.no_grad():
            out, n = fb(torch.from_numpy(y32)[None], torch.tensor([len(y32)]))
        return out[0, :, :int(n[0])].numpy().T.astype(np.float64)

    raw, normed = nemo(normalize=None), nemo()
    N = M.make_config("nemo")
    x = y32.astype(np.float64)
    steps = [
        ("pre-emphasis inside each frame (Kaldi, torchaudio), ln(x + 2^-24), no normalisation",
         "normalize=None", dict(N, preemphasis_scope="frame", normalize=None), raw),
        ("+ preemphasis_scope=\"signal\" (once over the waveform, before framing)", "normalize=None",
         dict(N, normalize=None), raw),
        ("that with ln(max(x, 2^-24)) (the floor of Kaldi and librosa) instead", "normalize=None",
         dict(N, log_floor_mode="max", normalize=None), raw),
        ("+ normalize=\"per_feature\" = the \"nemo\" preset", "defaults", N, normed),
        ("the preset with window_periodic=True (torch.hann_window's default)", "defaults",
         dict(N, window_periodic=True), normed),
        ("the preset with drop_last_frame=False (one frame more than NeMo's length)", "defaults",
         dict(N, drop_last_frame=False), normed),
    ]
    rows = []
    for name, which, cfg, ref in steps:
        ours = M.model_features(x, cfg)
        if ours.shape != ref.shape:
            rows.append((name, which, f"{ours.shape[0]} frames vs {ref.shape[0]}"))
            continue
        rows.append((name, which, np.abs(ours - ref).max()))
    table(["float64 model vs NeMo `FilterbankFeatures(...)` (64 mels)", "NeMo call",
           "max |diff|"], rows)


if __name__ == "__main__":
    main()
