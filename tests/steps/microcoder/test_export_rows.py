"""The MicroCoder exports through the real runtime: load_problems -> map (the prompt) -> verify ->
rl and sft. The RL file loads with Hugging Face `datasets`, and `pysynth.code_reward` scores the
references 1.0 and wrong programs less on its `tests` column as loaded."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import datasets  # type: ignore[import-untyped]
import polars as pl
import pytest

from pysynth import code_reward
from pysynth.dag import compile_pipeline
from pysynth.errors import InputError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.export_rows import MicrocoderExport

FIXTURE = Path(__file__).resolve().parents[2] / "microcoder" / "fixtures" / "problems.jsonl"
INSTRUCTION = "Read the input from standard input and print the answer."
WRONG = {"mc-sum": "print(0)\n", "mc-max-planted": "print(0)\n",
         "mc-scale": "class Solution:\n    def scale(self, nums, k):\n        return nums\n"}


def with_prompt(row: dict[str, Any]) -> dict[str, Any]:
    """What the normalise stage adds (a format instruction), and a score the selection stage would."""
    return {"prompt": f"{row['statement']}\n\n{INSTRUCTION}", "predicted_difficulty": 0.25}


PIPELINE = f"""\
name: microcoder-exports
defaults: {{batch_size: 4}}
steps:
  - {{name: problems, type: load_problems, params: {{path: '{FIXTURE}', format: jsonl}}}}
  - name: prompts
    type: map
    params: {{function: "tests.steps.microcoder.test_export_rows:with_prompt",
              input_columns: [statement], output_columns: [prompt, predicted_difficulty]}}
  - {{name: verify, type: "pysynth.steps.microcoder.verify:Verify", params: {{on_disagreement: drop_tests}}}}
  - {{name: rl, type: "pysynth.steps.microcoder.export_rows:MicrocoderExport", params: {{kind: rl}}}}
  - {{name: sft, type: "pysynth.steps.microcoder.export_rows:MicrocoderExport", inputs: [verify],
      params: {{kind: sft}}}}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("microcoder")
    (directory / "pipeline.yaml").write_text(PIPELINE)
    result = run_pipeline(compile_pipeline(load_spec(directory / "pipeline.yaml")), directory / "out")
    assert result.manifest.status == "completed"
    return {**result.outputs, "cache": directory / "hf-cache"}


def test_the_rl_export_loads_with_datasets_and_holds_the_verified_problems(run: dict[str, Path]) -> None:
    loaded = datasets.load_dataset("parquet", data_files=str(run["rl"]), split="train", cache_dir=str(run["cache"]))
    assert sorted(loaded["id"]) == ["mc-max-planted", "mc-scale", "mc-sum"]
    assert {"id", "source", "prompt", "tests", "fn_name", "comparator", "predicted_difficulty", "difficulty",
            "date"} <= set(loaded.column_names)
    by_id = {row["id"]: row for row in loaded}
    assert by_id["mc-sum"]["prompt"].endswith(INSTRUCTION) and by_id["mc-sum"]["date"] == "2025-03-01"
    assert by_id["mc-sum"]["predicted_difficulty"] == 0.25 and by_id["mc-sum"]["difficulty"] == "easy"
    planted = json.loads(by_id["mc-max-planted"]["tests"])
    assert [test["input"] for test in planted] == ["3\n1 5 2\n", "2\n7 7\n", "4\n-3 -1 -2 -9\n"], \
        "verification removed the planted wrong test"
    assert (by_id["mc-scale"]["fn_name"], by_id["mc-scale"]["comparator"]) == ("scale", "call")
    assert by_id["mc-sum"]["fn_name"] is None and by_id["mc-sum"]["comparator"] == "tokens"


def test_code_reward_scores_the_loaded_rl_rows_as_they_are(run: dict[str, Path]) -> None:
    loaded = datasets.load_dataset("parquet", data_files=str(run["rl"]), split="train", cache_dir=str(run["cache"]))
    problems = {json.loads(line)["id"]: json.loads(line) for line in FIXTURE.read_text().splitlines()}
    completions, tests, names, expected = [], [], [], []
    for row in loaded:
        right = next(s["source"] for s in problems[row["id"]]["solutions"] if s["language"] == "python")
        for source, correct in ((right, True), (WRONG[row["id"]], False)):
            completions.append(f"```python\n{source}```")
            tests.append(row["tests"])
            names.append(row["fn_name"])
            expected.append((row["id"], correct))
    scores = code_reward(workers=2)(completions, tests=tests, fn_name=names)
    for (problem_id, correct), score in zip(expected, scores, strict=True):
        what = "the reference" if correct else "a wrong program"
        assert (score == 1.0) if correct else (score < 1.0), f"{problem_id}: {what} scores {score}"


def test_the_sft_export_pairs_each_prompt_with_its_first_verified_solution(run: dict[str, Path]) -> None:
    rows = {row["id"]: row for row in pl.read_parquet(run["sft"]).iter_rows(named=True)}
    assert sorted(rows) == ["mc-max-planted", "mc-scale", "mc-sum"]
    summed = rows["mc-sum"]
    statement = "Read two integers a and b on one line and print their sum."
    assert summed["prompt"] == [{"role": "user", "content": f"{statement}\n\n{INSTRUCTION}"}]
    assert summed["completion"] == [{"role": "assistant",
                                     "content": "```python\na, b = map(int, input().split())\nprint(a + b)\n```"}]
    assert "class Solution" in rows["mc-scale"]["completion"][0]["content"], "the Python one, not the C++ reference"


def export(**params: Any) -> MicrocoderExport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return MicrocoderExport(name="export", **params)


def test_sft_takes_the_solution_in_its_language_and_drops_rows_without_one() -> None:
    row = {"id": "x", "source": "fixture", "prompt": "Solve.",
           "verified_solutions": [{"language": "cpp", "source": "int main() {}\n"},
                                  {"language": "python", "source": "print(1)\n"}]}
    made = export(kind="sft", language="cpp").transform(row)
    assert isinstance(made, dict) and made["completion"][0]["content"] == "```cpp\nint main() {}\n```"
    assert export(kind="sft", language="java").transform(row) == Dropped("export: no verified solution",
                                                                         detail="none in java")


def test_a_missing_prompt_fails_the_row_naming_the_column() -> None:
    with pytest.raises(InputError, match="row 'x': statement: expected the prompt text"):
        export(kind="sft", prompt_column="statement").transform({"id": "x", "statement": " ", "verified_solutions": []})


def test_columns_follow_the_kind() -> None:
    assert export(kind="rl", prompt_column="statement").inputs[-1] == "statement"
    assert export(kind="sft").outputs == ["id", "source", "prompt", "completion"]
