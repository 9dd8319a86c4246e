"""Synthetic speech data: a 12-class speech-commands set spoken by espeak-ng.

:func:`synth_commands` writes the classic 12-class keyword task (the 10
command words of Google's Speech Commands, an "unknown" class of other words
and a "silence" class of background noise) as 16 kHz, 1 s WAV files spoken by
many espeak-ng voices, with a manifest CSV whose ``split`` column keeps every
voice in only one of train and test.  It needs the ``espeak-ng`` program
(``apt-get install espeak-ng``); nothing else outside numpy and soundfile.

>>> from fastfeat import datasets
>>> len(datasets.voices()), datasets.voices()[0]
(96, 'en-us+f1')
>>> datasets.CLASSES[-2:]
('unknown', 'silence')
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Sequence

import numpy as np

from .augment import add_noise, colored_noise, NOISE_COLORS

__all__ = [
    "COMMANDS", "UNKNOWN_WORDS", "CLASSES", "BASE_VOICES", "VARIANTS", "voices", "espeak_binary",
    "speak", "synth_commands", "read_manifest", "Manifest",
]

#: the 10 command words of the 12-class Speech Commands task
COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
#: words of the "unknown" class (Speech Commands' auxiliary words and digits)
UNKNOWN_WORDS = ("bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
                 "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "backward", "forward", "follow", "learn", "visual")
#: the 12 labels: the commands, then "unknown" and "silence"
CLASSES = COMMANDS + ("unknown", "silence")
#: espeak-ng English voices (accents)
BASE_VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
               "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
#: espeak-ng voice variants (formant sets: 5 female, 7 male)
VARIANTS = ("f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "m6", "m7")

_INSTALL = ("espeak-ng is not installed (the program `espeak-ng` is not on PATH); install it with "
            "`apt-get install espeak-ng` (Debian/Ubuntu), `dnf install espeak-ng` (Fedora) or "
            "`brew install espeak-ng` (macOS)")


def voices() -> list[str]:
    """Every accent+variant pair, e.g. ``"en-gb-scotland+m3"``: 8 x 12 = 96 voices.

    Each is one "speaker" of :func:`synth_commands`.

    Examples
    --------
    >>> from fastfeat.datasets import voices
    >>> len(voices()), len(set(voices()))
    (96, 96)
    """
    return [f"{b}+{v}" for b in BASE_VOICES for v in VARIANTS]


def espeak_binary() -> str | None:
    """Path of the espeak-ng program (or the older espeak), None when not installed.

    Examples
    --------
    >>> from fastfeat.datasets import espeak_binary
    >>> path = espeak_binary()
    >>> path is None or path.endswith(("espeak-ng", "espeak"))
    True
    """
    return shutil.which("espeak-ng") or shutil.which("espeak")


def _parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """espeak-ng's --stdout WAV (16-bit mono, its RIFF sizes left at 0x7fffffff)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise RuntimeError("espeak-ng did not write a WAV stream")
    sr = int.from_bytes(data[24:28], "little")
    pos = data.find(b"data", 12)
    if pos < 0:
        raise RuntimeError("espeak-ng's WAV stream has no data chunk")
    pcm = np.frombuffer(data[pos + 8:len(data) - (len(data) - pos - 8) % 2], dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0), sr


def speak(text: str, voice: str = "en-us", *, speed: int = 160, pitch: int = 50,
          sample_rate: int = 16000) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return it as float32 at ``sample_rate``.

    Parameters
    ----------
    text : str
    voice : str, default "en-us"
        An espeak-ng voice, optionally with a variant (``"en-gb+f3"``).
    speed : int, default 160
        Words per minute (espeak-ng ``-s``, 80..450).
    pitch : int, default 50
        espeak-ng ``-p``, 0..99.
    sample_rate : int, default 16000
        espeak-ng speaks at 22050 Hz; the result is resampled
        (:func:`fastfeat.io.resample`).

    Raises
    ------
    RuntimeError
        espeak-ng is missing (the message names the package to install) or failed.

    Examples
    --------
    >>> from fastfeat.datasets import speak
    >>> y = speak("yes", "en-gb+f2")  # doctest: +SKIP
    """
    from .io import resample

    exe = espeak_binary()
    if exe is None:
        raise RuntimeError(_INSTALL)
    if not 80 <= int(speed) <= 450:
        raise ValueError(f"speed={speed!r} is not valid; speed must be in [80, 450] words per minute")
    if not 0 <= int(pitch) <= 99:
        raise ValueError(f"pitch={pitch!r} is not valid; pitch must be in [0, 99]")
    proc = subprocess.run([exe, "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), "--stdout", text],
                          capture_output=True, check=False)
    if proc.returncode != 0 or len(proc.stdout) < 44:
        raise RuntimeError(f"espeak-ng failed for voice={voice!r}: {proc.stderr.decode(errors='replace').strip()}")
    y, sr = _parse_wav(proc.stdout)
    return resample(y, sr, sample_rate) if sr != sample_rate else y


def _trim(y: np.ndarray, rel: float = 0.02) -> np.ndarray:
    """Drop the leading and trailing near-silence (below rel * peak)."""
    loud = np.flatnonzero(np.abs(y) > rel * np.abs(y).max()) if y.size else np.array([], int)
    if loud.size == 0:
        return y[:0]
    return y[loud[0]:loud[-1] + 1]


class Manifest(NamedTuple):
    """The columns of a manifest CSV, as lists (paths made absolute).

    Examples
    --------
    >>> from fastfeat.datasets import Manifest
    >>> m = Manifest(["/a.wav"], ["yes"], ["v1"], ["train"], ["yes"], [0.1], [0.6])
    >>> len(m), m.labels
    (1, ['yes'])
    """

    paths: list
    labels: list
    speakers: list
    splits: list
    words: list
    starts: list  # word start in the clip, seconds (nan for silence)
    ends: list  # word end, seconds (nan for silence)

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.paths)


def read_manifest(path: str | os.PathLike, split: str | None = None) -> Manifest:
    """Read a manifest CSV written by :func:`synth_commands`.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV (columns ``path,label,speaker,split`` and optionally
        ``word,start,end``); relative paths are relative to its folder.
    split : str, optional
        Keep only the rows of this split (``"train"``, ``"test"``, ...).

    Returns
    -------
    Manifest
        ``paths``, ``labels``, ``speakers``, ``splits``, ``words``, ``starts``, ``ends``.

    Examples
    --------
    >>> import os, tempfile
    >>> from fastfeat.datasets import read_manifest
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "m.csv"), "w").write("path,label,speaker,split\\na.wav,yes,v1,train\\nb.wav,no,v2,test\\n")
    >>> m = read_manifest(os.path.join(d, "m.csv"), split="test")
    >>> m.labels, os.path.basename(m.paths[0])
    (['no'], 'b.wav')
    """
    path = os.fspath(path)
    base = os.path.dirname(os.path.abspath(path))
    cols: dict = {k: [] for k in Manifest._fields}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"path", "label", "speaker", "split"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: the manifest lacks the column(s) {', '.join(sorted(missing))}; "
                             "it needs path,label,speaker,split")
        for row in reader:
            if split is not None and row["split"] != split:
                continue
            cols["paths"].append(os.path.join(base, row["path"]))
            cols["labels"].append(row["label"])
            cols["speakers"].append(row["speaker"])
            cols["splits"].append(row["split"])
            cols["words"].append(row.get("word") or row["label"])
            cols["starts"].append(float(row["start"]) if row.get("start") else float("nan"))
            cols["ends"].append(float(row["end"]) if row.get("end") else float("nan"))
    return Manifest(**cols)


def _split_speakers(speakers: Sequence[str], test_fraction: float, rng: np.random.Generator) -> dict:
    order = list(rng.permutation(len(speakers)))
    n_test = int(round(test_fraction * len(speakers)))
    if len(speakers) >= 2 and 0 < test_fraction < 1:
        n_test = min(max(n_test, 1), len(speakers) - 1)
    test = {speakers[i] for i in order[:n_test]}
    return {s: ("test" if s in test else "train") for s in speakers}


def synth_commands(out_dir: str | os.PathLike, *, words: Sequence[str] = COMMANDS,
                   unknown_words: Sequence[str] = UNKNOWN_WORDS, n_voices: int | None = None,
                   voice_list: Sequence[str] | None = None, n_per_word: int = 2,
                   n_unknown: int | None = None, n_silence: int | None = None,
                   test_fraction: float = 0.25, duration: float = 1.0, sample_rate: int = 16000,
                   snr_db: tuple[float, float] = (15.0, 40.0), seed: int = 0,
                   n_jobs: int | None = None) -> str:
    """Write a speech-commands data set spoken by espeak-ng, with a manifest.

    For every voice ("speaker": an accent+variant such as ``en-gb+m3``, with
    its own base speed and pitch) it speaks each of ``words`` ``n_per_word``
    times, ``n_unknown`` words drawn from ``unknown_words`` (label
    ``"unknown"``) and writes ``n_silence`` clips of background noise only
    (label ``"silence"``).  Every utterance varies the voice's speed (±15 %)
    and pitch (±8); the word is trimmed of silence, placed at a random offset
    in a ``duration`` s clip (cropped to its middle if longer) and mixed with
    white, pink or brown noise at a random SNR in ``snr_db``.  Silence clips
    are noise at -60 to -25 dBFS RMS.

    Voices are split, not utterances: a fraction ``test_fraction`` of the
    voices goes to ``"test"``, the rest to ``"train"``, so no voice is in both.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Created if needed; WAVs go to ``out_dir/<label>/``, the manifest to
        ``out_dir/manifest.csv``.
    words : sequence of str, default COMMANDS
    unknown_words : sequence of str, default UNKNOWN_WORDS
    n_voices : int, optional
        Use this many voices of ``voice_list`` (a seeded random choice); all by default.
    voice_list : sequence of str, optional
        espeak-ng voices; :func:`voices` (96) by default.
    n_per_word : int >= 1, default 2
        Utterances of each word per voice.
    n_unknown, n_silence : int, optional
        Clips of each per voice; ``n_per_word`` by default (balanced classes).
    test_fraction : float in [0, 1), default 0.25
    duration : float, default 1.0
        Clip length in seconds.
    sample_rate : int, default 16000
    snr_db : (low, high), default (15, 40)
        SNR range of the background noise under each word.
    seed : int, default 0
        Everything (voice choice, split, speeds, offsets, noise) follows from it.
    n_jobs : int, optional
        espeak-ng processes run at once; all cores by default.

    Returns
    -------
    str
        Path of ``manifest.csv``: columns ``path`` (relative to out_dir),
        ``label``, ``speaker``, ``split``, ``word`` (the word spoken, empty for
        silence), ``start`` and ``end`` (seconds of the word in the clip).

    Raises
    ------
    RuntimeError
        espeak-ng is not installed (the message says ``apt-get install espeak-ng``).

    Examples
    --------
    >>> from fastfeat.datasets import synth_commands, read_manifest
    >>> m = read_manifest(synth_commands("/tmp/cmds", n_voices=8, n_per_word=1))  # doctest: +SKIP
    >>> len(m), sorted(set(m.splits))  # doctest: +SKIP
    (96, ['test', 'train'])
    """
    import soundfile as sf

    if espeak_binary() is None:
        raise RuntimeError(_INSTALL)
    pool_voices = list(voices() if voice_list is None else voice_list)
    if not pool_voices:
        raise ValueError("voice_list is empty; give at least one espeak-ng voice")
    for name, v in (("n_per_word", n_per_word), ("n_unknown", n_unknown), ("n_silence", n_silence),
                    ("n_voices", n_voices)):
        if v is None and name != "n_per_word":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (1 if name in ("n_per_word", "n_voices") else 0):
            raise ValueError(f"{name}={v!r} is not valid; {name} must be an integer >= "
                             f"{1 if name in ('n_per_word', 'n_voices') else 0}")
    if n_voices is not None and n_voices > len(pool_voices):
        raise ValueError(f"n_voices={n_voices} is more than the {len(pool_voices)} voices available")
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction!r} is not valid; test_fraction must be in [0, 1)")
    if not duration > 0:
        raise ValueError(f"duration={duration!r} is not valid; duration must be > 0 seconds")
    if len(snr_db) != 2 or snr_db[0] > snr_db[1]:
        raise ValueError(f"snr_db={snr_db!r} is not valid; snr_db must be a (low, high) range in dB")
    if unknown_words and set(unknown_words) & set(words):
        raise ValueError(f"unknown_words and words overlap: {sorted(set(unknown_words) & set(words))}")
    n_unknown = n_per_word if n_unknown is None else n_unknown
    n_silence = n_per_word if n_silence is None else n_silence
    if n_unknown and not unknown_words:
        raise ValueError("unknown_words is empty but n_unknown > 0; give words or n_unknown=0")

    rng = np.random.default_rng(seed)
    if n_voices is not None and n_voices < len(pool_voices):  # all voices: no draw, same split as None
        pool_voices = [pool_voices[i] for i in sorted(rng.choice(len(pool_voices), n_voices, replace=False))]
    split_of = _split_speakers(pool_voices, test_fraction, rng)
    out_dir = os.fspath(out_dir)
    n = int(round(duration * sample_rate))

    jobs = []  # (speaker index, voice, label, word, k)
    for si, v in enumerate(pool_voices):
        for w in words:
            jobs += [(si, v, w, w, k) for k in range(n_per_word)]
        urng = np.random.default_rng([seed, si, 1])
        jobs += [(si, v, "unknown", str(urng.choice(unknown_words)), k) for k in range(n_unknown)]
        jobs += [(si, v, "silence", "", k) for k in range(n_silence)]
    for label in set(j[2] for j in jobs):
        os.makedirs(os.path.join(out_dir, label), exist_ok=True)

    def make(j: int) -> list:
        si, voice, label, word, k = jobs[j]
        g = np.random.default_rng([seed, si, 2, j])
        vg = np.random.default_rng([seed, si, 3])  # the voice's own speed and pitch
        base_speed, base_pitch = vg.uniform(130, 190), vg.uniform(25, 75)
        rel = f"{label}/{voice}_{word or 'noise'}_{k}.wav"
        if label == "silence":
            color = str(g.choice(list(NOISE_COLORS)))
            level = 10 ** (g.uniform(-60, -25) / 20)
            y = (level * colored_noise(n, color, rng=g)).astype(np.float32)
            start = end = ""
        else:
            speed = int(np.clip(base_speed * g.uniform(0.85, 1.15), 80, 450))
            pitch = int(np.clip(base_pitch + g.uniform(-8, 8), 0, 99))
            w = _trim(speak(word, voice, speed=speed, pitch=pitch, sample_rate=sample_rate))
            if w.size == 0:
                raise RuntimeError(f"espeak-ng produced silence for {word!r} with voice {voice!r}")
            if w.size > n:
                c = (w.size - n) // 2
                w = w[c:c + n]
            w = w * (g.uniform(0.3, 0.9) / np.abs(w).max())
            off = int(g.integers(0, n - w.size, endpoint=True))
            y = np.zeros(n, np.float32)
            y[off:off + w.size] = w
            y = add_noise(y, str(g.choice(list(NOISE_COLORS))), snr_db=tuple(snr_db), rng=g)
            y = np.clip(y, -1.0, 1.0)
            start, end = f"{off / sample_rate:.5f}", f"{(off + w.size) / sample_rate:.5f}"
        sf.write(os.path.join(out_dir, rel), y, sample_rate, subtype="PCM_16")
        return [rel, label, voice, split_of[voice], word, start, end]

    workers = n_jobs if n_jobs is not None else (os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        rows = list(pool.map(make, range(len(jobs))))
    manifest = os.path.join(out_dir, "manifest.csv")
    with open(manifest, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["path", "label", "speaker", "split", "word", "start", "end"])
        wr.writerows(rows)
    return manifest
