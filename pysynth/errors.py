"""The one exception hierarchy of pysynth. Native (Rust) errors are raised as these classes too.

Each class carries the exit status the command line ends with (`exit_code`): 2 for what the user
must fix, 1 for a run that stopped, 130 for an interrupted one. An exception that is not a
`PysynthError` is a bug (ours or a dependency's): the command line reports it as an internal error.
"""

from __future__ import annotations

from typing import ClassVar


class PysynthError(Exception):
    """Base class of every error pysynth raises on purpose."""

    exit_code: ClassVar[int] = 2


class ConfigError(PysynthError, ValueError):
    """A parameter or configuration value is invalid (names the field and the bad value)."""


class InputError(PysynthError, ValueError):
    """Input data cannot be used: unreadable file, missing column, wrong type (names where)."""


class JudgeFault(PysynthError):
    """The judge itself failed (as opposed to a program's verdict)."""


class SandboxError(JudgeFault):
    """A required isolation feature is missing or could not be set up; nothing ran unsandboxed."""


class JudgeInternalError(JudgeFault):
    """An unexpected failure inside the judge."""


class SpecError(ConfigError):
    """A pipeline YAML file is invalid; the message starts with `file:line:column: field.path:`."""


class LLMError(PysynthError):
    """An LLM endpoint could not produce a completion."""


class LLMRequestError(LLMError):
    """A request failed for good: a non-retryable answer, or every retry used up.

    `status` is the last HTTP status (None for timeouts, resets and unparseable bodies) and
    `attempts` how many requests were sent.
    """

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class PipelineRunError(PysynthError):
    """A pipeline run stopped; everything already checkpointed stays on disk for `--resume`."""

    exit_code: ClassVar[int] = 1


class RunInterrupted(PipelineRunError):
    """A pipeline run was stopped by SIGINT or SIGTERM (the shell's 128 + SIGINT)."""

    exit_code: ClassVar[int] = 130


class TrainingError(PysynthError):
    """A fine-tuning run failed after its inputs were validated (trl, torch or the model raised)."""


class ReportError(InputError):
    """A run's report cannot be written: no readable manifest in the directory, or the report folder cannot be
    written (names the path). A missing export file is not one: the report notes it and covers the rest."""
