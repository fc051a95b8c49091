"""Every run (and every merge) ends by writing `OUT/report/`; a report that fails never fails the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard

import pysynth.report
from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError
from pysynth.runtime import run_pipeline
from pysynth.runtime.merge import merge_runs
from pysynth.runtime.shards import parse_shard
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

PIPELINE = """
name: reported
defaults: {batch_size: 4}
steps:
  - {name: src, type: make_rows, params: {count: 10, columns: {topic: "t{i}"}}}
  - {name: evens, type: filter, params: {function: "user_steps:even_only", input_columns: [topic]}}
"""


def test_a_run_from_the_command_line_ends_with_its_report(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, PIPELINE)
    command = [sys.executable, "-m", "pysynth.cli", "run", str(path), "-q"]
    done = subprocess.run([*command, "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert f"report: {tmp_path / 'out' / 'report' / 'index.html'}" in done.stdout
    card = DatasetCard.load(tmp_path / "out" / "report" / "README.md")
    assert [config["config_name"] for config in card.data.configs] == ["evens"]
    skipped = subprocess.run([*command, "-o", str(tmp_path / "plain"), "--no-report"], capture_output=True, text=True,
                             timeout=120, check=False)
    assert skipped.returncode == 0 and not (tmp_path / "plain" / "report").exists(), skipped.stderr


def test_a_failed_report_is_a_warning_and_the_run_stands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def broken(output: Path) -> Path:
        raise RuntimeError("the plotting library is broken")

    monkeypatch.setattr(pysynth.report, "write_report", broken)
    result = run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, PIPELINE))), tmp_path / "out")
    assert result.manifest.status == "completed" and result.report_dir is None
    assert result.outputs["evens"].exists()
    assert (f"warning: the report of {tmp_path / 'out'} was not written (RuntimeError: the plotting library is "
            f"broken); `pysynth report {tmp_path / 'out'}` tries again") in capsys.readouterr().err


def test_a_failed_run_still_writes_its_report_and_overwrite_removes_it(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, PIPELINE + "  - {name: boom, type: tests.runtime.global_steps.CrashingGlobal}\n")
    with pytest.raises(PipelineRunError):
        run_pipeline(compile_pipeline(load_spec(path)), tmp_path / "out")
    assert "failed" in (tmp_path / "out" / "report" / "README.md").read_text()
    stale = tmp_path / "out" / "report" / "stale.png"
    stale.write_bytes(b"")
    good = write_pipeline(tmp_path, PIPELINE, name="good.yaml")
    result = run_pipeline(compile_pipeline(load_spec(good)), tmp_path / "out", overwrite=True, report=False)
    assert result.report_dir is None and not (tmp_path / "out" / "report").exists()


def test_a_merge_writes_the_report_of_the_merged_dataset(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, PIPELINE)
    shards = [tmp_path / "s0", tmp_path / "s1"]
    for index, directory in enumerate(shards):
        run_pipeline(compile_pipeline(load_spec(path)), directory, shard=parse_shard(f"{index}/2"), report=False)
    merge_runs(shards, tmp_path / "merged")
    card = (tmp_path / "merged" / "report" / "README.md").read_text()
    assert all(str(directory.resolve()) in card for directory in shards), card
