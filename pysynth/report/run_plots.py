"""Plots of what the manifest says about each step: the stage funnel, request latency and tokens.

Each function returns None when it has nothing to show (a run without LLM steps has no latency plot):
an empty chart tells the reader nothing and costs a figure."""

from __future__ import annotations

from pysynth.report.figures import DROP_COLOURS, FAILED_COLOUR, OUT_COLOUR, Plot, counts_axis, new_figure, png_of
from pysynth.runtime.manifest import RunManifest

# More drop reasons than colours are summed into one bar segment; the table lists every reason.
OTHER_REASONS = "dropped: other reasons"


def funnel_plot(manifest: RunManifest) -> Plot | None:
    """One horizontal bar per step, in run order: rows out, then rows dropped (by reason) and failed,
    stacked after them; the outline is the rows the step took in."""
    steps = list(manifest.steps.items())
    if not steps:
        return None
    reasons = _top_reasons(manifest)
    figure = new_figure(8, 1.2 + 0.45 * len(steps))
    axes = figure.add_subplot()
    names = [name for name, _ in steps]
    positions = list(range(len(steps)))
    # zorder: the outline is drawn over the stacked bars, or a step with more rows out than in would hide it.
    axes.barh(positions, [step.rows_in for _, step in steps], color="none", edgecolor="black", linewidth=1.5,
              label="rows in", zorder=3)
    left = [float(step.rows_out) for _, step in steps]
    axes.barh(positions, left, color=OUT_COLOUR, label="rows out")
    for reason, colour in zip([*reasons, OTHER_REASONS], DROP_COLOURS, strict=False):
        counts = [_dropped(step.dropped_by_reason, reason, reasons) for _, step in steps]
        if any(counts):
            label = reason if reason == OTHER_REASONS else f"dropped: {reason}"[:60]  # a long reason hides the bars
            axes.barh(positions, counts, left=left, color=colour, label=label)
            left = [start + count for start, count in zip(left, counts, strict=True)]
    failed = [step.failed for _, step in steps]
    if any(failed):
        axes.barh(positions, failed, left=left, color=FAILED_COLOUR, label="failed")
    axes.set_yticks(positions, names)
    axes.invert_yaxis()  # the first step on top, as in the pipeline file
    axes.set_xlabel("rows")
    counts_axis(axes.xaxis)
    axes.legend(loc="lower right", fontsize="small")
    return Plot("funnel.png", "Stage funnel", "Rows in (outline), out, dropped by reason and failed, per step.",
                png_of(figure))


def _top_reasons(manifest: RunManifest) -> list[str]:
    totals: dict[str, int] = {}
    for step in manifest.steps.values():
        for reason, count in step.dropped_by_reason.items():
            totals[reason] = totals.get(reason, 0) + count
    ranked = sorted(totals, key=lambda reason: -totals[reason])
    # Keep a colour for "other reasons" only when some reason does not get its own.
    return ranked if len(ranked) <= len(DROP_COLOURS) else ranked[:len(DROP_COLOURS) - 1]


def _dropped(by_reason: dict[str, int], reason: str, named: list[str]) -> int:
    if reason == OTHER_REASONS:
        return sum(count for other, count in by_reason.items() if other not in named)
    return by_reason.get(reason, 0)


def latency_plot(manifest: RunManifest) -> Plot | None:
    latencies = {name: step.mean_latency_seconds for name, step in manifest.steps.items()
                 if step.mean_latency_seconds is not None}
    if not latencies:
        return None
    figure = new_figure(6, 1.2 + 0.45 * len(latencies))
    axes = figure.add_subplot()
    axes.barh(list(latencies), list(latencies.values()), color=OUT_COLOUR)
    axes.invert_yaxis()
    axes.set_xlabel("mean seconds per request")
    axes.locator_params(axis="x", nbins=5)  # millisecond latencies make long tick labels
    return Plot("latency.png", "Request latency", "Mean latency of a step's successful requests (retries included).",
                png_of(figure))


def tokens_plot(manifest: RunManifest) -> Plot | None:
    used = {name: step.tokens for name, step in manifest.steps.items() if step.tokens.input + step.tokens.output}
    if not used:
        return None
    figure = new_figure(6, 1.2 + 0.6 * len(used))
    axes = figure.add_subplot()
    positions = list(range(len(used)))
    axes.barh([p - 0.2 for p in positions], [t.input for t in used.values()], height=0.4, color=OUT_COLOUR,
              label="input")
    axes.barh([p + 0.2 for p in positions], [t.output for t in used.values()], height=0.4, color=DROP_COLOURS[0],
              label="output")
    axes.set_yticks(positions, list(used))
    axes.invert_yaxis()
    axes.set_xlabel("tokens")
    counts_axis(axes.xaxis)
    axes.legend(loc="lower right", fontsize="small")
    return Plot("tokens.png", "Tokens", "Input and output tokens per LLM step.", png_of(figure))
