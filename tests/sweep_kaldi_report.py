"""The worst errors of tests/test_sweep_kaldi.py per reference, output kind and option (docs/presets.md).

Run from the repository root: python tests/sweep_kaldi_report.py [multiplier]; the multiplier draws that
many times the cases CI runs (docs/presets.md quotes 3).
"""
import collections
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import load_speech  # noqa: E402
import test_sweep_kaldi as S  # noqa: E402


def main(mult: int) -> None:
    """Print case counts, worst errors by output kind, and by option."""
    warnings.simplefilter("ignore")
    sig = S.make_signals(load_speech())
    ratio = {}      # (ref, option) -> worst |d|/tol
    values = collections.defaultdict(set)
    clean = collections.defaultdict(float)      # (ref, what) -> worst |d|
    counts = collections.Counter()
    for ref, n in S.N_CASES.items():
        fns = ("fbank", "mfcc") if ref == "knf" else ("fbank", "mfcc", "spectrogram")
        for fn in fns:
            for i in range(mult * n // len(fns)):
                c = S.run_case(sig, ref, fn, i)
                counts[ref, fn, "compared" if c else "refused by the reference"] += 1
                if c is None:
                    continue
                o, s, ours, r, tol = c
                d = np.abs(ours.astype(np.float64) - r)
                rt = float((d / tol).max())
                case_clean = []
                e = None
                if fn == "spectrogram":
                    e = 0
                elif fn == "fbank" and o.get("use_energy"):
                    e = -1 if o.get("htk_compat") else 0
                if e is not None:
                    clean[ref, "energy column"] = max(clean[ref, "energy column"], float(d[:, e].max()))
                    case_clean.append(float(d[:, e].max()))
                    db = np.delete(d, e % d.shape[1], axis=1); rb = np.delete(r, e % r.shape[1], axis=1)
                else:
                    db, rb = d, r
                if fn == "mfcc":
                    clean[ref, "mfcc (all frames)"] = max(clean[ref, "mfcc (all frames)"], float(d.max()))
                    case_clean.append(float(d.max()))
                elif fn == "fbank" and not o.get("use_log_fbank", True):
                    rel = db / np.maximum(np.abs(rb).max(axis=1, keepdims=True), 1e-30)
                    clean[ref, "linear fbank, relative to the frame's loudest band"] = max(
                        clean[ref, "linear fbank, relative to the frame's loudest band"], float(rel.max()))
                    case_clean.append(float(rel.max()))
                elif not o.get("subtract_mean"):
                    m = rb >= rb.max(axis=1, keepdims=True) - 10
                    key = f"log {fn}, values within 10 nats of the frame's loudest"
                    clean[ref, key] = max(clean[ref, key], float(db[m].max()))
                    case_clean.append(float(db[m].max()))
                ce = max(case_clean) if case_clean else 0.0
                for k, v in list(o.items()) + [("signal", s), ("function", fn)]:
                    r0, c0 = ratio.get((ref, k), (0.0, 0.0))
                    ratio[ref, k] = (max(r0, rt), max(c0, ce)); values[ref, k].add(v)
    for k in sorted(counts): print("count", k, counts[k])
    for k in sorted(clean): print("clean", k, "%.2g" % clean[k])
    for k in sorted(ratio): print("option", k, "ratio %.3f clean %.2g" % ratio[k], sorted(map(str, values.get(k, ()))))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
