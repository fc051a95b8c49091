"""ScaleQuest's responses: several step-by-step solutions per kept question, each one row."""

from __future__ import annotations

from distilabel.mixins.runtime_parameters import RuntimeParameter
from pydantic import Field

from pysynth.scalequest.answers import extract_boxed
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs
from pysynth.steps.scalequest.fail_rate import boxed_prompt


class Responses(LLMStage):
    """`question_column` -> one row per response: `response` (the solution, stripped) and
    `response_answer` (its final, the last `\\boxed{}`). The prompt is the authors' (the question,
    then "Please reason step by step, and put your final answer within \\boxed{}."), 5 responses per
    question as theirs; the reward model keeps the best later. A response without a boxed final is
    dropped "responses: no final answer" (the authors also keep "the answer is ..." phrasings,
    whose answer nothing downstream could read)."""

    question_column: str = Field(default="question", description="The column holding the question text.")
    num_generations: RuntimeParameter[int] = Field(default=5, description="Responses per question (the authors' 5).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.question_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("response", "response_answer")

    def prompt(self, row: Row) -> str:
        return boxed_prompt(row[self.question_column])

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        response = (answer or "").strip()
        final = extract_boxed(response)
        if final is None:
            return Dropped("responses: no final answer", detail=response[-200:] or "(no answer)")
        return {"response": response, "response_answer": final}
