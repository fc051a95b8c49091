"""MicroCoder's difficulty stages end to end through the real runtime, over real HTTP, with the judge:
load_problems -> predict -> calibration_subset -> solve -> pass_rate -> calibrate(predict, pass_rate)
-> select.

The scripted model scores each fixture problem with known integers and answers it with code that
is right, half right or missing, so every number below is computed by hand:

    problem     label   scores  predicted  measured (k = 2)               calibrated
    dc-add      easy    all 2   1/9        1.0  (right, right)             1.0
    dc-max      easy    all 3   2/9        -    (not in the subset)        0.875  (a third of the way to 4/9)
    dc-vowels   medium  all 5   4/9        0.5  (right, no code)           0.625  (pooled with dc-mirror)
    dc-mirror   medium  all 6   5/9        0.75 (right, always YES: 2/4)   0.625
    dc-climb    hard    all 8   7/9        0.375 (2/4, 1/4)                0.375
    dc-grid     hard    all 9   8/9        -    (not in the subset)        0.375  (clipped)
    dc-vague    -       one dimension only: dropped by predict

Seed 5 picks dc-add, dc-vowels, dc-mirror and dc-climb as the subset of four (asserted below).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.microcoder.difficulty import DEFAULT_DIMENSIONS
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline
from tests.support.openai_server import OpenAIServer

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "difficulty_problems.jsonl"
STEPS = "pysynth.steps.microcoder"


def scores(value: int) -> str:
    return json.dumps(dict.fromkeys(DEFAULT_DIMENSIONS, value))


def code(source: str) -> str:
    return f"Here is my solution.\n```python\n{source}```"


PREDICTIONS = {"DC-ADD": scores(2), "DC-MAX": scores(3), "DC-VOWELS": scores(5), "DC-MIRROR": scores(6),
               "DC-CLIMB": scores(8), "DC-GRID": scores(9), "DC-VAGUE": '{"algorithmic_insight": 3}'}
SOLUTIONS = {
    "DC-ADD": [code("a, b = map(int, input().split())\nprint(a + b)\n")] * 2,
    "DC-VOWELS": [code("def countVowels(word):\n    return sum(c in 'aeiou' for c in word)\n"),
                  "I am not sure how to do this."],
    "DC-MIRROR": [code("w = input().strip()\nprint('YES' if w == w[::-1] else 'NO')\n"), code("print('YES')\n")],
    "DC-CLIMB": [code("input()\nprint(1)\n"), code("print(input())\n")],
    "DC-MAX": [code("print(0)\n")] * 2, "DC-GRID": [code("print(0)\n")] * 2,  # never asked: not in the subset
}
SCRIPT = ([{"match": ["Dimensions and rubric", marker], "replies": [reply]} for marker, reply in PREDICTIONS.items()]
          + [{"match": marker, "replies": replies} for marker, replies in SOLUTIONS.items()])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    tmp_path = tmp_path_factory.mktemp("difficulty")
    with OpenAIServer(script=SCRIPT) as server:
        body = f"""
        name: difficulty
        defaults:
          batch_size: 3
          llm: {{base_url: "{server.base_url}", model: m}}
        steps:
          - {{name: problems, type: load_problems, params: {{path: "{FIXTURE}", format: jsonl}}}}
          - {{name: predict, type: "{STEPS}.predict_difficulty:PredictDifficulty", params: {{problem_column: statement}}}}
          - {{name: subset, type: "{STEPS}.calibration_subset:CalibrationSubset", params: {{size: 4, seed: 5}}}}
          - name: solve
            type: "{STEPS}.solve:Solve"
            params: {{problem_column: statement, num_generations: 2}}
          - {{name: pass_rate, type: "{STEPS}.pass_rate:PassRate"}}
          - name: calibrate
            type: "{STEPS}.calibrate:Calibrate"
            inputs: [predict, pass_rate]
            params: {{bins: 2}}
          - {{name: select, type: "{STEPS}.select_hard:SelectHard", params: {{max_pass_rate: 0.7}}}}
        """
        result = run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / "out")
    assert result.manifest.status == "completed"
    yield result.manifest.model_dump(mode="json"), tmp_path / "out"


def rows_of(out: Path, step: str) -> dict[str, dict[str, Any]]:
    frames = [pl.read_parquet(path) for path in (out / ".pysynth" / "steps" / step).rglob("shards/*.parquet")]
    return {row["id"]: row for row in pl.concat(frames, how="diagonal_relaxed").to_dicts()}


def test_every_stage_drops_what_it_should_and_names_why(run: tuple[dict[str, Any], Path]) -> None:
    steps = run[0]["steps"]
    assert steps["predict"]["dropped_by_reason"] == {"predict: unusable answer": 1}
    assert steps["subset"]["dropped_by_reason"] == {"calibration: not in the calibration subset": 2}
    assert steps["calibrate"]["rows_in"] == 6 + 4 and steps["calibrate"]["rows_out"] == 6
    assert steps["calibrate"]["dropped_by_reason"] == {"calibrate: duplicate (its measured copy is kept)": 4}
    assert steps["select"]["dropped_by_reason"] == {"select: too easy": 2} and steps["select"]["rows_out"] == 4
    dropped = pl.read_parquet(next((run[1] / "dropped").glob("predict*.parquet"))).row(0, named=True)
    assert dropped["id"] == "dc-vague" and dropped["drop_detail"].startswith("implementation_complexity: missing")


def test_pass_rates_are_measured_on_the_subset_only(run: tuple[dict[str, Any], Path]) -> None:
    measured = rows_of(run[1], "pass_rate")
    assert set(measured) == {"dc-add", "dc-vowels", "dc-mirror", "dc-climb"}
    assert {key: row["pass_rates"] for key, row in measured.items()} == {
        "dc-add": [1.0, 1.0], "dc-vowels": [1.0, 0.0], "dc-mirror": [1.0, 0.5], "dc-climb": [0.5, 0.25]}
    assert measured["dc-vowels"]["answers_without_code"] == 1 and measured["dc-add"]["answers_without_code"] == 0


def test_calibrate_reports_the_fit_and_calibrates_every_problem_once(run: tuple[dict[str, Any], Path]) -> None:
    report = run[0]["steps"]["calibrate"]["report"]
    assert report["rows"] == 6 and report["measured"] == 4
    assert report["spearman_rho"] == pytest.approx(-0.8)  # ranks (1, 2, 3, 4) vs (4, 2, 3, 1)
    assert report["fitted_points"] == [
        {"predicted_difficulty": pytest.approx(1 / 9), "pass_rate": 1.0},
        {"predicted_difficulty": pytest.approx(4 / 9), "pass_rate": 0.625},
        {"predicted_difficulty": pytest.approx(5 / 9), "pass_rate": 0.625},
        {"predicted_difficulty": pytest.approx(7 / 9), "pass_rate": 0.375}]
    low, high = report["table"]
    assert (low["rows"], low["measured"], low["mean_pass_rate"]) == (3, 2, 0.75)
    assert low["mean_calibrated"] == pytest.approx((1.0 + 0.875 + 0.625) / 3, abs=1e-6)
    assert (high["rows"], high["measured"], high["mean_pass_rate"]) == (3, 2, 0.5625)
    assert high["mean_calibrated"] == pytest.approx((0.625 + 0.375 + 0.375) / 3, abs=1e-6)
    calibrated = rows_of(run[1], "calibrate")
    assert {key: row["calibrated_pass_rate"] for key, row in calibrated.items()} == pytest.approx(
        {"dc-add": 1.0, "dc-max": 0.875, "dc-vowels": 0.625, "dc-mirror": 0.625, "dc-climb": 0.375, "dc-grid": 0.375})
    assert calibrated["dc-mirror"]["pass_rate"] == 0.75 and calibrated["dc-max"]["pass_rate"] is None
    assert calibrated["dc-climb"]["difficulty_scores"] == dict.fromkeys(DEFAULT_DIMENSIONS, 8)


def test_select_reports_the_share_of_each_label_before_and_after(run: tuple[dict[str, Any], Path]) -> None:
    report = run[0]["steps"]["select"]["report"]
    assert (report["rows_before"], report["rows_after"], report["removed"]) == (6, 4, 2)
    assert report["removed_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert report["by_difficulty"] == {
        "easy": {"before": 2, "after": 0, "share_before": pytest.approx(1 / 3, abs=1e-6), "share_after": 0.0},
        "hard": {"before": 2, "after": 2, "share_before": pytest.approx(1 / 3, abs=1e-6), "share_after": 0.5},
        "medium": {"before": 2, "after": 2, "share_before": pytest.approx(1 / 3, abs=1e-6), "share_after": 0.5}}
    dropped = pl.read_parquet(next((run[1] / "dropped").glob("select*.parquet")))
    details = dict(zip(dropped["id"], dropped["drop_detail"], strict=True))
    assert details == {"dc-add": "calibrated pass rate 1.000 > 0.7 (predicted difficulty 0.111)",
                       "dc-max": "calibrated pass rate 0.875 > 0.7 (predicted difficulty 0.222)"}
