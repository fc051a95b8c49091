"""A fault-injecting, OpenAI-compatible HTTP server that runs in its own process.

Why a real server in a child process: connection pools, retries, timeouts and keep-alive only show their
bugs against a real socket, and an in-process fake would share the event loop and the GIL with the code
it is meant to measure. Why `asyncio.Protocol` with a hand-written HTTP/1.1 parser (keep-alive,
Content-Length bodies, nothing else): the same server is the "instantly answering" endpoint of the
throughput benchmarks, so it must cost far less per request than the client under test.

Answers are deterministic ("reply to: " + the last message or the prompt) so tests can assert on them.
A script (`--script JSON`, rules `{"match", "replies"}`) makes prompts containing `match` (a string, or
a list of strings that must all occur; the first matching rule wins) answer with
`replies[i % len(replies)]` for the i-th of `n` choices, verbatim: a scripted model for pipelines whose
logic needs real-looking answers. Faults are rules `{"match", "fault", "times", "delay_s"}` set at start (`--faults JSON`) or through
`POST /_control/faults`; see `FAULT_KINDS`. `--latency lognormal:median=S,sigma=X` delays every answer no
fault rule picks by a long-tail latency drawn from its prompt (`latency.py`), on a timer, so any number of
requests wait at once. `GET /_control/stats` also reports requests in flight over time (time-weighted mean
and peak), completions answered, the mean latency applied, and how many answered prompts had been answered
before. `OpenAIServer` starts and drives the process for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.completions import BadRequest, answer
from tests.support.latency import AnsweredPrompts, InFlightMeter, LognormalLatency

try:
    from orjson import dumps, loads
except ImportError:  # pragma: no cover - orjson is in the dev dependencies; stdlib json is ~3x slower

    def dumps(obj: Any) -> bytes:  # type: ignore[misc]  # the subset of orjson.dumps used here
        return json.dumps(obj, separators=(",", ":")).encode()

    loads = json.loads  # type: ignore[assignment]

FAULT_KINDS = frozenset({"500", "429", "503", "hang", "reset", "malformed", "slow", "bad_shape"})
REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS = {"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "tests"}]}
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed", 429: b"Too Many Requests",
           500: b"Internal Server Error", 501: b"Not Implemented", 503: b"Service Unavailable"}
ERROR_TYPES = {400: "invalid_request_error", 404: "not_found_error", 405: "invalid_request_error",
               429: "rate_limit_error", 500: "server_error", 501: "invalid_request_error", 503: "server_error"}
JSON = b"application/json"
ROUTES = {"/v1/chat/completions": "POST", "/v1/completions": "POST", "/v1/models": "GET", "/health": "GET",
          "/_control/faults": "POST", "/_control/stats": "GET", "/_control/reset": "POST"}
# Only the headers this server acts on; a regex over the head is ~2x faster than splitting every line.
HEADERS = re.compile(rb"\r\n(content-length|connection|transfer-encoding)[ \t]*:([^\r]*)", re.IGNORECASE)


@dataclass(slots=True)
class FaultRule:
    match: str
    fault: str
    remaining: int | None  # None: fires forever
    delay_s: float


def parse_rules(raw: Any) -> list[FaultRule]:
    if not isinstance(raw, list):
        raise BadRequest("fault rules must be a JSON list")
    rules = []
    for item in raw:
        if not isinstance(item, dict) or not set(item) <= {"match", "fault", "times", "delay_s"}:
            raise BadRequest(f"a rule is a dict with keys match, fault, times, delay_s; got {item!r}")
        match, fault, times, delay = item.get("match", ""), item.get("fault"), item.get("times"), item.get("delay_s", 0)
        if not isinstance(match, str) or fault not in FAULT_KINDS:
            raise BadRequest(f"rule {item!r}: match must be a string and fault one of {sorted(FAULT_KINDS)}")
        if (times is not None and (not isinstance(times, int) or times < 0)) or not isinstance(delay, int | float):
            raise BadRequest(f"rule {item!r}: times must be null or an int >= 0, delay_s a number")
        rules.append(FaultRule(match, fault, times, float(delay)))
    return rules


def error_body(status: int, message: str) -> bytes:
    return dumps({"error": {"message": message, "type": ERROR_TYPES[status], "param": None, "code": status}})


def http_response(status: int, body: bytes, content_type: bytes = JSON, extra_headers: bytes = b"") -> bytes:
    head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
    return head % (status, REASONS[status], content_type, len(body), extra_headers) + body


class ServerState:
    """Fault rules and counters, shared by every connection of one server."""

    def __init__(self, rules: list[FaultRule], latency: LognormalLatency | None = None) -> None:
        self.serial, self.epoch = 0, 0  # epoch: bumped by every stats reset
        self.last_body: dict[str, Any] | None = None
        self.script: list[dict[str, Any]] = []
        self.latency = latency
        self.in_flight, self.prompts = InFlightMeter(), AnsweredPrompts()
        self.set_rules(rules)

    def set_rules(self, rules: list[FaultRule]) -> None:
        self.rules = rules
        self.requests_by_match = {rule.match: 0 for rule in rules}
        self.reset_stats()

    def reset_stats(self) -> None:
        self.epoch += 1
        self.requests, self.connections = 0, 0  # connections: those that carried a non-control request
        self.last_body = None
        self.by_path: dict[str, int] = {}
        self.faults: dict[str, int] = {}
        self.requests_by_match = dict.fromkeys(self.requests_by_match, 0)
        self.answered, self.latency_sum_s = 0, 0.0  # completions sent (200 with choices), their delays
        self.in_flight.reset(time.monotonic())
        self.prompts.reset()

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "connections": self.connections, "by_path": self.by_path,
                "faults": self.faults, "requests_by_match": self.requests_by_match, "last_body": self.last_body,
                "answered": self.answered, "in_flight": self.in_flight.report(time.monotonic()),
                "latency": {"spec": self.latency.spec if self.latency else None,
                            "mean_s": self.latency_sum_s / self.answered if self.answered else None},
                "prompts": self.prompts.report()}

    def record_answer(self, prompt: str, delay_s: float) -> None:
        self.answered += 1
        self.latency_sum_s += delay_s
        self.prompts.add(prompt)

    def pick_fault(self, text: str) -> FaultRule | None:
        for match in self.requests_by_match:
            if match in text:
                self.requests_by_match[match] += 1
        for rule in self.rules:
            if rule.match in text and (rule.remaining is None or rule.remaining > 0):
                if rule.remaining is not None:
                    rule.remaining -= 1
                self.faults[rule.fault] = self.faults.get(rule.fault, 0) + 1
                return rule
        return None


class HTTPConnection(asyncio.Protocol):
    """One client connection: parses requests in order and answers them one at a time. While an answer is
    delayed ("slow", "hang") later pipelined requests wait in the buffer, so responses stay in order."""

    def __init__(self, state: ServerState, live: set[HTTPConnection]) -> None:
        self.state, self.live = state, live
        self.buffer = bytearray()
        self.waiting = False  # an answer is pending; parse nothing more until it is sent
        self.keep_alive = True
        self.timer: asyncio.TimerHandle | None = None
        self.counted_in_epoch = -1
        self.generating = False  # a completions request is in flight (counted in state.in_flight)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.done_generating()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.waiting:
            self.parse()

    def parse(self) -> None:
        buffer = self.buffer
        while not self.waiting and not self.transport.is_closing():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            headers = {name.lower(): value.strip() for name, value in HEADERS.findall(buffer, 0, end)}
            request_line = buffer[: buffer.find(b"\r\n")].decode("latin-1").split(" ")
            length = headers.get(b"content-length", b"0")
            if len(request_line) != 3 or not length.isdigit():
                return self.send(http_response(400, error_body(400, "malformed HTTP request")), close=True)
            if b"transfer-encoding" in headers:
                return self.send(http_response(501, error_body(501, "chunked requests are not supported")), close=True)
            stop = end + 4 + int(length)
            if len(buffer) < stop:
                return
            body = bytes(buffer[end + 4 : stop])
            del buffer[:stop]
            method, target, version = request_line
            connection = headers.get(b"connection", b"").lower()
            self.keep_alive = connection != b"close" if version == "HTTP/1.1" else connection == b"keep-alive"
            self.route(method, target.partition("?")[0], body)

    def send(self, response: bytes, close: bool = False) -> None:
        self.transport.write(response)
        self.done_generating()
        if close or not self.keep_alive:
            self.transport.close()

    def done_generating(self) -> None:
        if self.generating:
            self.generating = False
            self.state.in_flight.end(time.monotonic())

    def route(self, method: str, path: str, body: bytes) -> None:
        state = self.state
        if not path.startswith("/_control/"):
            state.requests += 1
            state.by_path[path] = state.by_path.get(path, 0) + 1
            if self.counted_in_epoch != state.epoch:
                self.counted_in_epoch = state.epoch
                state.connections += 1
        expected = ROUTES.get(path)
        if expected is None:
            return self.send(http_response(404, error_body(404, f"no route {path}")))
        if method != expected:
            return self.send(http_response(405, error_body(405, f"{path} takes {expected}")))
        try:
            if path == "/v1/chat/completions" or path == "/v1/completions":
                return self.generate(path == "/v1/chat/completions", body)
            if path == "/health":
                return self.send(http_response(200, b"OK", b"text/plain"))
            if path == "/v1/models":
                return self.send(http_response(200, dumps(MODELS)))
            if path == "/_control/faults":
                state.set_rules(parse_rules(loads(body)))
                return self.send(http_response(200, dumps({"rules": len(state.rules)})))
            if path == "/_control/reset":
                state.reset_stats()
            self.send(http_response(200, dumps(state.stats())))
        except ValueError as exc:  # json/orjson decode errors and BadRequest are all ValueErrors
            self.send(http_response(400, error_body(400, str(exc))))

    def generate(self, chat: bool, body: bytes) -> None:
        request = loads(body)
        if not isinstance(request, dict):
            raise BadRequest("the body must be a JSON object")
        self.state.serial += 1
        self.state.last_body = request  # so tests can see the wire format a client sent
        text, response = answer(request, chat, self.state.serial, self.state.script)
        self.generating = True
        self.state.in_flight.begin(time.monotonic())
        rule = self.state.pick_fault(text)
        if rule is None:
            delay = self.state.latency.seconds(text) if self.state.latency is not None else 0.0
            if delay <= 0:
                return self.complete(text, response, delay)
            self.waiting = True
            self.timer = asyncio.get_running_loop().call_later(delay, self.complete, text, response, delay)
            return
        self.waiting = True
        if rule.delay_s > 0:
            self.timer = asyncio.get_running_loop().call_later(rule.delay_s, self.inject, rule, text, response)
        else:
            self.inject(rule, text, response)

    def complete(self, prompt: str, response: dict[str, Any], delay_s: float) -> None:
        self.timer = None
        self.state.record_answer(prompt, delay_s)
        self.send(http_response(200, dumps(response)))
        if self.waiting:
            self.waiting = False
            self.parse()

    def inject(self, rule: FaultRule, prompt: str, response: dict[str, Any]) -> None:
        self.timer = None
        fault = rule.fault
        if fault == "hang":
            return  # self.waiting stays set: the connection is held open and silent until the client leaves
        if fault == "reset":
            # SO_LINGER 0 turns close into a TCP RST, the way a crashed server looks to the client.
            self.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                               struct.pack("ii", 1, 0))
            return self.transport.abort()
        if fault == "slow":
            self.state.record_answer(prompt, rule.delay_s)
            self.send(http_response(200, dumps(response)))
        elif fault == "malformed":
            self.send(http_response(200, b'{"id": "broken", "choices": [{"index": 0, "message": {"role": "assis'))
        elif fault == "bad_shape":
            self.send(http_response(200, dumps({k: v for k, v in response.items() if k != "choices"})))
        else:
            status = int(fault)
            retry = b"Retry-After: 0\r\n" if status == 429 else b""
            self.send(http_response(status, error_body(status, f"injected fault {fault}"), extra_headers=retry))
        self.waiting = False
        self.parse()


async def serve(port: int, rules: list[FaultRule], parent: int | None,
                script: list[dict[str, Any]] | None = None, latency: LognormalLatency | None = None) -> None:
    """Serves until SIGTERM/SIGINT, or until process `parent` is gone (None: never checked)."""
    loop = asyncio.get_running_loop()
    state, live = ServerState(rules, latency), set[HTTPConnection]()
    state.script = script or []
    server = await loop.create_server(lambda: HTTPConnection(state, live), "127.0.0.1", port, backlog=4096)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():  # a parent that dies without stopping us (SIGKILL) must not leak this server
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            if parent is not None and os.getppid() != parent:
                break
    server.close()
    for connection in list(live):  # hanging connections would otherwise keep wait_closed() waiting
        connection.transport.abort()
    await server.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--faults", default="[]", help="JSON list of fault rules")
    parser.add_argument("--script", default="[]", help='JSON list of {"match", "replies"} scripted answers')
    parser.add_argument("--parent-pid", type=int, default=os.getppid(), help="exit when this process is gone")
    parser.add_argument("--latency", default=None, help="answer latency per prompt: lognormal:median=S,sigma=X")
    args = parser.parse_args()
    try:
        latency = LognormalLatency.parse(args.latency) if args.latency is not None else None
    except ValueError as exc:
        parser.error(str(exc))
    asyncio.run(serve(args.port, parse_rules(json.loads(args.faults)), args.parent_pid, json.loads(args.script),
                      latency))


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never send 127.0.0.1 via a proxy


class OpenAIServer:
    """The server as a child process: `with OpenAIServer(faults) as server: ... server.base_url ...`.
    `latency` ("lognormal:median=0.2,sigma=1") is checked here, so a typo fails before a process starts."""

    def __init__(self, faults: list[dict[str, Any]] | None = None, *, port: int = 0,
                 script: list[dict[str, Any]] | None = None, latency: str | None = None) -> None:
        self._faults, self._requested_port, self._script = faults or [], port, script or []
        self.latency = LognormalLatency.parse(latency) if latency is not None else None
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    def start(self, timeout_s: float = 30.0) -> OpenAIServer:
        command = [sys.executable, "-m", "tests.support.openai_server", "--port", str(self._requested_port),
                   "--faults", json.dumps(self._faults), "--script", json.dumps(self._script),
                   "--parent-pid", str(os.getpid()), *(["--latency", self.latency.spec] if self.latency else [])]
        self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout_s)
        line = self._process.stdout.readline().decode(errors="replace").strip() if ready else ""
        if not line.startswith("READY "):
            code = self._process.poll()
            self.stop()
            raise RuntimeError(f"test server did not start (exit code {code}, first line {line!r})")
        self._port = int(line.split()[1])
        return self

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the test server is not started")
        return self._port

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the test server is not started")
        return self._process.pid

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def _control(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.root_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with _NO_PROXY.open(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ValueError(f"{method} {path} failed: {exc.code} {exc.read().decode(errors='replace')}") from None

    def set_faults(self, rules: list[dict[str, Any]]) -> None:
        self._control("POST", "/_control/faults", rules)

    def stats(self) -> dict[str, Any]:
        return dict(self._control("GET", "/_control/stats"))

    def reset(self) -> None:
        self._control("POST", "/_control/reset", {})

    def stop(self) -> None:
        process, self._process, self._port = self._process, None, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
