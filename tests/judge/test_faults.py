"""Judge faults stay faults: a failed bookkeeping step is reported as a fault, never as a verdict,
and nothing root does follows a link a sandboxed program (or another user) planted."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pysynth import judge as J

V = J.Verdict
DOUBLE = J.Solution("python", "print(int(input()) * 2)\n")
DOUBLE_CPP = J.Solution("cpp", '#include <cstdio>\nint main() { int n; scanf("%d", &n); printf("%d\\n", 2 * n); }\n')
TESTS = [J.Test("21\n", "42\n"), J.Test("1\n", "2\n")]


def test_an_unreadable_output_file_is_a_fault_not_a_wrong_answer() -> None:
    result = J.run([DOUBLE, DOUBLE_CPP], TESTS, workers=1, inject_fault="read_stdout")
    for row in result.runs:
        for cell in row:
            assert cell.verdict is None and cell.fault == "InternalError", cell
            assert "reading a run's stdout" in (cell.fault_message or "")
    assert result.pass_rates == [0.0, 0.0]
    assert all(vote.valid == 0 for vote in result.votes), "a fault never votes"


def test_a_failed_seal_is_a_fault_not_a_compile_error() -> None:
    result = J.run([DOUBLE], TESTS, workers=1, inject_fault="seal")
    assert result.compiles[0].fault == "InternalError", result.compiles[0]
    assert [cell.fault for cell in result.runs[0]] == ["InternalError"] * 2, "its tests are faults too"
    assert all(cell.verdict != V.COMPILE_ERROR for cell in result.runs[0])


def test_a_fault_free_run_after_faults_still_judges() -> None:
    with J.Pool(workers=1) as pool:
        assert pool.run([DOUBLE], TESTS).pass_rates == [1.0]


def test_planted_links_at_old_predictable_names_are_not_followed(tmp_path: Path) -> None:
    """Job directories used to be `<scratch>/pysynth-judge-<pid>-<n>`, accepted if they existed.
    Now each pool and call makes its own with mkdtemp: planted links are left alone."""
    scratch, victim = tmp_path / "scratch", tmp_path / "victim"
    scratch.mkdir()
    victim.mkdir(mode=0o700)
    (victim / "keep").write_text("untouched")
    for n in range(4):
        (scratch / f"pysynth-judge-{os.getpid()}-{n}").symlink_to(victim)
    result = J.run([DOUBLE, DOUBLE_CPP], TESTS, workers=2, scratch_dir=str(scratch))
    assert [[str(c.verdict) for c in row] for row in result.runs] == [["Accepted"] * 2] * 2
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700 and victim.stat().st_uid == 0
    assert sorted(p.name for p in victim.iterdir()) == ["keep"] and (victim / "keep").read_text() == "untouched"
    left = sorted(p.name for p in scratch.iterdir())
    assert left == sorted(f"pysynth-judge-{os.getpid()}-{n}" for n in range(4)), f"the judge left {left}"


def test_a_run_cannot_write_into_its_lease() -> None:
    """The compiled solution, the inputs and the other slots are root's: a run may only write its
    stdout/stderr descriptors and its private /tmp."""
    source = """
import os
for path in ("/work/sol-0/main.code", "/work/sol-0/x", "/work/tests/0.in", "/work/slot-0/out", "/work/x"):
    try:
        with open(path, "w") as f:
            f.write("tampered")
        print(path, "written")
    except OSError as error:
        print(path, type(error).__name__)
for path in ("/work/sol-0/link",):
    try:
        os.symlink("/etc/passwd", path)
        print(path, "linked")
    except OSError as error:
        print(path, type(error).__name__)
print(sorted(os.listdir("/work/sol-0")))
try:
    print(os.listdir("/.leases"))
except OSError as error:
    print("/.leases", type(error).__name__)
"""
    result = J.run([J.Solution("python", source)], [J.Test(""), J.Test("")], workers=1)
    first, second = (cell.stdout.decode() for cell in result.runs[0])
    assert "written" not in first and "linked" not in first, first
    assert "['main.code', 'main.py']" in first and "/.leases PermissionError" in first, first
    assert first == second, "the second run saw what the first one did"


def test_every_run_gets_a_fresh_tmp_even_on_a_warm_sandbox() -> None:
    """Runs of one call share their lease's mount namespace on a worker, but each gets a new
    private /tmp: nothing one run (or a process it left) wrote there is seen by the next."""
    source = """
import os, subprocess
print(sorted(os.listdir("/tmp")))
with open(f"/tmp/left-by-{input().strip()}", "w") as f:
    f.write("x" * 1000)
if os.fork() == 0:  # a straggler that would keep writing into /tmp
    os.setsid()
    import time
    for n in range(100):
        open(f"/tmp/straggler-{n}", "w").close()
        time.sleep(0.01)
    os._exit(0)
"""
    with J.Pool(workers=1) as pool:
        for _ in range(2):  # a second call on the same warm worker, in a new lease
            result = pool.run([J.Solution("python", source)], [J.Test(f"{n}\n") for n in range(4)])
            assert [cell.stdout for cell in result.runs[0]] == [b"[]\n"] * 4, [c.stdout for c in result.runs[0]]
