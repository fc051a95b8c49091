"""Rejection: of the K candidate problems of one generation prompt, keep the hardest valid one."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from typing import TYPE_CHECKING

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field

from pysynth.quest.difficulty import DifficultyScore, VotedInput
from pysynth.quest.rejection import ChosenCandidate, choose_hardest
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput


def _score(row: Row) -> DifficultyScore:
    voted = tuple(VotedInput(test["input"], test["output"], test["share"], test["valid"]) for test in row["tests"])
    return DifficultyScore(row["delta"], voted, len(row.get("inputs") or []), row["solutions_total"],
                           row["solutions_valid"])


class QuestReject(GlobalStep):
    """Groups the scored candidates by `group_column` and keeps the one with the largest delta
    (ties: more counting inputs, then the earlier candidate). The others are dropped under
    `rejection: not the hardest`, candidates with fewer than `min_counted_inputs` counting inputs
    under `rejection: too few counting inputs`."""

    group_column: str = Field(default="prompt_id", description="Rows with the same value are one prompt's candidates.")
    min_counted_inputs: int = Field(default=2, ge=1, description="Counting inputs a candidate needs to be kept.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.group_column, "delta", "tests"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["candidates_scored"]

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the chosen candidate, or why it was not chosen."""
        groups: dict[object, list[int]] = {}
        for position, row in enumerate(rows):
            groups.setdefault(row[self.group_column], []).append(position)
        decided: list[Row | Dropped] = [Dropped("rejection: not the hardest")] * len(rows)
        for positions in groups.values():
            choice = choose_hardest([_score(rows[p]) for p in positions], self.min_counted_inputs)
            if isinstance(choice, ChosenCandidate):
                chosen = positions[choice.index]
                decided[chosen] = {**rows[chosen], "candidates_scored": len(positions)}
            else:
                for position in positions:
                    decided[position] = Dropped("rejection: too few counting inputs")
        return decided

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]
