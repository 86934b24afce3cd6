"""Hostile WAV files (issue 19): a broken header is one located FormatError, a cut-off frame is dropped.

Python's ``wave`` raises ``RuntimeError`` and ``struct.error`` from inside its chunk reader, and a
file cut inside a frame made the reshape fail with a ``ValueError``: found by the reader fuzzer.
"""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.release.writers import write_pcm_wav
from egoexo_kit.sensors import read_audio


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "aria01.wav"
    write_pcm_wav(path, np.zeros((480, 7), np.float32))
    return path


def test_a_file_cut_inside_a_frame_keeps_the_whole_frames(wav):
    data = wav.read_bytes()
    wav.write_bytes(data[: len(data) - 5])
    audio = read_audio(wav)
    assert audio.samples.shape == (479, 7)


def test_a_chunk_size_past_the_end_is_a_format_error(wav):
    data = bytearray(wav.read_bytes())
    data[16:20] = (0x2010).to_bytes(4, "little")  # the fmt chunk claims 8 KB
    wav.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="not a PCM WAV file") as e:
        read_audio(wav)
    assert e.value.path == str(wav)


def test_zero_channels_is_a_format_error(wav):
    data = bytearray(wav.read_bytes())
    data[22:24] = (0).to_bytes(2, "little")
    wav.write_bytes(bytes(data))
    with pytest.raises(FormatError):
        read_audio(wav)
