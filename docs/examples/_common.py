"""Helpers shared by the classifier examples (not part of the fastfeat API).

The examples compare fastfeat with librosa on features both can compute:
``librosa_config`` is the fastfeat Config of librosa.feature.mfcc with
n_fft=512, win_length=400, hop 160, Hamming, Slaney mel, power_to_db
(top_db 80); ``librosa_features`` computes the same matrices with librosa.
"""

from __future__ import annotations

import numpy as np

import fastfeat as ff


def librosa_config(n_mels: int = 40, n_mfcc: int = 13, deltas: int = 2) -> ff.Config:
    """librosa.feature.mfcc's conventions at 16 kHz, 25 ms / 10 ms frames."""
    return ff.Config(
        sample_rate=16000, frame_length=400, hop_length=160, n_fft=512, window="hamming",
        window_periodic=True, center=True, preemphasis=0.0, n_mels=n_mels, mel_scale="slaney",
        mel_norm="slaney", mel_triangles="hz", log="db", top_db=80.0, n_mfcc=n_mfcc, deltas=deltas,
    )


def librosa_features(signals, cfg: ff.Config) -> list[np.ndarray]:
    """The same features with librosa: MFCC (cfg's settings), Δ and ΔΔ (width 2 * delta_width + 1)."""
    import librosa

    out = []
    for y in signals:
        m = librosa.feature.mfcc(y=y, sr=cfg.sample_rate, n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft,
                                 hop_length=cfg.hop_length, win_length=cfg.frame_length,
                                 window="hamming", n_mels=cfg.n_mels)  # power_to_db: top_db 80
        w = 2 * cfg.delta_width + 1
        parts = [m] + [librosa.feature.delta(m, width=w, order=o) for o in range(1, cfg.deltas + 1)]
        out.append(np.ascontiguousarray(np.vstack(parts).T, dtype=np.float32))
    return out


def speed_line(n: int, t_ff: float, t_lr: float, threads: int, t_ff1: float | None = None) -> str:
    """The examples' timing summary: fastfeat vs librosa on the same clips."""
    one = f", {t_ff1:.3f} s (1 thread)" if t_ff1 is not None else ""
    one_x = f" ({t_lr / t_ff1:.0f}x on 1 thread)" if t_ff1 is not None else ""
    return (f"extraction of {n} clips: fastfeat {t_ff:.3f} s ({threads} threads){one}; "
            f"librosa {t_lr:.3f} s; fastfeat is {t_lr / t_ff:.0f}x faster{one_x}")


def commands_manifest(data: str | None, voices: int, per_word: int, seed: int) -> str:
    """manifest.csv of the synthetic speech-commands set, generated on first use.

    ``data`` defaults to a temporary folder named after the parameters, so
    runs with the same parameters share one generated set.
    """
    import os
    import sys
    import tempfile

    from fastfeat.datasets import espeak_binary, synth_commands

    data = data or os.path.join(tempfile.gettempdir(), f"fastfeat-commands-v{voices}-k{per_word}-s{seed}")
    manifest = os.path.join(data, "manifest.csv")
    if not os.path.exists(manifest):
        if espeak_binary() is None:
            sys.exit("espeak-ng is not installed: apt-get install espeak-ng (needed to speak the data set)")
        print(f"generating the data set in {data} ...", flush=True)
        synth_commands(data, n_voices=voices, n_per_word=per_word, seed=seed)
    return manifest
