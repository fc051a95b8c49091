"""MicroCoder's calibration solver: k answers per problem of the calibration subset, as one list."""

from __future__ import annotations

from distilabel.mixins.runtime_parameters import RuntimeParameter
from pydantic import Field

from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class Solve(LLMStage):
    """`problem_column` -> `solution_answers`, the solver's k answers (`num_generations`) as a list.
    The prompt is the column's text as it is: the normalised prompt already says how to answer
    (read stdin, or define the function). Every answer is kept, with or without code:
    `microcoder_pass_rate` scores an answer without code 0 and counts it."""

    problem_column: str = Field(default="prompt", description="The column holding the prompt the solver answers.")
    num_generations: RuntimeParameter[int] = Field(default=4, description="k: answers sampled per problem. Default ours.")
    group_generations: bool = Field(default=True, description="One row per problem with the k answers as a list.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.problem_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("solution_answers")

    def prompt(self, row: Row) -> str:
        return str(row[self.problem_column])

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        return {"solution_answers": answer or ""}
