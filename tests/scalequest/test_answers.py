"""Final answers: the last balanced box, equivalence through math-verify, majority over classes."""

from __future__ import annotations

import pytest

from pysynth.scalequest.answers import equivalence_classes, equivalent, extract_boxed, majority, read_answer


@pytest.mark.parametrize(("text", "final"), [
    ("So the answer is $\\boxed{42}$.", "42"),
    ("First \\boxed{3}, then corrected: \\boxed{4}", "4"),
    ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
    ("\\boxed{\\left\\{ x \\mid x^{2} = 1 \\right\\}}", "\\left\\{ x \\mid x^{2} = 1 \\right\\}"),
    ("Thus the final answer is \\boxed 5.", "5"),
    ("A framed one: \\fbox{7}", "7"),
    ("\\boxed{1} and last \\fbox{2}", "2"),
    ("\\boxed { 9 }", "9"),
])
def test_the_last_box_is_read_with_balanced_braces(text: str, final: str) -> None:
    assert extract_boxed(text) == final, f"{text!r} should yield {final!r}"


@pytest.mark.parametrize("text", [
    "The answer is 5.",
    "",
    "\\boxed{}",
    "\\boxed{3} then the cut-off answer \\boxed{\\frac{1}{",
])
def test_no_final_when_there_is_no_complete_last_box(text: str) -> None:
    assert extract_boxed(text) is None, f"{text!r} has no final answer"


@pytest.mark.parametrize(("gold", "other"), [
    ("1/2", "0.5"),
    ("\\frac{1}{2}", "\\dfrac12"),
    ("2\\sqrt{2}", "\\sqrt{8}"),
    ("\\{1, 2, 3\\}", "\\{3, 2, 1\\}"),
    ("(0, 1]", "(0,1]"),
    ("\\text{Tuesday}", "tuesday"),
    ("x = 3", "3"),
])
def test_equivalent_finals_match(gold: str, other: str) -> None:
    assert equivalent(gold, other), f"{gold!r} and {other!r} state the same answer"


@pytest.mark.parametrize(("gold", "other"), [
    ("1/2", "0.25"),
    ("(0, 1]", "[0, 1]"),
    ("2\\sqrt{2}", "2\\sqrt{3}"),
    ("\\text{red}", "\\text{blue}"),
])
def test_different_finals_do_not_match(gold: str, other: str) -> None:
    assert not equivalent(gold, other), f"{gold!r} and {other!r} are different answers"


def test_text_math_verify_cannot_parse_falls_back_to_the_normalised_string() -> None:
    assert equivalent("@@ no math here @@", "@@no math  here@@")
    assert not equivalent("@@ no math here @@", "@@ other @@")


def test_the_majority_is_taken_over_equivalence_classes_not_strings() -> None:
    # As strings "3" has two votes and each form of a half one; as answers the half has three.
    finals = ["3", "1/2", "0.5", "3", "\\frac{1}{2}"]
    assert equivalence_classes([read_answer(final) for final in finals]) == [[0, 3], [1, 2, 4]]
    vote = majority(finals)
    assert vote is not None and (vote.answer, vote.votes) == ("1/2", 3)


def test_a_tie_goes_to_the_class_seen_first_and_nothing_has_no_majority() -> None:
    vote = majority(["7", "8", "7.0", "8"])
    assert vote is not None and (vote.answer, vote.votes) == ("7", 2)
    assert majority([]) is None


def test_importing_the_module_does_not_load_math_verify() -> None:
    import subprocess
    import sys

    code = "import sys, pysynth, pysynth.scalequest.answers; print('math_verify' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "False", "math-verify must be imported lazily, inside the comparison"
