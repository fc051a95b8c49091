"""ScaleQuest's language filter: a generated question is kept when it is non-empty and all ASCII."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.errors import InputError
from pysynth.scalequest.filters import first_non_ascii
from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class LanguageFilter(RowStep):
    """Drops `question_column` when it is blank ("language: empty question") or holds a non-ASCII
    character ("language: not ASCII", the detail naming the first one and its position). The
    authors' rule (`question_filtering/language_solvability_check.py`): the question generator
    drifts into other languages and scripts, which the solvers and rewards downstream are not for."""

    # What `pysynth steps` shows: rows pass through, some dropped.
    columns_help: ClassVar[tuple[str, str]] = ("`question_column` (question)", "the input's (non-ASCII or blank dropped)")

    question_column: str = Field(default="question", description="The column holding the question text.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.question_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def transform(self, row: Row) -> RowResult:
        question = row.get(self.question_column)
        if question is None:
            return Dropped("language: empty question")
        if not isinstance(question, str):
            raise InputError(f"{self.question_column}: holds {type(question).__name__}, not text")
        if not question.strip():
            return Dropped("language: empty question")
        offending = first_non_ascii(question)
        if offending is not None:
            position, char = offending
            return Dropped("language: not ASCII", detail=f"{char!r} (U+{ord(char):04X}) at position {position}")
        return row
