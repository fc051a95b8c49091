"""What a step may offer pysynth beyond distilabel's `process`, each as a small Protocol.

A step is a distilabel step (its `process` still works under distilabel's runner); pysynth's compiler
and executor look here for everything else, and nowhere else: no hook is found by name at run time.
A step class implements the methods of the protocols it needs; `isinstance(step, Protocol)` picks
the behaviour. Class-level declarations (files read, columns kept, column help) are read by the
functions at the end, with their defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

Row = dict[str, Any]


@runtime_checkable
class SourceWithDrops(Protocol):
    """A source step that skips unusable input records (a malformed dataset row) and says why.

    The runner calls `take_dropped` after each batch the source yields and stores the records as a
    row step's drops: in `dropped/<step>.parquet`, counted by `drop_reason` in the manifest.
    """

    def take_dropped(self) -> list[Row]:
        """The records skipped since the last call, each with a `drop_reason`."""
        ...


@runtime_checkable
class KnowsItsRowCount(Protocol):
    """A source step that knows how many rows it will yield: the progress display shows a total."""

    def expected_rows(self) -> int | None: ...


@runtime_checkable
class ConcurrentRows(Protocol):
    """A row step whose rows mostly wait (on the judge's sandboxes, on I/O) with the GIL released:
    the executor runs up to `row_concurrency()` of its rows at once, each in a thread, and admits
    batches as rows finish, so one slow row holds up only its own thread."""

    def row_concurrency(self) -> int: ...


@runtime_checkable
class ProducesRows(Protocol):
    """A global step that makes new rows from all of its inputs (prompts sampled from a graph of them);
    the executor gives the new rows their ids."""

    def produce(self, rows: list[Row]) -> list[Row]: ...


@runtime_checkable
class SelectsRows(Protocol):
    """A global step that keeps or drops each of its input rows, seeing all of them (hardest of K,
    near-duplicates): one decision per row, in order, a row or a `Dropped` with its reason."""

    def select(self, rows: list[Row]) -> list[Any]: ...


@runtime_checkable
class Reports(Protocol):
    """A global step that finds something about all its rows worth reading beside the counts (a
    calibration fit, a share before and after): the executor calls `report()` after `select` or
    `produce` and the run manifest keeps it as the step's `report`. JSON values only."""

    def report(self) -> dict[str, Any]: ...


@runtime_checkable
class WritesArtifacts(Protocol):
    """A step that writes files beside the run's outputs (a concept graph); the run tells it where
    before the first batch. Compiling never calls it, so `validate` writes nothing."""

    def bind_output_dir(self, output_dir: Path) -> None: ...


@runtime_checkable
class Fingerprinted(Protocol):
    """A step whose rows depend on more than its params say: code a param only names (a user function).

    The compiler hashes `fingerprint()` into the step's checkpoint fingerprint (`pysynth.fingerprint`),
    so editing that code re-runs the step and its descendants. Files are declared with `path_params`.
    """

    def fingerprint(self) -> str:
        """Text that changes whenever what the params name changes (e.g. the function's source)."""
        ...


def path_params(step_class: type) -> tuple[str, ...]:
    """The params naming files or directories a step reads (its `path_params: ClassVar[tuple[str, ...]]`).

    The compiler resolves them against the pipeline file's folder, checks they exist, and hashes
    their contents into the step's fingerprint.
    """
    return tuple(getattr(step_class, "path_params", ()))


def column_passthrough(step: object) -> bool:
    """Whether a step's output rows keep their input columns (`passthrough: ClassVar[bool]`, default
    True as for distilabel steps; distilabel's own column selectors are known to the adapter)."""
    from pysynth.steps.adapter import selects_columns

    explicit = getattr(type(step), "passthrough", None)
    if isinstance(explicit, bool):
        return explicit
    return not selects_columns(step)
