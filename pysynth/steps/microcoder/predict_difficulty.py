"""MicroCoder's difficulty prediction: the LLM scores each problem on weighted dimensions (JSON)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, Field, Strict, field_validator, model_validator

from pysynth.microcoder.difficulty import (
    DEFAULT_DIMENSIONS,
    DEFAULT_RUBRICS,
    DifficultyAnswer,
    UnusableScores,
    check_dimensions,
    difficulty_answer,
    parse_scores,
    render_prompt,
    weighted_difficulty,
)
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class PredictDifficulty(LLMStage):
    """`problem_column` -> `difficulty_scores` (an integer 1..10 per dimension, by name) and
    `predicted_difficulty`, their weighted mean rescaled to [0, 1]. Answers are constrained to a
    JSON object with every dimension; an answer missing one, or scoring outside 1..10, drops the
    problem under `predict: unusable answer` (the detail says which dimension)."""

    answer_schema: ClassVar[type[BaseModel] | None] = DifficultyAnswer

    problem_column: str = Field(default="prompt", description="The column holding the problem text the model judges.")
    dimensions: dict[str, Annotated[float, Strict()]] = Field(
        default_factory=lambda: dict(DEFAULT_DIMENSIONS),
        description="Dimension name (an identifier) -> positive weight; the mean divides by the weights' sum. "
                    "Default ours (the paper's five are unpublished): algorithmic_insight 0.3, "
                    "implementation_complexity 0.2, mathematical_depth 0.2, constraint_handling 0.15, edge_cases 0.15.")
    rubrics: dict[str, str] | None = Field(
        default=None,
        description="Dimension name -> what 1, 5 and 10 mean, shown in the prompt. Default ours, for the default "
                    "dimensions; a dimension without one gets a generic line.")

    @field_validator("dimensions")
    @classmethod
    def _usable_dimensions(cls, dimensions: dict[str, float]) -> dict[str, float]:
        return check_dimensions(dimensions)

    @model_validator(mode="after")
    def _rubrics_name_dimensions(self) -> PredictDifficulty:
        unknown = sorted(set(self.rubrics or {}) - set(self.dimensions))
        if unknown:
            raise ValueError(f"rubrics for dimensions that are not scored: {', '.join(unknown)} "
                             f"(dimensions: {', '.join(self.dimensions)})")
        return self

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.problem_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("difficulty_scores", "predicted_difficulty")

    def answer_format(self) -> type[BaseModel] | None:
        schema = super().answer_format()
        return difficulty_answer(tuple(self.dimensions)) if schema is DifficultyAnswer else schema

    def prompt(self, row: Row) -> str:
        rubrics = DEFAULT_RUBRICS if self.rubrics is None else self.rubrics
        return render_prompt(str(row[self.problem_column]), list(self.dimensions), rubrics)

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        scores = parse_scores(answer or "", list(self.dimensions))
        if isinstance(scores, UnusableScores):
            return Dropped("predict: unusable answer", detail=scores.detail)
        return {"difficulty_scores": scores, "predicted_difficulty": weighted_difficulty(scores, self.dimensions)}
