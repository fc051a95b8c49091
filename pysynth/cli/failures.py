"""How a command ends on an error: a `PysynthError` is one `error: ...` line and its class's exit code;
any other exception is a bug, reported as one line with its traceback kept in a file.

The traceback goes to `OUT/.pysynth/error.log` when the command is a run whose output directory
exists (`errors_logged_in`), otherwise to a new `pysynth-error-*.log` file in the system temp
directory (`tempfile.gettempdir()`, i.e. `$TMPDIR` or /tmp). The line names the file either way.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from pysynth.errors import PysynthError

ERROR_LOG_NAME = "error.log"
INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE in sysexits.h: an internal software error


def report_error(error: PysynthError) -> int:
    print(f"error: {error}", file=sys.stderr)
    return error.exit_code


def report_internal_error(error: BaseException, log_dir: Path | None = None) -> int:
    """Writes the traceback to `log_dir/error.log` (a temp file if `log_dir` is not a directory)."""
    text = "".join(traceback.format_exception(error))
    if log_dir is not None and log_dir.is_dir():
        log = log_dir / ERROR_LOG_NAME
        log.write_text(text)
    else:
        with tempfile.NamedTemporaryFile("w", prefix="pysynth-error-", suffix=".log", delete=False) as file:
            file.write(text)
            log = Path(file.name)
    lines = str(error).strip().splitlines()
    what = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    print(f"internal error: {what} (traceback in {log})", file=sys.stderr)
    return INTERNAL_ERROR_EXIT


@contextmanager
def errors_logged_in(log_dir: Path) -> Iterator[None]:
    """Inside the block, an internal error keeps its traceback in `log_dir` (a run's `OUT/.pysynth`)."""
    try:
        yield
    except PysynthError:
        raise
    except Exception as error:  # noqa: BLE001 - a bug: reported in one line, the traceback kept
        raise click.exceptions.Exit(report_internal_error(error, log_dir)) from error
