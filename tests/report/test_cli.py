"""`pysynth report OUT` as a real subprocess: the report written, or one `error:` line and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MANIFEST_ERRORS = {
    "not JSON": "{",
    "not a manifest": '{"pipeline": "x"}',
}


def report(output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pysynth.cli", "report", str(output)], capture_output=True,
                          text=True, timeout=120, check=False)


def test_it_writes_the_report_of_a_run(copied_run: Path) -> None:
    result = report(copied_run)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"report: {copied_run / 'report' / 'index.html'} and ")
    assert (copied_run / "report" / "README.md").is_file() and (copied_run / "report" / "funnel.png").is_file()


def test_a_directory_without_a_run_is_one_error_line(tmp_path: Path) -> None:
    result = report(tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path}: no run.json: not the output directory of a pysynth run\n"


def test_a_malformed_manifest_is_one_error_line(tmp_path: Path) -> None:
    for name, text in MANIFEST_ERRORS.items():
        (tmp_path / "run.json").write_text(text)
        result = report(tmp_path)
        assert result.returncode == 2, name
        assert result.stderr.startswith(f"error: {tmp_path / 'run.json'}: not a run manifest: "), name
        assert result.stderr.count("\n") == 1, f"{name}: {result.stderr}"
    assert not (tmp_path / "report").exists()
