"""``build(raw, out)``: raw captures → an Ego-Exo4D-layout release, stage by stage, resumable."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from egoexo_kit._io import remove_stale_temps
from egoexo_kit._lock import folder_lock
from egoexo_kit._parallel import ray_session
from egoexo_kit.builder._config import BuildConfig
from egoexo_kit.builder._ledger import Ledger, intact, unit_key
from egoexo_kit.builder._metadata import write_metadata
from egoexo_kit.builder._pose import has_body_truth
from egoexo_kit.builder._raw import RawCapture, find_captures, read_raw_capture
from egoexo_kit.builder._runner import run_units
from egoexo_kit.builder._stages import run_unit
from egoexo_kit.builder._unit import Unit, ledger_path, read_plan, state_dir, unit_id
from egoexo_kit.errors import FormatError
from egoexo_kit.release import load_json

__all__ = ["BuildResult", "build"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""
_VERSION = {"sync": 3, "takes": 3, "pose": 1, "features": 1}


@dataclass
class BuildResult:
    """What a build did."""

    out: Path
    captures: list[str]
    ran: dict[str, list[str]] = field(default_factory=dict)
    """Stage → units run now."""
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Stage → units already finished (ledger)."""
    warnings: list[str] = field(default_factory=list)
    """One line each: what the build repaired or left out (a damaged ledger, takes not selected)."""


OWN_FOLDERS = ("takes", "captures", "annotations", ".egoexo-kit/build")
"""What a build writes below its output folder (besides the metadata files at its top): where the temp
folders of a killed build can be. ``features/<name>/`` has its own lock, taken by its stage."""


def _finished(out: Path, record: dict | None, key: str) -> bool:
    """A unit is finished when its last record is ``done`` with this key and its outputs are intact."""
    return record is not None and record.get("key") == key and intact(out, record)


def _run_stage(
    stage: str,
    units: list[Unit],
    *,
    ledger: Ledger,
    config: BuildConfig,
    result: BuildResult,
    progress: Progress | None,
) -> None:
    last = ledger.last()
    todo = [u for u in units if config.force or not _finished(u.out, last.get(u.id), u.key)]
    result.ran[stage] = [u.name for u in todo]
    result.skipped[stage] = [u.name for u in units if u not in todo]
    done = len(units) - len(todo)
    if progress:
        progress(stage, done, len(units))
    run_units(
        run_unit,
        todo,
        runner=config.runner,
        workers=config.worker_count,
        address=config.ray_address,
        on_done=(lambda n: progress(stage, done + n, len(units))) if progress else None,
    )


def build(
    raw: str | Path,
    out: str | Path,
    config: BuildConfig | None = None,
    *,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> BuildResult:
    """Build a release at ``out`` from the raw capture(s) under ``raw`` (see :func:`_build`).

    The build holds ``out``'s writer lock (:func:`egoexo_kit._lock.folder_lock`) from start to end, so
    two builds (or a build and a download) never write one folder at once; under it, the temp folders a
    killed earlier run left are deleted first. With the Ray runner, one Ray connection serves every
    stage (started here unless Ray is already up), so the start-up cost is paid once per build.

    Args:
        raw: a raw capture folder, or a folder of them.
        out: the release folder to write.
        config: what to build and how.
        progress: ``progress(stage, done, total)``.
        wait: seconds to wait for another run holding ``out``'s lock; ``0`` refuses at once.

    Raises:
        BusyError: another run holds the lock of ``out`` (or of the features folder) past ``wait``.
        FormatError: a malformed raw capture, a take not in any capture's log, or a selected take
            with no complete build when only the metadata stage runs.
    """
    config = config or BuildConfig()
    out = Path(out)
    captures = [read_raw_capture(p) for p in find_captures(raw)]  # a bad RAW leaves no OUT behind
    with folder_lock(out, what="egoexo-kit build", wait=wait):
        remove_stale_temps(out, recursive=False)
        for sub in OWN_FOLDERS:
            remove_stale_temps(out / sub)
        if config.runner != "ray":
            return _build(raw, out, config, captures=captures, progress=progress, wait=wait)
        with ray_session(address=config.ray_address, num_cpus=config.worker_count):
            return _build(raw, out, config, captures=captures, progress=progress, wait=wait)


def _write_metadata(
    out: Path, names: list[str], *, ledger: Ledger, config: BuildConfig, result: BuildResult
) -> None:
    """``takes.json`` and the other metadata, listing every take whose built folder is intact.

    Intact means the ledger's last record of its ``takes`` unit is ``done`` and its outputs are what
    was written (whatever the settings were: ``--only metadata`` must not depend on them).

    Raises:
        FormatError: a selected take is not intact (only possible when the takes stage did not run).
    """
    last = ledger.last()
    ok = {t for t in names if intact(out, last.get(unit_id("takes", t)))}
    missing = [t for t in names if t not in ok and (not config.takes or t in config.takes)]
    if missing:
        raise FormatError(
            f"take(s) {missing} have no complete build under takes/ (missing, or changed since they "
            "were built): run the takes stage (build without --only, or --only takes metadata)",
            path=out / "takes",
        )
    left = sorted(t for t in names if t not in ok)
    if left:
        result.warnings.append(
            f"{len(left)} take(s) of the take logs are not built, so not in takes.json: "
            f"{', '.join(left[:5])}{' …' if len(left) > 5 else ''} (not selected by --takes)"
        )
    write_metadata(out, captures=result.captures, takes=ok)


def _build(
    raw: str | Path,
    out: Path,
    config: BuildConfig,
    *,
    captures: list[RawCapture],
    progress: Progress | None,
    wait: float,
) -> BuildResult:
    """Build a release at ``out`` from the raw ``captures`` found under ``raw``.

    Stages run in order (``sync`` per capture, ``takes`` per take, ``metadata`` once, the automatic
    body ``pose`` per take when a detector is configured: see :mod:`egoexo_kit.builder._pose`, and the
    pre-extracted ``features`` per take when a backbone is set); within a stage
    units run in parallel on the chosen runner. Finished units
    (same inputs and settings, per the ledger ``<out>/.egoexo-kit/build/ledger.jsonl``) are skipped,
    so a rerun after a crash redoes only what did not finish, and a second run changes nothing; a
    unit whose recorded outputs were deleted or changed since runs again.

    Raises:
        BusyError: another run holds the features folder's lock (``features`` stage) past ``wait``.
        FormatError: a malformed raw capture, a take not in any capture's log, or (``--only
            metadata``) a selected take that is not built.
    """
    ledger = Ledger(ledger_path(out))
    result = BuildResult(out=out, captures=[c.capture_name for c in captures])
    repaired = ledger.repair()
    if repaired:
        result.warnings.append(repaired)
    mk = functools.partial(Unit, out=out, config=config)
    if config.runs("sync"):
        units = [
            mk(
                stage="sync",
                name=c.capture_name,
                raw=c.root,
                key=unit_key("sync", _VERSION["sync"], c.capture_name, c.take_log, c.takes),
            )
            for c in captures
        ]
        _run_stage("sync", units, ledger=ledger, config=config, result=result, progress=progress)
    takes, sync = [], {}
    per_take = any(config.runs(s) for s in ("takes", "pose", "features"))
    for c in captures:
        plan = read_plan(out, c.capture_name) if per_take else {"takes": []}
        if per_take:  # offsets and drift shape the trimmed audio and the pose: part of each take's key
            sync[c.capture_name] = load_json(state_dir(out, c.capture_name) / "sync.json")["devices"]
        for w in plan["takes"]:
            if not config.takes or w["take_name"] in config.takes:
                takes.append((c, w))
    known = {w["take_name"] for _, w in takes}
    missing = [t for t in config.takes if t not in known and per_take]
    if missing:
        raise FormatError(f"take(s) {missing} are not in any capture's take log", path=Path(raw))

    def take_units(stage: str, *extra: Any) -> list[Unit]:
        """One unit per take; the key holds the window, the capture's sync and the encode settings."""
        return [
            mk(
                stage=stage,
                name=w["take_name"],
                raw=c.root,
                key=unit_key(stage, _VERSION[stage], w, sync[c.capture_name], config.encode_settings, *extra),
            )
            for c, w in takes
            if stage != "pose" or config.detector != "auto" or has_body_truth(c.root)
        ]

    if config.runs("takes"):
        units = take_units("takes")
        _run_stage("takes", units, ledger=ledger, config=config, result=result, progress=progress)
    if config.runs("metadata"):
        names = [w["take_name"] for c in captures for w in read_plan(out, c.capture_name)["takes"]]
        _write_metadata(out, names, ledger=ledger, config=config, result=result)
        result.ran["metadata"] = ["takes.json", "captures.json"]
        if progress:
            progress("metadata", 1, 1)
    if config.runs("pose"):
        units = take_units("pose", config.detector)
        _run_stage("pose", units, ledger=ledger, config=config, result=result, progress=progress)
    if config.runs("features"):
        units = take_units("features", config.features)
        with folder_lock(out / "features" / config.features_name, what="egoexo-kit build", wait=wait) as lock:
            remove_stale_temps(lock.parent)
            _run_stage("features", units, ledger=ledger, config=config, result=result, progress=progress)
    return result
