"""pipelines/quest.yaml end to end over the real OpenAI wire protocol.

Most tests use a scripted server that answers each QueST prompt with a fixed, plausible answer, so
every stage's logic is checked with known numbers: candidate A's solutions split 2-1 on every input
(delta 1/3), candidate B's agree (delta 0), and A is kept. The last runs the file as shipped on the
embedded model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.support.openai_server import OpenAIServer

QUEST_YAML = Path(__file__).resolve().parents[3] / "pipelines" / "quest.yaml"
PROBLEM_A = ("PROBLEM-A. Given an integer n (1 <= n <= 10^9), print the sum 1 + 2 + ... + n. Input: one line "
             "with n. Output: one integer. Example: input 3, output 6.")
PROBLEM_B = ("PROBLEM-B. Given an integer n (1 <= n <= 10^9), print n modulo 7. Input: one line with n. "
             "Output: one integer. Example: input 10, output 3.")
SUM = "Easy.\n```python\nn = int(input())\nprint(n * (n + 1) // 2)\n```"
SQUARE = "Maybe this.\n```python\nn = int(input())\nprint(n * n)\n```"
MOD = "```python\nprint(int(input()) % 7)\n```"
SCRIPT = [
    {"match": "Reason step by step at length", "replies": ["Long reasoning first. " + SUM]},
    {"match": "test inputs for the programming problem", "replies": ['{"inputs": ["3\\n", "10\\n", "7\\n", ""]}']},
    {"match": ["Solve the following", "PROBLEM-A"], "replies": [SUM, SUM, SQUARE]},
    {"match": ["Solve the following", "PROBLEM-B"], "replies": [MOD, MOD, "no code at all"]},
    {"match": "Write ONE new problem", "replies": [PROBLEM_A, PROBLEM_B]},
    {"match": "name the concepts", "replies": [json.dumps({"topics": ["Math", "number theory"],
                                                           "knowledge_points": ["arithmetic series", "Modulo"]})]},
]


@pytest.fixture(scope="module")
def scripted() -> Iterator[OpenAIServer]:
    with OpenAIServer(script=SCRIPT) as server:
        yield server


def run_quest(tmp_path: Path, server: OpenAIServer) -> tuple[dict[str, object], Path]:
    overrides = ["defaults.llm.backend=openai", f"defaults.llm.base_url={server.base_url}",
                 "defaults.llm.model=test-model", "defaults.llm.local=null",
                 "steps.problems.params.num_generations=2",   # K = 2: the script's two problems
                 "steps.solutions.params.num_generations=3"]  # T = 3: the script's 2-1 split
    loaded = load_spec(QUEST_YAML, overrides, env={"QUEST_SEEDS": "4", "QUEST_PROMPTS": "1"})
    result = run_pipeline(compile_pipeline(loaded), tmp_path / "out")
    return result.manifest.model_dump(mode="json"), tmp_path / "out"


def test_every_stage_runs_and_the_hardest_candidate_is_exported(tmp_path: Path, scripted: OpenAIServer) -> None:
    manifest, out = run_quest(tmp_path, scripted)
    steps = manifest["steps"]
    assert isinstance(steps, dict)
    assert steps["concepts"]["rows_out"] == 4 and steps["sample"]["rows_out"] == 1
    assert steps["problems"]["rows_out"] == 2  # K = 2 candidates of the one prompt
    assert steps["test_inputs"]["rows_out"] == 2
    assert steps["difficulty"]["rows_out"] == 2
    assert steps["chosen"]["dropped_by_reason"] == {"rejection: not the hardest": 1}

    rft = pl.read_parquet(out / "rft.parquet").row(0, named=True)
    assert rft["completion"] == [{"role": "assistant", "content": PROBLEM_A}]
    assert "Write ONE new problem" in rft["prompt"][0]["content"]
    assert rft["delta"] == pytest.approx(1 / 3)

    rl = pl.read_parquet(out / "rl.parquet").row(0, named=True)
    assert rl["problem"] == PROBLEM_A
    assert rl["tests"] == [{"input": "3\n", "output": "6\n"}, {"input": "10\n", "output": "55\n"},
                           {"input": "7\n", "output": "28\n"}]

    distill = pl.read_parquet(out / "distill.parquet").row(0, named=True)
    assert distill["completion"][0]["content"].startswith("Long reasoning first.")


def test_dropped_inputs_are_named_and_the_graph_is_saved(tmp_path: Path, scripted: OpenAIServer) -> None:
    _, out = run_quest(tmp_path, scripted)
    graph = pl.read_parquet(out / "concept_graph.parquet")  # save_graph's default, in the output folder
    # "Math" merges into its alias "mathematics": names are normalized before the graph is built.
    assert {"mathematics", "number theory", "arithmetic series", "modulo"} <= set(graph["source"]) | set(graph["target"])
    chosen = pl.read_parquet(out / "rft.parquet")
    assert chosen.height == 1
    rows = pl.concat([pl.read_parquet(path) for path in (out / ".pysynth" / "steps" / "test_inputs").rglob("shards/*.parquet")])
    assert all(dropped == ["empty"] for dropped in rows["inputs_dropped"].to_list())


def test_the_embedded_model_exports_a_problem_and_says_what_it_dropped(tmp_path: Path) -> None:
    """The file as shipped, on the real llama.cpp server with the embedded Qwen2.5-Coder-0.5B, with two
    concept sets (8 candidates) instead of one. A 0.5B model gets much wrong, and whatever it gets wrong
    must show up as named drops. Measured here, 7 of 16 candidates survived every stage (inputs that fit
    the format, two or more solutions that run), so 8 candidates leave a run without an export about
    once in 100 runs. The exports hold the chosen problems with their voted tests."""
    loaded = load_spec(QUEST_YAML, [], env={"QUEST_SEEDS": "4", "QUEST_PROMPTS": "2"})
    result = run_pipeline(compile_pipeline(loaded), tmp_path / "out")
    assert result.manifest.status == "completed"
    assert set(result.outputs) == {"rft", "rl", "distill"} and all(path.is_file() for path in result.outputs.values())
    steps = result.manifest.model_dump(mode="json")["steps"]
    assert steps["seeds"]["rows_out"] == 4 and steps["concepts"]["tokens"]["output"] > 0
    # Every answer or row that went in came out, or was dropped or failed with a reason (K answers per prompt).
    fan_out = {"concepts": 1, "problems": 4, "test_inputs": 1, "solutions": 1, "difficulty": 1, "rft": 1, "rl": 1,
               "teacher": 1, "distill": 1}
    for name, answers in fan_out.items():
        step = steps[name]
        assert step["rows_in"] * answers == step["rows_out"] + sum(step["dropped_by_reason"].values()) + step["failed"] * answers, name
    problems = pl.concat([pl.read_parquet(path) for path in (tmp_path / "out" / ".pysynth" / "steps" / "problems").rglob("shards/*.parquet")])
    assert set(problems["model_name"]) == {"qwen2.5-coder-0.5b-instruct"}
    rft, rl = pl.read_parquet(result.outputs["rft"]), pl.read_parquet(result.outputs["rl"])
    assert rft.height >= 1 and rl.height == rft.height, steps
    assert all(len(tests) >= 2 for tests in rl["tests"].to_list()), "min_counted_inputs: 2"
    assert set(rl["problem"]) == {row["completion"][0]["content"] for row in rft.iter_rows(named=True)}
