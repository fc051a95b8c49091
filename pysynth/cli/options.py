"""What every `pysynth` command shares on the command line: its context settings and parameter types."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# `-h` too; help wrapped at up to 100 columns, so command summaries are not cut at click's 80.
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# A path as given (click checks nothing): each command names a missing or unreadable file in its own error.
PATH = click.Path(path_type=Path)


def choice_of(choices: type[StrEnum]) -> click.Choice[str]:
    """The enum's values (`datasketch-legacy`), not click's reading of an Enum by member names."""
    return click.Choice([member.value for member in choices])


def set_option() -> Callable[[F], F]:
    """`--set KEY.PATH=VALUE`, repeatable: overrides of a pipeline file's values."""
    return click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
                        help="Override a value of the file (repeatable).")
