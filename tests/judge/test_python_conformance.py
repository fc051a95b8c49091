"""pysynth.judge runs Python as a fresh `python3 main.py` would: for every idiom of python_idioms.py the
judge's stdout bytes and exit status equal those of the same interpreter started from scratch on the
same stdin file, however the judge starts its programs (a warm forked zygote included)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from pysynth import judge
from tests.judge.python_idioms import IDIOMS, Idiom

REFERENCE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
REPORT_BYTES = 8 << 20
"""More than the largest idiom writes (~2 MB), so the judge reports the whole output."""
SHOWN_BYTES = 300
BY_NAME = {idiom.name: idiom for idiom in IDIOMS}


@dataclass(frozen=True)
class Outcome:
    stdout: bytes
    status: int
    """The exit code, or minus the signal that ended the process (as subprocess reports it)."""

    def describe(self) -> str:
        shown = self.stdout[:SHOWN_BYTES]
        more = f" ... ({len(self.stdout)} bytes in all)" if len(self.stdout) > SHOWN_BYTES else ""
        return f"status {self.status}, stdout {shown!r}{more}"


def run_reference(idiom: Idiom, tmp_path: Path) -> Outcome:
    """A fresh interpreter in a directory holding only main.py, stdin a regular file."""
    work = tmp_path / "work"
    work.mkdir(parents=True)
    (work / "main.py").write_text(idiom.source, encoding="utf-8")
    stdin_file = tmp_path / "stdin"
    stdin_file.write_bytes(idiom.stdin_bytes)
    with stdin_file.open("rb") as stdin:
        process = subprocess.run(
            [os.path.realpath(sys.executable), "main.py"], cwd=work, env=REFERENCE_ENV, stdin=stdin,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30, check=False,
        )
    return Outcome(process.stdout, process.returncode)


def run_judge(idiom: Idiom) -> tuple[Outcome, bytes]:
    """The judge's outcome and stderr; fails the test on a judge fault or an unexpected verdict."""
    result = judge.run(
        [judge.Solution("python", idiom.source)], [judge.Test(idiom.stdin_bytes)],
        time_limit=2, memory_limit="512M", workers=1, report_bytes=REPORT_BYTES,
    )
    run = result.runs[0][0]
    assert run.fault is None, f"{idiom.name}: judge fault {run.fault}: {run.fault_message}"
    if run.verdict == judge.Verdict.FINISHED:
        status = 0
    elif run.verdict == judge.Verdict.RUNTIME_ERROR and run.exit_code is not None:
        status = run.exit_code
    elif run.verdict == judge.Verdict.RUNTIME_ERROR and run.signal is not None:
        status = -run.signal
    else:
        pytest.fail(f"{idiom.name}: verdict {run.verdict} (exit code {run.exit_code}, signal {run.signal}); "
                    f"stderr tail {run.stderr[-SHOWN_BYTES:]!r}")
    return Outcome(run.stdout, status), run.stderr


def first_difference(left: bytes, right: bytes) -> int:
    return next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))


@pytest.mark.parametrize("idiom", IDIOMS, ids=[idiom.name for idiom in IDIOMS])
def test_judge_matches_fresh_interpreter(idiom: Idiom, tmp_path: Path) -> None:
    expected = run_reference(idiom, tmp_path)
    actual, stderr = run_judge(idiom)
    where = "" if actual.stdout == expected.stdout else \
        f"; stdout first differs at byte {first_difference(actual.stdout, expected.stdout)}"
    assert actual == expected, (
        f"{idiom.name}: the judge gave {actual.describe()}\n"
        f"python3 main.py gave {expected.describe()}{where}\n"
        f"judge stderr tail: {stderr[-SHOWN_BYTES:]!r}"
    )


def test_reference_runner_tells_idioms_apart(tmp_path: Path) -> None:
    """The comparison cannot pass vacuously: buffered output lost to os._exit is really lost, the same
    output flushed first survives, and exit statuses come through."""
    outcomes = {name: run_reference(BY_NAME[name], tmp_path / name)
                for name in ("os_exit_0_without_flush", "stdout_flush_then_os_exit_0", "sys_exit_main_returns_3",
                             "uncaught_keyboard_interrupt")}
    assert outcomes["os_exit_0_without_flush"] == Outcome(b"", 0)
    assert outcomes["stdout_flush_then_os_exit_0"] == Outcome(b"flushed by hand\n", 0)
    assert outcomes["sys_exit_main_returns_3"] == Outcome(b"partial answer\n", 3)
    assert outcomes["uncaught_keyboard_interrupt"] == Outcome(b"interrupted\n", -2)


def test_idiom_names_are_unique() -> None:
    repeated = [name for name, count in Counter(idiom.name for idiom in IDIOMS).items() if count > 1]
    assert not repeated, f"idiom names used twice: {repeated}"
