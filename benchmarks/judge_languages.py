"""The per-language workload of bench_judge.py (`--workload languages`): for C, C++, Java, Go,
Rust, JavaScript and Python (stdin, and a function-call problem through pysynth's call harness),
one solution on `--tests` tests, 2 workers.

Contenders, interleaved per repetition so the machine's drift hits both alike:
- pysynth (sandboxed): one call on a warm `judge.Pool(workers=2)`; runs/s of the run phase (the
  call's time minus its compile's wall time).
- subprocess.run: the same program, compiled once outside the timing with the judge's own flags,
  run two at a time from a `ThreadPoolExecutor(2)`, unsandboxed.
Reported: median runs/s over `--repeat` repetitions, and their ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pysynth import judge as J
from pysynth.problems.call import call_program

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: the tests' programs
from tests.judge.languages import CORRECT  # noqa: E402

CALL_SOURCE = "class Solution:\n    def double(self, n: int) -> int:\n        return n * 2\n"
SOURCES = {"python": "print(int(input()) * 2)", "cpp": (
    "#include <cstdio>\nint main(){long n; if (scanf(\"%ld\", &n) != 1) return 1; printf(\"%ld\\n\", n * 2);}"), **CORRECT}
ROWS = ("c", "cpp", "java", "go", "rust", "javascript", "python", "python (call)")


@dataclass
class LanguageRow:
    language: str
    pysynth: float
    subprocess: float
    failures: int


def peer_command(language: str, workdir: Path, config: J.JudgeConfig) -> list[str]:
    """Compiles `language`'s solution in `workdir` the way the judge does; returns its run command."""
    source = SOURCES["python" if language == "python (call)" else language]
    if language == "python (call)":
        (workdir / "main.py").write_text(call_program(CALL_SOURCE, "double"))
        return [sys.executable, "-I", "-S", str(workdir / "main.py")]
    names = {"python": "main.py", "c": "main.c", "cpp": "main.cpp", "java": "Doubler.java", "go": "main.go",
             "rust": "main.rs", "javascript": "main.js"}
    path = workdir / names[language]
    path.write_text(source)
    binary = str(workdir / "main")
    java = Path(config.java_home) / "bin"
    compile_and_run = {
        "python": (None, [sys.executable, "-I", "-S", str(path)]),
        "c": ([config.c_compiler, *config.c_flags, str(path), "-o", binary, "-lm"], [binary]),
        "cpp": ([config.cpp_compiler, *config.cpp_flags, str(path), "-o", binary], [binary]),
        "java": ([str(java / "javac"), "-d", str(workdir), str(path)],
                 [str(java / "java"), "-Xmx256m", "-Xss64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                  "-cp", str(workdir), "Doubler"]),
        "go": (["go", "build", "-o", binary, str(path)], [binary]),
        "rust": ([f"{config.rust_sysroot}/bin/rustc", "-O", "--edition", "2021", "-o", binary, str(path)], [binary]),
        "javascript": (None, [config.node, "--max-old-space-size=256", str(path)]),
    }
    compiler, command = compile_and_run[language]
    if compiler:
        env = {**os.environ, "GO111MODULE": "off", "GOCACHE": str(workdir / "go-cache")}
        subprocess.run(compiler, check=True, capture_output=True, env=env, cwd=workdir)
    return command


def pysynth_rate(pool: J.Pool, language: str, tests: list[tuple[str, str]]) -> tuple[float, int]:
    if language == "python (call)":
        solution = J.Solution("python", call_program(CALL_SOURCE, "double"))
        cases = [J.Test(json.dumps([int(i)]), e.strip()) for i, e in tests]
        options = {"comparator": "call"}
    else:
        solution = J.Solution(language, SOURCES[language])  # type: ignore[arg-type]
        cases = [J.Test(i, e) for i, e in tests]
        options = {}
    start = time.perf_counter()
    result = pool.run([solution], cases, **options)
    run_phase = time.perf_counter() - start - result.compiles[0].wall_time
    return len(tests) / run_phase, sum(r.verdict != J.Verdict.ACCEPTED for r in result.runs[0])


def subprocess_rate(command: list[str], language: str, tests: list[tuple[str, str]]) -> tuple[float, int]:
    def one(test: tuple[str, str]) -> bool:
        given = json.dumps([int(test[0])]) if language == "python (call)" else test[0]
        done = subprocess.run(command, input=given.encode(), capture_output=True, timeout=30, check=False)
        return done.returncode == 0 and done.stdout.split() == test[1].encode().split()

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as threads:
        good = list(threads.map(one, tests))
    return len(tests) / (time.perf_counter() - start), good.count(False)


def language_rows(tests: list[tuple[str, str]], repeat: int) -> list[LanguageRow]:
    rows = []
    with J.Pool(workers=2) as pool, tempfile.TemporaryDirectory(prefix="bench-languages-") as tmp:
        for language in ROWS:
            print(f"  languages: {language} ...", file=sys.stderr, flush=True)
            workdir = Path(tmp) / language.replace(" ", "-").strip("()")
            workdir.mkdir()
            command = peer_command(language, workdir, pool.config)
            ours, theirs, failures = [], [], 0
            for _ in range(repeat):
                rate, failed = pysynth_rate(pool, language, tests)
                ours.append(rate)
                peer, peer_failed = subprocess_rate(command, language, tests)
                theirs.append(peer)
                failures += failed + peer_failed
            rows.append(LanguageRow(language, statistics.median(ours), statistics.median(theirs), failures))
    return rows


def language_report(rows: list[LanguageRow]) -> list[str]:
    lines = ["| language | pysynth (sandboxed) runs/s | subprocess.run runs/s | ratio | failures |",
             "|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row.language} | {row.pysynth:,.0f} | {row.subprocess:,.0f} | "
                     f"{row.pysynth / row.subprocess:.0%} | {row.failures} |")
    return lines
