"""One worker process of a step's pool, seen from the parent: its pipe, its messages, how it ended.

The parent must kill one specific worker (a row past its time limit) and learn how a worker ended
(exit code or signal), which `concurrent.futures` hides; so each worker is a `multiprocessing`
"spawn" process with its own duplex pipe. A thread per worker blocks on the pipe and hands every
message to the event loop, so waiting never blocks the loop and a deadline is a plain asyncio
timeout. The end of the pipe means the process is gone: the thread reaps it and reports
`("exit", exitcode)` as its last message.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from typing import Any

from pysynth import quiet
from pysynth.runtime.workers.child import serve

# spawn, not fork: the parent runs an event loop and HTTP sessions that must not be duplicated.
_SPAWN = multiprocessing.get_context("spawn")

Message = tuple[Any, ...]


class WorkerLost(Exception):
    """Why a worker stopped before answering; the `error` of the row it was processing."""


class WorkerDied(WorkerLost):
    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the worker process died ({describe_exit(exitcode)})")
        self.exitcode = exitcode


class RowTimedOut(WorkerLost):
    def __init__(self, limit_s: float) -> None:
        super().__init__(f"row timed out after {float(limit_s)} s")
        self.limit_s = limit_s


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "its exit status is unknown"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerProcess:
    """A started worker. `idle` is the pool's bookkeeping: waiting for a batch (it reads `stop`)."""

    def __init__(self, build: tuple[str, dict[str, Any]], name: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._conn, child_end = _SPAWN.Pipe(duplex=True)
        # The worker starts in `quiet`, which silences dependency warnings before `serve`'s imports run.
        self.process = _SPAWN.Process(target=quiet.call_quietly, name=name, daemon=True,
                                      args=(serve.__module__, serve.__name__, child_end, build, os.getpid()))
        self.process.start()
        child_end.close()  # the worker's end must live only in the worker, or its death shows no EOF here
        self.idle = False
        self._reader = threading.Thread(target=self._read, name=f"{name}-pipe", daemon=True)
        self._reader.start()

    async def send(self, *message: Any) -> None:
        """Off the loop (a batch can be large to pickle); a dead worker's `exit` message follows anyway."""
        try:
            await asyncio.to_thread(self._conn.send, message)
        except (OSError, ValueError):
            pass

    async def receive(self, timeout_s: float | None) -> Message:
        """The next message; raises `TimeoutError` past `timeout_s` (None: wait as long as it takes)."""
        async with asyncio.timeout(timeout_s):
            return await self._inbox.get()

    def kill(self) -> None:
        if self.process.exitcode is None:
            self.process.kill()

    def stop(self) -> None:
        """Asks an idle worker to unload its step and exit; a busy one is killed instead."""
        if not self.idle:
            self.kill()
            return
        try:
            self._conn.send(("stop",))
        except (OSError, ValueError):
            pass

    def reap(self, timeout_s: float) -> None:
        self.process.join(timeout_s)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(5)
        self._reader.join(5)
        if not self._reader.is_alive():
            self._conn.close()

    def _read(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception as error:  # noqa: BLE001 - a result this process cannot unpickle
                message = ("error", f"its answer could not be read: {type(error).__name__}: {error}")
            self._post(message)
        self.process.join(5)
        self._post(("exit", self.process.exitcode))

    def _post(self, message: Message) -> None:
        try:
            self._loop.call_soon_threadsafe(self._inbox.put_nowait, message)
        except RuntimeError:  # the event loop is closed: nobody waits for this worker any more
            pass
