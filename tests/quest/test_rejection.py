"""pysynth.quest.rejection: the hardest valid candidate of K, with a deterministic tie-break."""

from __future__ import annotations

import pytest

from pysynth.errors import ConfigError
from pysynth.quest.difficulty import DifficultyDrop, DifficultyDropReason, DifficultyScore, VotedInput
from pysynth.quest.rejection import ChosenCandidate, NoValidCandidate, RejectedCandidate, choose_hardest


def score(delta: float, counted: int) -> DifficultyScore:
    voted = tuple(VotedInput(f"{i}\n", "0\n", 1 - delta, 3) for i in range(counted))
    return DifficultyScore(delta, voted, inputs_total=counted, solutions_total=3, solutions_valid=3)


DROP = DifficultyDrop(DifficultyDropReason.TOO_FEW_SOLUTIONS, "1 of 4 < 2")


def chosen_index(outcome: ChosenCandidate | NoValidCandidate) -> int:
    assert isinstance(outcome, ChosenCandidate), outcome
    return outcome.index


def test_the_largest_delta_wins_and_drops_are_skipped() -> None:
    hardest = score(0.4, 3)
    assert choose_hardest([score(0.1, 5), DROP, hardest, score(0.2, 9)]) == ChosenCandidate(2, hardest)


def test_ties_prefer_more_counting_inputs_then_the_lower_index() -> None:
    assert chosen_index(choose_hardest([score(0.5, 3), score(0.5, 6), score(0.5, 6)])) == 1
    # 1 - 2/3 computed two ways differs in the last bit; rounding makes it a tie.
    assert 1 - 2 / 3 != 1 / 3
    assert chosen_index(choose_hardest([score(1 - 2 / 3, 4), score(1 / 3, 4)])) == 0


def test_candidates_on_too_few_inputs_are_not_valid() -> None:
    assert chosen_index(choose_hardest([score(0.9, 1), score(0.1, 2)], min_counted_inputs=2)) == 1


def test_no_valid_candidate_lists_each_reason() -> None:
    outcome = choose_hardest([DROP, score(0.9, 1)], min_counted_inputs=3)
    assert outcome == NoValidCandidate((
        RejectedCandidate(0, "dropped: fewer than min_solutions solutions ran validly (1 of 4 < 2)"),
        RejectedCandidate(1, "1 counting inputs < 3"),
    ))
    assert choose_hardest([]) == NoValidCandidate(())
    with pytest.raises(ConfigError, match="min_counted_inputs"):
        choose_hardest([], min_counted_inputs=0)
