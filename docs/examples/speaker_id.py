"""Speaker identification: which of N voices said this word? (RBF SVM)

Text-independent closed-set identification: for every voice the SVM is
trained on the clips of eight words (yes no up down left right on off) and
tested on *other* words of the same voices (stop, go and the "unknown"
words), so it must recognise the voice, not the word.  (Speaker
identification tests the speakers it was trained on; what is held out is
the text.)  Each clip becomes 30 MFCCs (and Δ) pooled over frames by
``fastfeat.sklearn.FeatureExtractor`` straight from the WAV paths, in a
scikit-learn Pipeline; the same pipeline on librosa features is the
reference.

    python docs/examples/speaker_id.py                 # 10 of the 96 voices
    python docs/examples/speaker_id.py --speakers 0    # all 96 voices
    python docs/examples/speaker_id.py --quick         # 10 of 16 voices (CI)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import fastfeat as ff
from fastfeat.datasets import read_manifest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _common.py beside this script
from _common import commands_manifest, librosa_config, librosa_features, speed_line

HERE = os.path.dirname(os.path.abspath(__file__))
IMG = os.path.normpath(os.path.join(HERE, "..", "img"))
TRAIN_WORDS = {"yes", "no", "up", "down", "left", "right", "on", "off"}

# commands_svm.py's configuration (librosa can compute it too) with a finer
# spectral envelope for voices: 64 mel bands, 30 coefficients, plus Δ.
CONFIG = librosa_config(n_mels=64, n_mfcc=30, deltas=1)


def speech_only(mats, starts, ends, cfg=CONFIG):
    """Keep the frames whose centre lies within the spoken word (the clip is mostly noise)."""
    from fastfeat.sklearn import frame_times

    out = []
    for m, s, e in zip(mats, starts, ends):
        t = frame_times(m.shape[0], cfg)
        keep = (t >= s) & (t < e)
        out.append(m[keep] if keep.sum() >= 3 else m)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="16 voices, 1 clip per word (CI)")
    p.add_argument("--data", help="data folder (generated there if it has no manifest.csv)")
    p.add_argument("--voices", type=int, help="voices to generate (default 96; 16 with --quick)")
    p.add_argument("--per-word", type=int, help="clips per word and voice (default 3; 1 with --quick)")
    p.add_argument("--speakers", type=int, default=10,
                   help="identify among this many voices (a seeded choice; default 10, 0 = all)")
    p.add_argument("--plot-dir", help="where to save PNGs (default docs/img for a full run, none with --quick)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    voices = args.voices or (16 if args.quick else 96)
    per_word = args.per_word or (1 if args.quick else 3)
    plot_dir = args.plot_dir or (None if args.quick else IMG)
    manifest = commands_manifest(args.data, voices, per_word, args.seed)

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from fastfeat.sklearn import FeatureExtractor, Pooling

    m = read_manifest(manifest)
    all_voices = sorted(set(m.speakers))
    if args.speakers and args.speakers < len(all_voices):
        chosen = set(np.random.default_rng(args.seed).choice(all_voices, args.speakers, replace=False))
    else:
        chosen = set(all_voices)
    rows = [i for i, lab in enumerate(m.labels) if lab != "silence" and m.speakers[i] in chosen]  # noise has no speaker
    tr = [i for i in rows if m.words[i] in TRAIN_WORDS]
    te = [i for i in rows if m.words[i] not in TRAIN_WORDS]
    paths = [m.paths[i] for i in tr + te]
    speakers = [m.speakers[i] for i in tr + te]
    starts = [m.starts[i] for i in tr + te]
    ends = [m.ends[i] for i in tr + te]
    n = len(tr)
    print(f"data: {len(set(speakers))} voices; {n} training clips (words {' '.join(sorted(TRAIN_WORDS))}), "
          f"{len(te)} test clips (other words)")

    # 1) the whole pipeline from paths: FeatureExtractor -> scaler -> SVM
    static_cfg = CONFIG.replace(deltas=0)
    pipe = make_pipeline(FeatureExtractor(static_cfg, pooling="meanstd"), StandardScaler(), SVC(C=10.0))
    pipe.fit(paths[:n], speakers[:n])
    acc_pipe = float(np.mean(pipe.predict(paths[n:]) == np.asarray(speakers[n:])))

    # 2) fastfeat vs librosa on the same decoded audio, speech frames only, same pooling and SVM
    signals = [ff.load(p_, sr=16000)[0] for p_ in paths]
    fe = FeatureExtractor(CONFIG, pooling=None)
    fe.transform(signals[:2])
    librosa_features(signals[:2], CONFIG)
    t0 = time.perf_counter()
    ff_mats = fe.transform(signals)
    t_ff = time.perf_counter() - t0
    t0 = time.perf_counter()
    FeatureExtractor(CONFIG, pooling=None, n_jobs=1).transform(signals)
    t_ff1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    lr_mats = librosa_features(signals, CONFIG)
    t_lr = time.perf_counter() - t0

    def accuracy(mats, pooling="meanstd", columns=None):
        mats = speech_only(mats, starts, ends)
        if columns is not None:
            mats = [x[:, columns] for x in mats]
        clf = make_pipeline(Pooling(pooling), StandardScaler(), SVC(C=10.0))
        clf.fit(mats[:n], speakers[:n])
        pred = clf.predict(mats[n:])
        return float(np.mean(pred == np.asarray(speakers[n:]))), pred

    static = list(range(CONFIG.n_static))
    acc_ff, pred = accuracy(ff_mats, columns=static)
    acc_lr, _ = accuracy(lr_mats, columns=static)
    acc_ff_d, _ = accuracy(ff_mats)
    acc_lr_d, _ = accuracy(lr_mats)
    chance = 1.0 / len(set(speakers))
    print(f"accuracy pipeline from paths, fastfeat MFCC mean/std, whole clip: {acc_pipe:.3f}")
    print(f"accuracy fastfeat MFCC mean/std over speech frames: {acc_ff:.3f}")
    print(f"accuracy librosa MFCC mean/std over speech frames: {acc_lr:.3f}")
    print(f"accuracy fastfeat MFCC+Δ mean/std over speech frames: {acc_ff_d:.3f}")
    print(f"accuracy librosa MFCC+Δ mean/std over speech frames: {acc_lr_d:.3f}  (chance {chance:.3f})")
    print(speed_line(len(signals), t_ff, t_lr, os.cpu_count(), t_ff1))
    if plot_dir:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from fastfeat import display

        os.makedirs(plot_dir, exist_ok=True)
        # one word, two voices: the spectral envelope differences the SVM uses
        word = next(w for w in ("stop", "go") if w in {m.words[i] for i in te})
        picks = []
        for i in te:
            if m.words[i] == word and m.speakers[i] not in {m.speakers[j] for j in picks}:
                picks.append(i)
        picks = picks[:2]
        fig, axes = plt.subplots(2, 2, figsize=(11, 5.5), constrained_layout=True)
        for col, i in enumerate(picks):
            y = ff.load(m.paths[i], sr=16000)[0]
            lm = ff.Config(kind="logmel")
            display.specshow(ff.logmel(y, config=lm), lm, ax=axes[0, col])
            axes[0, col].set_title(f'"{word}", voice {m.speakers[i]}: log-mel')
            display.specshow(ff.mfcc(y, sr=16000), ff.Config(), ax=axes[1, col])
            axes[1, col].set_title("MFCC")
        fig.savefig(os.path.join(plot_dir, "speaker_id.png"), dpi=90)
        plt.close(fig)
        print(f"plot: {plot_dir}/speaker_id.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
