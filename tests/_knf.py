"""kaldi-native-fbank called with Kaldi's option names (as compat.kaldi spells them)."""

from __future__ import annotations

import kaldi_native_fbank as knf
import numpy as np

FRAME_KEYS = {"frame_length": "frame_length_ms", "frame_shift": "frame_shift_ms",
               "snip_edges": "snip_edges", "window_type": "window_type",
               "preemphasis_coefficient": "preemph_coeff", "remove_dc_offset": "remove_dc_offset",
               "round_to_power_of_two": "round_to_power_of_two", "blackman_coeff": "blackman_coeff",
               "sample_frequency": "samp_freq", "dither": "dither"}
MEL_KEYS = {"num_mel_bins": "num_bins", "low_freq": "low_freq", "high_freq": "high_freq"}


def knf_run(y, kind, num_ceps=13, **opts):
    """knf's OnlineFbank/OnlineMfcc (dither 0) on y; frame and mel options routed to their structs."""
    o = knf.MfccOptions() if kind == "mfcc" else knf.FbankOptions()
    o.frame_opts.dither = 0.0
    for k, v in opts.items():
        if k in FRAME_KEYS:
            setattr(o.frame_opts, FRAME_KEYS[k], v)
        elif k in MEL_KEYS:
            setattr(o.mel_opts, MEL_KEYS[k], v)
        else:
            setattr(o, k, v)
    if kind == "mfcc":
        o.num_ceps = num_ceps
    comp = knf.OnlineMfcc(o) if kind == "mfcc" else knf.OnlineFbank(o)
    comp.accept_waveform(o.frame_opts.samp_freq, np.asarray(y, np.float64).tolist())
    comp.input_finished()
    return np.array([comp.get_frame(i) for i in range(comp.num_frames_ready)], dtype=np.float64)
