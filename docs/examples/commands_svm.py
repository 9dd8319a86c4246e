"""12-class spoken commands with an RBF SVM on pooled MFCC + Δ + ΔΔ.

The classic utterance-level experiment: every 1 s clip becomes one vector
(the mean and standard deviation over frames of 13 MFCCs with Δ and ΔΔ, 78
numbers), standardised, into ``SVC(kernel="rbf")``.  The same pipeline runs
on features computed by librosa with the same settings, and on static MFCCs
only.  Test voices are never heard in training (speaker-disjoint split).

Data: ``fastfeat.datasets.synth_commands`` (espeak-ng, 10 commands +
unknown + silence), generated into ``--data`` on first use.

    python docs/examples/commands_svm.py            # 96 voices, ~3.5k clips
    python docs/examples/commands_svm.py --quick    # 16 voices (CI)

Prints the test accuracy of each variant and the feature-extraction time of
fastfeat and librosa; saves plots to ``--plot-dir`` (docs/img for a full run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import fastfeat as ff
from fastfeat import augment
from fastfeat.datasets import read_manifest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _common.py beside this script
from _common import commands_manifest, librosa_config, librosa_features, speed_line

HERE = os.path.dirname(os.path.abspath(__file__))
IMG = os.path.normpath(os.path.join(HERE, "..", "img"))

# One configuration that librosa can compute too: librosa.feature.mfcc with
# n_fft=512, win_length=400 (25 ms), hop 160 (10 ms), Hamming, 40 Slaney mel
# bands, power_to_db (top_db 80), 13 coefficients; Δ/ΔΔ over +-2 frames.
CONFIG = librosa_config(n_mels=40, n_mfcc=13, deltas=2)


def get_data(args):
    """(train signals, train labels, test signals, test labels, manifest)."""
    manifest = commands_manifest(args.data, args.voices, args.per_word, args.seed)
    m = read_manifest(manifest)
    sigs = [ff.load(p, sr=16000)[0] for p in m.paths]
    tr = [i for i, s in enumerate(m.splits) if s == "train"]
    te = [i for i, s in enumerate(m.splits) if s == "test"]
    assert not {m.speakers[i] for i in tr} & {m.speakers[i] for i in te}, "a voice is in both splits"
    return ([sigs[i] for i in tr], [m.labels[i] for i in tr], [sigs[i] for i in te],
            [m.labels[i] for i in te], m)


def augmented(signals, labels, copies, seed):
    """``copies`` extra versions of every training clip: gain, shift (+-100 ms), noise (10-30 dB SNR)."""
    rng = np.random.default_rng(seed)
    xs, ys = list(signals), list(labels)
    for _ in range(copies):
        for y, lab in zip(signals, labels):
            z = augment.time_shift(y, max_shift=1600, rng=rng)
            z = augment.random_gain(z, rng=rng)
            if lab != "silence" and np.any(z):
                z = augment.add_noise(z, str(rng.choice(list(augment.NOISE_COLORS))), snr_db=(10.0, 30.0), rng=rng)
            xs.append(z)
            ys.append(lab)
    return xs, ys


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def svm_accuracy(train_mats, y_train, test_mats, y_test, columns=None, C=10.0):
    """Pool (mean, std), standardise, RBF SVM; test accuracy and predictions."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from fastfeat.sklearn import Pooling

    if columns is not None:
        train_mats = [m[:, columns] for m in train_mats]
        test_mats = [m[:, columns] for m in test_mats]
    clf = make_pipeline(Pooling("meanstd"), StandardScaler(), SVC(kernel="rbf", C=C, gamma="scale"))
    clf.fit(train_mats, y_train)
    pred = clf.predict(test_mats)
    return float(np.mean(pred == np.asarray(y_test))), pred


def save_plots(plot_dir, x_test, y_test, pred, m):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from fastfeat import display

    os.makedirs(plot_dir, exist_ok=True)
    i = y_test.index("left") if "left" in y_test else 0
    fig = display.show_features(x_test[i], ff.Config(), title=f'test clip: "{y_test[i]}" (unseen voice)')
    fig.savefig(os.path.join(plot_dir, "commands_features.png"), dpi=90)
    plt.close(fig)
    labels = [c for c in ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "unknown", "silence")
              if c in set(y_test)]
    fig, ax = plt.subplots(figsize=(7, 6), constrained_layout=True)
    ConfusionMatrixDisplay.from_predictions(y_test, pred, labels=labels, ax=ax, colorbar=False,
                                            xticks_rotation=45)
    ax.set_title("SVM on fastfeat MFCC+Δ+ΔΔ (mean, std): unseen voices")
    fig.savefig(os.path.join(plot_dir, "commands_svm_confusion.png"), dpi=90)
    plt.close(fig)
    print(f"plots: {plot_dir}/commands_features.png, commands_svm_confusion.png")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small data set (16 voices, 1 clip per word) for CI")
    p.add_argument("--data", help="data folder (generated there if it has no manifest.csv)")
    p.add_argument("--voices", type=int, help="voices to generate (default 96; 16 with --quick)")
    p.add_argument("--per-word", type=int, help="clips per word and voice (default 3; 1 with --quick)")
    p.add_argument("--augment", type=int, default=1, help="augmented copies of the training set (default 1)")
    p.add_argument("--plot-dir", help="where to save PNGs (default docs/img for a full run, none with --quick)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    args.voices = args.voices or (16 if args.quick else 96)
    args.per_word = args.per_word or (1 if args.quick else 3)
    plot_dir = args.plot_dir or (None if args.quick else IMG)

    x_tr, y_tr, x_te, y_te, m = get_data(args)
    x_tr, y_tr = augmented(x_tr, y_tr, args.augment, args.seed)
    print(f"data: {len(x_tr)} training clips (with {args.augment} augmented copies), {len(x_te)} test clips, "
          f"{len(set(m.speakers))} voices, {len(set(y_tr))} classes")

    from fastfeat.sklearn import FeatureExtractor

    signals = x_tr + x_te
    threads = os.cpu_count() or 1
    ext = FeatureExtractor(CONFIG, pooling=None)
    ext.transform(signals[:2])
    librosa_features(signals[:2], CONFIG)  # warm-up: imports, caches
    ff_mats, t_ff = timed(FeatureExtractor(CONFIG, pooling=None, n_jobs=threads).transform, signals)
    _, t_ff1 = timed(FeatureExtractor(CONFIG, pooling=None, n_jobs=1).transform, signals)
    lr_mats, t_lr = timed(librosa_features, signals, CONFIG)
    n = len(x_tr)

    acc_ff, pred = svm_accuracy(ff_mats[:n], y_tr, ff_mats[n:], y_te)
    acc_lr, _ = svm_accuracy(lr_mats[:n], y_tr, lr_mats[n:], y_te)
    static = list(range(CONFIG.n_static))
    acc_ff_s, _ = svm_accuracy(ff_mats[:n], y_tr, ff_mats[n:], y_te, columns=static)
    acc_lr_s, _ = svm_accuracy(lr_mats[:n], y_tr, lr_mats[n:], y_te, columns=static)

    print(f"accuracy fastfeat MFCC+Δ+ΔΔ (78 dims): {acc_ff:.3f}")
    print(f"accuracy librosa MFCC+Δ+ΔΔ (78 dims): {acc_lr:.3f}")
    print(f"accuracy fastfeat static MFCC (26 dims): {acc_ff_s:.3f}")
    print(f"accuracy librosa static MFCC (26 dims): {acc_lr_s:.3f}")
    print(f"Δ+ΔΔ add {100 * (acc_ff - acc_ff_s):+.1f} points (fastfeat), {100 * (acc_lr - acc_lr_s):+.1f} (librosa)")
    print(speed_line(len(signals), t_ff, t_lr, threads, t_ff1))
    if plot_dir:
        save_plots(plot_dir, x_te, y_te, pred, m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
