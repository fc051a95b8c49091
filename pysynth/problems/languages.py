"""The one mapping from datasets' language names onto pysynth's.

pysynth names a language the way its judge does: lower case, one word ("python" is Python 3).
A dataset's solution in a language pysynth cannot run (Python 2, an unnamed language) is left out
of the problem's solutions; that is not a malformed row.
"""

from __future__ import annotations

from typing import get_args

from pysynth.judge.config import Language as Language  # re-exported: the judge is its one home

LANGUAGES: tuple[Language, ...] = get_args(Language)

# deepmind/code_contests, contest_problem.proto `Solution.Language`, by name.
RUNNABLE_DATASET_LANGUAGES: dict[str, Language] = {"PYTHON3": "python", "CPP": "cpp", "JAVA": "java"}
NOT_RUNNABLE_DATASET_LANGUAGES: dict[str, str] = {
    "PYTHON": "python2",  # the proto's PYTHON is Python 2; pysynth runs Python 3 only
    "UNKNOWN_LANGUAGE": "unknown",
}

CODE_CONTESTS_LANGUAGE_NUMBERS: dict[int, str] = {0: "UNKNOWN_LANGUAGE", 1: "PYTHON", 2: "CPP", 3: "PYTHON3", 4: "JAVA"}
"""The proto's enum values, as the Hugging Face copy of CodeContests stores them."""

TACO_LANGUAGE: Language = "python"
"""TACO's and APPS's solutions are Python 3 programs."""

LIVECODEBENCH_LANGUAGE: Language = "python"
"""LiveCodeBench's starter code and judge are Python."""


def code_contests_language(value: object) -> Language | None:
    """pysynth's name for a CodeContests language (enum number or name); None: not runnable here.

    Raises `ValueError` for a value that is neither (a malformed row, not a language we skip)."""
    is_number = isinstance(value, int) and not isinstance(value, bool)
    name = CODE_CONTESTS_LANGUAGE_NUMBERS.get(value) if is_number else value  # type: ignore[call-overload]
    if name in RUNNABLE_DATASET_LANGUAGES:
        return RUNNABLE_DATASET_LANGUAGES[name]
    if name in NOT_RUNNABLE_DATASET_LANGUAGES:
        return None
    known = ", ".join(f"{number} ({label})" for number, label in CODE_CONTESTS_LANGUAGE_NUMBERS.items())
    raise ValueError(f"unknown language {value!r} (known: {known})")
