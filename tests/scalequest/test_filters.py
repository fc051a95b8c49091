"""The filter rules: ASCII, the final yes/no verdict, and the fail rate against a label."""

from __future__ import annotations

import pytest

from pysynth.scalequest.filters import fail_rate, final_verdict, first_non_ascii, reference_final


def test_the_first_non_ascii_character_is_named_with_its_position() -> None:
    assert first_non_ascii("Find x if 2x = 6.") is None
    assert first_non_ascii("Find x ≥ 0 with x² = 4") == (7, "≥")
    assert first_non_ascii("") is None


@pytest.mark.parametrize(("answer", "verdict"), [
    ("Yes, the problem is stated well, but no diagram is needed... no", False),
    ("It is not solvable. No.", False),
    ("Answer: Yes", True),
    ("Let me check.\nThe conditions suffice.\nYes", True),
    ("Final verdict: \\boxed{yes}", True),
    ("\\boxed{\\text{No}}", False),
    ("Is it solvable? No doubt it is. \\boxed{Yes}", True),
    ("YES.", True),
    ("The problem says 5 apples. \\boxed{5} Therefore no.", False),
])
def test_the_final_yes_or_no_is_the_verdict(answer: str, verdict: bool) -> None:
    assert final_verdict(answer) is verdict, f"{answer!r} concludes {'yes' if verdict else 'no'}"


@pytest.mark.parametrize("answer", ["I asked yesterday.", "", "Nobody knows; it is notable.", "\\boxed{maybe}"])
def test_yes_as_a_substring_is_not_a_verdict(answer: str) -> None:
    assert final_verdict(answer) is None, f"{answer!r} states no verdict"


def test_the_fail_rate_against_the_majority_class() -> None:
    measured = fail_rate(["1/2", "0.5", "3", None])
    assert (measured.label, measured.agreeing, measured.answers) == ("1/2", 2, 4)
    assert measured.fail_rate == pytest.approx(0.5), "two of four agree; the answer without a final fails"


def test_the_fail_rate_against_a_reference_counts_only_equivalent_answers() -> None:
    measured = fail_rate(["3", "3", "\\frac{8}{2}", None], reference="4")
    assert (measured.label, measured.agreeing) == ("4", 1)
    assert measured.fail_rate == pytest.approx(0.75)


def test_no_final_and_no_reference_has_no_label_and_fails_entirely() -> None:
    measured = fail_rate([None, None])
    assert measured.label is None and measured.fail_rate == 1.0


def test_a_boxed_reference_is_read_as_its_final() -> None:
    assert reference_final("so $\\boxed{12}$") == "12"
    assert reference_final("  12 \n") == "12"
