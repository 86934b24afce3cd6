"""detect_window_convention on hand-made windows (FORMAT §3.2, §11 C1)."""

from __future__ import annotations

import pytest

from egoexo_kit.timeline import detect_window_convention


def test_conventions_by_count():
    assert detect_window_convention(None, 10, 41, video_frames=30).convention == "end-start-1"
    assert detect_window_convention(None, 10, 41, video_frames=31).convention == "end-start"
    c = detect_window_convention(None, 10, 41, video_frames=32)
    assert c.convention == "end-start+1" and c.first_row == 10 and "rows 10..41" in c.message
    none = detect_window_convention(None, 10, 41, video_frames=40)
    assert none.convention is None and none.difference == 10 and "+10" in none.message


def test_rows_available():
    c = detect_window_convention(41, 10, 41, video_frames=32)  # needs row 41, table has rows 0..40
    assert not c.rows_available and "only 41 rows" in c.message
    assert detect_window_convention(41, 10, 41, video_frames=30).rows_available


def test_bad_window():
    with pytest.raises(ValueError, match="invalid take window"):
        detect_window_convention(None, 5, 5, video_frames=0)
    with pytest.raises(ValueError, match="video_frames"):
        detect_window_convention(None, 0, 5, video_frames=-1)
