"""Corpus benchmark: ``fastfeat extract`` against a librosa + joblib script.

Usage (from the repository root, fastfeat built and importable; see "Build
trap" in benchmarks/README.md)::

    python -m benchmarks.bench_corpus                 # 2,000 clips, a 2-hour file, 3 repeats
    python -m benchmarks.bench_corpus --quick         # 300 clips, a 15-minute file, 3 repeats
    python -m benchmarks.bench_corpus --markdown corpus.md

What is measured:

* **Clips.** ``--clips`` one-second 16 kHz 16-bit WAV files (noise + tone,
  ``benchmarks.signals``, fixed seed) on disk, read once beforehand so both
  sides find them in the page cache.  Each run is a fresh interpreter; the time
  is taken inside it around the work only (imports and, for fastfeat, building
  the tables on one file are outside):
  ``fastfeat.corpus.extract(DIR, OUT, jobs=N)`` -- exactly what
  ``fastfeat extract DIR -o OUT --jobs N`` runs -- against
  ``joblib.Parallel(n_jobs=N)`` over files of ``librosa.load(sr=None)``,
  pre-emphasis + ``librosa.feature.mfcc`` with the canonical config
  (``benchmarks.peers``) and ``np.save`` per file (joblib's worker processes
  are started before the timing).  Runs go round-robin; the table gives the
  median of ``--repeats``.  Peers get one BLAS thread, as in the other
  benchmarks.  fastfeat's decode / compute / write split is its own summary
  (thread-seconds, summed over workers).
* **Long file.** A ``--hours`` long 16-bit WAV extracted with
  ``Config(deltas=2)`` (39 features) in a fresh interpreter: peak RSS of the
  process (``resource.getrusage``) minus its RSS (/proc/self/status) after the
  imports and a warm-up on one bundled clip, for each output format -- an
  upper bound on what the extraction adds (Linux only).
* **Resume.** ``fastfeat extract`` on the clips killed with SIGKILL once the
  journal has some lines, then ``--resume``: utterances lost and duplicated.

Nothing here asserts a time; the numbers are reported, never checked.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from .signals import SR, make_clips, make_long

TARGETS = {"vs_librosa": 20.0, "jobs2_vs_jobs1": 1.8, "long_mb": 200.0}
# children import fastfeat as this process does (-P: not from the source tree in the cwd)
PYTHON = [sys.executable, "-P"] if sys.flags.safe_path else [sys.executable]


# --------------------------------------------------------------------------
# the timed work, each in a fresh interpreter
# --------------------------------------------------------------------------

def _librosa_one(path: str, out_dir: str) -> None:
    import librosa

    from .peers import _librosa_mfcc

    y, _ = librosa.load(path, sr=None)
    np.save(os.path.join(out_dir, os.path.basename(path)[:-4] + ".npy"), _librosa_mfcc(librosa, y).T)


def _rss_now_kb() -> int:
    """Current resident set size (Linux /proc), in kB like ru_maxrss."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _child(kind: str, jobs: int, source: str, out: str) -> dict:
    if kind == "librosa":
        from joblib import Parallel, delayed

        files = sorted(str(p) for p in Path(source).glob("*.wav"))
        os.makedirs(out)
        with Parallel(n_jobs=jobs) as parallel:
            parallel(delayed(_librosa_one)(f, out) for f in files[:2 * jobs])  # start and warm the workers
            t0 = time.perf_counter()
            parallel(delayed(_librosa_one)(f, out) for f in files)
            return {"wall": time.perf_counter() - t0, "files": len(files)}
    import resource

    import fastfeat as ff
    from fastfeat.corpus import extract
    from fastfeat.io import sample_files

    config = ff.Config(deltas=2) if kind == "long" else ff.Config()
    extract(sample_files()[:1], out + ".warm" + os.path.splitext(out)[1], config=config, jobs=1)
    base = _rss_now_kb()
    s = extract([source], out, config=config, jobs=jobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall": s.wall_seconds, "files": s.files, "failed": s.failed, "decode": s.decode_seconds,
            "compute": s.compute_seconds, "write": s.write_seconds, "audio": s.audio_seconds,
            "rss_mb": (peak - base) / 1024, "backend": ff.backend()}


def _spawn(kind: str, jobs: int, source: Path, out: Path) -> dict:
    cmd = PYTHON + ["-m", "benchmarks.bench_corpus", "--child", kind, str(jobs), str(source), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def _write_clips(folder: Path, n: int) -> None:
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    for i, y in enumerate(make_clips(n)):
        sf.write(folder / f"clip{i:05d}.wav", y, SR, subtype="PCM_16")


def _write_long(path: Path, hours: float) -> None:
    import soundfile as sf

    with sf.SoundFile(path, "w", SR, 1, subtype="PCM_16") as f:
        for i in range(int(np.ceil(hours * 60))):  # one minute at a time
            f.write(make_long(min(60.0, hours * 3600 - 60 * i), seed=i))


def _kill_and_resume(clips: Path, out: Path, jobs: int) -> dict:
    journal = (out if out.suffix == "" else Path(str(out).replace(".ark", ".scp") + ".d")) / "journal.jsonl"
    cmd = PYTHON + ["-m", "fastfeat", "extract", str(clips), "-o", str(out), "-q", "--jobs", str(jobs)]
    for attempt in range(10):
        shutil.rmtree(journal.parent, ignore_errors=True)
        if out.exists() and not out.is_dir():
            out.unlink()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not (journal.exists() and journal.read_bytes().count(b"\n") >= 100):
            time.sleep(0.0005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
    else:
        return {"killed": False}
    from fastfeat.corpus import read_features

    before = sum(1 for _ in read_features(out))
    subprocess.run(cmd + ["--resume"], check=True, stdout=subprocess.DEVNULL)
    ids = [uid for uid, _ in read_features(out)]
    expected = {p.stem for p in clips.glob("*.wav")}
    return {"killed": True, "at": before, "lost": len(expected - set(ids)), "duplicated": len(ids) - len(set(ids)),
            "total": len(ids)}


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=None, help="number of 1 s clips (2000; quick 300)")
    parser.add_argument("--hours", type=float, default=None, help="length of the long file (2; quick 0.25)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dir", help="work directory (default: a temporary one, removed at the end)")
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, jobs, source, out = args.child
        print(json.dumps(_child(kind, int(jobs), source, out)))
        return 0
    n_clips = args.clips or (300 if args.quick else 2000)
    hours = args.hours or (0.25 if args.quick else 2.0)
    work = Path(args.dir or tempfile.mkdtemp(prefix="ff-bench-corpus-"))
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    try:
        clips = work / "clips"
        if not clips.exists():
            _write_clips(clips, n_clips)
        for p in clips.glob("*.wav"):
            p.read_bytes()  # page cache
        runs: dict[tuple[str, int], list[dict]] = {}
        for rep in range(args.repeats):
            for kind in ("fastfeat", "librosa"):
                for jobs in (1, 2):
                    out = work / f"out-{kind}-{jobs}-{rep}"
                    runs.setdefault((kind, jobs), []).append(_spawn(kind, jobs, clips, out))
                    shutil.rmtree(out, ignore_errors=True)
                    shutil.rmtree(str(out) + ".warm", ignore_errors=True)
        fmt_runs = {}
        for fmt, name in (("hdf5", "o.h5"), ("ark", "o.ark")):
            res = [_spawn("fastfeat", 2, clips, work / f"{fmt}{rep}" / name) for rep in range(args.repeats)]
            fmt_runs[fmt] = res

        def med(kind: str, jobs: int, key: str = "wall") -> float:
            return statistics.median(r[key] for r in runs[(kind, jobs)])

        load = os.getloadavg()[0]
        backend = runs[("fastfeat", 1)][0]["backend"]
        say(f"## Corpus extraction: {n_clips} one-second 16 kHz 16-bit WAV clips "
            f"({os.cpu_count()} cores, load {load:.1f}, fastfeat backend {backend!r})")
        say()
        say("| implementation | workers | files/s | × real time | vs librosa+joblib | decode / compute / write (thread-s) |")
        say("| --- | ---: | ---: | ---: | ---: | --- |")
        for jobs in (1, 2):
            ff_wall, lr_wall = med("fastfeat", jobs), med("librosa", jobs)
            stages = " / ".join(f"{med('fastfeat', jobs, k):.3f}" for k in ("decode", "compute", "write"))
            say(f"| fastfeat extract (npy) | {jobs} | {n_clips / ff_wall:,.0f} | {n_clips / ff_wall:,.0f} | "
                f"**{lr_wall / ff_wall:.1f}×** | {stages} |")
            say(f"| librosa.load + mfcc + np.save, joblib | {jobs} | {n_clips / lr_wall:,.0f} | {n_clips / lr_wall:,.0f} | 1.0× | |")
        for fmt, res in fmt_runs.items():
            wall = statistics.median(r["wall"] for r in res)
            stages = " / ".join(f"{statistics.median(r[k] for r in res):.3f}" for k in ("decode", "compute", "write"))
            say(f"| fastfeat extract ({fmt}) | 2 | {n_clips / wall:,.0f} | {n_clips / wall:,.0f} | "
                f"{med('librosa', 2) / wall:.1f}× | {stages} |")
        scale = med("fastfeat", 1) / med("fastfeat", 2)
        say()
        say(f"fastfeat 2 jobs vs 1 job: **{scale:.2f}×** (target ≥ {TARGETS['jobs2_vs_jobs1']}×); "
            f"librosa+joblib 2 vs 1: {med('librosa', 1) / med('librosa', 2):.2f}×. Median of {args.repeats} runs; "
            f"× real time = files/s for 1 s clips.")

        long_wav = work / "long.wav"
        if not long_wav.exists():
            _write_long(long_wav, hours)
        say()
        say(f"## Long file: {hours:g} h at 16 kHz, 16-bit ({long_wav.stat().st_size / 2**20:,.0f} MB), Config(deltas=2)")
        say()
        say("| format | wall s | × real time | peak RSS above baseline (MB) | decode / compute / write (s) |")
        say("| --- | ---: | ---: | ---: | --- |")
        for fmt, name in (("npy", "long-npy"), ("hdf5", "long.h5"), ("ark", "long.ark")):
            r = _spawn("long", 1, long_wav, work / name)
            say(f"| {fmt} | {r['wall']:.1f} | {r['audio'] / r['wall']:,.0f} | **{r['rss_mb']:.0f}** | "
                f"{r['decode']:.2f} / {r['compute']:.2f} / {r['write']:.2f} |")
            for p in work.glob(name + "*"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            for p in work.glob(name.replace(".ark", ".scp") + "*"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()

        say()
        say(f"## Resume after kill -9 ({n_clips} clips, 2 jobs)")
        say()
        say("| format | killed after | lost | duplicated | utterances after --resume |")
        say("| --- | ---: | ---: | ---: | ---: |")
        for fmt, name in (("npy", "resume-npy"), ("hdf5", "resume.h5"), ("ark", "resume.ark")):
            r = _kill_and_resume(clips, work / name, 2)
            if r["killed"]:
                say(f"| {fmt} | {r['at']} | {r['lost']} | {r['duplicated']} | {r['total']} |")
            else:
                say(f"| {fmt} | (finished before the kill in 10 tries) | | | |")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
