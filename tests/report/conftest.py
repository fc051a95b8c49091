"""Runs shared by the report tests (each takes a second or two): made once per session, never changed by a
test; a test that needs to change one copies it (`copied_run`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.report.runs import run_concepts, run_demo, run_failed
from tests.support.openai_server import OpenAIServer


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with OpenAIServer() as server:
        yield run_demo(tmp_path_factory.mktemp("demo"), server.base_url)


@pytest.fixture(scope="session")
def concepts_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_concepts(tmp_path_factory.mktemp("concepts"))


@pytest.fixture(scope="session")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_failed(tmp_path_factory.mktemp("failed"))


@pytest.fixture
def copied_run(demo_run: Path, tmp_path: Path) -> Path:
    """A copy of the demo run a test may edit (the pipeline file stays where the run found it)."""
    copy = tmp_path / "out"
    shutil.copytree(demo_run, copy)
    return copy
