"""Hostile paths (issue 19): a link loop, a folder where a file belongs, a special file, an unreadable file.

Every reader opens its file through ``release.check_file``/``read_bytes``: each case is one
located FormatError naming the path and what is wrong, never an OSError from inside a parser, and
an optional file in such a state is reported, not taken for absent.
"""

from __future__ import annotations

import os

import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.features import FeatureSet, load_tensor
from egoexo_kit.release import (
    ReleaseIndex,
    check_file,
    load_json,
    read_bytes,
    read_csv,
    read_online_calibration,
    read_timesync,
)
from egoexo_kit.sensors import read_audio
from egoexo_kit.video import VideoReader, probe_video


def loop(tmp_path, name: str):
    """``name`` is a symbolic link to itself."""
    path = tmp_path / name
    path.symlink_to(path)
    return path


READERS = [
    ("f.json", load_json),
    ("f.csv", read_csv),
    ("timesync.csv", read_timesync),
    ("online_calibration.jsonl", read_online_calibration),
    ("v.mp4", probe_video),
    ("v.mp4", VideoReader),
    ("aria01.wav", read_audio),
    ("x.pt", load_tensor),
]


@pytest.mark.parametrize(("name", "read"), READERS, ids=[f"{r.__name__}" for _, r in READERS])
def test_a_symlink_loop_is_one_located_error(tmp_path, name, read):
    if read is load_tensor:
        pytest.importorskip("torch")
    path = loop(tmp_path, name)
    with pytest.raises(FormatError, match="too many levels of symbolic links") as e:
        read(path)
    assert e.value.path == str(path)


@pytest.mark.parametrize(("name", "read"), READERS, ids=[f"{r.__name__}" for _, r in READERS])
def test_a_folder_where_a_file_belongs_is_one_located_error(tmp_path, name, read):
    if read is load_tensor:
        pytest.importorskip("torch")
    (tmp_path / name).mkdir()
    with pytest.raises(FormatError, match="is a folder, expected a file"):
        read(tmp_path / name)


def test_a_file_where_a_folder_belongs_and_a_broken_link(tmp_path):
    (tmp_path / "takes").write_text("not a folder", encoding="utf-8")
    with pytest.raises(FormatError, match="a folder on the way is a file"):
        load_json(tmp_path / "takes" / "takes.json")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(FormatError, match="broken symbolic link"):
        check_file(tmp_path / "gone.json")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "timesync.csv"
    os.mkfifo(fifo)
    with pytest.raises(FormatError, match="not a regular file"):
        read_timesync(fifo)
    with pytest.raises(FormatError, match="not a regular file"):
        read_bytes(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_one_located_error(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("[]", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(FormatError, match="permission denied"):
        load_json(path)


def test_takes_json_as_a_folder_or_a_loop_is_named_not_called_missing(tmp_path):
    (tmp_path / "takes.json").mkdir()
    with pytest.raises(FormatError, match="takes.json: is a folder"):
        ReleaseIndex.open(tmp_path)
    (tmp_path / "takes.json").rmdir()
    loop(tmp_path, "takes.json")
    with pytest.raises(FormatError, match="symbolic links"):
        ReleaseIndex.open(tmp_path)


def test_an_optional_metadata_file_in_a_bad_state_is_a_warning_not_absence(tiny_release):
    (tiny_release / "captures.json").unlink()
    loop(tiny_release, "captures.json")
    release = ReleaseIndex.open(tiny_release)
    assert release.captures == ()
    assert [w.path for w in release.warnings] == ["captures.json"]
    assert "symbolic links" in release.warnings[0].message


def test_a_feature_config_that_is_a_folder_is_not_taken_for_the_defaults(tmp_path):
    folder = tmp_path / "features" / "omnivore_video"  # an official name: a missing config gets defaults
    (folder / "config.yaml").mkdir(parents=True)
    with pytest.raises(FormatError, match="is a folder"):
        _ = FeatureSet(folder).config
