"""The report's tables (rows per stage, LLM usage, exports), built once and shown both in the card
(Markdown) and on the page (HTML), so the two never disagree."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pysynth.report.run_facts import RunFacts


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    def markdown(self) -> str:
        lines = [_markdown_row(self.headers), "|" + "---|" * len(self.headers)]
        lines += [_markdown_row(row) for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in self.headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _markdown_row(cells: tuple[str, ...]) -> str:
    # A `|` inside a cell (a drop reason may hold one) would split it into two columns.
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def stage_table(facts: RunFacts) -> Table:
    rows = []
    for name, step in facts.manifest.steps.items():
        reasons = "; ".join(f"{reason}: {count}" for reason, count in step.dropped_by_reason.items())
        rows.append((name, step.type, step.status.value, str(step.rows_in), str(step.rows_out), str(step.dropped),
                     reasons or "-", str(step.failed)))
    return Table("Rows per stage", ("step", "type", "status", "rows in", "rows out", "dropped", "drop reasons",
                                    "failed"), rows)


def llm_table(facts: RunFacts, models: dict[str, str]) -> Table | None:
    """None for a run without LLM steps."""
    rows = []
    for name, step in facts.manifest.steps.items():
        if name not in models and step.requests + step.cache_hits == 0:
            continue
        latency = "-" if step.mean_latency_seconds is None else f"{step.mean_latency_seconds:.3f}"
        rows.append((name, models.get(name, "-"), str(step.requests), str(step.cache_hits), str(step.tokens.input),
                     str(step.tokens.output), latency))
    if not rows:
        return None
    return Table("LLM steps: models and token usage", ("step", "model", "requests", "cache hits", "input tokens",
                                                       "output tokens", "mean latency (s)"), rows)


def export_table(facts: RunFacts) -> Table:
    rows = [(export.step, _relative(facts, export.path), export.format, str(export.rows), str(len(export.schema)))
            for export in facts.exports]
    rows += [(step, why, "-", "-", "-") for step, why in facts.unreadable_exports.items()]
    return Table("Exports", ("step", "file", "format", "rows", "columns"), rows)


def _relative(facts: RunFacts, path: Path) -> str:
    return str(path.relative_to(facts.output)) if path.is_relative_to(facts.output) else str(path)
