"""The solver's k answers to each question, reduced to their final answers, for its fail rate."""

from __future__ import annotations

from distilabel.mixins.runtime_parameters import RuntimeParameter
from pydantic import Field

from pysynth.scalequest.answers import extract_boxed
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs

# The authors' response instruction (`src/data_generation/gen.py`, `res_generation_template`), joined to
# the question by a newline as there.
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


def boxed_prompt(question: object) -> str:
    """The question followed by the authors' step-by-step, `\\boxed{}` instruction."""
    return f"{question}\n{BOXED_INSTRUCTION}"


class FailRateAnswers(LLMStage):
    """`question_column` -> `answers`: the finals (last `\\boxed{}`) of the solver's k answers
    (`num_generations`), None for an answer without one, as one list per question. Every answer is
    kept, so an answer without a final counts as a failure: `scalequest_fail_rate_band` then labels
    the question and keeps it by its fail rate.

    Why two steps: `parse` sees one answer at a time and the runtime groups the parsed answers after
    it (`runtime/kernels.py`), so the vote over all k, and the drop it decides, belong to the row
    step that reads the grouped list."""

    question_column: str = Field(default="question", description="The column holding the question text.")
    num_generations: RuntimeParameter[int] = Field(default=8, description="k: answers sampled per question. Default ours.")
    group_generations: bool = Field(default=True, description="One row per question with the k finals as a list.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.question_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("answers")

    def prompt(self, row: Row) -> str:
        return boxed_prompt(row[self.question_column])

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        return {"answers": extract_boxed(answer or "")}
