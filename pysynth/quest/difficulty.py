"""QueST difficulty of a generated problem: run T solutions on M inputs, majority-vote each
input's output, and score delta = 1 - mean(majority share) over the inputs that count.

Validity rules (`DifficultyRules`):
- a solution counts when it ran validly (finished within every limit) on at least one input;
  fewer than `min_solutions` such solutions drop the problem;
- an input counts when at least `min_valid_outputs` solutions ran validly on it: one valid
  output is unanimous by construction and would pull delta towards 0 without any agreement;
- fewer than `min_valid_inputs` counting inputs drop the problem;
- any judge fault (the sandbox failing, not the program) drops the problem: its score would
  measure the judge.
The judge's own `difficulty.delta` averages over every input with one valid output or more, so
it equals ours only when `min_valid_outputs` is 1; delta is therefore recomputed here from the
judge's per-input shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from pysynth import judge
from pysynth.config import FrozenConfig


class DifficultyRules(FrozenConfig):
    min_valid_outputs: int = Field(default=2, ge=1)
    min_valid_inputs: int = Field(default=2, ge=1)
    min_solutions: int = Field(default=2, ge=1)


class DifficultyDropReason(StrEnum):
    TOO_FEW_SOLUTIONS = "fewer than min_solutions solutions ran validly"
    TOO_FEW_INPUTS = "fewer than min_valid_inputs inputs were given"
    TOO_FEW_VALID_INPUTS = "fewer than min_valid_inputs inputs have min_valid_outputs valid outputs"
    JUDGE_FAULT = "the judge failed on some run"


@dataclass(frozen=True)
class VotedInput:
    input: str
    output: str
    """The majority output: the expected output of this input as an RL test."""
    share: float
    """Majority size / valid outputs."""
    valid: int


@dataclass(frozen=True)
class DifficultyScore:
    delta: float
    voted: tuple[VotedInput, ...]
    """The counting inputs, in input order."""
    inputs_total: int
    solutions_total: int
    solutions_valid: int


@dataclass(frozen=True)
class DifficultyDrop:
    reason: DifficultyDropReason
    detail: str


def score_judge_result(
    result: judge.JudgeResult, inputs: Sequence[str], rules: DifficultyRules | None = None
) -> DifficultyScore | DifficultyDrop:
    """Apply the validity rules to a judge result of solutions run on `inputs` (no expected
    outputs: output-collection mode)."""
    rules = rules or DifficultyRules()
    faults = [cell for row in result.runs for cell in row if cell.fault is not None]
    if faults:
        return DifficultyDrop(DifficultyDropReason.JUDGE_FAULT, f"{faults[0].fault}: {faults[0].fault_message}")
    solutions_valid = sum(any(cell.verdict and cell.verdict.is_valid_execution for cell in row) for row in result.runs)
    if solutions_valid < rules.min_solutions:
        return DifficultyDrop(
            DifficultyDropReason.TOO_FEW_SOLUTIONS, f"{solutions_valid} of {len(result.runs)} < {rules.min_solutions}"
        )
    voted = tuple(
        VotedInput(text, vote.output.decode(errors="replace"), vote.share, vote.valid)
        for text, vote in zip(inputs, result.votes)
        if vote.valid >= rules.min_valid_outputs and vote.output is not None and vote.share is not None
    )
    if len(voted) < rules.min_valid_inputs:
        return DifficultyDrop(
            DifficultyDropReason.TOO_FEW_VALID_INPUTS, f"{len(voted)} of {len(inputs)} < {rules.min_valid_inputs}"
        )
    delta = 1.0 - sum(item.share for item in voted) / len(voted)
    return DifficultyScore(delta, voted, len(inputs), len(result.runs), solutions_valid)


def score_difficulty(
    solutions: Sequence[judge.Solution],
    inputs: Sequence[str],
    rules: DifficultyRules | None = None,
    config: judge.JudgeConfig | None = None,
) -> DifficultyScore | DifficultyDrop:
    """Judge `solutions` on `inputs` and score the result; a problem that cannot meet the rules
    (too few solutions or inputs) is dropped before anything runs."""
    rules = rules or DifficultyRules()
    if len(solutions) < rules.min_solutions:
        return DifficultyDrop(
            DifficultyDropReason.TOO_FEW_SOLUTIONS, f"{len(solutions)} given < {rules.min_solutions}"
        )
    if len(inputs) < rules.min_valid_inputs:
        return DifficultyDrop(DifficultyDropReason.TOO_FEW_INPUTS, f"{len(inputs)} given < {rules.min_valid_inputs}")
    config = config or judge.JudgeConfig.build()
    # The process's warm pool: steps call this per row, from several batches at once.
    result = judge.shared_pool(config).run(solutions, [judge.Test(text) for text in inputs], config)
    return score_judge_result(result, inputs, rules)
