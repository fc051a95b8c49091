"""The solvability stage: our prompt, and the final yes/no read from the solver's answer."""

from __future__ import annotations

from pysynth.llm import OpenAICompatibleLLM
from pysynth.steps.base import Dropped
from pysynth.steps.scalequest.solvability import Solvability

UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")
ROW = {"question": "A rope 12 m long is cut into 3 equal pieces. How long is each piece?"}


def test_the_prompt_holds_the_question_and_asks_for_a_last_line_verdict() -> None:
    step = Solvability(name="solvability", llm=UNUSED_LLM)
    prompt = step.prompt(ROW)
    assert prompt.endswith(f"Problem: {ROW['question']}") and "last line: Yes or No" in prompt
    assert step.answer_format() is None, "the verdict is free text, read after the reasoning"


def test_a_final_yes_keeps_the_question() -> None:
    step = Solvability(name="solvability", llm=UNUSED_LLM)
    assert step.parse("Each piece is 4 m; the problem is complete.\nYes", ROW) == {"solvable": True}


def test_a_final_no_drops_it_even_after_an_earlier_yes() -> None:
    step = Solvability(name="solvability", llm=UNUSED_LLM)
    answer = "Yes, it looks like a math problem, but the length is missing. No"
    assert step.parse(answer, ROW) == Dropped("solvability: judged unsolvable", detail=answer)


def test_an_answer_without_a_verdict_is_dropped_with_its_tail() -> None:
    step = Solvability(name="solvability", llm=UNUSED_LLM)
    answer = "x" * 300 + " I asked yesterday and cannot decide"
    dropped = step.parse(answer, ROW)
    assert isinstance(dropped, Dropped) and dropped.reason == "solvability: no final yes/no"
    assert dropped.detail == answer[-200:]
    assert step.parse(None, ROW) == Dropped("solvability: no final yes/no", detail="(no answer)")
