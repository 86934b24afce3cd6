"""The shared vocabulary: the one frame rule, stream ids, joint tables, JSON pointers."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from egoexo_kit import vocab
from egoexo_kit.vocab import ARIA_STREAM_NAMES, ARIA_STREAMS, FPS, frame_of, pointer


def test_frame_of_is_the_official_int_t_times_30():
    assert FPS == 30
    assert int(frame_of(0.0)) == 0 and int(frame_of(1.0)) == 30
    assert int(frame_of(0.049)) == 1  # int(1.47): the frame on screen, not the nearest one
    assert int(frame_of(-0.5)) == 0 and int(frame_of(float("nan"))) == 0
    out = frame_of([[0.0, 1 / 30], [2.5, 0.0999]])
    assert out.dtype == np.int64 and out.tolist() == [[0, 1], [75, 2]]


@given(st.integers(min_value=0, max_value=10**6))
def test_frame_of_maps_each_frame_start_to_itself(i):
    assert int(frame_of(i / FPS)) == i


@given(st.floats(min_value=0, max_value=1e5, allow_nan=False))
def test_frame_of_agrees_with_int_t_times_30_away_from_frame_starts(t):
    if abs(t * 30 - round(t * 30)) > 1e-5:
        assert int(frame_of(t)) == int(t * 30)


def test_stream_ids_and_names_round_trip():
    assert ARIA_STREAMS["rgb"] == vocab.RGB_STREAM_ID == "214-1"
    assert {ARIA_STREAM_NAMES[s] for s in vocab.ARIA_SYNC_STREAMS} == {"rgb", "slam-left", "slam-right"}
    assert vocab.EXO_STREAM_ID == "0"


def test_joint_tables():
    assert len(vocab.BODY_JOINTS) == 17 and len(vocab.HAND_JOINTS) == 42
    assert vocab.HAND_JOINTS[0] == "right_wrist" and vocab.HAND_JOINTS[21] == "left_wrist"
    assert len(vocab.HAND_BONES) == 40 and max(max(b) for b in vocab.HAND_BONES) == 41
    assert vocab.is_empty_pose_frame([]) and vocab.is_empty_pose_frame({})
    assert not vocab.is_empty_pose_frame({"a": 1})


def test_pointer_escapes_per_rfc6901():
    assert pointer(3, "capture", "cameras") == "/3/capture/cameras"
    assert pointer("a/b", "m~n") == "/a~1b/m~0n"
    assert pointer() == ""
