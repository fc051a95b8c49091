"""code_reward inside trl's GRPOTrainer: a few steps on CPU of a tiny Llama built from a config,
on rows laid out as pysynth's RL export; the rewards the trainer logs are the judge's scores.

The tiny model writes random words, never a program, so every completion would score 0 and the
check would be empty. The reward is therefore wrapped: each completion's text picks, by a hash,
one of four answers (right, half right, wrong, no code); the wrapper keeps the conversational shape
trl hands over and records what the real reward returned for them.
"""

from __future__ import annotations

import statistics
import zlib
from pathlib import Path
from typing import Any

import pytest

from pysynth import code_reward
from pysynth.quest.code import render_solution_prompt
from pysynth.quest.difficulty import DifficultyScore, VotedInput
from pysynth.quest.exports import rl_row

PROBLEM = "Read an integer n and print 2 n."
ANSWERS = [
    "```python\nprint(int(input()) * 2)\n```",
    "```python\nn = int(input())\nprint(2 * n if n % 2 else 0)\n```",
    "```python\nprint(0)\n```",
    "I could not solve it.",
]
SCORES = [1.0, 0.5, 0.0, 0.0]  # on the tests below: n = 1, 2, 3, 4


def rl_dataset(rows: int) -> Any:
    from datasets import Dataset

    voted = tuple(VotedInput(f"{n}\n", f"{2 * n}\n", 1.0, 4) for n in (1, 2, 3, 4))
    score = DifficultyScore(delta=0.25, voted=voted, inputs_total=4, solutions_total=4, solutions_valid=4)
    exported = [rl_row(f"p{index}", PROBLEM, score) for index in range(rows)]
    # The RL export has no prompt column; GRPO needs one: the solver's prompt for the problem.
    return Dataset.from_list([{**row, "prompt": [{"role": "user", "content": render_solution_prompt(row["problem"])}]}
                              for row in exported])


def test_grpo_logs_the_judges_scores_as_its_rewards(tiny_model: Path, tmp_path: Path) -> None:
    from trl import GRPOConfig, GRPOTrainer

    reward = code_reward(time_limit="1s")
    batches: list[list[float]] = []
    picked: list[int] = []

    def recorded(completions: list[list[dict[str, str]]], **columns: Any) -> list[float]:
        choices = [zlib.crc32(completion[-1]["content"].encode()) % len(ANSWERS) for completion in completions]
        rewritten = [[*completion[:-1], {**completion[-1], "content": ANSWERS[choice]}]
                     for completion, choice in zip(completions, choices)]
        assert all(tests == columns["tests"][0] for tests in columns["tests"]), "every row has the export's tests"
        scores = reward(rewritten, **columns)
        picked.extend(choices)
        batches.append(scores)
        return scores

    recorded.__name__ = "code_reward"
    config = GRPOConfig(
        output_dir=str(tmp_path / "grpo"), max_steps=3, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=8, learning_rate=1e-3, logging_steps=1, save_strategy="no", report_to="none",
        use_cpu=True, bf16=False, seed=0, temperature=1.0, dataloader_num_workers=0, gradient_checkpointing=False,
    )
    trainer = GRPOTrainer(model=str(tiny_model), reward_funcs=[recorded], args=config, train_dataset=rl_dataset(8))
    trainer.train()

    logged = [entry["rewards/code_reward/mean"] for entry in trainer.state.log_history
              if "rewards/code_reward/mean" in entry]
    assert len(batches) == 3 and len(logged) == 3, (batches, trainer.state.log_history)
    for step, (scores, mean) in enumerate(zip(batches, logged)):
        assert mean == pytest.approx(statistics.fmean(scores), abs=1e-6), f"step {step}: logged {mean}, judged {scores}"
    assert len(set(picked)) > 1, "every completion got the same answer: the check would be empty"
    assert [score for scores in batches for score in scores] == [SCORES[choice] for choice in picked]
    assert reward.stats.scored == 12 and reward.stats.errors == 0
    assert reward.stats.no_code == sum(choice == 3 for choice in picked)
