"""GSM8K- and MATH-style question files (.jsonl or .parquet) read into one shape, `MathQuestion`.

The layout is told by the columns:
  - GSM8K: `question` and `answer`, the worked answer ending with a `#### <final answer>` line;
  - MATH: `problem` and `solution`, the final answer in the solution's last `\\boxed{...}`; `level` and
    `type` (the subject) are kept when present;
  - bare questions: a `question` column alone (pysynth's own output, for question fine-tuning); no answer.
A mistake is one line, `file: line N: field: problem` in JSONL (`row N`, from 1, in Parquet), as
`pysynth.train.data` reports. Other columns are ignored.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pysynth.errors import InputError
from pysynth.scalequest.answers import extract_boxed
from pysynth.train.data import read_records

GSM8K_MARKER = "####"
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


class MathStyle(enum.Enum):
    GSM8K = "gsm8k"
    MATH = "math"
    QUESTIONS = "questions"


@dataclass(frozen=True)
class MathQuestion:
    question: str  # stripped
    answer: str | None  # the final answer; None for a bare question file
    style: MathStyle
    where: str  # `file: line N` (JSONL) or `file: row N` (Parquet): where the row came from
    solution: str | None = None  # the worked answer (GSM8K `answer`, MATH `solution`)
    level: str | None = None  # MATH only, e.g. "Level 3"
    subject: str | None = None  # MATH `type`, e.g. "Algebra"


def read_math_questions(path: str | Path) -> list[MathQuestion]:
    """Every row of `path` as a `MathQuestion`; raises `InputError` at the first bad row or a file of
    neither layout."""
    path = Path(path)
    columns, records = read_records(path)
    style = _style(path, columns)
    if not records:
        raise InputError(f"{path}: has no rows")
    return [_question(style, record, f"{path}: {label}") for label, record in records]


def read_questions(path: str | Path) -> list[str]:
    """Only the question texts (for question fine-tuning); answers are not checked."""
    path = Path(path)
    columns, records = read_records(path)
    field = "question" if "question" in columns else "problem" if "problem" in columns else None
    if field is None:
        raise InputError(f"{path}: needs a `question` (or MATH-style `problem`) column "
                         f"(columns: {', '.join(columns) or 'none'})")
    if not records:
        raise InputError(f"{path}: has no rows")
    return [_text(record, field, f"{path}: {label}") for label, record in records]


def gsm8k_final_answer(answer: str, where: str = "answer") -> str:
    """The text after the last `####`, with thousands separators removed ("1,200" -> "1200")."""
    _, marker, final = answer.rpartition(GSM8K_MARKER)
    final = final.strip()
    if not marker or not final:
        raise InputError(f"{where}: has no `{GSM8K_MARKER} <final answer>` line")
    return final.replace(",", "") if _THOUSANDS.match(final) else final


def _style(path: Path, columns: list[str]) -> MathStyle:
    if "problem" in columns and "solution" in columns:
        return MathStyle.MATH
    if "question" in columns:
        return MathStyle.GSM8K if "answer" in columns else MathStyle.QUESTIONS
    raise InputError(f"{path}: needs `question` (+ `answer`, GSM8K-style) or `problem` + `solution` "
                     f"(MATH-style) columns (columns: {', '.join(columns) or 'none'})")


def _question(style: MathStyle, record: dict[str, Any], where: str) -> MathQuestion:
    if style is MathStyle.QUESTIONS:
        return MathQuestion(question=_text(record, "question", where), answer=None, style=style, where=where)
    if style is MathStyle.GSM8K:
        solution = _text(record, "answer", where)
        return MathQuestion(question=_text(record, "question", where), style=style, where=where, solution=solution,
                            answer=gsm8k_final_answer(solution, f"{where}: answer"))
    solution = _text(record, "solution", where)
    final = extract_boxed(solution)
    if not final:
        raise InputError(f"{where}: solution: has no \\boxed{{...}} final answer")
    return MathQuestion(question=_text(record, "problem", where), answer=final, style=style, where=where,
                        solution=solution, level=_optional_text(record, "level", where),
                        subject=_optional_text(record, "type", where))


def _text(record: dict[str, Any], field: str, where: str) -> str:
    value = record.get(field)
    if value is None:
        raise InputError(f"{where}: {field}: missing")
    if not isinstance(value, str):
        raise InputError(f"{where}: {field}: must be text (got {type(value).__name__})")
    if not value.strip():
        raise InputError(f"{where}: {field}: is empty")
    return value.strip()


def _optional_text(record: dict[str, Any], field: str, where: str) -> str | None:
    return None if record.get(field) is None else _text(record, field, where)
