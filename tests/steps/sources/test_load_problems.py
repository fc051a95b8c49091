"""The load_problems source: one row per problem, malformed rows stored as drops (once, also on resume)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.contract import SourceWithDrops
from pysynth.steps.sources.load_problems import PROBLEM_COLUMNS, LoadProblems
from tests.problems.support import FIXTURES

TACO_ROWS = (FIXTURES / "taco.jsonl").read_text().splitlines()
BROKEN = '{"question": "cut short'
# problems at rows 1, 3 and 6; malformed rows at 0, 2, 4, 5 and 7
INTERLEAVED = [BROKEN, TACO_ROWS[0], BROKEN, TACO_ROWS[1], BROKEN, BROKEN, TACO_ROWS[2], BROKEN]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def make_step(path: Path, **params: object) -> LoadProblems:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return LoadProblems(path=str(path), format="taco", batch_size=2, **params)


def batches_with_drops(step: LoadProblems, offset: int = 0) -> list[tuple[list[str], bool, list[str]]]:
    """(problem ids, last?, dropped rows) per batch, the drops taken after each batch like the runner does."""
    return [([row["id"] for row in rows], last, [drop["row"] for drop in step.take_dropped()])
            for rows, last in step.process(offset)]


def test_each_drop_is_reported_with_the_batch_that_read_it(tmp_path: Path) -> None:
    step = make_step(write_lines(tmp_path / "taco.jsonl", INTERLEAVED))
    assert isinstance(step, SourceWithDrops)
    assert batches_with_drops(step) == [(["taco-1", "taco-3"], False, ["0", "2"]),
                                        (["taco-6"], True, ["4", "5", "7"])]


def test_a_resumed_source_reports_only_the_drops_after_the_emitted_problems(tmp_path: Path) -> None:
    step = make_step(write_lines(tmp_path / "taco.jsonl", INTERLEAVED))
    assert batches_with_drops(step, offset=2) == [(["taco-6"], True, ["4", "5", "7"])]


def test_limit_counts_problems_and_the_last_batch_takes_the_drops_before_the_cut(tmp_path: Path) -> None:
    step = make_step(write_lines(tmp_path / "taco.jsonl", INTERLEAVED), limit=2)
    assert batches_with_drops(step) == [(["taco-1", "taco-3"], True, ["0", "2", "4", "5"])]
    assert step.expected_rows() == 2


def test_a_file_of_only_malformed_rows_gives_one_empty_batch_with_its_drops(tmp_path: Path) -> None:
    step = make_step(write_lines(tmp_path / "taco.jsonl", [BROKEN, BROKEN]))
    assert batches_with_drops(step) == [([], True, ["0", "1"])]


def test_rows_hold_every_problem_field_and_max_tests_keeps_public_tests_first() -> None:
    step = LoadProblems(path=str(FIXTURES / "code_contests.jsonl"), format="code_contests", max_tests=2)
    rows = [row for batch, _ in step.process() for row in batch]
    assert [row["id"] for row in rows] == ["1999_A. Double It", "SORTLET"]
    assert list(rows[0]) == PROBLEM_COLUMNS == step.outputs
    assert rows[0]["tests"] == [{"input": "3\n", "expected": "6\n", "origin": "public"},
                                {"input": "10\n", "expected": "20\n", "origin": "private"}]
    assert rows[0]["solutions"][1]["language"] == "cpp" and rows[0]["time_limit"] == 1.5


def test_in_a_pipeline_drops_land_in_the_dropped_file_and_the_manifest(tmp_path: Path) -> None:
    write_lines(tmp_path / "taco.jsonl", INTERLEAVED[:-1] + [json.dumps({**json.loads(TACO_ROWS[0]), "date": "soon"})])
    (tmp_path / "pipeline.yaml").write_text(
        "name: problems\ndefaults: {batch_size: 2}\nsteps:\n"
        "  - {name: src, type: load_problems, params: {path: taco.jsonl, format: taco, max_tests: 1}}\n")
    result = run_pipeline(compile_pipeline(load_spec(tmp_path / "pipeline.yaml")), tmp_path / "out")

    problems = pl.read_parquet(result.outputs["src"])
    assert sorted(problems["id"].to_list()) == ["taco-1", "taco-3", "taco-6"]
    assert problems.filter(pl.col("id") == "taco-3")["tests"].to_list() == [
        [{"input": '["hello world"]', "expected": '["world hello"]', "origin": "private"}]]
    step = result.manifest.steps["src"]
    assert step.dropped_by_reason == {"malformed (row)": 4, "malformed date": 1}
    dropped = pl.read_parquet(tmp_path / "out" / "dropped" / "src.parquet").sort("row")
    assert dropped["row"].to_list() == ["0", "2", "4", "5", "7"]
    assert dropped.filter(pl.col("row") == "7")["detail"].item() == \
        "row 7: date: cannot read 'soon' as an ISO date (e.g. '2023-05-14')"
