"""Keyword spotting on a stream: fastfeat.Stream + a small frame classifier.

    python docs/examples/kws.py                  # keyword "yes", about a minute
    python docs/examples/kws.py --quick          # smaller data, under ~30 s (CI)
    python docs/examples/kws.py --keyword left
    python docs/examples/kws.py --mic            # live, needs `pip install sounddevice`

What it does:

1. **Data.** espeak-ng speaks the keyword and a dozen other words with many
   voices (en-us+f1..f4, en-us+m1..m7, en-gb, ...), speeds (-s 120..185) and
   pitches (-p 30..70), resampled to 16 kHz with ``fastfeat.io.resample``.
   Words are concatenated with random silences, random gain and low noise into
   a training recording and a *test* recording; the test recording uses voices
   the classifier never heard.  Without espeak-ng (``apt-get install
   espeak-ng``) it falls back to the six clips bundled with fastfeat
   (yes/no/up/down/left/right; one speaker) with augmentation (speed, gain,
   noise, shifts) -- a much easier test, and it says so.
2. **Features.** 13 MFCC + delta + delta-delta (``Config(deltas=2)``), each row
   stacked with a few earlier rows (context 0, 5, 10, 15, 20 frames back, so
   the classifier sees the last 200 ms), standardised with training statistics.
3. **Classifier.** Frame labels: background (no word), other word, keyword.
   scikit-learn's ``MLPClassifier`` when installed (else a 30-line numpy
   softmax regression); training takes a few seconds.
4. **Streaming.** The test recording goes through ``fastfeat.Stream`` in
   10 ms chunks (160 samples) as if from a microphone; every new row is
   classified, the keyword posterior is averaged over the last 30 rows
   (300 ms), and a detection fires when the averaged top class is the keyword
   above ``--threshold``, then further detections are suppressed for
   ``--suppress-ms`` -- the scheme of TensorFlow's speech-commands
   ``RecognizeCommands``.  So one spoken keyword gives one detection.
5. **Scoring.** A detection is true when it fires during a keyword or within
   0.8 s after its end (each keyword counted once); anything else is a false
   detection.  The last line is the summary, e.g.
   ``detections: 7 true, 0 false, 1 missed out of 8 keywords``.

The features are the same numbers batch ``Extractor(cfg)(signal)`` gives
(streaming equals batch), so the classifier is trained on batch features and
run on streamed ones.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

import fastfeat as ff
from fastfeat.io import resample, sample_files

SR = 16000
HOP = 160
CONTEXT = (20, 15, 10, 5, 0)        # rows back stacked with the current one (200 ms of history)
SMOOTH_FRAMES = 30                  # posterior average window: 300 ms
CLASSES = ("background", "other", "keyword")
BG, OTHER, KW = 0, 1, 2
MATCH_AFTER_S = 0.8                 # a detection may fire up to this long after the keyword ends

FILLERS = ["no", "up", "down", "left", "right", "go", "stop", "on", "off", "seven",
           "house", "bird", "happy", "tree", "wow", "zero", "learn", "follow"]
TRAIN_VOICES = ["en-us+m1", "en-us+m2", "en-us+m3", "en-us+f1", "en-us+f2", "en-gb+m1",
                "en-us+m5", "en-us+m7", "en-gb+f1", "en-029+m2"]
TEST_VOICES = ["en-us+f3", "en-us+f4", "en-us+m4", "en-gb+m3", "en-gb+f2", "en-us+m6"]


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def trim(y: np.ndarray, rel_db: float = -35.0) -> np.ndarray:
    """Cut leading/trailing silence (10 ms frames below rel_db of the loudest)."""
    n = len(y) // HOP
    if n == 0:
        return y
    e = (y[: n * HOP].reshape(n, HOP) ** 2).mean(axis=1) + 1e-12
    on = np.flatnonzero(10 * np.log10(e / e.max()) > rel_db)
    return y[on[0] * HOP:(on[-1] + 1) * HOP]


def speak(exe: str, word: str, voice: str, speed: int, pitch: int, tmpdir: str) -> np.ndarray:
    """One word from espeak-ng as 16 kHz float32, silence trimmed."""
    path = os.path.join(tmpdir, f"{word}_{voice}_{speed}_{pitch}.wav".replace("+", "_"))
    cmd = [exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", path, word]
    if subprocess.run(cmd, capture_output=True).returncode != 0 or not os.path.exists(path):
        # an espeak build without this voice variant: the base voice, same speed and pitch
        cmd[2] = voice.split("+")[0]
        subprocess.run(cmd, check=True, capture_output=True)
    y, sr = ff.load(path)  # espeak writes 22050 Hz mono
    return trim(resample(y, sr, SR) if sr != SR else y)


def espeak_clips(words_voices: list[tuple[str, str]], rng: np.random.Generator,
                 speeds=(120, 140, 160, 185), pitches=(30, 45, 55, 70)) -> list[tuple[str, np.ndarray]]:
    """Speak every (word, voice) pair with a random speed and pitch, in parallel."""
    exe = espeak_binary()
    jobs = [(w, v, int(rng.choice(speeds)) + int(rng.integers(-5, 6)), int(rng.choice(pitches)))
            for w, v in words_voices]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        clips = list(pool.map(lambda j: speak(exe, *j, tmp), jobs))
    return [(w, y) for (w, _, _, _), y in zip(jobs, clips)]


def bundled_clips(keyword: str, rng: np.random.Generator, n_per_word: int,
                  rates: tuple[int, ...]) -> list[tuple[str, np.ndarray]]:
    """Fallback: fastfeat's bundled clips, augmented by speed (resampling) and shifts."""
    out = []
    for path in sample_files():
        word = os.path.splitext(os.path.basename(path))[0]
        y, _ = ff.load(path, sr=SR)
        y = trim(y)
        for _ in range(n_per_word * (3 if word == keyword else 1)):
            rate = int(rng.choice(rates))  # played back at another speed and pitch
            z = resample(y, SR, rate) if rate != SR else y.copy()
            cut = int(rng.integers(0, 4 * HOP))  # random shift of the onset
            out.append((word, z[cut // 4:]))
    return out


@dataclass
class Recording:
    y: np.ndarray
    spans: list[tuple[float, float, str]]   # (start s, end s, word)


def concatenate(clips: list[tuple[str, np.ndarray]], rng: np.random.Generator,
                gap=(0.4, 1.2), noise=0.003) -> Recording:
    """Words in random order, random gains and silences, low white + hum noise throughout."""
    parts, spans, pos = [], [], 0
    for i in rng.permutation(len(clips)):
        word, y = clips[i]
        silence = np.zeros(int(rng.uniform(*gap) * SR), dtype=np.float32)
        gain = rng.uniform(0.25, 1.0) / (np.abs(y).max() + 1e-9)
        parts += [silence, (gain * y).astype(np.float32)]
        pos += len(silence)
        spans.append((pos / SR, (pos + len(y)) / SR, word))
        pos += len(y)
    parts.append(np.zeros(int(gap[1] * SR), dtype=np.float32))
    y = np.concatenate(parts)
    t = np.arange(len(y)) / SR
    y += noise * rng.standard_normal(len(y)) + 0.5 * noise * np.sin(2 * np.pi * 50 * t)
    return Recording(y.astype(np.float32), spans)


def make_data(keyword: str, quick: bool, seed: int, data: str = "auto") -> tuple[Recording, Recording, str]:
    rng = np.random.default_rng(seed)
    fillers = [w for w in FILLERS if w != keyword]
    if data == "espeak" and not espeak_binary():
        sys.exit("--data espeak: espeak-ng is not installed (apt-get install espeak-ng)")
    if data != "bundled" and espeak_binary():
        train_voices = TRAIN_VOICES[:6] if quick else TRAIN_VOICES
        test_voices = TEST_VOICES[:4] if quick else TEST_VOICES
        fill = fillers[:10] if quick else fillers
        kw_reps = 6 if quick else 10   # keyword clips per training voice
        train_pairs = [(keyword, v) for v in train_voices for _ in range(kw_reps)]
        train_pairs += [(w, v) for v in train_voices for w in fill]
        n_kw = 8 if quick else 20
        test_pairs = [(keyword, test_voices[i % len(test_voices)]) for i in range(n_kw)]
        test_pairs += [(str(rng.choice(fill)), test_voices[i % len(test_voices)]) for i in range(2 * n_kw)]
        train = espeak_clips(train_pairs, rng)
        test = espeak_clips(test_pairs, rng)
        source = (f"espeak-ng: {len(train)} training words ({len(train_voices)} voices), "
                  f"{len(test)} test words from {len(test_voices)} held-out voices")
    else:
        words = [os.path.splitext(os.path.basename(p))[0] for p in sample_files()]
        if keyword not in words:
            sys.exit(f"espeak-ng is not installed and the bundled clips only have {words}; "
                     f"install espeak-ng (apt-get install espeak-ng) to spot {keyword!r}")
        train = bundled_clips(keyword, rng, 6 if quick else 12, (14400, 16000, 17600))
        test = bundled_clips(keyword, rng, 2 if quick else 4, (15200, 16800))
        why = "--data bundled" if data == "bundled" else "espeak-ng not found"
        source = (f"{why}: FALLBACK to the bundled clips (one speaker) with speed/gain/"
                  "noise/shift augmentation -- an easier test than held-out voices")
    return concatenate(train, rng), concatenate(test, rng), source


# --------------------------------------------------------------------------
# features and labels
# --------------------------------------------------------------------------

CONFIG = ff.Config(deltas=2)   # 13 MFCC + delta + delta-delta = 39 per row


def stack(rows: np.ndarray) -> np.ndarray:
    """Each row with the rows CONTEXT frames before it (edge rows replicated)."""
    idx = np.arange(len(rows))
    return np.hstack([rows[np.maximum(idx - k, 0)] for k in CONTEXT])


def frame_labels(rec: Recording, keyword: str, n_rows: int) -> np.ndarray:
    """Class of each row: which word (if any) covers its centre sample."""
    centre = (np.arange(n_rows) * CONFIG.hop_length + CONFIG.frame_length / 2) / SR
    labels = np.full(n_rows, BG, dtype=np.int64)
    for start, end, word in rec.spans:
        labels[(centre >= start) & (centre < end)] = KW if word == keyword else OTHER
    return labels


# --------------------------------------------------------------------------
# classifier: a list of dense layers (ReLU between), so one row is a few matmuls
# --------------------------------------------------------------------------

class Net:
    def __init__(self, layers, mean, scale):
        self.layers, self.mean, self.scale = layers, mean, scale

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        h = h - h.max(axis=-1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=-1, keepdims=True)


def numpy_softmax_regression(x, y, n_classes, steps=300, lr=0.05, l2=1e-4, seed=0):
    """Multinomial logistic regression, full-batch Adam. Returns [(W, b)]."""
    rng = np.random.default_rng(seed)
    w = 0.01 * rng.standard_normal((x.shape[1], n_classes)).astype(np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    sample_w = (len(y) / (n_classes * np.maximum(counts, 1)))[y][:, None]  # balanced classes
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    for t in range(1, steps + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = sample_w * (p - onehot) / len(y)
        grads = [x.T @ g + l2 * w, g.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((w, b), grads)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad ** 2
            param -= lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    return [(w, b)]


def train(x: np.ndarray, y: np.ndarray, kind: str, seed: int) -> tuple[Net, str]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    xs = ((x - mean) / scale).astype(np.float32)
    if kind in ("auto", "mlp"):
        try:
            from sklearn.neural_network import MLPClassifier
        except ImportError:
            if kind == "mlp":
                raise SystemExit("--classifier mlp needs scikit-learn (pip install scikit-learn)")
            kind = "numpy"
        else:
            clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, batch_size=256,
                                learning_rate_init=2e-3, max_iter=40, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter: fine here
                clf.fit(xs, y)
            layers = [(w.astype(np.float32), b.astype(np.float32))
                      for w, b in zip(clf.coefs_, clf.intercepts_)]
            return Net(layers, mean, scale), "scikit-learn MLPClassifier (64 hidden ReLU units)"
    return (Net(numpy_softmax_regression(xs, y, len(CLASSES), seed=seed), mean, scale),
            "numpy softmax regression (scikit-learn not used)")


# --------------------------------------------------------------------------
# streaming detector
# --------------------------------------------------------------------------

class Detector:
    """Stream -> rows -> classifier -> averaged posteriors -> detections (RecognizeCommands style)."""

    def __init__(self, net: Net, threshold: float, suppress_ms: float):
        self.stream = ff.Stream(CONFIG)
        self.net = net
        self.threshold = threshold
        self.suppress = suppress_ms / 1000.0
        self.history: deque[np.ndarray] = deque(maxlen=max(CONTEXT) + 1)
        self.posteriors: deque[np.ndarray] = deque(maxlen=SMOOTH_FRAMES)
        self.samples = 0
        self.last_detection = -np.inf
        self.push_ns = 0
        self.pushes = 0

    def push(self, chunk: np.ndarray) -> list[tuple[float, float]]:
        """Feed samples; return the detections [(time s, averaged score)] this chunk produced."""
        t0 = time.perf_counter_ns()
        rows = self.stream.push(chunk)
        self.push_ns += time.perf_counter_ns() - t0
        self.pushes += 1
        self.samples += len(chunk)
        now = self.samples / SR
        found = []
        for row in rows:
            if not self.history:
                self.history.extend([row] * (max(CONTEXT) + 1))  # replicate the first row, as in training
            self.history.append(row)
            x = np.concatenate([self.history[-1 - k] for k in CONTEXT])
            self.posteriors.append(self.net(x))
            avg = np.mean(self.posteriors, axis=0)
            top = int(np.argmax(avg))
            if (top == KW and avg[KW] >= self.threshold and len(self.posteriors) == SMOOTH_FRAMES
                    and now - self.last_detection >= self.suppress):
                self.last_detection = now
                found.append((now, float(avg[KW])))
        return found


def score(detections: list[tuple[float, float]], rec: Recording, keyword: str):
    """Match detections to keyword spans: (rows for printing, true, false, missed, n_keywords)."""
    kws = [(s, e) for s, e, w in rec.spans if w == keyword]
    used = [False] * len(kws)
    out, n_true = [], 0
    for t, sc in detections:
        hit = next((i for i, (s, e) in enumerate(kws) if not used[i] and s <= t <= e + MATCH_AFTER_S), None)
        if hit is None:
            near = min(rec.spans, key=lambda sp: min(abs(t - sp[0]), abs(t - sp[1])))
            out.append((t, sc, f"FALSE (nearest word: {near[2]!r} at {near[0]:.2f}-{near[1]:.2f} s)"))
        else:
            used[hit] = True
            n_true += 1
            s, e = kws[hit]
            out.append((t, sc, f"true  ({keyword!r} spoken {s:.2f}-{e:.2f} s, fired {t - e:+.2f} s after its end)"))
    missed = [kws[i] for i in range(len(kws)) if not used[i]]
    return out, n_true, len(detections) - n_true, missed, len(kws)


# --------------------------------------------------------------------------
# microphone
# --------------------------------------------------------------------------

def run_mic(det: Detector, keyword: str) -> int:
    try:
        import sounddevice as sd
    except ImportError:
        print("--mic needs the sounddevice package: pip install sounddevice")
        return 0
    chunks: queue.Queue = queue.Queue()

    def callback(indata, frames, time_info, status):  # PortAudio thread: only hand the samples over
        if status:
            print(status, file=sys.stderr)
        chunks.put(indata[:, 0].copy())

    print(f"listening for {keyword!r} (Ctrl+C to stop) ...")
    try:
        with sd.InputStream(samplerate=SR, channels=1, dtype="float32", blocksize=HOP, callback=callback):
            while True:
                for t, sc in det.push(chunks.get()):
                    print(f"  {t:8.2f} s  {keyword!r} detected (score {sc:.2f})", flush=True)
    except KeyboardInterrupt:
        print("stopped")
    except Exception as exc:  # no input device, unsupported rate, ...
        print(f"microphone error: {exc}")
    return 0


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keyword", default="yes", help="the word to spot (default: yes)")
    p.add_argument("--quick", action="store_true", help="smaller data set (under ~30 s; for CI)")
    p.add_argument("--mic", action="store_true", help="then listen on the microphone (sounddevice)")
    p.add_argument("--threshold", type=float, default=0.6, help="averaged keyword posterior to fire (0.6)")
    p.add_argument("--suppress-ms", type=float, default=1000.0, help="no new detection within this (1000)")
    p.add_argument("--classifier", choices=("auto", "mlp", "numpy"), default="auto",
                   help="auto: scikit-learn MLP if installed, else numpy softmax regression")
    p.add_argument("--data", choices=("auto", "espeak", "bundled"), default="auto",
                   help="auto: espeak-ng if installed, else the bundled clips (augmented)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    keyword = args.keyword.strip().lower()
    t_start = time.perf_counter()

    train_rec, test_rec, source = make_data(keyword, args.quick, args.seed, args.data)
    print(f"data: {source}")
    print(f"      training recording {len(train_rec.y) / SR:.0f} s, test recording {len(test_rec.y) / SR:.0f} s "
          f"({sum(w == keyword for _, _, w in test_rec.spans)} x {keyword!r} among {len(test_rec.spans)} words)")

    t0 = time.perf_counter()
    rows = ff.Extractor(CONFIG)(train_rec.y)  # batch features == streamed features
    x, y = stack(rows), frame_labels(train_rec, keyword, len(rows))
    net, what = train(x, y, args.classifier, args.seed)
    print(f"train: {what} on {len(y)} frames x {x.shape[1]} dims "
          f"({np.bincount(y, minlength=3).tolist()} background/other/keyword) in {time.perf_counter() - t0:.1f} s")

    det = Detector(net, args.threshold, args.suppress_ms)
    detections = []
    t0 = time.perf_counter()
    for i in range(0, len(test_rec.y), HOP):  # 10 ms "microphone" chunks
        detections += det.push(test_rec.y[i:i + HOP])
    wall = time.perf_counter() - t0
    print(f"stream: {det.pushes} pushes of {HOP} samples; Stream.push {det.push_ns / det.pushes / 1e3:.1f} us "
          f"per push, whole loop (features + classifier + smoothing) {wall / det.pushes * 1e6:.0f} us "
          f"per 10 ms chunk ({len(test_rec.y) / SR / wall:.0f}x real time)")

    rows_out, n_true, n_false, missed, n_kw = score(detections, test_rec, keyword)
    print(f"detections (threshold {args.threshold}, {SMOOTH_FRAMES}-frame average, "
          f"{args.suppress_ms:.0f} ms suppression):")
    for t, sc, verdict in rows_out:
        print(f"  {t:7.2f} s  score {sc:.2f}  {verdict}")
    for s, e in missed:
        print(f"  missed: {keyword!r} spoken {s:.2f}-{e:.2f} s")
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    print(f"detections: {n_true} true, {n_false} false, {len(missed)} missed out of {n_kw} keywords")

    if args.mic:
        det_mic = Detector(net, args.threshold, args.suppress_ms)
        return run_mic(det_mic, keyword)
    return 0


if __name__ == "__main__":
    sys.exit(main())
