"""A stand-in for an SGLang reward server (`--is-embedding`): `POST /classify`, over a real socket.

It speaks the shape SGLang documents for reward models: the body `{"model", "text": [...]}` and the
answer a list with one `{"embedding": [score], "meta_info": {...}}` per text. A text's score is the
value of the first `scores` key it contains (0.0 for none), so tests plant which response wins.
`fail_status` makes every request answer that status with an SGLang-style error body. It runs in a
thread of the test process (a threading HTTP server): the client under test uses its own event loop.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class RewardServer:
    def __init__(self, scores: dict[str, float], *, fail_status: int | None = None) -> None:
        self.scores, self.fail_status = scores, fail_status
        self.requests: list[dict[str, Any]] = []  # the decoded bodies received, in order
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def score(self, text: str) -> float:
        return next((value for key, value in self.scores.items() if key in text), 0.0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                owner.requests.append(body)
                if self.path != "/classify":
                    return self._answer(404, {"detail": "Not Found"})
                if owner.fail_status is not None:
                    return self._answer(owner.fail_status, {"object": "error", "message": "stand-in failure",
                                                            "type": "BadRequestError", "code": owner.fail_status})
                texts = body.get("text")
                if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                    return self._answer(400, {"object": "error", "message": "'text' must be a list of strings"})
                self._answer(200, [{"embedding": [owner.score(text)],
                                    "meta_info": {"id": f"rm-{index}", "prompt_tokens": len(text.split())}}
                                   for index, text in enumerate(texts)])

            def _answer(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # silence the per-request log
                pass

        return Handler
