"""Endpoint pools over real servers: balancing, failover, ejection and readmission, per-endpoint caps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from pysynth.errors import LLMRequestError
from pysynth.llm.endpoints import EndpointPoolClient
from tests.support.openai_server import OpenAIServer

BODY = {"model": "test-model", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture
def two_servers() -> Iterator[tuple[OpenAIServer, OpenAIServer]]:
    with OpenAIServer() as first, OpenAIServer() as second:
        yield first, second


def pool(*servers: OpenAIServer, retries: int = 4, cap: int = 64) -> EndpointPoolClient:
    return EndpointPoolClient(base_urls=[server.base_url for server in servers], api_key=None, timeout_s=5,
                              max_retries=retries, backoff_base_s=0.01, backoff_max_s=0.05,
                              max_concurrency_per_endpoint=cap)


async def send(client: EndpointPoolClient, count: int, body: dict[str, object] = BODY) -> list[dict[str, object]]:
    try:
        return await asyncio.gather(*(client.post_json("/chat/completions", body) for _ in range(count)))
    finally:
        await client.aclose()


def test_requests_are_spread_over_the_endpoints(two_servers: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = two_servers
    asyncio.run(send(pool(first, second), 300))
    counts = [first.stats()["requests"], second.stats()["requests"]]
    assert sum(counts) == 300 and min(counts) >= 60, counts


def test_a_dead_endpoint_fails_over_without_losing_a_request(two_servers: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = two_servers
    client = pool(first, second)
    first.stop()
    answers = asyncio.run(send(client, 100))
    assert len(answers) == 100 and second.stats()["requests"] == 100
    assert client.endpoints[0].ejected_until > 0 and client.endpoints[1].served == 100


def test_an_ejected_endpoint_is_readmitted_after_its_health_check(two_servers: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = two_servers
    first.set_faults([{"match": "", "fault": "503", "times": 3, "delay_s": 0}])
    client = pool(first, second)

    async def paced() -> None:
        for _ in range(3):  # three failures in a row on `first` eject it
            await client.post_json("/chat/completions", BODY)
        assert client.endpoints[0].ejected_until > time.monotonic()
        await asyncio.sleep(1.2)  # past the first cool-down: /health answers 200 again
        await asyncio.gather(*(client.post_json("/chat/completions", BODY) for _ in range(40)))
        await client.aclose()

    asyncio.run(paced())
    assert client.endpoints[0].served > 0, "the recovered endpoint never got traffic again"


def test_a_bad_request_is_not_retried_on_other_endpoints(two_servers: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = two_servers
    with pytest.raises(LLMRequestError) as raised:
        asyncio.run(send(pool(first, second), 1, {"model": "test-model", "messages": []}))
    assert raised.value.status == 400
    assert first.stats()["requests"] + second.stats()["requests"] <= 1


def test_each_endpoint_has_its_own_concurrency_cap(two_servers: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = two_servers
    for server in two_servers:
        server.set_faults([{"match": "", "fault": "slow", "times": None, "delay_s": 0.3}])
    started = time.perf_counter()
    asyncio.run(send(pool(first, second, cap=2), 8))
    elapsed = time.perf_counter() - started
    assert 0.55 < elapsed < 2.0, f"8 requests, 2 endpoints x 2 slots, 0.3 s each: expected 2 rounds, took {elapsed:.2f}s"
