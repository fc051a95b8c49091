"""Compiling is pure: it picks no ports, creates no files and leaves `sys.path` as it found it.

Resources belong to the run: a local server gets its port when the run starts it, and the pipeline's
folder is on `sys.path` only while the compiler (or the run) imports the user modules beside it.
"""

from __future__ import annotations

import socket
import sys
import textwrap
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.llm.local import LocalServerPlan
from pysynth.spec import load_spec

QUEST_YAML = Path(__file__).resolve().parents[2] / "pipelines" / "quest.yaml"
# A module name no other test imports: it must be found through the pipeline's folder, nowhere else.
USER_MODULE = "pure_compile_steps"
LOCAL_PIPELINE = f"""
name: pure
defaults:
  llm: {{backend: local, local: {{slots: 2, context: 2048}}}}
steps:
  - {{name: src, type: make_rows, params: {{count: 2, columns: {{topic: "t{{i}}"}}}}}}
  - {{name: gen, type: generate, params: {{template: "About {{topic}}."}}}}
  - name: tag
    type: map
    params: {{function: "{USER_MODULE}:tag", input_columns: [generation], output_columns: [tag]}}
"""


def write_local_pipeline(directory: Path) -> Path:
    (directory / f"{USER_MODULE}.py").write_text('def tag(row):\n    return {"tag": row["generation"][:3]}\n')
    path = directory / "pipeline.yaml"
    path.write_text(textwrap.dedent(LOCAL_PIPELINE).lstrip())
    return path


def listing(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


@pytest.fixture(autouse=True)
def forget_user_module() -> None:
    sys.modules.pop(USER_MODULE, None)  # each test imports it afresh, through the pipeline's folder


@pytest.fixture
def no_socket_binds(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    tried: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        tried.append(address)
        raise OSError(f"compiling must not bind a socket (tried {address!r})")

    monkeypatch.setattr(socket.socket, "bind", refuse)
    return tried


def test_compiling_leaves_sys_path_as_it_found_it(tmp_path: Path) -> None:
    before = list(sys.path)
    compiled = compile_pipeline(load_spec(write_local_pipeline(tmp_path), []))
    assert sys.path == before, "compile_pipeline changed sys.path"
    assert "tag" in compiled.nodes  # the user module next to the pipeline was imported all the same
    compile_pipeline(load_spec(QUEST_YAML, []))
    assert sys.path == before, "compile_pipeline changed sys.path"


def test_a_folder_already_on_sys_path_stays_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = list(sys.path)
    compile_pipeline(load_spec(write_local_pipeline(tmp_path), []))
    assert sys.path == before


def test_compiling_creates_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, work, cache = tmp_path / "project", tmp_path / "cwd", tmp_path / "cache"
    project.mkdir()
    work.mkdir()
    pipeline = write_local_pipeline(project)
    monkeypatch.chdir(work)
    monkeypatch.setenv("PYSYNTH_CACHE_DIR", str(cache))  # where the embedded model would be assembled
    before = listing(tmp_path)
    compile_pipeline(load_spec(pipeline, []))
    compile_pipeline(load_spec(QUEST_YAML, []))
    assert listing(tmp_path) == before  # no __pycache__ beside the user module, no output or cache folder


def test_compiling_binds_no_socket_and_a_local_server_has_no_port_yet(
        tmp_path: Path, no_socket_binds: list[object]) -> None:
    for path in (write_local_pipeline(tmp_path), QUEST_YAML):
        compiled = compile_pipeline(load_spec(path, []))
        servers = {node.server for node in compiled.nodes.values() if node.server is not None}
        assert servers and all(isinstance(server, LocalServerPlan) and server.port is None for server in servers)
    assert no_socket_binds == []
