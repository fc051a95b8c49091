"""The box model under load: concurrent calls (threads, processes, a shared Pool) never disturb
each other, a pool survives a broken sandbox, and killing pysynth mid-call leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pysynth import judge as J
from pysynth.errors import ConfigError

V = J.Verdict
LIMITS: dict[str, Any] = {"time_limit": "0.5s", "wall_time_limit": "1.5s", "memory_limit": "96M", "processes": 16}
DOUBLE = J.Solution("python", "print(int(input()) * 2)\n")
WRONG = J.Solution("python", "print(int(input()) * 2 + 1)\n")
SLOW = J.Solution("python", "while True:\n    pass\n")
FORK_BOMB = J.Solution("python", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n")
DOUBLE_CPP = J.Solution("cpp", '#include <cstdio>\nint main() { long long n; scanf("%lld", &n); printf("%lld\\n", 2 * n); }\n')
SOLUTIONS = [DOUBLE, WRONG, SLOW, FORK_BOMB, DOUBLE_CPP]
TESTS = [J.Test("21\n", "42\n"), J.Test("5\n", "10\n")]
FORK_BOMB_ROW = 3
# A fork bomb ends at the time limit, dies of its own failed forks, or fills the box's memory
# cgroup first (16 Python processes each dirtying their copy of the heap pass 96M), depending on
# the race: the same set `test_escapes` allows.
FORK_BOMB_VERDICTS = {V.TIME_LIMIT_EXCEEDED, V.RUNTIME_ERROR, V.MEMORY_LIMIT_EXCEEDED}


def matrix(result: J.JudgeResult) -> list[list[str]]:
    rows = []
    for row in result.runs:
        assert all(cell.fault is None for cell in row), [cell.fault_message for cell in row]
        rows.append([str(cell.verdict) for cell in row])
    return rows


def assert_same_as_alone(alone: list[list[str]], seen: list[list[str]], where: str) -> None:
    for index, (expected, got) in enumerate(zip(alone, seen, strict=True)):
        if index == FORK_BOMB_ROW:
            assert set(got) <= FORK_BOMB_VERDICTS, f"{where}: fork bomb judged {got}"
        else:
            assert got == expected, f"{where}: solution {index} judged {got}, alone {expected}"


CHILD = """
import json, sys
from pysynth import judge as J
from tests.judge.test_pool import LIMITS, SOLUTIONS, TESTS, matrix
print(json.dumps([matrix(J.run(SOLUTIONS, TESTS, workers=1, **LIMITS)) for _ in range(2)]))
"""


def test_concurrent_threads_processes_and_a_shared_pool_judge_as_if_alone() -> None:
    alone = matrix(J.run(SOLUTIONS, TESTS, workers=1, **LIMITS))
    assert alone[0] == ["Accepted", "Accepted"] and alone[1] == ["WrongAnswer", "WrongAnswer"]
    assert alone[2] == ["TimeLimitExceeded"] * 2 and alone[4] == ["Accepted", "Accepted"]
    children = [subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True,
                                 cwd=Path(__file__).parents[2]) for _ in range(2)]
    with J.Pool(workers=2, **LIMITS) as pool, ThreadPoolExecutor(6) as threads:
        direct = [threads.submit(lambda: matrix(J.run(SOLUTIONS, TESTS, workers=1, **LIMITS))) for _ in range(3)]
        pooled = [threads.submit(lambda: matrix(pool.run(SOLUTIONS, TESTS, workers=1))) for _ in range(3)]
        for index, future in enumerate(direct):
            assert_same_as_alone(alone, future.result(timeout=300), f"thread {index} (judge.run)")
        for index, future in enumerate(pooled):
            assert_same_as_alone(alone, future.result(timeout=300), f"thread {index} (Pool)")
    for index, child in enumerate(children):
        out, _ = child.communicate(timeout=300)
        assert child.returncode == 0, f"process {index} failed"
        for seen in json.loads(out):
            assert_same_as_alone(alone, seen, f"process {index}")


def test_a_pool_keeps_its_sandboxes_warm_and_answers_like_run() -> None:
    with J.Pool(workers=1, **LIMITS) as pool:
        first = pool.run([DOUBLE], TESTS)
        pids = pool.zygote_pids()
        second = pool.run([DOUBLE, WRONG], TESTS)
        assert pool.zygote_pids() == pids and len(pids) == 1, "the same warm sandbox serves the next call"
        assert matrix(first) == [["Accepted", "Accepted"]]
        assert matrix(second) == matrix(J.run([DOUBLE, WRONG], TESTS, workers=1, **LIMITS))
        assert second.pass_rates == [1.0, 0.0]


def test_a_pool_replaces_a_sandbox_whose_zygote_died() -> None:
    with J.Pool(workers=1, **LIMITS) as pool:
        pool.run([DOUBLE], TESTS[:1])
        [pid] = pool.zygote_pids()
        os.kill(pid, signal.SIGKILL)
        broken = pool.run([DOUBLE], TESTS)
        assert broken.compiles[0].fault is not None or broken.runs[0][0].fault is not None, \
            "a dead sandbox is a judge fault, never a verdict"
        healed = pool.run([DOUBLE], TESTS)
        assert matrix(healed) == [["Accepted", "Accepted"]], "the pool went on with a fresh sandbox"
        assert pool.workers_replaced >= 1 and pool.zygote_pids() != [pid]


def test_pool_calls_cannot_change_the_sandbox_and_a_closed_pool_refuses() -> None:
    pool = J.Pool(workers=1, **LIMITS)
    with pytest.raises(ConfigError, match="use_cgroups"):
        pool.run([DOUBLE], TESTS, use_cgroups=False)
    assert matrix(pool.run([DOUBLE], TESTS, time_limit="1s")) == [["Accepted", "Accepted"]]
    pool.close()
    with pytest.raises(ConfigError, match="closed"):
        pool.run([DOUBLE], TESTS)


def test_the_shared_pool_is_one_per_sandbox_and_process() -> None:
    config = J.JudgeConfig.build(workers=1, **LIMITS)
    assert J.shared_pool(config) is J.shared_pool(J.JudgeConfig.build(config, time_limit="1s"))
    assert J.shared_pool(config) is not J.shared_pool(J.JudgeConfig.build(config, use_cgroups=False))


def test_stop_on_first_failure_skips_the_rest_deterministically() -> None:
    tests = [J.Test("1\n", "2\n"), J.Test("2\n", "5\n"), J.Test("3\n", "6\n"), J.Test("4\n", "8\n")]
    for workers in (1, 2):
        result = J.run([DOUBLE, SLOW], tests, workers=workers, stop_on_first_failure=True, **LIMITS)
        assert matrix(result) == [["Accepted", "WrongAnswer", "Skipped", "Skipped"],
                                  ["TimeLimitExceeded", "Skipped", "Skipped", "Skipped"]], f"workers={workers}"
        assert result.pass_rates == [0.25, 0.0]
    full = J.run([DOUBLE], tests, workers=1, **LIMITS)
    assert matrix(full) == [["Accepted", "WrongAnswer", "Accepted", "Accepted"]], "without it every test runs"


STREAMED = """
import json
from pathlib import Path
from pysynth import judge as J

def peak():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) << 10

big = "import sys\\nn = int(input())\\nsys.stdout.write(('%d ' % n) * 4_000_000)\\n"
odd = "import sys\\nn = int(input())\\nsys.stdout.write(('%d ' % (n + (n == 2))) * 4_000_000)\\n"
solutions = [J.Solution("python", big)] * 3 + [J.Solution("python", odd)]
J.run(solutions[:1], [J.Test("1\\n")], workers=2)  # warm up imports and allocations
before = peak()
result = J.run(solutions, [J.Test(f"{n}\\n") for n in (1, 2, 3)], workers=2, output_limit="16M", time_limit="5s",
               memory_limit="256M")
print(json.dumps({"grown": peak() - before, "sizes": [v.majority_size for v in result.votes],
                  "middle": result.votes[1].output == b"2 " * 4_000_000,
                  "prefixes": sorted({len(c.stdout) for row in result.runs for c in row})}))
"""


def test_outputs_are_streamed_for_the_vote_not_held() -> None:
    """Four solutions printing 8 MB on each of three tests (96 MB of outputs): the vote and the
    majority output are right, and the judge's memory grows by far less than the outputs."""
    child = subprocess.run([sys.executable, "-c", STREAMED], capture_output=True, text=True, timeout=300,
                           cwd=Path(__file__).parents[2])
    assert child.returncode == 0, child.stderr
    seen = json.loads(child.stdout)
    assert seen["sizes"] == [4, 3, 4] and seen["middle"], seen
    assert seen["prefixes"] == [64 << 10], "reports keep a prefix of each output"
    # Two worker buffers (8 MB each) and the three majority outputs (Rust, then Python bytes).
    assert seen["grown"] < 80 << 20, f"the judge grew by {seen['grown'] >> 20} MiB for 96 MB of outputs"


KILLED = """
import sys
from pysynth import judge as J
print("started", flush=True)
J.run([J.Solution("python", "import os, time\\nos.fork()\\ntime.sleep(60)\\n"),
       J.Solution("cpp", "#include <unistd.h>\\nint main() { fork(); sleep(60); }")],
      [J.Test("")] * 4, workers=2, time_limit="30s", wall_time_limit="60s")
"""


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _uid(pid: int) -> int | None:
    try:
        line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("Uid:"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1])


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_sigkill_of_pysynth_mid_call_leaves_no_sandbox_process() -> None:
    process = subprocess.Popen([sys.executable, "-c", KILLED], stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).parents[2])
    try:
        assert process.stdout is not None and process.stdout.readline() == "started\n"
        deadline = time.monotonic() + 30
        helpers: set[int] = set()
        boxes: set[int] = set()
        # Zygotes, namespace holders, run inits and the sleeping programs with their children.
        while time.monotonic() < deadline and (len(helpers) < 6 or not boxes):
            helpers = _descendants(process.pid)
            boxes = {uid for pid in helpers if (uid := _uid(pid)) is not None and 60_000 <= uid < 61_000}
            time.sleep(0.1)
        assert len(helpers) >= 6 and boxes, f"the runs did not start: {sorted(helpers)}"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    deadline = time.monotonic() + 5
    while (left := [pid for pid in helpers if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], f"processes outlived the SIGKILLed judge: {left}"
    # The dead judge's cgroups stay until a judge process next starts, which clears them.
    subprocess.run([sys.executable, "-c", "from pysynth import judge as J; J.run([J.Solution('python', 'pass')], "
                    "[J.Test('')], workers=1)"], check=True, timeout=60, cwd=Path(__file__).parents[2])
    stale = [uid for uid in boxes if Path(f"/sys/fs/cgroup/memory/pysynth-judge/uid-{uid}").exists()]
    assert stale == [], f"cgroups of the dead judge's boxes were not cleared: {stale}"


def test_many_threads_on_one_pool_all_finish() -> None:
    """More concurrent calls than sandboxes: calls wait for a free one and none is lost."""
    with J.Pool(workers=2, **LIMITS) as pool:
        results: list[list[list[str]]] = []
        lock = threading.Lock()

        def call() -> None:
            seen = matrix(pool.run([DOUBLE, WRONG], TESTS))
            with lock:
                results.append(seen)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert results == [[["Accepted", "Accepted"], ["WrongAnswer", "WrongAnswer"]]] * 8


ABANDONED = """
import os, sys
from pysynth import judge as J
pool = J.Pool(workers=1, scratch_dir=sys.argv[1])
pool.run([J.Solution("python", "print(1)")], [J.Test("")])
print("ready", flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_pool_directory_left_by_a_killed_judge_is_removed_by_the_next_pool(tmp_path: Path) -> None:
    killed = subprocess.run([sys.executable, "-c", ABANDONED, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).parents[2])
    assert killed.stdout == "ready\n" and killed.returncode == -signal.SIGKILL, killed.stderr
    [left] = list(tmp_path.iterdir())
    assert left.name.startswith("pysynth-judge-")
    old = time.time() - 60  # past the grace period a directory being made gets
    os.utime(left, (old, old))
    with J.Pool(workers=1, scratch_dir=str(tmp_path)) as pool:
        assert pool.run([DOUBLE], TESTS[:1]).pass_rates == [1.0]
        [mine] = list(tmp_path.iterdir())
        assert mine != left, "the dead judge's directory is gone, ours is there"
    assert list(tmp_path.iterdir()) == [], "a closed pool removes its own directory"


INTERRUPTED = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job inherits SIGINT ignored
from pysynth import judge as J
print("started", flush=True)
try:
    J.run([J.Solution("python", "import time\\ntime.sleep(60)")], [J.Test("")] * 10, workers=1,
          time_limit="30s", wall_time_limit="2s")
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_cancels_a_long_call_within_one_run() -> None:
    """Ten 2-second runs would take 20 s: Ctrl-C stops the call once the run in flight ends."""
    process = subprocess.Popen([sys.executable, "-c", INTERRUPTED], stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).parents[2])
    try:
        assert process.stdout is not None and process.stdout.readline() == "started\n"
        time.sleep(1.0)  # the first run is under way
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
        waited = time.monotonic() - sent
    finally:
        process.kill()
    assert out == "interrupted\n" and process.returncode == 0, out
    assert waited < 6, f"Ctrl-C took {waited:.1f} s to stop the call"
