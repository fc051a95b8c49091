"""How a command ends on an error: a `PysynthError` is one line and its class's exit code; anything else
is an internal error, one line naming the file that keeps its traceback."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import click
import pytest

from pysynth.cli import failures, root
from pysynth.errors import ConfigError, PipelineRunError, PysynthError, RunInterrupted, SpecError
from tests.cli.test_pipeline import run
from tests.runtime.test_run_resources import BROKEN_MODULE, BROKEN_STEP


def exit_of(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            error: BaseException) -> tuple[int, str]:
    def app() -> None:
        raise error

    monkeypatch.setattr(root, "app", app)
    with pytest.raises(SystemExit) as ended:
        root.main()
    assert isinstance(ended.value.code, int)
    return ended.value.code, capsys.readouterr().err


def test_exit_codes_belong_to_the_error_classes() -> None:
    assert (PysynthError.exit_code, ConfigError.exit_code, SpecError.exit_code) == (2, 2, 2)
    assert (PipelineRunError.exit_code, RunInterrupted.exit_code) == (1, 130)


@pytest.mark.parametrize(("error", "code"), [(SpecError("x.yaml:1:1: steps: bad"), 2),
                                             (PipelineRunError("run failed: boom"), 1),
                                             (RunInterrupted("run interrupted: (SIGINT/SIGTERM)"), 130)])
def test_a_pysynth_error_is_one_line_and_its_exit_code(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch, error: PysynthError,
                                                       code: int) -> None:
    assert exit_of(capsys, monkeypatch, error) == (code, f"error: {error}\n")


def test_an_internal_error_without_an_output_dir_keeps_its_traceback_in_the_temp_dir(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, stderr = exit_of(capsys, monkeypatch, RuntimeError("first line\nsecond line"))
    [log] = tmp_path.glob("pysynth-error-*.log")
    assert code == failures.INTERNAL_ERROR_EXIT
    assert stderr == f"internal error: RuntimeError: first line (traceback in {log})\n"
    assert "Traceback (most recent call last)" in log.read_text() and "second line" in log.read_text()


def test_errors_logged_in_a_directory_that_does_not_exist_go_to_the_temp_dir(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(click.exceptions.Exit), failures.errors_logged_in(tmp_path / "out" / ".pysynth"):
        raise ValueError("compiled before the run made its folder")
    assert not (tmp_path / "out").exists()
    [log] = tmp_path.glob("pysynth-error-*.log")
    assert capsys.readouterr().err == f"internal error: ValueError: compiled before the run made its folder " \
                                      f"(traceback in {log})\n"


def test_an_internal_error_in_a_run_keeps_its_traceback_in_the_output_dir(tmp_path: Path) -> None:
    (tmp_path / f"{BROKEN_MODULE}.py").write_text(BROKEN_STEP)
    (tmp_path / "broken.yaml").write_text(textwrap.dedent(f"""
    name: broken
    steps:
      - {{name: src, type: make_rows, params: {{count: 2, columns: {{topic: "t{{i}}"}}}}}}
      - {{name: broken, type: "{BROKEN_MODULE}:LoadsBroken"}}
    """))
    result = run("run", "broken.yaml", "-o", "out", cwd=tmp_path)
    log = Path("out") / ".pysynth" / "error.log"
    assert result.returncode == failures.INTERNAL_ERROR_EXIT, result.stderr
    assert result.stderr == f"internal error: ZeroDivisionError: a bug while loading (traceback in {log})\n"
    text = (tmp_path / log).read_text()
    assert "Traceback (most recent call last)" in text and "raise ZeroDivisionError" in text
