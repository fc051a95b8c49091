"""The live view: one row per step with counts, rate and an ETA from the source's expected rows."""

from __future__ import annotations

import time

from rich.console import Console

from pysynth.dag import StepKind
from pysynth.runtime.checkpoint import BatchStats
from pysynth.runtime.progress import render, summary_line
from pysynth.runtime.state import StepState


def test_table_shows_counts_rate_and_eta() -> None:
    source = StepState("src", StepKind.GENERATOR, "f0", expected_rows=1000)
    source.start()
    worker = StepState("gen", StepKind.NORMAL, "f1")
    worker.start()
    worker.started = time.monotonic() - 10  # 10 s in, 100 of 1000 rows done: 10 rows/s, 90 s left
    worker.stats.add(BatchStats(rows_in=100, rows_out=98, failed=2, output_tokens=500))
    console = Console(width=200, record=True)
    console.print(render({"src": source, "gen": worker}, "pipeline demo"))
    text = console.export_text()
    gen_line = next(line for line in text.splitlines() if "gen" in line and "running" in line)
    assert "100" in gen_line and "98" in gen_line and "500" in gen_line
    assert "00:01:30" in gen_line or "00:01:29" in gen_line, gen_line
    assert "gen[running] in=100 out=98 dropped=0 failed=2" in summary_line({"src": source, "gen": worker})
