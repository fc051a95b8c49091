"""pytest fixtures that hand tests a running fault-injecting OpenAI server (see `openai_server.py`).

`openai_server` is fresh per test, so its faults and counters start empty. `openai_server_module` is
shared by a module's tests to save the start-up (~0.1 s); such tests should call `set_faults([])` and
`reset()` themselves if they depend on a clean state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openai_server import OpenAIServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def openai_server_module() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server
