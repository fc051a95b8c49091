"""math-verify in a child process, so that no final answer can hang a run.

Why a process: math-verify hands a final to sympy, and some finals a weak model writes make sympy
compute without end (`10^{10^{10^{10}}}` never returns). Its own timeouts use SIGALRM, which only a
process's main thread may set, while the runtime compares answers in worker threads; and an alarm
cannot interrupt a long big-integer operation inside C either. So every comparison goes to one
helper process per pysynth process (started on first use, ~1 s to import sympy), which runs
math-verify in its main thread with its timeouts on (a comparison past them is not a match); the
caller waits `DEADLINE_S` at most, then
kills the helper, logs the answers, and counts them as different (a fresh helper serves the next
call).

Protocol: JSON lines on the helper's stdin/stdout: `{"equal": [gold, other]}` -> `{"result": bool}`.
A final that once passed the deadline is never sent again in this process (it would cost the
deadline every time). The helper exits at end of input, so it never outlives its parent for longer
than the comparison in hand.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any

from pysynth.errors import PysynthError

DEADLINE_S = 10.0
"""The longest one comparison may take before the helper is killed (math-verify's own timeouts,
`MATH_VERIFY_TIMEOUT_S` per parse and per comparison, end nearly every slow one first)."""
START_DEADLINE_S = 120.0
"""Importing sympy on a busy machine."""
MATH_VERIFY_TIMEOUT_S = 1
"""Seconds (whole: an alarm) per parse and per comparison: a normal final takes milliseconds, and a
slow one holds every other comparison of the process behind it."""
PARSE_CACHE_SIZE = 4096

log = logging.getLogger(__name__)


class VerifierUnavailable(PysynthError):
    """The helper process could not start (math-verify missing or broken)."""


class _Helper:
    """One running helper process: send a request, read its answer within a deadline."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, bufsize=0)
        self._buffer = b""
        ready = self._read(START_DEADLINE_S)
        if ready != {"ready": True}:
            self.close()
            raise VerifierUnavailable(f"the math-verify helper did not start: {ready!r}")

    def ask(self, request: dict[str, Any]) -> Any | None:
        """The result, or None when the helper died or passed the deadline (it is then stopped)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
        except OSError:
            return None
        answer = self._read(DEADLINE_S)
        return answer.get("result") if isinstance(answer, dict) else None

    def _read(self, deadline_s: float) -> Any | None:
        assert self.process.stdout is not None
        fd, deadline = self.process.stdout.fileno(), time.monotonic() + deadline_s
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class MathVerifier:
    """The caller's side: one helper, one request at a time (a comparison takes milliseconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._helper: _Helper | None = None
        self._hung: set[str] = set()

    def equal(self, gold: str, other: str) -> bool:
        """Whether math-verify verifies `other` against `gold`; False when it cannot tell in time."""
        with self._lock:
            if gold in self._hung or other in self._hung:
                return False
            helper = self._helper
            if helper is None or helper.pid != os.getpid() or not helper.alive():
                # A forked child must not share its parent's pipes: it starts its own helper.
                helper = self._helper = _Helper()
            result = helper.ask({"equal": [gold, other]})
            if not isinstance(result, bool):
                log.warning("math-verify gave no answer within %.0f s comparing %.100r with %.100r; "
                            "counted as different, and neither is sent to it again", DEADLINE_S, gold, other)
                helper.close()
                self._helper = None
                self._hung.update((gold, other))
                return False
            return result


    def close(self) -> None:
        """Stops the helper (a later comparison starts another)."""
        with self._lock:
            if self._helper is not None:
                self._helper.close()
                self._helper = None


_verifier = MathVerifier()


def verified_equal(gold: str, other: str) -> bool:
    """`MathVerifier.equal` on this process's helper."""
    return _verifier.equal(gold, other)


# The helper's side.


def _serve() -> None:
    from math_verify import parse, verify  # type: ignore[import-untyped]

    logging.disable(logging.WARNING)  # math-verify warns on every call without timeouts; it has them here
    cache: dict[str, list[Any]] = {}

    def parsed(text: str) -> list[Any]:
        if text not in cache:
            if len(cache) >= PARSE_CACHE_SIZE:
                cache.clear()
            try:
                # Boxed, math-verify's highest-priority anchor reads the whole final as one expression.
                found = parse(f"\\boxed{{{text}}}", parsing_timeout=MATH_VERIFY_TIMEOUT_S)
            except Exception:  # noqa: BLE001 - an unparsable final is compared by its text alone
                found = []
            # Without a math expression math-verify returns the bare string: the caller compared that.
            cache[text] = found if any(not isinstance(item, str) for item in found) else []
        return cache[text]

    def equal(gold: str, other: str) -> bool:
        left, right = parsed(gold), parsed(other)
        if not left or not right:
            return False
        try:
            return bool(verify(left, right, timeout_seconds=MATH_VERIFY_TIMEOUT_S))
        except Exception:  # noqa: BLE001 - a comparison math-verify cannot make is not a match
            return False

    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        out.write(json.dumps({"result": equal(*request["equal"])}) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve()
