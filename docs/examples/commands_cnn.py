"""12-class spoken commands with a small CNN on log-mel images (PyTorch, CPU).

Every 1 s clip becomes a 40 x 98 log-mel image (40 bands, 25 ms frames every
10 ms), made on the fly by ``fastfeat.torch.FeatureDataset``: each epoch the
training clips get a new random gain, time shift and background noise
(``fastfeat.augment``) and SpecAugment masks.  A 4-layer CNN (~60k
parameters) is trained with Adam; test voices are never heard in training.

    python docs/examples/commands_cnn.py            # 96 voices, ~3.5k clips, a few minutes
    python docs/examples/commands_cnn.py --quick    # 16 voices (CI, ~10 s)

Prints the test accuracy, the time of the feature extraction (all clips)
with fastfeat and with librosa, and saves the training curve to --plot-dir.
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
from _common import commands_manifest, speed_line

HERE = os.path.dirname(os.path.abspath(__file__))
IMG = os.path.normpath(os.path.join(HERE, "..", "img"))

# log-mel, a configuration librosa computes too (melspectrogram + power_to_db)
CONFIG = ff.Config(
    kind="logmel", sample_rate=16000, frame_length=400, hop_length=160, n_fft=512, window="hamming",
    window_periodic=True, center=True, preemphasis=0.0, n_mels=40, mel_scale="slaney",
    mel_norm="slaney", mel_triangles="hz", log="db", top_db=80.0,
)


def librosa_logmel(signals, cfg=CONFIG):
    import librosa

    return [np.ascontiguousarray(librosa.power_to_db(librosa.feature.melspectrogram(
        y=y, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length, win_length=cfg.frame_length,
        window="hamming", n_mels=cfg.n_mels), top_db=cfg.top_db).T, dtype=np.float32) for y in signals]


def waveform_augment(y, rng):
    """Random gain (0.7-1.3, sometimes 0.3-0.5), shift (+-100 ms), noise (10-30 dB SNR)."""
    z = augment.random_gain(augment.time_shift(y, max_shift=1600, rng=rng), rng=rng)
    if np.any(z) and rng.random() < 0.8:
        z = augment.add_noise(z, str(rng.choice(list(augment.NOISE_COLORS))), snr_db=(10.0, 30.0), rng=rng)
    return z


def make_model(n_classes, n_mels=40):
    import torch.nn as nn

    def block(cin, cout, pool=True):
        layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        return layers + ([nn.MaxPool2d(2)] if pool else [])

    return nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 48), *block(48, 64, pool=False),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, n_classes))


def evaluate(model, loader):
    import torch

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, t in loader:
            correct += int((model(x).argmax(1) == t).sum())
            total += len(t)
    return correct / total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="16 voices, 1 clip per word, batch 16 (CI)")
    p.add_argument("--data", help="data folder (generated there if it has no manifest.csv)")
    p.add_argument("--voices", type=int, help="voices to generate (default 96; 16 with --quick)")
    p.add_argument("--per-word", type=int, help="clips per word and voice (default 3; 1 with --quick)")
    p.add_argument("--epochs", type=int, default=None, help="default 20")
    p.add_argument("--batch-size", type=int, help="default 64 (16 with --quick)")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    p.add_argument("--plot-dir", help="where to save PNGs (default docs/img for a full run, none with --quick)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        import torch
        from torch.utils.data import DataLoader
    except ImportError:
        sys.exit("this example needs PyTorch: pip install torch (the CPU wheel is enough)")
    from fastfeat.torch import FeatureDataset, SpecAugment

    voices = args.voices or (16 if args.quick else 96)
    per_word = args.per_word or (1 if args.quick else 3)
    epochs = args.epochs or 20
    args.batch_size = args.batch_size or (16 if args.quick else 64)
    plot_dir = args.plot_dir or (None if args.quick else IMG)
    manifest = commands_manifest(args.data, voices, per_word, args.seed)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train = FeatureDataset.from_manifest(manifest, "train", config=CONFIG, n_frames=98,
                                         waveform_augment=waveform_augment,
                                         spec_augment=SpecAugment(freq_masks=2, freq_width=6, time_masks=2, time_width=12),
                                         seed=args.seed)
    test = FeatureDataset.from_manifest(manifest, "test", config=CONFIG, n_frames=98, classes=train.classes)
    m = read_manifest(manifest)
    assert not set(s for s, sp in zip(m.speakers, m.splits) if sp == "train") & \
        set(s for s, sp in zip(m.speakers, m.splits) if sp == "test"), "a voice is in both splits"
    print(f"data: {len(train)} training clips, {len(test)} test clips, {len(set(m.speakers))} voices, "
          f"{len(train.classes)} classes; images {tuple(train[0][0].shape)}")

    # extraction time for every clip, fastfeat vs librosa (audio already decoded)
    signals = [train.signal(i) for i in range(len(train))] + [test.signal(i) for i in range(len(test))]
    ext = ff.Extractor(CONFIG)
    ext.map(signals[:2])
    librosa_logmel(signals[:2])
    t0 = time.perf_counter()
    ext.map(signals)
    t_ff = time.perf_counter() - t0
    t0 = time.perf_counter()
    ext.map(signals, threads=1)
    t_ff1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    librosa_logmel(signals)
    t_lr = time.perf_counter() - t0

    model = make_model(len(train.classes), CONFIG.n_mels)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
    steps = epochs * -(-len(train) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.05)
    test_loader = DataLoader(test, batch_size=256)
    gen = torch.Generator().manual_seed(args.seed)
    history = []
    t_train = time.perf_counter()
    for epoch in range(epochs):
        train.set_epoch(epoch)
        model.train()
        total = 0.0
        for x, t in DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=gen):
            opt.zero_grad()
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(t)
        acc = evaluate(model, test_loader)
        history.append((total / len(train), acc))
        print(f"epoch {epoch + 1:2d}/{epochs}: train loss {total / len(train):.3f}, test accuracy {acc:.3f}", flush=True)
    t_train = time.perf_counter() - t_train

    print(f"model: {n_params} parameters; training {t_train:.1f} s on {args.threads} CPU threads")
    print(f"accuracy CNN on fastfeat log-mel: {history[-1][1]:.3f}")
    print(speed_line(len(signals), t_ff, t_lr, os.cpu_count(), t_ff1))
    if plot_dir:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from fastfeat import display

        os.makedirs(plot_dir, exist_ok=True)
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), constrained_layout=True)
        ep = np.arange(1, epochs + 1)
        axes[0].plot(ep, [h[0] for h in history], label="train loss")
        axes[0].plot(ep, [h[1] for h in history], label="test accuracy (unseen voices)")
        axes[0].set_xlabel("epoch")
        axes[0].legend()
        axes[0].set_title("small CNN on log-mel")
        train.set_epoch(0)
        display.specshow(test.features(0)[:, :CONFIG.n_mels], CONFIG, ax=axes[1])
        axes[1].set_title(f'test input: "{test.classes[test.targets[0]]}"')
        display.specshow(train.features(0)[:, :CONFIG.n_mels], CONFIG, ax=axes[2])
        axes[2].set_title("training input: augmented + SpecAugment")
        fig.savefig(os.path.join(plot_dir, "commands_cnn.png"), dpi=90)
        plt.close(fig)
        print(f"plot: {plot_dir}/commands_cnn.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
