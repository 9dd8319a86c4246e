"""The C engine's own tests (csrc/tests), built with AddressSanitizer + UBSan.

They check the C API directly: error statuses, every allocation freed
(LeakSanitizer), no undefined behaviour, and stream == batch bit for bit at
the C level.  Skipped only when no C compiler or make is available.
"""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("gcc") is None,
                    reason="needs make and gcc")
def test_c_tests_under_sanitizers(tmp_path):
    res = subprocess.run(["make", "-s", "-C", CSRC, "test", f"BUILD={tmp_path}"],
                         capture_output=True, text=True, timeout=900)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    assert "0 failed" in out
    assert "ERROR: AddressSanitizer" not in out and "runtime error" not in out
