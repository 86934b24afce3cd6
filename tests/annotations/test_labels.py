"""keystep_label_map: contiguous classes from the keystep taxonomy or the benchmark's label_mapping.csv."""

from __future__ import annotations

import pickle

import pytest

import egoexo_kit as ek
from egoexo_kit.annotations import IGNORE_INDEX, keystep_label_map
from egoexo_kit.errors import ArgumentError, NotFoundError


def add_leaves(release, edit_json) -> None:
    """Two more taxonomy leaves (ids 700 and 900) in a second scenario, plus a benchmark label file."""

    def edit(d):
        d["taxonomy"]["Fix a Chain"] = {
            "0": {"id": 0, "is_leafnode": False, "name": "Fix a Chain", "parent_id": None},
            "1": {"id": 1, "is_leafnode": True, "name": "Oil the chain", "parent_id": 0, "unique_id": 900},
            "2": {"id": 2, "is_leafnode": True, "name": "Check the chain", "parent_id": 0, "unique_id": 700},
        }

    edit_json(release / "annotations" / "keystep_train.json", edit)
    bench = release / "annotations" / "keystep_benchmark"
    bench.mkdir(exist_ok=True)
    (bench / "label_mapping.csv").write_text(
        "label_id,step_unique_id,step_name,scenario_name\n1,801,Loosen the bolt,bike repair\n"
        "0,900,Oil the chain,bike repair\n2,1567,Stir the mixture,cooking\n",
        encoding="utf-8",
    )


def test_taxonomy_classes_are_contiguous_by_step_id(tiny_release, edit_json):
    add_leaves(tiny_release, edit_json)
    labels = keystep_label_map(tiny_release)
    assert labels.step_ids == (700, 801, 900) and dict(labels) == {700: 0, 801: 1, 900: 2}
    assert labels.names == ("Check the chain", "Loosen the bolt", "Oil the chain")
    assert labels.index_of(801) == 1 and labels.index_of(5) == IGNORE_INDEX == -1
    assert labels.index_of(None) == -1 and len(labels) == 3
    assert pickle.loads(pickle.dumps(labels)) == labels
    # the facade gives the same map; a scenario keeps its own classes, re-indexed from 0
    assert ek.open_release(tiny_release).keystep_labels().step_ids == labels.step_ids
    chain = keystep_label_map(tiny_release, scenario="fix a chain")
    assert dict(chain) == {700: 0, 900: 1} and set(chain.scenarios) == {"Fix a Chain"}


def test_benchmark_classes_follow_label_id(tiny_release, edit_json):
    add_leaves(tiny_release, edit_json)
    labels = keystep_label_map(tiny_release, source="benchmark")
    assert dict(labels) == {900: 0, 801: 1, 1567: 2}  # index i is the official label_id i
    assert labels.names[2] == "Stir the mixture"
    assert dict(keystep_label_map(tiny_release, source="benchmark", scenario="Cooking")) == {1567: 0}


def test_label_map_errors_and_empty_release(tiny_release_ro):
    with pytest.raises(NotFoundError, match="scenarios: Remove a Wheel"):
        keystep_label_map(tiny_release_ro, scenario="cookin")
    with pytest.raises(ArgumentError, match="source"):
        keystep_label_map(tiny_release_ro, source="vocab")  # type: ignore[arg-type]
    assert len(keystep_label_map(tiny_release_ro, source="benchmark")) == 0  # no label_mapping.csv


def test_repr_is_one_short_line(tiny_release_ro):
    text = repr(keystep_label_map(tiny_release_ro))
    assert text == "KeystepLabelMap(source='taxonomy', classes=1, scenarios=1)"
