"""The front ends of speech models: fastfeat's presets against the real libraries.

Usage (from the repository root; needs the "models" extra: torch==2.13.0 CPU,
openai-whisper, transformers, nemo_toolkit, speechbrain --no-deps and tensorflow-cpu: see .ci/run)::

    python -m benchmarks.bench_models            # 30 s clips, single thread
    python -m benchmarks.bench_models --quick
    python -m benchmarks.compare --models        # the same table, in compare's report

Each row is one call on one 30 s, 16 kHz clip (what a Whisper model eats),
single thread everywhere (``torch.set_num_threads(1)``, one BLAS thread,
``Extractor(threads=1)``), timed round-robin with compare.time_interleaved in
this one process.  The ratio is the reference's best time over fastfeat's.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):  # single thread, before numpy
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Callable, Sequence  # noqa: E402

from .signals import make_clips  # noqa: E402

CLIP_SECONDS = 30.0


def _whisper_rows() -> list[tuple[str, str, Callable]]:
    """(group, name, fn(y)) for the Whisper front end: fastfeat and its two references."""
    import fastfeat as ff
    from fastfeat.compat import whisper as fw

    ext = ff.Extractor(ff.Config.preset("whisper"), threads=1)
    fe = fw.WhisperFeatureExtractor()
    rows: list[tuple[str, str, Callable]] = [
        ("whisper", "fastfeat Extractor(preset 'whisper')", ext),
        ("whisper", "fastfeat compat.whisper.log_mel_spectrogram", fw.log_mel_spectrogram),
        ("whisper", "fastfeat compat.whisper.WhisperFeatureExtractor",
         lambda y: fe(y, sampling_rate=16000, return_tensors="np")),
    ]
    try:
        import torch
        import whisper

        torch.set_num_threads(1)
        rows.append(("whisper", "openai-whisper log_mel_spectrogram (torch CPU)",
                     lambda y: whisper.log_mel_spectrogram(torch.from_numpy(y))))
    except ImportError as exc:
        print(f"bench_models: openai-whisper not measured ({exc})", file=sys.stderr)
    try:
        import transformers

        hf = transformers.WhisperFeatureExtractor()
        rows.append(("whisper", "transformers WhisperFeatureExtractor",
                     lambda y: hf(y, sampling_rate=16000, return_tensors="np")))
    except ImportError as exc:
        print(f"bench_models: transformers not measured ({exc})", file=sys.stderr)
    return rows


def _nemo_rows() -> list[tuple[str, str, Callable]]:
    """(group, name, fn(y)) for NeMo's preprocessor: fastfeat and NeMo's FilterbankFeatures."""
    import fastfeat as ff
    from fastfeat.compat import nemo as fn

    pre = fn.AudioToMelSpectrogramPreprocessor()
    rows: list[tuple[str, str, Callable]] = [
        ("nemo", "fastfeat Extractor(preset 'nemo')", ff.Extractor(ff.Config.preset("nemo"), threads=1)),
        ("nemo", "fastfeat compat.nemo.AudioToMelSpectrogramPreprocessor",
         lambda y: pre(input_signal=y[None, :], length=[len(y)])),
    ]
    try:
        import nemo  # noqa: F401  (ImportError here, not test_nemo's pytest skip, without NeMo)
        import torch

        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
        from test_nemo import nemo_filterbank_features  # NeMo's own module, see tests/test_nemo.py

        torch.set_num_threads(1)
        fb = nemo_filterbank_features()().eval()

        def nemo_fn(y):
            with torch.no_grad():
                return fb(torch.from_numpy(y[None, :]), torch.tensor([len(y)]))

        rows.append(("nemo", "NeMo FilterbankFeatures (torch CPU)", nemo_fn))
    except ImportError as exc:
        print(f"bench_models: NeMo not measured ({exc})", file=sys.stderr)
    return rows


def _speechbrain_rows(kind: str) -> list[tuple[str, str, Callable]]:
    """(group, name, fn(y)) for SpeechBrain's Fbank() ("fbank") or MFCC() ("mfcc")."""
    import fastfeat as ff
    from fastfeat.compat.speechbrain import context_window

    if kind == "fbank":
        ext = ff.Extractor(ff.Config.preset("speechbrain"), threads=1)
        rows: list[tuple[str, str, Callable]] = [("speechbrain", "fastfeat Extractor(preset 'speechbrain')", ext)]
    else:
        ext = ff.Extractor(ff.Config.preset("speechbrain_mfcc"), threads=1)
        rows = [("speechbrain", "fastfeat context_window(Extractor(preset 'speechbrain_mfcc'))",
                 lambda y: context_window(ext(y)))]
    try:
        import torch
        from speechbrain.lobes import features as sb

        torch.set_num_threads(1)
        module = (sb.Fbank() if kind == "fbank" else sb.MFCC()).eval()

        def sb_fn(y):
            with torch.no_grad():
                return module(torch.from_numpy(y[None, :]))

        rows.append(("speechbrain", f"speechbrain {'Fbank' if kind == 'fbank' else 'MFCC'}() (torch CPU)", sb_fn))
    except ImportError as exc:
        print(f"bench_models: speechbrain not measured ({exc})", file=sys.stderr)
    return rows


def _tensorflow_rows(recipe: str) -> list[tuple[str, str, Callable]]:
    """(group, name, fn(y)) for a TensorFlow recipe: the fastfeat preset, then TensorFlow's ops
    (in a tf.function, i.e. graph mode as tf.data.Dataset.map runs them; one intra-op thread)."""
    import fastfeat as ff

    preset = {"mfcc": "tensorflow", "tutorial": "tensorflow_tutorial", "ops": "tensorflow_speech_commands"}[recipe]
    ext = ff.Extractor(ff.Config.preset(preset), threads=1)
    rows: list[tuple[str, str, Callable]] = [(f"tensorflow {recipe}", f"fastfeat Extractor(preset {preset!r})", ext)]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError as exc:
        print(f"bench_models: tensorflow not measured ({exc})", file=sys.stderr)
        return rows
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already set: TensorFlow refuses once it has started (the second recipe)
        pass
    if recipe == "mfcc":
        W = tf.signal.linear_to_mel_weight_matrix(80, 513, 16000, 80.0, 7600.0)

        @tf.function
        def fn(y):
            log_mel = tf.math.log(tf.tensordot(tf.abs(tf.signal.stft(y, 1024, 256)), W, 1) + 1e-6)
            return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :13]
        name = "TensorFlow tf.signal stft + mel + log + mfccs (tf.function)"
    elif recipe == "tutorial":
        @tf.function
        def fn(y):
            return tf.abs(tf.signal.stft(y, frame_length=255, frame_step=128))
        name = "TensorFlow tf.abs(tf.signal.stft(y, 255, 128)) (tf.function)"
    else:
        @tf.function
        def fn(y):
            s = tf.raw_ops.AudioSpectrogram(input=tf.expand_dims(y, 1), window_size=480, stride=160,
                                            magnitude_squared=True)
            return tf.raw_ops.Mfcc(spectrogram=s, sample_rate=16000)
        name = "TensorFlow AudioSpectrogram + Mfcc ops (tf.function)"
    rows.append((f"tensorflow {recipe}", name, lambda y: fn(tf.constant(y)).numpy()))
    return rows


def run_tensorflow(quick: bool = False, progress: Callable[[str], None] = lambda m: None) -> str:
    """The TensorFlow recipes on 30 s and on 1 s clips (keyword spotting reads 1 s)."""
    from .compare import time_interleaved

    lines = ["## TensorFlow front ends (single thread)", "",
             "| clip | implementation | best ms / clip | median ms / clip | x the fastfeat Extractor's time |",
             "| --- | --- | ---: | ---: | ---: |"]
    for seconds in (CLIP_SECONDS, 1.0):
        n_clips, repeats, budget = (2, 5, 3.0) if quick else (4, 10, 6.0)
        clips = make_clips(n_clips, seconds=seconds)
        for recipe in ("mfcc", "tutorial", "ops"):
            rows = _tensorflow_rows(recipe)
            progress(f"model front ends: {rows[0][0]}, {n_clips} x {seconds:g} s clips")
            timings = time_interleaved({name: fn for _, name, fn in rows}, clips, repeats, budget)
            ours = timings[rows[0][1]].best
            for _, name, _ in rows:
                t = timings[name]
                lines.append(f"| {seconds:g} s | {name} | {t.best * 1e3:.3f} | {t.median * 1e3:.3f} | "
                             f"{t.best / ours:.1f}x |")
    lines.append("")
    return "\n".join(lines)


def run(quick: bool = False, progress: Callable[[str], None] = lambda m: None) -> str:
    """Measure and return the markdown section."""
    from .compare import time_interleaved  # compare imports this module lazily

    n_clips, repeats, budget = (2, 5, 3.0) if quick else (4, 10, 10.0)
    clips = make_clips(n_clips, seconds=CLIP_SECONDS)
    lines = [f"## Speech-model front ends ({CLIP_SECONDS:g} s clip, single thread)", "",
             "| implementation | best ms / clip | median ms / clip | x the fastfeat Extractor's time |",
             "| --- | ---: | ---: | ---: |"]
    for rows in (_whisper_rows(), _nemo_rows(), _speechbrain_rows("fbank"), _speechbrain_rows("mfcc")):
        progress(f"model front ends: {rows[0][0]}, {len(rows)} implementations, {n_clips} x {CLIP_SECONDS:g} s clips")
        timings = time_interleaved({name: fn for _, name, fn in rows}, clips, repeats, budget)
        ours = timings[rows[0][1]].best
        for _, name, _ in rows:
            t = timings[name]
            lines.append(f"| {name} | {t.best * 1e3:.2f} | {t.median * 1e3:.2f} | {t.best / ours:.1f}x |")
    lines.append("")
    return "\n".join(lines) + "\n" + run_tensorflow(quick, progress)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_models", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 clips, 5 repeats")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    md = run(args.quick, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(md)
    print(f"(measured in {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
