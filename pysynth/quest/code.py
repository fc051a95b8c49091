"""The program in a model's answer: the source of its last fenced code block, as a judge
`Solution`, or a typed reason why there is none.

Only blocks labelled with a language the judge runs, or unlabelled, are candidates: answers
often end with a ```text block of sample output after the code, which must not be taken for it.
An unlabelled block is C++ when it includes a header or defines `main`, Python otherwise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pysynth.judge import Language, Solution
from pysynth.judge.report import LANGUAGES
from pysynth.quest.answers import fenced_blocks, final_answer

CODE_LABELS: dict[str, Language] = {**LANGUAGES, "python3": "python", "py3": "python", "cplusplus": "cpp"}
"""Fence labels (lowercase) and the judge language each one means."""

_CPP_MARKERS = re.compile(r"^\s*#\s*include\b|\bint\s+main\s*\(", re.MULTILINE)


SOLUTION_PROMPT = """Solve the following competitive-programming problem. Think it through, then give \
one complete {language} program that reads the input from standard input and writes the answer to \
standard output. Put the final program in exactly one fenced code block at the end of your answer, \
and write nothing after it.

{problem}"""
LANGUAGE_NAMES: dict[Language, str] = {"python": "Python 3", "cpp": "C++17"}


def render_solution_prompt(problem: str, language: Language = "python") -> str:
    """The prompt for a solver (T solutions per problem) or a distillation teacher."""
    return SOLUTION_PROMPT.format(language=LANGUAGE_NAMES[language], problem=problem.strip())


class NoCodeReason(StrEnum):
    UNFINISHED_REASONING = "the answer stops inside its <think> section"
    NO_FENCED_BLOCK = "no fenced code block"
    UNSUPPORTED_LANGUAGE = "code blocks only in languages the judge does not run"
    UNTERMINATED_BLOCK = "the last code block is not closed (truncated answer)"
    EMPTY_BLOCK = "the last code block is empty"


@dataclass(frozen=True)
class NoCode:
    reason: NoCodeReason
    detail: str = ""


def judge_language(label: str) -> Language | None:
    """The judge language a fence label names ("py", "C++", ...), or None."""
    return CODE_LABELS.get(label.strip().lower())


def _guess_language(source: str) -> Language:
    return "cpp" if _CPP_MARKERS.search(source) else "python"


def extract_code(answer: str, unlabelled: Language | None = None) -> Solution | NoCode:
    """The last fenced block in a language the judge runs (or unlabelled: `unlabelled`, or by
    default Python or C++ as the block looks) after any reasoning section."""
    text = final_answer(answer)
    if text is None:
        return NoCode(NoCodeReason.UNFINISHED_REASONING)
    blocks = fenced_blocks(text)
    candidates = [block for block in blocks if block.label == "" or judge_language(block.label)]
    if not candidates:
        if blocks:
            labels = sorted({block.label for block in blocks})
            return NoCode(NoCodeReason.UNSUPPORTED_LANGUAGE, ", ".join(labels))
        return NoCode(NoCodeReason.NO_FENCED_BLOCK)
    last = candidates[-1]
    if not last.closed:
        return NoCode(NoCodeReason.UNTERMINATED_BLOCK, last.label)
    if not last.body.strip():
        return NoCode(NoCodeReason.EMPTY_BLOCK, last.label)
    return Solution(judge_language(last.label) or unlabelled or _guess_language(last.body), last.body)
