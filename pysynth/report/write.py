"""`write_report(OUT)`: read the run in OUT, draw its plots, write `OUT/report/` whole or not at all.

The files are written into a fresh `OUT/report.tmp-*` directory, which then replaces `OUT/report/`: the
old report is first renamed aside (`report.old-*`, a directory cannot be renamed over a non-empty one),
the new one renamed into place, the old one deleted. A crash at any point leaves the previous report or
the new one (in the worst case beside a `report.old-*`), never a report with half its files.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pysynth.errors import ReportError
from pysynth.report.card import dataset_card
from pysynth.report.concepts import concept_plot
from pysynth.report.figures import Plot
from pysynth.report.llm_models import step_models
from pysynth.report.page import report_page
from pysynth.report.run_facts import RunFacts, read_run
from pysynth.report.run_plots import funnel_plot, latency_plot, tokens_plot
from pysynth.report.run_tables import Table, export_table, llm_table, stage_table
from pysynth.report.signals import predicted_vs_calibrated_plot, signal_values, signals_plot
from pysynth.runtime.manifest import REPORT_DIR

CARD_FILE, PAGE_FILE = "README.md", "index.html"


def write_report(output: Path) -> Path:
    """Write `output/report/` (README.md dataset card, index.html, one PNG per plot) and return its path.

    Raises `ReportError` when `output` holds no readable run manifest or the report cannot be written; a
    failed or interrupted run is reported as far as its manifest goes, a missing export is noted in the card."""
    output = Path(output).resolve()  # the card's `load_dataset` lines must work from any directory
    facts = read_run(output)
    tables = _tables(facts)
    plots = _plots(facts)
    files = {CARD_FILE: str(dataset_card(facts, tables, plots)), PAGE_FILE: report_page(facts, tables, plots)}
    try:
        return _replace_report(output, files, plots)
    except OSError as error:
        raise ReportError(f"{output / REPORT_DIR}: cannot write the report: {error}") from None


def _tables(facts: RunFacts) -> list[Table]:
    llm = llm_table(facts, step_models(facts.spec, facts.manifest))
    return [stage_table(facts), *([llm] if llm else []), export_table(facts)]


def _plots(facts: RunFacts) -> list[Plot]:
    manifest = facts.manifest
    drawers: list[Callable[[], Plot | None]] = [
        lambda: funnel_plot(manifest),
        lambda: signals_plot(signal_values(facts)),
        lambda: predicted_vs_calibrated_plot(facts),
        lambda: concept_plot(facts),
        lambda: tokens_plot(manifest),
        lambda: latency_plot(manifest),
    ]
    return [plot for draw in drawers if (plot := draw()) is not None]


def _replace_report(output: Path, files: dict[str, str], plots: list[Plot]) -> Path:
    target = output / REPORT_DIR
    staging = Path(tempfile.mkdtemp(prefix=f"{REPORT_DIR}.tmp-", dir=output))
    aside: Path | None = None
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        for plot in plots:
            (staging / plot.file).write_bytes(plot.png)
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the report from the run directory's other readers
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f"{REPORT_DIR}.old-", dir=output))
            target.replace(aside / REPORT_DIR)
        staging.replace(target)
    except BaseException:
        if aside is not None and not target.exists() and (aside / REPORT_DIR).exists():
            (aside / REPORT_DIR).replace(target)  # put the previous report back
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    return target
