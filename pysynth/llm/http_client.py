"""An aiohttp client of OpenAI-compatible servers (SGLang, vLLM, llama-server) with retries.

Written against aiohttp rather than the `openai` SDK because a pipeline sends thousands of small
requests per second from one process, and the SDK's pydantic parsing and httpx transport cost
several times aiohttp's own per-request CPU. Bodies are bytes from orjson; responses stay dicts.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import aiohttp
import orjson
import yarl

from pysynth.errors import LLMRequestError
from pysynth.llm.http1 import HTTP1Pool

# Answers worth asking again: rate limiting, and the gateway/overload statuses an inference
# server returns while it starts, restarts or sheds load.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures of the connection or of the server mid-answer (resets, truncated bodies, garbage instead
# of HTTP, which aiohttp reports as ClientResponseError); any other ClientError (an invalid URL)
# would fail again and is raised at once.
_TRANSIENT_ERRORS = (
    aiohttp.ClientConnectionError,
    aiohttp.ClientPayloadError,
    aiohttp.ClientResponseError,
    asyncio.TimeoutError,
    OSError,  # the plain-http pool: refused/reset connections, unreadable answers, timeouts
)


def jittered_backoff(attempts: int, base_s: float, max_s: float) -> float:
    """Full-jitter exponential backoff before retry number `attempts` (1-based)."""
    return random.uniform(0.0, min(max_s, base_s * 2.0 ** (attempts - 1)))


@dataclass(slots=True)
class _LoopState:
    """What must belong to one event loop: aiohttp sessions and asyncio semaphores cannot be shared."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    semaphore: asyncio.Semaphore
    closer: AsyncGenerator[None, None]
    pool: HTTP1Pool | None  # plain-http endpoints: the lean keep-alive pool instead of the session


class OpenAIHttpClient:
    """Posts JSON to `<base_url><path>`, retrying transient failures with jittered backoff.

    One pooled keep-alive session per event loop, created lazily in the loop that first uses it:
    distilabel's sync `generate()` runs on the LLM's private loop while pysynth's executor awaits
    from its own, and an aiohttp session is bound to the loop it was created in.
    `max_concurrency` bounds requests in flight per loop (a semaphore is loop-bound as well); a
    request queued behind it is not yet timed, so `timeout_s` only ever measures the server.
    A `Retry-After` in seconds replaces the backoff, capped at `backoff_max_s` like it.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout_s: float,
        max_retries: int,
        backoff_base_s: float,
        backoff_max_s: float,
        max_concurrency: int,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.retries = 0  # retries sent over the client's life, for the run's stats
        self._sending = 0  # requests on aiohttp sessions awaiting their answer
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._max_concurrency = max_concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._timeout_s = timeout_s
        self._path_prefix = yarl.URL(self.base_url).path.rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._states: dict[asyncio.AbstractEventLoop, _LoopState] = {}

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        for old_loop in [old for old in self._states if old.is_closed()]:
            _close_now(self._states.pop(old_loop))
        connector = aiohttp.TCPConnector(limit=self._max_concurrency, keepalive_timeout=60)
        session = aiohttp.ClientSession(connector=connector, timeout=self._timeout, headers=self._headers)
        closer = _close_at_loop_shutdown(session)
        await closer.__anext__()  # runs to its `yield` without suspending: no other task can race us here
        url = yarl.URL(self.base_url)
        pool = None
        if url.scheme == "http" and url.host is not None:
            pool = HTTP1Pool(url.host, url.port or 80, limit=self._max_concurrency, headers=self._headers)
        state = _LoopState(loop, session, asyncio.Semaphore(self._max_concurrency), closer, pool)
        self._states[loop] = state
        return state

    async def post_json(self, path: str, body: dict[str, object]) -> dict[str, object]:
        """Returns the decoded 2xx answer; raises `LLMRequestError` once it failed for good."""
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None or state.session.closed:
            state = await self._open(loop)
        url = self.base_url + path
        data = orjson.dumps(body)
        attempts = 0
        while True:
            attempts += 1
            status: int | None = None
            retry_after: str | None = None
            if state.pool is not None:
                try:  # the pool's own connection limit queues requests; its timer starts once sent
                    answer = await state.pool.post(self._path_prefix + path, data, self._timeout_s)
                    status, raw, retry_after = answer.status, answer.body, answer.headers.get("retry-after")
                except _TRANSIENT_ERRORS as exc:
                    failure = _describe(exc)
            else:
                async with state.semaphore:
                    self._sending += 1
                    try:
                        async with state.session.post(url, data=data) as response:
                            status = response.status
                            raw = await response.read()
                            retry_after = response.headers.get("Retry-After")
                    except _TRANSIENT_ERRORS as exc:
                        failure = _describe(exc)
                    except aiohttp.ClientError as exc:
                        raise LLMRequestError(f"POST {url} failed (not retried): {_describe(exc)}") from exc
                    finally:
                        self._sending -= 1
            if status is not None:
                if 200 <= status < 300:
                    try:
                        payload = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        failure = f"HTTP {status} with an unparseable JSON body: {raw[:200]!r}"
                    else:
                        if isinstance(payload, dict) and payload.get("choices"):
                            return payload
                        failure = f"HTTP {status} without 'choices': {raw[:200]!r}"
                elif status in RETRYABLE_STATUSES:
                    failure = f"HTTP {status}: {_server_message(raw)}"
                else:
                    raise LLMRequestError(
                        f"POST {url} answered HTTP {status} (not retried): {_server_message(raw)}",
                        status=status,
                        attempts=attempts,
                    )
            if attempts > self.max_retries:
                raise LLMRequestError(
                    f"POST {url} failed after {attempts} attempts; last failure: {failure}",
                    status=status,
                    attempts=attempts,
                )
            self.retries += 1
            await asyncio.sleep(self._delay(attempts, retry_after))

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered, over every loop (the live view's "requests" column)."""
        return self._sending + sum(state.pool.in_flight for state in self._states.values() if state.pool is not None)

    def _delay(self, attempts: int, retry_after: str | None) -> float:
        """Full-jitter exponential backoff, unless the server said how long to wait (capped alike)."""
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self._backoff_max_s)
            except ValueError:
                pass  # an HTTP-date: rare from inference servers, fall back to our own backoff
        return jittered_backoff(attempts, self._backoff_base_s, self._backoff_max_s)

    async def aclose(self) -> None:
        """Closes the running loop's session cleanly and every other session as well as it can."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for state in list(self._states.values()):
            if state.loop is loop:
                await state.closer.aclose()
            else:
                _close_now(state)
        self._states.clear()

    def close(self) -> None:
        """Sync close, for `unload()` and `__del__`: runs a loop that is idle, else drops sockets."""
        for state in list(self._states.values()):
            loop = state.loop
            if not loop.is_closed() and not loop.is_running():
                try:
                    loop.run_until_complete(state.closer.aclose())
                except RuntimeError:  # another loop runs in this thread
                    pass
            _close_now(state)
        self._states.clear()


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Parked at its `yield` for the session's life: `asyncio.run()` finalizes async generators
    before closing its loop, so a caller that never calls `aclose()` still gets a clean close."""
    try:
        yield
    finally:
        await session.close()


def _close_now(state: _LoopState) -> None:
    """Closes a session without awaiting: marks it closed so it never warns as 'unclosed'."""
    if state.pool is not None:
        state.pool.close()
    connector = state.session.connector
    if connector is not None and not connector.closed:
        connector._close()  # the sync half of `connector.close()`; the await only waits for sockets
    state.session.detach()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _server_message(raw: bytes) -> str:
    """The `error.message` of OpenAI-style error bodies (also vLLM/SGLang/FastAPI shapes), else the text."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:300].decode(errors="replace") or "<empty body>"
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        for key in ("message", "detail", "error"):
            if payload.get(key):
                return str(payload[key])
    return raw[:300].decode(errors="replace")
