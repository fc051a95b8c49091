"""pysynth.judge sandbox: one test per escape attempt. Each asserts the verdict and, from the host,
that nothing leaked: no file written, no process left behind, no connection made, no secret read.
Every test runs in each layout: cgroups, rlimits only, and through a warm Pool."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Iterator
from typing import Any, Callable

import pytest

from pysynth import judge as J

V = J.Verdict
SANDBOX_UIDS = range(60_000, 61_000)  # JudgeConfig's default uid range
MEMORY_LIMIT = 128 << 20
LIMITS: dict[str, Any] = {"time_limit": "1s", "memory_limit": "128M", "output_limit": "1M", "processes": 16,
                          "workers": 1}
WALL_LIMIT = 2 * 1.0 + 1  # the judge's default wall-clock limit for a 1 s CPU limit
NO_REPORT = "succeeded? (no report: the program died first)"  # counted as a success: the safe reading

# Prepended to attack programs: each attempt reports "label: succeeded" or "label: <exception>".
ATTEMPT = """
def attempt(label, action):
    try:
        result = action()
        print(f"{label}: succeeded {result!r}"[:200], flush=True)
    except BaseException as error:
        print(f"{label}: {type(error).__name__}", flush=True)
"""


Runner = Callable[..., J.JudgeResult]
RUN: Runner = J.run


@pytest.fixture(autouse=True, params=["cgroups", "rlimits-only", "pool"])
def layout(request: pytest.FixtureRequest) -> Iterator[str]:
    """Points `judge` at one layout for the test."""
    global RUN
    if request.param == "pool":
        with J.Pool(**LIMITS) as pool:
            RUN = pool.run
            yield request.param
    else:
        use_cgroups = request.param == "cgroups"
        RUN = lambda solutions, tests, **options: J.run(solutions, tests, use_cgroups=use_cgroups, **options)  # noqa: E731
        yield request.param
    RUN = J.run


def judge(*solutions: J.Solution, tests: list[J.Test] | None = None, **options: Any) -> J.JudgeResult:
    return RUN(list(solutions), tests or [J.Test("")], **{**LIMITS, **options})


def show(run: J.RunResult) -> str:
    return (f"verdict={run.verdict} fault={run.fault} {run.fault_message or ''} exit={run.exit_code} "
            f"signal={run.signal} cpu={run.cpu_time:.2f}s wall={run.wall_time:.2f}s peak={run.peak_memory >> 20}MiB "
            f"stdout={run.stdout[:300]!r} stderr={run.stderr[-300:]!r}")


def single(language: J.Language, source: str, **options: Any) -> J.RunResult:
    """Compiles and runs one program on an empty input; the judge itself must not fault."""
    result = judge(J.Solution(language, source), **options)
    assert result.compiles[0].verdict == V.FINISHED, f"the attack did not compile: {result.compiles[0].stderr!r}"
    run = result.runs[0][0]
    assert run.fault is None, f"the judge faulted instead of giving a verdict: {show(run)}"
    return run


def outcomes(run: J.RunResult) -> dict[str, str]:
    """The `attempt` reports of a run, label -> outcome."""
    return dict(line.split(": ", 1) for line in run.stdout.decode(errors="replace").splitlines() if ": " in line)


def leftover_sandbox_processes() -> list[str]:
    """Host processes running as a sandbox uid. Between calls there are none: idle sandboxes are
    zygotes running as root, and every run's processes die with its PID namespace."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue  # exited while we looked
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        uids = {int(uid) for uid in uid_line.split()[1:]}
        if uids & set(SANDBOX_UIDS):
            found.append(f"pid {proc.name} uids {sorted(uids)} {status.splitlines()[0]}")
    return found


def assert_no_leftover_processes(within: float = 1.0) -> None:
    deadline = time.monotonic() + within
    while (left := leftover_sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], f"sandboxed processes outlived their run: {left}"


FORK_BOMBS = {
    "python": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    "cpp": "#include <unistd.h>\nint main() { for (;;) fork(); }",
}


@pytest.mark.parametrize("language", ["python", "cpp"])
def test_fork_bomb_is_contained_and_leaves_no_process(language: J.Language) -> None:
    """Forking without end hits pids.max / RLIMIT_NPROC and is killed at the wall-clock limit."""
    run = single(language, FORK_BOMBS[language])
    # Many processes may also fill the box's memory cgroup first.
    assert run.verdict in {V.TIME_LIMIT_EXCEEDED, V.RUNTIME_ERROR, V.FINISHED, V.MEMORY_LIMIT_EXCEEDED}, show(run)
    assert run.wall_time <= WALL_LIMIT + 0.5, f"the fork bomb outlived the wall-clock limit: {show(run)}"
    assert_no_leftover_processes()
    subprocess.run(["true"], check=True, timeout=5)  # the host can still start processes


MEMORY_BOMBS = {
    "python": "chunks = []\nwhile True:\n    chunks.append(b'\\x01' * (1 << 20))\n",
    "cpp": "#include <cstdlib>\n#include <cstring>\n#include <vector>\n"
           "int main() { std::vector<char*> v; for (;;) { char* p = (char*)malloc(1 << 20); if (!p) return 3;"
           " memset(p, 1, 1 << 20); v.push_back(p); } }",
}


@pytest.mark.parametrize("language", ["python", "cpp"])
def test_memory_bomb_is_memory_limit_exceeded(language: J.Language) -> None:
    """Touching memory without end stops at the memory limit, never beyond it."""
    run = single(language, MEMORY_BOMBS[language])
    assert run.verdict == V.MEMORY_LIMIT_EXCEEDED, show(run)
    assert run.peak_memory <= MEMORY_LIMIT * 1.05, f"the run used more than its memory limit: {show(run)}"


@pytest.mark.parametrize(("language", "source"), [
    ("python", "while True:\n    pass\n"),
    ("cpp", "int main() { volatile unsigned long x = 0; for (;;) x++; }"),
])
def test_infinite_loop_is_stopped_at_the_cpu_limit(language: J.Language, source: str) -> None:
    """A busy loop is killed by the CPU watchdog shortly after the 1 s limit."""
    run = single(language, source)
    assert run.verdict == V.TIME_LIMIT_EXCEEDED, show(run)
    assert 1.0 <= run.cpu_time < 1.5 and run.wall_time < 2.5, f"the loop was not stopped near 1 s: {show(run)}"


def test_sleeping_forever_is_stopped_at_the_wall_clock_limit() -> None:
    """A program that uses no CPU is still killed, at the wall-clock limit."""
    run = single("python", "import time\ntime.sleep(1000)\n")
    assert run.verdict == V.TIME_LIMIT_EXCEEDED and run.cpu_time < 0.2, show(run)
    assert WALL_LIMIT - 0.1 <= run.wall_time <= WALL_LIMIT + 1.0, f"not killed at the wall limit: {show(run)}"


def test_writes_outside_the_private_tmp_fail_and_leave_nothing_on_the_host(tmp_path: Path) -> None:
    """System directories, the job directory (its own compiled code included) and host paths are
    not writable; the private /tmp is, and it neither reaches the host nor outlives the run."""
    token = f"pwned-{os.getpid()}-{time.monotonic_ns()}"
    targets = {"etc": f"/etc/{token}", "usr": f"/usr/{token}", "root": f"/{token}", "work": f"/work/{token}",
               "own code": "/work/sol-0/main.code", "test input": "/work/tests/0.in", "host": f"{tmp_path}/{token}"}
    source = ATTEMPT + f"""
import os
print("earlier run's tmp file:", os.path.exists("/tmp/{token}"))
for label, path in {targets!r}.items():
    attempt(label, lambda: open(path, "w").write("x"))
attempt("tmp", lambda: open("/tmp/{token}", "w").write("x"))
"""
    result = judge(J.Solution("python", source), tests=[J.Test("1\n"), J.Test("2\n")])
    for run in result.runs[0]:
        assert run.verdict == V.FINISHED, show(run)
        reported = outcomes(run)
        written = [label for label in targets if reported.get(label, NO_REPORT).startswith("succeeded")]
        assert written == [], f"the program wrote outside its private /tmp: {written}: {show(run)}"
        assert reported.get("tmp", "").startswith("succeeded"), f"the private /tmp is not writable: {show(run)}"
        assert reported.get("earlier run's tmp file") == "False", f"/tmp survived from one run to the next: {show(run)}"
    assert result.runs[0][0].stdout == result.runs[0][1].stdout, "the second run behaved differently"
    host_paths = [Path(f"{top}/{token}") for top in ("/etc", "/usr", "", "/work", "/tmp")]
    on_host = [str(path) for path in host_paths if path.exists()] + [str(path) for path in tmp_path.iterdir()]
    assert on_host == [], f"files written in the sandbox appeared on the host: {on_host}"


def test_hidden_files_cannot_be_read(tmp_path: Path) -> None:
    """Host files outside the exposed directories, /etc/shadow, other tests' inputs and /root's
    contents stay out of reach; no byte of the secret reaches the program's output."""
    secret = f"s3cr3t-file-{time.monotonic_ns()}"
    (secret_file := tmp_path / "secret.txt").write_text(secret)
    secret_file.chmod(0o644)
    source = ATTEMPT + f"""
import os
attempt("secret", lambda: open({str(secret_file)!r}).read())
attempt("shadow", lambda: open("/etc/shadow").read())
attempt("test input", lambda: open("/work/tests/0.in").read())
attempt("this test file", lambda: open({__file__!r}).read())
print("root listing:", sorted(os.listdir("/root")) if os.path.isdir("/root") else [])
"""
    run = single("python", source)
    assert run.verdict == V.FINISHED, show(run)
    reported = outcomes(run)
    read = {label: outcome for label, outcome in reported.items() if outcome.startswith("succeeded")}
    assert read == {}, f"the program read hidden files: {read}"
    assert secret.encode() not in run.stdout + run.stderr, f"the secret leaked: {show(run)}"
    # /root inside holds only the mount points of the exposed Python installation and toolchains
    # (a rustup sysroot), if they live there.
    shown = [Path(os.path.realpath(sys.base_prefix)), *map(Path, J.JudgeConfig().toolchain_dirs)]
    allowed = sorted({path.parts[2] for path in shown if path.is_relative_to("/root")})
    assert reported.get("root listing") == repr(sorted(allowed)), f"host /root contents are visible: {show(run)}"


def test_no_network_connection_reaches_the_host() -> None:
    """The run's network namespace has no usable interface: a host listener sees no connection."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        source = ATTEMPT + f"""
import socket
attempt("loopback", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1).close())
attempt("remote", lambda: socket.create_connection(("1.1.1.1", 53), timeout=1).close())
"""
        run = single("python", source)
        # A completed handshake waits in the accept queue even though nobody called accept().
        pending, _, _ = select.select([listener], [], [], 0.2)
    assert run.verdict == V.FINISHED, show(run)
    connected = [label for label, outcome in outcomes(run).items() if outcome.startswith("succeeded")]
    assert connected == [], f"the program opened network connections: {connected}: {show(run)}"
    assert pending == [], "a connection from the sandbox reached the host's loopback listener"


def test_killing_the_judge_fails_and_the_next_solution_is_judged() -> None:
    """kill(-1), kill(parent) (when a parent is visible at all), kill(the host pid) reach nothing;
    kill(0) reaches only the program itself; the same zygote then judges the next solution correctly."""
    source = ATTEMPT + f"""
import os, signal
attempt("all", lambda: os.kill(-1, signal.SIGKILL))
parent = os.getppid()
if parent:
    attempt("parent", lambda: os.kill(parent, signal.SIGKILL))
else:  # the parent is outside the namespace (as after nsenter): there is nothing to signal
    print("parent: not visible (ppid 0)", flush=True)
attempt("judge", lambda: os.kill({os.getpid()}, signal.SIGKILL))
signalable = []
for pid in range(1, 1 << 16):
    try:
        os.kill(pid, 0)
        signalable.append(pid)
    except OSError:
        pass
print("signalable:", [pid for pid in signalable if pid != os.getpid()], flush=True)
os.kill(0, signal.SIGKILL)  # its process group, which it shares with the judge
"""
    honest_source = "print(int(input()) * 2)"
    result = judge(J.Solution("python", source), J.Solution("python", honest_source), tests=[J.Test("21\n", "42\n")])
    attack, honest = result.runs[0][0], result.runs[1][0]
    reported = outcomes(attack)
    sent = [label for label in ("all", "parent", "judge") if reported.get(label, NO_REPORT).startswith("succeeded")]
    assert sent == [], f"signals reached processes outside the run: {sent}: {show(attack)}"
    assert reported.get("signalable") == "[]", f"the program can signal other processes: {show(attack)}"
    assert attack.verdict == V.RUNTIME_ERROR and attack.signal == signal.SIGKILL, show(attack)
    assert honest.verdict == V.ACCEPTED, f"the judge stopped working after the attack: {show(honest)}"


def test_background_process_dies_with_the_run() -> None:
    """A double-forked daemon ignoring SIGTERM/SIGHUP does not outlive its run, nor delay it."""
    source = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        time.sleep(30)
    os._exit(0)
os.wait()
print("daemon started")
"""
    run = single("python", source)
    assert run.verdict == V.FINISHED and run.stdout == b"daemon started\n", show(run)
    assert run.wall_time < 1.0, f"the judge waited for the daemon: {show(run)}"
    assert_no_leftover_processes()


OUTPUT_FLOODS: dict[str, tuple[J.Language, str]] = {
    "python stdout": ("python", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n"),
    "python stderr": ("python", "import sys\nwhile True:\n    sys.stderr.write('x' * 65536)\n"),
    # Reports on stderr whether SIGXFSZ arrived ignored: the default action is what ends a flood.
    "cpp stdout": ("cpp", "#include <csignal>\n#include <cstdio>\n#include <string>\nint main() {\n"
                          "  struct sigaction old; sigaction(SIGXFSZ, nullptr, &old);\n"
                          "  fprintf(stderr, \"SIGXFSZ ignored at start: %d\\n\", old.sa_handler == SIG_IGN);\n"
                          "  std::string s(65536, 'x'); for (;;) fwrite(s.data(), 1, s.size(), stdout); }"),
}


@pytest.mark.parametrize("case", OUTPUT_FLOODS)
def test_output_flood_is_output_limit_exceeded(case: str) -> None:
    """Writing without end stops just past the 1 MiB output limit; reports stay bounded."""
    language, source = OUTPUT_FLOODS[case]
    run = single(language, source)
    assert run.verdict == V.OUTPUT_LIMIT_EXCEEDED, f"{case}: {show(run)}"
    assert run.wall_time < 3.0, f"{case}: the flood was not stopped quickly: {show(run)}"
    assert len(run.stdout) <= 64 << 10 and len(run.stderr) <= 64 << 10, f"{case}: unbounded report"


def test_rlimits_cannot_be_raised() -> None:
    """Raising any hard limit needs a privilege the program does not have."""
    source = ATTEMPT + """
import resource
for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE"):
    limit = getattr(resource, name)
    attempt(name, lambda: resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)))
"""
    run = single("python", source)
    assert run.verdict == V.FINISHED, show(run)
    reported = outcomes(run)
    assert len(reported) == 5 and set(reported.values()) == {"ValueError"}, f"an rlimit was raised: {show(run)}"


def test_parent_environment_is_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither Python nor C++ programs see the judge's environment, in os.environ or via /proc:
    both get PATH and LANG alone."""
    secret = f"s3cr3t-env-{time.monotonic_ns()}"
    monkeypatch.setenv("PYSYNTH_TEST_SECRET", secret)
    python = ATTEMPT + """
import os
print("environ:", dict(os.environ))
attempt("init environ", lambda: open("/proc/1/environ").read())
attempt("own environ", lambda: open("/proc/self/environ").read())
"""
    cpp = "#include <cstdio>\nextern char **environ;\nint main() { for (char **e = environ; *e; ++e) puts(*e); }"
    result = judge(J.Solution("python", python), J.Solution("cpp", cpp))
    py_run, cpp_run = result.runs[0][0], result.runs[1][0]
    assert py_run.verdict == V.FINISHED and cpp_run.verdict == V.FINISHED, (show(py_run), show(cpp_run))
    for run in (py_run, cpp_run, *result.compiles):
        assert secret.encode() not in run.stdout + run.stderr, f"the judge's environment leaked: {show(run)}"
    reported = outcomes(py_run)
    # Only what the judge grants, to every language alike (a `python3 main.py` started with it).
    granted = "{'LANG': 'C.UTF-8', 'PATH': '/usr/bin:/bin'}"
    assert reported.get("environ") == granted, f"Python programs see other environment variables: {show(py_run)}"
    assert not reported["init environ"].startswith("succeeded") and not reported["own environ"].startswith("succeeded")
    assert set(cpp_run.stdout.decode().split()) <= {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, show(cpp_run)


COMPILE_BOMBS = {
    "include /dev/zero": '#include "/dev/zero"\nint main() {}',
    "include /dev/urandom": "#include </dev/urandom>\nint main() {}",
    "template recursion": "template <int N> struct F { static const int v = F<N - 1>::v + F<N - 2>::v; };\n"
                          "int main() { return F<100000>::v; }",
}


@pytest.mark.parametrize("case", COMPILE_BOMBS)
def test_compile_time_bomb_is_a_bounded_compile_error(case: str) -> None:
    """The compiler runs under its own limits: a bomb ends as CompileError, not a hang."""
    started = time.monotonic()
    result = judge(J.Solution("cpp", COMPILE_BOMBS[case]), tests=[J.Test(""), J.Test("")])
    elapsed = time.monotonic() - started
    assert result.compiles[0].verdict == V.COMPILE_ERROR, f"{case}: {show(result.compiles[0])}"
    assert [run.verdict for run in result.runs[0]] == [V.COMPILE_ERROR] * 2, f"{case}: {result.runs[0]}"
    assert elapsed < 62, f"{case}: the compile took {elapsed:.1f}s, past the compiler's 60 s wall limit"
    assert_no_leftover_processes()


def test_seccomp_denies_namespace_and_mount_calls() -> None:
    """Calls a contest program never needs fail with EPERM (1) rather than succeeding."""
    clone, bpf = {"x86_64": (56, 321), "aarch64": (220, 280)}[os.uname().machine]
    source = f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17
calls = {{"mount": lambda: libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None),
         "umount2": lambda: libc.umount2(b"/tmp", 2),
         "unshare user": lambda: libc.unshare(CLONE_NEWUSER), "unshare mount": lambda: libc.unshare(CLONE_NEWNS),
         "setns": lambda: libc.setns(0, 0), "ptrace attach": lambda: libc.ptrace(16, 1, 0, 0),
         "clone user": lambda: libc.syscall({clone}, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
         "bpf": lambda: libc.syscall({bpf}, 0, 0, 0)}}
for label, call in calls.items():
    ctypes.set_errno(0)
    result = call()
    if result == 0 and label.startswith("clone"):
        os._exit(0)  # the child of a clone that should have failed
    print(f"{{label}}: {{result}} {{ctypes.get_errno()}}", flush=True)
"""
    run = single("python", source)
    assert run.verdict == V.FINISHED, show(run)
    reported = outcomes(run)
    allowed = {label: outcome for label, outcome in reported.items() if outcome != "-1 1"}
    assert len(reported) == 8 and allowed == {}, f"system calls were not denied with EPERM: {allowed}: {show(run)}"


PINNED = {
    "python": "import os\nprint(len(os.sched_getaffinity(0)))\n"
              "try:\n    os.sched_setaffinity(0, range(os.cpu_count()))\n    print('left')\n"
              "except PermissionError:\n    print('stayed')\n",
    "cpp": "#include <sched.h>\n#include <cerrno>\n#include <cstdio>\nint main() { cpu_set_t s; CPU_ZERO(&s);"
           " sched_getaffinity(0, sizeof s, &s); std::printf(\"%d\\n\", CPU_COUNT(&s)); for (int i = 0; i < 64; i++)"
           " CPU_SET(i, &s); std::puts(sched_setaffinity(0, sizeof s, &s) == 0 ? \"left\" : errno == EPERM ? \"stayed\" : \"other\"); }",
}


@pytest.mark.parametrize("language", ["python", "cpp"])
def test_a_run_is_pinned_to_one_cpu_and_cannot_leave_it(language: J.Language) -> None:
    """A run sees the one CPU of its worker, and moving off it fails with EPERM."""
    run = single(language, PINNED[language])
    assert run.verdict == V.FINISHED and run.stdout.split() == [b"1", b"stayed"], show(run)


def test_failing_error_report_does_not_fall_back_into_the_zygote() -> None:
    """A crash whose traceback cannot be written (stderr raises OSError) is still a RuntimeError,
    and the zygote's own control loop never runs in the program's process or writes its output."""
    source = """
import sys
class Broken:
    def write(self, text):
        raise OSError(5, "stderr is broken")
    def flush(self):
        pass
sys.stderr = Broken()
raise RuntimeError("crash")
"""
    run = single("python", source)
    assert b'{"error"' not in run.stdout, f"the zygote's protocol reply landed in the program's stdout: {show(run)}"
    assert run.verdict == V.RUNTIME_ERROR, f"a crashing program was not a RuntimeError: {show(run)}"
