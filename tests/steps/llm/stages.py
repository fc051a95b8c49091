"""A stage whose parser has a bug on some answers: the runtime must fail only that row."""

from __future__ import annotations

from pysynth.steps.base import Dropped, Row
from pysynth.steps.quest.problems import QuestProblems


class FragileProblems(QuestProblems):
    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        if answer is not None and "BOOM" in answer:
            raise ValueError("the parser met BOOM")
        return super().parse(answer, row)
