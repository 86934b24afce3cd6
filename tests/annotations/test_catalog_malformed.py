"""One malformed annotation file, of any family, is one ``catalog_errors`` row: nothing else breaks.

Issue 19: a single malformed annotation file crashed ``query`` and every viewer page, although the
README promises it is listed in ``catalog_errors`` and skipped. For every family the catalog loads,
a file broken in one of four ways (truncated, not UTF-8, invalid JSON, a member of the wrong type)
must give exactly one located ``catalog_errors`` row, leave every other table as it was, keep
``egoexo-kit query`` working (exit 0, the file named as skipped) and keep every viewer endpoint the
take page calls answering 200; ``ReleaseAnnotations.errors`` names the same file.

The default run breaks each family once (the four kinds in rotation), then all of them at once for
the CLI and the viewer; the ``slow`` run checks every (family, kind) pair with the CLI and the viewer.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.annotations import (
    CATALOG_DIR,
    SEARCH_FAMILIES,
    build_catalog,
    connect_catalog,
    release_annotations,
    run_query,
)
from egoexo_kit.cli import app

FAMILIES: dict[str, tuple[str, str, Any]] = {
    # family: (glob under the release, a member the loader must type-check, a wrong value for it)
    "keystep": ("annotations/keystep_*.json", "start_time", {"x": 1}),
    "keystep_benchmark": ("annotations/keystep_benchmark/keystep_segment_*.json", "segment_name_list", 7),
    "procedure_understanding": (
        "annotations/procedure_understanding_*.json",
        "keystep_sequence",
        [{"start_time": "soon"}],
    ),
    "atomic_descriptions": ("annotations/atomic_descriptions_*.json", "timestamp", "soon"),
    "expert_commentary": ("annotations/expert_commentary_*.json", "video_time", {}),
    "expert_commentary_folder": ("annotations/expert_commentary/*/*/data.json", "rating", "ten"),
    "relations": ("annotations/relations_*.json", "annotated_frames", ["x"]),
    "proficiency_demonstrator": ("annotations/proficiency_demonstrator_*.json", "task_id", "x"),
    "proficiency_demonstration": ("annotations/proficiency_demonstration_*.json", "good_executions", 5),
    "pose_body": ("annotations/ego_pose/*/body/*/*.json", "annotation3D", 5),
    "pose_hand": ("annotations/ego_pose/*/hand/*/*.json", "annotation2D", 5),
    "camera_pose": ("annotations/ego_pose/*/camera_pose/*.json", "camera_intrinsics", "K"),
    "narration": ("takes/*/audio/*_transcriptions.json", "id", "first"),
    "splits": ("annotations/splits.json", "take_uid_to_split", 5),
}
KINDS = ("truncated", "not UTF-8", "invalid JSON", "wrong type")
NARRATION = {
    "language": "en",
    "segments": [
        {"id": 0, "start": 0.5, "end": 1.5, "text": " I loosen the brake first.", "words": []},
        {"id": 1, "start": 2.0, "end": 3.0, "text": " Then the wheel comes off."},
    ],
}


def _set_first(doc: Any, key: str, value: Any) -> bool:
    """Set the first (depth-first) member ``key`` of any object in ``doc`` to ``value``."""
    if isinstance(doc, dict):
        if key in doc:
            doc[key] = value
            return True
        return any(_set_first(v, key, value) for v in doc.values())
    if isinstance(doc, list):
        return any(_set_first(v, key, value) for v in doc)
    return False


def _break(data: bytes, kind: str, family: str) -> bytes:
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "not UTF-8":
        return data.replace(b'"', b'"\xff\xfe', 1)
    if kind == "invalid JSON":
        return b'{"annotations": [}'
    _, key, value = FAMILIES[family]
    doc = json.loads(data)
    assert _set_first(doc, key, value), f"{family}: no {key!r} member to break"
    return json.dumps(doc).encode()


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` as a new file (the release is hard-linked to the shared one: never write in place)."""
    path.unlink()
    path.write_bytes(data)


def _target(root: Path, family: str) -> Path:
    """The first file of the family that holds the member its wrong-type case breaks."""
    pattern, key, value = FAMILIES[family]
    for path in sorted(root.glob(pattern)):
        if _set_first(json.loads(path.read_bytes()), key, value):
            return path
    raise AssertionError(f"no {family} file with a {key!r} member under {root}")


@pytest.fixture(scope="module")
def rel(synth_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hard-linked copy of the synthetic release with a narration file added, catalogued."""
    dst = tmp_path_factory.mktemp("malformed") / "release"
    shutil.copytree(synth_release, dst, copy_function=os.link, ignore=shutil.ignore_patterns(".egoexo-kit"))
    take = sorted(p for p in (dst / "takes").iterdir() if p.is_dir())[0]
    (take / "audio").mkdir(exist_ok=True)
    (take / "audio" / "aria01_transcriptions.json").write_text(json.dumps(NARRATION), encoding="utf-8")
    build_catalog(open_release(dst), workers=1)
    return dst


def _counts(root: Path) -> dict[str, int]:
    con = connect_catalog(open_release(root))
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _viewer_answers(root: Path, concerned: set[str]) -> None:
    """Every endpoint the viewer's pages call answers 200: the list, each take page, and the scene and an
    overlay of the takes the broken file concerns (their 3D scene and layers read it)."""
    from fastapi.testclient import TestClient

    from egoexo_kit.viz.web import create_app

    client = TestClient(create_app(root), base_url="http://127.0.0.1")  # a loopback Host, as a browser sends
    assert client.get("/").status_code == 200
    listing = client.get("/api/takes")
    assert listing.status_code == 200
    names = [t["name"] for t in listing.json()["takes"]]
    assert len(names) == len(open_release(root).takes)
    for name in names:
        page = client.get(f"/api/takes/{name}")
        assert page.status_code == 200, page.text
    for name in concerned:
        assert client.get(f"/api/takes/{name}/scene/15").status_code == 200
        overlay = client.get(f"/api/takes/{name}/overlay/cam01/15.png", params={"width": 96, "height": 54})
        assert overlay.status_code == 200, overlay.text


def _concerned(root: Path, path: Path, data: bytes) -> set[str]:
    """Names of the takes a file names (by uid or name, in its path or its text); all when none."""
    takes = open_release(root).takes
    text = path.as_posix().encode() + data
    named = {t.name for t in takes if t.uid.encode() in text or t.name.encode() in text}
    return named or {t.name for t in takes}


def _query_ok(root: Path, reference: dict[str, Any]) -> str:
    """``egoexo-kit query`` still answers (exit 0, the right count); returns its stderr."""
    result = CliRunner().invoke(app, ["query", str(root), "SELECT count(*) AS n FROM takes", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == [{"n": reference["counts"]["takes"]}]
    assert "error:" not in result.stderr
    return result.stderr


def _check(root: Path, family: str, kind: str, reference: dict[str, Any], *, full: bool) -> None:
    """Break one file of ``family``; ``full`` also asks the CLI and the viewer (the slow run)."""
    path = _target(root, family)
    rel_path = path.relative_to(root).as_posix()
    fed = set(reference["tables"][rel_path]) | {"catalog_errors"}
    if fed & set(SEARCH_FAMILIES):  # the text index is built from them
        fed |= {"search_docs", "search_terms", "search_stats"}
    original = path.read_bytes()
    _replace(path, _break(original, kind, family))
    try:
        release = open_release(root)
        stats = build_catalog(release, workers=1)
        assert list(stats.errors) == [rel_path]
        con = connect_catalog(release)
        rows = con.execute("SELECT path, location, message FROM catalog_errors").fetchall()
        assert len(rows) == 1 and rows[0][0] == rel_path and rows[0][2], rows
        assert "internal error" not in rows[0][2]  # a loader bug, not a located refusal
        counts = _counts(root)
        assert {t: n for t, n in counts.items() if t not in fed} == {
            t: n for t, n in reference["counts"].items() if t not in fed
        }
        assert run_query(con, "SELECT count(*) FROM takes")[1] == [(reference["counts"]["takes"],)]
        ra = release_annotations(release.index)
        ra.check_all()
        for t in release.takes:
            t.annotations.narrations, t.annotations.camera_pose  # noqa: B018 (parsed for their errors)
        # splits.json is release metadata (open_release reads it, leniently); procedure entries are
        # returned raw (schema unknown, FORMAT §7.4): only the catalog reads their items' types
        if family != "splits" and (family, kind) != ("procedure_understanding", "wrong type"):
            assert rel_path in {p.path for p in ra.errors}
        if full:
            assert f"skipped malformed file: {rel_path}" in _query_ok(root, reference)
            _viewer_answers(root, _concerned(root, path, original))
    finally:
        _replace(path, original)


@pytest.fixture(scope="module")
def reference(rel: Path) -> dict[str, Any]:
    """The clean catalog: row counts per table, and the tables each source file feeds."""
    counts = _counts(rel)
    assert counts["catalog_errors"] == 0 and counts["narrations"] == len(NARRATION["segments"])
    manifest = json.loads((rel / CATALOG_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {"counts": counts, "tables": {f: m["tables"] for f, m in manifest["files"].items()}}


@pytest.mark.parametrize(("family", "kind"), [(f, KINDS[i % len(KINDS)]) for i, f in enumerate(FAMILIES)])
def test_one_malformed_file_is_one_error_row(rel: Path, reference: dict, family: str, kind: str) -> None:
    _check(rel, family, kind, reference, full=False)


def test_query_and_viewer_work_with_every_family_broken(rel: Path, reference: dict) -> None:
    """One file of every family broken at once (the four kinds in rotation): ``query`` and every
    viewer endpoint still answer, and each broken file is one row."""
    broken = {}
    for i, family in enumerate(FAMILIES):
        path = _target(rel, family)
        broken[path] = path.read_bytes()
        _replace(path, _break(broken[path], KINDS[i % len(KINDS)], family))
    try:
        rows = build_catalog(open_release(rel), workers=1).errors
        assert sorted(rows) == sorted(p.relative_to(rel).as_posix() for p in broken)
        assert not [m for m in rows.values() if "internal error" in m]
        assert "skipped malformed file:" in _query_ok(rel, reference)
        _viewer_answers(rel, {t.name for t in open_release(rel).takes})
    finally:
        for path, data in broken.items():
            _replace(path, data)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_every_kind(rel: Path, reference: dict, family: str, kind: str) -> None:
    _check(rel, family, kind, reference, full=True)


def test_an_unreadable_takes_json_is_one_line(rel: Path, tmp_path: Path) -> None:
    """takes.json is what opens a release: broken, ``query`` ends in one located line (exit 2)."""
    root = tmp_path / "release"
    shutil.copytree(rel, root, copy_function=os.link, ignore=shutil.ignore_patterns(".egoexo-kit"))
    takes = root / "takes.json"
    _replace(takes, takes.read_bytes()[:100])
    result = CliRunner().invoke(app, ["query", str(root), "SELECT 1"])
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "takes.json" in lines[0]
    assert "internal error" not in lines[0] and "Traceback" not in result.output


def test_an_unexpected_loader_exception_still_skips_only_that_file(rel: Path, tmp_path: Path) -> None:
    """JSON nested 10⁵ deep: whatever the reader raises, the build ends and the file is the one row."""
    root = tmp_path / "release"
    shutil.copytree(rel, root, copy_function=os.link, ignore=shutil.ignore_patterns(".egoexo-kit"))
    path = _target(root, "atomic_descriptions")
    _replace(path, b'{"annotations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    stats = build_catalog(open_release(root), workers=1)
    assert list(stats.errors) == [path.relative_to(root).as_posix()]
    assert _counts(root)["keysteps"] > 0
