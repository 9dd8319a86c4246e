"""The classifier examples in docs/examples run with --quick and report sane accuracies.

Each runs in a subprocess on a small data set spoken by espeak-ng (16 voices,
one clip per word and voice, generated once into a temporary folder shared by
the four scripts) and must exit 0 and print its accuracy lines; the accuracy
must be well above chance (12 classes: 0.083; 10 voices: 0.1; frame classes:
the share of the majority class) and Δ/extraction-time lines must be present.
The CNN example needs PyTorch, the others scikit-learn; all need espeak-ng
(CI installs it: apt-get install espeak-ng).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fastfeat
from fastfeat.datasets import espeak_binary

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
ACC = re.compile(r"^accuracy (.+?): (\d\.\d+)", re.M)
SPEED = re.compile(r"fastfeat is (\d+)x faster")

pytestmark = [
    pytest.mark.skipif(espeak_binary() is None,
                       reason="espeak-ng is not installed (apt-get install espeak-ng): the examples speak their data"),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("commands") / "data")


def _run(script: str, data: str, *extra: str) -> tuple[dict, str]:
    env = dict(os.environ)
    here = str(Path(fastfeat.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([here, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--data", data, *extra],
                          capture_output=True, text=True, timeout=400, env=env, cwd=str(EXAMPLES))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{out}"
    acc = {name: float(v) for name, v in ACC.findall(proc.stdout)}
    assert acc, f"no accuracy line in the output of {script}:\n{out}"
    assert all(0.0 <= v <= 1.0 for v in acc.values()), out
    assert SPEED.search(proc.stdout), f"no extraction-time comparison in the output of {script}:\n{out}"
    return acc, out


def test_commands_svm(data_dir):
    pytest.importorskip("sklearn")
    pytest.importorskip("librosa")
    acc, out = _run("commands_svm.py", data_dir)
    assert acc["fastfeat MFCC+Δ+ΔΔ (78 dims)"] >= 0.5, out
    assert acc["librosa MFCC+Δ+ΔΔ (78 dims)"] >= 0.4, out
    assert "fastfeat static MFCC (26 dims)" in acc, out


def test_speaker_id(data_dir):
    pytest.importorskip("sklearn")
    pytest.importorskip("librosa")
    acc, out = _run("speaker_id.py", data_dir)
    assert acc["fastfeat MFCC mean/std over speech frames"] >= 0.3, out  # 10 voices: chance 0.1


def test_frame_classification(data_dir):
    pytest.importorskip("sklearn")
    pytest.importorskip("librosa")
    acc, out = _run("frame_classification.py", data_dir, "--train-frames", "2000", "--test-frames", "2000")
    sil = float(re.search(r"'sil' frames: (\d\.\d+)", out).group(1))
    best = acc["fastfeat MFCC+Δ+ΔΔ, ±5 frames (429)"]
    assert best > sil + 0.1, out  # beats always answering "sil"
    assert best >= acc["fastfeat static MFCC (13)"] - 0.02, out


def test_commands_cnn(data_dir):
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    pytest.importorskip("librosa")
    acc, out = _run("commands_cnn.py", data_dir)
    assert acc["CNN on fastfeat log-mel"] >= 0.2, out  # 12 classes: chance 0.083
