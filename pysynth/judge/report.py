"""Loading judge tests from files and presenting judge results (table and JSON) for the CLI."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pysynth.errors import InputError
from pysynth.tables import iter_jsonl_objects
from pysynth.judge.config import Language, Test
from pysynth.judge.results import JudgeResult

LANGUAGES: dict[str, Language] = {
    "py": "python", "python": "python", "cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp", "c": "c",
    "java": "java", "go": "go", "rs": "rust", "rust": "rust", "js": "javascript", "mjs": "javascript",
    "javascript": "javascript", "node": "javascript",
}
EXPECTED_SUFFIXES = (".out", ".ans", ".a")


def language_of(path: Path, declared: str | None) -> Language:
    name = (declared or path.suffix.lstrip(".")).lower()
    if name not in LANGUAGES:
        raise InputError(f"{path}: unknown language {name!r}; use --lang with one of py, cpp, c, java, go, rs, js")
    return LANGUAGES[name]


def _natural(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def load_tests(path: Path) -> list[Test]:
    """A JSONL file of {"input": ..., "output"/"expected": ... or null}, or a directory of NAME.in
    files with optional NAME.out / NAME.ans expected outputs (natural name order)."""
    if path.is_dir():
        inputs = sorted(path.glob("*.in"), key=_natural)
        if not inputs:
            raise InputError(f"{path}: no *.in files")
        tests = []
        for source in inputs:
            expected = next((source.with_suffix(s) for s in EXPECTED_SUFFIXES if source.with_suffix(s).exists()), None)
            tests.append(Test(source.read_bytes(), expected.read_bytes() if expected else None))
        return tests
    if not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    tests = []
    for number, row in iter_jsonl_objects(path):
        if not isinstance(row.get("input"), str):
            raise InputError(f"{path}:{number}: expected an object with a string 'input'")
        expected = row.get("expected", row.get("output"))
        if expected is not None and not isinstance(expected, str):
            raise InputError(f"{path}:{number}: 'expected' must be a string or null")
        tests.append(Test(row["input"], expected))
    if not tests:
        raise InputError(f"{path}: no tests")
    return tests


def result_json(result: JudgeResult, names: list[str]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode(errors="replace")
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    payload = plain(asdict(result))
    payload["solutions"] = names
    return json.dumps(payload, indent=2)


def print_table(result: JudgeResult, names: list[str], console: Console) -> None:
    table = Table(title="verdicts per test")
    for column in ("solution", "compile", "verdicts", "pass rate", "max cpu s", "max memory MiB"):
        table.add_column(column)
    for index, name in enumerate(names):
        cells = result.runs[index]
        compile_ = result.compiles[index]
        shown = " ".join(_short(c) for c in cells[:30]) + (" ..." if len(cells) > 30 else "")
        rate = f"{result.pass_rates[index]:.2f}" if result.pass_rates else "-"
        cpu = max((c.cpu_time for c in cells), default=0.0)
        memory = max((c.peak_memory for c in cells), default=0) / (1 << 20)
        table.add_row(name, _short(compile_), shown, rate, f"{cpu:.3f}", f"{memory:.1f}")
    console.print(table)
    shares = ", ".join("-" if v.share is None else f"{v.share:.2f}" for v in result.votes[:30])
    console.print(f"majority share per test: {shares}")
    delta = result.difficulty.delta
    console.print(f"difficulty (1 - mean majority share): {'-' if delta is None else f'{delta:.3f}'} "
                  f"over {result.difficulty.tests_with_votes} tests with valid outputs")
    console.print(f"python: {result.python_environment}")
    for note in result.isolation_notes:
        console.print(f"[bold red]{note}[/]")


SHORT = {"Accepted": "AC", "WrongAnswer": "WA", "Finished": "OK", "TimeLimitExceeded": "TLE",
         "MemoryLimitExceeded": "MLE", "OutputLimitExceeded": "OLE", "RuntimeError": "RE", "CompileError": "CE", "Skipped": "SK"}


def _short(cell: Any) -> str:
    return SHORT[cell.verdict.value] if cell.verdict else "FAULT"
