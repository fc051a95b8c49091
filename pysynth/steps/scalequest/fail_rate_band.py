"""Keeps the questions whose measured solver fail rate lies in a band."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from pysynth.errors import InputError
from pysynth.scalequest.filters import fail_rate, reference_final
from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class FailRateBand(RowStep):
    """`answers_column` (the k finals of `scalequest_fail_rate`, None where an answer had none) ->
    `label` (the `reference_column`'s answer when given, else the majority over equivalence
    classes), `agreeing` (answers equivalent to the label) and `fail_rate` (1 - agreeing / k).
    Kept when `min_fail_rate <= fail_rate <= max_fail_rate`; dropped "fail rate: outside the band"
    (detail: the rate) or "fail rate: no answer has a final".

    Without a reference the label is the solver's own majority, so a fail rate of 0 means the solver
    answers consistently, not that it is right; a high one means it has no stable answer, which
    flags an ill-posed question as often as a hard one."""

    answers_column: str = Field(default="answers", description="The k finals per question (a list).")
    reference_column: str | None = Field(
        default=None, description="A column with each question's reference answer (its last box, else its text), "
                                  "for datasets that have one; default: label by majority.")
    min_fail_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Lowest fail rate kept. Default ours.")
    max_fail_rate: float = Field(
        default=0.75, ge=0.0, le=1.0,
        description="Highest fail rate kept. Default ours: at k = 8, drops questions whose largest class has one answer.")

    @model_validator(mode="after")
    def _band_is_ordered(self) -> Self:
        if self.min_fail_rate > self.max_fail_rate:
            raise ValueError(f"min_fail_rate {self.min_fail_rate} is above max_fail_rate {self.max_fail_rate}")
        return self

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.answers_column, *([self.reference_column] if self.reference_column else [])]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["label", "agreeing", "fail_rate"]

    def transform(self, row: Row) -> RowResult:
        finals = row.get(self.answers_column)
        if not isinstance(finals, list):
            raise InputError(f"{self.answers_column}: holds {type(finals).__name__}, not a list of answers")
        finals = [None if final is None else str(final) for final in finals]
        if all(final is None for final in finals):
            return Dropped("fail rate: no answer has a final")
        measured = fail_rate(finals, self._reference(row))
        rate = measured.fail_rate
        if not self.min_fail_rate <= rate <= self.max_fail_rate:
            return Dropped("fail rate: outside the band",
                           detail=f"{rate:.3f} not in [{self.min_fail_rate}, {self.max_fail_rate}]")
        return {**row, "label": measured.label, "agreeing": measured.agreeing, "fail_rate": rate}

    def _reference(self, row: Row) -> str | None:
        if self.reference_column is None:
            return None
        reference = row.get(self.reference_column)
        if not isinstance(reference, str) or not reference.strip():
            raise InputError(f"{self.reference_column}: the reference answer is missing or not text")
        return reference_final(reference)
