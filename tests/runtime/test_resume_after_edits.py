"""`pysynth run --resume` in a new process after an edit: what the edit changes is redone, nothing else.

Each run is its own `pysynth run` process, as a user's is, so an edited module is imported afresh.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline
from tests.runtime.test_kill import SLOW, shards_on_disk, start, wait_for_shards
from tests.support.openai_server import OpenAIServer

REPLY_MODEL = "from pydantic import BaseModel\n\n\nclass Reply(BaseModel):\n    reply: str\n"
SCHEMA_EDIT = """
name: schema_edit
defaults:
  batch_size: 4
  llm: {base_url: "${BASE_URL}", model: test-model, max_retries: 1, timeout_s: 10}
steps:
  - {name: src, type: make_rows, params: {count: 8, columns: {topic: "t{i}"}}}
  - {name: gen, type: generate, params: {template: "Write about {topic}"}, llm: {json_schema: "resume_models:Reply"}}
  - {name: loud, type: map, params: {function: "user_steps:shout", input_columns: [generation], output_columns: [loud]}}
"""


def pysynth_run(pipeline: Path, output: Path, *extra: str) -> dict[str, object]:
    command = [sys.executable, "-m", "pysynth.cli", "run", str(pipeline), "-o", str(output), "--quiet", *extra]
    done = subprocess.run(command, capture_output=True, env=dict(os.environ), timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return dict(json.loads((output / "run.json").read_text()))


def statuses(manifest: dict[str, object]) -> dict[str, str]:
    steps = manifest["steps"]
    assert isinstance(steps, dict)
    return {name: step["status"] for name, step in steps.items()}


def test_an_edited_schema_model_reruns_its_step_on_resume(tmp_path: Path, server,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resume_models.py").write_text(REPLY_MODEL)
    pipeline, output = write_pipeline(tmp_path, SCHEMA_EDIT), tmp_path / "out"
    pysynth_run(pipeline, output)
    assert server.stats()["requests"] == 8
    assert set(sorted_rows(output / "loud.parquet")["loud"]) == {f'{{"REPLY": "REPLY TO: WRITE ABOUT T{i}"}}'
                                                                  for i in range(8)}
    (tmp_path / "resume_models.py").write_text(REPLY_MODEL + "    words: int\n")
    # The edited run talks to another server, which answers differently: its rows are the new run's.
    with OpenAIServer(script=[{"match": "Write about", "replies": ['{"reply": "new", "words": 1}']}]) as second:
        monkeypatch.setenv("BASE_URL", second.base_url)
        manifest = pysynth_run(pipeline, output, "--resume")
        assert statuses(manifest) == {"src": "reused", "gen": "done", "loud": "done"}
        assert second.stats()["requests"] == 8, "the step whose schema changed was not sent again"
        sent = second.stats()["last_body"]["response_format"]["json_schema"]["schema"]
        assert set(sent["properties"]) == {"reply", "words"}
    assert server.stats()["requests"] == 8
    assert set(sorted_rows(output / "loud.parquet")["loud"]) == {'{"REPLY": "NEW", "WORDS": 1}'}


SEEDS = """
name: seed_ids
defaults:
  batch_size: 5
  llm: {base_url: "${BASE_URL}", model: test-model, max_concurrency: 4, timeout_s: 10}
steps:
  - {name: src, type: make_rows, params: {count: 150, columns: {topic: "t{i}"}}}
  - {name: gen, type: generate, concurrency: 2, params: {template: "Write about {topic}"}}
  - name: seeds
    type: quest_seed_rows
    concurrency: 4
    params: {statement_column: generation, id_column: null, difficulty_column: null}
"""


def seed_ids(output: Path) -> dict[str, str]:
    rows = sorted_rows(output / "seeds.parquet")
    assert rows.height == 150 and rows["seed_id"].n_unique() == 150
    return dict(zip(rows["_row_id"], rows["seed_id"], strict=True))


def test_seed_ids_are_the_same_after_a_kill_and_resume(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    pipeline = write_pipeline(tmp_path, SEEDS)
    run_pipeline(compile_pipeline(load_spec(pipeline)), tmp_path / "fresh")
    fresh = seed_ids(tmp_path / "fresh")
    assert fresh["src:17"] == "pysynth-seeds-src:17"
    server.set_faults(SLOW)
    process = start(pipeline, tmp_path / "out")
    wait_for_shards(process, tmp_path / "out", "seeds", 3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert shards_on_disk(tmp_path / "out", "seeds") < 30, "killed too late to test anything"
    server.set_faults([])
    manifest = pysynth_run(pipeline, tmp_path / "out", "--resume")
    assert statuses(manifest)["seeds"] == "done"
    assert seed_ids(tmp_path / "out") == fresh
