"""The generated part keystep_benchmark/clips_448p: one clip per benchmark name, cut from the 448p videos."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from tests.conftest import SYNTH_SMALL

from egoexo_kit.annotations import keystep_clips
from egoexo_kit.release import CLIPS_PART
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.synth.annotations._keystep_clips import clip_frames
from egoexo_kit.video import VideoReader


def test_clip_frames_follow_take_time():
    assert clip_frames(0.85598, 1.5, 100) == range(26, 45)  # 25/30 < 0.856 <= 26/30; 45/30 = 1.5 excluded
    assert clip_frames(1.0, 1.5, 100) == range(30, 45)
    assert clip_frames(3.9, 9.0, 120) == range(117, 120)  # clipped to the video
    assert clip_frames(5.0, 6.0, 120) == range(119, 120) and clip_frames(1.0, 1.0, 120) == range(30, 31)


def test_every_benchmark_name_of_a_rendered_take_has_its_clip(synth_release):
    clips = keystep_clips(synth_release)
    assert clips.warnings == [] and len(clips) > 0
    rendered = {p.name for p in (synth_release / "takes").iterdir()}
    for clip in clips:
        assert clip.exists == (clip.segment.take_name in rendered), clip.name
    present = [c for c in clips if c.exists]
    assert {c.is_ego for c in present} == {True, False}
    on_disk = sorted(
        p.relative_to(synth_release / CLIPS_PART).as_posix() for p in clips.folder.rglob("*.mp4")
    )
    assert on_disk == sorted(c.name for c in present)


def test_a_clip_holds_exactly_the_448p_frames_of_its_segment(synth_release):
    clip = next(c for c in keystep_clips(synth_release, ego_only=True, present_only=True))
    source = synth_release / "takes" / clip.segment.take_name / "frame_aligned_videos/downscaled/448"
    with VideoReader(source / f"{clip.cam}.mp4") as full, VideoReader(clip.path) as cut:
        frames = clip_frames(clip.segment.start_s, clip.segment.end_s, len(full))
        assert len(cut) == len(frames) and (cut.metadata.width, cut.metadata.height) == (
            full.metadata.width,
            full.metadata.height,
        )
        assert min(full.metadata.width, full.metadata.height) == 448
        want = full.get_frames_at(list(frames)).data.astype(np.int16)
        got = cut.get_frames_at(list(range(len(cut)))).data.astype(np.int16)
    assert np.abs(got - want).mean() < 3.0  # re-encoded (CRF 23): close, not bit-identical


@pytest.mark.slow
def test_clean_keeps_the_clips_part_and_drops_the_features(tmp_path):
    config = SynthConfig(
        captures=1,
        takes_per_capture=1,
        scenarios=("bike repair",),
        clean=True,
        **SYNTH_SMALL,
    )
    root = generate_release(tmp_path / "r", config)
    assert keystep_clips(root, present_only=True).clips  # a part, not an irregularity
    assert not (root / "features").exists()
    assert json.loads((root / ".synth" / "irregularities.json").read_text()) == {"clean": True}
    no448 = generate_release(tmp_path / "n", dataclasses.replace(config, downscaled=False))
    assert not (no448 / CLIPS_PART).exists()  # gated behind the 448p variants
