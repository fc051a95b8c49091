"""QueST stage 5: T solutions per problem from the solver, grouped into one list per problem."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pysynth.quest.code import render_solution_prompt
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class QuestSolutions(LLMStage):
    """`problem` -> `solution_answers`, the solver's T answers (`num_generations`) as a list. Every
    answer is kept, with or without code: `quest_difficulty` extracts the code and counts the
    answers that hold none."""

    language: Literal["python", "cpp"] = Field(default="python", description="Language the solutions are asked in.")
    group_generations: bool = Field(default=True, description="One row per problem with the T answers as a list.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["problem"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("solution_answers")

    def prompt(self, row: Row) -> str:
        return render_solution_prompt(str(row["problem"]), self.language)

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        return {"solution_answers": answer or ""}
