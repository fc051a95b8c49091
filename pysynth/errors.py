"""The one exception hierarchy of pysynth. Native (Rust) errors are raised as these classes too."""

from __future__ import annotations


class PysynthError(Exception):
    """Base class of every error pysynth raises on purpose."""


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
