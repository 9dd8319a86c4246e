"""fastfeat.torch.FeatureDataset: fixed-size images, labels, seeded augmentation."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastfeat as ff  # noqa: E402
from fastfeat.io import sample_files  # noqa: E402
from fastfeat.torch import FeatureDataset, SpecAugment  # noqa: E402

LABELS = ["down", "left", "no", "right", "up", "yes"]  # sample_files() order


def test_images_and_labels():
    ds = FeatureDataset(sample_files(), LABELS, n_frames=64, normalize=None)
    assert len(ds) == 6 and ds.classes == sorted(LABELS)
    x, t = ds[1]
    assert x.dtype == torch.float32 and tuple(x.shape) == (1, 40, 64) and t == 1
    y = ff.load(sample_files()[1])[0]
    lm = ff.logmel(y, config=ff.Config(kind="logmel"))
    from fastfeat.augment import pad_or_crop
    np.testing.assert_array_equal(x[0].numpy(), pad_or_crop(lm, 64, align="center", mode="edge").T)
    mf = FeatureDataset(sample_files(), LABELS, config=ff.Config(deltas=2), n_frames=200)
    img = mf[0][0]
    assert tuple(img.shape) == (1, 39, 200)
    assert abs(float(img.mean())) < 1e-4 and abs(float(img.std()) - 1) < 1e-2  # normalize="utterance"
    batch = next(iter(torch.utils.data.DataLoader(mf, batch_size=4)))
    assert tuple(batch[0].shape) == (4, 1, 39, 200) and batch[1].tolist() == [0, 1, 2, 3]


def test_augmentation_is_seeded_per_epoch_and_index():
    def wave(y, rng):
        return ff.augment.add_noise(y, "pink", snr_db=10.0, rng=rng)

    ds = FeatureDataset(sample_files(), LABELS, waveform_augment=wave, spec_augment=SpecAugment(), seed=7)
    a = ds[2][0]
    assert torch.equal(a, ds[2][0])  # same epoch, same draw
    ds.set_epoch(1)
    assert not torch.equal(a, ds[2][0])
    other = FeatureDataset(sample_files(), LABELS, waveform_augment=wave, spec_augment=SpecAugment(), seed=7)
    assert torch.equal(a, other[2][0])
    plain = FeatureDataset(sample_files(), LABELS)
    assert not torch.equal(a, plain[2][0])


def test_manifest_and_errors(tmp_path):
    import shutil

    rows = ["path,label,speaker,split"]
    for p, lab in zip(sample_files(), LABELS):
        shutil.copy(p, tmp_path)
        rows.append(f"{p.rsplit('/', 1)[-1]},{lab},v1,{'test' if lab == 'yes' else 'train'}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    train = FeatureDataset.from_manifest(tmp_path / "manifest.csv", "train", classes=LABELS)
    test = FeatureDataset.from_manifest(tmp_path / "manifest.csv", "test", classes=train.classes)
    assert len(train) == 5 and len(test) == 1 and test[0][1] == LABELS.index("yes")
    unlabelled = FeatureDataset(sample_files())
    assert tuple(unlabelled[0].shape) == (1, 40, 98)
    with pytest.raises(ValueError, match="labels has 2 items"):
        FeatureDataset(sample_files(), ["a", "b"])
    with pytest.raises(ValueError, match="n_frames=0"):
        FeatureDataset(sample_files(), n_frames=0)
    with pytest.raises(ValueError, match=r"labels \['yes'\] are not in classes"):
        FeatureDataset(sample_files(), LABELS, classes=LABELS[:5])
    with pytest.raises(IndexError):
        unlabelled[6]
