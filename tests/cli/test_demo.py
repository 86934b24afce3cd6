"""The demo's step log: one plain line per step start and end; a step without its extra is skipped."""

from __future__ import annotations

import re
import sys

from egoexo_kit.cli.demo import StepLog
from egoexo_kit.extras import require


def test_step_log_prints_start_and_end_lines_and_skips_a_missing_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "rerun", None)  # as if rerun-sdk were not installed
    log = StepLog(["first", "needs rerun", "last"])
    with log.step("first"):
        print("work of the first step")
    with log.step("needs rerun"):
        require("rerun", extra="viz", what="the rerun step")
        raise AssertionError("not reached")
    with log.step("last"):
        pass
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step 1/3 first …" and lines[1] == "work of the first step"
    assert re.fullmatch(r"step 1/3 done in \d+\.\d s \(total \d+\.\d s\)", lines[2])
    assert lines[3] == "step 2/3 needs rerun …"
    assert re.fullmatch(
        r"step 2/3 skipped after \d+\.\d s: the rerun step needs rerun-sdk: pip install 'egoexo-kit\[viz\]'",
        lines[4],
    )
    assert lines[5] == "step 3/3 last …" and lines[6].startswith("step 3/3 done in ")
    assert len(lines) == 7
