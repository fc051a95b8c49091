"""The run manifest (`<output>/run.json`): what ran, with which versions, and what each step did."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from pysynth.dag import CompiledPipeline
from pysynth.runtime.state import StepState
from pysynth.tables import write_text_atomically

MANIFEST_NAME = "run.json"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("pysynth", "distilabel", "polars", "pydantic", "aiohttp"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def build_manifest(compiled: CompiledPipeline, states: dict[str, StepState], *, status: str, started: float,
                   outputs: dict[str, str], side_files: dict[str, dict[str, str]], error: str | None) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    for name, state in states.items():
        node = compiled.nodes[name]
        stats = asdict(state.stats)
        steps[name] = {
            "type": node.spec.type,
            "kind": node.kind.value,
            "inputs": list(node.parents),
            "fingerprint": node.fingerprint,
            "status": state.status,
            **{key: stats[key] for key in ("rows_in", "rows_out", "failed")},
            "dropped": sum(state.stats.dropped.values()),
            "dropped_by_reason": dict(sorted(state.stats.dropped.items(), key=lambda item: -item[1])),
            "tokens": {"input": stats["input_tokens"], "output": stats["output_tokens"]},
            "requests": stats["requests"],
            "cache_hits": stats["cache_hits"],
            "mean_latency_seconds": round(stats["latency_seconds"] / stats["requests"], 3) if stats["requests"] else None,
            "batches": state.shards,
            "busy_seconds": round(stats["seconds"], 3),
            "wall_seconds": round(state.wall_seconds, 3),
            **{f"{kind}_rows_file": path for kind, path in side_files.get(name, {}).items()},
        }
    return {
        "pipeline": compiled.loaded.spec.name,
        "spec_file": str(compiled.loaded.path.resolve()),
        "spec_hash": compiled.spec_hash,
        "status": status,
        "error": error,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "versions": package_versions(),
        "outputs": outputs,
        "steps": steps,
    }


def write_manifest(output: Path, manifest: dict[str, Any]) -> Path:
    target = output / MANIFEST_NAME
    write_text_atomically(target, json.dumps(manifest, indent=2) + "\n")
    return target
