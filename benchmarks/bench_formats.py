"""Storage and lhotse benchmark: compressed outputs, and fastfeat in lhotse's pipeline.

Usage (from the repository root, fastfeat built and importable; see "Build
trap" in benchmarks/README.md)::

    python -m benchmarks.bench_formats                  # 300 clips, 3 repeats
    python -m benchmarks.bench_formats --markdown formats.md

What is measured:

* **Storage.** ``fastfeat.corpus.extract`` of the six bundled speech clips
  plus ``--clips`` one-second noise + tone clips (``benchmarks.signals``) in
  every format, float32 and ``compress=True`` (Kaldi compressed matrices for
  ark, float16 for npy and HDF5), for MFCC (default Config) and 80-band Kaldi
  log-mel: bytes of the parts per value, the max and median of
  ``|compressed - float32|`` over all values (what ``read_features`` returns),
  and files/s of that one extraction with 2 jobs (one run: a rough cost).
* **lhotse.** The same clips as a lhotse ``CutSet``;
  ``cuts.compute_and_store_features(extractor=..., storage_type=NumpyFilesWriter,
  num_jobs=1)`` with ``fastfeat.lhotse.FastfeatExtractor`` (Kaldi preset,
  80-band log-mel with lhotse's ``Fbank`` settings) against lhotse's own
  ``Fbank(FbankConfig(dither=0.0, num_mel_bins=80))``, alternately, median
  of ``--repeats``; and ``extract`` alone on the loaded arrays.

Nothing here asserts a time; the numbers are reported, never checked.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from .signals import SR, make_clips

KALDI_FBANK = {"kind": "logmel", "n_mels": 80, "energy": None, "dither": 0.0, "fmax": 7600.0}
OUTS = {"ark": "feats.ark", "hdf5": "feats.h5", "npy": "feats"}


def _write_clips(folder: Path, n: int) -> list[Path]:
    import soundfile as sf

    import fastfeat as ff

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in ff.io.sample_files():
        paths.append(folder / Path(p).name)
        shutil.copy(p, paths[-1])
    for i, y in enumerate(make_clips(n)):
        paths.append(folder / f"clip{i:05d}.wav")
        sf.write(paths[-1], y, SR, subtype="PCM_16")
    return paths


def _part_bytes(out: Path) -> int:
    root = out if out.suffix == "" else Path(str(out).replace(".ark", ".scp") + ".d")
    return sum(p.stat().st_size for p in root.glob("part-*"))


def _storage(paths: list[Path], work: Path) -> list[dict]:
    import fastfeat as ff
    from fastfeat.corpus import extract, read_features

    rows = []
    for label, config in (("MFCC (default Config)", ff.Config()),
                          ("80-band log-mel (kaldi)", ff.Config.preset("kaldi", **KALDI_FBANK))):
        ref: dict = {}
        for fmt, name in OUTS.items():
            for compress in (False, True):
                out = work / f"{label[:4]}-{fmt}-{compress}" / name
                out.parent.mkdir(parents=True)
                t0 = time.perf_counter()
                extract(paths, out, config=config, jobs=2, compress=compress)
                wall = time.perf_counter() - t0
                got = dict(read_features(out))
                values = sum(f.size for f in got.values())
                if not compress:
                    ref = ref or got
                    err = np.zeros(1)
                else:
                    err = np.concatenate([np.abs(got[k] - ref[k]).ravel() for k in ref])
                rows.append({"features": label, "format": fmt, "compress": compress,
                             "bytes_per_value": _part_bytes(out) / values,
                             "max_err": float(err.max()), "median_err": float(np.median(err)),
                             "range": float(max(np.abs(f).max() for f in ref.values())),
                             "files_per_s": len(paths) / wall})
    return rows


def _lhotse(paths: list[Path], repeats: int, work: Path) -> dict:
    from lhotse import CutSet, Fbank, FbankConfig, Recording, RecordingSet
    from lhotse.features.io import NumpyFilesWriter

    from fastfeat.lhotse import FastfeatConfig, FastfeatExtractor

    cuts = CutSet.from_manifests(recordings=RecordingSet.from_recordings(Recording.from_file(p) for p in paths))
    cuts = cuts.to_eager()
    extractors = {"fastfeat": FastfeatExtractor(FastfeatConfig(preset="kaldi", overrides=KALDI_FBANK)),
                  "lhotse Fbank": Fbank(FbankConfig(dither=0.0, num_mel_bins=80))}
    audio = [c.load_audio() for c in cuts]
    for ext in extractors.values():  # warm-up: tables, torch init
        ext.extract(audio[0], SR)
    pipeline: dict = {k: [] for k in extractors}
    alone: dict = {k: [] for k in extractors}
    for r in range(repeats):
        for name, ext in extractors.items():
            t0 = time.perf_counter()
            cuts.compute_and_store_features(extractor=ext, storage_path=work / f"l{r}-{name}",
                                            storage_type=NumpyFilesWriter, num_jobs=1)
            pipeline[name].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for y in audio:
                ext.extract(y, SR)
            alone[name].append(time.perf_counter() - t0)
    return {"cuts": len(cuts), "pipeline": {k: statistics.median(v) for k, v in pipeline.items()},
            "alone": {k: statistics.median(v) for k, v in alone.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_formats", description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=300, help="number of 1 s noise + tone clips (300)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    work = Path(tempfile.mkdtemp(prefix="fastfeat-formats-"))
    try:
        paths = _write_clips(work / "clips", args.clips)
        say(f"### Storage: {len(paths)} clips (6 bundled speech clips + {args.clips} noise + tone), "
            "error of compress=True against float32")
        say()
        say("| features | format | storage | bytes per value | max abs error | median abs error | max abs value | files/s (2 jobs) |")
        say("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for r in _storage(paths, work / "storage"):
            kind = ("Kaldi compressed (CM)" if r["format"] == "ark" else "float16") if r["compress"] else "float32"
            err = (f"{r['max_err']:.3g} | {r['median_err']:.3g}") if r["compress"] else "0 | 0"
            say(f"| {r['features']} | {r['format']} | {kind} | {r['bytes_per_value']:.2f} | {err} | {r['range']:.3g} "
                f"| {r['files_per_s']:,.0f} |")
        res = _lhotse(paths, args.repeats, work / "lhotse")
        f, l = res["pipeline"]["fastfeat"], res["pipeline"]["lhotse Fbank"]
        fa, la = res["alone"]["fastfeat"], res["alone"]["lhotse Fbank"]
        say()
        say(f"### lhotse: {res['cuts']} cuts, 80-band Kaldi fbank, one process, one thread, median of {args.repeats} "
            f"(load {os.getloadavg()[0]:.1f})")
        say()
        say("| what | fastfeat.lhotse (s) | lhotse Fbank (s) | ratio |")
        say("| --- | ---: | ---: | ---: |")
        say(f"| `cuts.compute_and_store_features` (load + extract + store) | {f:.3f} | {l:.3f} | **{l / f:.1f}×** |")
        say(f"| `extractor.extract` alone on loaded audio | {fa:.3f} | {la:.3f} | **{la / fa:.1f}×** |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
