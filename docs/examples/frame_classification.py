"""Frame-level classification: which word is being spoken in this 10 ms frame?

Every frame of the command clips is labelled from the known word boundaries
(``start``/``end`` in the manifest, turned into frame labels by
``fastfeat.sklearn.frame_labels`` at each frame's centre): the word (10
classes) inside it, ``sil`` outside, so 11 classes -- a stand-in for the
phone-class experiments of the classic write-ups.  ``FrameFeatures`` gives one
row per frame; an RBF SVM is trained on a random sample of training frames
and tested on frames of unseen voices, for four inputs: static MFCC, MFCC +
Δ + ΔΔ, and each with ±``--context`` frames spliced in.

    python docs/examples/frame_classification.py            # 96 voices
    python docs/examples/frame_classification.py --quick    # 16 voices (CI)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import fastfeat as ff
from fastfeat.datasets import COMMANDS, read_manifest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _common.py beside this script
from _common import commands_manifest, librosa_config, librosa_features, speed_line

HERE = os.path.dirname(os.path.abspath(__file__))
IMG = os.path.normpath(os.path.join(HERE, "..", "img"))

# HTK/Kaldi-style MFCC (the default Config: pre-emphasis, Hamming, 40 HTK mel
# bands, ln) with c0 replaced by log energy, + Δ + ΔΔ (39 dims).  librosa has no
# pre-emphasis, HTK mel triangles or energy, so its row uses commands_svm.py's
# librosa-equivalent settings instead.
CONFIG = ff.Config(energy="replace_c0", deltas=2)
LIBROSA_CONFIG = librosa_config(n_mels=40, n_mfcc=13, deltas=2)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="16 voices, 1 clip per word, fewer frames (CI)")
    p.add_argument("--data", help="data folder (generated there if it has no manifest.csv)")
    p.add_argument("--voices", type=int, help="voices to generate (default 96; 16 with --quick)")
    p.add_argument("--per-word", type=int, help="clips per word and voice (default 3; 1 with --quick)")
    p.add_argument("--context", type=int, default=5, help="frames spliced on each side (default 5)")
    p.add_argument("--train-frames", type=int, help="training frames sampled (default 10000; 3000 with --quick)")
    p.add_argument("--test-frames", type=int, help="test frames sampled (default 10000; 3000 with --quick)")
    p.add_argument("--plot-dir", help="where to save PNGs (default docs/img for a full run, none with --quick)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    voices = args.voices or (16 if args.quick else 96)
    per_word = args.per_word or (1 if args.quick else 3)
    n_train = args.train_frames or (3000 if args.quick else 10000)
    n_test = args.test_frames or (3000 if args.quick else 10000)
    plot_dir = args.plot_dir or (None if args.quick else IMG)
    manifest = commands_manifest(args.data, voices, per_word, args.seed)

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from fastfeat.sklearn import FrameFeatures, frame_labels

    m = read_manifest(manifest)
    rows = {s: [i for i, lab in enumerate(m.labels) if lab in COMMANDS and m.splits[i] == s] for s in ("train", "test")}
    signals = {split: [ff.load(m.paths[i], sr=16000)[0] for i in idx] for split, idx in rows.items()}

    def labels_for(cfg):
        """Frame labels (word inside its boundaries, 'sil' outside) for cfg's framing, and a
        seeded sample of frame indices per split."""
        labels, sample = {}, {}
        rng = np.random.default_rng(args.seed)
        for split, idx in rows.items():
            segments = [[(m.starts[i], m.ends[i], m.words[i])] for i in idx]
            labels[split] = frame_labels(segments, signals[split], config=cfg, default="sil")
            n = n_train if split == "train" else n_test
            sample[split] = np.sort(rng.choice(len(labels[split]), min(n, len(labels[split])), replace=False))
        return labels, sample

    labels, sample = labels_for(CONFIG)
    classes = sorted(set(labels["train"]))
    print(f"data: {len(rows['train'])} training clips, {len(rows['test'])} test clips (unseen voices); "
          f"{len(labels['train'])} / {len(labels['test'])} frames, {len(classes)} classes; "
          f"SVM on {len(sample['train'])} sampled training frames, tested on {len(sample['test'])}")
    share_sil = float(np.mean(labels["test"][sample["test"]] == "sil"))

    def run(cfg, context, extractor=None):
        labels, sample = labels_for(cfg)  # the frames of cfg (librosa's centring gives 101 per clip)
        feats = {}
        for split in ("train", "test"):
            if extractor is None:  # per-utterance CMN, then ±context frames spliced
                feats[split] = FrameFeatures(cfg, context=context, cmvn="utterance").fit_transform(signals[split])
            else:
                feats[split] = extractor(signals[split])
            assert feats[split].shape[0] == len(labels[split]), "one label per frame row"
        clf = make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale"))
        clf.fit(feats["train"][sample["train"]], labels["train"][sample["train"]])
        pred = clf.predict(feats["test"][sample["test"]])
        return float(np.mean(pred == labels["test"][sample["test"]])), pred

    k = args.context
    static = CONFIG.replace(deltas=0)
    results = {
        "static MFCC (13)": run(static, 0),
        "MFCC+Δ+ΔΔ (39)": run(CONFIG, 0),
        f"static MFCC, ±{k} frames ({13 * (2 * k + 1)})": run(static, k),
        f"MFCC+Δ+ΔΔ, ±{k} frames ({39 * (2 * k + 1)})": run(CONFIG, k),
    }

    # the same frames from librosa (its own settings, see LIBROSA_CONFIG), and timing
    def lr_rows(sigs):
        from fastfeat.sklearn import CMVN
        return np.concatenate(CMVN().fit_transform(librosa_features(sigs, LIBROSA_CONFIG)))

    all_signals = signals["train"] + signals["test"]
    FrameFeatures(LIBROSA_CONFIG).fit_transform(all_signals[:2])
    librosa_features(all_signals[:2], LIBROSA_CONFIG)
    t0 = time.perf_counter()
    FrameFeatures(LIBROSA_CONFIG).fit_transform(all_signals)
    t_ff = time.perf_counter() - t0
    t0 = time.perf_counter()
    librosa_features(all_signals, LIBROSA_CONFIG)
    t_lr = time.perf_counter() - t0
    acc_ffl, _ = run(LIBROSA_CONFIG, 0)
    acc_lrl, _ = run(LIBROSA_CONFIG, 0, extractor=lr_rows)

    for name, (acc, _) in results.items():
        print(f"accuracy fastfeat {name}: {acc:.3f}")
    print(f"accuracy fastfeat MFCC+Δ+ΔΔ, librosa's settings: {acc_ffl:.3f}")
    print(f"accuracy librosa MFCC+Δ+ΔΔ, same settings: {acc_lrl:.3f}  ('sil' frames: {share_sil:.3f} of the test frames)")
    names = list(results)
    print(f"Δ+ΔΔ add {100 * (results[names[1]][0] - results[names[0]][0]):+.1f} points; "
          f"context adds {100 * (results[names[2]][0] - results[names[0]][0]):+.1f} (static), "
          f"{100 * (results[names[3]][0] - results[names[1]][0]):+.1f} (with Δ+ΔΔ)")
    print(speed_line(len(all_signals), t_ff, t_lr, os.cpu_count()))
    if plot_dir:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from fastfeat import display

        os.makedirs(plot_dir, exist_ok=True)
        y = signals["test"][0]
        n_fr = len(frame_labels([0], [y], config=CONFIG))
        lab = labels["test"][:n_fr]
        fig, axes = plt.subplots(2, 1, figsize=(9, 4.5), sharex=True, constrained_layout=True)
        display.specshow(ff.mfcc(y, config=CONFIG)[:, :13], CONFIG, ax=axes[0])
        axes[0].set_title(f'test clip "{m.words[rows["test"][0]]}": MFCC (c0 = log energy)')
        from fastfeat.sklearn import frame_times
        t = frame_times(n_fr, CONFIG)
        axes[1].step(t, lab != "sil", where="mid", label="frame label: word")
        axes[1].set_yticks([0, 1], ["sil", "word"])
        axes[1].set_xlabel("time (s)")
        axes[1].set_title("frame labels from the word boundaries (frame_labels)")
        fig.savefig(os.path.join(plot_dir, "frame_labels.png"), dpi=90)
        plt.close(fig)
        print(f"plot: {plot_dir}/frame_labels.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
