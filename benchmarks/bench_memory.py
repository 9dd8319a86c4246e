"""Peak memory of one long extraction, against the size of its input and output.

Target (issue 2): a 600 s signal in <= 2x the size of its float32 input plus
output.  Each case runs in a fresh interpreter; the figure is the growth of
peak RSS (``ru_maxrss``) during the call, measured after the signal exists and
after a warm-up call on a short signal (tables built, code paged in).  The
signal is generated in place (no float64 temporary), so the peak before the
call is the current footprint ("slack" says by how much it is not): a
temporary freed before the call would otherwise raise the peak above
anything the extraction needs and hide its growth (every row read 0.0 MB).

    python -m benchmarks.bench_memory [--seconds 600]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys
import numpy as np
import fastfeat as ff
seconds, deltas, threads, dtype = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
y = np.empty(int(16000 * seconds), dtype)
rng = np.random.default_rng(0)
for i in range(0, y.size, 1 << 16):  # in place, block by block: no temporary
    rng.standard_normal(out=y[i:i + (1 << 16)], dtype=y.dtype)
ext = ff.Extractor(ff.Config(deltas=deltas), threads=threads)
ext(y[:16000])
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
def current():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
before, now = peak(), current()
out = ext(y)
print(json.dumps({"peak_growth": peak() - before, "slack": before - now, "input": y.nbytes, "output": out.nbytes}))
"""


def measure(seconds: float, deltas: int, threads: int, dtype: str) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, str(seconds), str(deltas), str(threads), dtype],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    args = ap.parse_args(argv)
    print(f"| {args.seconds:g} s signal | input MB | output MB | peak RSS growth MB | growth / (input + output) | slack MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, deltas, threads, dtype in [("13 MFCC, float32 input", 0, 1, "float32"),
                                          ("39 dims, float32 input", 2, 1, "float32"),
                                          ("13 MFCC, 2 threads", 0, 2, "float32"),
                                          ("13 MFCC, float64 input (converted)", 0, 1, "float64")]:
        m = measure(args.seconds, deltas, threads, dtype)
        total = m["input"] + m["output"]
        print(f"| {label} | {m['input'] / 1e6:.1f} | {m['output'] / 1e6:.1f} | "
              f"{m['peak_growth'] / 1e6:.1f} | {m['peak_growth'] / total:.2f}x | {m['slack'] / 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
