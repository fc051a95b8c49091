"""Process-pool execution of CPU-bound steps (`workers: N`).

Workers rebuild the step from its import path and constructor arguments (steps hold a pipeline
reference and private state that do not pickle) and keep it loaded across batches. The same
(build, rows) -> BatchResult call is what a Ray task would run, so moving batches to a cluster
only swaps the pool.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from pysynth.runtime.frames import Row
from pysynth.runtime.kernels import BatchResult, run_batch_step, run_row_step

_loaded: dict[str, Any] = {}


def make_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent runs an event loop and HTTP sessions that must not be duplicated.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run_in_worker(build: tuple[str, dict[str, Any]], rows: list[Row], retries: int) -> BatchResult:
    from pysynth.steps.base import RowStep

    step = _step(build)
    if isinstance(step, RowStep):
        return run_row_step(step, rows, retries)
    return run_batch_step(step, rows, retries)


def _step(build: tuple[str, dict[str, Any]]) -> Any:
    key = json.dumps(build, sort_keys=True, default=str)
    if key not in _loaded:
        module_name, _, attribute = build[0].partition(":")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step_class = getattr(importlib.import_module(module_name), attribute)
            step = step_class(**build[1])
        step.load()
        _loaded[key] = step
    return _loaded[key]
