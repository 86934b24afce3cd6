"""Manifest parsing and writing (FORMAT §9.2) and part expansion (§1.4)."""

from __future__ import annotations

import json

import pytest

from egoexo_kit.download import (
    DEFAULT_PARTS,
    ManifestEntry,
    PathSpec,
    dump_manifest,
    expand_parts,
    parse_manifest,
    unknown_parts,
)
from egoexo_kit.download._manifest import parse_checksum
from egoexo_kit.errors import FormatError
from egoexo_kit.release import ALL_PARTS

OFFICIAL_EXAMPLE = """[{"uid": "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad",
  "paths": [{"source_path": "s3://ego4d-cmu/egoexo-public/v2/takes/cmu_bike01_2/frame_aligned_videos/cam01.mp4",
             "relative_path": "takes/cmu_bike01_2/frame_aligned_videos/cam01.mp4",
             "views": ["exo"], "universities": ["cmu"], "file_type": "mp4", "size": 123456789,
             "checksum": null}],
  "splits": ["train"], "benchmarks": ["keystep"]}]"""


def test_parses_the_official_example_and_writes_it_back_identically():
    entries = parse_manifest(OFFICIAL_EXAMPLE, source="m.json")
    assert entries == [
        ManifestEntry(
            uid="13f01c79-5bfd-42f5-90ce-ee350aa1c3ad",
            paths=(
                PathSpec(
                    source_path="s3://ego4d-cmu/egoexo-public/v2/takes/cmu_bike01_2/frame_aligned_videos/cam01.mp4",
                    relative_path="takes/cmu_bike01_2/frame_aligned_videos/cam01.mp4",
                    views=("exo",),
                    universities=("cmu",),
                    file_type="mp4",
                    size=123456789,
                ),
            ),
            splits=("train",),
            benchmarks=("keystep",),
        )
    ]
    assert json.loads(dump_manifest(entries)) == json.loads(OFFICIAL_EXAMPLE)


def test_null_fields_are_accepted():
    text = '[{"uid": null, "paths": [{"source_path": "s3://b/k", "relative_path": "k", "views": null,'
    text += ' "universities": null, "file_type": null, "size": null, "checksum": null}],'
    text += ' "splits": null, "benchmarks": null}]'
    (entry,) = parse_manifest(text, source="m")
    assert entry.uid is None and entry.paths[0].size is None and entry.splits is None


@pytest.mark.parametrize(
    ("mutate", "pointer", "match"),
    [
        (lambda e: e.update(extra=1), "/0", "unknown field"),
        (lambda e: e.update(uid=5), "/0/uid", "uid must be a string"),
        (lambda e: e["paths"][0].update(size=-1), "/0/paths/0/size", "size must be"),
        (lambda e: e["paths"][0].update(size="12"), "/0/paths/0/size", "size must be"),
        (lambda e: e["paths"][0].update(views="ego"), "/0/paths/0/views", "list of strings"),
        (lambda e: e["paths"][0].update(checksum="sha256:zz"), "/0/paths/0/checksum", "checksum"),
        (lambda e: e["paths"][0].pop("relative_path"), "/0/paths/0/relative_path", "must be a string"),
    ],
)
def test_bad_manifests_give_located_errors(mutate, pointer, match):
    raw = json.loads(OFFICIAL_EXAMPLE)
    mutate(raw[0])
    with pytest.raises(FormatError, match=match) as err:
        parse_manifest(json.dumps(raw), source="v2/takes/manifest.json")
    assert err.value.pointer == pointer and err.value.path == "v2/takes/manifest.json"


def test_syntax_error_has_a_line():
    with pytest.raises(FormatError, match="invalid JSON") as err:
        parse_manifest('[\n{"uid": }]', source="m")
    assert err.value.line == 2


def test_checksum_forms():
    assert str(parse_checksum("sha256:" + "A" * 64)) == "sha256:" + "a" * 64
    assert parse_checksum("b" * 32).algorithm == "md5"
    assert parse_checksum(None) is None
    with pytest.raises(ValueError, match="checksum"):
        parse_checksum("crc32:1234")


def test_expand_parts():
    assert expand_parts([]) == list(DEFAULT_PARTS)
    assert expand_parts(["metadata", "default"]) == list(DEFAULT_PARTS)
    assert expand_parts(["all"]) == list(ALL_PARTS)
    assert expand_parts(["take_eye_gaze", "takes", "take_eye_gaze"]) == ["take_eye_gaze", "takes"]
    # any folder name may be a part (the official client looks for <release>/<part>/manifest.json)
    assert expand_parts(["trajectory", "keystep_benchmark/clips_448p/"]) == [
        "trajectory",
        "keystep_benchmark/clips_448p",
    ]
    assert unknown_parts(["trajectory", "keystep_benchmark/clips_448p", "takes"]) == ["trajectory"]
    for bad in ("../takes", "a/./b", "", "takes?x=1", "a b"):
        with pytest.raises(ValueError, match="invalid part name"):
            expand_parts([bad])
