"""Nested and unknown part names: any part with a manifest downloads; an unknown name is a warning.

The official client reads ``<release>/<part>/manifest.json`` for whatever names it is given
(facebookresearch/Ego4d: ego4d/internal/download/cli.py), and the docs download the keystep clips
with ``--parts keystep_benchmark/clips_448p`` (EGO4D/Ego-Exo4D-docs:
docs/benchmarks/keystep/keystep_recoginition.md).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import Selection, download, open_source, plan_download
from egoexo_kit.release import CLIPS_PART, classify_part

from .conftest import make_mirror

CLIP = f"{CLIPS_PART}/train/cmu_bike01_1/start0.5_end1.25_aria01_214-1.mp4"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_an_unknown_nested_part_with_a_manifest_downloads_with_a_warning(tmp_path):
    base = make_mirror(tmp_path / "m", {"extras/notes/readme.txt": b"hello"}, part="mystery/nested")
    src = open_source(str(base), release="v2")
    plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=("mystery/nested",)))
    assert [f.relative_path for f in plan.files] == ["extras/notes/readme.txt"]
    assert len(plan.warnings) == 1 and "'mystery/nested' is not one egoexo-kit knows" in plan.warnings[0]
    report = download(plan)
    assert report.ok and (tmp_path / "out" / "extras/notes/readme.txt").read_bytes() == b"hello"
    assert report.warnings == plan.warnings


def test_the_keystep_clips_part_is_known_and_classified(tmp_path):
    assert classify_part(CLIP) == CLIPS_PART
    assert classify_part(f"{CLIPS_PART}/manifest.json") == CLIPS_PART
    base = make_mirror(tmp_path / "m", {CLIP: b"\x00" * 10}, part=CLIPS_PART)
    res = run("download", tmp_path / "out", "--source", base, "--parts", CLIPS_PART, "-y", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ok"] and out["files"] == 1 and out["warnings"] == []
    assert (tmp_path / "out" / CLIP).stat().st_size == 10


def test_cli_unknown_part_warns_and_a_missing_one_still_fails(tmp_path):
    base = make_mirror(tmp_path / "m", {"extras/x.bin": b"xyz"}, part="extras")
    res = run("download", tmp_path / "out", "--source", base, "--parts", "extras", "-y", "--json")
    assert res.exit_code == 0, res.output
    assert any("'extras' is not one egoexo-kit knows" in w for w in json.loads(res.stdout)["warnings"])
    res = run("download", tmp_path / "out", "--source", base, "--parts", "extras", "nope", "--dry-run")
    assert res.exit_code == 2 and "no manifest for part(s) nope" in " ".join(res.output.split())


def test_publish_and_download_round_trip_the_keystep_clips(synth_release, tmp_path):
    from egoexo_kit import open_release
    from egoexo_kit.annotations import keystep_clips
    from egoexo_kit.download import parse_manifest, publish

    clips = keystep_clips(synth_release, present_only=True).clips
    assert clips
    publish(synth_release, tmp_path / "mirror", release="v2", workers=2)
    manifest = tmp_path / "mirror" / "v2" / CLIPS_PART / "manifest.json"
    entries = parse_manifest(manifest.read_text(), source=str(manifest))
    takes = {t.name: t for t in open_release(synth_release).takes}
    by_path = {p.relative_path: (e, p) for e in entries for p in e.paths}
    assert set(by_path) == {f"{CLIPS_PART}/{c.name}" for c in clips}
    for clip in clips:  # entries are takes, as for the other take parts, with the clip's split and view
        entry, spec = by_path[f"{CLIPS_PART}/{clip.name}"]
        assert entry.uid == takes[clip.segment.take_name].uid and entry.splits == (clip.name.split("/")[0],)
        assert entry.benchmarks == ("keystep",) and spec.file_type == "mp4"
        assert spec.views == (("ego",) if clip.is_ego else ("exo",)) and spec.size == clip.path.stat().st_size

    def get(name, *extra):
        res = run("download", tmp_path / name, "--source", tmp_path / "mirror", "--parts", CLIPS_PART, *extra)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["files"], tmp_path / name

    files, out = get("out", "-y", "--json")
    assert files == len(clips)
    for clip in clips:
        assert (out / CLIPS_PART / clip.name).read_bytes() == clip.path.read_bytes()
    assert get("ego", "--views", "ego", "-y", "--json")[0] == sum(c.is_ego for c in clips)
    best_exo = {t.name: t.record.best_exo for t in takes.values()}
    want = [c for c in clips if c.is_ego or c.cam_id == best_exo[c.segment.take_name]]
    files, best = get("best", "--best-exo-only", "-y", "--json")
    assert files == len(want) < len(clips)
    assert {p.name for p in best.rglob("*.mp4")} == {c.path.name for c in want}
