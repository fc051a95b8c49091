"""What the run owns and the compiler does not: the pipeline's folder on `sys.path` while it runs
(for its steps and its spawned workers), and how it ends when something that is not a `PysynthError` breaks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline

# Module names no other test imports: found through the pipeline's folder or not at all.
TAG_MODULE, BROKEN_MODULE = "run_resources_tags", "run_resources_broken"
TAGS = 'def tag(row):\n    return {"tag": row["topic"] + "!"}\n'
BROKEN_STEP = '''
from pysynth.steps.base import RowStep


class LoadsBroken(RowStep):
    @property
    def inputs(self):
        return ["topic"]

    @property
    def outputs(self):
        return ["topic"]

    def load(self):
        super().load()
        raise ZeroDivisionError("a bug while loading")

    def transform(self, row):
        return row
'''


def test_the_run_puts_the_pipeline_folder_on_sys_path_for_its_steps_and_workers(tmp_path: Path) -> None:
    (tmp_path / f"{TAG_MODULE}.py").write_text(TAGS)
    path = write_pipeline(tmp_path, f"""
    name: user-modules
    steps:
      - {{name: src, type: make_rows, params: {{count: 3, columns: {{topic: "t{{i}}"}}}}}}
      - name: here
        type: map
        params: {{function: "{TAG_MODULE}:tag", input_columns: [topic], output_columns: [tag]}}
      - name: there
        type: map
        inputs: [src]
        workers: 1
        params: {{function: "{TAG_MODULE}:tag", input_columns: [topic], output_columns: [tag]}}
    """)
    before = list(sys.path)
    compiled = compile_pipeline(load_spec(path, []))
    sys.modules.pop(TAG_MODULE)  # the run imports it again: only its folder on sys.path can find it
    result = run_pipeline(compiled, tmp_path / "out")
    assert sys.path == before
    for name in ("here", "there"):
        assert sorted_rows(result.outputs[name])["tag"].to_list() == ["t0!", "t1!", "t2!"], name


def test_an_internal_error_leaves_the_run_as_its_own_type_after_the_manifest(tmp_path: Path) -> None:
    (tmp_path / f"{BROKEN_MODULE}.py").write_text(BROKEN_STEP)
    path = write_pipeline(tmp_path, f"""
    name: broken
    steps:
      - {{name: src, type: make_rows, params: {{count: 2, columns: {{topic: "t{{i}}"}}}}}}
      - {{name: broken, type: "{BROKEN_MODULE}:LoadsBroken"}}
    """)
    with pytest.raises(ZeroDivisionError, match="a bug while loading"):
        run_pipeline(compile_pipeline(load_spec(path, [])), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert (manifest["status"], manifest["error"]) == ("failed", "ZeroDivisionError: a bug while loading")
