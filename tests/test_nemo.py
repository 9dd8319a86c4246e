"""The "nemo" preset and fastfeat.compat.nemo against NeMo's own FilterbankFeatures.

The reference is NeMo's code, run live: ``FilterbankFeatures`` from
``nemo/collections/asr/parts/preprocessing/features.py`` of the installed
nemo_toolkit (``pip install --no-deps nemo_toolkit==3.0.0``; the class that
``AudioToMelSpectrogramPreprocessor`` wraps, with its argument names).  The
rest of nemo_toolkit (lightning, hydra, nv_one_logger, ... imported by the
package ``__init__`` files) is not needed by that module, so
``nemo_filterbank_features`` imports the module from its file with the
parent packages as bare namespaces, and stubs the one import it does not use
(``perturb.AudioAugmentor``, used by WaveformFeaturizer only).  Eval mode: no
dither.

Tolerance: NeMo computes in float32 with torch's FFT and its own sqrt-then-
square magnitude; after the per-feature normalisation (division by each
band's standard deviation) values differ by float32 noise scaled by
1 / std.  The largest differences are in band 0 (0 Hz, one or two FFT bins,
far below each frame's peak after pre-emphasis, so its float32 FFT noise is
large relative to it).  Bound: 5e-4 absolute per value, under the issue's
2e-3.  Observed max: 7.7e-5 (64 and 80 mels), 2.1e-4 (128 mels, band 0),
2.7e-5 without normalisation (the "clamp" variant).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_within, model_reference
from _nemo_ref import nemo_filterbank_features

import fastfeat as ff  # noqa: E402
from fastfeat.compat import nemo as fn  # noqa: E402
from fastfeat.stream import frame_local, window_step  # noqa: E402

torch = model_reference("torch")
nemo = model_reference("nemo")

ATOL = 5e-4


def nemo_reference(x, lengths, **kw):
    fb = nemo_filterbank_features()(**kw).eval()
    with torch.no_grad():
        out, n = fb(torch.from_numpy(np.ascontiguousarray(x, np.float32)), torch.from_numpy(np.asarray(lengths)))
    return out.numpy(), n.numpy()


def _batch(speech):
    ys = list(speech.values())
    width = max(len(y) for y in ys)
    x = np.zeros((len(ys), width), np.float32)
    for i, y in enumerate(ys):
        x[i, :len(y)] = y
    return x, np.array([len(y) for y in ys])


# NeMo argument names (FilterbankFeatures) -> the same AudioToMelSpectrogramPreprocessor call
VARIANTS = {
    "defaults": (dict(), dict()),
    "parakeet": (dict(n_window_size=400, nfilt=80), dict(window_size=0.025, features=80)),
    "canary": (dict(n_window_size=400, nfilt=128, pad_to=0), dict(window_size=0.025, features=128, pad_to=0)),
    "clamp": (dict(log_zero_guard_type="clamp", log_zero_guard_value=1e-5, normalize=None),
              dict(log_zero_guard_type="clamp", log_zero_guard_value=1e-5, normalize=None)),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_preprocessor_equals_nemo(speech, rng, variant):
    nemo_kw, ours_kw = VARIANTS[variant]
    pre = fn.AudioToMelSpectrogramPreprocessor(**ours_kw)
    for what, (x, lengths) in {"speech": _batch(speech),
                               "noise": ((0.1 * rng.standard_normal((3, 24000))).astype(np.float32),
                                         np.array([24000, 17777, 5000]))}.items():
        ref, ref_n = nemo_reference(x, lengths, **nemo_kw)
        got, got_n = pre(input_signal=x, length=lengths)
        assert np.array_equal(got_n, ref_n), (variant, got_n, ref_n)
        assert got.shape == ref.shape, (variant, got.shape, ref.shape)
        assert_within(got, ref, ATOL, f"nemo {variant} on {what}", key="nemo")


def test_preset_is_the_default_preprocessor(speech):
    y = speech["turn_left"]
    ref, n = nemo_reference(y[None, :], [len(y)])
    ours = ff.Extractor(ff.Config.preset("nemo"))(y)
    assert ours.shape == (n[0], 64) == (len(y) // 160, 64)
    assert_within(ours.T, ref[0, :, :n[0]], ATOL, "nemo preset", key="nemo")


def test_tensors_in_tensors_out(speech):
    x, lengths = _batch(speech)
    pre = fn.AudioToMelSpectrogramPreprocessor()
    got, n = pre(input_signal=torch.from_numpy(x), length=torch.from_numpy(lengths))
    assert isinstance(got, torch.Tensor) and isinstance(n, torch.Tensor)
    assert np.array_equal(got.numpy(), pre(input_signal=x, length=lengths)[0])
    with pytest.raises(ValueError, match="normalize='all_features' is not supported"):
        fn.AudioToMelSpectrogramPreprocessor(normalize="all_features")


def test_stream_refuses_normalize_and_window_step_equals_batch(speech):
    cfg = ff.Config.preset("nemo")
    with pytest.raises(ValueError, match="normalize='per_feature' uses the mean and deviation"):
        ff.Stream(cfg)
    y = speech["go_forward"]
    s = ff.Stream(frame_local(cfg))
    rows = np.concatenate([s.push(y[i:i + 500]) for i in range(0, len(y), 500)] + [s.flush()])
    assert np.array_equal(window_step(rows, cfg), ff.Extractor(cfg)(y))


def test_normalize_needs_logmel():
    with pytest.raises(ValueError, match="normalize='per_feature' needs kind='logmel' or 'power' and deltas=0"):
        ff.Config.preset("nemo", kind="mfcc")
