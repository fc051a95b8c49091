"""Which model each LLM step of a run asked, read from the pipeline file as the run resolved it.

A step's `llm:` block overrides `defaults.llm` key by key (`pysynth.spec.models.LLMSpec`); `backend: local`
names no `model` but serves `local.model_path` or the embedded model `local.embedded` (whose default is
LocalSpec's). Read from the plain YAML, not through `load_spec`: the report must still name the models
when the run's environment variables (`${BASE_URL}`) are no longer set, so a `${MODEL}` stays as written.
"""

from __future__ import annotations

from typing import Any

from pysynth.runtime.manifest import RunManifest
from pysynth.spec.models import LocalSpec


def step_models(spec: dict[str, Any], manifest: RunManifest) -> dict[str, str]:
    """step -> model name, for each step with an `llm` setting (its own or the defaults') that sent requests
    or is written with an `llm:` block; in the manifest's order."""
    defaults = _mapping(_mapping(spec.get("defaults")).get("llm"))
    blocks = {str(step.get("name")): step.get("llm") for step in _steps(spec)}
    models: dict[str, str] = {}
    for name, report in manifest.steps.items():
        own = blocks.get(name)
        if own is None and report.requests + report.cache_hits == 0:
            continue  # not an LLM step (or one that never ran: nothing to attribute to it)
        model = _model_of({**defaults, **_mapping(own)})
        if model is not None:
            models[name] = model
    return models


def _model_of(llm: dict[str, Any]) -> str | None:
    if llm.get("backend") == "local":
        local = _mapping(llm.get("local"))
        default = LocalSpec.model_fields["embedded"].default
        return str(local.get("model_path") or f"{local.get('embedded', default)} (embedded llama.cpp)")
    model = llm.get("model")
    return None if model is None else str(model)


def _steps(spec: dict[str, Any]) -> list[dict[str, Any]]:
    steps = spec.get("steps")
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
