"""Names, window counts and config.yaml of the official feature layout (FORMAT §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egoexo_kit.errors import FormatError
from egoexo_kit.features import (
    FeatureConfig,
    FeatureKey,
    num_windows,
    parse_feature_name,
    read_config,
    window_starts,
    write_config,
)

UID = "000a19fe-776e-4c88-b0c3-2fad016a6025"


@pytest.mark.parametrize(
    ("frames", "window", "stride", "starts"),
    [
        (39, 32, 16, [0, 7]),  # the docs' example: [0, 31] then the back-padded [7, 38]
        (48, 32, 16, [0, 16]),  # divisible: no extra window
        (100, 32, 16, [0, 16, 32, 48, 64, 68]),
        (10, 32, 16, [0]),  # shorter than one window
        (5, 1, 1, [0, 1, 2, 3, 4]),  # MAWS: one row per frame
    ],
)
def test_window_starts_by_hand(frames, window, stride, starts):
    assert window_starts(frames, window=window, stride=stride).tolist() == starts
    assert num_windows(frames, window=window, stride=stride) == len(starts)


@given(st.integers(1, 2000), st.integers(1, 64), st.integers(1, 64))
def test_windows_match_the_official_formula_and_cover_the_video(frames, window, stride):
    n = 1 if frames < window else (frames - window) // stride + 1 + (1 if (frames - window) % stride else 0)
    starts = window_starts(frames, window=window, stride=stride)
    assert len(starts) == n == num_windows(frames, window=window, stride=stride)
    assert (starts >= 0).all() and (starts[1:] > starts[:-1]).all()
    if frames >= window:
        assert starts[-1] + window == frames or starts[-1] + window + stride > frames
        assert starts.max() + window <= frames


def test_names_follow_the_official_examples(tmp_path):
    assert FeatureKey(UID, "aria01", "rgb").filename == f"{UID}_aria01_rgb.pt"
    assert parse_feature_name(f"{UID}_cam01_0.pt") == FeatureKey(UID, "cam01", "0")
    for bad in (f"{UID}_aria01_214_1.pt", f"{UID}_cam01.pt", f"{UID}_cam01_0.npy"):
        with pytest.raises(FormatError, match="<take_uid>_<cam_id>_<stream>") as e:
            parse_feature_name(tmp_path / bad)
        assert e.value.path == str(tmp_path / bad)


def test_official_config_gives_the_window_in_seconds(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "fps: 30\ninference_config:\n  device: cuda\n  batch_size: 1\n  fps: 30\n  frame_window: 32\n"
        "  stride: 16\n  include_audio: false\n",
        encoding="utf-8",
    )
    cfg = read_config(tmp_path)
    assert (cfg.window, cfg.stride, cfg.fps) == (32, 16, 30.0)
    assert cfg.window_s == pytest.approx(32 / 30) and cfg.stride_s == pytest.approx(16 / 30)


OFFICIAL_OMNIVORE = """\
fps: 30
force_yes: false
io:
  filter_completed: true
  egoexo_data_dir: "/data/egoexo/v2/"
  eligible_cam_prefixes: null
  dataset_version: egoexo
  uid_list: null
  video_limit: -1
  out_path: /out/omnivore_public
  debug_mode: false
inference_config:
  device: cuda
  batch_size: 1
  num_workers: 9
  prefetch_factor: null
  fps: 30
  frame_window: 32
  stride: 16
  include_audio: false
  include_video: true
  norm_config:
    normalize_audio: false
schedule_config:
  run_locally: false
  timeout_min: 400
model_config:
  model_name: "omnivore_swinL_imagenet21k"
  input_type: "video"
  side_size: 256
  crop_size: 224
model_module_str: ego4d.features.models.omnivore
check_fv_count: false  # variable frame rate
"""
"""The key layout of facebookresearch/Ego4d: ego4d/features/configs/egoexo_omnivore.yaml (values abridged)."""


def test_the_official_config_layout_is_read_with_batch_size_and_count_check(tmp_path):
    (tmp_path / "config.yaml").write_text(OFFICIAL_OMNIVORE, encoding="utf-8")
    cfg = read_config(tmp_path)
    assert (cfg.window, cfg.stride, cfg.fps, cfg.device) == (32, 16, 30.0, "cuda")
    assert cfg.backbone == "omnivore_swinL_imagenet21k" and cfg.dim is None
    assert cfg.batch_size == 1 and cfg.check_fv_count is False
    (tmp_path / "config.yaml").write_text(OFFICIAL_OMNIVORE.replace("batch_size: 1", "batch_size: yes"))
    with pytest.raises(FormatError, match="must be an integer") as e:
        read_config(tmp_path)
    assert e.value.pointer == "/inference_config/batch_size"


def test_official_folders_without_config_get_the_published_windows(tmp_path):
    (tmp_path / "omnivore_video").mkdir()
    (tmp_path / "maws_clip_2b").mkdir()
    assert (
        read_config(tmp_path / "omnivore_video").window,
        read_config(tmp_path / "omnivore_video").stride,
    ) == (
        32,
        16,
    )
    assert read_config(tmp_path / "maws_clip_2b").stride == 1
    (tmp_path / "mine").mkdir()
    with pytest.raises(FormatError, match="config.yaml is missing"):
        read_config(tmp_path / "mine")


def test_bad_configs_give_located_errors(tmp_path):
    (tmp_path / "config.yaml").write_text("inference_config:\n  frame_window: [32\n", encoding="utf-8")
    with pytest.raises(FormatError, match="invalid yaml") as e:
        read_config(tmp_path)
    assert e.value.line is not None and e.value.path.endswith("config.yaml")
    (tmp_path / "config.yaml").write_text(
        "inference_config:\n  frame_window: 0\n  stride: 16\n", encoding="utf-8"
    )
    with pytest.raises(FormatError, match=">= 1") as e:
        read_config(tmp_path)
    assert e.value.pointer == "/inference_config/frame_window"


def test_config_round_trip_keeps_official_and_own_keys(tmp_path):
    import yaml

    cfg = FeatureConfig(window=8, stride=4, backbone="stats", input_size=(32, 32), dim=112, extra={"grid": 4})
    write_config(tmp_path, cfg)
    doc = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    assert doc["inference_config"]["frame_window"] == 8 and doc["inference_config"]["stride"] == 4
    assert doc["model_config"]["model_name"] == "stats"
    assert "batch_size" not in doc["inference_config"] and "check_fv_count" not in doc
    assert read_config(tmp_path) == cfg
    official = FeatureConfig(window=32, stride=16, dim=16, batch_size=1, check_fv_count=False)
    write_config(tmp_path, official)
    doc = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    assert doc["inference_config"]["batch_size"] == 1 and doc["check_fv_count"] is False
    assert "batch_size" not in doc["egoexo_kit"]
    assert read_config(tmp_path) == official


def test_layout_and_config_work_without_torch_and_the_extractor_names_the_extra(tmp_path):
    import subprocess
    import sys

    write_config(tmp_path, FeatureConfig(window=8, stride=4))
    code = (
        "import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
        "import egoexo_kit, egoexo_kit.features as f\n"
        f"print(f.read_config({str(tmp_path)!r}).window_s)\n"
        "try:\n    f.extract_features\nexcept egoexo_kit.errors.MissingExtraError as e:\n    print(e)\n"
        f"try:\n    f.load_tensor({str(tmp_path / 'x.pt')!r})\n"
        "except egoexo_kit.errors.MissingExtraError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert float(lines[0]) == pytest.approx(8 / 30)
    assert "pip install 'egoexo-kit[torch]'" in lines[1] and "pip install 'egoexo-kit[torch]'" in lines[2]
