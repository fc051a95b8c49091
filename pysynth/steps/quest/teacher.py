"""QueST's distillation stage: a teacher's long reasoning and solution for each chosen problem."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from pysynth.quest.code import render_solution_prompt
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs

DISTILL_SUFFIX = ("\n\nReason step by step at length before the code: analyse the constraints, consider "
                  "and reject naive approaches, and prove the chosen algorithm correct.")


class QuestTeacher(LLMStage):
    """`problem` -> `distill_answer`, with the prompt kept as `distill_prompt` (the training prompt of
    `quest_export kind: distill`, which drops answers without a finished code block)."""

    prompt_column: ClassVar[str | None] = "distill_prompt"
    language: Literal["python", "cpp"] = Field(default="python", description="Language the solution is asked in.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["problem"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("distill_answer", prompt_column=self.prompt_column)

    def prompt(self, row: Row) -> str:
        return render_solution_prompt(str(row["problem"]), self.language) + DISTILL_SUFFIX

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        if answer is None:
            return Dropped("distill: no answer")
        return {"distill_answer": answer}
