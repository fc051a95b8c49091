"""LiveCodeBench code_generation_lite rows (lcb_runner/benchmarks/code_generation.py).

- `question_id` (the id), `question_content` (the statement), `platform` (leetcode, codeforces,
  atcoder), `contest_date` (ISO date-time), `starter_code`, `difficulty` (easy, medium, hard).
- `public_test_cases`: JSON text of a list of `{"input", "output", "testtype"}`, testtype `stdin`
  or `functional`. `private_test_cases`: the same, or that JSON text pickled, zlib-compressed and
  base64-encoded (the later releases).
- `metadata`: JSON text; `func_name` names the function of a functional problem.

A functional input holds one JSON value a line, one line per argument; it becomes the JSON list of
arguments of pysynth's call mode. A functional output is one JSON value, stored re-encoded.

The pickle comes from a downloaded file, so it is read by an unpickler that refuses every global:
the JSON text it should hold needs none, and anything that does (a `__reduce__` calling `os.system`)
drops the row instead of running.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import zlib
from typing import Any

from pysynth.problems.model import Problem
from pysynth.problems.rows import Record, RowError, RowKey, date_from_text, json_text, make_problem, text

MAX_PRIVATE_TESTS_BYTES = 1 << 30
"""The decompressed pickle may be at most this large (the largest LiveCodeBench problem holds ~100 MB)."""


class NoGlobalsUnpickler(pickle.Unpickler):
    """Loads str, bytes, numbers, bools, None, lists, tuples and dicts only: no class, no function."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: the pickle may only hold plain data")


def livecodebench_problem(record: Record, row: RowKey) -> Problem:
    public = _test_cases(json_text(record, "public_test_cases"), "public_test_cases")
    private = _test_cases(_private_test_cases(record.get("private_test_cases")), "private_test_cases")
    kinds = {kind for _, _, kind in public + private}
    if len(kinds) > 1:
        raise RowError("public_test_cases", "mixes stdin and functional tests")
    metadata = json_text(record, "metadata") or {}
    if not isinstance(metadata, dict):
        raise RowError("metadata", f"expected a JSON object, got {type(metadata).__name__}")
    functional = kinds == {"functional"}
    fn_name = metadata.get("func_name") if functional else None
    if functional and (not isinstance(fn_name, str) or not fn_name.strip()):
        raise RowError("metadata", "a functional problem needs func_name")
    tests = [_test(given, wanted, origin, functional, index)
             for origin, cases in (("public", public), ("private", private))
             for index, (given, wanted, _) in enumerate(cases)]
    return make_problem({
        "id": text(record, "question_id", required=True),
        "source": "livecodebench",
        "statement": text(record, "question_content", required=True),
        "starter_code": text(record, "starter_code") or "",
        "difficulty": text(record, "difficulty"),
        "date": date_from_text(record, "contest_date"),
        "platform": text(record, "platform"),
        "mode": "call" if functional else "stdin",
        "fn_name": fn_name,
        "tests": tests,
    })


def _private_test_cases(value: object) -> Any:
    field = "private_test_cases"
    if not isinstance(value, str) or not value.strip():
        return json_text({field: value}, field)
    try:
        return json.loads(value)
    except ValueError:
        pass  # not JSON: the base64 / zlib / pickle encoding
    try:
        compressed = base64.b64decode(value.strip(), validate=True)
        decompressor = zlib.decompressobj()
        raw = decompressor.decompress(compressed, MAX_PRIVATE_TESTS_BYTES)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise RowError(field, f"neither JSON nor base64 zlib data ({error})") from None
    if decompressor.unconsumed_tail:
        raise RowError(field, f"decompresses to more than {MAX_PRIVATE_TESTS_BYTES} bytes")
    try:
        loaded = NoGlobalsUnpickler(io.BytesIO(raw)).load()
    except Exception as error:  # noqa: BLE001 - a corrupt pickle raises many types; each drops the row
        raise RowError(field, f"unsafe or corrupt pickle ({type(error).__name__}: {error})") from None
    if isinstance(loaded, bytes):
        loaded = loaded.decode("utf-8", errors="replace")
    if not isinstance(loaded, str):
        return loaded
    try:
        return json.loads(loaded)
    except ValueError as error:
        raise RowError(field, f"the pickled text is not JSON ({error})") from None


def _test_cases(cases: Any, field: str) -> list[tuple[str, str, str]]:
    """(input, output, testtype) of each case."""
    if cases is None:
        return []
    if not isinstance(cases, list):
        raise RowError(field, f"expected a list of test cases, got {type(cases).__name__}")
    found = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise RowError(field, f"test {index} is {type(case).__name__}, not an object")
        given, wanted, kind = case.get("input"), case.get("output"), case.get("testtype")
        if not isinstance(given, str) or not isinstance(wanted, str):
            raise RowError(field, f"test {index}: input and output must be text")
        if kind not in ("stdin", "functional"):
            raise RowError(field, f"test {index}: testtype {kind!r} is neither 'stdin' nor 'functional'")
        found.append((given, wanted, kind))
    return found


def _test(given: str, wanted: str, origin: str, functional: bool, index: int) -> dict[str, str]:
    if not functional:
        return {"input": given, "expected": wanted, "origin": origin}
    arguments, value = functional_test(given, wanted, f"{origin}_test_cases", index)
    return {"input": arguments, "expected": value, "origin": origin}


def functional_test(given: str, wanted: str, field: str, index: int) -> tuple[str, str]:
    """A functional case as pysynth's call mode stores it: (the JSON list of arguments, the JSON
    value), from LiveCodeBench's one JSON value per argument line and one JSON output."""
    try:
        arguments = [json.loads(line) for line in given.split("\n") if line.strip()]
    except ValueError as error:
        raise RowError(field, f"test {index}: an argument line is not JSON ({error})") from None
    try:
        value = json.loads(wanted)
    except ValueError as error:
        raise RowError(field, f"test {index}: the output is not JSON ({error})") from None
    return json.dumps(arguments), json.dumps(value)
