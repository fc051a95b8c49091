"""Difficulty-aware rejection sampling: of the K candidate problems generated for one prompt,
keep the hardest valid one; its (prompt, problem) pair trains the next generator.

A candidate is valid when it was scored (not dropped) on at least `min_counted_inputs` inputs.
The order is: larger delta, then more counting inputs (the estimate rests on more evidence),
then the lower candidate index. Deltas are compared rounded to `DELTA_DECIMALS` places, so two
candidates with the same vote shares, summed in another order, still tie exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pysynth.errors import ConfigError
from pysynth.quest.difficulty import DifficultyDrop, DifficultyScore

DELTA_DECIMALS = 9


@dataclass(frozen=True)
class ChosenCandidate:
    index: int
    score: DifficultyScore


@dataclass(frozen=True)
class RejectedCandidate:
    index: int
    reason: str


@dataclass(frozen=True)
class NoValidCandidate:
    """No candidate of the prompt is valid; the prompt yields no training pair."""

    rejected: tuple[RejectedCandidate, ...]
    """Each candidate, in order, with why it is not valid."""


def choose_hardest(
    candidates: Sequence[DifficultyScore | DifficultyDrop], min_counted_inputs: int = 2
) -> ChosenCandidate | NoValidCandidate:
    """The hardest valid candidate, or why none is valid (also for an empty sequence)."""
    if min_counted_inputs < 1:
        raise ConfigError(f"min_counted_inputs: must be at least 1 (got {min_counted_inputs})")
    valid: list[tuple[tuple[float, int, int], ChosenCandidate]] = []
    rejected: list[RejectedCandidate] = []
    for index, outcome in enumerate(candidates):
        if isinstance(outcome, DifficultyDrop):
            rejected.append(RejectedCandidate(index, f"dropped: {outcome.reason.value} ({outcome.detail})"))
        elif len(outcome.voted) < min_counted_inputs:
            rejected.append(RejectedCandidate(index, f"{len(outcome.voted)} counting inputs < {min_counted_inputs}"))
        else:
            order = (-round(outcome.delta, DELTA_DECIMALS), -len(outcome.voted), index)
            valid.append((order, ChosenCandidate(index, outcome)))
    if not valid:
        return NoValidCandidate(tuple(rejected))
    return min(valid, key=lambda item: item[0])[1]
