"""The one home of silencing third-party noise that users cannot act on.

pysynth's own processes call this module before they import a dependency: the `pysynth` command
(`silence_third_party` first thing in `main`) and every worker process of a step's pool (they start
in `call_quietly`, so the filters precede the step's imports, which pull in distilabel). A library
user's process is left as Python sets it up; the warnings below are silenced only where pysynth owns
the process. What is silenced, and why:

- pydantic's `UnsupportedFieldAttributeWarning` for `Field(default=...)` inside `Annotated`, raised
  while distilabel's step and LLM models are built (its `RuntimeParameter` idiom, and so ours):
  harmless, and about code the user did not write.
- transformers' `FutureWarning` that `is_gradient_checkpointing` is deprecated, raised from inside trl's
  trainer on every `pysynth train sft` (trl still reads the old name; nothing the user can change).
- what a worker's copy of a step says while it is imported and built (`rebuilding_step`): steps do not
  pickle, so each worker rebuilds the step the parent already built at compile time, without a
  `Pipeline` (distilabel then logs "Step '...' hasn't received a pipeline"), by design. The parent's
  build reported whatever there was to report; the step's log records while it runs still show.

Not silenced: pysynth's own warnings and log lines (where they first happen: a worker's copy only
repeats them), anything else a dependency reports, and any warning once the user asks for warnings
with `python -W ...` or `PYTHONWARNINGS` (their filters then apply unchanged). Stdlib only, so it
costs nothing at start-up.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# pydantic's message, from the `Field()` of every `RuntimeParameter[...] = Field(default=...)`.
_FIELD_ATTRIBUTE_MESSAGE = r"The '\w+' attribute with value .* was provided to the `Field\(\)` function"
_PYDANTIC_SCHEMA_MODULE = r"pydantic\._internal\._generate_schema"
_NO_PIPELINE_NOTICE = "hasn't received a pipeline"
_CHECKPOINTING_RENAME_MESSAGE = r"`is_gradient_checkpointing` is deprecated"
_TRANSFORMERS_MODELS_MODULE = r"transformers\.modeling_utils"


def silence_third_party() -> None:
    """Install the warning filters above, unless the user chose their own (`-W`, `PYTHONWARNINGS`).

    Idempotent: `warnings.filterwarnings` replaces an identical filter instead of adding another."""
    if sys.warnoptions:
        return
    warnings.filterwarnings("ignore", message=_FIELD_ATTRIBUTE_MESSAGE, module=_PYDANTIC_SCHEMA_MODULE)
    warnings.filterwarnings("ignore", message=_CHECKPOINTING_RENAME_MESSAGE, category=FutureWarning,
                            module=_TRANSFORMERS_MODELS_MODULE)


def call_quietly(module: str, function: str, *args: object) -> None:
    """A spawned process's entry: silence, then import `module` and call `function(*args)`.

    Named rather than passed: unpickling a function in the child imports its module (and with it
    distilabel) before this body runs, which is too late for the filters."""
    silence_third_party()
    getattr(importlib.import_module(module), function)(*args)


@contextmanager
def rebuilding_step(step_name: object) -> Iterator[None]:
    """A worker's copy of step `step_name`, which the parent built and checked when it compiled the
    pipeline: whatever importing and building it has to say, the parent's build said first, so the
    copy (one per worker) is built silently. Python warnings are ignored, and distilabel's notice that
    the step has no `Pipeline` is dropped (logged on `distilabel.step.<name>`, where this filter sits)."""
    logger = logging.getLogger(f"distilabel.step.{step_name}")
    logger.addFilter(_drop_no_pipeline_notice)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.removeFilter(_drop_no_pipeline_notice)


def _drop_no_pipeline_notice(record: logging.LogRecord) -> bool:
    return _NO_PIPELINE_NOTICE not in record.getMessage()
