"""The plain-http pool's framing against real sockets: chunked bodies, `Connection: close`, bodies
read until close, garbage instead of HTTP, and connection reuse and limits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from pysynth.llm.http1 import HTTP1Pool, HTTPProtocolError

Answer = Callable[[bytes], bytes]


async def serve(answer: Answer) -> tuple[asyncio.AbstractServer, int, list[int]]:
    """A socket server that reads one request head+body at a time and writes `answer(body)` raw."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                reply = answer(await reader.readexactly(length))
                writer.write(reply)
                await writer.drain()
                if b"connection: close" in reply.lower() or b"content-length" not in reply.lower() \
                        and b"chunked" not in reply.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], connections


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


def test_content_length_answers_reuse_one_connection() -> None:
    async def test() -> None:
        server, port, connections = await serve(lambda body: b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                                                % (len(body), body))
        pool = HTTP1Pool("127.0.0.1", port, limit=4, headers={})
        for index in range(5):
            answer = await pool.post("/echo", b"hello %d" % index, 5)
            assert (answer.status, answer.body) == (200, b"hello %d" % index)
        assert len(connections) == 1
        pool.close()
        server.close()
    run(test)


def test_chunked_body_is_reassembled() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"

    async def test() -> None:
        server, port, _ = await serve(lambda body: chunked)
        pool = HTTP1Pool("127.0.0.1", port, limit=2, headers={})
        assert (await pool.post("/", b"x", 5)).body == b"hello, world"
        assert (await pool.post("/", b"y", 5)).body == b"hello, world"
        pool.close()
        server.close()
    run(test)


def test_connection_close_and_read_until_close_bodies() -> None:
    async def test() -> None:
        server, port, connections = await serve(lambda body: b"HTTP/1.0 503 Busy\r\nRetry-After: 2\r\n\r\n" + body)
        pool = HTTP1Pool("127.0.0.1", port, limit=2, headers={})
        first = await pool.post("/", b"one", 5)
        second = await pool.post("/", b"two", 5)
        assert (first.status, first.body, first.headers["retry-after"]) == (503, b"one", "2")
        assert second.body == b"two" and len(connections) == 2, "a closed connection must not be reused"
        pool.close()
        server.close()
    run(test)


def test_garbage_instead_of_http_is_a_protocol_error() -> None:
    async def test() -> None:
        server, port, _ = await serve(lambda body: b"SSH-2.0-OpenSSH\r\n\r\n")
        pool = HTTP1Pool("127.0.0.1", port, limit=1, headers={})
        with pytest.raises(HTTPProtocolError, match="status line"):
            await pool.post("/", b"x", 5)
        pool.close()
        server.close()
    run(test)


def test_timeout_and_limit_hold_back_extra_requests() -> None:
    async def test() -> None:
        gate = asyncio.Event()
        in_flight, peak = 0, 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal in_flight, peak
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    body = await reader.readexactly(length)
                    in_flight += 1
                    peak = max(peak, in_flight)
                    if body != b"hang":
                        await gate.wait()
                        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        in_flight -= 1
            except (asyncio.IncompleteReadError, ConnectionError):
                pass

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        pool = HTTP1Pool("127.0.0.1", server.sockets[0].getsockname()[1], limit=3, headers={})
        with pytest.raises(TimeoutError):
            await pool.post("/", b"hang", 0.2)
        tasks = [asyncio.create_task(pool.post("/", b"go", 5)) for _ in range(8)]
        await asyncio.sleep(0.2)
        gate.set()
        assert [answer.body for answer in await asyncio.gather(*tasks)] == [b"ok"] * 8
        assert peak <= 3 + 1, f"{peak} requests in flight with limit 3 (+1 abandoned by the timeout)"
        pool.close()
        server.close()
    run(test)
