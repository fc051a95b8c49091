"""The solve step: the normalised prompt sent as it is, k answers grouped, none constrained."""

from __future__ import annotations

from pysynth.llm import OpenAICompatibleLLM
from pysynth.steps.microcoder.solve import Solve

UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")


def test_the_prompt_column_is_sent_verbatim_and_answers_are_grouped() -> None:
    step = Solve(name="solve", llm=UNUSED_LLM)
    prompt = "Read n.\n\nRead the input from stdin and print the answer."
    assert step.prompt({"prompt": prompt}) == prompt
    assert step.group_generations and step.num_generations == 4
    assert step.answer_format() is None, "a program is not JSON"
    assert step.parse(None, {}) == {"solution_answers": ""}, "a missing answer is kept, scored 0 later"


def test_the_column_read_is_a_parameter() -> None:
    step = Solve(name="solve", llm=UNUSED_LLM, problem_column="statement", num_generations=2)
    assert step.inputs == ["statement"] and step.prompt({"statement": "S"}) == "S" and step.num_generations == 2
