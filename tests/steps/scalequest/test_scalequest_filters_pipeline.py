"""load_file -> language -> solvability -> fail-rate answers -> band -> responses, through the real
runtime over real HTTP with a scripted model, so every drop count is known.

Eight hand-written questions: one blank and one with a non-ASCII character go at the language
filter; the solver calls one "No" and gives no verdict on another; of the four judged solvable, one
never boxes an answer, one has four different answers (fail rate 0.75, above the band's 0.5), and
two are kept. The fail-rate and responses stages send the same prompt; each request's choices take
the replies in order, so the responses stage (n = 2) sees the first two of each script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.support.openai_server import OpenAIServer

STEPS = "pysynth.steps.scalequest"
QUESTIONS = {
    "bags": "BAGS. A baker packs 24 rolls into bags of 6 rolls each. How many bags does she fill?",
    "blank": "   ",
    "accent": "CAFE. A café sells 3 teas at 2 dollars each. What do they cost together?",
    "colour": "COLOUR. What colour is the feeling of a quiet morning?",
    "vague": "VAGUE. A number is larger than another number. Which is it?",
    "boxless": "TILES. A floor is 5 tiles wide and 7 tiles long. How many tiles cover it?",
    "scattered": "SCATTER. Pick a positive integer n with a property we do not name. What is n?",
    "tens": "TENS. What is 7 + 3?",
}
SOLVABLE = "Every condition is given and the answer is definite.\nYes"
SCRIPT: list[dict[str, Any]] = [
    {"match": ["valuable math problem", "COLOUR."], "replies": ["This is not a math problem. No."]},
    {"match": ["valuable math problem", "VAGUE."], "replies": ["Hard to say without more detail."]},
    {"match": "valuable math problem", "replies": [SOLVABLE]},
    # 4, 4.0 and 8/2 are one answer: the majority has 3 of 4 (fail rate 0.25).
    {"match": "BAGS.", "replies": ["24 / 6 = \\boxed{4}", "I think it is four bags.", "\\boxed{4.0}",
                                   "\\boxed{\\frac{8}{2}}"]},
    {"match": "TILES.", "replies": ["It is 35 tiles."]},
    {"match": "SCATTER.", "replies": ["\\boxed{1}", "\\boxed{2}", "\\boxed{3}", "\\boxed{4}"]},
    {"match": "TENS.", "replies": ["7 + 3 = \\boxed{10}"]},
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("scalequest")
    rows = "".join(json.dumps({"id": key, "question": text}) + "\n" for key, text in QUESTIONS.items())
    (folder / "questions.jsonl").write_text(rows)
    defaults: dict[str, Any] = {"batch_size": 3}
    spec = {"name": "scalequest_filters", "defaults": defaults, "steps": [
        {"name": "src", "type": "load_file", "params": {"path": "questions.jsonl"}},
        {"name": "language", "type": f"{STEPS}.language_filter:LanguageFilter"},
        {"name": "solvability", "type": f"{STEPS}.solvability:Solvability",
         "llm": {"generation": {"temperature": 0.0}}},
        {"name": "fail_rate", "type": f"{STEPS}.fail_rate:FailRateAnswers", "params": {"num_generations": 4}},
        {"name": "band", "type": f"{STEPS}.fail_rate_band:FailRateBand", "params": {"max_fail_rate": 0.5}},
        {"name": "responses", "type": f"{STEPS}.responses:Responses", "params": {"num_generations": 2}},
    ]}
    with OpenAIServer(script=SCRIPT) as server:
        defaults["llm"] = {"base_url": server.base_url, "model": "test-model"}
        path = folder / "pipeline.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = run_pipeline(compile_pipeline(load_spec(path)), folder / "out")
    assert result.manifest.status == "completed", result.manifest.error
    return result.manifest.model_dump(mode="json"), folder / "out"


def test_each_filter_drops_what_it_should_under_its_reason(run: tuple[dict[str, Any], Path]) -> None:
    steps = run[0]["steps"]
    assert steps["language"]["dropped_by_reason"] == {"language: empty question": 1, "language: not ASCII": 1}
    assert steps["solvability"]["dropped_by_reason"] == {
        "solvability: judged unsolvable": 1, "solvability: no final yes/no": 1}
    assert steps["fail_rate"]["rows_out"] == 4 and not steps["fail_rate"]["dropped_by_reason"]
    assert steps["band"]["dropped_by_reason"] == {
        "fail rate: no answer has a final": 1, "fail rate: outside the band": 1}
    assert steps["responses"]["dropped_by_reason"] == {"responses: no final answer": 1}
    assert steps["responses"]["rows_out"] == 3


def test_the_kept_questions_carry_their_label_rate_and_responses(run: tuple[dict[str, Any], Path]) -> None:
    responses = pl.read_parquet(run[1] / "responses.parquet").sort("_row_id").to_dicts()
    assert [(row["id"], row["response_answer"]) for row in responses] == [("bags", "4"), ("tens", "10"),
                                                                          ("tens", "10")]
    bags, tens = responses[0], responses[1]
    assert bags["response"] == "24 / 6 = \\boxed{4}"
    assert bags["answers"] == ["4", None, "4.0", "\\frac{8}{2}"]
    assert (bags["label"], bags["agreeing"], bags["fail_rate"]) == ("4", 3, 0.25)
    assert (tens["label"], tens["agreeing"], tens["fail_rate"]) == ("10", 4, 0.0)
    assert all(row["solvable"] for row in responses)


def test_drop_records_name_the_character_the_rate_and_the_answer(run: tuple[dict[str, Any], Path]) -> None:
    dropped = {name: {row["id"]: row["drop_detail"] for row in pl.read_parquet(path).to_dicts()}
               for name, path in ((p.stem, p) for p in (run[1] / "dropped").glob("*.parquet"))}
    assert dropped["language"]["accent"] == "'é' (U+00E9) at position 11"
    assert dropped["solvability"]["colour"] == "This is not a math problem. No."
    assert dropped["band"]["scattered"] == "0.750 not in [0.0, 0.5]"
