"""The optional ``features`` stage: pre-extracted video features of each built take (FORMAT §8).

One unit per take runs :func:`egoexo_kit.features.extract_features` on the built release for that
take only, so the stage shares the build's ledger, runners and progress. A take rebuilt with new
settings gets a new unit key; its old feature files are removed first, since the extractor itself
skips files that already exist.
"""

from __future__ import annotations

from typing import Any

from egoexo_kit.builder._unit import Unit

__all__ = ["run_features"]


def run_features(unit: Unit) -> dict[str, Any]:
    """Extract ``features/<name>/`` rows of every view of one built take; returns the files written."""
    from egoexo_kit.features import CONFIG_NAME, extract_features
    from egoexo_kit.release import ReleaseIndex

    cfg = unit.config
    assert cfg.features is not None  # the stage runs only when a backbone is set
    take = ReleaseIndex.open(unit.out).take(unit.name)
    for old in (unit.out / "features" / cfg.features_name).glob(f"{take.uid}_*.pt"):
        old.unlink()
    done = extract_features(
        unit.out, backbone=cfg.features, name=cfg.features_name, takes=[take.uid], lock=False
    )  # the build holds the features folder's lock for the whole stage
    outputs = [r.path for r in done] + [unit.out / "features" / cfg.features_name / CONFIG_NAME]
    return {"take_name": unit.name, "files": len(done), "outputs": outputs}
