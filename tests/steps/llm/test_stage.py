"""An LLM stage as one step, over the real wire protocol: its schema is sent, its drops are counted."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline
from tests.support.openai_server import OpenAIServer

LONG = "PROBLEM. " + "Given n numbers, print their sum. " * 6
CONCEPTS = json.dumps({"topics": ["graphs"], "knowledge_points": ["bfs"]})


def run(tmp_path: Path, server: OpenAIServer, steps: str):  # type: ignore[no-untyped-def]
    body = f"""
    name: stage
    defaults:
      batch_size: 2
      llm: {{base_url: "{server.base_url}", model: m}}
    steps:
      - {{name: src, type: make_rows, params: {{count: 2, columns: {{statement: "s{{i}}", generation_prompt: "Write ONE p{{i}}"}}}}}}
{steps}
    """
    return run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / "out")


def test_the_stage_sends_its_own_schema_and_parses_the_answers_into_columns(tmp_path: Path) -> None:
    with OpenAIServer(script=[{"match": "name the concepts", "replies": [CONCEPTS]}]) as server:
        result = run(tmp_path, server, "      - {name: concepts, type: quest_concepts}")
        sent = server.stats()["last_body"]
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["topics", "knowledge_points"]
    rows = pl.read_parquet(result.outputs["concepts"])
    assert rows["concepts"].to_list() == [["breadth first search", "graph"]] * 2  # normalized and rows["model_name"].to_list() == ["m", "m"]
    assert "concepts_answer" not in rows.columns  # the raw answer is parsed, not kept


def test_an_llm_block_that_constrains_answers_itself_replaces_the_stage_schema(tmp_path: Path) -> None:
    with OpenAIServer(script=[{"match": "name the concepts", "replies": [CONCEPTS]}]) as server:
        run(tmp_path, server, '      - {name: concepts, type: quest_concepts, llm: {backend: sglang, regex: "[{].*"}}')
        sent = server.stats()["last_body"]
    assert sent["regex"] == "[{].*" and "response_format" not in sent


def test_unusable_answers_are_dropped_with_their_reason_and_siblings_keep_their_ids(tmp_path: Path) -> None:
    with OpenAIServer(script=[{"match": "Write ONE", "replies": ["too short", LONG]}]) as server:
        result = run(tmp_path, server, "      - {name: problems, type: quest_problems, params: {num_generations: 2}}")
    step = result.manifest.steps["problems"]
    assert step.rows_in == 2 and step.rows_out == 2
    assert step.dropped_by_reason == {"problem: shorter than 120 characters": 2}
    kept = pl.read_parquet(result.outputs["problems"]).sort("_row_id")
    assert kept["problem"].to_list() == [LONG.strip()] * 2
    assert [row_id.rsplit(".", 1)[1] for row_id in kept["_row_id"]] == ["1", "1"]  # the second answer's id
    dropped = pl.read_parquet(next((tmp_path / "out" / "dropped").glob("problems*.parquet")))
    assert dropped["drop_reason"].to_list() == ["problem: shorter than 120 characters"] * 2


def test_a_teacher_stage_keeps_its_prompt_for_the_export(tmp_path: Path) -> None:
    answer = "Long reasoning.\n```python\nprint(1)\n```"
    with OpenAIServer(script=[{"match": "Reason step by step", "replies": [answer]}]) as server:
        result = run(tmp_path, server, "      - {name: teacher, type: quest_teacher, input_mappings: {problem: statement}}")
    rows = pl.read_parquet(result.outputs["teacher"])
    assert rows["distill_answer"].to_list() == [answer] * 2
    assert all(prompt.startswith("Solve the following") and prompt.endswith("prove the chosen algorithm correct.")
               for prompt in rows["distill_prompt"])


GENERATOR = "Here.\n```python\nseed = int(input())\nprint(seed * 10)\n```"


def test_a_generator_stage_runs_its_programs_in_the_judge_off_the_event_loop(tmp_path: Path) -> None:
    with OpenAIServer(script=[{"match": "generates one random test input", "replies": [GENERATOR]}]) as server:
        result = run(tmp_path, server, "      - {name: test_inputs, type: quest_inputs, input_mappings: {problem: statement},"
                     " params: {mode: generator, count: 3}}")
        sent = server.stats()["last_body"]
    assert "response_format" not in sent  # a program is asked for, not JSON
    rows = pl.read_parquet(result.outputs["test_inputs"])
    assert rows["inputs"].to_list() == [["10\n", "20\n", "30\n"]] * 2


def test_a_parse_that_raises_fails_only_its_row(tmp_path: Path) -> None:
    replies = [{"match": "Write ONE p0", "replies": [LONG]}, {"match": "Write ONE p1", "replies": [LONG + " BOOM"]}]
    with OpenAIServer(script=replies) as server:
        result = run(tmp_path, server, "      - {name: problems, type: tests.steps.llm.stages.FragileProblems}")
    assert result.manifest.steps["problems"].failed == 1 and result.manifest.steps["problems"].rows_out == 1
    failed = pl.read_parquet(next((tmp_path / "out" / "failed").glob("problems*.parquet")))
    assert failed["error"].to_list() == ["ValueError: the parser met BOOM"]
