"""`OUT/report/` is replaced whole: a report being written never shows as a half report."""

from __future__ import annotations

from pathlib import Path

import pytest

from pysynth.report import write_report
from pysynth.report.figures import Plot
from pysynth.report.write import _replace_report


def test_writing_again_replaces_the_report_and_leaves_no_staging_directory(copied_run: Path) -> None:
    first = write_report(copied_run)
    (first / "stale.txt").write_text("from an earlier report")
    assert write_report(copied_run) == first
    assert not (first / "stale.txt").exists()
    assert sorted(path.name for path in copied_run.glob("report*")) == ["report"]


def test_a_failure_while_writing_keeps_the_previous_report(copied_run: Path) -> None:
    report = write_report(copied_run)
    before = {path.name: path.read_bytes() for path in report.iterdir()}
    unwritable = Plot("missing-dir/plot.png", "t", "c", b"png")  # its folder does not exist: the write raises
    with pytest.raises(FileNotFoundError):
        _replace_report(copied_run, {"README.md": "new card"}, [unwritable])
    assert {path.name: path.read_bytes() for path in report.iterdir()} == before
    assert sorted(path.name for path in copied_run.glob("report*")) == ["report"]
