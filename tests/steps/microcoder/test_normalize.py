"""The normalize step (rows to `Problem`s and back), and MicroCoder's first two stages through the real
runtime: three `load_problems` steps on the demo files (and one repeating a file) -> collect -> normalize."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from pysynth.dag import compile_pipeline
from pysynth.microcoder.normalize import FORMATTING_MESSAGE_WITH_STARTER_CODE, FORMATTING_WITHOUT_STARTER_CODE
from pysynth.problems import load_problems
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.base import Dropped, Row
from pysynth.steps.microcoder.collect import SAME_ID
from pysynth.steps.microcoder.normalize import NOT_A_PROBLEM, Normalize
from pysynth.steps.sources.load_problems import PROBLEM_COLUMNS, problem_row

DEMO = Path(__file__).resolve().parents[3] / "pipelines" / "data" / "microcoder"


def make_normalize(**params: Any) -> Normalize:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return Normalize(**params)


def demo_row(name: str, format: str, problem_id: str) -> Row:
    [problem] = [p for p in load_problems(DEMO / name, format).problems if p.id == problem_id]
    return {**problem_row(problem, None), "_row_id": "r7", "extra": "kept"}


def test_a_row_gets_its_prompt_capped_tests_and_kept_references_and_keeps_its_other_columns() -> None:
    row = demo_row("code_contests.jsonl", "code_contests", "2002_B. Signal Towers")
    out = make_normalize(max_tests=4, max_references=1).transform(row)
    assert isinstance(out, dict)
    assert set(out) == set(row) | {"prompt", "format_instruction", "tests_dropped", "references_dropped"}
    assert out["extra"] == "kept" and out["_row_id"] == "r7" and out["mode"] == "stdin"
    assert [test["origin"] for test in out["tests"]] == ["public", "private", "private", "generated"]
    assert out["tests"][-1]["input"].startswith("233\n"), "the one generated slot takes the largest input"
    assert out["tests_dropped"] == 12  # 16 tests, one a repeated input
    assert [solution["language"] for solution in out["solutions"]] == ["python", "cpp"]
    assert out["references_dropped"] == 2  # the second Python one and the Java one
    assert out["prompt"].startswith("### Question:\nAlong a straight road")
    assert FORMATTING_WITHOUT_STARTER_CODE in out["prompt"]


def test_a_row_that_is_not_a_problem_is_dropped_naming_the_field() -> None:
    row = {**demo_row("taco.jsonl", "taco", "taco-1"), "fn_name": None}
    out = make_normalize().transform(row)
    assert isinstance(out, Dropped) and out.reason == NOT_A_PROBLEM and out.detail.startswith("fn_name:"), out


def test_parameters_are_checked() -> None:
    wrong: list[dict[str, Any]] = [{"max_tests": 0}, {"max_references": 0}, {"languages": []}, {"languages": ["cobol"]}]
    for params in wrong:
        with pytest.raises(ValidationError):
            make_normalize(**params)


PIPELINE = """\
name: microcoder-collect-normalize
defaults: {{batch_size: 3}}
steps:
  - {{name: taco, type: load_problems, params: {{path: {demo}/taco.jsonl, format: taco}}}}
  - {{name: code_contests, type: load_problems, params: {{path: {demo}/code_contests.jsonl, format: code_contests}}}}
  - {{name: lcb, type: load_problems, params: {{path: {demo}/livecodebench.jsonl, format: livecodebench}}}}
  - {{name: taco_again, type: load_problems, params: {{path: {demo}/taco.jsonl, format: taco, limit: 2}}}}
  - name: collect
    type: pysynth.steps.microcoder.collect:Collect
    inputs: [taco, code_contests, lcb, taco_again]
  - name: normalize
    type: pysynth.steps.microcoder.normalize:Normalize
    params: {{max_tests: 4, max_references: 1}}
"""


def test_collect_then_normalize_through_the_runtime(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text(PIPELINE.format(demo=DEMO))
    result = run_pipeline(compile_pipeline(load_spec(tmp_path / "pipeline.yaml")), tmp_path / "out")
    steps = result.manifest.steps

    assert steps["collect"].rows_in == 14 and steps["collect"].rows_out == 12
    assert steps["collect"].dropped_by_reason == {SAME_ID: 2}, "the repeated file's problems are dropped once each"
    assert steps["collect"].report == {
        "kept_per_source": {"code_contests": 4, "livecodebench": 4, "taco": 4},
        "date_range": {"livecodebench": {"first": "2025-01-11", "last": "2025-03-09"},
                       "taco": {"first": "2021-09-05", "last": "2023-06-18"}},
    }
    dropped = pl.read_parquet(tmp_path / "out" / "dropped" / "collect.parquet")
    assert sorted(dropped["drop_detail"].to_list()) == ["taco problem 'taco-0' is input row 0 already",
                                                        "taco problem 'taco-1' is input row 1 already"]
    assert steps["normalize"].rows_in == 12 and steps["normalize"].rows_out == 12

    rows = {row["id"]: row for row in pl.read_parquet(result.outputs["normalize"]).to_dicts()}
    assert sorted(rows) == sorted(["taco-0", "taco-1", "taco-2", "taco-3", "2002_A. Apple Orchard",
                                   "2002_B. Signal Towers", "2002_C. Lucky Pairs", "2002_D. Bit Garden",
                                   "abc950_a", "9101", "9102", "2095_B"])
    assert set(PROBLEM_COLUMNS) <= set(rows["taco-0"]), "every Problem column flows through"
    assert {row["source"] for row in rows.values()} == {"taco", "code_contests", "livecodebench"}
    assert all(len(row["tests"]) <= 4 for row in rows.values())
    assert {problem_id: row["tests_dropped"] for problem_id, row in rows.items() if row["tests_dropped"]} == {
        "taco-0": 1, "taco-1": 6, "taco-2": 1, "taco-3": 3, "2002_A. Apple Orchard": 2,
        "2002_B. Signal Towers": 12, "abc950_a": 1, "9102": 1}

    assert rows["taco-1"]["mode"] == "call"
    assert "```python\ndef longest_calm_stretch(arg1, arg2):\n    pass\n```" in rows["taco-1"]["prompt"]
    assert "```python\ndef stamp_collector(values, target):\n```" in rows["taco-3"]["prompt"]
    assert FORMATTING_MESSAGE_WITH_STARTER_CODE in rows["9101"]["prompt"]
    starter = "class Solution:\n    def minTrips(self, boxes: List[int], capacity: int) -> int:\n```"
    assert starter in rows["9101"]["prompt"], "LiveCodeBench's starter code, without its trailing blanks"
    for problem_id in ("taco-0", "2002_A. Apple Orchard", "abc950_a", "2095_B"):
        assert rows[problem_id]["mode"] == "stdin"
        assert rows[problem_id]["format_instruction"].startswith(f"### Format: {FORMATTING_WITHOUT_STARTER_CODE}")
    assert rows["2002_A. Apple Orchard"]["prompt"].startswith("### Question:\nMirela plants an orchard")
    assert rows["abc950_a"]["solutions"] == [], "LiveCodeBench problems carry no references; they are kept"
