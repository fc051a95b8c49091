"""The small base of pysynth's row-wise steps: one row in, zero or more rows out, drops with a reason.

A `RowStep` is a real distilabel `Step` (its `process` works under distilabel's own runner),
but pysynth's executor calls `transform` row by row instead, which gives it what a batch call
cannot: a failing row is isolated from its siblings, each output row is traced to the row it
came from (stable row ids), and every dropped row is counted under its reason.
"""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from distilabel.steps import Step, StepInput

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

Row = dict[str, Any]


@dataclass(frozen=True)
class Dropped:
    """A row removed on purpose; `reason` is what the run manifest counts it under."""

    reason: str


RowResult = Row | list[Row] | Dropped


class RowStep(Step):
    """Per-row step. Subclasses implement `transform` and declare `inputs`/`outputs`."""

    # Whether the input columns flow through to the output (the column check of `pysynth validate`).
    passthrough: ClassVar[bool] = True

    @abstractmethod
    def transform(self, row: Row) -> RowResult:
        """Return the output row(s) for `row`, or `Dropped(reason)`; raise to fail just this row."""

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        kept: list[Row] = []
        for row in inputs:
            result = self.transform(row)
            if isinstance(result, Dropped):
                continue
            kept.extend(result if isinstance(result, list) else [result])
        yield kept


@runtime_checkable
class SourceWithDrops(Protocol):
    """A source step that skips unusable input records (a malformed dataset row) and says why.

    pysynth's runner calls `take_dropped` after each batch the source yields and stores the records
    as a `RowStep`'s drops: in `dropped/<step>.parquet`, counted by `drop_reason` in the manifest.
    """

    def take_dropped(self) -> list[Row]:
        """The records skipped since the last call, each with a `drop_reason`."""
        ...


@runtime_checkable
class ConcurrentRows(Protocol):
    """A row step whose rows mostly wait (on the judge's sandboxes, on I/O) with the GIL released:
    the executor runs up to `row_concurrency()` of its rows at once, each in a thread, and admits
    batches as rows finish, so one slow row holds up only its own thread."""

    def row_concurrency(self) -> int: ...


@runtime_checkable
class Fingerprinted(Protocol):
    """A step whose rows depend on more than its params say: code a param only names (a user function).

    The DAG builder hashes `fingerprint()` into the step's checkpoint fingerprint (`pysynth.fingerprint`),
    so editing that code re-runs the step and its descendants. Files are declared with `path_params`.
    """

    def fingerprint(self) -> str:
        """Text that changes whenever what the params name changes (e.g. the function's source)."""
        ...


def path_params(step_class: type) -> tuple[str, ...]:
    """The params naming files or directories a step reads (its `path_params: ClassVar[tuple[str, ...]]`).

    The DAG builder resolves them against the pipeline file's folder, checks they exist, and hashes
    their contents into the step's fingerprint.
    """
    return tuple(getattr(step_class, "path_params", ()))


def column_passthrough(step: object) -> bool:
    """Whether a step's output rows keep their input columns (distilabel steps do unless they select)."""
    explicit = getattr(type(step), "passthrough", None)
    if isinstance(explicit, bool):
        return explicit
    return type(step).__name__ not in {"KeepColumns"}
