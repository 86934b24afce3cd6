"""Fuzzing every file reader (issue 19 item 6): a hostile variant of a real file is read or refused cleanly.

For each parser (metadata JSON, every annotation family, masks, timesync and MPS CSVs, part
manifests, feature config and tensors, WAV and MP4), a seeded, bounded run of mutated real-release
files must end, input by input, in success or an ``EgoExoKitError`` subclass. The issue found about
10 % of such inputs escaping as ``RecursionError``, ``ValueError``, ``KeyError`` … (mostly the mask
decoder and the annotation loaders). A failure lists each foreign outcome with the seed and the
input, and ``tests.fuzz.harness.case(target, seed=, index=)`` replays it.

``EGOEXO_KIT_FUZZ_SEED`` and ``EGOEXO_KIT_FUZZ_N`` change the seed and the inputs per parser;
``perf/bench_fuzz.py`` runs the same harness on 10⁵ inputs and more.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.fuzz.harness import TARGETS, Scratch, run

SEED = int(os.environ.get("EGOEXO_KIT_FUZZ_SEED", "19"))
N = int(os.environ.get("EGOEXO_KIT_FUZZ_N", "100"))
"""Inputs per parser: about 3,700 in all, well under a minute on two cores."""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
    return Scratch(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_hostile_input_is_read_or_refused_with_an_egoexo_kit_error(target, scratch: Scratch) -> None:
    counts, foreign = run(target, seed=SEED, n=N, scratch=scratch)
    shown = "\n".join(str(f) for f in foreign[:8])
    assert not foreign, f"{len(foreign)} of {N} inputs raised a foreign exception ({dict(counts)}):\n{shown}"
    assert sum(counts.values()) == N
    assert counts["ok"] < N, "no input was refused: the mutations did not reach the parser"


def test_a_reported_case_replays_byte_for_byte(scratch: Scratch) -> None:
    from tests.fuzz.harness import case

    target = TARGETS[0]
    assert case(target, seed=SEED, index=3) == case(target.name, seed=SEED, index=3)
    assert case(target, seed=SEED, index=3) != case(target, seed=SEED, index=4)


def test_the_scratch_release_is_restored_after_each_input(scratch: Scratch) -> None:
    target = next(t for t in TARGETS if t.name == "takes.json")
    before = (scratch.root / target.rel).read_bytes()
    run(target, seed=SEED, n=3, scratch=scratch)
    assert (scratch.root / target.rel).read_bytes() == before
    assert Path(scratch.root / "takes.json").is_file()
