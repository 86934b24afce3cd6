"""Sync estimation against the generator's clock truth, and devices whose sync event is unusable."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit.builder import read_raw_capture, sync_capture
from egoexo_kit.builder._qa import clock_truth
from egoexo_kit.builder._sync import detect_events, estimate_sync, find_chirps
from egoexo_kit.errors import FormatError
from egoexo_kit.synth.sensors import RATE, write_pcm_wav
from egoexo_kit.synth.sensors._raw import add_sync_chirps


def _capture_dir(root: Path) -> Path:
    return next((root / "raw").iterdir())


def _truth(root: Path, capture: str) -> dict:
    return json.loads((root / ".synth" / "release.json").read_text(encoding="utf-8")) | {"capture": capture}


def test_find_chirps_recovers_fractional_onsets_to_a_microsecond() -> None:
    rng = np.random.default_rng(3)
    noise = rng.standard_normal((RATE * 6, 2)).astype(np.float32) * 0.01
    onsets = [1.2345678, 4.8765432]
    found = find_chirps(add_sync_chirps(noise, at_s=onsets), rate=RATE)
    assert len(found) == 2
    for (t, score), want in zip(found, onsets, strict=True):
        assert abs(t - want) < 1e-6
        assert score > 0.9
    assert find_chirps(noise, rate=RATE) == []


def test_offsets_and_drift_match_the_clock_truth(raw_release: Path) -> None:
    cap = read_raw_capture(_capture_dir(raw_release))
    sync = sync_capture(cap)
    truth = clock_truth(
        json.loads((raw_release / ".synth" / "release.json").read_text(encoding="utf-8")),
        capture=cap.capture_name,
        reference=sync.reference,
    )
    assert sync.reference == "aria01"
    assert truth["cam02"][0] < -2.5  # GoPros started seconds before the headset
    assert set(sync.reliable) == {d.device for d in cap.devices}
    for dev, s in sync.devices.items():
        off, ppm = truth[dev]
        assert abs(s.offset_s - off) < 1e-3, dev  # the bar: within 1 ms
        assert abs(s.offset_s - off) < 5e-5, dev  # what the estimator actually reaches
        assert abs(s.drift_ppm - ppm) < 1.0, dev
        assert s.confidence > 0.9
        assert len(s.events_s) == 2
        # each chirp sits in the frame interval where the flash began: at most half a frame off its centre
        fps = cap.device(dev).fps
        assert all(abs(r) <= 500 / fps + 1e-6 for r in s.flash_residual_ms)
    # a GoPro's drift is visible: device time at the end event maps back onto the reference's
    s = sync.devices["cam01"]
    assert s.to_capture(np.array(s.events_s))[-1] == pytest.approx(
        sync.devices["aria01"].events_s[-1], abs=1e-6
    )
    assert s.to_device(s.to_capture(np.array([2.5])))[0] == pytest.approx(2.5)


def test_a_device_without_its_sync_chirp_is_reported_not_guessed(raw_release: Path) -> None:
    cap = read_raw_capture(_capture_dir(raw_release))
    events = {d.device: detect_events(d) for d in cap.devices}
    events["cam02"] = dataclasses.replace(events["cam02"], chirps_s=(), chirp_scores=())
    first = events["cam01"]
    events["cam01"] = dataclasses.replace(
        first, chirps_s=first.chirps_s[:1], chirp_scores=first.chirp_scores[:1]
    )
    sync = estimate_sync(events, reference="aria01")
    assert sync.reliable == ["aria01"]
    assert sync.devices["cam02"].offset_s is None
    assert "no sync chirp" in sync.devices["cam02"].note
    assert "1 sync chirps found, the reference has 2" in sync.devices["cam01"].note
    with pytest.raises(ValueError, match="no reliable sync"):
        sync.devices["cam02"].to_capture(np.array([0.0]))


def test_a_chirp_that_contradicts_the_flash_is_flagged(raw_release: Path) -> None:
    cap = read_raw_capture(_capture_dir(raw_release))
    events = {d.device: detect_events(d) for d in cap.devices}
    ev = events["cam01"]
    events["cam01"] = dataclasses.replace(ev, chirps_s=tuple(t + 0.05 for t in ev.chirps_s))  # 50 ms late
    sync = estimate_sync(events, reference="aria01")
    s = sync.devices["cam01"]
    assert not s.reliable and s.offset_s is None
    assert "disagrees with the flash" in s.note
    assert s.confidence < 0.5


def test_a_reference_without_sync_events_is_an_error(raw_release: Path, tmp_path: Path) -> None:
    src = _capture_dir(raw_release)
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    write_pcm_wav(dst / "aria01.wav", np.zeros((RATE, 7), np.float32))  # corrupted: silence
    with pytest.raises(FormatError, match="reference device aria01: no sync chirp"):
        sync_capture(read_raw_capture(dst))
