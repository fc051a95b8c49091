"""pipelines/scalequest.yaml as shipped, end to end through the real runtime.

A scripted model over the real OpenAI wire protocol makes every count known. It answers every
pre-query request alike, so the run sends one request for nine questions (the file's four requests
of four would only repeat them), and each stage then has one question to drop:

| question | dropped at | why |
|---|---|---|
| blank | prequery | empty question |
| CAFE (an accent) | language | not ASCII |
| COLOUR | solvability | judged unsolvable |
| TILES | fail_rate_band | no answer has a final |
| BAGS, a second time | near_dedup | near duplicate |
| the farmer (GSM8K stand-in, one word changed) | decontaminate_gsm8k | near-duplicate |
| the triangle (MATH stand-in, verbatim) | decontaminate_math | near-duplicate |

BAGS and TENS remain: BAGS is rewritten into a preference pair, TENS gets no rewrite; each gets
two responses, one of TENS's without a final, and best-of-N by agreement keeps one per question.
The last test runs the file on the embedded model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.runtime.frames import ROW_ID
from pysynth.scalequest.templates import NAMED
from pysynth.spec import load_spec
from pysynth.steps.scalequest.fail_rate import BOXED_INSTRUCTION
from tests.support.openai_server import OpenAIServer

PIPELINE = Path(__file__).resolve().parents[3] / "pipelines" / "scalequest.yaml"
BAGS = "BAGS. A baker packs 24 rolls into bags of 6 rolls each. How many bags does she fill?"
TENS = "TENS. What is 7 + 3?"
HARDER_BAGS = ("BAGS. A baker packs 24 rolls into bags of 6 and sells each bag for 3 dollars. "
               "How many dollars does she take?")
QUESTIONS = [
    "  \n",
    "CAFE. A café sells 3 teas at 2 dollars each. What do they cost together?",
    "COLOUR. What colour is the feeling of a quiet morning?",
    "TILES. A floor is 5 tiles wide and 7 tiles long. How many tiles cover it?",
    BAGS,
    BAGS,
    # data/scalequest/gsm8k_test.jsonl:1 with "a" for "his"; math_test.jsonl:2 verbatim.
    ("A farmer plants 8 rows of apple trees with 12 trees in each row. He sells 15 trees to his neighbour. "
     "How many trees does he have left?"),
    "The lengths of the legs of a right triangle are 9 and 40. What is the length of its hypotenuse?",
    TENS,
]
SCRIPT: list[dict[str, Any]] = [
    {"match": "<|im_start|>user\n", "replies": [f"{question}<|im_end|>\n<|im_start|>assistant\n" for question in QUESTIONS]},
    {"match": ["valuable math problem", "COLOUR."], "replies": ["A feeling has no colour, so no.\nNo"]},
    {"match": "valuable math problem", "replies": ["Every quantity is given.\nYes"]},
    {"match": ["automatic question generator", "BAGS."],
     "replies": [f"It needs a second step.\nRewritten question: {HARDER_BAGS}"]},
    {"match": ["automatic question generator", "TENS."], "replies": ["It is fine as it is."]},
    {"match": "BAGS.", "replies": ["24 / 6 = \\boxed{4}", "\\boxed{4.0}"]},
    {"match": "TENS.", "replies": ["7 + 3 = \\boxed{10}", "It is eleven, I think."]},
    {"match": "TILES.", "replies": ["It is 35 tiles."]},
    {"match": BOXED_INSTRUCTION, "replies": ["\\boxed{1}"]},
]


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("scalequest") / "out"
    with OpenAIServer(script=SCRIPT) as server:
        overrides = ["defaults.llm.backend=openai", f"defaults.llm.base_url={server.base_url}",
                     "defaults.llm.model=test-model", "defaults.llm.local=null",
                     "steps.requests.params.count=1", f"steps.prequery.params.num_generations={len(QUESTIONS)}"]
        result = run_pipeline(compile_pipeline(load_spec(PIPELINE, overrides)), out)
    assert result.manifest.status == "completed", result.manifest.error
    assert set(result.outputs) == {"qpo_pairs", "sft"}
    return result.manifest.model_dump(mode="json"), out


def test_each_stage_drops_one_question_under_its_reason(scripted_run: tuple[dict[str, Any], Path]) -> None:
    steps = scripted_run[0]["steps"]
    drops = {name: steps[name]["dropped_by_reason"] for name in (
        "prequery", "language", "solvability", "fail_rate", "fail_rate_band", "near_dedup", "decontaminate_gsm8k",
        "decontaminate_math", "rewrite", "responses", "best_of_n")}
    assert drops == {
        "prequery": {"prequery: empty question": 1},
        "language": {"language: not ASCII": 1},
        "solvability": {"solvability: judged unsolvable": 1},
        "fail_rate": {},
        "fail_rate_band": {"fail rate: no answer has a final": 1},
        "near_dedup": {"near duplicate": 1},
        "decontaminate_gsm8k": {"decontaminate: near-duplicate of a benchmark problem": 1},
        "decontaminate_math": {"decontaminate: near-duplicate of a benchmark problem": 1},
        "rewrite": {"rewrite: no rewritten question": 1},
        "responses": {"responses: no final answer": 1},
        "best_of_n": {"best-of-n: not the best response": 1},
    }
    assert [steps[name]["rows_out"] for name in ("prequery", "decontaminate_math", "qpo_pairs", "responses", "sft")] \
        == [8, 2, 1, 3, 2]
    for name, step in steps.items():  # every row in is accounted for, save where one row becomes several
        if name not in {"requests", "prequery", "responses"}:
            assert step["rows_in"] == step["rows_out"] + step["dropped"] + step["failed"], name


def test_the_decontamination_drops_name_the_test_set_line(scripted_run: tuple[dict[str, Any], Path]) -> None:
    dropped = scripted_run[1] / "dropped"
    gsm8k = pl.read_parquet(dropped / "decontaminate_gsm8k.parquet")["drop_detail"].to_list()
    math = pl.read_parquet(dropped / "decontaminate_math.parquet")["drop_detail"].to_list()
    assert len(gsm8k) == 1 and gsm8k[0].startswith("gsm8k_test.jsonl:1, jaccard 0.")
    assert math == ["math_test.jsonl:2, jaccard 1.00"]


def test_the_exports_are_trl_datasets(scripted_run: tuple[dict[str, Any], Path]) -> None:
    pairs = pl.read_parquet(scripted_run[1] / "qpo_pairs.parquet").drop(ROW_ID, strict=False)
    system = yaml.safe_load(PIPELINE.read_text())["steps"][1]["params"]["system_prompt"]
    pre_query = NAMED["qwen"].with_system(system).text  # the shipped file steers the embedded model
    assert pairs.select("prompt", "chosen", "rejected").rows() == [(pre_query, HARDER_BAGS, BAGS)]
    sft = sorted(pl.read_parquet(scripted_run[1] / "sft.parquet").drop(ROW_ID, strict=False).to_dicts(),
                 key=lambda row: row["prompt"][0]["content"])
    assert [(row["prompt"], row["completion"]) for row in sft] == [
        ([{"role": "user", "content": BAGS}], [{"role": "assistant", "content": "24 / 6 = \\boxed{4}"}]),
        ([{"role": "user", "content": TENS}], [{"role": "assistant", "content": "7 + 3 = \\boxed{10}"}]),
    ]


def test_the_embedded_model_runs_every_stage_and_names_what_it_dropped(tmp_path: Path) -> None:
    """The file as shipped on the real llama.cpp server with the embedded 0.5B model: a weak question
    generator, so few questions survive, but the pre-query reaches the completions api with its stop
    strings, every stage runs, and whatever goes is counted under a reason."""
    result = run_pipeline(compile_pipeline(load_spec(PIPELINE)), tmp_path / "out")
    assert result.manifest.status == "completed", result.manifest.error
    steps = result.manifest.model_dump(mode="json")["steps"]
    assert steps["prequery"]["rows_in"] == 4 and steps["prequery"]["rows_out"] + steps["prequery"]["dropped"] == 16
    assert steps["prequery"]["tokens"]["output"] > 0
    shards = sorted((tmp_path / "out" / ".pysynth" / "steps" / "prequery").glob("*/shards/*.parquet"))
    questions = pl.concat([pl.read_parquet(shard) for shard in shards])["question"].to_list() if shards else []
    assert len(questions) == steps["prequery"]["rows_out"]
    assert all("<|im_start|>" not in question and "<|im_end|>" not in question for question in questions)
    for name, step in steps.items():
        if step["rows_in"] and name not in {"prequery", "responses"}:
            assert step["rows_in"] == step["rows_out"] + step["dropped"] + step["failed"], name
            assert step["failed"] == 0, (name, step)
    assert set(result.outputs) == {"qpo_pairs", "sft"} and all(path.is_file() for path in result.outputs.values())
