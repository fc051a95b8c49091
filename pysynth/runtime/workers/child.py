"""What runs inside a worker process: rebuild the step once, keep it loaded, serve batches.

Workers rebuild the step from its import path and constructor arguments (steps hold a pipeline
reference and private state that do not pickle). `run_in_worker(build, rows, retries)` is the
whole contract, the call a Ray task would run, so moving batches to a cluster only swaps the pool.

Messages on the worker's pipe, parent -> worker: `("rows", rows, retries, row_by_row)`, `("stop",)`.
Worker -> parent: `("ready",)` once the step is loaded (or `("error", text)` if it cannot be), then
per batch either one `("row", BatchResult)` per row as each finishes (`row_by_row`, for `RowStep`s:
the parent then knows which row a lost worker held and restarts the clock per row) or one
`("batch", BatchResult)`.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from pysynth import quiet
from pysynth.runtime.frames import Row
from pysynth.runtime.kernels import BatchResult, run_batch_step, run_row_step
from pysynth.steps.base import RowStep

_PR_SET_PDEATHSIG = 1
_loaded: dict[str, Any] = {}


def run_in_worker(build: tuple[str, dict[str, Any]], rows: list[Row], retries: int) -> BatchResult:
    step = _step(build)
    if isinstance(step, RowStep):
        return run_row_step(step, rows, retries)
    return run_batch_step(step, rows, retries)


def serve(conn: Connection, build: tuple[str, dict[str, Any]], parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops its workers
    try:
        step = _step(build)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the run with it
        conn.send(("error", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            break
        if message[0] == "stop":
            break
        _, rows, retries, row_by_row = message
        if row_by_row:
            for row in rows:
                _send(conn, "row", run_row_step(step, [row], retries))
        else:
            _send(conn, "batch", run_in_worker(build, rows, retries))
    step.unload()


def _send(conn: Connection, kind: str, result: BatchResult) -> None:
    try:
        conn.send((kind, result))
    except (pickle.PicklingError, TypeError, AttributeError) as error:  # a value that cannot leave the process
        conn.send(("error", f"its rows cannot be sent back: {type(error).__name__}: {error}"))


def _die_with_parent(parent_pid: int) -> None:
    """A worker stuck in a row must not outlive a parent killed with SIGKILL (nothing else would stop it)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def _step(build: tuple[str, dict[str, Any]]) -> Any:
    key = json.dumps(build, sort_keys=True, default=str)
    if key not in _loaded:
        module_name, _, attribute = build[0].partition(":")
        with quiet.rebuilding_step(build[1].get("name")):  # the parent built it first; steps do not pickle
            step_class = getattr(importlib.import_module(module_name), attribute)
            step = step_class(**build[1])
        step.load()
        _loaded[key] = step
    return _loaded[key]
