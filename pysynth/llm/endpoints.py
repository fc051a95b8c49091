"""A pool of OpenAI-compatible endpoints (several SGLang servers) behind one `post_json`.

Requests go to the healthy endpoint with the fewest requests outstanding (least-outstanding
balancing copes with servers of unequal speed better than round robin). A transient failure (no
answer, 429, 5xx) is retried on the best endpoint at that moment, so a dead server costs one
attempt, not a row. After `eject_after` consecutive failures an endpoint is ejected; once its
cool-down (doubling up to 60 s) has passed it must answer `GET /health` with 200 to be readmitted.
Each endpoint is an `OpenAIHttpClient` without retries of its own, capped at its own concurrency.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from ruamel.yaml import YAML

from pysynth.errors import ConfigError, LLMRequestError
from pysynth.llm.http_client import RETRYABLE_STATUSES, OpenAIHttpClient, jittered_backoff

HEALTH_TIMEOUT_S = 2.0
MAX_COOLDOWN_S = 60.0


@dataclass
class _Endpoint:
    client: OpenAIHttpClient
    root_url: str  # base_url without its /v1: where SGLang serves /health
    outstanding: int = 0
    consecutive_failures: int = 0
    ejected_until: float = 0.0
    cooldown_s: float = 1.0
    served: int = 0


class EndpointPoolClient:
    """`post_json` over several endpoints; same contract as `OpenAIHttpClient.post_json`."""

    def __init__(self, *, base_urls: list[str], api_key: str | None, timeout_s: float, max_retries: int,
                 backoff_base_s: float, backoff_max_s: float, max_concurrency_per_endpoint: int,
                 eject_after: int = 3) -> None:
        if not base_urls:
            raise ConfigError("endpoints: the pool needs at least one URL")
        self.base_url = base_urls[0]
        self.max_retries = max_retries
        self.retries = 0
        self._backoff = (backoff_base_s, backoff_max_s)
        self._eject_after = eject_after
        self.endpoints = [
            _Endpoint(OpenAIHttpClient(base_url=url, api_key=api_key, timeout_s=timeout_s, max_retries=0,
                                       backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s,
                                       max_concurrency=max_concurrency_per_endpoint),
                      root_url=url.rstrip("/").removesuffix("/v1"))
            for url in base_urls
        ]

    async def post_json(self, path: str, body: dict[str, object]) -> dict[str, object]:
        attempts = 0
        while True:
            attempts += 1
            endpoint = await self._choose()
            endpoint.outstanding += 1
            try:
                answer = await endpoint.client.post_json(path, body)
            except LLMRequestError as error:
                if error.status is not None and error.status not in RETRYABLE_STATUSES and error.status != 200:
                    raise  # the request itself is wrong: another server would refuse it too
                self._failed(endpoint)
                if attempts > self.max_retries:
                    raise LLMRequestError(f"{error} (endpoint pool: {attempts} attempts over "
                                          f"{len(self.endpoints)} endpoints)", status=error.status,
                                          attempts=attempts) from error
                self.retries += 1
                await asyncio.sleep(jittered_backoff(attempts, *self._backoff))
                continue
            finally:
                endpoint.outstanding -= 1
            endpoint.consecutive_failures, endpoint.cooldown_s = 0, 1.0
            endpoint.served += 1
            return answer

    @property
    def in_flight(self) -> int:
        return sum(endpoint.client.in_flight for endpoint in self.endpoints)

    async def _choose(self) -> _Endpoint:
        now = time.monotonic()
        healthy = [endpoint for endpoint in self.endpoints if endpoint.ejected_until <= now]
        if healthy:
            best = min(healthy, key=lambda endpoint: endpoint.outstanding)
            if best.consecutive_failures >= self._eject_after and not await self._healthy(best):
                self._eject(best)  # its cool-down ended but /health still fails
                return await self._choose()
            return best
        soonest = min(self.endpoints, key=lambda endpoint: endpoint.ejected_until)
        await asyncio.sleep(max(0.0, soonest.ejected_until - now))
        return await self._choose()

    def _failed(self, endpoint: _Endpoint) -> None:
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= self._eject_after:
            self._eject(endpoint)

    def _eject(self, endpoint: _Endpoint) -> None:
        endpoint.ejected_until = time.monotonic() + endpoint.cooldown_s
        endpoint.cooldown_s = min(MAX_COOLDOWN_S, endpoint.cooldown_s * 2)

    async def _healthy(self, endpoint: _Endpoint) -> bool:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_S)) as session:
                async with session.get(endpoint.root_url + "/health") as response:
                    return response.status == 200
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
            return False

    async def aclose(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.client.aclose()

    def close(self) -> None:
        for endpoint in self.endpoints:
            endpoint.client.close()


def load_endpoints_file(path: str | Path) -> list[str]:
    """URLs from an endpoints file (`endpoints: [http://host:port/v1, ...]`, as `pysynth serve` writes)."""
    file = Path(path)
    try:
        data = YAML(typ="safe").load(file.read_text())
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the endpoints file: {exc.strerror}") from None
    urls = data.get("endpoints") if isinstance(data, dict) else None
    if not isinstance(urls, list) or not urls or not all(isinstance(url, str) for url in urls):
        raise ConfigError(f"{file}: expected `endpoints:` with a list of base URLs")
    return [str(url) for url in urls]
