"""ScaleQuest's question filters as pure rules: language, the solvability verdict, the solver fail rate.

- Language (the authors' `question_filtering/language_solvability_check.py`, `filter_query`): a
  question is kept when it is non-empty and every character is ASCII (code point <= 127). Theirs
  lets a whitespace-only question through (`!= ""`); ours counts it as empty.
- Solvability: the authors keep an answer when "yes" occurs anywhere in it (`"yes" in answer.lower()`,
  which "yesterday" or "Yes, ... but no" satisfy). Ours reads the answer's FINAL verdict: a
  `\\boxed{yes}`/`\\boxed{no}` when the last box holds one, else the last standalone word yes/no.
- Fail rate (ours; the authors score difficulty with a trained classifier whose training and
  threshold are unconfirmed): k solver answers -> their finals -> the label (the reference when the
  dataset has one, else the majority equivalence class) -> fail rate = 1 - the share of the k
  answers agreeing with the label. An answer without a final counts as a failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pysynth.scalequest.answers import answers_equivalent, extract_boxed, majority, read_answer

_VERDICT_WORD = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
_BOXED_VERDICT = re.compile(r"^(?:\\text\{)?\s*(yes|no)\s*\.?\s*\}?$", re.IGNORECASE)


def first_non_ascii(text: str) -> tuple[int, str] | None:
    """The position and character of the first non-ASCII character of `text`, or None."""
    for position, char in enumerate(text):
        if ord(char) > 127:
            return position, char
    return None


def final_verdict(answer: str) -> bool | None:
    """The answer's final yes (True) or no (False); None when it states neither."""
    boxed = extract_boxed(answer)
    if boxed is not None:
        verdict = _BOXED_VERDICT.match(boxed)
        if verdict:
            return verdict.group(1).lower() == "yes"
    words = _VERDICT_WORD.findall(answer)
    return words[-1].lower() == "yes" if words else None


@dataclass(frozen=True)
class FailRate:
    """The solver's fail rate on a question: `label` (None when no answer had a final and no reference
    was given), `agreeing` answers of `answers` in all, `fail_rate` = 1 - agreeing / answers."""

    label: str | None
    agreeing: int
    answers: int

    @property
    def fail_rate(self) -> float:
        return 1.0 - self.agreeing / self.answers if self.answers else 1.0


def fail_rate(finals: Sequence[str | None], reference: str | None = None) -> FailRate:
    """The fail rate of k answers' finals (None: an answer without one) against `reference`, or
    against their majority class when there is no reference."""
    given = [final for final in finals if final is not None]
    if reference is not None:
        gold = read_answer(reference)
        agreeing = sum(answers_equivalent(gold, read_answer(final)) for final in given)
        return FailRate(label=reference, agreeing=agreeing, answers=len(finals))
    vote = majority(given)
    if vote is None:
        return FailRate(label=None, agreeing=0, answers=len(finals))
    return FailRate(label=vote.answer, agreeing=vote.votes, answers=len(finals))


def reference_final(reference: str) -> str:
    """A dataset's reference answer as a final: its last box when it has one, else its stripped text."""
    boxed = extract_boxed(reference)
    return boxed if boxed is not None else reference.strip()
