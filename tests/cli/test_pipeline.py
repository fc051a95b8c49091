"""`pysynth validate | compile | schema | steps`, run as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pysynth.steps import BUILTIN_STEPS
from tests.spec.test_malformed import EXPECTED as MALFORMED_MESSAGES

SPEC_TESTS = Path(__file__).resolve().parents[1] / "spec"

PIPELINE = """\
name: cli-demo
description: a pipeline for the CLI tests
defaults:
  batch_size: 4
  llm:
    base_url: http://127.0.0.1:9/v1
    model: ${PYSYNTH_TEST_MODEL:-tiny}
steps:
  - name: seed
    type: make_rows
    params: {count: 10, columns: {topic: "topic {i}"}}
  - name: ask
    type: generate
    params: {template: "Write a problem about {topic}."}
  - name: keep
    type: keep_columns
    params: {columns: [topic, generation]}
"""


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # No PYSYNTH_TEST_* variables leak in from the shell; COLUMNS keeps rich tables from wrapping.
    base = {key: value for key, value in os.environ.items() if not key.startswith("PYSYNTH_TEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pysynth.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**base, "COLUMNS": "200", **(env or {})},
    )


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(PIPELINE)
    return path


def compiled(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(result.stdout)
    assert isinstance(document, dict), result.stdout
    return document


def step_dump(document: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in document["pipeline"]["steps"]:
        if entry["name"] == name:
            return dict(entry["step"])
    raise AssertionError(f"no step {name!r} in the compiled pipeline")


def test_validate_names_steps_and_exports(pipeline: Path) -> None:
    result = run("validate", pipeline.name, cwd=pipeline.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "demo.yaml: OK: 3 steps: seed (generator), ask (normal), keep (normal); exports: keep\n"
    assert result.stderr == ""


@pytest.mark.parametrize(
    "filename", ["yaml_syntax.yaml", "unknown_step_type.yaml", "missing_column.yaml", "load_file_missing.yaml"]
)
def test_validate_bad_file_exits_2_with_located_error(filename: str) -> None:
    result = run("validate", f"malformed/{filename}", cwd=SPEC_TESTS)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == f"error: {MALFORMED_MESSAGES[filename]}\n"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_validate_bad_override_exits_2(pipeline: Path) -> None:
    result = run("validate", pipeline.name, "--set", "steps.sed.params.count=3", cwd=pipeline.parent)
    assert result.returncode == 2
    assert result.stderr == (
        "error: demo.yaml: --set steps.sed.params.count=3: no item named 'sed' in steps (did you mean 'seed'?)\n"
    )


def test_compile_prints_distilabel_yaml(pipeline: Path) -> None:
    document = compiled(run("compile", pipeline))
    assert set(document) >= {"distilabel", "pipeline"}
    assert document["pipeline"]["name"] == "cli-demo"
    assert [entry["name"] for entry in document["pipeline"]["steps"]] == ["seed", "ask", "keep"]
    assert document["pipeline"]["connections"] == [
        {"from": "seed", "to": ["ask"]},
        {"from": "ask", "to": ["keep"]},
        {"from": "keep", "to": []},
    ]
    seed = step_dump(document, "seed")
    assert (seed["batch_size"], seed["count"]) == (4, 10)
    assert step_dump(document, "ask")["llm"]["model"] == "tiny"
    assert step_dump(document, "keep")["columns"] == ["topic", "generation"]


def test_set_overrides_defaults_and_step_params(pipeline: Path) -> None:
    overrides = ["--set", "defaults.batch_size=7", "--set", "steps.seed.params.count=3"]
    document = compiled(run("compile", pipeline, *overrides))
    seed = step_dump(document, "seed")
    assert (seed["batch_size"], seed["count"]) == (7, 3)
    assert pipeline.read_text() == PIPELINE  # overrides never touch the file


def test_environment_variables_and_defaults(pipeline: Path) -> None:
    default = compiled(run("compile", pipeline))
    assert step_dump(default, "ask")["llm"]["model"] == "tiny"
    chosen = compiled(run("compile", pipeline, env={"PYSYNTH_TEST_MODEL": "big-model"}))
    assert step_dump(chosen, "ask")["llm"]["model"] == "big-model"


def test_environment_variable_without_default_must_be_set(tmp_path: Path) -> None:
    (tmp_path / "needs_env.yaml").write_text(PIPELINE.replace("${PYSYNTH_TEST_MODEL:-tiny}", "${PYSYNTH_TEST_MODEL}"))
    missing = run("validate", "needs_env.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == (
        "error: needs_env.yaml:7:12: defaults.llm.model: environment variable 'PYSYNTH_TEST_MODEL' is not set "
        "(write ${PYSYNTH_TEST_MODEL:-default} for a default)\n"
    )
    given = run("validate", "needs_env.yaml", cwd=tmp_path, env={"PYSYNTH_TEST_MODEL": "m"})
    assert given.returncode == 0, given.stderr


def test_schema_is_json_schema_of_strict_models() -> None:
    result = run("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and set(schema["required"]) >= {"name", "steps"}
    assert schema["additionalProperties"] is False
    step = schema["$defs"]["StepSpec"]
    assert step["additionalProperties"] is False
    assert set(step["required"]) == {"name", "type"}
    assert {"inputs", "params", "input_mappings", "llm", "concurrency", "workers"} <= set(step["properties"])
    assert schema["properties"]["steps"]["items"] == {"$ref": "#/$defs/StepSpec"}
    for name, model in schema["$defs"].items():
        assert model["additionalProperties"] is False, f"{name} accepts unknown keys"


def test_steps_json_lists_every_builtin_with_parameters() -> None:
    result = run("steps", "--json")
    assert result.returncode == 0, result.stderr
    infos = {info["name"]: info for info in json.loads(result.stdout)}
    assert set(infos) == set(BUILTIN_STEPS)
    for name, info in infos.items():
        assert info["import_path"] == BUILTIN_STEPS[name]
        assert info["kind"] in {"source", "row", "llm", "global"}, info
        assert info["parameters"], f"{name} lists no parameters"
        for parameter in info["parameters"]:
            assert set(parameter) == {"name", "type", "default", "description"}, parameter
    count = {parameter["name"]: parameter for parameter in infos["make_rows"]["parameters"]}["count"]
    assert (count["type"], count["default"]) == ("int", "required")
    assert infos["generate"]["kind"] == "llm" and "template" in {p["name"] for p in infos["generate"]["parameters"]}


def test_steps_table_lists_every_builtin() -> None:
    result = run("steps")
    assert result.returncode == 0, result.stderr
    for name in BUILTIN_STEPS:
        assert f"{name} (" in result.stdout, f"{name} missing from `pysynth steps`"
    assert "list[str] | None" in result.stdout  # types keep their brackets (not eaten as rich markup)
