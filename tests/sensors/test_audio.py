"""Take audio as numpy: Aria WAV channels and GoPro AAC, sliced by take time."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.sensors import read_audio
from egoexo_kit.synth.sensors import write_pcm_wav
from egoexo_kit.video import encode_video


def test_wav_channels_and_slicing(tmp_path):
    t = np.arange(48000 * 2) / 48000
    signal = np.stack([0.1 * np.sin(2 * np.pi * (200 + 50 * c) * t) for c in range(7)], axis=1)
    write_pcm_wav(tmp_path / "aria01.wav", signal)
    a = read_audio(tmp_path / "aria01.wav")
    assert (a.samples.shape, a.rate, a.channels) == ((96000, 7), 48000, 7)
    np.testing.assert_allclose(a.samples, signal, atol=1 / 32768)
    part = read_audio(tmp_path / "aria01.wav", start_s=0.5, end_s=1.25)
    assert part.samples.shape == (36000, 7) and part.start_s == 0.5
    np.testing.assert_array_equal(part.samples, a.samples[24000:60000])


def test_gopro_aac_track_is_time_aligned(tmp_path):
    t = np.arange(48000) / 48000
    click = np.zeros((48000, 2), np.float32)
    click[24000:24048] = 0.8  # a click half way through the one-second clip
    encode_video(tmp_path / "cam01.mp4", [np.zeros((32, 32, 3), np.uint8)] * 30, audio=(click, 48000))
    a = read_audio(tmp_path / "cam01.mp4")
    assert a.channels == 2 and a.rate == 48000
    assert a.samples.shape[0] == 48000  # the AAC padding past the last picture is dropped
    onset = np.argmax(np.abs(a.samples[:, 0]) > 0.3) / 48000
    assert abs(onset - 0.5) < 0.005
    assert read_audio(tmp_path / "cam01.mp4", start_s=0.4, end_s=0.6).samples.shape == (9600, 2)
    del t


def test_audio_errors(tmp_path):
    with pytest.raises(FormatError, match="does not exist"):
        read_audio(tmp_path / "none.wav")
    (tmp_path / "bad.wav").write_bytes(b"RIFF....nonsense")
    with pytest.raises(FormatError, match="not a PCM WAV"):
        read_audio(tmp_path / "bad.wav")
    encode_video(tmp_path / "silent.mp4", [np.zeros((32, 32, 3), np.uint8)] * 3)
    with pytest.raises(FormatError, match="no audio stream"):
        read_audio(tmp_path / "silent.mp4")
    with pytest.raises(ValueError, match="before start_s"):
        write_pcm_wav(tmp_path / "x.wav", np.zeros((100, 1)))
        read_audio(tmp_path / "x.wav", start_s=0.002, end_s=0.001)
