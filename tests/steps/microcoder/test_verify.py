"""The verify step: fixture problems as `load_problems` rows, one by one and through the real runtime
(drops counted by reason in the manifest, each with its detail in the dropped file)."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.problems import load_problems
from pysynth.problems.rows import RowError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.base import Dropped, Row
from pysynth.steps.contract import ConcurrentRows
from pysynth.steps.microcoder.verify import Verify
from pysynth.steps.sources.load_problems import problem_row

FIXTURE = Path(__file__).resolve().parents[2] / "microcoder" / "fixtures" / "problems.jsonl"


def rows() -> dict[str, Row]:
    return {problem.id: problem_row(problem, None) for problem in load_problems(FIXTURE, "jsonl").problems}


def step(**params: object) -> Verify:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return Verify(name="verify", **params)


def test_a_kept_row_holds_its_verified_solutions_and_tests() -> None:
    row = rows()["mc-max-planted"]
    kept = step(on_disagreement="drop_tests").transform(row)
    assert isinstance(kept, dict), kept
    assert kept["verified_solutions"] == row["solutions"]
    assert [test["input"] for test in kept["tests"]] == ["3\n1 5 2\n", "2\n7 7\n", "4\n-3 -1 -2 -9\n"]
    assert kept["tests_removed"] == 1 and kept["verify_runs"] == 8
    assert kept["statement"] == row["statement"], "the other columns flow through"


def test_drops_say_why_and_name_each_references_first_failure() -> None:
    verify = step()
    assert verify.transform(rows()["mc-no-reference"]) == Dropped("verify: no reference solution",
                                                                  detail="the problem has no reference solution")
    assert verify.transform(rows()["mc-vowels-broken"]) == Dropped(
        "verify: no reference passes", detail="reference 0 (python): test 0 WrongAnswer")


def test_without_references_keep_passes_a_problem_without_references_through_unverified() -> None:
    row = rows()["mc-no-reference"]
    kept = step(without_references="keep").transform(row)
    assert isinstance(kept, dict), kept
    assert kept["verified_solutions"] == [] and kept["tests"] == row["tests"]
    assert kept["tests_removed"] == 0 and kept["verify_runs"] == 0
    # Keeping unverified problems does not keep a problem whose references fail.
    assert isinstance(step(without_references="keep").transform(rows()["mc-vowels-broken"]), Dropped)


def test_a_malformed_row_fails_naming_the_column() -> None:
    with pytest.raises(RowError, match="^mode: "):
        step().transform({**rows()["mc-sum"], "mode": "stdout"})


def test_rows_run_concurrently_on_the_judge() -> None:
    verify = step()
    assert isinstance(verify, ConcurrentRows) and verify.row_concurrency() >= 2


def test_in_a_pipeline_the_manifest_counts_the_drops_and_the_dropped_file_keeps_the_detail(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text(
        "name: verify\ndefaults: {batch_size: 4}\nsteps:\n"
        f"  - {{name: problems, type: load_problems, params: {{path: '{FIXTURE}', format: jsonl}}}}\n"
        "  - {name: verify, type: 'pysynth.steps.microcoder.verify:Verify'}\n")
    result = run_pipeline(compile_pipeline(load_spec(tmp_path / "pipeline.yaml")), tmp_path / "out")
    assert result.manifest.status == "completed"
    counts = result.manifest.steps["verify"]
    assert counts.dropped_by_reason == {"verify: no reference passes": 3, "verify: no reference solution": 1}
    assert sorted(pl.read_parquet(result.outputs["verify"])["id"].to_list()) == ["mc-scale", "mc-sum"]
    dropped = pl.read_parquet(tmp_path / "out" / "dropped" / "verify.parquet")
    details = dict(zip(dropped["id"].to_list(), dropped["drop_detail"].to_list(), strict=True))
    assert details["mc-max-planted"] == \
        "reference 0 (python): test 2 WrongAnswer; reference 1 (python): test 2 WrongAnswer"
