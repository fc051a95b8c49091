"""Distributions of a run's difficulty signals: QueST's delta, MicroCoder's pass rates and predicted
difficulty, ScaleQuest's fail rates.

A signal is taken from the first export that has its column (the distribution of the data set users get);
an export without it (ScaleQuest's sft pairs) sends the report to the checkpointed rows of the step
that computes it. Columns and step types are those of `pysynth/steps/{quest,microcoder,scalequest}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysynth.report.figures import OUT_COLOUR, Plot, counts_axis, new_figure, png_of
from pysynth.report.run_facts import RunFacts
from pysynth.report.step_rows import checkpointed_columns


@dataclass(frozen=True)
class Signal:
    column: str
    label: str
    computed_by: str  # the step type that writes the column


SIGNALS = (
    Signal("delta", "QueST difficulty delta (1 - mean majority agreement)", "quest_difficulty"),
    Signal("pass_rate", "measured pass rate (MicroCoder)", "microcoder_pass_rate"),
    Signal("predicted_difficulty", "predicted difficulty (MicroCoder, 0..1)", "microcoder_predict_difficulty"),
    Signal("calibrated_pass_rate", "calibrated pass rate (MicroCoder)", "microcoder_calibrate"),
    Signal("fail_rate", "fail rate (ScaleQuest)", "scalequest_fail_rate_band"),
)
PREDICTED, CALIBRATED = "predicted_difficulty", "calibrated_pass_rate"


def signal_values(facts: RunFacts) -> dict[str, tuple[str, list[float]]]:
    """column -> (where it came from, its non-null values), for the signals the run has."""
    found: dict[str, tuple[str, list[float]]] = {}
    for signal in SIGNALS:
        values = _from_exports(facts, signal.column) or _from_checkpoint(facts, signal)
        if values is not None and values[1]:
            found[signal.column] = values
    return found


def _from_exports(facts: RunFacts, column: str) -> tuple[str, list[float]] | None:
    import polars as pl

    for export in facts.exports:
        if column in export.schema and export.schema[column].is_numeric():
            values = export.scan().select(pl.col(column).cast(pl.Float64)).drop_nulls().collect().to_series()
            return f"export {export.step}", values.to_list()
    return None


def _from_checkpoint(facts: RunFacts, signal: Signal) -> tuple[str, list[float]] | None:
    import polars as pl

    for name, step in facts.manifest.steps.items():
        if step.type != signal.computed_by:
            continue
        rows = checkpointed_columns(facts.output, name, step.fingerprint, [signal.column])
        if rows is not None and rows.schema[signal.column].is_numeric():
            return f"step {name}", rows[signal.column].cast(pl.Float64).drop_nulls().to_list()
    return None


def signals_plot(found: dict[str, tuple[str, list[float]]]) -> Plot | None:
    """One histogram per signal, side by side."""
    if not found:
        return None
    labels = {signal.column: signal.label for signal in SIGNALS}
    figure = new_figure(min(4.0 * len(found), 12.0), 3.2)
    for index, (column, (origin, values)) in enumerate(found.items(), start=1):
        axes = figure.add_subplot(1, len(found), index)
        axes.hist(values, bins=min(20, max(5, len(set(values)))), color=OUT_COLOUR, edgecolor="white")
        counts_axis(axes.yaxis)
        axes.set_title(labels[column], fontsize="small")
        axes.set_xlabel(f"{column} ({origin}, {len(values)} rows)", fontsize="small")
        axes.set_ylabel("rows")
    return Plot("difficulty.png", "Difficulty signals", "Distribution of each difficulty signal the run has.",
                png_of(figure))


def predicted_vs_calibrated_plot(facts: RunFacts) -> Plot | None:
    """MicroCoder: each problem's predicted difficulty against its calibrated pass rate, where one export
    has both (the rl export keeps the selection columns)."""
    import polars as pl

    for export in facts.exports:
        if PREDICTED in export.schema and CALIBRATED in export.schema:
            pairs = export.scan().select(pl.col(PREDICTED, CALIBRATED).cast(pl.Float64)).drop_nulls().collect()
            if pairs.height:
                figure = new_figure(5, 4)
                axes = figure.add_subplot()
                axes.scatter(pairs[PREDICTED].to_list(), pairs[CALIBRATED].to_list(), color=OUT_COLOUR, s=14)
                axes.set_xlabel("predicted difficulty")
                axes.set_ylabel("calibrated pass rate")
                return Plot("predicted_vs_calibrated.png", "Predicted difficulty vs calibrated pass rate",
                            f"One point per problem of export {export.step}.", png_of(figure))
    return None
