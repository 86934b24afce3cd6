"""pandas interop of the annotations: the catalog's DuckDB ``.df()`` and ``TakeAnnotations.to_pandas()``."""

from __future__ import annotations

import sys

import pytest

from egoexo_kit import open_release
from egoexo_kit.annotations import build_catalog
from egoexo_kit.errors import MissingExtraError


def test_catalog_df_gives_dataframes(tiny_release):
    pd = pytest.importorskip("pandas")
    release = open_release(tiny_release)
    build_catalog(release, workers=1)
    df = release.catalog(rebuild=False).sql("SELECT take_name FROM takes ORDER BY take_name").df()
    assert isinstance(df, pd.DataFrame) and df["take_name"].tolist() == sorted(release.takes.names)


def test_take_annotations_to_pandas_is_the_timeline(tiny_release_ro):
    pd = pytest.importorskip("pandas")
    ann = open_release(tiny_release_ro).take("cmu_bike01_1").annotations
    df = ann.to_pandas(["keystep"])
    assert isinstance(df, pd.DataFrame)
    assert df.to_dict("records") == ann.timeline_rows(["keystep"]) and df["label"].tolist() == [
        "Loosen the bolt [essential]"
    ]
    assert list(ann.to_pandas(["narrations"]).columns) == list(df.columns)  # no rows, same columns


def test_take_annotations_to_pandas_without_pandas(tiny_release_ro, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'egoexo-kit\[pandas\]'"):
        open_release(tiny_release_ro).take("cmu_bike01_1").annotations.to_pandas()
