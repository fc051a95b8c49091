"""The responses stage: the authors' prompt, 5 per question, boxed finals only."""

from __future__ import annotations

from pysynth.llm import OpenAICompatibleLLM
from pysynth.steps.base import Dropped
from pysynth.steps.scalequest.responses import Responses

UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")


def test_five_responses_with_the_boxed_instruction() -> None:
    step = Responses(name="responses", llm=UNUSED_LLM)
    assert step.num_generations == 5 and not step.group_generations
    assert step.prompt({"question": "Q?"}) == "Q?\nPlease reason step by step, and put your final answer within \\boxed{}."


def test_a_response_keeps_its_final_and_one_without_is_dropped() -> None:
    step = Responses(name="responses", llm=UNUSED_LLM)
    assert step.parse("  2 + 2 = \\boxed{4}\n", {}) == {"response": "2 + 2 = \\boxed{4}", "response_answer": "4"}
    assert step.parse("The answer is 4.", {}) == Dropped("responses: no final answer", detail="The answer is 4.")
    assert step.parse(None, {}) == Dropped("responses: no final answer", detail="(no answer)")
