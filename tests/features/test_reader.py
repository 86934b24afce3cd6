"""Reading feature files: tolerant of dtype and ±1 rows, strict on corruption, aligned to take time."""

from __future__ import annotations

import numpy as np
import pytest

import torch
from egoexo_kit import open_release
from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.features import FeatureConfig, FeatureKey, FeatureSet, write_config

KEY = FeatureKey("take", "cam01", "0")


def make_set(tmp_path, rows, *, window=32, stride=16, dtype=torch.float16):
    folder = tmp_path / "features" / "omnivore_video"
    folder.mkdir(parents=True)
    write_config(folder, FeatureConfig(window=window, stride=stride))
    torch.save(torch.arange(rows * 4, dtype=torch.float32).reshape(rows, 4).to(dtype), folder / KEY.filename)
    return FeatureSet(folder)


def test_rows_get_window_times_with_the_back_padded_last(tmp_path):
    fs = make_set(tmp_path, 6)
    assert fs.keys() == [KEY]
    rows = fs.load(KEY, n_frames=100)
    assert rows.data.dtype == np.float32 and rows.data.shape == (6, 4)  # float16 on disk, cast
    np.testing.assert_allclose(rows.t0_s, np.array([0, 16, 32, 48, 64, 68]) / 30)
    np.testing.assert_allclose(rows.t1_s, np.array([32, 48, 64, 80, 96, 100]) / 30)


def test_between_selects_by_overlap_or_centre(tmp_path):
    rows = make_set(tmp_path, 6).load(KEY, n_frames=100)
    # [1.0, 1.5) s overlaps windows 0 ([0, 1.067)), 1 ([0.533, 1.6)) and 2 ([1.067, 2.133))
    assert rows.between(1.0, 1.5).rows.tolist() == [0, 1, 2]
    # centres: 0.533, 1.067, 1.6, 2.133, 2.667, 2.8
    assert rows.between(1.0, 1.5, match="center").rows.tolist() == [1]
    np.testing.assert_array_equal(rows.between(1.0, 1.5).data, rows.data[:3])
    with pytest.raises(ValueError, match="t1 > t0"):
        rows.between(2.0, 1.0)


def test_one_row_more_or_less_is_normal_further_off_is_a_located_warning(tmp_path):
    rows = make_set(tmp_path / "a", 7).load(KEY, n_frames=100)
    assert len(rows) == 7 and rows.warnings == ()
    # the official configs disable the count check (check_fv_count: false, variable frame rate)
    fs = make_set(tmp_path / "b", 9)
    rows = fs.load(KEY, n_frames=100)
    assert len(rows) == 9
    (w,) = rows.warnings
    assert w.path == f"features/omnivore_video/{KEY.filename}" and w.where == "dim 0"
    assert "9 rows" in w.message and "give 6" in w.message
    # timed from window/stride alone, clipped to the take: rows 7 and 8 start past its end
    np.testing.assert_allclose(rows.t0_s, np.minimum(np.arange(9) * 16, 100) / 30)
    np.testing.assert_allclose(rows.t1_s, np.minimum(np.arange(9) * 16 + 32, 100) / 30)
    assert (rows.t1_s >= rows.t0_s).all() and rows.t1_s.max() == pytest.approx(100 / 30)
    # the warning travels with a time selection, and a short file is read too
    assert rows.between(0.0, 1.0).warnings == rows.warnings
    short = make_set(tmp_path / "c", 3).load(KEY, n_frames=100)
    assert len(short) == 3 and "3 rows" in short.warnings[0].message


def test_official_n_1_d_tensors_are_squeezed(tmp_path):
    fs = make_set(tmp_path, 6)
    stacked = torch.stack([torch.full((1, 4), float(k), dtype=torch.float16) for k in range(6)])
    assert stacked.shape == (6, 1, 4)  # what the extractor saves with batch_size: 1
    torch.save(stacked, fs.path(KEY))
    rows = fs.load(KEY, n_frames=100)
    assert rows.data.shape == (6, 4) and rows.data.dtype == np.float32 and rows.warnings == ()
    np.testing.assert_array_equal(rows.data[:, 0], np.arange(6))
    torch.save(torch.zeros(6, 2, 4), fs.path(KEY))  # only a singleton middle axis is the official shape
    with pytest.raises(FormatError, match=r"\(rows, 1, dim\), got \(6, 2, 4\)"):
        fs.load(KEY)


def test_corrupt_file_gives_a_located_error(tmp_path):
    fs = make_set(tmp_path, 6)
    fs.path(KEY).write_bytes(b"not a torch file at all")
    with pytest.raises(FormatError, match="cannot load the feature tensor") as e:
        fs.load(KEY)
    assert e.value.path == str(fs.path(KEY))
    torch.save({"x": torch.zeros(3)}, fs.path(KEY))
    with pytest.raises(FormatError, match="one tensor"):
        fs.load(KEY)
    torch.save(torch.zeros(3), fs.path(KEY))
    with pytest.raises(FormatError, match="2-D float"):
        fs.load(KEY)
    with pytest.raises(NotFoundError):
        fs.load(FeatureKey("take", "cam02", "0"))


def test_take_features_reads_rows_aligned_to_take_time(tiny_release):
    take = open_release(tiny_release).takes[0]
    n = take.timeline.n_frames  # 30 frames: window 8, stride 4 give starts 0, 4, …, 20, 22
    folder = tiny_release / "features" / "mine"
    write_config(folder, FeatureConfig(window=8, stride=4))
    torch.save(torch.randn(7, 5), folder / FeatureKey(take.uid, "aria01", "rgb").filename)
    rows = take.features("mine", "aria01", t0=0.7, t1=0.8)
    assert rows.rows.tolist() == [4, 5, 6]  # frames [16, 24), [20, 28) and the back-padded [22, 30)
    np.testing.assert_allclose(rows.t0_s, [16 / 30, 20 / 30, 22 / 30])
    np.testing.assert_allclose(rows.t1_s, [24 / 30, 28 / 30, 1.0])
    assert rows.t1_s[-1] == pytest.approx(take.timeline.duration_s) and n == 30
    assert len(take.features("mine", "aria01/rgb")) == 7
