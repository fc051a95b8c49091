"""Difficulty signals: from the exported columns where the export has them, otherwise from the checkpointed
rows of the step that computes them (a ScaleQuest run exports pairs, not the fail rates that chose them)."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import DatasetCard

from pysynth.dag import compile_pipeline
from pysynth.report import write_report
from pysynth.report.run_facts import read_run
from pysynth.report.signals import signal_values
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

# Rows as MicroCoder's and ScaleQuest's stages leave them: predicted/calibrated difficulty, k answers.
ROWS = [{"question": f"q{i}", "answers": ["1", "1" if i % 2 else "2", None if i % 3 else "1", "1"],
         "predicted_difficulty": i / 10, "calibrated_pass_rate": 1 - i / 10} for i in range(8)]
PIPELINE = """
name: report-signals
steps:
  - {name: rows, type: load_file, params: {path: rows.jsonl}}
  - {name: band, type: scalequest_fail_rate_band, params: {max_fail_rate: 1.0}}
  - {name: pairs, type: keep_columns, params: {columns: [question, predicted_difficulty, calibrated_pass_rate]}}
export: {format: jsonl}
"""


def run(directory: Path) -> Path:
    (directory / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    run_pipeline(compile_pipeline(load_spec(write_pipeline(directory, PIPELINE), [])), directory / "out")
    return directory / "out"


def test_signals_come_from_the_export_or_else_from_the_step_that_computes_them(tmp_path: Path) -> None:
    output = run(tmp_path)
    found = signal_values(read_run(output))
    assert {column: origin for column, (origin, _) in found.items()} == {
        "predicted_difficulty": "export pairs", "calibrated_pass_rate": "export pairs", "fail_rate": "step band"}
    # 1 - (answers equal to the majority) / k, a missing final counted as a wrong answer
    assert found["fail_rate"][1] == [0.25, 0.25, 0.5, 0.0, 0.5, 0.25, 0.25, 0.25]
    report = write_report(output)
    assert {"difficulty.png", "predicted_vs_calibrated.png"} <= {path.name for path in report.glob("*.png")}


def test_a_jsonl_export_gets_its_config_and_features(tmp_path: Path) -> None:
    report = write_report(run(tmp_path))
    data = DatasetCard.load(report / "README.md").data.to_dict()
    assert data["configs"][0]["data_files"] == [{"split": "train", "path": "../pairs.jsonl"}]
    assert {"name": "predicted_difficulty", "dtype": "float64"} in data["dataset_info"][0]["features"]
    assert 'load_dataset("json", data_files=' in (report / "README.md").read_text()
