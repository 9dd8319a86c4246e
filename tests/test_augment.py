"""fastfeat.augment: seeded, length-preserving, and doing what the names say
(noise colours by their PSD slope, SNR exact, shifts exact, masks within bounds)."""

from __future__ import annotations

import numpy as np
import pytest

from fastfeat import augment


@pytest.mark.parametrize("color, beta", [("white", 0.0), ("pink", 1.0), ("brown", 2.0)])
def test_noise_psd_slope(color, beta):
    """log10 PSD vs log10 f has slope -beta (averaged periodogram, 50 Hz - 6 kHz at 16 kHz)."""
    n, seg = 1 << 18, 4096
    x = augment.colored_noise(n, color, rng=0).astype(np.float64)
    assert abs(x.mean()) < 1e-6 and abs(np.mean(x * x) - 1.0) < 1e-4
    frames = x.reshape(-1, seg) * np.hanning(seg)
    psd = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    f = np.fft.rfftfreq(seg, 1 / 16000)
    band = (f >= 50) & (f <= 6000)
    slope = np.polyfit(np.log10(f[band]), np.log10(psd[band]), 1)[0]
    assert abs(slope + beta) < 0.08, (color, slope)


@pytest.mark.parametrize("noise", ["white", "pink", "brown", "array", "file"])
@pytest.mark.parametrize("snr", [-5.0, 0.0, 12.5, 30.0])
def test_add_noise_snr_exact(noise, snr, tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(3)
    y = (0.3 * np.sin(np.arange(8000) * 0.05)).astype(np.float32)
    src = rng.standard_normal(3000).astype(np.float32)  # shorter than y: looped
    if noise == "array":
        noise = src
    elif noise == "file":
        sf.write(tmp_path / "n.wav", src, 16000, subtype="FLOAT")
        noise = str(tmp_path / "n.wav")
    z = augment.add_noise(y, noise, snr_db=snr, sr=16000, rng=1)
    assert z.shape == y.shape and z.dtype == np.float32
    assert augment.snr_db(y, z.astype(np.float64) - y) == pytest.approx(snr, abs=0.01)
    np.testing.assert_array_equal(z, augment.add_noise(y, noise, snr_db=snr, sr=16000, rng=1))


def test_add_noise_range_and_errors():
    y = np.ones(1000, np.float32)
    snrs = [augment.snr_db(y, augment.add_noise(y, "white", snr_db=(5.0, 10.0), rng=s) - y) for s in range(20)]
    assert all(5.0 - 1e-3 <= s <= 10.0 + 1e-3 for s in snrs) and np.std(snrs) > 0.5
    with pytest.raises(ValueError, match="all zeros"):
        augment.add_noise(np.zeros(100, np.float32), "white", rng=0)
    with pytest.raises(ValueError, match="snr_db="):
        augment.add_noise(y, "white", snr_db=float("nan"))
    with pytest.raises(FileNotFoundError, match="noise="):
        augment.add_noise(y, "purple", sr=16000)
    with pytest.raises(ValueError, match="sr is required"):
        augment.add_noise(y, __file__)
    with pytest.raises(ValueError, match="color='blue'"):
        augment.colored_noise(10, "blue")


def test_gain_ranges():
    y = np.ones(10, np.float32)
    gains = np.array([augment.random_gain(y, rng=s)[0] for s in range(2000)])
    quiet = gains < 0.6
    assert ((gains >= 0.3) & (gains <= 0.5) | (gains >= 0.7) & (gains <= 1.3)).all()
    assert 0.07 < quiet.mean() < 0.13  # quiet_prob 0.1
    assert (augment.random_gain(y, quiet_prob=0.0, rng=0) >= 0.7).all()
    with pytest.raises(ValueError, match="quiet_prob"):
        augment.random_gain(y, quiet_prob=2.0)
    with pytest.raises(TypeError, match="integer PCM"):
        augment.random_gain(np.ones(4, np.int16))


def test_time_shift():
    y = np.arange(1, 11, dtype=np.float32)
    assert augment.time_shift(y, 3).tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6, 7]
    assert augment.time_shift(y, -3).tolist() == [4, 5, 6, 7, 8, 9, 10, 0, 0, 0]
    assert augment.time_shift(y, 20).tolist() == [0] * 10
    shifts = set()
    for s in range(50):
        z = augment.time_shift(y, max_shift=2, rng=s)
        nz = np.flatnonzero(z)
        shifts.add(int(z[nz[0]] - 1 - nz[0]) * -1 if z[0] == 0 else int(1 - z[0]))
    assert shifts == {-2, -1, 0, 1, 2}
    with pytest.raises(ValueError, match="exactly one"):
        augment.time_shift(y)


def test_spec_augment_masks():
    x = np.arange(100 * 40, dtype=np.float32).reshape(100, 40) + 1
    for seed in range(20):
        m = augment.spec_augment(x, freq_masks=1, freq_width=7, time_masks=1, time_width=9, value=0.0, rng=seed)
        cols = np.flatnonzero((m == 0).all(axis=0))
        rows = np.flatnonzero((m == 0).all(axis=1))
        assert len(cols) <= 7 and len(rows) <= 9
        if len(cols):
            assert cols.max() - cols.min() + 1 == len(cols)  # contiguous
        changed = m != x
        assert (changed == (np.isin(np.arange(40), cols)[None, :] | np.isin(np.arange(100), rows)[:, None])).all()
    np.testing.assert_array_equal(augment.spec_augment(x, rng=5), augment.spec_augment(x, rng=5))
    assert np.isclose(augment.spec_augment(np.ones((10, 10)) * 3, rng=0), 3).all()  # mean fill


def test_pad_or_crop():
    x = np.arange(12).reshape(6, 2)
    assert augment.pad_or_crop(x, 4, align="center").tolist() == x[1:5].tolist()
    p = augment.pad_or_crop(x, 9, mode="edge")
    assert p.shape == (9, 2) and (p[6:] == x[-1]).all()
    r = [augment.pad_or_crop(np.arange(10), 4, align="random", rng=s)[0] for s in range(40)]
    assert set(r) == set(range(7))
    assert augment.pad_or_crop(x, 3, axis=1).shape == (6, 3)
    with pytest.raises(ValueError, match="length=0"):
        augment.pad_or_crop(x, 0)
