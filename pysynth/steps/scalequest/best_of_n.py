"""ScaleQuest's best-of-N: keep each question's highest-reward response (or, without a reward model,
its most agreed-upon one)."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
import math
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.errors import InputError
from pysynth.runtime.frames import ROW_ID
from pysynth.scalequest.answers import equivalence_classes, read_answer
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

NOT_BEST = "best-of-n: not the best response"
AGREEMENT_COLUMN = "agreement"


class BestOfN(GlobalStep):
    """Per group of rows with the same `group_column` (the question), keeps the row with the highest
    `reward_column` (on a tie, the first in input order) and drops the others under
    `best-of-n: not the best response`, the detail giving the row's reward and the kept one's. The
    paper keeps the best of five responses by internlm2-7b-reward. A row without a numeric reward
    fails the step, naming the row. The manifest's `report`: groups, rows before and after.

    `by: agreement` is a model-free stand-in for the reward model, for machines without one (ours, NOT
    the paper's method): a response's score, written to `agreement`, is the share of its question's
    responses whose final (`answer_column`) is equivalent to its own (`pysynth.scalequest.answers`:
    equal normalised text or math-verify), so the kept row is one of the majority answer's, i.e.
    majority-vote best-of-N. It prefers consistent answers, not well-written ones, and cannot tell a
    unanimous wrong answer from a right one. A row without a final fails the step, naming the row."""

    # What `pysynth steps` shows: rows pass through, all but one per group dropped.
    columns_help: ClassVar[tuple[str, str]] = (
        "`group_column`, and by `by`: reward: `reward_column`; agreement: `answer_column`",
        "the input's (one row per group kept); agreement: and `agreement`")

    group_column: str = Field(default="question", description="Rows with equal values compete.")
    by: Literal["reward", "agreement"] = Field(default="reward", description=(
        "reward: `reward_column` (the paper's, from a reward model); agreement: the share of the group's "
        "responses with an equivalent final answer (majority vote, ours: see the class docstring)."))
    reward_column: str = Field(default="reward", description="by reward: the score compared; higher is better.")
    answer_column: str = Field(default="response_answer", description="by agreement: each response's final answer.")

    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.group_column, self.reward_column if self.by == "reward" else self.answer_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return [AGREEMENT_COLUMN] if self.by == "agreement" else []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the row if it is its group's best, else why it was dropped."""
        if self.by == "agreement":
            rows, rewards = self._agreement(rows)
        else:
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
            decided.append(Dropped(NOT_BEST, detail=_detail(self.by, rewards[index], rewards[winner],
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

    def _agreement(self, rows: list[Row]) -> tuple[list[Row], list[float]]:
        """The rows with their `agreement` added, and those scores: per group, the size of the row's
        equivalence class over the group's size."""
        finals = [read_answer(self._final(row)) for row in rows]
        groups: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(self._group(row), []).append(index)
        scores = [0.0] * len(rows)
        for members in groups.values():
            for home in equivalence_classes([finals[index] for index in members]):
                for position in home:
                    scores[members[position]] = len(home) / len(members)
        return [{**row, AGREEMENT_COLUMN: score} for row, score in zip(rows, scores, strict=True)], scores

    def _final(self, row: Row) -> str:
        value = row.get(self.answer_column)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"best_of_n step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: "
                             f"'{self.answer_column}' is {repr(value)[:80]}, not a final answer "
                             "(does responses come before it?)")
        return value

    def _reward(self, row: Row) -> float:
        value = row.get(self.reward_column)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"best_of_n step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: "
                             f"'{self.reward_column}' is {value!r}, not a number (does reward_score come before it?)")
        return float(value)

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]


def _detail(by: str, score: float, best: float, winner: object) -> str:
    if score < best:
        return f"{by} {score:.4f} < best {best:.4f} (row {winner})"
    return f"{by} {score:.4f} ties the best {best:.4f} of row {winner}, kept as the first"
