"""`pysynth judge-server`: the judge behind SandboxFusion's HTTP API (`POST /run_code`, `GET
/v1/ping`), so a trainer that calls SandboxFusion, such as verl, can call pysynth unchanged. The
protocol and how each field is honoured are in `pysynth.rewards.sandbox_fusion`.

Safe defaults, since whoever reaches the port runs code on the host (in the sandbox):
- bound to 127.0.0.1; another address is an explicit `--host`;
- `--token`: every route but the ping then needs `Authorization: Bearer TOKEN` (401 otherwise).
  verl's client sends no such header, so with verl keep the server on loopback or a private network;
- request bodies over `max_body` bytes get 413, malformed JSON 400, a request SandboxFusion would
  refuse (a missing field, an unknown language) FastAPI's 422 `{"detail": [...]}`;
- at most `max_concurrency` programs are judged at once (default: one per sandbox); further
  requests queue, and only past `max_queue` waiting ones is a request answered 503. Queueing, not
  refusing, is the default because clients such as verl retry only a 504: a 503 becomes a reward of
  -1 there, so it must be the memory bound of last resort, not the everyday answer under load.
Every error answer is one JSON line, `{"detail": "..."}` (the 422 keeps FastAPI's list).

The event loop parses and admits; the judge runs in a thread pool (the native pool releases the
GIL), so one slow program never stalls the other connections.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import signal
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from pydantic import Field, ValidationError, field_validator

from pysynth import judge
from pysynth.config import FrozenConfig
from pysynth.errors import PysynthError
from pysynth.judge import JudgeConfig, parse_bytes
from pysynth.rewards import sandbox_fusion

PING = "/v1/ping"


def default_judge() -> JudgeConfig:
    # SandboxFusion has no output limit and verl compares the whole stdout: report all of it.
    return JudgeConfig.build(memory_limit="1G", output_limit="16M", report_bytes=16 << 20)


class ServerSettings(FrozenConfig):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    """8080, SandboxFusion's port; 0 picks a free one."""
    token: str | None = Field(None, min_length=1)
    max_body: int = Field(8 << 20, ge=1024)
    max_concurrency: int | None = Field(None, ge=1)
    """Programs judged at once; default: the judge's workers (one per core)."""
    max_queue: int = Field(1024, ge=0)
    max_run_timeout: float = Field(60.0, gt=0)
    judge: JudgeConfig = Field(default_factory=default_judge)

    @field_validator("max_body", mode="before")
    @classmethod
    def _bytes(cls, value: Any) -> Any:
        return parse_bytes(value) if isinstance(value, str) else value

    @property
    def concurrency(self) -> int:
        return self.max_concurrency or self.judge.workers


def _error(status: int, detail: str, **headers: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status, headers=headers or None)


class JudgeService:
    """The application's state: the pool, the judge threads and the admission count."""

    def __init__(self, settings: ServerSettings, pool: judge.Pool | None = None) -> None:
        self.settings = settings
        self._given_pool = pool
        self._pool: judge.Pool | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._admitted = 0
        self._expected_authorization = f"Bearer {settings.token}".encode() if settings.token else None

    @property
    def admitted(self) -> int:
        """Requests being judged or queued now."""
        return self._admitted

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.max_body, middlewares=[self._authorize])
        app.router.add_post("/run_code", self.run_code)
        app.router.add_get(PING, self.ping)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, app: web.Application) -> None:
        self._pool = self._given_pool or judge.Pool(self.settings.judge)
        self._threads = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="judge-server")
        self._slots = asyncio.Semaphore(self.settings.concurrency)

    async def _stop(self, app: web.Application) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
        if self._pool is not None and self._given_pool is None:
            self._pool.close()

    @web.middleware
    async def _authorize(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if self._expected_authorization is not None and request.path != PING:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, self._expected_authorization):
                return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
        return await handler(request)

    async def ping(self, request: web.Request) -> web.Response:
        return web.json_response("pong")

    async def run_code(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"request body over {self.settings.max_body} bytes")
        try:
            payload = json.loads(body)
        except ValueError as error:
            return _error(400, f"malformed JSON: {error}")
        try:
            parsed = sandbox_fusion.RunCodeRequest.model_validate(payload)
        except ValidationError as error:
            detail = [{**item, "loc": ["body", *item["loc"]]} for item in error.errors(include_url=False)]
            text = json.dumps({"detail": detail}, default=str)
            return web.Response(status=422, content_type="application/json", text=text)
        limit = self.settings.concurrency + self.settings.max_queue
        if self._admitted >= limit:
            return _error(503, f"busy: {limit} requests running or queued", **{"Retry-After": "1"})
        assert self._slots is not None and self._threads is not None
        self._admitted += 1
        try:
            async with self._slots:
                answer = await asyncio.get_running_loop().run_in_executor(self._threads, self._judge, parsed)
        finally:
            self._admitted -= 1
        return web.Response(body=answer, content_type="application/json")

    def _judge(self, request: sandbox_fusion.RunCodeRequest) -> bytes:
        assert self._pool is not None
        try:
            config = sandbox_fusion.call_config(request, self.settings.judge, self.settings.max_run_timeout)
            answer = sandbox_fusion.run(self._pool, request, config)
        except PysynthError as error:  # a judge fault or a limit the judge refuses: SandboxFusion's SandboxError
            answer = sandbox_fusion.sandbox_error(f"{type(error).__name__}: {error}")
        return json.dumps(answer).encode()


async def _started(service: JudgeService) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(service.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, service.settings.host, service.settings.port)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(settings: ServerSettings, ready: Callable[[str], None]) -> None:
    """Serves until SIGINT or SIGTERM; `ready` gets the base URL once the port is open."""
    runner, url = await _started(JudgeService(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    ready(url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class ServerThread:
    """The server on its own event loop in a thread, for tests and benchmarks: `with
    ServerThread(settings) as server: requests.post(server.url + "/run_code", ...)`."""

    def __init__(self, settings: ServerSettings, pool: judge.Pool | None = None) -> None:
        self.service = JudgeService(settings, pool)
        self.url = ""
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="judge-server", daemon=True)

    async def _main(self) -> None:
        try:
            runner, self.url = await _started(self.service)
        except BaseException as error:  # noqa: BLE001 - re-raised in the starting thread
            self._failure = error
            self._ready.set()
            return
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
