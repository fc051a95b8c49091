"""pysynth.fingerprint on compiled pipelines: an edit re-runs exactly the edited step and its descendants.

Each case compiles one pipeline twice, before and after one edit, and compares every step's print.
The DAG: src -> gen (json_schema) -> loud; src -> constrained (regex); src -> side -> all <- other.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from string import Template

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import SpecError
from pysynth.fingerprint import content_digest
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

# Modules a case edits. Names no other test uses: a module popped from sys.modules is imported again
# from the first folder on sys.path that has it, and every compiled pipeline's folder is on sys.path.
SCHEMA_MODULE, FUNCTION_MODULE = "fingerprint_models", "fingerprint_steps"
SCHEMA = {"type": "object", "properties": {"reply": {"type": "string"}}}
REPLY_MODEL = "from pydantic import BaseModel\n\n\nclass Reply(BaseModel):\n    reply: str\n"
TAG_FUNCTION = 'def tag(row):\n    return {"a": row["topic"] + "/a"}\n'

PIPELINE = Template("""
name: prints
defaults:
  batch_size: 4
  llm: {backend: sglang, $where, model: $model, timeout_s: $timeout, max_retries: $retries$defaults_llm}
steps:
  - {name: src, type: load_file, params: {path: $data}}
  - name: gen
    type: generate
    inputs: [src]
    params: {template: "Write about {topic}"}
    llm: {json_schema: $schema, generation: {temperature: $temperature}}$gen_step
  - {name: loud, type: map, params: {function: "user_steps:shout", input_columns: [generation], output_columns: [loud]}}
  - name: constrained
    type: generate
    inputs: [src]
    params: {template: "One word for {topic}"}
    llm: {regex: "$regex"}
  - {name: side, type: map, inputs: [src], params: {function: "$FUNCTION_MODULE:tag", output_columns: [a]}$side}
  - {name: other, type: load_file, params: {path: other.jsonl}}
  - {name: all, type: map, inputs: [side, other], join: concat, params: {function: "user_steps:identity"}}
""")
BASE = {"where": 'base_url: "http://127.0.0.1:9/v1"', "model": "test-model", "timeout": "10", "retries": "2",
        "defaults_llm": "", "data": "data.jsonl", "schema": json.dumps(SCHEMA), "temperature": "0.5",
        "regex": "[a-z]+", "side": "", "gen_step": "", "FUNCTION_MODULE": FUNCTION_MODULE}
STEPS = {"src", "gen", "loud", "constrained", "side", "other", "all"}


@pytest.fixture(autouse=True)
def fresh_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A .pyc records its source's mtime in whole seconds and its size: an edit within the second that
    # keeps the size would be read from the stale .pyc. A real resume is a later process, long after.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    forget_modules()
    yield
    forget_modules()


def forget_modules() -> None:
    """What a new `pysynth run --resume` process starts from: the edited modules not imported yet."""
    for name in (SCHEMA_MODULE, FUNCTION_MODULE):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


FILES = {"data.jsonl": '{"topic": "graphs"}\n{"topic": "strings"}\n', "other.jsonl": '{"topic": "other"}\n',
         f"{FUNCTION_MODULE}.py": TAG_FUNCTION, f"{SCHEMA_MODULE}.py": REPLY_MODEL}


def prints(directory: Path, **edits: str) -> dict[str, str]:
    """Every step's print of PIPELINE with `edits`; the files a case has not edited are written first."""
    for name, text in FILES.items():
        if not (directory / name).exists():
            (directory / name).write_text(text)
    forget_modules()
    path = write_pipeline(directory, PIPELINE.substitute({**BASE, **edits}))
    return {name: node.fingerprint for name, node in compile_pipeline(load_spec(path)).nodes.items()}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert set(before) == set(after) == STEPS
    return {name for name in before if before[name] != after[name]}


@pytest.mark.parametrize(("edits", "rerun"), [
    pytest.param({"schema": json.dumps({**SCHEMA, "required": ["reply"]})}, {"gen", "loud"}, id="json_schema inline"),
    pytest.param({"regex": "[a-z]+[0-9]"}, {"constrained"}, id="regex"),
    pytest.param({"temperature": "0.9"}, {"gen", "loud"}, id="a step's generation field"),
    pytest.param({"defaults_llm": ", generation: {max_tokens: 64}"}, {"gen", "loud", "constrained"},
                 id="a default generation field reaches every LLM step"),
    pytest.param({"defaults_llm": ", n_mode: repeat"}, {"gen", "loud", "constrained"}, id="n_mode"),
    pytest.param({"model": "other-model"}, {"gen", "loud", "constrained"}, id="model"),
    pytest.param({"defaults_llm": ", api: completions"}, {"gen", "loud", "constrained"}, id="api"),
])
def test_an_output_setting_reruns_its_step_and_descendants_only(tmp_path: Path, edits: dict[str, str],
                                                                rerun: set[str]) -> None:
    before = prints(tmp_path)
    assert changed(before, prints(tmp_path, **edits)) == rerun


@pytest.mark.parametrize("edits", [
    pytest.param({"timeout": "300"}, id="timeout_s"),
    pytest.param({"retries": "9"}, id="max_retries"),
    pytest.param({"defaults_llm": ", max_concurrency: 3, max_concurrency_per_endpoint: 2"}, id="max_concurrency"),
    pytest.param({"where": 'base_url: "http://10.0.0.7:30000/v1"'}, id="base_url"),
    pytest.param({"where": 'endpoints: ["http://a:1/v1", "http://b:2/v1"]'}, id="endpoints"),
    pytest.param({"where": 'launch: {gpus: "0,1", tp: 2, port: 31000}'}, id="launch"),
    pytest.param({"side": ", concurrency: 3"}, id="concurrency"),
    pytest.param({"side": ", workers: 2"}, id="workers"),
    pytest.param({"side": ", max_row_retries: 3"}, id="max_row_retries"),
    pytest.param({"side": ", row_timeout_s: 5"}, id="row_timeout_s"),
    pytest.param({"gen_step": "\n    cache: {enabled: true, retry_truncated: true}"}, id="cache"),
])
def test_a_speed_or_endpoint_setting_keeps_every_print(tmp_path: Path, edits: dict[str, str]) -> None:
    before = prints(tmp_path)
    assert changed(before, prints(tmp_path, **edits)) == set()


def test_a_schema_model_edited_by_import_path_reruns_its_step(tmp_path: Path) -> None:
    by_path = {"schema": f'"{SCHEMA_MODULE}:Reply"'}
    before = prints(tmp_path, **by_path)
    (tmp_path / f"{SCHEMA_MODULE}.py").write_text(REPLY_MODEL + "    # the answer, not the reasoning\n")
    assert changed(before, prints(tmp_path, **by_path)) == set(), "a comment does not change the JSON Schema"
    (tmp_path / f"{SCHEMA_MODULE}.py").write_text(REPLY_MODEL + "    confidence: float\n")
    assert changed(before, prints(tmp_path, **by_path)) == {"gen", "loud"}


def test_a_data_file_is_hashed_by_contents_not_by_name_or_date(tmp_path: Path) -> None:
    before = prints(tmp_path)
    (tmp_path / "other.jsonl").write_text('{"topic": "other, edited in place"}\n')
    after = prints(tmp_path)
    assert changed(before, after) == {"other", "all"}
    (tmp_path / "moved.jsonl").write_bytes((tmp_path / "data.jsonl").read_bytes())
    assert changed(after, prints(tmp_path, data="moved.jsonl")) == set(), "the same rows under another name"
    (tmp_path / "data.jsonl").touch()
    assert changed(after, prints(tmp_path)) == set(), "touching a file changes no row"


def test_a_map_function_edit_reruns_its_step_and_descendants_only(tmp_path: Path) -> None:
    before = prints(tmp_path)
    (tmp_path / f"{FUNCTION_MODULE}.py").write_text(TAG_FUNCTION.replace('"/a"', '"/b"'))
    assert changed(before, prints(tmp_path)) == {"side", "all"}


def test_a_directory_digest_covers_names_and_contents_of_every_file(tmp_path: Path) -> None:
    dataset = tmp_path / "saved"
    (dataset / "part").mkdir(parents=True)
    (dataset / "state.json").write_text("{}")
    (dataset / "part" / "data-00000.arrow").write_bytes(b"\x00" * 100_000)
    first = content_digest(dataset)
    (dataset / "part" / "data-00000.arrow").write_bytes(b"\x00" * 99_999 + b"\x01")
    second = content_digest(dataset)
    (dataset / "part" / "data-00000.arrow").rename(dataset / "part" / "data-00001.arrow")
    assert len({first, second, content_digest(dataset)}) == 3


QUEST = """
name: graph
steps:
  - {name: seeds, type: load_file, params: {path: seeds.jsonl}}
  - {name: sample, type: quest_sample_prompts, params: {prompts: 2, load_graph: graph.parquet}}
  - {name: count, type: map, inputs: [seeds], params: {function: "user_steps:identity"}}
"""


def test_a_quest_graph_file_is_a_checked_input_hashed_by_contents(tmp_path: Path) -> None:
    seed = {"seed_id": "s1", "statement": "x", "concepts": ["a"], "topics": ["a"], "difficulty": 1}
    (tmp_path / "seeds.jsonl").write_text(json.dumps(seed) + "\n")
    path = write_pipeline(tmp_path, QUEST)
    with pytest.raises(SpecError, match=r"load_graph: no such file 'graph.parquet' \(relative paths start at the "):
        compile_pipeline(load_spec(path))
    (tmp_path / "graph.parquet").write_bytes(b"first graph")
    before = {name: node.fingerprint for name, node in compile_pipeline(load_spec(path)).nodes.items()}
    (tmp_path / "graph.parquet").write_bytes(b"other graph")
    after = {name: node.fingerprint for name, node in compile_pipeline(load_spec(path)).nodes.items()}
    assert {name for name in before if before[name] != after[name]} == {"sample"}
