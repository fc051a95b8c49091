"""QPO rewrites: the objective drawn per row, the rewrite parsed after the last marker."""

from __future__ import annotations

import pytest

from pysynth.scalequest.qpo import MARKER, PROMPTS, normalised, objective_for, parse_rewrite, rewrite_prompt


def test_each_prompt_holds_the_question_and_asks_for_the_marker() -> None:
    for objective in PROMPTS:
        prompt = rewrite_prompt(objective, "What is {x} + 1?")  # braces in a question are kept as they are
        assert "Question:\nWhat is {x} + 1?\n" in prompt and MARKER in prompt, objective
    assert "harder" in PROMPTS["difficulty"] and "well-posed" in PROMPTS["solvability"]


def test_a_single_objective_is_asked_of_every_row() -> None:
    assert {objective_for(f"r{i}", "difficulty", 1.0, 0) for i in range(50)} == {"difficulty"}
    assert {objective_for(f"r{i}", "solvability", 0.0, 0) for i in range(50)} == {"solvability"}


def test_the_mix_is_deterministic_per_row_and_seed() -> None:
    first = [objective_for(f"{i}", "mix", 0.5, seed=7) for i in range(200)]
    assert first == [objective_for(f"{i}", "mix", 0.5, seed=7) for i in range(200)]
    assert first != [objective_for(f"{i}", "mix", 0.5, seed=8) for i in range(200)], "the seed changes the draw"


@pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_the_share_asked_for_solvability_is_the_mix_ratio(ratio: float) -> None:
    ids = [f"0.{i}" for i in range(4000)]
    share = sum(objective_for(key, "mix", ratio, seed=0) == "solvability" for key in ids) / len(ids)
    assert share == pytest.approx(ratio, abs=0.03), f"asked {ratio}, got {share}"


@pytest.mark.parametrize(("answer", "rewritten"), [
    ("It lacks the speed.\nRewritten question: A car drives 60 km/h for 2 h. How far does it go?",
     "A car drives 60 km/h for 2 h. How far does it go?"),
    ("Reasoning.\n\n**Rewritten question:**\nFind all x with x^2 = 4.\n", "Find all x with x^2 = 4."),
    ("### Rewritten question:\nHow many primes are below 20?", "How many primes are below 20?"),
    ("rewritten question: lower case works", "lower case works"),
    # Several markers (a draft, then the final one): the last wins, as in the authors' split(marker)[-1].
    ("Rewritten question: draft\nOn second thought it is too easy.\nRewritten question: final one", "final one"),
])
def test_the_rewrite_is_the_text_after_the_last_marker_line(answer: str, rewritten: str) -> None:
    assert parse_rewrite(answer) == rewritten


@pytest.mark.parametrize("answer", [
    "Here is a better question: what is 2 + 2?",  # no marker
    "The rewritten question: is below",  # not at the start of a line
    "Explanation.\nRewritten question:   \n",  # empty after the marker
    "Rewritten question: **",
    "",
])
def test_an_answer_without_a_rewrite_after_its_marker_has_none(answer: str) -> None:
    assert parse_rewrite(answer) is None


def test_whitespace_alone_does_not_change_a_question() -> None:
    assert normalised("  What is\n2 +  2? ") == normalised("What is 2 + 2?")
    assert normalised("What is 2 + 3?") != normalised("What is 2 + 2?")
