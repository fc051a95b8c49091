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
`POST /_control/faults`; see `FAULT_KINDS`. `OpenAIServer` starts and drives the process for tests.
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


class BadRequest(ValueError):
    """The request body is not one this server can answer (a 400 with an OpenAI-style error)."""


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


def content_text(content: Any) -> str:
    """A message's text; list content (OpenAI "parts") is joined from its text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def wants_json(request: dict[str, Any]) -> bool:
    fmt = request.get("response_format")
    return "json_schema" in request or (isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"))


def scripted(prompt: str, script: list[dict[str, Any]]) -> list[str] | None:
    for rule in script:
        wanted = [rule["match"]] if isinstance(rule["match"], str) else rule["match"]
        if all(part in prompt for part in wanted):
            return list(rule["replies"])
    return None


def token_logprobs(words: list[str], chat: bool, top: Any) -> dict[str, Any]:
    """Log probabilities in OpenAI's shapes (one "token" per word): the k-th word has logprob -(k+1)/10,
    and each of the `top` alternatives ("<word>~j") is j tenths less likely."""
    count = top if isinstance(top, int) and top > 0 else 0
    rows = [(word, -(k + 1) / 10, [(word if j == 0 else f"{word}~{j}", -(k + 1 + j) / 10) for j in range(count)])
            for k, word in enumerate(words)]
    if chat:
        return {"content": [{"token": word, "logprob": value, "bytes": None,
                             "top_logprobs": [{"token": t, "logprob": v, "bytes": None} for t, v in alts]}
                            for word, value, alts in rows]}
    return {"tokens": [word for word, _, _ in rows], "token_logprobs": [value for _, value, _ in rows],
            "top_logprobs": [dict(alts) for _, _, alts in rows] if count else None, "text_offset": []}


def answer(request: dict[str, Any], chat: bool, serial: int,
           script: list[dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """(the text faults match on, the OpenAI response) for a chat or completions request."""
    if chat:
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            raise BadRequest("'messages' must be a non-empty list of message objects")
        texts = [content_text(m.get("content")) for m in messages]
        prompt = texts[-1]
    else:
        if not isinstance(request.get("prompt"), str):
            raise BadRequest("'prompt' must be a string")
        prompt = request["prompt"]
        texts = [prompt]
    n = request.get("n") or 1
    max_tokens = request.get("max_tokens", request.get("max_completion_tokens"))
    bad_max_tokens = max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 0)
    if not isinstance(n, int) or n < 1 or bad_max_tokens:
        raise BadRequest("'n' must be an int >= 1 and 'max_tokens' an int >= 0")
    if request.get("stream"):
        raise BadRequest("this test server does not stream")
    as_json, choices, completion_tokens, reply = wants_json(request), [], 0, "reply to: " + prompt
    replies = scripted(prompt, script or [])
    for i in range(n):
        text = reply + f" #{i}" if i else reply
        if replies:
            text, as_json = replies[i % len(replies)], False
        words, finish = text.split(), "stop"
        if max_tokens is not None and len(words) > max_tokens:
            words, finish = words[:max_tokens], "length"
            text = " ".join(words)
        if as_json:
            text = json.dumps({"reply": text})
            words = text.split()
        completion_tokens += len(words)
        logprobs = token_logprobs(words, chat, request.get("top_logprobs")) if request.get("logprobs") else None
        if chat:
            choices.append({"index": i, "message": {"role": "assistant", "content": text}, "logprobs": logprobs,
                            "finish_reason": finish})
        else:
            choices.append({"index": i, "text": text, "logprobs": logprobs, "finish_reason": finish})
    prompt_tokens = sum(len(t.split()) for t in texts)
    return prompt, {
        "id": f"{'chatcmpl' if chat else 'cmpl'}-{serial}",
        "object": "chat.completion" if chat else "text_completion",
        "created": int(time.time()),
        "model": request.get("model", "test-model"),
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


class ServerState:
    """Fault rules and counters, shared by every connection of one server."""

    def __init__(self, rules: list[FaultRule]) -> None:
        self.serial, self.epoch = 0, 0  # epoch: bumped by every stats reset
        self.last_body: dict[str, Any] | None = None
        self.script: list[dict[str, Any]] = []
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

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "connections": self.connections, "by_path": self.by_path,
                "faults": self.faults, "requests_by_match": self.requests_by_match, "last_body": self.last_body}

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

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self)
        if self.timer is not None:
            self.timer.cancel()

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
        if close or not self.keep_alive:
            self.transport.close()

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
        rule = self.state.pick_fault(text)
        if rule is None:
            return self.send(http_response(200, dumps(response)))
        self.waiting = True
        if rule.delay_s > 0:
            self.timer = asyncio.get_running_loop().call_later(rule.delay_s, self.inject, rule, response)
        else:
            self.inject(rule, response)

    def inject(self, rule: FaultRule, response: dict[str, Any]) -> None:
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
                script: list[dict[str, Any]] | None = None) -> None:
    """Serves until SIGTERM/SIGINT, or until process `parent` is gone (None: never checked)."""
    loop = asyncio.get_running_loop()
    state, live = ServerState(rules), set[HTTPConnection]()
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
    args = parser.parse_args()
    asyncio.run(serve(args.port, parse_rules(json.loads(args.faults)), args.parent_pid, json.loads(args.script)))


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never send 127.0.0.1 via a proxy


class OpenAIServer:
    """The server as a child process: `with OpenAIServer(faults) as server: ... server.base_url ...`."""

    def __init__(self, faults: list[dict[str, Any]] | None = None, *, port: int = 0,
                 script: list[dict[str, Any]] | None = None) -> None:
        self._faults, self._requested_port, self._script = faults or [], port, script or []
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    def start(self, timeout_s: float = 30.0) -> OpenAIServer:
        command = [sys.executable, "-m", "tests.support.openai_server", "--port", str(self._requested_port),
                   "--faults", json.dumps(self._faults), "--script", json.dumps(self._script),
                   "--parent-pid", str(os.getpid())]
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
