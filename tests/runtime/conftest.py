from __future__ import annotations

import pytest

from tests.support.openai_server import OpenAIServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with OpenAIServer() as running:
        monkeypatch.setenv("BASE_URL", running.base_url)
        yield running
