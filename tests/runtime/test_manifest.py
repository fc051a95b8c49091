"""`run.json` is a typed model: written with the keys readers know, read back through the same model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from pysynth.dag import StepKind, compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.runtime.manifest import RunManifest, RunStatus, read_manifest
from pysynth.runtime.state import StepStatus
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

RUN_KEYS = {"pipeline", "spec_file", "spec_hash", "status", "error", "started_at", "seconds", "versions", "outputs",
            "steps", "shard", "merged_from"}
STEP_KEYS = {"type", "kind", "inputs", "fingerprint", "status", "rows_in", "rows_out", "failed", "dropped",
             "dropped_by_reason", "tokens", "requests", "cache_hits", "mean_latency_seconds", "batches",
             "busy_seconds", "wall_seconds", "failed_rows_file", "dropped_rows_file", "report"}
PIPELINE = """
name: manifest
steps:
  - {name: src, type: make_rows, params: {count: 4, columns: {topic: "t{i}"}}}
  - {name: evens, type: filter, params: {function: "user_steps:even_only", input_columns: [topic]}}
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("manifest")
    run_pipeline(compile_pipeline(load_spec(write_pipeline(directory, PIPELINE), [])), directory / "out")
    return directory / "out"


def test_the_file_keeps_the_keys_readers_know(finished: Path) -> None:
    written = json.loads((finished / "run.json").read_text())
    assert set(written) == RUN_KEYS
    assert all(set(step) == STEP_KEYS for step in written["steps"].values())
    assert written["steps"]["evens"]["dropped_rows_file"] == str(finished / "dropped" / "evens.parquet")
    assert written["steps"]["src"]["dropped_rows_file"] is None  # nothing dropped: no file


def test_it_reads_back_typed(finished: Path) -> None:
    manifest = read_manifest(finished)
    assert manifest.status is RunStatus.COMPLETED
    assert manifest.steps["src"].kind is StepKind.GENERATOR and manifest.steps["evens"].status is StepStatus.DONE
    assert manifest.steps["evens"].dropped_by_reason == {"odd topic": 2}


def test_an_unknown_key_is_refused(finished: Path) -> None:
    written = json.loads((finished / "run.json").read_text())
    with pytest.raises(ValidationError, match="renamed_key"):
        RunManifest.model_validate({**written, "renamed_key": 1})


def test_a_reporting_steps_findings_are_in_the_manifest_and_survive_a_resume(tmp_path: Path) -> None:
    problems = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "microcoder" / "taco.jsonl"
    body = f"""
    name: reports
    steps:
      - {{name: taco, type: load_problems, params: {{path: "{problems}", format: taco}}}}
      - {{name: collect, type: microcoder_collect}}
    """
    spec = write_pipeline(tmp_path, body)
    first = run_pipeline(compile_pipeline(load_spec(spec, [])), tmp_path / "out").manifest
    report = first.steps["collect"].report
    assert report is not None and report["kept_per_source"] == {"taco": 4}
    assert first.steps["taco"].report is None  # a step without `report()` has none
    resumed = run_pipeline(compile_pipeline(load_spec(spec, [])), tmp_path / "out", resume=True).manifest
    assert resumed.steps["collect"].report == report  # read back from the step's checkpointed stats
    assert read_manifest(tmp_path / "out").steps["collect"].report == report
