"""The shipped MicroCoder demo problems (pipelines/data/microcoder/) are what the later stages need:
every reference passes its tests in the judge except the planted broken ones, LiveCodeBench's
problems (which carry no references) have tests a correct program passes, and one problem is planted
twice, across two files, as a near-duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pysynth import judge
from pysynth.dedup import DedupConfig, dedup
from pysynth.problems import Problem, ReferenceSolution, judge_problem, load_problems

DEMO = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "microcoder"
FILES = {"taco": "taco.jsonl", "code_contests": "code_contests.jsonl", "livecodebench": "livecodebench.jsonl"}
BROKEN = {"taco-2", "2002_C. Lucky Pairs"}
"""Problems whose every reference fails a test: verify must drop exactly these (and LiveCodeBench's)."""
NEAR_DUPLICATES = ("taco-0", "2002_A. Apple Orchard")

# LiveCodeBench rows hold no solutions, so the check that their tests are right uses these.
LIVECODEBENCH_SOLUTIONS = {
    "abc950_a": "input()\nprint(max(len(run) for run in input().strip().split('x')))\n",
    "9101": ("class Solution:\n    def minTrips(self, boxes: List[int], capacity: int) -> int:\n"
             "        trips, load = 0, capacity + 1\n        for box in boxes:\n"
             "            if load + box > capacity:\n                trips, load = trips + 1, 0\n"
             "            load += box\n        return trips\n"),
    "9102": ("class Solution:\n    def minBannerCuts(self, s: str) -> int:\n        n = len(s)\n"
             "        best = [-1] + [n] * n\n        for end in range(1, n + 1):\n"
             "            for start in range(end):\n                piece = s[start:end]\n"
             "                if piece == piece[::-1]:\n"
             "                    best[end] = min(best[end], best[start] + 1)\n"
             "        return best[n]\n"),
    "2095_B": ("import sys\ndata = sys.stdin.read().split()\nt, at = int(data[0]), 1\nfor _ in range(t):\n"
               "    n, k = int(data[at]), int(data[at + 1])\n    weights = sorted(map(int, data[at + 2:at + 2 + n]))\n"
               "    at += 2 + n\n    print(sum(weights[n - k:]))\n"),
}


def demo_problems() -> list[Problem]:
    found: list[Problem] = []
    for format, name in FILES.items():
        loaded = load_problems(DEMO / name, format)
        assert loaded.dropped == (), f"{name}: {[dropped.reason for dropped in loaded.dropped]}"
        found.extend(loaded.problems)
    return found


PROBLEMS = demo_problems()


@pytest.fixture(scope="module")
def pool() -> Iterator[judge.Pool]:
    with judge.Pool(workers=2) as warm:
        yield warm


def test_each_file_holds_four_problems_of_both_modes_with_dates_and_difficulty_labels() -> None:
    by_source = {source: [p for p in PROBLEMS if p.source == source] for source in FILES}
    assert {source: len(problems) for source, problems in by_source.items()} == dict.fromkeys(FILES, 4)
    assert {p.mode for p in by_source["taco"]} == {p.mode for p in by_source["livecodebench"]} == {"stdin", "call"}
    assert all(p.difficulty for p in PROBLEMS)
    assert all(p.date for p in by_source["taco"] + by_source["livecodebench"])  # CodeContests has no dates
    assert any(p.mode == "call" and not p.starter_code for p in by_source["taco"]), "no call problem lacks starter code"


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.solutions], ids=lambda p: p.id)
def test_references_pass_every_test_except_the_planted_broken_ones(problem: Problem, pool: judge.Pool) -> None:
    outcomes = judge_problem(problem, pool=pool)
    if problem.id in BROKEN:
        assert all(outcome.pass_rate < 1.0 for outcome in outcomes), f"a broken reference passes: {outcomes}"
    else:
        assert all(outcome.pass_rate == 1.0 for outcome in outcomes), f"a reference fails: {outcomes}"
    for outcome in judge_problem(problem, problem.incorrect_solutions, pool=pool):
        assert outcome.pass_rate < 1.0, f"an incorrect solution passes: {outcome}"


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.source == "livecodebench"], ids=lambda p: p.id)
def test_livecodebench_tests_are_passed_by_a_correct_program(problem: Problem, pool: judge.Pool) -> None:
    assert problem.solutions == ()
    solution = ReferenceSolution(language="python", source=LIVECODEBENCH_SOLUTIONS[problem.id])
    [outcome] = judge_problem(problem, [solution], pool=pool)
    assert outcome.pass_rate == 1.0, outcome


def test_exactly_the_planted_pair_is_a_near_duplicate_at_the_default_threshold() -> None:
    result = dedup([problem.statement for problem in PROBLEMS], DedupConfig.build())
    assert [p.id for p, keep in zip(PROBLEMS, result.keep, strict=True) if not keep] == [NEAR_DUPLICATES[1]]
