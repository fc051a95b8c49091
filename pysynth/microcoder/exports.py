"""The rows that leave a MicroCoder run, one builder per use.

- RL: one problem a row, ready for a trainer: the prompt, and the tests as the JSON text of
  LiveCodeBench's `public_test_cases` layout, `[{"input", "output", "testtype"}]`, which
  `pysynth.code_reward` reads as is (`pysynth.rewards.cases`), plus `fn_name` and the comparator.
  A call-mode test is stored the way LiveCodeBench stores a functional one: its JSON list of
  arguments becomes one JSON value a line, the inverse of the reader's rule
  (`pysynth.problems.livecodebench.functional_test`), so reading the export back gives the
  problem's own tests.
- SFT: the prompt -> a verified reference solution in a fenced block, in trl's conversational
  prompt-completion format (what `pysynth train sft` reads).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from pysynth.judge import Comparison
from pysynth.problems.judging import default_comparator
from pysynth.problems.model import Problem, ReferenceSolution, TestCase
from pysynth.quest.answers import FENCE
from pysynth.quest.exports import ChatMessage, PromptCompletionRow

TestType = Literal["stdin", "functional"]

SELECTION_COLUMNS = ("predicted_difficulty", "calibrated_pass_rate", "difficulty", "date")
"""Columns an RL row carries over when the run has them: what the problems were selected by."""


class RLTest(TypedDict):
    input: str
    output: str
    testtype: TestType


class RLRow(TypedDict):
    id: str
    source: str
    prompt: str
    tests: str
    """JSON text of a list of `RLTest`."""
    fn_name: str | None
    comparator: Comparison


class SFTRow(PromptCompletionRow):
    id: str
    source: str


def rl_test(test: TestCase, problem: Problem) -> RLTest:
    if problem.mode == "stdin":
        return {"input": test.input, "output": test.expected, "testtype": "stdin"}
    arguments = json.loads(test.input)  # the Problem model checked it is a JSON list
    return {"input": "\n".join(json.dumps(argument) for argument in arguments), "output": test.expected,
            "testtype": "functional"}


def rl_row(problem: Problem, prompt: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """An `RLRow`, plus the `SELECTION_COLUMNS` that `row` holds."""
    exported: RLRow = {
        "id": problem.id,
        "source": problem.source,
        "prompt": prompt,
        "tests": json.dumps([rl_test(test, problem) for test in problem.tests]),
        "fn_name": problem.fn_name,
        "comparator": default_comparator(problem),
    }
    return {**exported, **{name: row[name] for name in SELECTION_COLUMNS if name in row}}


def fenced(solution: ReferenceSolution) -> str | None:
    """The solution as a fenced block labelled with its language; None when a line of it would read
    as a fence (the block would close early)."""
    if any(line.strip().startswith(FENCE) for line in solution.source.splitlines()):
        return None
    return f"{FENCE}{solution.language}\n{solution.source.rstrip(chr(10))}\n{FENCE}"


def sft_row(problem_id: str, source: str, prompt: str, answer: str) -> SFTRow:
    """trl SFT, conversational prompt-completion: the loss falls on the solution only."""
    user: ChatMessage = {"role": "user", "content": prompt}
    assistant: ChatMessage = {"role": "assistant", "content": answer}
    return {"id": problem_id, "source": source, "prompt": [user], "completion": [assistant]}
