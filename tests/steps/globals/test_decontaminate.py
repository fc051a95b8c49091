"""The decontaminate step through the real runtime: load_file -> decontaminate, counted drops, the
benchmark row named in each drop record, and a benchmark edit re-running the step."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from pysynth.dag import compile_pipeline
from pysynth.errors import InputError, PipelineRunError, SpecError
from pysynth.runtime import PipelineResult, run_pipeline
from pysynth.spec import load_spec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "decontamination"
STEP = "pysynth.steps.globals.decontaminate:Decontaminate"
NEAR_COPY = "decontaminate: near-duplicate of a benchmark problem"


TABLE_PARAMS: dict[str, object] = {"benchmark": "benchmark.jsonl", "benchmark_column": "question", "benchmark_id_column": "id"}


def pipeline(tmp_path: Path, step_options: dict[str, object] | None = None, **params: object) -> Path:
    """candidates.jsonl (plus one row with a blank statement) -> decontaminate; `params` are added to
    TABLE_PARAMS (against benchmark.jsonl) unless they name a `benchmark_format`."""
    for name in ("benchmark.jsonl", "benchmark_problems.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    candidates = (FIXTURES / "candidates.jsonl").read_text()
    empty = {"id": "c-empty", "planted": None, "edit": "no text", "date": "2023-01-01", "statement": " "}
    (tmp_path / "candidates.jsonl").write_text(candidates + json.dumps(empty) + "\n")
    step_params = {"column": "statement", **({} if "benchmark_format" in params else TABLE_PARAMS), **params}
    spec = {"name": "decontam", "defaults": {"batch_size": 4}, "steps": [
        {"name": "src", "type": "load_file", "params": {"path": "candidates.jsonl"}},
        {"name": "clean", "type": STEP, "params": step_params, **(step_options or {})},
    ]}
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))  # a date param is written as a bare YAML date
    return path


def run(path: Path, output: Path, **options: bool) -> PipelineResult:
    return run_pipeline(compile_pipeline(load_spec(path)), output, **options)


def dropped_rows(result: PipelineResult) -> dict[str, dict[str, object]]:
    file = result.manifest.steps["clean"].dropped_rows_file
    assert file is not None, "the step dropped rows but the manifest names no dropped file"
    return {row["id"]: row for row in pl.read_parquet(file).to_dicts()}


def test_planted_copies_and_late_rows_are_dropped_with_the_benchmark_row_named(tmp_path: Path) -> None:
    result = run(pipeline(tmp_path, dated_after=datetime.date(2024, 1, 31), undated="drop"), tmp_path / "out")
    step = result.manifest.steps["clean"]
    assert step.dropped_by_reason == {NEAR_COPY: 5, "decontaminate: dated after the cut-off": 2,
                                      "decontaminate: undated": 1, "decontaminate: no text": 1}
    kept = pl.read_parquet(result.outputs["clean"])["id"].to_list()
    assert sorted(kept) == ["c-inversions", "c-islands", "c-lamps", "c-primes"]

    dropped = dropped_rows(result)
    for name, line in {"c-case": 2, "c-numbers": 1, "c-reorder": 6, "c-reword": 4, "c-combined": 9}.items():
        assert dropped[name]["drop_reason"] == NEAR_COPY
        detail = str(dropped[name]["drop_detail"])
        assert detail.startswith(f"benchmark.jsonl:{line} (id lcb-{line:04d}), jaccard "), detail
    assert dropped["c-queue"]["drop_detail"] == "dated 2024-03-22, after 2024-01-31"
    assert dropped["c-undated"]["drop_detail"] == "no 'date'"
    assert dropped["c-empty"]["drop_detail"] == "'statement' is blank"

    # The step's checkpoint keeps the same records, batch by batch, before the run gathers them.
    batches = sorted((tmp_path / "out" / ".pysynth" / "steps" / "clean").glob("*/dropped/*.parquet"))
    checkpointed = pl.concat([pl.read_parquet(batch) for batch in batches], how="diagonal_relaxed")
    assert sorted(zip(checkpointed["id"], checkpointed["drop_detail"], strict=True)) == sorted(
        (name, row["drop_detail"]) for name, row in dropped.items())


def test_ngram_method_drops_the_copied_passage_under_its_own_reason(tmp_path: Path) -> None:
    result = run(pipeline(tmp_path, method="ngram"), tmp_path / "out")
    reasons = result.manifest.steps["clean"].dropped_by_reason
    assert reasons.pop("decontaminate: no text") == 1
    # The exact copies keep a 50-word run intact; reworded or reordered ones may not.
    assert set(reasons) == {"decontaminate: shares a 50-gram with a benchmark problem"}, reasons
    dropped = dropped_rows(result)
    assert str(dropped["c-passage"]["drop_detail"]).startswith("benchmark.jsonl:7 (id lcb-0007), shares ")
    for name in ("c-inversions", "c-islands", "c-lamps", "c-primes", "c-queue", "c-undated"):
        assert name not in dropped, f"{name} is distinct but was dropped: {dropped.get(name)}"


def test_without_a_cut_off_dates_are_not_read(tmp_path: Path) -> None:
    result = run(pipeline(tmp_path), tmp_path / "out")
    assert result.manifest.steps["clean"].dropped_by_reason == {NEAR_COPY: 5, "decontaminate: no text": 1}


def test_undated_rows_are_kept_by_default(tmp_path: Path) -> None:
    result = run(pipeline(tmp_path, dated_after=datetime.date(2024, 1, 31)), tmp_path / "out")
    assert result.manifest.steps["clean"].dropped_by_reason == {
        NEAR_COPY: 5, "decontaminate: dated after the cut-off": 2, "decontaminate: no text": 1}
    assert "c-undated" in pl.read_parquet(result.outputs["clean"])["id"].to_list()


def test_a_row_whose_text_is_not_a_string_fails_naming_the_column() -> None:
    # Through load_file a scalar arrives as text already; a list column (tests, say) does not.
    from distilabel.pipeline import Pipeline

    from pysynth.steps.globals.decontaminate import Decontaminate

    step = Decontaminate(name="clean", pipeline=Pipeline(name="unit"), column="tests",
                         benchmark=str(FIXTURES / "benchmark.jsonl"), benchmark_column="question")
    with pytest.raises(InputError, match="^tests: holds list, not text$"):
        step.transform({"tests": [{"input": "1"}]})


def test_a_problem_file_benchmark_checked_by_two_row_workers(tmp_path: Path) -> None:
    # Each worker process builds its own index (the step's cached_property) from the same file.
    path = pipeline(tmp_path, {"workers": 2}, benchmark="benchmark_problems.jsonl", benchmark_format="jsonl")
    result = run(path, tmp_path / "out")
    assert result.manifest.steps["clean"].dropped_by_reason == {NEAR_COPY: 2, "decontaminate: no text": 1}
    dropped = dropped_rows(result)
    assert str(dropped["c-numbers"]["drop_detail"]).startswith("benchmark_problems.jsonl row 0 (id bench-lanterns), ")
    assert str(dropped["c-reorder"]["drop_detail"]).startswith("benchmark_problems.jsonl row 1 (id bench-shelf), ")


def test_editing_the_benchmark_changes_the_fingerprint_and_reruns_the_step(tmp_path: Path) -> None:
    path = pipeline(tmp_path)
    before = compile_pipeline(load_spec(path)).nodes["clean"].fingerprint
    first = run(path, tmp_path / "out")
    assert first.manifest.steps["clean"].dropped_by_reason[NEAR_COPY] == 5

    islands = next(json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text().splitlines()
                   if '"c-islands"' in line)
    with (tmp_path / "benchmark.jsonl").open("a") as handle:
        handle.write(json.dumps({"id": "lcb-0011", "question": islands["statement"]}) + "\n")
    assert compile_pipeline(load_spec(path)).nodes["clean"].fingerprint != before

    again = run(path, tmp_path / "out", resume=True)
    assert {name: step.status for name, step in again.manifest.steps.items()} == {"src": "reused", "clean": "done"}
    assert again.manifest.steps["clean"].dropped_by_reason[NEAR_COPY] == 6
    assert dropped_rows(again)["c-islands"]["drop_detail"] == "benchmark.jsonl:11 (id lcb-0011), jaccard 1.00"


def test_a_malformed_benchmark_fails_the_run_before_any_row_naming_file_and_line(tmp_path: Path) -> None:
    path = pipeline(tmp_path)
    with (tmp_path / "benchmark.jsonl").open("a") as handle:
        handle.write('{"id": "lcb-0011", "question": \n')
    with pytest.raises(PipelineRunError, match=r"benchmark\.jsonl:11: not JSON"):
        run(path, tmp_path / "out")


def test_a_missing_benchmark_file_is_a_spec_error_at_compile_time(tmp_path: Path) -> None:
    path = pipeline(tmp_path, benchmark="no_such_benchmark.jsonl")
    with pytest.raises(SpecError, match="no such file 'no_such_benchmark.jsonl'"):
        compile_pipeline(load_spec(path))


def test_table_options_are_refused_with_a_problem_format(tmp_path: Path) -> None:
    path = pipeline(tmp_path, benchmark="benchmark.jsonl", benchmark_column="question", benchmark_format="livecodebench")
    with pytest.raises(SpecError, match="benchmark_column and benchmark_id_column apply to benchmark_format 'table'") \
            as caught:
        compile_pipeline(load_spec(path))
    assert str(caught.value).startswith(f"{path}:"), "the error does not point into the pipeline file"
