"""annotation_frame_to_frame and gaze2d_row_for_frame (FORMAT §6.5, §7.9)."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.timeline import annotation_frame_to_frame, gaze2d_row_for_frame


def test_string_keys_not_starting_at_zero():
    keys = {"150": [{}], "151": [{}], "300": [{}]}
    np.testing.assert_array_equal(annotation_frame_to_frame(keys), [150, 151, 300])
    np.testing.assert_array_equal(annotation_frame_to_frame(["7", "3"]), [7, 3])
    assert annotation_frame_to_frame(["42"]).dtype == np.int64


def test_rate_60_and_offset():
    np.testing.assert_array_equal(
        annotation_frame_to_frame(["0", "1", "2", "3", "241"], rate=60), [0, 0, 1, 1, 120]
    )
    np.testing.assert_array_equal(annotation_frame_to_frame([110, 112], offset=100), [10, 12])
    assert annotation_frame_to_frame(9, rate=30) == 9


def test_bad_keys():
    with pytest.raises(FormatError, match="'x12' is not an integer"):
        annotation_frame_to_frame(["1", "x12"])
    with pytest.raises(ValueError, match="rate"):
        annotation_frame_to_frame(["1"], rate=0)


def test_gaze2d_rows():
    # tutorial: repeat each 10 Hz row 3x, drop the first -> [0,0,1,1,1,2,2,2,3,...]
    k = np.arange(30)
    expected = np.repeat(np.arange(12), 3)[1:31]
    np.testing.assert_array_equal(gaze2d_row_for_frame(k), expected)
    assert gaze2d_row_for_frame(2) == 1
    with pytest.raises(ValueError, match=">= 0"):
        gaze2d_row_for_frame(-1)
