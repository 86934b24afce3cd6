"""Take audio as numpy: Aria WAV channels and GoPro AAC, sliced by take time."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import CountingOpener

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


def _aac_video(path, seconds: int, *, pns: bool) -> np.ndarray:
    """An MP4 of noise pictures (30 fps, so video bytes dominate, as in a GoPro file) and a stereo AAC
    track (tone + noise), interleaved; returns the signal."""
    import av

    rng = np.random.default_rng(3)
    t = np.arange(48000 * seconds) / 48000
    signal = np.stack(
        [0.2 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size), 0.3 * np.sin(t)], 1
    )
    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = c.add_stream("aac", rate=48000, options={"aac_pns": "1" if pns else "0"})
        audio.layout = "stereo"
        for i in range(0, t.size, 1600):  # one picture and 1/30 s of sound at a time: interleaved
            picture = av.VideoFrame.from_ndarray(rng.integers(0, 256, (64, 64, 3), np.uint8), format="rgb24")
            picture.pts = i // 1600
            c.mux(video.encode(picture))
            chunk = np.ascontiguousarray(signal[i : i + 1600].T.astype(np.float32))
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.rate, frame.pts = 48000, i
            c.mux(audio.encode(frame))
        c.mux(video.encode(None))
        c.mux(audio.encode(None))
    return signal


def test_a_time_span_of_an_mp4_track_is_read_alone_and_equals_the_whole_decode(tmp_path):
    path = tmp_path / "cam01.mp4"
    _aac_video(path, 20, pns=False)
    whole = read_audio(path)
    assert whole.samples.shape[0] == 20 * 48000
    for s0, s1 in [(0.0, 1.0), (3.3, 4.1), (17.77, None), (0.3, 0.5), (19.99, 25.0), (30.0, 31.0)]:
        counting = CountingOpener(path)
        part = read_audio(path, start_s=s0, end_s=s1, opener=counting)
        lo = round(s0 * 48000)
        want = whole.samples[lo : None if s1 is None else round(s1 * 48000)]
        assert part.start_s == min(lo, whole.samples.shape[0]) / 48000
        np.testing.assert_array_equal(part.samples, want)  # bit for bit: the pre-roll primes the decoder
        np.testing.assert_array_equal(read_audio(path, start_s=s0, end_s=s1).samples, want)
        if s0 == 3.3:  # 0.8 s of a 20 s file: the demuxer reads around the span, not the file
            assert 0 < counting.bytes < path.stat().st_size / 6, counting.bytes  # 11%: the moov, 1 s


def test_noise_coded_aac_bands_differ_only_by_their_random_fill(tmp_path):
    """AAC noise substitution: the decoder fills those bands with noise that depends on where it started."""
    path = tmp_path / "cam01.mp4"
    _aac_video(path, 6, pns=True)
    whole = read_audio(path).samples[3 * 48000 : 4 * 48000]
    part = read_audio(path, start_s=3.0, end_s=4.0).samples
    assert part.shape == whole.shape
    assert np.sqrt(np.mean((part - whole) ** 2)) < 0.1  # the tone stays; only noise bands differ
