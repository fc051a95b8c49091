"""Programming problems with tests and reference solutions, read from TACO, APPS, CodeContests,
LiveCodeBench or pysynth's own JSON lines into one `Problem` shape (see `model.py` for the test
encoding of call-mode problems)."""

from pysynth.problems.languages import LANGUAGES, Language
from pysynth.problems.load import FORMATS, ProblemFormat, ProblemSet, iter_problems, load_problems
from pysynth.problems.model import Mode, Problem, ReferenceSolution, TestCase, TestOrigin
from pysynth.problems.rows import Dropped

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
    "iter_problems",
    "load_problems",
]
