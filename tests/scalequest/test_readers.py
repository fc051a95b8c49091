"""GSM8K- and MATH-style readers: the final answer of each layout, bare questions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pysynth.errors import InputError
from pysynth.scalequest.readers import MathStyle, read_math_questions, read_questions

FIXTURES = Path(__file__).parent / "fixtures"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_gsm8k_final_answer_follows_the_marker_without_thousands_commas() -> None:
    first, second = read_math_questions(FIXTURES / "gsm8k_style.jsonl")
    assert first.style is MathStyle.GSM8K and first.answer == "43" and first.question.startswith("A baker")
    assert first.solution is not None and first.solution.endswith("#### 43")
    assert second.answer == "2500" and second.where == f"{FIXTURES / 'gsm8k_style.jsonl'}: line 2"


def test_math_final_answer_is_the_last_boxed_with_nested_braces() -> None:
    first, second = read_math_questions(FIXTURES / "math_style.jsonl")
    assert (first.style, first.answer, first.level, first.subject) == (MathStyle.MATH, "7", "Level 1", "Algebra")
    assert second.answer == "\\frac{3}{4}" and second.question == "Simplify $\\frac{6}{8}$."


def test_parquet_and_bare_questions(tmp_path: Path) -> None:
    path = tmp_path / "math.parquet"
    pl.read_ndjson(FIXTURES / "math_style.jsonl").write_parquet(path)
    assert [q.answer for q in read_math_questions(path)] == ["7", "\\frac{3}{4}"]
    assert read_questions(path)[0] == "What is the positive solution of $x^2 = 49$?"
    bare = write_jsonl(tmp_path / "bare.jsonl", [{"question": "  How many sides has a hexagon?  ", "id": 3}])
    (only,) = read_math_questions(bare)
    assert (only.style, only.answer, only.question) == (MathStyle.QUESTIONS, None, "How many sides has a hexagon?")
    assert read_questions(FIXTURES / "gsm8k_style.jsonl")[1].startswith("A library buys")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"question": "q?", "answer": "7"}], "line 1: answer: has no `#### <final answer>` line"),
        ([{"question": "q?", "answer": "#### 1"}, {"question": " ", "answer": "#### 2"}], "line 2: question: is empty"),
        ([{"problem": "p?", "solution": "it is 3"}], "line 1: solution: has no \\boxed{...} final answer"),
        ([{"problem": "p?", "solution": "\\boxed{3}", "level": 5}], "line 1: level: must be text (got int)"),
        ([{"question": 12}], "line 1: question: must be text (got int)"),
        ([{"text": "q?"}], "or `problem` + `solution` (MATH-style) columns (columns: text)"),
    ],
)
def test_malformed_rows_are_one_line_naming_file_line_and_field(tmp_path: Path, rows: list[dict[str, Any]],
                                                                message: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(InputError) as caught:
        read_math_questions(path)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{path}: ") and text.endswith(message), text


def test_questions_need_a_question_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rows.jsonl", [{"text": "q?"}])
    with pytest.raises(InputError, match=r"needs a `question` \(or MATH-style `problem`\) column \(columns: text\)"):
        read_questions(path)
