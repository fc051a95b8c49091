"""Rows that leave a QueST run, one builder per use:
- rejection fine-tuning of the generator: trl's conversational prompt-completion format (the
  generation prompt, the kept problem), or the same pair as one `messages` conversation;
- reinforcement learning: the problem with the voted outputs as its tests, and its delta;
- distillation: the prompt a teacher model answers with a long reasoning and a program."""

from __future__ import annotations

from typing import Literal, TypedDict

from pysynth.judge import Language
from pysynth.quest.code import render_solution_prompt
from pysynth.quest.difficulty import DifficultyScore


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class PromptCompletionRow(TypedDict):
    prompt: list[ChatMessage]
    completion: list[ChatMessage]


class MessagesRow(TypedDict):
    messages: list[ChatMessage]


class RLTest(TypedDict):
    input: str
    output: str


class RLRow(TypedDict):
    id: str
    problem: str
    tests: list[RLTest]
    delta: float


class DistillationRow(TypedDict):
    id: str
    problem: str
    prompt: list[ChatMessage]


def rft_row(generation_prompt: str, problem: str) -> PromptCompletionRow:
    """trl SFT, conversational prompt-completion: the loss falls on the problem only."""
    return {
        "prompt": [{"role": "user", "content": generation_prompt}],
        "completion": [{"role": "assistant", "content": problem}],
    }


def rft_messages_row(generation_prompt: str, problem: str) -> MessagesRow:
    """trl SFT, conversational language modelling: the same pair as one conversation."""
    return {
        "messages": [
            {"role": "user", "content": generation_prompt},
            {"role": "assistant", "content": problem},
        ]
    }


def rl_row(problem_id: str, problem: str, score: DifficultyScore) -> RLRow:
    """The majority output of each counting input is its expected output: with no reference
    solution, agreement among the solvers is the best available label."""
    return {
        "id": problem_id,
        "problem": problem,
        "tests": [{"input": item.input, "output": item.output} for item in score.voted],
        "delta": score.delta,
    }


def distillation_row(problem_id: str, problem: str, language: Language = "python") -> DistillationRow:
    """A teacher's prompt, in trl's conversational prompt format (generation fills the answer)."""
    return {
        "id": problem_id,
        "problem": problem,
        "prompt": [{"role": "user", "content": render_solution_prompt(problem, language)}],
    }
