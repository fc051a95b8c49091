"""pysynth.judge: exact verdicts for both languages, comparison modes, voting and difficulty."""

from __future__ import annotations

from pathlib import Path

import pytest

from pysynth import ConfigError
from pysynth import _native
from pysynth import judge as J
from tests.gil import share_of_free_rate

V = J.Verdict
DOUBLE_PY = "print(int(input()) * 2)"
DOUBLE_CPP = "#include <cstdio>\nint main(){long n; scanf(\"%ld\", &n); printf(\"%ld\\n\", n * 2);}"
TESTS = [J.Test(f"{n}\n", f"{2 * n}\n") for n in (1, 7, 20)]


def verdicts(result: J.JudgeResult, solution: int) -> list[V | None]:
    return [cell.verdict for cell in result.runs[solution]]


PYTHON_CASES = {
    "correct": (DOUBLE_PY, V.ACCEPTED),
    "wrong": ("print(int(input()) * 3)", V.WRONG_ANSWER),
    "slow": ("while True:\n    pass", V.TIME_LIMIT_EXCEEDED),
    "crash": ("raise ValueError('boom')", V.RUNTIME_ERROR),
    "memory": ("x = [0] * (64 << 20)", V.MEMORY_LIMIT_EXCEEDED),
}
CPP_CASES = {
    "correct": (DOUBLE_CPP, V.ACCEPTED),
    "wrong": ("#include <cstdio>\nint main(){puts(\"0\");}", V.WRONG_ANSWER),
    "slow": ("int main(){volatile unsigned long x = 0; for(;;) x++;}", V.TIME_LIMIT_EXCEEDED),
    "crash": ("int main(){volatile int *p = nullptr; return *p;}", V.RUNTIME_ERROR),
    "memory": ("#include <vector>\n#include <cstdio>\nint main(){std::vector<char> v(1u << 30, 1); printf(\"%d\", v[7]);}",
               V.MEMORY_LIMIT_EXCEEDED),
}


@pytest.mark.parametrize("use_cgroups", [True, False], ids=["cgroups", "rlimits-only"])
@pytest.mark.parametrize(("language", "cases"), [("python", PYTHON_CASES), ("cpp", CPP_CASES)])
def test_verdicts(language: J.Language, cases: dict[str, tuple[str, V]], use_cgroups: bool) -> None:
    solutions = [J.Solution(language, source) for source, _ in cases.values()]
    result = J.run(solutions, TESTS, time_limit="1s", memory_limit="128M", workers=2, use_cgroups=use_cgroups)
    if use_cgroups:
        assert result.isolation_notes == [], "cgroups should be active on this machine"
    else:
        assert result.isolation_notes and "disabled by configuration" in result.isolation_notes[0]
    for index, (name, (_, expected)) in enumerate(cases.items()):
        assert result.compiles[index].verdict == V.FINISHED, (name, result.compiles[index].stderr)
        assert verdicts(result, index) == [expected] * len(TESTS), f"{language} {name}: {result.runs[index][0]}"
    for cell in result.runs[0]:
        assert 0 < cell.cpu_time < 1 and cell.peak_memory > 0 and cell.wall_time < 1
    slow = result.runs[2][0]
    # Stopped by the CPU watchdog just past 1 s of CPU, or (on a loaded machine, where CPU accrues
    # slowly) by the wall-clock limit of 2 * 1 s + 1 s; either way promptly.
    by_cpu = 1.0 <= slow.cpu_time < 1.5 and slow.wall_time < 3.0
    by_wall = 3.0 <= slow.wall_time < 3.5
    assert by_cpu or by_wall, f"a CPU-bound run is stopped near its limit: {slow}"
    assert result.pass_rates == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_runtime_error_details() -> None:
    solutions = [
        J.Solution("python", "import sys\nsys.exit(3)"),
        J.Solution("python", "raise KeyError('missing')"),
        J.Solution("cpp", "#include <cstdlib>\nint main(){abort();}"),
        J.Solution("cpp", "int main(){volatile int *p = nullptr; return *p;}"),
        J.Solution("python", "import os\nos.abort()"),
        J.Solution("python", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"),
    ]
    result = J.run(solutions, [J.Test("")], time_limit="1s")
    cells = [row[0] for row in result.runs]
    # Programs are never PID 1 of their namespace, which the kernel would shield from these signals.
    assert [(c.verdict, c.exit_code, c.signal) for c in cells] == [
        (V.RUNTIME_ERROR, 3, None), (V.RUNTIME_ERROR, 1, None), (V.RUNTIME_ERROR, None, 6), (V.RUNTIME_ERROR, None, 11),
        (V.RUNTIME_ERROR, None, 6), (V.RUNTIME_ERROR, None, 15),
    ]
    assert b"KeyError: 'missing'" in cells[1].stderr and b"zygote" not in cells[1].stderr


def test_compile_errors() -> None:
    solutions = [J.Solution("python", "def broken(:\n    pass"), J.Solution("cpp", "int main() { return missing; }")]
    result = J.run(solutions, TESTS, time_limit="1s")
    assert [c.verdict for c in result.compiles] == [V.COMPILE_ERROR, V.COMPILE_ERROR]
    assert b"SyntaxError" in result.compiles[0].stderr and b"missing" in result.compiles[1].stderr
    assert verdicts(result, 0) == verdicts(result, 1) == [V.COMPILE_ERROR] * 3
    assert result.difficulty.delta is None and result.difficulty.tests_without_votes == 3


def test_python_sources_compiled_together_fail_only_themselves() -> None:
    """Python solutions are compiled in one batch per worker: a broken source among good ones is a
    CompileError alone, and its neighbours run."""
    good = J.Solution("python", "print(int(input()) * 2)")
    broken = J.Solution("python", "print(int(input()) * 2")
    nul = J.Solution("python", "print(1)\x00")
    result = J.run([good, broken, good, nul, good], TESTS[:1], workers=1)
    assert [c.verdict for c in result.compiles] == [V.FINISHED, V.COMPILE_ERROR, V.FINISHED, V.COMPILE_ERROR, V.FINISHED]
    assert b"SyntaxError" in result.compiles[1].stderr and result.compiles[0].stderr == b""
    assert b"null bytes" in result.compiles[3].stderr, result.compiles[3].stderr
    assert [verdicts(result, i)[0] for i in range(5)] == [V.ACCEPTED, V.COMPILE_ERROR, V.ACCEPTED, V.COMPILE_ERROR, V.ACCEPTED]


def test_float_output_and_comparators() -> None:
    exact = J.Solution("python", "print('%.9f' % (1 / 3))")
    close = J.Solution("python", "print('%.7f' % (1 / 3))")
    far = J.Solution("python", "print('%.3f' % (1 / 3))")
    tests = [J.Test("", "0.333333333\n")]
    tolerant = J.run([exact, close, far], tests, comparator="float", float_absolute=1e-6, float_relative=1e-6)
    assert [row[0].verdict for row in tolerant.runs] == [V.ACCEPTED, V.ACCEPTED, V.WRONG_ANSWER]
    strict = J.run([exact, close], tests, comparator="tokens")
    assert [row[0].verdict for row in strict.runs] == [V.ACCEPTED, V.WRONG_ANSWER]
    spacing = J.run([J.Solution("python", "print('1  2\\n3\\n\\n')")], [J.Test("", "1 2 3")], comparator="tokens")
    assert spacing.runs[0][0].verdict == V.ACCEPTED
    exactly = J.run([J.Solution("python", "print('1  2\\n3\\n\\n')")], [J.Test("", "1 2 3")], comparator="exact")
    assert exactly.runs[0][0].verdict == V.WRONG_ANSWER


def test_majority_vote_and_difficulty() -> None:
    solutions = [
        J.Solution("python", DOUBLE_PY),
        J.Solution("cpp", DOUBLE_CPP),
        J.Solution("python", "n = int(input())\nprint(2 * n if n < 10 else n)"),  # disagrees on the last test
        J.Solution("python", "import time\ntime.sleep(5)"),  # invalid: excluded from every vote
    ]
    tests = [J.Test("1\n"), J.Test("7\n"), J.Test("20\n")]
    result = J.run(solutions, tests, time_limit="0.5s", wall_time_limit="1s")
    assert all(row[j].verdict == V.FINISHED for row in result.runs[:3] for j in range(3))
    assert [v.output for v in result.votes] == [b"2\n", b"14\n", b"40\n"]
    assert [v.share for v in result.votes] == [1.0, 1.0, pytest.approx(2 / 3)]
    assert [(v.valid, v.invalid) for v in result.votes] == [(3, 1)] * 3
    assert result.votes[2].agrees == [True, True, False, None]
    # delta = 1 - mean(1, 1, 2/3) = 1/9
    assert result.difficulty.delta == pytest.approx(1 / 9)
    assert result.pass_rates is None


def test_report_bytes_truncate_stdout_but_not_the_vote() -> None:
    result = J.run([J.Solution("python", "print('x' * 5000)")], [J.Test("")], report_bytes=100)
    assert len(result.runs[0][0].stdout) == 100
    assert result.votes[0].output == b"x" * 5000 + b"\n"


def test_unsandboxed_mode_is_explicit_and_reported() -> None:
    result = J.run([J.Solution("python", DOUBLE_PY)], TESTS, dangerously_unsandboxed=True)
    assert verdicts(result, 0) == [V.ACCEPTED] * 3
    assert any("UNSANDBOXED" in note for note in result.isolation_notes)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_limit": "2 parsecs"}, "not a duration"),
        ({"memory_limit": "lots"}, "not a size"),
        ({"memory_limit": "1M"}, "memory_limit"),
        ({"comparator": "fuzzy"}, "comparator"),
        ({"workers": 0}, "workers"),
        ({"timelimit": 1}, "timelimit: unknown option"),
        ({"uid_first": 1000}, "uid_first"),
        ({"uid_first": 2**31 - 5, "uid_count": 10}, "below 2\\*\\*31"),
        ({"python_packages": ["/nonexistent-dir"]}, "python_packages"),
        ({"inject_fault": "everything"}, "inject_fault"),
    ],
)
def test_bad_config(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        J.run([J.Solution("python", DOUBLE_PY)], TESTS, **options)


def test_limits_parse_units() -> None:
    config = J.JudgeConfig.build(time_limit="500ms", memory_limit="1G", output_limit="512k")
    assert (config.time_limit, config.memory_limit, config.output_limit) == (0.5, 1 << 30, 512 << 10)


WITHIN_ONE = """import sys
given = int(open(sys.argv[2]).read())
wanted = int(open(sys.argv[3]).read())
sys.exit(0 if abs(given - wanted) <= 1 else 1)
"""
WITHIN_ONE_CPP = """#include <cstdio>
#include <cstdlib>
int main(int argc, char** argv) {
    long given, wanted;
    FILE* out = fopen(argv[2], "r"); FILE* ans = fopen(argv[3], "r");
    if (!out || !ans || fscanf(out, "%ld", &given) != 1 || fscanf(ans, "%ld", &wanted) != 1) return 1;
    return labs(given - wanted) <= 1 ? 0 : 1;
}"""


@pytest.mark.parametrize("checker", [J.Solution("python", WITHIN_ONE), J.Solution("cpp", WITHIN_ONE_CPP)])
def test_checker_decides_acceptance(checker: J.Solution) -> None:
    solutions = [J.Solution("python", DOUBLE_PY), J.Solution("python", "print(int(input()) * 2 + 1)"),
                 J.Solution("python", "print(int(input()) * 2 + 5)"), J.Solution("python", "print('no number')")]
    result = J.run(solutions, TESTS, comparator="checker", checker=checker)
    assert [verdicts(result, i) for i in range(4)] == [[V.ACCEPTED] * 3, [V.ACCEPTED] * 3, [V.WRONG_ANSWER] * 3,
                                                      [V.WRONG_ANSWER] * 3]
    assert result.pass_rates == [1.0, 1.0, 0.0, 0.0]


def test_a_failing_checker_is_a_judge_fault_not_a_wrong_answer() -> None:
    broken = J.Solution("python", "import sys\nsys.exit(3)")
    result = J.run([J.Solution("python", DOUBLE_PY)], TESTS[:1], comparator="checker", checker=broken)
    cell = result.runs[0][0]
    assert cell.verdict is None and cell.fault == "InternalError" and "checker failed" in (cell.fault_message or "")


def test_checker_must_compile_and_match_the_comparator() -> None:
    with pytest.raises(ConfigError, match="checker does not compile"):
        J.run([J.Solution("python", DOUBLE_PY)], TESTS, comparator="checker", checker=J.Solution("cpp", "int main( {"))
    with pytest.raises(ConfigError, match="exactly when"):
        J.run([J.Solution("python", DOUBLE_PY)], TESTS, comparator="checker")


def test_judging_releases_the_gil() -> None:
    share = share_of_free_rate(lambda: J.run([J.Solution("python", "import time\ntime.sleep(0.6)")], [J.Test("")]))
    assert share > 0.25, f"a Python thread ran at {share:.0%} of its rate while the judge worked"


def test_a_box_clears_what_its_dead_owner_left_and_never_touches_a_live_box() -> None:
    """Groups are named after boxes: the next owner of a box clears its stale groups (here with a
    pids.max of 1, which would break the run); a box whose lock another process holds is left alone."""
    import fcntl

    groups = {uid: [Path(f"/sys/fs/cgroup/{c}/pysynth-judge/uid-{uid}") for c in ("memory", "pids")] for uid in (64100, 64101)}
    for uid, (memory, pids) in groups.items():
        memory.mkdir(parents=True, exist_ok=True)
        pids.mkdir(parents=True, exist_ok=True)
        (pids / "pids.max").write_text("1")
    with open(f"{_native.JUDGE_LOCK_DIR}/uid-64101.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a live judge owns box 64101
        forks = "import os\nif os.fork() == 0:\n    os._exit(0)\nos.wait()\nprint(int(input()) * 2)\n"
        result = J.run([J.Solution("python", forks)], TESTS[:1], workers=1, uid_first=64100, uid_count=2)
        assert result.runs[0][0].verdict == V.ACCEPTED, result.runs[0][0]
        assert not any(group.exists() for group in groups[64100]), "the box's groups are removed after use"
        assert all(group.exists() for group in groups[64101]), "a live box's groups were touched"
        assert (groups[64101][1] / "pids.max").read_text().strip() == "1"
    for group in groups[64101]:
        group.rmdir()
