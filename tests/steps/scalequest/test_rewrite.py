"""The rewrite step asks each row for the objective it reports, and parses answers into columns or drops."""

from __future__ import annotations

from pysynth.llm import OpenAICompatibleLLM
from pysynth.scalequest.qpo import PROMPTS, objective_for
from pysynth.steps.base import Dropped
from pysynth.steps.scalequest.rewrite import ScaleQuestRewrite

QUESTION = "Ann has 3 apples and buys 4 more. How many does she have?"


def rewrite_step(**params: object) -> ScaleQuestRewrite:
    return ScaleQuestRewrite(name="rewrite", llm=OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="m"),
                             **params)


def test_each_row_is_prompted_for_the_objective_its_output_names() -> None:
    step = rewrite_step(objective="mix", mix_ratio=0.5, seed=1)
    seen = set()
    for index in range(20):
        row = {"_row_id": f"src:{index}", "question": QUESTION}
        parsed = step.parse("Why.\nRewritten question: Ann has 3 apples, buys twice as many, eats 2. How many?", row)
        assert not isinstance(parsed, Dropped)
        objective = parsed["objective"]
        assert objective == objective_for(f"src:{index}", "mix", 0.5, 1)
        assert step.prompt(row).startswith(PROMPTS[objective].split("{question}")[0]), index
        seen.add(objective)
    assert seen == {"solvability", "difficulty"}, "20 rows at ratio 0.5 should ask for both"


def test_answers_without_a_new_question_are_dropped_with_their_reason() -> None:
    step = rewrite_step(objective="solvability")
    row = {"_row_id": "src:0", "question": QUESTION}
    assert step.parse(None, row) == Dropped("rewrite: no rewritten question")
    assert step.parse("It is fine.", row) == Dropped("rewrite: no rewritten question")
    assert step.parse(f"Fine.\nRewritten question:\n  {QUESTION.replace(' ', '  ')}", row) == Dropped("rewrite: unchanged")
