"""Keep a generated problem's text; drop answers that are unfinished, empty or too short to be one."""

from __future__ import annotations

from pydantic import Field

from pysynth.quest.answers import final_answer
from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class QuestParseProblem(RowStep):
    """`column` (the generator's answer) -> `problem`, the text after any <think> section. Rows are
    dropped under `problem: ...` when the reasoning never ends or the text is shorter than
    `min_chars` (a statement with formats, constraints and an example is longer)."""

    column: str = Field(default="problem_answer", description="The generator's answer.")
    min_chars: int = Field(default=120, ge=1, description="Shorter answers are not problems.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["problem"]

    def transform(self, row: Row) -> RowResult:
        answer = row.get(self.column)
        if not isinstance(answer, str):
            return Dropped("problem: no answer")
        text = final_answer(answer)
        if text is None:
            return Dropped("problem: the answer stops inside its <think> section")
        text = text.strip()
        if len(text) < self.min_chars:
            return Dropped(f"problem: shorter than {self.min_chars} characters")
        return {**row, "problem": text}
