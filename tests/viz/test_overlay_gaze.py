"""The gaze overlay reads ``egoexo_kit.sensors.gaze_2d_at`` and draws the points the old lookup drew."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.release import read_eye_gaze_2d
from egoexo_kit.timeline import gaze2d_row_for_frame
from egoexo_kit.viz._overlay import _gaze


def _old_viz_gaze(path: Path, frame: int) -> np.ndarray | None:
    """``viz._overlay._gaze`` before issue 17, verbatim: the reference the sensors API must equal."""
    g = read_eye_gaze_2d(path)
    if g.frame_num is not None:
        row = int(np.searchsorted(g.frame_num, frame, side="right")) - 1
    else:
        row = int(gaze2d_row_for_frame(frame))
    if not 0 <= row < len(g.x) or not np.isfinite([g.x[row], g.y[row]]).all():
        return None
    return np.array([g.x[row], g.y[row]])


def _check_viz_gaze_equals_old(take) -> None:
    path = take.eye_gaze_path(kind="general", dim=2)
    for f in range(take.timeline.n_frames):
        old, new = _old_viz_gaze(path, f), _gaze(take, f)
        assert (old is None) == (new is None), f
        if old is not None:
            np.testing.assert_array_equal(new, old)


def test_gaze_overlay_equals_the_old_lookup_on_synth(synth_release: Path) -> None:
    for take in open_release(synth_release).takes:
        _check_viz_gaze_equals_old(take)


@pytest.mark.parametrize("columns", [("x", "y"), ("tracking_timestamp_us", "x", "y")])
def test_gaze_overlay_equals_the_old_lookup_without_frame_num(tiny_release: Path, columns) -> None:
    take = open_release(tiny_release).takes[0]
    path = take.eye_gaze_path(kind="general", dim=2)
    lines = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    keep = [lines[0].index(c) for c in columns]
    lines[3][lines[0].index("x")] = ""  # data row 2 (frames 5-7 by the 10 Hz rule) has no point
    path.write_text("\n".join(",".join(r[k] for k in keep) for r in lines) + "\n", encoding="utf-8")
    _check_viz_gaze_equals_old(take)
    assert _gaze(take, 6) is None and _gaze(take, 0) is not None
