"""A paper stage that asks an LLM, as one step: render the prompt, call the model, parse the answer.

distilabel's `Task` pattern (`format_input` / `format_output`) with pysynth's contract on top:
- `prompt(row)` renders the user message from the row's columns;
- the request carries the stage's constrained decoding (`answer_schema`, a pydantic model sent as
  a JSON schema) unless the step's `llm:` block sets its own `json_schema` or `regex`;
- `parse(answer, row)` turns each answer into the stage's columns, or a `Dropped(reason)`: the
  runtime drops that answer and counts it under the reason in the manifest. An exception in
  `parse` fails just that row, like a `RowStep`'s `transform`.

With `group_generations`, the answers a row's generations kept are grouped into lists; the row is
dropped only when none was kept.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Any, ClassVar

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.tasks import Task
from pydantic import BaseModel, Field

from pysynth.steps.base import Dropped, Row

# Columns the runtime writes beside every stage's own.
MODEL_NAME = "model_name"


class LLMStage(Task):
    """Base of the steps that render a prompt, call the LLM and parse its answers into columns."""

    # The stage's default constrained decoding: answers must match this model's JSON schema.
    answer_schema: ClassVar[type[BaseModel] | None] = None
    # Where the rendered prompt is kept (an export needs it as the training prompt), or None.
    prompt_column: ClassVar[str | None] = None

    system_prompt: str | None = Field(default=None, description="Optional system message.")
    # Raw prompts and answers duplicate the data; distilabel keeps them by default, pysynth does not.
    add_raw_output: RuntimeParameter[bool] = Field(default=False)
    add_raw_input: RuntimeParameter[bool] = Field(default=False)

    @abstractmethod
    def prompt(self, row: Row) -> str:
        """The user message for `row`."""

    @abstractmethod
    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        """The stage's columns from one answer (None: the server gave no text), or why it is unusable."""

    def parse_blocks(self) -> bool:
        """Whether `parse` waits on the judge's sandboxes: the runtime then runs it in a thread."""
        return False

    def answer_format(self) -> type[BaseModel] | None:
        """The schema this step's requests carry: the stage's, unless its `llm:` constrains answers itself."""
        generation = getattr(self.llm, "generation_kwargs", None) or {}
        if "response_format" in generation or "regex" in generation:
            return None
        return self.answer_schema

    def format_input(self, input: dict[str, Any]) -> Any:  # noqa: A002 (distilabel's name)
        messages = [] if self.system_prompt is None else [{"role": "system", "content": self.system_prompt}]
        messages.append({"role": "user", "content": self.prompt(input)})
        structured = self._structured_output
        # distilabel's structured input: the LLM sends it as a `response_format` of type json_schema.
        return (messages, structured) if structured is not None else messages

    @cached_property
    def _structured_output(self) -> dict[str, Any] | None:
        """The schema as JSON, built once: pydantic takes ~0.4 ms per `model_json_schema()`, and every
        request would pay it twice (its request-cache key and its body)."""
        schema = self.answer_format()
        return None if schema is None else {"format": "json", "schema": schema.model_json_schema()}

    def format_output(self, output: str | None, input: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: A002
        """For distilabel's own runner, which cannot drop: an unusable answer's columns are None."""
        parsed = self.parse(output, input or {})
        if isinstance(parsed, Dropped):
            return dict.fromkeys(self.outputs)
        return parsed

    def answer_rows(self, answers: list[str | None], row: Row) -> list[Row | Dropped]:
        """Each answer parsed (the runtime's path: a Dropped answer is counted, not a row of Nones)."""
        return [self.parse(answer, row) for answer in answers]

    def kept_prompt(self, row: Row) -> Row:
        """The rendered prompt under `prompt_column`, once per output row, or nothing."""
        return {} if self.prompt_column is None else {self.prompt_column: self.prompt(row)}

def stage_outputs(*columns: str, prompt_column: str | None = None) -> list[str]:
    """A stage's output columns: its own, the kept prompt, and the model name the runtime adds."""
    return [*([prompt_column] if prompt_column else []), *columns, MODEL_NAME]
