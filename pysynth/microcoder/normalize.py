"""MicroCoder's processing stage over `Problem` values: one prompt shape for stdin and call problems,
tests capped per problem, reference solutions kept per language.

Prompt: LiveCodeBench's generic template (`get_generic_question_template_answer`), the statement under
`### Question:` and a format section that tells the model how to answer:
- stdin problems: LiveCodeBench's stdin wording and an empty code block (`# YOUR CODE HERE`);
- call problems: LiveCodeBench's starter-code wording and the starter code: the dataset's, or, when it
  has none (TACO's call problems often), `def <fn_name>(arg1, ..., argN):` with N the arguments of the
  tests (`*args` when tests disagree). The mode decides the wording, not the presence of starter code:
  the judge runs a stdin problem's answer as a program, so a stdin problem's starter code is not shown.

Tests (`select_tests`), at most `max_tests`:
1. a test whose input repeats an earlier test's (public ones first) is never kept: it judges nothing new;
2. then tiers in the order public, private, generated: a tier that fits in the room left is kept whole;
   public tests that do not fit are kept in dataset order (the statement shows the first ones); private or
   generated ones that do not fit are chosen spread over their sizes: ranked by input length, longest
   first (ties: dataset order), and `room` ranks taken evenly from first to last (`k * (n - 1) // (room - 1)`
   for k = 0 .. room - 1; just the longest when room is 1), so the largest input, the smallest and sizes
   between are all judged;
3. kept tests stay in public-first, then dataset, order.

References (`keep_references`): those in `languages`, the first `max_per_language` of each language in
dataset order. Call problems keep Python ones only, as only Python has a call harness
(`pysynth.problems.call`). A problem left without references is kept: the verify stage drops problems
no reference passes, with its own reason, so that decision is made in one place.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pysynth.problems.languages import Language
from pysynth.problems.model import ORIGIN_ORDER, Problem, ReferenceSolution, TestCase

# Quoted from LiveCodeBench, lcb_runner/prompts/code_generation.py (`PromptConstants` and
# `get_generic_question_template_answer`, commit 28fef95ea8c9f7a547c8329f2cd3d32b92c1fa24), so that a model
# trained on these prompts meets the wording LiveCodeBench evaluates it with. Typos are theirs, kept.
FORMATTING_MESSAGE_WITH_STARTER_CODE = (
    "You will use the following starter code to write the solution to the problem and enclose your code "
    "within delimiters."
)
FORMATTING_WITHOUT_STARTER_CODE = (
    "Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the "
    "sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, "
    "it reads the inputs, runs the algorithm and writes output to STDOUT."
)
QUESTION_SECTION = "### Question:\n{statement}\n\n"
FORMAT_SECTION = "### Format: {message}\n```python\n{code}\n```\n\n"
ANSWER_SECTION = "### Answer: (use the provided format with backticks)\n\n"
EMPTY_CODE = "# YOUR CODE HERE"

DEFAULT_MAX_TESTS = 20
"""Default ours: the paper caps tests per problem (web data had hundreds) but gives no number."""
DEFAULT_LANGUAGES: tuple[Language, ...] = ("python", "cpp")
"""Default ours: the languages pysynth's judge runs fastest and the datasets hold most references in."""
DEFAULT_MAX_REFERENCES = 3
"""Default ours: references kept per language; verify runs each on every kept test."""


@dataclass(frozen=True)
class Normalized:
    """A problem after processing: capped tests and filtered references, and its prompt."""

    problem: Problem
    prompt: str
    format_instruction: str
    """The prompt's part after the statement (format section and answer line)."""
    tests_dropped: int
    references_dropped: int
    """Reference solutions left out (`solutions` and `incorrect_solutions` together)."""


def normalize_problem(
    problem: Problem,
    *,
    max_tests: int = DEFAULT_MAX_TESTS,
    languages: Sequence[Language] = DEFAULT_LANGUAGES,
    max_references: int = DEFAULT_MAX_REFERENCES,
) -> Normalized:
    tests = select_tests(problem.tests, max_tests)
    solutions = keep_references(problem.solutions, problem, languages, max_references)
    incorrect = keep_references(problem.incorrect_solutions, problem, languages, max_references)
    dropped_references = (len(problem.solutions) - len(solutions)) + (len(problem.incorrect_solutions) - len(incorrect))
    instruction = format_instruction(problem)
    return Normalized(
        problem=problem.model_copy(update={"tests": tests, "solutions": solutions, "incorrect_solutions": incorrect}),
        prompt=QUESTION_SECTION.format(statement=problem.statement) + instruction,
        format_instruction=instruction,
        tests_dropped=len(problem.tests) - len(tests),
        references_dropped=dropped_references,
    )


def format_instruction(problem: Problem) -> str:
    """The format section and answer line of LiveCodeBench's template for the problem's mode."""
    if problem.mode == "stdin":
        section = FORMAT_SECTION.format(message=FORMATTING_WITHOUT_STARTER_CODE, code=EMPTY_CODE)
    else:
        section = FORMAT_SECTION.format(message=FORMATTING_MESSAGE_WITH_STARTER_CODE, code=starter_code_for(problem))
    return section + ANSWER_SECTION


def starter_code_for(problem: Problem) -> str:
    """A call problem's starter code, stripped of trailing blanks: the dataset's, else one made from `fn_name`."""
    if problem.starter_code.strip():
        return problem.starter_code.rstrip()
    assert problem.fn_name is not None, "only call problems have starter code"  # the model guarantees it
    counts = {len(json.loads(test.input)) for test in problem.tests}  # call inputs are JSON lists (model.py)
    if len(counts) == 1:
        parameters = ", ".join(f"arg{index}" for index in range(1, counts.pop() + 1))
    else:
        parameters = "*args"
    return f"def {problem.fn_name}({parameters}):\n    pass"


def select_tests(tests: Sequence[TestCase], max_tests: int) -> tuple[TestCase, ...]:
    """At most `max_tests` tests: distinct inputs, public first, the rest spread over sizes (module doc)."""
    if max_tests < 1:
        raise ValueError(f"max_tests must be at least 1, got {max_tests}")
    distinct = _first_of_each_input(sorted(tests, key=lambda test: ORIGIN_ORDER[test.origin]))
    kept: list[TestCase] = []
    for origin in ORIGIN_ORDER:
        tier = [test for test in distinct if test.origin == origin]
        room = max_tests - len(kept)
        if len(tier) <= room:
            kept.extend(tier)
        elif origin == "public":
            kept.extend(tier[:room])
        elif room > 0:
            kept.extend(spread_by_size(tier, room))
    return tuple(kept)


def spread_by_size(tests: Sequence[TestCase], count: int) -> list[TestCase]:
    """`count` of `tests` (fewer than there are) taken evenly over their ranks by input length, longest
    first; returned in dataset order."""
    ranked = sorted(range(len(tests)), key=lambda index: (-len(tests[index].input), index))
    last = len(ranked) - 1
    picks = [ranked[0]] if count == 1 else [ranked[step * last // (count - 1)] for step in range(count)]
    return [tests[index] for index in sorted(picks)]


def _first_of_each_input(tests: Iterable[TestCase]) -> list[TestCase]:
    seen: set[str] = set()
    distinct = []
    for test in tests:
        if test.input not in seen:
            seen.add(test.input)
            distinct.append(test)
    return distinct


def keep_references(
    solutions: Sequence[ReferenceSolution], problem: Problem, languages: Sequence[Language], max_per_language: int,
) -> tuple[ReferenceSolution, ...]:
    """The first `max_per_language` solutions of each allowed language, in dataset order (Python only in
    call mode: only Python has a call harness)."""
    allowed = set(languages) & {"python"} if problem.mode == "call" else set(languages)
    taken: Counter[str] = Counter()
    kept = []
    for solution in solutions:
        if solution.language in allowed and taken[solution.language] < max_per_language:
            taken[solution.language] += 1
            kept.append(solution)
    return tuple(kept)
