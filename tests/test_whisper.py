"""The "whisper" preset and fastfeat.compat.whisper against the live libraries.

References, computed here from the installed packages (the "models" extra):

* ``whisper.log_mel_spectrogram`` (openai-whisper, torch on the CPU), with
  ``padding=0`` and with transcribe's ``padding=N_SAMPLES`` (one global max);
* ``transformers.WhisperFeatureExtractor`` (its torch path), single items and
  batches: ragged, ``padding="longest"``, truncation, ``pad_to_multiple_of``,
  ``do_normalize``, the attention mask, and a loud and a quiet item in one
  batch (each item is clamped against its own maximum).

Tolerance: both references compute in float32 with other FFTs (and
transformers' mel filters in float64), so a log-mel value differs by float32
rounding that grows as the value falls below its frame's loudest band
(conftest.log_tolerance, converted to Whisper's units: log10, then / 4),
plus ATOL for the float32 FFT noise of near-silent frames, capped at the
issue's 2e-3.  Observed max |diff| (FF_REPORT_TOL=1): 4.2e-5 openai 80 mels,
5.0e-5 openai 128 mels, 4.7e-5 transformers, on the chirp and clipped sine
(tones: bands far below their frame's peak); <= 1.7e-5 on the speech clips.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import SYNTHETIC_NAMES, assert_within, log_tolerance, model_reference, synthetic_signal

import fastfeat as ff  # noqa: E402
from fastfeat.compat import whisper as fw  # noqa: E402
from fastfeat.stream import frame_local, window_step  # noqa: E402

torch = model_reference("torch")  # the "models" extra; CI installs it
whisper = model_reference("whisper")
transformers = model_reference("transformers")

CAP = 2e-3  # the bound per value
ATOL = 1e-4  # float32 FFT noise of bands far below their frame's peak (observed <= 5.0e-5)


def whisper_tol(ref):
    """Per-value bound for Whisper features ref (n_mels, n_frames)."""
    nats = (np.asarray(ref, np.float64).T * 4.0 - 4.0) * math.log(10.0)  # back to ln(mel), frames x mels
    return np.minimum(ATOL + log_tolerance(nats) / math.log(10.0) / 4.0, CAP).T


def _signals(speech):
    out = {name: synthetic_signal(name) for name in SYNTHETIC_NAMES}
    out.update(speech)
    return out


@pytest.fixture(scope="module")
def hf():
    return transformers.WhisperFeatureExtractor()


# ---------------------------------------------------------------- openai-whisper

@pytest.mark.parametrize("n_mels", [80, 128])
def test_preset_equals_openai(speech, n_mels):
    ext = ff.Extractor(ff.Config.preset("whisper", n_mels=n_mels))
    for name, y in _signals(speech).items():
        ref = whisper.log_mel_spectrogram(torch.from_numpy(y), n_mels=n_mels).numpy()
        assert_within(ext(y).T, ref, whisper_tol(ref), f"whisper n_mels={n_mels} on {name}")


def test_transcribe_padding_takes_one_global_max(speech):
    y = speech["turn_left"]
    ref = whisper.log_mel_spectrogram(y, padding=whisper.audio.N_SAMPLES).numpy()
    ours = fw.log_mel_spectrogram(y, padding=fw.N_SAMPLES)
    assert ours.shape == ref.shape == (80, (len(y) + fw.N_SAMPLES) // 160)
    assert_within(ours, ref, whisper_tol(ref), "whisper transcribe padding")
    # the 30 s of zeros sit at the clamp: max - 8, in Whisper's units
    assert np.allclose(ours[:, -10:], ours.max() - 2.0, atol=1e-6)


def test_compat_types(speech):
    y = speech["yes"]
    ref = whisper.log_mel_spectrogram(torch.from_numpy(y))
    got_np = fw.log_mel_spectrogram(y)
    got_t = fw.log_mel_spectrogram(torch.from_numpy(y))
    assert isinstance(got_np, np.ndarray) and got_np.dtype == np.float32
    assert isinstance(got_t, torch.Tensor) and got_t.dtype == torch.float32
    assert np.array_equal(got_t.numpy(), got_np)
    assert_within(got_np, ref.numpy(), whisper_tol(ref.numpy()), "whisper compat")
    assert fw.log_mel_spectrogram(y.astype(np.float64), n_mels=128).shape == (128, len(y) // 160)
    with pytest.raises(ValueError, match="padding=-1 is not valid"):
        fw.log_mel_spectrogram(y, padding=-1)
    with pytest.raises(ValueError, match="must be 1-D"):
        fw.log_mel_spectrogram(np.stack([y, y]))


# ---------------------------------------------------------------- transformers

def _compare_hf(hf, ours_fe, audio, what, **kw):
    ref = hf(audio, sampling_rate=16000, return_tensors="np", **kw)
    got = ours_fe(audio, sampling_rate=16000, return_tensors="np", **kw)
    assert sorted(got) == sorted(ref.keys()), (what, sorted(got), sorted(ref.keys()))
    r, g = ref["input_features"], got["input_features"]
    assert g.shape == r.shape and g.dtype == np.float32, (what, g.shape, r.shape)
    for i in range(r.shape[0]):
        assert_within(g[i], r[i], whisper_tol(r[i]), f"transformers {what} item {i}", key="transformers")
    if "attention_mask" in ref:
        assert np.array_equal(got["attention_mask"], ref["attention_mask"]), what
    return got


def test_feature_extractor_single(hf, speech):
    fe = fw.WhisperFeatureExtractor()
    for name, y in speech.items():
        _compare_hf(hf, fe, y, name)
    long = np.concatenate([speech["turn_left"]] * 40)  # > 30 s: truncated to 480000 samples
    assert len(long) > fw.N_SAMPLES
    _compare_hf(hf, fe, long, "truncated")


def test_feature_extractor_batches(hf, speech):
    fe = fw.WhisperFeatureExtractor()
    ys = list(speech.values())
    loud_quiet = [speech["stop"], 1e-3 * speech["go_forward"]]
    _compare_hf(hf, fe, ys, "ragged max_length", return_attention_mask=True)
    _compare_hf(hf, fe, ys, "ragged longest", padding="longest", return_attention_mask=True)
    _compare_hf(hf, fe, ys, "multiple", padding="longest", pad_to_multiple_of=1000,
                return_attention_mask=True)
    _compare_hf(hf, fe, ys, "normalize", padding="longest", do_normalize=True, return_attention_mask=True)
    got = _compare_hf(hf, fe, loud_quiet, "loud and quiet")
    # per item: the quiet item is clamped against its own maximum, not the loud one's
    alone = fe(loud_quiet[1], sampling_rate=16000, return_tensors="np")["input_features"][0]
    assert np.array_equal(got["input_features"][1], alone)
    batch2d = np.stack([ys[0][:8000], ys[1][:8000]])
    _compare_hf(hf, fe, batch2d, "2-D array", padding="longest")


def test_feature_extractor_large_v3_and_tensors(speech):
    hf128 = transformers.WhisperFeatureExtractor(feature_size=128)
    fe128 = fw.WhisperFeatureExtractor(feature_size=128)
    _compare_hf(hf128, fe128, speech["yes"], "128 mels")
    out = fe128([speech["yes"], speech["stop"]], sampling_rate=16000, return_tensors="pt",
                return_attention_mask=True)
    assert isinstance(out.input_features, torch.Tensor) and tuple(out.input_features.shape) == (2, 128, 3000)
    assert tuple(out.attention_mask.shape) == (2, 3000)
    ragged = fe128([speech["yes"], speech["stop"]], sampling_rate=16000, padding="do_not_pad")
    assert [f.shape for f in ragged["input_features"]] == [(128, len(speech[k]) // 160) for k in ("yes", "stop")]
    with pytest.raises(ValueError, match="sampling_rate=8000 does not match"):
        fe128(speech["yes"], sampling_rate=8000)
    with pytest.raises(ValueError, match="padding='sideways' is not valid"):
        fe128(speech["yes"], sampling_rate=16000, padding="sideways")


# ---------------------------------------------------------------- streaming

def test_stream_refuses_the_clamp_naming_it():
    with pytest.raises(ValueError, match="top_db=80.0 clips every frame.*window_step"):
        ff.Stream(ff.Config.preset("whisper"))


@pytest.mark.parametrize("chunk", [1, 7, 160, 4096, 48000])
def test_stream_window_step_equals_batch(speech, chunk):
    cfg = ff.Config.preset("whisper")
    y = np.zeros(fw.N_SAMPLES, np.float32)  # one 30 s window, as transformers pads it
    y[:len(speech["go_forward"])] = speech["go_forward"]
    want = ff.Extractor(cfg)(y)
    s = ff.Stream(frame_local(cfg))
    stop = 4000 if chunk == 1 else len(y)  # chunk 1: the first 4000 samples one by one, then the rest
    rows = [s.push(y[i:i + chunk]) for i in range(0, stop, chunk)] + [s.push(y[stop:])]
    got = window_step(np.concatenate(rows + [s.flush()]), cfg)
    assert got.shape == want.shape == (3000, 80)
    assert np.array_equal(got, want)


def test_stream_causal_parts_equal_batch(speech):
    # without the clamp the preset is causal: drop_last_frame and the affine stream as they are
    cfg = ff.Config.preset("whisper", top_db=None)
    y = speech["turn_left"]
    s = ff.Stream(cfg)
    got = np.concatenate([s.push(y[i:i + 333]) for i in range(0, len(y), 333)] + [s.flush()])
    assert np.array_equal(got, ff.Extractor(cfg)(y))
    assert got.shape[0] == len(y) // 160


def test_window_step_refuses_what_it_cannot_do():
    cfg = ff.Config.preset("whisper")
    with pytest.raises(ValueError, match="window_step needs kind='logmel' or 'power' and deltas=0"):
        window_step(np.zeros((3, 13), np.float32), cfg.replace(kind="mfcc"))
    with pytest.raises(ValueError, match="rows has 13 columns; config gives 80"):
        window_step(np.zeros((3, 13), np.float32), cfg)


def test_too_short_names_the_minimum():
    ext = ff.Extractor(ff.Config.preset("whisper"))
    assert ext(np.ones(160, np.float32)).shape == (1, 80)
    with pytest.raises(ValueError, match="at least 160 samples"):
        ext(np.ones(159, np.float32))
