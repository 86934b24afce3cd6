"""Takes.records() (plain dicts) and Takes.to_pandas() (built on them; pandas through the extra)."""

from __future__ import annotations

import json
import sys

import pytest

import egoexo_kit as ek
from egoexo_kit.errors import MissingExtraError
from egoexo_kit.release import RECORD_COLUMNS, ReleaseIndex


def test_records_are_plain_json_ready_dicts(tiny_release_ro):
    rel = ek.open_release(tiny_release_ro)
    recs = rel.takes.records()
    assert [r["take_name"] for r in recs] == ["cmu_bike01_1", "cmu_bike01_2", "upenn_0710_Guitar_1_1"]
    first = recs[0]
    assert tuple(first) == RECORD_COLUMNS
    take = rel.take("cmu_bike01_1")
    assert first["take_uid"] == take.uid and first["scenario"] == "Bike Repair" and first["split"] == "train"
    assert first["views"] == [v.key for v in take.views] and "cam01" in first["views"]
    assert first["duration_s"] == take.duration_s and first["n_frames"] == take.n_frames == 30
    assert json.loads(json.dumps(recs)) == recs  # only JSON types
    # the same records from the metadata index and from a filtered collection
    assert ReleaseIndex.open(tiny_release_ro).takes.records() == recs
    assert rel.takes.filter(split="val").records() == [recs[1]]


def test_to_pandas_has_one_row_per_take(tiny_release_ro):
    pd = pytest.importorskip("pandas")
    rel = ek.open_release(tiny_release_ro)
    df = rel.takes.to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(RECORD_COLUMNS)
    assert df["take_name"].tolist() == rel.takes.names
    assert df.loc[df.split == "train", "take_name"].tolist() == ["cmu_bike01_1"]
    empty = rel.takes.filter(scenario="nothing").to_pandas()
    assert len(empty) == 0 and list(empty.columns) == list(RECORD_COLUMNS)


def test_to_pandas_without_pandas_names_the_extra(tiny_release_ro, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an install without pandas sees
    with pytest.raises(
        MissingExtraError, match=r"Takes.to_pandas\(\) needs pandas: pip install 'egoexo-kit\[pandas\]'"
    ):
        ek.open_release(tiny_release_ro).takes.to_pandas()
