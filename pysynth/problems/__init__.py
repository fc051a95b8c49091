"""Programming problems with tests and reference solutions, read from TACO, APPS, CodeContests,
LiveCodeBench or pysynth's own JSON lines into one `Problem` shape (see `model.py` for the test
encoding of call-mode problems), and judged as their own evaluators judge them (`judging.py`)."""

from pysynth.problems.languages import LANGUAGES, Language
from pysynth.problems.load import FORMATS, ProblemFormat, ProblemSet, iter_problems, load_problems
from pysynth.problems.model import Mode, Problem, ReferenceSolution, TestCase, TestOrigin
from pysynth.problems.rows import Dropped
from pysynth.problems.judging import SolutionOutcome, default_comparator, judge_problem, judge_problem_file

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Dropped",
    "Language",
    "Mode",
    "Problem",
    "ProblemFormat",
    "ProblemSet",
    "ReferenceSolution",
    "TestCase",
    "TestOrigin",
    "SolutionOutcome",
    "default_comparator",
    "iter_problems",
    "judge_problem",
    "judge_problem_file",
    "load_problems",
]
