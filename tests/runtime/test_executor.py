"""The executor end to end against a real OpenAI-protocol server in another process."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError
from pysynth.runtime import PipelineResult, run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import llm_pipeline, sorted_rows, write_pipeline


def run(path: Path, output: Path, **options: bool) -> PipelineResult:
    return run_pipeline(compile_pipeline(load_spec(path)), output, **options)


def test_llm_pipeline_yields_one_answer_per_row(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    result = run(write_pipeline(tmp_path, llm_pipeline(count=30)), tmp_path / "out")
    rows = sorted_rows(result.outputs["loud"])
    assert rows.height == 30
    assert rows["_row_id"].n_unique() == 30
    by_topic = dict(zip(rows["topic"], rows["loud"], strict=True))
    assert by_topic["t17"] == "REPLY TO: WRITE ABOUT T17"
    gen = result.manifest.steps["gen"]
    assert (gen.rows_in, gen.rows_out, gen.failed, gen.requests) == (30, 30, 0, 30)
    assert gen.tokens.output > 0
    assert result.manifest.status == "completed"
    assert json.loads((tmp_path / "out" / "run.json").read_text())["steps"]["loud"]["rows_out"] == 30


@pytest.mark.parametrize("fault", ["500", "429", "503", "reset", "malformed", "bad_shape"])
def test_transient_faults_are_retried_until_the_row_succeeds(tmp_path: Path, server, fault: str) -> None:  # type: ignore[no-untyped-def]
    server.set_faults([{"match": "about t3", "fault": fault, "times": 2, "delay_s": 0}])
    result = run(write_pipeline(tmp_path, llm_pipeline(count=8)), tmp_path / "out")
    assert result.manifest.steps["gen"].rows_out == 8
    assert server.stats()["requests"] == 8 + 2


def test_a_row_that_keeps_failing_is_isolated_with_its_error(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    server.set_faults([{"match": "about t7", "fault": "500", "times": None, "delay_s": 0}])
    result = run(write_pipeline(tmp_path, llm_pipeline(count=12)), tmp_path / "out")
    rows = sorted_rows(result.outputs["loud"])
    assert rows.height == 11 and "t7" not in rows["topic"].to_list()
    failed = pl.read_parquet(tmp_path / "out" / "failed" / "gen.parquet")
    assert failed["topic"].to_list() == ["t7"]
    assert "500" in failed["error"][0] and "4 attempts" in failed["error"][0]
    assert result.manifest.steps["gen"].failed == 1


def test_a_hanging_request_times_out_and_only_its_row_fails(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    server.set_faults([{"match": "about t2", "fault": "hang", "times": None, "delay_s": 0}])
    body = llm_pipeline(count=6).replace("max_retries: 3, timeout_s: 10", "max_retries: 1, timeout_s: 0.5")
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    assert result.manifest.steps["gen"].rows_out == 5
    assert result.manifest.steps["gen"].failed == 1


def test_step_logic_failure_fails_only_that_row(tmp_path: Path) -> None:
    body = """
    name: logic
    steps:
      - {name: src, type: make_rows, params: {count: 10, columns: {topic: "t{i}"}}}
      - {name: check, type: map, params: {function: "user_steps:fail_on_seven", input_columns: [topic]}}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    assert sorted_rows(result.outputs["check"]).height == 9
    failed = pl.read_parquet(tmp_path / "out" / "failed" / "check.parquet")
    assert failed["topic"].to_list() == ["t7"] and "seven is unlucky" in failed["error"][0]


def test_filters_count_drops_by_reason_and_fan_out_gets_unique_ids(tmp_path: Path) -> None:
    body = """
    name: shapes
    defaults: {batch_size: 3}
    steps:
      - {name: src, type: make_rows, params: {count: 10, columns: {topic: "t{i}"}}}
      - {name: evens, type: filter, params: {function: "user_steps:even_only", input_columns: [topic]}}
      - {name: parts, type: map, params: {function: "user_steps:explode_me", output_columns: [part]}}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    evens = result.manifest.steps["evens"]
    assert evens.dropped_by_reason == {"odd topic": 5} and evens.rows_out == 5
    rows = sorted_rows(result.outputs["parts"])
    assert rows.height == 10 and rows["_row_id"].n_unique() == 10
    assert "src:4.1" in rows["_row_id"].to_list()
    dropped = pl.read_parquet(tmp_path / "out" / "dropped" / "evens.parquet")
    assert set(dropped["drop_reason"]) == {"odd topic"}


def test_rows_with_different_keys_keep_every_column(tmp_path: Path) -> None:
    body = """
    name: ragged
    steps:
      - {name: src, type: make_rows, params: {count: 6, columns: {topic: "t{i}"}}}
      - {name: mixed, type: map, params: {function: "user_steps:ragged"}}
    """
    rows = sorted_rows(run(write_pipeline(tmp_path, body), tmp_path / "out").outputs["mixed"])
    assert {"extra_a", "extra_b"} <= set(rows.columns)
    assert rows.filter(pl.col("topic") == "t3")["extra_a"].item() == 3
    assert rows.filter(pl.col("topic") == "t4")["extra_b"].item() == "4"


def test_branches_join_by_row_id_and_sources_concatenate(tmp_path: Path) -> None:
    body = """
    name: diamond
    defaults: {batch_size: 4}
    steps:
      - {name: src, type: make_rows, params: {count: 9, columns: {topic: "t{i}"}}}
      - {name: left, type: map, inputs: [src], params: {function: "user_steps:add_a", output_columns: [a]}}
      - {name: right, type: map, inputs: [src], params: {function: "user_steps:add_b", output_columns: [b]}}
      - {name: both, type: map, inputs: [left, right], params: {function: "user_steps:identity"}}
      - {name: other, type: make_rows, params: {count: 3, columns: {topic: "o{i}"}}}
      - {name: all, type: map, inputs: [src, other], join: concat, params: {function: "user_steps:identity"}}
    export: {steps: [both, all]}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    both = sorted_rows(result.outputs["both"])
    assert both.height == 9
    assert both.filter(pl.col("topic") == "t5").select("a", "b").row(0) == ("t5/a", "t5/b")
    assert sorted(sorted_rows(result.outputs["all"])["topic"].to_list()) == sorted(
        [f"t{i}" for i in range(9)] + ["o0", "o1", "o2"])


def test_global_step_sees_every_row_and_says_why_it_dropped(tmp_path: Path) -> None:
    rows = [{"text": f"unique problem number {i} about graphs and trees and paths"} for i in range(20)]
    rows += [dict(rows[3]), dict(rows[11])]
    (tmp_path / "data.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    body = """
    name: dedup
    defaults: {batch_size: 5}
    steps:
      - {name: src, type: load_file, params: {path: data.jsonl}}
      - {name: unique, type: near_dedup, params: {column: text, threshold: 0.9, ngram: 2}}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    assert result.manifest.steps["unique"].dropped_by_reason == {"near duplicate": 2}
    assert sorted_rows(result.outputs["unique"]).height == 20


def test_a_crashing_global_step_fails_the_run_loudly(tmp_path: Path) -> None:
    body = """
    name: crash
    steps:
      - {name: src, type: make_rows, params: {count: 5}}
      - {name: boom, type: tests.runtime.global_steps.CrashingGlobal}
    """
    with pytest.raises(PipelineRunError, match="global boom"):
        run(write_pipeline(tmp_path, body), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["status"] == "failed" and "global boom" in manifest["error"]
    assert not (tmp_path / "out" / "boom.parquet").exists()


def test_process_pool_workers_give_the_same_rows(tmp_path: Path) -> None:
    body = """
    name: pool
    defaults: {batch_size: 7}
    steps:
      - {name: src, type: make_rows, params: {count: 40, columns: {topic: "t{i}"}}}
      - {name: parts, type: map, workers: 2, params: {function: "user_steps:explode_me", output_columns: [part]}}
    """
    pooled = sorted_rows(run(write_pipeline(tmp_path, body), tmp_path / "pooled").outputs["parts"])
    inline = sorted_rows(run(write_pipeline(tmp_path, body.replace("workers: 2, ", "")), tmp_path / "inline")
                         .outputs["parts"])
    assert pooled.height == 80 and pooled.equals(inline)


def test_changing_a_step_reruns_it_and_its_descendants_only(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    first = run(write_pipeline(tmp_path, llm_pipeline(count=10)), tmp_path / "out")
    assert server.stats()["requests"] == 10
    again = run(write_pipeline(tmp_path, llm_pipeline(count=10)), tmp_path / "out", resume=True)
    assert server.stats()["requests"] == 10, "a finished run resumed must not call the LLM again"
    assert {name: step.status for name, step in again.manifest.steps.items()} == {
        "src": "reused", "gen": "reused", "loud": "reused"}
    assert sorted_rows(again.outputs["loud"]).equals(sorted_rows(first.outputs["loud"]))
    changed = run(write_pipeline(tmp_path, llm_pipeline(count=10, template="Explain {topic}")), tmp_path / "out",
                  resume=True)
    assert server.stats()["requests"] == 20
    assert {name: step.status for name, step in changed.manifest.steps.items()} == {
        "src": "reused", "gen": "done", "loud": "done"}
    assert sorted_rows(changed.outputs["loud"])["loud"][0] == "REPLY TO: EXPLAIN T0"


def test_an_earlier_run_is_never_silently_mixed_in(tmp_path: Path) -> None:
    body = "name: x\nsteps:\n  - {name: src, type: make_rows, params: {count: 3}}\n"
    path = write_pipeline(tmp_path, body)
    run(path, tmp_path / "out")
    with pytest.raises(PipelineRunError, match="--resume .* or --overwrite"):
        run(path, tmp_path / "out")
    assert run(path, tmp_path / "out", overwrite=True).manifest.steps["src"].rows_out == 3
    renamed = body.replace("name: src", "name: source")
    run(write_pipeline(tmp_path, renamed), tmp_path / "out", overwrite=True)
    assert not (tmp_path / "out" / "src.parquet").exists(), "--overwrite left the earlier run's export"
    assert (tmp_path / "out" / "source.parquet").exists()


def test_any_distilabel_task_runs_with_the_yaml_llm_block(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    body = """
    name: foreign
    defaults:
      llm: {base_url: "${BASE_URL}", model: test-model}
    steps:
      - {name: src, type: make_rows, params: {count: 5, columns: {instruction: "say {i}"}}}
      - {name: gen, type: distilabel.steps.tasks.TextGeneration}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    rows = sorted_rows(result.outputs["gen"])
    assert rows["generation"].to_list() == [f"reply to: say {i}" for i in range(5)]
    import datasets

    assert datasets.Dataset.from_parquet(str(result.outputs["gen"])).num_rows == 5


def test_explode_fans_out_list_columns_and_drops_empty_lists(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text('{"tags": ["a", "b", "c"]}\n{"tags": []}\n{"tags": ["d"]}\n')
    body = """
    name: fan
    steps:
      - {name: src, type: load_file, params: {path: data.jsonl}}
      - {name: one_each, type: explode, params: {column: tags, index_column: position}}
    """
    result = run(write_pipeline(tmp_path, body), tmp_path / "out")
    rows = sorted_rows(result.outputs["one_each"])
    assert rows.select("_row_id", "tags", "position").rows() == [
        ("src:0.0", "a", 0), ("src:0.1", "b", 1), ("src:0.2", "c", 2), ("src:2", "d", 0)]
    assert result.manifest.steps["one_each"].dropped_by_reason == {"'tags' is an empty list": 1}
