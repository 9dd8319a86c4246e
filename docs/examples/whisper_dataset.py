"""Whisper input features for a whole data set, two ways, on generated audio.

1. The corpus command: ``fastfeat extract DIR -o OUT --preset whisper`` writes
   one (n_frames, 80) log-mel matrix per file (the whole file, one clamp
   maximum per file: openai-whisper's ``log_mel_spectrogram(audio)``).
2. Hugging Face ``datasets``: ``Dataset.map(batched=True)`` with
   ``fastfeat.compat.whisper.WhisperFeatureExtractor`` in place of
   transformers' (each item padded to 30 s, clamped on its own), timed
   against transformers' extractor on the same data.

Usage::

    python docs/examples/whisper_dataset.py [--clips 64] [--quick]

Needs the "models" references (openai-whisper, transformers) and ``datasets``
for the comparisons; the audio is generated here (espeak-ng when installed,
else tones in noise), nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile as sf

import fastfeat as ff
from fastfeat.compat import whisper as fw

SR = 16000
WORDS = ["turn left", "stop", "go forward", "yes", "no", "open the door", "what time is it", "play music"]


def make_clips(n: int, out_dir: str) -> list[str]:
    """n WAV files of 1-6 s: spoken by espeak-ng if it is installed, else tones in noise."""
    rng = np.random.default_rng(0)
    espeak = shutil.which("espeak-ng")
    paths = []
    for i in range(n):
        path = os.path.join(out_dir, f"clip{i:04d}.wav")
        if espeak:
            raw = path + ".raw.wav"
            subprocess.run([espeak, "-v", "en-us", "-s", str(120 + 10 * (i % 6)), "-w", raw,
                            " ".join(WORDS[(i + k) % len(WORDS)] for k in range(1 + i % 4))], check=True)
            y = ff.load(raw, sr=SR)[0]
            os.remove(raw)
        else:
            t = np.arange(int(SR * rng.uniform(1.0, 6.0))) / SR
            y = (0.3 * np.sin(2 * np.pi * rng.uniform(100, 3000) * t) + 0.02 * rng.standard_normal(t.size))
        sf.write(path, np.asarray(y, np.float32), SR, subtype="FLOAT")
        paths.append(path)
    return paths


def corpus_command(audio_dir: str, out_dir: str) -> float:
    """Run fastfeat extract --preset whisper; return its wall time (s)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fastfeat", "extract", audio_dir, "-o", out_dir,
                    "--preset", "whisper", "-q"], check=True)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="16 clips")
    args = parser.parse_args(argv)
    n = 16 if args.quick else args.clips
    work = tempfile.mkdtemp(prefix="ff-whisper-")
    try:
        audio_dir = os.path.join(work, "audio")
        os.makedirs(audio_dir)
        paths = make_clips(n, audio_dir)
        print(f"{n} clips in {audio_dir}")

        # 1. the corpus command
        secs = corpus_command(audio_dir, os.path.join(work, "feats"))
        print(f"fastfeat extract --preset whisper: {n} files in {secs:.2f} s (including interpreter start)")
        y = ff.load(paths[0], sr=SR)[0]
        ours = ff.Extractor(ff.Config.preset("whisper"))(y).T
        try:
            import whisper

            ref = whisper.log_mel_spectrogram(y).numpy()
            print(f"clip 0 vs openai-whisper log_mel_spectrogram: max |diff| {np.abs(ours - ref).max():.2e}")
        except ImportError:
            print("(openai-whisper not installed: no comparison)")

        # 2. Hugging Face datasets, batched map
        try:
            import datasets
            import transformers
        except ImportError as exc:
            print(f"(datasets/transformers not installed: {exc}; skipping the datasets.map part)")
            return 0
        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()  # the closures below cannot be fingerprinted: no cache
        ds = datasets.Dataset.from_dict({"audio": [ff.load(p, sr=SR)[0] for p in paths]})
        ours_fe, hf_fe = fw.WhisperFeatureExtractor(), transformers.WhisperFeatureExtractor()

        def prepare(fe):
            def fn(batch):
                arrays = [np.asarray(a, np.float32) for a in batch["audio"]]
                return {"input_features": fe(arrays, sampling_rate=SR, return_tensors="np")["input_features"]}
            return fn

        timings = {}
        for name, fe in (("fastfeat", ours_fe), ("transformers", hf_fe)):
            t0 = time.perf_counter()
            mapped = ds.map(prepare(fe), batched=True, batch_size=8, remove_columns=["audio"],
                            load_from_cache_file=False, keep_in_memory=True)
            timings[name] = (time.perf_counter() - t0, np.asarray(mapped[:4]["input_features"], np.float32))
        (t_ours, a), (t_hf, b) = timings["fastfeat"], timings["transformers"]
        print(f"datasets.map(batched=True): fastfeat {t_ours:.2f} s, transformers {t_hf:.2f} s "
              f"({t_hf / t_ours:.1f}x); first 4 items max |diff| {np.abs(a - b).max():.2e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
