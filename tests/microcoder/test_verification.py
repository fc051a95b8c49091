"""MicroCoder verification: the rules on verdict matrices, then on the fixture problems in the real
judge (correct and broken references, a planted wrong test, call-mode problems, no references)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pysynth import judge
from pysynth.errors import JudgeFault
from pysynth.judge import Verdict
from pysynth.microcoder.verification import (
    Verified,
    VerifyDrop,
    VerifyDropReason,
    VerifyRules,
    decide,
    verify_problem,
)
from pysynth.problems import Problem, ReferenceSolution, TestCase, load_problems

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "problems.jsonl"
A, W, S, T = Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.SKIPPED, Verdict.TIME_LIMIT_EXCEEDED
DROP_TESTS = VerifyRules(on_disagreement="drop_tests")


def references(count: int) -> list[ReferenceSolution]:
    return [ReferenceSolution(language="python", source=f"print({index})\n") for index in range(count)]


def cases(count: int) -> list[TestCase]:
    return [TestCase(input=f"{index}\n", expected=f"{index}\n", origin="private") for index in range(count)]


def verified(outcome: Verified | VerifyDrop) -> Verified:
    assert isinstance(outcome, Verified), f"expected the problem kept, got {outcome}"
    return outcome


def dropped(outcome: Verified | VerifyDrop) -> VerifyDrop:
    assert isinstance(outcome, VerifyDrop), f"expected the problem dropped, got {outcome}"
    return outcome


# --- the rules, on verdicts ---------------------------------------------------------------

def test_drop_problem_keeps_a_problem_one_reference_passes_and_verifies_only_that_one() -> None:
    refs = references(2)
    outcome = verified(decide(refs, cases(3), [[A, W, S], [A, A, A]], VerifyRules()))
    assert outcome.solutions == (refs[1],) and outcome.tests_removed == 0 and len(outcome.tests) == 3
    assert outcome.runs == 5, "Skipped tests are not runs"


def test_drop_problem_names_each_references_first_failing_test() -> None:
    drop = dropped(decide(references(2), cases(3), [[A, W, S], [T, S, S]], VerifyRules()))
    assert drop.reason is VerifyDropReason.NO_REFERENCE_PASSES
    assert drop.detail == "reference 0 (python): test 1 WrongAnswer; reference 1 (python): test 0 TimeLimitExceeded"


def test_drop_tests_removes_a_test_every_reference_rejects() -> None:
    outcome = verified(decide(references(2), cases(3), [[A, W, A], [A, W, A]], DROP_TESTS))
    assert [test.input for test in outcome.tests] == ["0\n", "2\n"] and outcome.tests_removed == 1
    assert len(outcome.solutions) == 2


def test_majority_keeps_a_tie_and_verifies_the_reference_that_agrees_with_the_expected_output() -> None:
    refs = references(2)
    outcome = verified(decide(refs, cases(2), [[A, A], [A, W]], DROP_TESTS))
    assert outcome.tests_removed == 0 and outcome.solutions == (refs[0],)


def test_unanimous_removes_every_test_a_working_reference_rejects() -> None:
    rules = VerifyRules(on_disagreement="drop_tests", agreement="unanimous")
    outcome = verified(decide(references(2), cases(3), [[A, A, A], [A, W, A]], rules))
    assert outcome.tests_removed == 1 and len(outcome.solutions) == 2


def test_a_reference_that_passes_nothing_has_no_vote() -> None:
    refs = references(3)
    outcome = verified(decide(refs, cases(2), [[A, A], [W, W], [W, W]], DROP_TESTS))
    assert outcome.tests_removed == 0 and outcome.solutions == (refs[0],), "two broken references outvoted one"


def test_no_working_reference_drops_the_problem() -> None:
    drop = dropped(decide(references(2), cases(2), [[W, W], [T, T]], DROP_TESTS))
    assert drop.reason is VerifyDropReason.NO_REFERENCE_PASSES and drop.runs == 4


def test_too_few_tests_left_drops_the_problem() -> None:
    rules = VerifyRules(on_disagreement="drop_tests", min_tests=2)
    drop = dropped(decide(references(1), cases(3), [[A, W, W]], rules))
    assert drop.reason is VerifyDropReason.TOO_FEW_TESTS and drop.detail == "1 of 3 tests kept < min_tests 2"


def test_kept_tests_no_single_reference_passes_drop_the_problem() -> None:
    # Each test has 2 of 3 votes, so all are kept, but every reference fails one of them.
    verdicts = [[W, A, A], [A, W, A], [A, A, W]]
    drop = dropped(decide(references(3), cases(3), verdicts, DROP_TESTS))
    assert drop.reason is VerifyDropReason.NO_REFERENCE_PASSES
    assert drop.detail.startswith("reference 0 (python): test 0 WrongAnswer; reference 1 (python): test 1")


# --- the fixture problems, in the judge ----------------------------------------------------

@pytest.fixture(scope="module")
def pool() -> Iterator[judge.Pool]:
    with judge.Pool(workers=2) as warm:
        yield warm


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    loaded = load_problems(FIXTURE, "jsonl")
    assert loaded.dropped == (), loaded.dropped
    return {problem.id: problem for problem in loaded.problems}


def test_drop_problem_drops_exactly_the_problems_whose_references_are_broken(
        problems: dict[str, Problem], pool: judge.Pool) -> None:
    outcomes = {name: verify_problem(problem, VerifyRules(), pool=pool) for name, problem in problems.items()}
    reasons = {name: outcome.reason.value for name, outcome in outcomes.items() if isinstance(outcome, VerifyDrop)}
    assert reasons == {"mc-reverse-broken": "no reference passes", "mc-max-planted": "no reference passes",
                       "mc-vowels-broken": "no reference passes", "mc-no-reference": "no reference solution"}
    summed = verified(outcomes["mc-sum"])
    assert [solution.source for solution in summed.solutions] == [problems["mc-sum"].solutions[0].source], \
        "the product reference fails two tests and must not be verified"
    broken = dropped(outcomes["mc-reverse-broken"])
    assert broken.detail == "reference 0 (python): test 0 WrongAnswer; reference 1 (python): test 0 RuntimeError"
    assert broken.runs == 2, "each broken reference stops at its first failing test"


def test_drop_tests_removes_exactly_the_planted_wrong_test(problems: dict[str, Problem], pool: judge.Pool) -> None:
    problem = problems["mc-max-planted"]
    outcome = verified(verify_problem(problem, DROP_TESTS, pool=pool))
    assert outcome.tests == tuple(test for test in problem.tests if test.input != "1\n4\n")
    assert outcome.tests_removed == 1 and outcome.solutions == problem.solutions
    assert outcome.runs == 8, "drop_tests runs every reference on every test"


def test_drop_tests_under_unanimity_keeps_only_the_tests_the_broken_reference_passes(
        problems: dict[str, Problem], pool: judge.Pool) -> None:
    problem = problems["mc-sum"]
    unanimous = VerifyRules(on_disagreement="drop_tests", agreement="unanimous")
    outcome = verified(verify_problem(problem, unanimous, pool=pool))
    assert [test.input for test in outcome.tests] == ["0 0\n"] and outcome.tests_removed == 2
    too_few = dropped(verify_problem(problem, unanimous.model_copy(update={"min_tests": 2}), pool=pool))
    assert too_few.reason is VerifyDropReason.TOO_FEW_TESTS


def test_call_mode_judges_the_python_references_through_the_harness(problems: dict[str, Problem],
                                                                  pool: judge.Pool) -> None:
    problem = problems["mc-scale"]
    outcome = verified(verify_problem(problem, VerifyRules(), pool=pool))
    assert [solution.language for solution in outcome.solutions] == ["python"], "the C++ reference is not judged"
    only_cpp = problem.model_copy(update={"solutions": problem.solutions[:1]})
    drop = dropped(verify_problem(only_cpp, VerifyRules(), pool=pool))
    assert drop.reason is VerifyDropReason.NO_REFERENCE
    assert drop.detail == "1 of 1 references left out (cpp): call mode is judged in Python only"


def test_max_references_caps_what_is_judged(problems: dict[str, Problem], pool: judge.Pool) -> None:
    problem = problems["mc-sum"]  # its second reference is the broken one
    outcome = verified(verify_problem(problem, VerifyRules(max_references=1), pool=pool))
    assert outcome.runs == 3 and len(outcome.solutions) == 1


def test_a_problem_with_fewer_tests_than_min_tests_is_dropped_before_judging(problems: dict[str, Problem]) -> None:
    drop = dropped(verify_problem(problems["mc-scale"], VerifyRules(min_tests=4)))
    assert drop.reason is VerifyDropReason.TOO_FEW_TESTS and drop.runs == 0


def test_a_judge_fault_raises_and_never_counts_as_a_failed_reference(problems: dict[str, Problem]) -> None:
    with judge.Pool(workers=1, inject_fault="read_stdout") as broken, \
            pytest.raises(JudgeFault, match=r"problem mc-sum: reference 0: compile: InternalError: .*a run.s stdout"):
        verify_problem(problems["mc-sum"], VerifyRules(), pool=broken)
