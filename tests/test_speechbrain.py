"""The "speechbrain" and "speechbrain_mfcc" presets against SpeechBrain's own
``speechbrain.lobes.features.Fbank`` and ``MFCC`` (speechbrain 1.1.2, run live).

``Fbank()`` is ``Config.preset("speechbrain")``; ``MFCC()`` (deltas and a
5 + 1 + 5 frame context window by default) is
``context_window(Extractor(Config.preset("speechbrain_mfcc"))(y))``.

Tolerance: the project's float32 log bound (conftest.log_tolerance, in dB:
SpeechBrain's ``10 log10``), capped at 2e-3 nats (8.7e-3 dB); for the MFCC
statics the same bound through the DCT (mfcc_tolerance, from SpeechBrain's own
23-band Fbank), capped likewise; deltas and the context columns (linear
combinations with weights summing to at most 1 in absolute value per step) use
the cap, as do Fbank variants other than the defaults (SpeechBrain's float32
filter weights, see _fbank_tol).  Observed: Fbank() 2.4e-3 dB on the chirp (0.25
of its bound, 5.5e-4 nats), <= 4.4e-4 dB on the speech clips; Fbank(n_mels=80)
3.1e-3 dB on the chirp (0.36 of the cap); MFCC() <= 9.3e-4.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import DB, SYNTHETIC_NAMES, assert_within, log_tolerance, mfcc_tolerance, model_reference, synthetic_signal

import fastfeat as ff  # noqa: E402
from fastfeat.compat.speechbrain import context_window  # noqa: E402
from fastfeat.stream import frame_local, window_step  # noqa: E402

torch = model_reference("torch")
sb_features = model_reference("speechbrain.lobes.features")


def _drop_lazy_redirects():
    # speechbrain's __init__ puts lazy aliases of deprecated modules into sys.modules
    # (speechbrain.k2_integration, .pretrained, ...); reading any attribute of one
    # imports its target, whose optional packages (k2, sentencepiece) are not
    # installed, and raises ImportError, which breaks hypothesis' pytest plugin
    # (it reads __file__ of every module in sys.modules).  They are aliases only.
    from speechbrain.utils.importutils import LazyModule

    for name, mod in list(sys.modules.items()):
        if isinstance(mod, LazyModule) and mod.lazy_module is None:
            del sys.modules[name]


_drop_lazy_redirects()

CAP = 2e-3 * DB  # 2e-3 nats, in dB


def _signals(speech):
    return {**speech, **{n: synthetic_signal(n) for n in SYNTHETIC_NAMES}}


def _sb(module, y):
    with torch.no_grad():
        return module.eval()(torch.from_numpy(y)[None])[0].numpy()


def _fbank_tol(ref, kw):
    # SpeechBrain builds its filters in float32 (weights off by up to 1e-5 absolute,
    # 4e-4 relative at a filter's edge: 2e-3 dB when a tone sits there, the chirp
    # with n_fft=512), beyond the float32 bound of the default filters: the cap then
    return np.minimum(log_tolerance(ref, unit=DB), CAP) if not kw else CAP


@pytest.mark.parametrize("kw", [dict(), dict(n_mels=80), dict(n_fft=512, f_min=20, f_max=7600)], ids=str)
def test_fbank_equals_speechbrain(speech, kw):
    fb = sb_features.Fbank(**kw)
    ours = {"n_mels": kw.get("n_mels", 40), "n_fft": kw.get("n_fft", 400),
            "fmin": kw.get("f_min", 0), "fmax": kw.get("f_max")}
    ext = ff.Extractor(ff.Config.preset("speechbrain", **ours))
    for name, y in _signals(speech).items():
        ref = _sb(fb, y)
        assert_within(ext(y), ref, _fbank_tol(ref, kw), f"speechbrain Fbank{kw} on {name}", key="speechbrain fbank")


def test_fbank_deltas(speech):
    y = speech["turn_left"]
    ref = _sb(sb_features.Fbank(deltas=True), y)
    ours = ff.Extractor(ff.Config.preset("speechbrain", deltas=2))(y)
    assert_within(ours, ref, CAP, "speechbrain Fbank(deltas=True)", key="speechbrain fbank")


def test_mfcc_equals_speechbrain(speech):
    mfcc, mfcc_static, fb23 = sb_features.MFCC(), sb_features.MFCC(deltas=False, context=False), sb_features.Fbank(n_mels=23)
    ext = ff.Extractor(ff.Config.preset("speechbrain_mfcc"))
    for name, y in _signals(speech).items():
        ours = ext(y)
        tol = np.minimum(mfcc_tolerance(log_tolerance(_sb(fb23, y), unit=DB), 20), CAP)
        assert_within(ours[:, :20], _sb(mfcc_static, y), tol, f"speechbrain MFCC statics on {name}", key="speechbrain mfcc")
        ref = _sb(mfcc, y)  # the defaults: deltas and the 11-frame context
        assert_within(context_window(ours), ref, CAP, f"speechbrain MFCC() on {name}", key="speechbrain mfcc")


def test_context_window_equals_speechbrain(rng):
    x = rng.standard_normal((1, 7, 3)).astype(np.float32)
    for left, right in [(5, 5), (0, 2), (3, 1), (0, 0)]:
        with torch.no_grad():
            ref = sb_features.ContextWindow(left, right)(torch.from_numpy(x))[0].numpy()
        assert np.array_equal(context_window(x[0], left, right), ref), (left, right)
    with pytest.raises(ValueError, match="left_frames=-1 is not valid"):
        context_window(x[0], -1, 5)
    with pytest.raises(ValueError, match="features must be 2-D"):
        context_window(x, 5, 5)


def test_stream_refuses_top_db_and_window_step_equals_batch(speech):
    for preset in ("speechbrain", "speechbrain_mfcc"):
        with pytest.raises(ValueError, match="top_db=80.0 clips every frame"):
            ff.Stream(ff.Config.preset(preset))
    cfg = ff.Config.preset("speechbrain")
    y = speech["go_forward"]
    s = ff.Stream(frame_local(cfg))
    rows = np.concatenate([s.push(y[i:i + 777]) for i in range(0, len(y), 777)] + [s.flush()])
    assert np.array_equal(window_step(rows, cfg), ff.Extractor(cfg)(y))
