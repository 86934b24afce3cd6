"""The relation baselines' geometric projection beats resizing the query mask, on a rendered release."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from egoexo_kit import open_release
from egoexo_kit.benchmarks import leaderboard
from egoexo_kit.benchmarks._projection import transfer_mask


def test_projection_beats_copy(synth_release: Path, tmp_path: Path) -> None:
    rows = leaderboard(
        open_release(synth_release), split="val", workdir=tmp_path, tasks=("correspondence", "translation")
    )
    got = {(r.task, r.method): r.metrics for r in rows}
    assert got["translation", "project"]["iou"] > got["translation", "copy"]["iou"]
    for d in ("ego-exo", "exo-ego"):
        proj, copy = got["correspondence", "project"], got["correspondence", "copy"]
        assert proj[f"{d}/location_error"] < copy[f"{d}/location_error"]


def test_transfer_without_calibration_resizes() -> None:
    mask = np.zeros((4, 8), dtype=bool)
    mask[1:3, 2:6] = True
    out, visible = transfer_mask(
        None, mask, query="cam01", target="aria01", ego="aria01", frame=0, size=(8, 16)
    )
    assert visible and out.sum() == 4 * 8 and out[2:6, 4:12].all()
    empty, seen = transfer_mask(
        None, np.zeros((4, 8), bool), query="a", target="b", ego="b", frame=0, size=(2, 2)
    )
    assert not seen and not empty.any()
