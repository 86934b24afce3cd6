"""validate finds damaged payloads: bit-flipped MP4 packets, files that disagree with their manifest.

Issue 19: a take MP4 whose container parses but whose packets are corrupt passed ``validate``. The
default run decodes the start of each MP4's first and last GOP; ``deep=True`` (``--deep``) decodes
every packet and hashes files against manifest checksums. Damage is made by flipping bytes inside
one packet's data (PyAV gives each packet's file offset), on a copy of the tiny release.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import pytest

from egoexo_kit.cli import app
from egoexo_kit.download import ManifestEntry, PathSpec, dump_manifest
from egoexo_kit.validate import validate_release

VIDEO = "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4"


def packets(path: Path) -> list[tuple[int, int, int]]:
    """``(file offset, size, pts)`` of every video packet, in file order."""
    with av.open(str(path)) as container:
        return [(p.pos, p.size, p.pts) for p in container.demux(container.streams.video[0]) if p.size]


def display_index(path: Path, pts: int) -> int:
    return sorted(p for _, _, p in packets(path)).index(pts)


def flip(path: Path, offset: int, n: int = 16) -> None:
    data = bytearray(path.read_bytes())
    for k in range(offset, offset + n):
        data[k] ^= 0xFF
    path.write_bytes(bytes(data))


def damage_middle_packet(path: Path) -> int:
    """Flip 16 bytes in the middle of the largest packet of the middle third; return its pts."""
    pk = packets(path)
    third = len(pk) // 3
    pos, size, pts = max(pk[third : 2 * third], key=lambda p: p[1])
    flip(path, pos + size // 2)
    return pts


def video_errors(report) -> list:
    return [e for e in report.errors if e.path == VIDEO]


def test_bit_flip_in_the_middle_is_found_by_deep_decoding_and_located(tiny_release):
    path = tiny_release / VIDEO
    pts = damage_middle_packet(path)
    assert validate_release(tiny_release).errors == []  # the container still parses; default is cheap
    errs = video_errors(validate_release(tiny_release, deep=True))
    assert errs, "deep decoding must report the damaged packet"
    first = errs[0]
    assert first.where == f"frame {display_index(path, pts)} (pts {pts})"
    assert first.message.startswith("cam01: packet ")
    assert "decode" in first.message


def test_damaged_first_keyframe_is_found_by_the_default_check(tiny_release):
    path = tiny_release / VIDEO
    pos, size, pts = packets(path)[0]
    flip(path, pos + size * 3 // 4)  # past x264's SEI text, inside the slice data of the keyframe
    errs = video_errors(validate_release(tiny_release))
    assert errs and errs[0].where == f"frame 0 (pts {pts})"


def write_manifest(root: Path, part: str, files: list[str], *, checksums: bool) -> None:
    specs = []
    for rel in files:
        data = (root / rel).read_bytes()
        specs.append(
            PathSpec(
                source_path=f"s3://bucket/v2/{rel}",
                relative_path=rel,
                file_type=rel.rsplit(".", 1)[-1],
                size=len(data),
                checksum=f"sha256:{hashlib.sha256(data).hexdigest()}" if checksums else None,
            )
        )
    (root / part).mkdir(parents=True, exist_ok=True)
    (root / part / "manifest.json").write_text(dump_manifest([ManifestEntry(uid="x", paths=tuple(specs))]))


def test_files_are_compared_with_their_manifest(tiny_release):
    files = [VIDEO, "takes/cmu_bike01_1/ego_preview.mp4", "takes/cmu_bike01_2/frame_aligned_videos/cam02.mp4"]
    write_manifest(tiny_release, "takes", files, checksums=True)
    assert validate_release(tiny_release, deep=True).errors == []  # matching files are fine
    pos, _, _ = packets(tiny_release / files[2])[0]
    flip(tiny_release / files[2], pos + 40)  # inside x264's SEI text: decodes cleanly, only the hash tells
    with (tiny_release / files[1]).open("ab") as f:
        f.write(b"\0")
    quick = validate_release(tiny_release).errors
    assert [(e.path, e.message) for e in quick] == [
        (
            files[1],
            f"{(tiny_release / files[1]).stat().st_size} bytes, but takes/manifest.json/0/paths/1 says "
            f"{(tiny_release / files[1]).stat().st_size - 1}: the file is truncated or padded",
        )
    ]
    deep = {e.path: e.message for e in validate_release(tiny_release, deep=True).errors}
    assert set(deep) == {files[1], files[2]}
    assert deep[files[2]].startswith("sha256 is ")
    assert deep[files[2]].endswith(
        "but takes/manifest.json/0/paths/2 says "
        + json.loads((tiny_release / "takes/manifest.json").read_text())[0]["paths"][2]["checksum"][7:]
        + ": the file is damaged"
    )


def test_a_manifest_that_does_not_parse_or_escapes_is_a_located_error(tiny_release):
    (tiny_release / "annotations/manifest.json").write_text('[{"uid": 5, "paths": []}]')
    write_manifest(tiny_release, "takes", [VIDEO], checksums=False)
    data = json.loads((tiny_release / "takes/manifest.json").read_text())
    data[0]["paths"][0]["relative_path"] = "../../outside.mp4"
    (tiny_release / "takes/manifest.json").write_text(json.dumps(data))
    errs = {(e.path, e.where): e.message for e in validate_release(tiny_release, check_videos=False).errors}
    assert errs[("annotations/manifest.json", "/0/uid")] == "uid must be a string or null (got 5)"
    assert "escapes the release root" in errs[("takes/manifest.json", "/0/paths/0/relative_path")]


def test_real_corpus_manifests_match_its_files():
    """Real data first: the corpus's part manifests (sizes, null checksums) hold no error, deep or not."""
    corpus = Path(__file__).resolve().parents[1] / "fixtures" / "real_release"
    report = validate_release(corpus, deep=True)
    assert report.errors == []


@pytest.mark.parametrize("deep", [False, True])
def test_cli_reports_damaged_payloads_as_located_json(tiny_release, deep):
    from typer.testing import CliRunner

    damage_middle_packet(tiny_release / VIDEO)
    args = ["validate", str(tiny_release), "--json"] + (["--deep"] if deep else [])
    res = CliRunner().invoke(app, args)
    report = json.loads(res.stdout)
    assert res.exit_code == (1 if deep else 0)
    assert "internal error" not in res.output
    located = [e for e in report["errors"] if e["path"] == VIDEO]
    assert bool(located) == deep
    assert all(e["where"].startswith("frame ") for e in located)


def test_cli_help_documents_the_cost_choice():
    from typer.testing import CliRunner

    text = " ".join(CliRunner().invoke(app, ["validate", "--help"]).stdout.split())
    assert "--deep" in text and "first and last GOP" in text and "checksum" in text


@pytest.mark.parametrize("text", ["[" * 100_000, "[" + "9" * 5000 + "]"])
def test_a_hostile_manifest_is_one_error_not_a_crash(tiny_release, text):
    (tiny_release / "takes/manifest.json").write_text(text)
    errs = [e for e in validate_release(tiny_release, check_videos=False).errors]
    assert [e.path for e in errs] == ["takes/manifest.json"]
