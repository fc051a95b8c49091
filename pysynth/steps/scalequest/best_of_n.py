"""ScaleQuest's best-of-N: keep each question's highest-reward response."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
import math
from typing import TYPE_CHECKING, Any, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.errors import InputError
from pysynth.runtime.frames import ROW_ID
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

NOT_BEST = "best-of-n: not the best response"


class BestOfN(GlobalStep):
    """Per group of rows with the same `group_column` (the question), keeps the row with the highest
    `reward_column` (on a tie, the first in input order) and drops the others under
    `best-of-n: not the best response`, the detail giving the row's reward and the kept one's. The
    paper keeps the best of five responses by internlm2-7b-reward. A row without a numeric reward
    fails the step, naming the row. The manifest's `report`: groups, rows before and after."""

    # What `pysynth steps` shows: rows pass through, all but one per group dropped.
    columns_help: ClassVar[tuple[str, str]] = ("`group_column`, `reward_column`",
                                               "the input's (one row per group kept)")

    group_column: str = Field(default="question", description="Rows with equal values compete.")
    reward_column: str = Field(default="reward", description="The score compared; higher is better.")

    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.group_column, self.reward_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the row if it is its group's best, else why it was dropped."""
        rewards = [self._reward(row) for row in rows]
        best: dict[str, int] = {}  # group key -> index of its best row so far
        for index, row in enumerate(rows):
            key = self._group(row)
            if key not in best or rewards[index] > rewards[best[key]]:  # strict: the first of equals wins
                best[key] = index
        winners = set(best.values())
        decided: list[Row | Dropped] = []
        for index, row in enumerate(rows):
            if index in winners:
                decided.append(row)
                continue
            winner = best[self._group(row)]
            decided.append(Dropped(NOT_BEST, detail=_detail(rewards[index], rewards[winner],
                                                            rows[winner].get(ROW_ID, winner))))
        self._report = {"groups": len(best), "rows_before": len(rows), "rows_after": len(winners)}
        return decided

    def report(self) -> dict[str, Any]:
        """Counts of the last `select`; JSON values only."""
        return dict(self._report)

    def _group(self, row: Row) -> str:
        # Grouped by text: a question column may hold any JSON value, compared as its repr.
        value = row.get(self.group_column)
        return value if isinstance(value, str) else repr(value)

    def _reward(self, row: Row) -> float:
        value = row.get(self.reward_column)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"best_of_n step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: "
                             f"'{self.reward_column}' is {value!r}, not a number (does reward_score come before it?)")
        return float(value)

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]


def _detail(reward: float, best: float, winner: object) -> str:
    if reward < best:
        return f"reward {reward:.4f} < best {best:.4f} (row {winner})"
    return f"reward {reward:.4f} ties the best {best:.4f} of row {winner}, kept as the first"
