"""pysynth.quest.exports: rows in the shapes trl and RL trainers read."""

from __future__ import annotations

import json

from pysynth.quest.difficulty import DifficultyScore, VotedInput
from pysynth.quest.exports import distillation_row, rft_messages_row, rft_row, rl_row

PROMPT = "Write ONE new problem about:\n- segment tree"
PROBLEM = "Given an array, answer range minimum queries.\n\nInput\n..."


def test_rejection_fine_tuning_rows_are_trl_conversational() -> None:
    assert rft_row(PROMPT, PROBLEM) == {
        "prompt": [{"role": "user", "content": PROMPT}],
        "completion": [{"role": "assistant", "content": PROBLEM}],
    }
    assert rft_messages_row(PROMPT, PROBLEM) == {
        "messages": [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": PROBLEM}]
    }


def test_rl_rows_use_the_voted_outputs_as_tests() -> None:
    voted = (VotedInput("1\n", "2\n", 1.0, 3), VotedInput("7\n", "14\n", 2 / 3, 3))
    score = DifficultyScore(1 / 6, voted, inputs_total=4, solutions_total=4, solutions_valid=3)
    row = rl_row("gen-17", PROBLEM, score)
    assert row == {
        "id": "gen-17",
        "problem": PROBLEM,
        "tests": [{"input": "1\n", "output": "2\n"}, {"input": "7\n", "output": "14\n"}],
        "delta": 1 / 6,
    }
    assert json.loads(json.dumps(row)) == row


def test_distillation_rows_hold_the_teacher_prompt() -> None:
    row = distillation_row("gen-17", PROBLEM, "cpp")
    assert row["id"] == "gen-17" and row["problem"] == PROBLEM
    [message] = row["prompt"]
    assert message["role"] == "user" and "C++17" in message["content"]
    assert message["content"].endswith(PROBLEM.strip())
