"""pipelines/microcoder.yaml as shipped, end to end through the real runtime and the judge.

The first tests use a scripted model over the real OpenAI wire protocol, so every count is known:
the 12 shipped problems lose one near-duplicate (Apple Orchard, in two files), two to
decontamination (Bit Garden, planted in the stand-in benchmark; a LiveCodeBench problem dated after
the cut-off) and two to verification (their references are broken). The model rates the two easy
TACO problems lowest and answers them with their reference solutions, the others with a wrong
program, so calibration sees pass rates fall as predicted difficulty rises, and selection removes
exactly the two easy ones. The last test runs the file on the embedded model.
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
from pysynth.problems import load_problems
from pysynth.rewards import code_reward
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.support.openai_server import OpenAIServer

PIPELINES = Path(__file__).resolve().parents[3] / "pipelines"
EASY = {"taco-0": 2, "taco-1": 3}  # the problems the model finds easy, with the score it gives
HARD_SCORE = 8


def problems() -> dict[str, Any]:
    return {problem.id: problem for name, layout in (("taco", "taco"), ("code_contests", "code_contests"),
                                                     ("livecodebench", "livecodebench"))
            for problem in load_problems(PIPELINES / "data" / "microcoder" / f"{name}.jsonl", layout).problems}


def script() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for problem_id, problem in problems().items():
        marker = problem.statement[:50]
        score = EASY.get(problem_id, HARD_SCORE)
        rules.append({"match": ["Dimensions and rubric", marker],
                      "replies": [json.dumps(dict.fromkeys(DEFAULT_DIMENSIONS, score))]})
        answer = problem.solutions[0].source if problem_id in EASY else "print('no idea')\n"
        rules.append({"match": marker, "replies": [f"Solution:\n```python\n{answer}```"]})
    return rules


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    out = tmp_path_factory.mktemp("microcoder") / "out"
    with OpenAIServer(script=script()) as server:
        overrides = ["defaults.llm.backend=openai", f"defaults.llm.base_url={server.base_url}",
                     "defaults.llm.model=test-model", "defaults.llm.local=null"]
        result = run_pipeline(compile_pipeline(load_spec(PIPELINES / "microcoder.yaml", overrides)), out)
    assert result.manifest.status == "completed", result.manifest.error
    yield result.manifest.model_dump(mode="json"), out


def test_each_stage_drops_what_it_should_and_names_why(scripted_run: tuple[dict[str, Any], Path]) -> None:
    steps = scripted_run[0]["steps"]
    assert steps["collect"]["rows_out"] == 12
    assert steps["dedup"]["dropped_by_reason"] == {"near duplicate": 1}
    assert steps["decontaminate"]["dropped_by_reason"] == {
        "decontaminate: near-duplicate of a benchmark problem": 1, "decontaminate: dated after the cut-off": 1}
    assert steps["verify"]["dropped_by_reason"] == {"verify: no reference passes": 2}
    assert steps["verify"]["rows_out"] == 7 and steps["predict"]["rows_out"] == 7
    assert steps["select"]["dropped_by_reason"] == {"select: too easy": 2}
    assert steps["rl"]["rows_out"] == 5
    # LiveCodeBench problems ship no solutions: kept unverified for RL, without an SFT target.
    assert steps["sft"]["dropped_by_reason"] == {"export: no verified solution": 3} and steps["sft"]["rows_out"] == 2

    decontaminated = pl.read_parquet(scripted_run[1] / "dropped" / "decontaminate.parquet")
    details = dict(zip(decontaminated["id"], decontaminated["drop_detail"]))
    assert details["2002_D. Bit Garden"].startswith("benchmark.jsonl:1 (id bench-1), jaccard ")
    assert details["9102"] == "dated 2025-03-09, after 2025-03-01"
    verified = pl.read_parquet(scripted_run[1] / "dropped" / "verify.parquet")
    assert set(verified["id"]) == {"taco-2", "2002_C. Lucky Pairs"}


def test_calibration_and_selection_are_reported_in_the_manifest(scripted_run: tuple[dict[str, Any], Path]) -> None:
    steps = scripted_run[0]["steps"]
    calibration = steps["calibrate"]["report"]
    assert calibration["rows"] == 7 and calibration["measured"] == 6
    assert calibration["spearman_rho"] < -0.5  # harder predicted, lower pass rate
    selection = steps["select"]["report"]
    assert (selection["rows_before"], selection["rows_after"], selection["removed"]) == (7, 5, 2)
    assert selection["by_difficulty"]["easy"]["before"] >= 1


def test_the_rl_export_is_scored_by_the_reward_as_it_stands(scripted_run: tuple[dict[str, Any], Path]) -> None:
    rl = pl.read_parquet(scripted_run[1] / "rl.parquet")
    assert set(rl["id"]) == {"taco-3", "2002_B. Signal Towers", "abc950_a", "9101", "2095_B"}
    by_id = {row["id"]: row for row in rl.to_dicts()}
    reference = problems()["taco-3"].solutions[0].source
    row = by_id["taco-3"]
    reward = code_reward(language="python")
    scores = reward([f"```python\n{reference}```", "```python\nprint(1)\n```"],
                    tests=[row["tests"]] * 2, fn_name=[row["fn_name"]] * 2)
    assert scores[0] == 1.0 and scores[1] < 1.0
    sft = pl.read_parquet(scripted_run[1] / "sft.parquet").to_dicts()
    assert {entry["id"] for entry in sft} == {"taco-3", "2002_B. Signal Towers"}
    assert all(entry["completion"][0]["content"].startswith("```python\n") for entry in sft)


def test_the_embedded_model_runs_every_stage_and_writes_both_exports(tmp_path: Path) -> None:
    """The file as shipped on the real llama.cpp server with the embedded 0.5B model (answers shortened
    for time): its predictions and solutions are weak, but every stage runs, the calibration is
    reported, and both exports are written; whatever is dropped is counted under a reason."""
    shorter = ["steps.solve.llm.generation.max_tokens=300"]
    result = run_pipeline(compile_pipeline(load_spec(PIPELINES / "microcoder.yaml", shorter)), tmp_path / "out")
    assert result.manifest.status == "completed", result.manifest.error
    assert set(result.outputs) == {"rl", "sft"} and all(path.is_file() for path in result.outputs.values())
    steps = result.manifest.model_dump(mode="json")["steps"]
    assert steps["verify"]["rows_out"] == 7, "the stages before the model are deterministic"
    assert steps["predict"]["tokens"]["output"] > 0 and steps["solve"]["tokens"]["output"] > 0
    for name in ("predict", "pass_rate", "select", "rl", "sft"):
        step = steps[name]
        assert step["rows_in"] == step["rows_out"] + step["dropped"] + step["failed"], name
    assert steps["calibrate"]["report"]["measured"] >= 3
