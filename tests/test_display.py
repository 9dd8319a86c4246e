"""fastfeat.display: axes in seconds / Hz / mel, images where the energy is."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import fastfeat as ff  # noqa: E402
from fastfeat import display  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _tone(f=2000.0, n=16000):
    return (0.5 * np.sin(2 * np.pi * f * np.arange(n) / 16000)).astype(np.float32)


def test_power_axis_in_hz_peaks_at_the_tone():
    cfg = ff.Config(kind="power", log=None)
    mesh = display.specshow(ff.power_spectrum(_tone(), sr=16000), cfg)
    ax = mesh.axes
    assert ax.get_ylabel() == "Hz" and ax.get_xlabel() == "time (s)"
    lo, hi = ax.get_ylim()
    assert lo == pytest.approx(0.0) and hi == pytest.approx(8000.0)
    assert ax.get_xlim()[1] == pytest.approx(1.0, abs=0.02)
    img = mesh.get_array().reshape(257, -1)  # (bins, frames), dB
    assert abs(int(np.argmax(img.mean(axis=1))) * 16000 / 512 - 2000) <= 16000 / 512


def test_mel_axis_ticks_are_hz_on_the_mel_scale():
    for scale in ("htk", "slaney"):
        cfg = ff.Config(kind="logmel", mel_scale=scale)
        ax = display.specshow(ff.logmel(_tone(), config=cfg), cfg).axes
        ticks = ax.get_yticks()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert "1000" in labels
        np.testing.assert_allclose(display.mel_to_hz(ticks, scale), [float(x) for x in labels], rtol=1e-3)
        # the loudest band is the one whose centre is nearest 2 kHz
        img = ax.collections[0].get_array().reshape(40, -1)
        centres = np.linspace(display.hz_to_mel(0, scale), display.hz_to_mel(8000, scale), 42)[1:-1]
        assert abs(int(np.argmax(img.mean(axis=1))) - int(np.argmin(abs(centres - display.hz_to_mel(2000, scale))))) <= 1


def test_mel_conversions_match_librosa():
    librosa = pytest.importorskip("librosa")
    f = np.array([0.0, 200.0, 999.0, 1000.0, 3000.0, 8000.0])
    np.testing.assert_allclose(display.hz_to_mel(f, "slaney"), librosa.hz_to_mel(f), rtol=1e-9)
    np.testing.assert_allclose(display.hz_to_mel(f, "htk"), librosa.hz_to_mel(f, htk=True), rtol=1e-9)


def test_time_axis_uses_true_frame_centres():
    sk = pytest.importorskip("fastfeat.sklearn")
    for cfg in (ff.Config(), ff.Config(center=True), ff.Config(snip_edges=False), ff.Config.preset("librosa")):
        np.testing.assert_allclose(display._frame_centres(7, cfg), sk.frame_times(7, cfg))


def test_show_features_and_errors(tmp_path):
    fig = display.show_features(_tone(), ff.Config(deltas=2), title="tone")
    fig.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 10000
    with pytest.raises(ValueError, match="y_axis='mel' needs 40 columns"):
        display.specshow(np.zeros((5, 120)), ff.Config(kind="logmel", deltas=2))
    with pytest.raises(ValueError, match="y_axis='bark'"):
        display.specshow(np.zeros((5, 13)), y_axis="bark")
    with pytest.raises(ValueError, match="sr=0"):
        display.waveform(np.zeros(10), 0)
