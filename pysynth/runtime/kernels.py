"""How one batch of one step is processed, by kind of step. Each returns a `BatchResult`.

- `RowStep` (pysynth's own): `transform` per row -> exact ids, drop reasons, per-row failures; a
  `ConcurrentRows` step's rows each in a thread, as many at once as it says.
- distilabel `Task` with an async LLM: one `agenerate` per row, all rows of the batch concurrently,
  each answered from the request cache when it holds the answer.
- any other distilabel `Step`: `process` on the batch; if it raises, row by row to isolate the culprit.
Kernels are plain functions of (step, rows) so a batch can run in this process, in a process pool,
or later on a Ray worker without change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pysynth.errors import PipelineRunError
from pysynth.llm.openai_llm import FINISH_REASONS
from pysynth.runtime.cache import RequestKeys, StepCache
from pysynth.runtime.checkpoint import BatchStats
from pysynth.runtime.frames import ROW_ID, Row, child_ids
from pysynth.steps.adapter import (
    AnyStep,
    AnyTask,
    group_generations,
    has_mappings,
    process_batch,
    rename_inputs,
    restore_outputs,
    task_outputs,
)
from pysynth.steps.base import Dropped, RowStep
from pysynth.steps.llm.stage import LLMStage


@dataclass
class BatchResult:
    rows: list[Row] = field(default_factory=list)
    dropped: list[Row] = field(default_factory=list)  # each with `drop_reason`
    failed: list[Row] = field(default_factory=list)  # each with `error`
    stats: BatchStats = field(default_factory=BatchStats)

    def drop(self, row: Row, reason: str, detail: str = "") -> None:
        self.dropped.append({**row, "drop_reason": reason, **({"drop_detail": detail} if detail else {})})
        self.stats.dropped[reason] = self.stats.dropped.get(reason, 0) + 1

    def fail(self, row: Row, error: BaseException) -> None:
        self.failed.append({**row, "error": f"{type(error).__name__}: {error}"})
        self.stats.failed += 1



def run_row_step(step: RowStep, rows: list[Row], retries: int = 0) -> BatchResult:
    result = BatchResult()
    for row in rows:
        _collect_row(result, row, _row_outcome(step, row, retries))
    result.stats.rows_in = len(rows)
    result.stats.rows_out = len(result.rows)
    return result


async def run_row_step_concurrently(step: RowStep, rows: list[Row], retries: int, threads: ThreadPoolExecutor,
                                    on_row_done: Callable[[], None] | None = None) -> BatchResult:
    """`run_row_step` with each row in a thread of `threads` (for steps whose rows wait on the judge or
    on I/O, releasing the GIL), so a slow row holds up only its own thread."""
    loop = asyncio.get_running_loop()

    async def outcome_of(row: Row) -> Any:
        try:
            return await loop.run_in_executor(threads, _row_outcome, step, row, retries)
        finally:
            if on_row_done is not None:
                on_row_done()

    outcomes = await asyncio.gather(*(outcome_of(row) for row in rows))
    result = BatchResult()
    for row, outcome in zip(rows, outcomes, strict=True):
        _collect_row(result, row, outcome)
    result.stats.rows_in = len(rows)
    result.stats.rows_out = len(result.rows)
    return result


def _row_outcome(step: RowStep, row: Row, retries: int) -> Any:
    """What `transform` made of the row, or the exception of its last attempt."""
    for attempt in range(retries + 1):
        try:
            return _transform_mapped(step, row)
        except Exception as error:  # noqa: BLE001 - a row's failure must not stop its siblings
            if attempt == retries:
                return error
    raise AssertionError("unreachable")


def _collect_row(result: BatchResult, row: Row, outcome: Any) -> None:
    if isinstance(outcome, BaseException):
        result.fail(row, outcome)
    elif isinstance(outcome, Dropped):
        result.drop(row, outcome.reason, outcome.detail)
    else:
        outputs = outcome if isinstance(outcome, list) else [outcome]
        for output, row_id in zip(outputs, child_ids(row[ROW_ID], len(outputs)), strict=True):
            output[ROW_ID] = row_id
            result.rows.append(output)
        if not outputs:
            result.drop(row, "no output rows")


def _transform_mapped(step: RowStep, row: Row) -> Any:
    if not has_mappings(step):
        return step.transform(dict(row))
    renamed, overridden = rename_inputs(step, row)
    outcome = step.transform(renamed)
    if isinstance(outcome, Dropped):
        return outcome
    outputs = outcome if isinstance(outcome, list) else [outcome]
    return [restore_outputs(step, output, overridden) for output in outputs]


class Generated(NamedTuple):
    outputs: list[Row | Dropped]  # per generation (one when grouped); a Dropped answer keeps its place
    input_tokens: int
    output_tokens: int
    latency: float
    cached: bool


async def run_llm_task(task: AnyTask, rows: list[Row], *, cache: StepCache | None = None,
                       on_row_done: Callable[[], None] | None = None) -> BatchResult:
    """Every row of the batch at once; `on_row_done` is called as each row is answered (or fails)."""
    result = BatchResult()
    keys = None
    if cache is not None:
        llm: Any = task.llm
        keys = RequestKeys({"step": task.name, "llm": type(llm).__qualname__, "model": llm.model_name,
                            "api": getattr(llm, "api", None), "n_mode": getattr(llm, "n_mode", None),
                            "generations": task.num_generations, "generation": llm.get_generation_kwargs()})

    async def generate(row: Row) -> Generated:
        try:
            return await _generate_row(task, row, cache, keys)
        finally:
            if on_row_done is not None:
                on_row_done()

    outcomes = await asyncio.gather(*(generate(row) for row in rows), return_exceptions=True)
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome
            result.fail(row, outcome)
            continue
        if outcome.cached:
            result.stats.cache_hits += 1
        else:
            result.stats.requests += 1
            result.stats.latency_seconds += outcome.latency
            result.stats.input_tokens += outcome.input_tokens
            result.stats.output_tokens += outcome.output_tokens
        # Ids follow the generation's position, so a dropped answer does not shift its siblings' ids.
        for output, row_id in zip(outcome.outputs, child_ids(row[ROW_ID], len(outcome.outputs)), strict=True):
            if isinstance(output, Dropped):
                result.drop(row, output.reason, output.detail)
                continue
            output[ROW_ID] = row_id
            result.rows.append(output)
    result.stats.rows_in = len(rows)
    result.stats.rows_out = len(result.rows)
    return result


async def _generate_row(task: AnyTask, row: Row, cache: StepCache | None, keys: RequestKeys | None) -> Generated:
    mapped = has_mappings(task)
    task_row, overridden = rename_inputs(task, row) if mapped else (row, {})
    llm: Any = task.llm
    formatted_input = task.format_input(task_row)
    generation = llm.get_generation_kwargs()
    output, latency, key = None, 0.0, b""
    if cache is not None and keys is not None:
        key = keys.key(row[ROW_ID], formatted_input)
        output = cache.get(key, keys.limit)
    cached = output is not None
    if output is None:
        started = time.perf_counter()
        output = await llm.agenerate(input=formatted_input, num_generations=task.num_generations, **generation)
        latency = time.perf_counter() - started
        if cache is not None and keys is not None:
            reasons = output.get(FINISH_REASONS)
            # An LLM that does not say why it stopped may have been cut: never reused under a larger limit.
            truncated = not isinstance(reasons, list) or "length" in reasons
            cache.put(key, keys.limit, output, truncated=truncated)
    output = dict(output)
    output.pop(FINISH_REASONS, None)
    statistics = output.get("statistics") or {}
    input_tokens = sum(_ints(statistics.get("input_tokens")))
    output_tokens = sum(_ints(statistics.get("output_tokens")))
    if isinstance(task, LLMStage):
        answers = list(output.get("generations") or [])
        if task.parse_blocks():  # the parse waits on the judge: keep the event loop serving requests
            formatted: list[Row | Dropped] = await asyncio.to_thread(task.answer_rows, answers, task_row)
        else:
            formatted = task.answer_rows(answers, task_row)
    else:
        formatted = list(task_outputs(task, output, task_row))
    if "logprobs" in output:  # asked for with `logprobs: true` in the step's generation settings
        for item, logprobs in zip(formatted, output["logprobs"], strict=False):
            if not isinstance(item, Dropped):
                item["logprobs"] = logprobs
    extra = {**(task.kept_prompt(task_row) if isinstance(task, LLMStage) else {}), "model_name": llm.model_name}
    outputs: list[Row | Dropped]
    if task.group_generations:
        kept = [item for item in formatted if not isinstance(item, Dropped)]
        dropped = [item for item in formatted if isinstance(item, Dropped)]
        outputs = [{**task_row, **group_generations(kept), **extra}] if kept else [*dropped[:1]]
    else:
        outputs = [item if isinstance(item, Dropped) else {**task_row, **item, **extra} for item in formatted]
    if mapped:
        outputs = [item if isinstance(item, Dropped) else restore_outputs(task, item, overridden)
                   for item in outputs]
    return Generated(outputs, input_tokens, output_tokens, latency, cached)


def _ints(values: Any) -> list[int]:
    if isinstance(values, int):
        return [values]
    return [value for value in (values or []) if isinstance(value, int)]


def run_batch_step(step: AnyStep, rows: list[Row], retries: int = 0, *, isolate: bool = True) -> BatchResult:
    """A foreign step's `process` over the batch; on failure, row by row so only culprits fail.

    `isolate=False` (global steps, whose logic needs all rows together) lets the failure through.
    """
    result = BatchResult()
    try:
        _collect(step, rows, result)
    except Exception:
        if not isolate:
            raise
        result = BatchResult()
        for row in rows:
            for attempt in range(retries + 1):
                try:
                    _collect(step, [row], result)
                    break
                except Exception as error:  # noqa: BLE001
                    if attempt == retries:
                        result.fail(row, error)
    result.stats.rows_in = len(rows)
    result.stats.rows_out = len(result.rows)
    return result


def _collect(step: AnyStep, rows: list[Row], result: BatchResult) -> None:
    outputs = process_batch(step, rows)
    seen = {row[ROW_ID] for row in rows}
    if all(ROW_ID in output for output in outputs):
        counts: dict[str, int] = {}
        for output in outputs:
            counts[output[ROW_ID]] = counts.get(output[ROW_ID], 0) + 1
        numbered: dict[str, int] = {}
        for output in outputs:
            parent = output[ROW_ID]
            if counts[parent] > 1:
                output[ROW_ID] = f"{parent}.{numbered.get(parent, 0)}"
                numbered[parent] = numbered.get(parent, 0) + 1
        kept = set(counts)
        for row in rows:
            if row[ROW_ID] not in kept:
                result.drop(row, f"removed by {type(step).__name__}")
        if not kept <= seen:
            raise PipelineRunError(f"step '{step.name}' produced row ids it was not given")
    elif len(outputs) == len(rows):
        for output, row in zip(outputs, rows, strict=True):
            output[ROW_ID] = row[ROW_ID]
    else:
        raise PipelineRunError(f"step '{step.name}' dropped the {ROW_ID} column and changed the number of rows "
                               f"({len(rows)} -> {len(outputs)}), so its rows cannot be traced; keep {ROW_ID}")
    result.rows.extend(outputs)
