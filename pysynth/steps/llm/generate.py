"""Prompt an LLM with a template filled from each row; one row per generation (or grouped)."""

from __future__ import annotations

import string
from typing import Any, ClassVar

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.tasks import Task
from pydantic import Field, field_validator


def template_columns(template: str) -> list[str]:
    """The row columns a `str.format` template reads, in order of first use."""
    names: dict[str, None] = {}
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name is not None:
            names[field_name.split(".")[0].split("[")[0]] = None
    return list(names)


class Generate(Task):
    """Chat completion per row: `template` is a Python format string over the row's columns."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("the {placeholders} of `template`", "generation, model_name, logprobs (if asked)")

    template: str = Field(description="User message, e.g. 'Write a problem about {topic}.'")
    system_prompt: str | None = Field(default=None, description="Optional system message.")
    # Raw prompts and answers duplicate the data; distilabel keeps them by default, pysynth does not.
    add_raw_output: RuntimeParameter[bool] = Field(default=False)
    add_raw_input: RuntimeParameter[bool] = Field(default=False)

    @field_validator("template")
    @classmethod
    def _template_parses(cls, template: str) -> str:
        try:
            names = template_columns(template)
        except ValueError as exc:
            raise ValueError(f"not a valid format template: {exc}") from None
        if any(not name or name.isdigit() for name in names):
            raise ValueError("placeholders must name a column, e.g. {topic}")
        return template

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return template_columns(self.template)

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["generation", "model_name"]

    def format_input(self, input: dict[str, Any]) -> list[dict[str, str]]:  # noqa: A002 (distilabel's name)
        messages = [] if self.system_prompt is None else [{"role": "system", "content": self.system_prompt}]
        messages.append({"role": "user", "content": self.template.format_map(input)})
        return messages

    def format_output(self, output: str | None, input: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: A002
        return {"generation": output}
