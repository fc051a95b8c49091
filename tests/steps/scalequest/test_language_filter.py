"""The language filter: blank and non-ASCII questions dropped, the offending character named."""

from __future__ import annotations

import pytest

from pysynth.errors import InputError
from pysynth.steps.base import Dropped
from pysynth.steps.scalequest.language_filter import LanguageFilter


@pytest.fixture
def step() -> LanguageFilter:
    from distilabel.pipeline import Pipeline

    return LanguageFilter(name="language", pipeline=Pipeline(name="unit"))


def test_an_ascii_question_passes_unchanged(step: LanguageFilter) -> None:
    row = {"question": "If 3x + 2 = 11, what is x?", "id": 1}
    assert step.transform(row) == row


@pytest.mark.parametrize("question", ["", "   \n\t", None])
def test_a_blank_question_is_dropped_as_empty(step: LanguageFilter, question: str | None) -> None:
    assert step.transform({"question": question}) == Dropped("language: empty question")


def test_a_non_ascii_question_is_dropped_with_the_first_offending_character(step: LanguageFilter) -> None:
    dropped = step.transform({"question": "Let x ∈ ℝ with x² = 2."})
    assert dropped == Dropped("language: not ASCII", detail="'∈' (U+2208) at position 6")


def test_a_question_that_is_not_text_fails_naming_the_column(step: LanguageFilter) -> None:
    with pytest.raises(InputError, match="^question: holds list, not text$"):
        step.transform({"question": ["a"]})
