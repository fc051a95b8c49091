"""The run manifest (`<output>/run.json`): what ran, with which versions, and what each step did.

A typed model written as JSON and read back through the same model (`read_manifest`), so a key
renamed on one side fails a test instead of a later run. A step's `failed_rows_file` and
`dropped_rows_file` are null when it failed or dropped no row.
"""

from __future__ import annotations

import platform
import time
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from pysynth.dag import CompiledPipeline, StepKind
from pysynth.runtime.shards import Shard
from pysynth.runtime.state import StepState, StepStatus
from pysynth.tables import write_text_atomically

MANIFEST_NAME = "run.json"
REPORT_DIR = "report"  # beside it: the run's dataset card, plots and index.html (`pysynth.report`)


class RunStatus(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TokenCounts(_Record):
    input: int
    output: int


class StepReport(_Record):
    type: str
    kind: StepKind
    inputs: list[str]
    fingerprint: str
    status: StepStatus
    rows_in: int
    rows_out: int
    failed: int
    dropped: int
    dropped_by_reason: dict[str, int]  # most frequent reason first
    tokens: TokenCounts
    requests: int
    cache_hits: int
    mean_latency_seconds: float | None  # None: the step sent no request
    batches: int
    busy_seconds: float
    wall_seconds: float
    failed_rows_file: str | None = None
    dropped_rows_file: str | None = None
    report: dict[str, Any] | None = None  # a `Reports` step's findings (a calibration fit)


class RunManifest(_Record):
    pipeline: str
    spec_file: str
    spec_hash: str
    status: RunStatus
    error: str | None
    started_at: str  # UTC, ISO 8601
    seconds: float
    versions: dict[str, str]
    outputs: dict[str, str]  # exported step -> file
    steps: dict[str, StepReport]
    shard: str | None = None  # "I/N": this run kept that share of the source rows
    merged_from: list[str] | None = None  # the shard runs `pysynth merge` combined into this one


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("pysynth", "distilabel", "polars", "pydantic", "aiohttp"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def build_manifest(compiled: CompiledPipeline, states: dict[str, StepState], *, status: RunStatus, started: float,
                   outputs: dict[str, str], side_files: dict[str, dict[str, str]], error: str | None,
                   shard: Shard | None = None) -> RunManifest:
    steps: dict[str, StepReport] = {}
    for name, state in states.items():
        node, stats, files = compiled.nodes[name], state.stats, side_files.get(name, {})
        steps[name] = StepReport(
            type=node.spec.type,
            kind=node.kind,
            inputs=list(node.parents),
            fingerprint=node.fingerprint,
            status=state.status,
            rows_in=stats.rows_in,
            rows_out=stats.rows_out,
            failed=stats.failed,
            dropped=sum(stats.dropped.values()),
            dropped_by_reason=dict(sorted(stats.dropped.items(), key=lambda item: -item[1])),
            tokens=TokenCounts(input=stats.input_tokens, output=stats.output_tokens),
            requests=stats.requests,
            cache_hits=stats.cache_hits,
            mean_latency_seconds=round(stats.latency_seconds / stats.requests, 3) if stats.requests else None,
            batches=state.shards,
            busy_seconds=round(stats.seconds, 3),
            wall_seconds=round(state.wall_seconds, 3),
            failed_rows_file=files.get("failed"),
            dropped_rows_file=files.get("dropped"),
            report=stats.report,
        )
    return RunManifest(
        pipeline=compiled.loaded.spec.name,
        spec_file=str(compiled.loaded.path.resolve()),
        spec_hash=compiled.spec_hash,
        status=status,
        error=error,
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        seconds=round(time.time() - started, 3),
        versions=package_versions(),
        outputs=outputs,
        steps=steps,
        shard=None if shard is None else str(shard),
    )


def write_manifest(output: Path, manifest: RunManifest) -> Path:
    target = output / MANIFEST_NAME
    write_text_atomically(target, manifest.model_dump_json(indent=2) + "\n")
    return target


def read_manifest(output: Path) -> RunManifest:
    """The manifest of the run in `output`; raises OSError if there is none, ValueError if it is not one."""
    return RunManifest.model_validate_json((output / MANIFEST_NAME).read_text())
