"""What a run shows while it works: a rich live table per step, or (quiet) a status line every 30 s.

No line per batch or per HTTP request: a million-row run must not drown its log.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from pysynth.dag import StepKind
from pysynth.runtime.state import StepState, StepStatus

QUIET_INTERVAL_S = 30.0


def render(states: dict[str, StepState], title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    for column in ("step", "status", "in", "out", "dropped", "failed", "requests", "cached", "rows/s", "tokens out",
                   "ETA"):
        table.add_column(column, justify="left" if column in ("step", "status") else "right")
    for state in states.values():
        stats = state.stats
        table.add_row(state.name, state.status, f"{stats.rows_in:,}", f"{stats.rows_out:,}",
                      f"{sum(stats.dropped.values()):,}", f"{stats.failed:,}", state.requests, f"{stats.cache_hits:,}",
                      f"{state.rate:,.0f}",
                      f"{stats.output_tokens:,}", _eta(state, states))
    return table


def summary_line(states: dict[str, StepState]) -> str:
    parts = []
    for state in states.values():
        stats = state.stats
        requests = f" requests={state.requests}" if state.requests else ""
        parts.append(f"{state.name}[{state.status}] in={stats.rows_in} out={stats.rows_out} "
                     f"dropped={sum(stats.dropped.values())} failed={stats.failed}{requests} cached={stats.cache_hits}")
    return "; ".join(parts)


def _eta(state: StepState, states: dict[str, StepState]) -> str:
    if state.status is not StepStatus.RUNNING or state.kind is StepKind.GENERATOR:
        return ""
    expected = max((s.expected_rows or 0 for s in states.values() if s.kind is StepKind.GENERATOR), default=0)
    rate = state.rate
    if not expected or rate <= 0 or state.stats.rows_in >= expected:
        return ""
    seconds = (expected - state.stats.rows_in) / rate
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


@asynccontextmanager
async def show_progress(states: dict[str, StepState], title: str, *, quiet: bool) -> AsyncIterator[None]:
    if quiet or not sys.stderr.isatty():
        task = asyncio.create_task(_log_lines(states))
        try:
            yield
        finally:
            task.cancel()
        return
    console = Console(stderr=True)
    with Live(render(states, title), console=console, refresh_per_second=4, transient=False) as live:
        task = asyncio.create_task(_refresh(live, states, title))
        try:
            yield
        finally:
            task.cancel()
            live.update(render(states, title))


async def _refresh(live: Live, states: dict[str, StepState], title: str) -> None:
    while True:
        await asyncio.sleep(0.5)
        live.update(render(states, title))


async def _log_lines(states: dict[str, StepState]) -> None:
    while True:
        await asyncio.sleep(QUIET_INTERVAL_S)
        print(f"[pysynth] {summary_line(states)}", file=sys.stderr, flush=True)
