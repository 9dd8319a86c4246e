"""The C engine's own tests (csrc/tests), built with AddressSanitizer + UBSan.

They check the C API directly: error statuses, every allocation freed
(LeakSanitizer), no undefined behaviour, and stream == batch bit for bit at
the C level.  Skipped, saying why, when no C compiler or make is on PATH
(e.g. testing an installed wheel) or when the C sources are not beside the
tests (a copy of tests/ run outside the source tree).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")


def _why_not() -> str | None:
    missing = [tool for tool in ("make", "gcc") if shutil.which(tool) is None]
    if missing:
        return f"no {' or '.join(missing)} on PATH: the C tests compile csrc/ from source"
    if not os.path.isfile(os.path.join(CSRC, "Makefile")):
        return f"no C sources at {CSRC}: the tests run outside the source tree"
    return None


@pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")
def test_c_tests_under_sanitizers(tmp_path):
    res = subprocess.run(["make", "-s", "-C", CSRC, "test", f"BUILD={tmp_path}"],
                         capture_output=True, text=True, timeout=900)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    assert "0 failed" in out
    assert "ERROR: AddressSanitizer" not in out and "runtime error" not in out
