"""A minimal keep-alive HTTP/1.1 client for small JSON POSTs to plain-http inference servers.

Why not aiohttp for this path: measured here, aiohttp spends ~300 µs of CPU per request, which made
HTTP three quarters of a pipeline's client-side cost on 2 cores; this client, an `asyncio.Protocol`
per connection and a tiny response parser, spends a fraction of that. It speaks exactly what
OpenAI-compatible servers answer (SGLang/uvicorn, vLLM, llama-server): a status line, headers, and a
`Content-Length`, chunked or read-until-close body. https endpoints keep using aiohttp.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

MAX_HEAD_BYTES = 64 * 1024


class HTTPProtocolError(ConnectionError):
    """The server's answer is not HTTP/1.x we can read; the connection is dropped (retryable)."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Response] | None = None
        self.alive = True
        self.reusable = False
        self._status = 0
        self._headers: dict[str, str] | None = None
        self._length: int | None = None  # None with chunked=False: body runs until close
        self._chunked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def start(self, waiter: asyncio.Future[Response]) -> None:
        self.waiter, self.reusable, self._headers = waiter, False, None

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self._fail(HTTPProtocolError("data received with no request outstanding"))
            return
        self.buffer += data
        try:
            self._parse()
        except HTTPProtocolError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        if self.waiter is not None and not self.waiter.done():
            if self._headers is not None and self._length is None and not self._chunked:
                self._finish(bytes(self.buffer), keep_alive=False)
            else:
                self.waiter.set_exception(ConnectionResetError("connection closed before a complete response"))

    def expire(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(TimeoutError())
        self.close()

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            try:
                self.transport.abort()
            except RuntimeError:  # its loop is closed already: the socket went with it
                pass

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.close()

    def _parse(self) -> None:
        if self._headers is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    raise HTTPProtocolError("response head larger than 64 KiB")
                return
            self._read_head(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
        if self._chunked:
            body = self._dechunk()
            if body is not None:
                self._finish(body, keep_alive=self._keep_alive())
        elif self._length is not None and len(self.buffer) >= self._length:
            body = bytes(self.buffer[: self._length])
            del self.buffer[: self._length]
            self._finish(body, keep_alive=self._keep_alive())

    def _read_head(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise HTTPProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        self._status = int(parts[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._headers = headers
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        self._length = int(length) if length is not None and length.isdigit() else None
        if self._status in (204, 304) or 100 <= self._status < 200:
            self._length = 0

    def _dechunk(self) -> bytes | None:
        """The whole body once every chunk has arrived, else None (the buffer is left as it was)."""
        body, position = bytearray(), 0
        while True:
            line_end = self.buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size_text = bytes(self.buffer[position:line_end]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HTTPProtocolError(f"bad chunk size {size_text[:20]!r}") from None
            start = line_end + 2
            if size == 0:
                trailer_end = self.buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0 and self.buffer[start : start + 2] != b"\r\n":
                    return None
                del self.buffer[:]
                return bytes(body)
            if len(self.buffer) < start + size + 2:
                return None
            body += self.buffer[start : start + size]
            position = start + size + 2

    def _keep_alive(self) -> bool:
        return self._headers is not None and self._headers.get("connection", "").lower() != "close"

    def _finish(self, body: bytes, *, keep_alive: bool) -> None:
        assert self.waiter is not None and self._headers is not None
        self.reusable = keep_alive and self.alive and not self.buffer
        self.waiter.set_result(Response(self._status, self._headers, body))


class HTTP1Pool:
    """Up to `limit` keep-alive connections to one host:port, shared by the tasks of one event loop."""

    def __init__(self, host: str, port: int, *, limit: int, headers: dict[str, str]) -> None:
        self.host, self.port, self.limit = host, port, limit
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._head_suffix = f"Host: {host}:{port}\r\n{extra}".encode("latin-1")
        self._idle: list[_Connection] = []
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._open = 0
        self.in_flight = 0  # requests sent and not yet answered (queued ones wait in `_acquire`)

    async def post(self, path: str, body: bytes, timeout_s: float) -> Response:
        connection = await self._acquire()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Response] = loop.create_future()
        connection.start(waiter)
        assert connection.transport is not None
        connection.transport.write(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self._head_suffix
                                   + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        timer = loop.call_later(timeout_s, connection.expire)
        self.in_flight += 1
        try:
            return await waiter
        finally:
            self.in_flight -= 1
            timer.cancel()
            if not waiter.done() or waiter.cancelled() or waiter.exception() is not None:
                connection.close()
            self._release(connection)

    async def _acquire(self) -> _Connection:
        while True:
            while self._idle:
                connection = self._idle.pop()
                if connection.alive:
                    return connection
                self._open -= 1
            if self._open < self.limit:
                self._open += 1
                try:
                    _, protocol = await asyncio.get_running_loop().create_connection(_Connection, self.host, self.port)
                except BaseException:
                    self._open -= 1
                    self._wake(None)
                    raise
                return protocol
            waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                handed_late = waiter.result() if waiter.done() and not waiter.cancelled() else None
                if handed_late is not None:
                    self._release(handed_late)  # handed over just as we were cancelled
                raise
            if handed is not None:
                return handed

    def _release(self, connection: _Connection) -> None:
        if connection.alive and connection.reusable:
            if not self._wake(connection):
                self._idle.append(connection)
            return
        connection.close()
        self._open -= 1
        self._wake(None)

    def _wake(self, connection: _Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return True
        return False

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
