"""No third-party warning reaches the terminal unasked: `pysynth run` with a process-pool step, as a user runs it.

Worker processes are spawned, so they import distilabel afresh; before `pysynth.quiet` each printed
pydantic's UnsupportedFieldAttributeWarning (and could print distilabel's "hasn't received a pipeline").
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

USER_MODULE = '''
import warnings

def mark(row):
    if row["topic"] == "t3":
        warnings.warn("a warning of the user's own")
    return {"seen": row["topic"] + "!"}
'''

PIPELINE = """
name: quiet
defaults: {batch_size: 8}
steps:
  - {name: src, type: make_rows, params: {count: 24, columns: {topic: "t{i}"}}}
  - {name: marked, type: map, workers: 2, params: {function: "quiet_rows:mark", output_columns: [seen]}}
"""


def run_pipeline(tmp_path: Path, *python_options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "quiet_rows.py").write_text(USER_MODULE)
    (tmp_path / "pipeline.yaml").write_text(textwrap.dedent(PIPELINE).lstrip())
    command = [sys.executable, *python_options, "-m", "pysynth.cli", "run", "pipeline.yaml", "-o", "out", "--quiet"]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp_path)


def test_run_with_workers_shows_the_users_warnings_and_no_third_party_one(tmp_path: Path) -> None:
    result = run_pipeline(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "marked: 24 in, 24 out" in result.stdout
    assert "UserWarning: a warning of the user's own" in result.stderr, "the user's own warnings must still show"
    assert "hasn't received a pipeline" not in result.stderr
    noise = [line for line in result.stderr.splitlines()
             if ("Warning" in line or "WARNING" in line) and "a warning of the user's own" not in line]
    assert noise == [], "third-party warnings on stderr:\n" + result.stderr


def test_warnings_asked_for_with_dash_w_are_shown(tmp_path: Path) -> None:
    result = run_pipeline(tmp_path, "-W", "always::UserWarning")
    assert result.returncode == 0, result.stderr
    assert "UnsupportedFieldAttributeWarning" in result.stderr
