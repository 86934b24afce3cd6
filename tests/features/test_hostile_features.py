"""Hostile feature files (issue 19): a corrupt ``.pt`` or ``config.yaml`` is one located error.

PyYAML recurses (in Python) per nesting level and builds integers with ``int()``: before, deep
flow nesting, a 5,000-digit integer and bytes that are not UTF-8 escaped ``read_config`` as
RecursionError (after seconds), ValueError and UnicodeDecodeError.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from egoexo_kit.errors import FormatError, LimitError
from egoexo_kit.features import FeatureSet, load_tensor, read_config

REAL = Path(__file__).resolve().parents[1] / "fixtures/real_release/features/omnivore_video"
PT = "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad_aria01_rgb.pt"


def folder_with(tmp_path: Path, config: bytes) -> Path:
    folder = tmp_path / "features" / "mymodel"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_bytes(config)
    return folder


def real_config() -> str:
    return (REAL / "config.yaml").read_text(encoding="utf-8")


def test_deep_flow_nesting_is_refused_at_once(tmp_path):
    folder = folder_with(tmp_path, (real_config() + "x: " + "[" * 100_000 + "]" * 100_000 + "\n").encode())
    t0 = time.perf_counter()
    with pytest.raises(LimitError, match="nesting depth") as e:
        read_config(folder)
    assert time.perf_counter() - t0 < 5  # PyYAML took seconds to hit its RecursionError
    assert e.value.line == real_config().count("\n") + 1


def test_a_huge_integer_is_a_limit_error(tmp_path):
    folder = folder_with(tmp_path, real_config().replace("stride: 16", "stride: " + "9" * 5000).encode())
    with pytest.raises(LimitError):
        read_config(folder)


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    folder = folder_with(
        tmp_path, real_config().replace("slurm_log", "slurm\udce9log", 1).encode("utf-8", "surrogateescape")
    )
    with pytest.raises(FormatError, match="not UTF-8 text: byte 0xe9") as e:
        read_config(folder)
    assert e.value.line == real_config().split("slurm_log")[0].count("\n") + 1


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        ("egoexo_kit: [1, 2]\n", "/egoexo_kit"),
        ("model_config: 5\n", "/model_config"),
        ("egoexo_kit:\n  input_size: 224\n", "/egoexo_kit/input_size"),
    ],
)
def test_sections_of_the_wrong_type_are_located(tmp_path, extra, pointer):
    text = real_config()
    if extra.startswith("model_config"):
        text = text[: text.index("model_config:")]
    folder = folder_with(tmp_path, (text + extra).encode())
    with pytest.raises(FormatError) as e:
        read_config(folder)
    assert e.value.pointer == pointer


def test_an_infinite_fps_is_refused(tmp_path):
    folder = folder_with(tmp_path, real_config().replace("  fps: 30", "  fps: .inf").encode())
    with pytest.raises(FormatError, match="positive number"):
        read_config(folder)


@pytest.mark.parametrize(
    "make", [lambda d: d[: len(d) // 2], lambda d: b"PK\x03\x04" + b"\x00" * 64, lambda d: b""]
)
def test_a_corrupt_tensor_file_is_a_format_error(tmp_path, make):
    pytest.importorskip("torch")
    path = tmp_path / PT
    path.write_bytes(make((REAL / PT).read_bytes()))
    with pytest.raises(FormatError, match="cannot load the feature tensor"):
        load_tensor(path)


def test_the_real_folder_still_reads(tmp_path):
    pytest.importorskip("torch")
    folder = tmp_path / "omnivore_video"
    shutil.copytree(REAL, folder)
    fs = FeatureSet(folder)
    assert fs.config.window == 32 and fs.config.stride == 16
    assert fs.load(fs.keys()[0]).data.ndim == 2
