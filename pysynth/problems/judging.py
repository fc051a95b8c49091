"""Judging a `Problem`: its mode, limits and comparison come from the problem, so a solution is
judged the way the dataset's own evaluator would judge it, but sandboxed.

- stdin problems run as programs; call problems go through the function-call harness
  (`pysynth.problems.call`), Python only (a C++ or Java harness is not built: see the README).
- Limits: the problem's time and memory limits where it has them, else the config's.
- Comparison: what the dataset's evaluator does (`default_comparator`), unless the caller says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pysynth import judge
from pysynth.errors import InputError
from pysynth.judge import Comparison, JudgeConfig, JudgeResult
from pysynth.problems.call import call_program
from pysynth.problems.load import iter_problems
from pysynth.problems.model import Problem, ReferenceSolution
from pysynth.problems.rows import Dropped
from pysynth.tables import iter_jsonl_objects

# stdin problems: LiveCodeBench's own rule for its set, the TACO/APPS cascade for theirs, and
# testlib's token comparison (what Codeforces' default checker does) for the rest.
STDIN_COMPARATORS: dict[str, Comparison] = {"livecodebench": "lcb", "taco": "lenient", "apps": "lenient"}


def default_comparator(problem: Problem) -> Comparison:
    if problem.mode == "call":
        return "call"
    return STDIN_COMPARATORS.get(problem.source, "tokens")


@dataclass(frozen=True)
class SolutionOutcome:
    """One solution of one problem: its pass rate and the verdicts of its tests."""

    problem_id: str
    solution: int
    language: str
    pass_rate: float
    verdicts: dict[str, int]
    """Verdict name -> number of tests (a fault counts under the fault's name)."""
    accepted_by: dict[str, int] = field(default_factory=dict)
    """Comparator rule -> number of tests it accepted (the lenient cascade says which stage)."""
    compile_error: str | None = None

    def to_row(self) -> dict[str, object]:
        return {"problem_id": self.problem_id, "solution": self.solution, "language": self.language,
                "pass_rate": self.pass_rate, "verdicts": self.verdicts, "accepted_by": self.accepted_by,
                "compile_error": self.compile_error}


def judge_config_for(problem: Problem, config: JudgeConfig | None = None, comparator: Comparison | None = None) -> JudgeConfig:
    """`config` with the problem's limits and comparison."""
    overrides: dict[str, object] = {"comparator": comparator or default_comparator(problem)}
    if problem.time_limit is not None:
        overrides["time_limit"] = problem.time_limit
    if problem.memory_limit is not None:
        overrides["memory_limit"] = max(problem.memory_limit, 16 << 20)
    return JudgeConfig.build(config, **overrides)


def programs_for(problem: Problem, solutions: Sequence[ReferenceSolution]) -> list[judge.Solution]:
    """What the judge runs for each solution: itself (stdin) or the call harness around it."""
    if problem.mode == "stdin":
        return [judge.Solution(s.language, s.source) for s in solutions]
    for s in solutions:
        if s.language != "python":
            raise InputError(f"problem {problem.id}: call-mode problems are judged in Python only, not {s.language}")
    assert problem.fn_name is not None  # the model guarantees it in call mode
    return [judge.Solution("python", call_program(s.source, problem.fn_name)) for s in solutions]


def judge_problem(
    problem: Problem,
    solutions: Sequence[ReferenceSolution] | None = None,
    config: JudgeConfig | None = None,
    *,
    comparator: Comparison | None = None,
    max_tests: int | None = None,
    pool: judge.Pool | None = None,
) -> list[SolutionOutcome]:
    """Judges `solutions` (default: the problem's reference solutions) on the problem's tests,
    public ones first, at most `max_tests`. With `pool`, its warm sandboxes are used."""
    chosen = list(problem.solutions if solutions is None else solutions)
    if not chosen:
        return []
    call = judge_config_for(problem, config if pool is None else (config or pool.config), comparator)
    tests = [judge.Test(t.input, t.expected) for t in problem.public_first_tests(max_tests)]
    programs = programs_for(problem, chosen)
    result = (pool or judge.shared_pool(call)).run(programs, tests, call)
    return outcomes(problem, chosen, result)


def outcomes(problem: Problem, solutions: Sequence[ReferenceSolution], result: JudgeResult) -> list[SolutionOutcome]:
    rows = []
    for index, (solution, runs) in enumerate(zip(solutions, result.runs)):
        verdicts = Counter(run.fault or (run.verdict.value if run.verdict else "None") for run in runs)
        accepted = Counter(run.accepted_by for run in runs if run.accepted_by)
        compiled = result.compiles[index]
        error = compiled.stderr.decode(errors="replace")[-2000:] if compiled.verdict == judge.Verdict.COMPILE_ERROR else None
        rate = result.pass_rates[index] if result.pass_rates else 0.0  # every problem test has an expected output
        rows.append(SolutionOutcome(problem.id, index, solution.language, rate, dict(verdicts), dict(accepted), error))
    return rows


def load_solutions(path: Path) -> dict[str, list[ReferenceSolution]]:
    """A JSONL file of {"problem_id", "language", "source"}: the solutions to judge, by problem."""
    by_problem: dict[str, list[ReferenceSolution]] = {}
    for number, row in iter_jsonl_objects(path):
        try:
            solution = ReferenceSolution.model_validate({"language": row.get("language"), "source": row.get("source")})
        except ValueError as error:
            first = error.errors()[0] if hasattr(error, "errors") else {"loc": ("?",), "msg": str(error)}
            raise InputError(f"{path}:{number}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        problem_id = row.get("problem_id")
        if not isinstance(problem_id, str) or not problem_id:
            raise InputError(f"{path}:{number}: problem_id: expected a non-empty string")
        by_problem.setdefault(problem_id, []).append(solution)
    return by_problem


def judge_problem_file(
    problems: Path, format: str, solutions_from: str, config: JudgeConfig | None = None, *,
    max_tests: int | None = None, comparator: Comparison | None = None,
) -> Iterator[SolutionOutcome | Dropped]:
    """Every problem of a file judged, one problem at a time on one warm pool: the outcome of each
    solution, and each row the reader dropped. `solutions_from` is `reference` (the problems' own
    solutions) or a JSONL file of solutions (see `load_solutions`)."""
    chosen = None if solutions_from == "reference" else load_solutions(Path(solutions_from))
    base = JudgeConfig.build(config)
    with judge.Pool(base) as pool:
        for item in iter_problems(problems, format):
            if isinstance(item, Dropped):
                yield item
                continue
            solutions = item.solutions if chosen is None else chosen.get(item.id, [])
            yield from judge_problem(item, solutions, base, comparator=comparator, max_tests=max_tests, pool=pool)
