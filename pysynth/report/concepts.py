"""Concept coverage of a QueST run: how connected the concept graph is, and which concepts the random
walks sampled most.

Both come from `quest_sample_prompts` (pysynth/steps/quest/sample_prompts.py): the graph it saved as an
edge list next to the outputs (`save_graph`), and the `concepts` of the prompt rows it checkpointed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from pysynth.report.figures import OUT_COLOUR, Plot, counts_axis, new_figure, png_of
from pysynth.report.run_facts import RunFacts
from pysynth.report.step_rows import checkpointed_columns

SAMPLE_STEP_TYPE = "quest_sample_prompts"
# QuestSamplePrompts.save_graph's default, repeated here: importing the step would import distilabel
# (seconds) into `pysynth report`. tests/report/test_concepts.py checks the two agree.
DEFAULT_GRAPH_FILE = "concept_graph.parquet"
MOST_SAMPLED = 15


def concept_plot(facts: RunFacts) -> Plot | None:
    degrees, sampled = [], Counter[str]()
    for name, step in facts.manifest.steps.items():
        if step.type != SAMPLE_STEP_TYPE:
            continue
        degrees += _degrees(facts.output, _params(facts.spec, name))
        rows = checkpointed_columns(facts.output, name, step.fingerprint, ["concepts"])
        if rows is not None:
            sampled.update(concept for concepts in rows["concepts"].to_list() if concepts for concept in concepts)
    panels = int(bool(degrees)) + int(bool(sampled))
    if not panels:
        return None
    figure = new_figure(5.0 * panels, 4.2)
    if degrees:
        axes = figure.add_subplot(1, panels, 1)
        axes.hist(degrees, bins=range(max(degrees) + 2), color=OUT_COLOUR, edgecolor="white", align="left")
        counts_axis(axes.xaxis)
        counts_axis(axes.yaxis)
        axes.set_xlabel(f"degree (concepts it co-occurs with; {len(degrees)} concepts)")
        axes.set_ylabel("concepts")
        axes.set_title("Concept graph degree", fontsize="small")
    if sampled:
        top = sampled.most_common(MOST_SAMPLED)
        axes = figure.add_subplot(1, panels, panels)
        axes.barh([concept[:40] for concept, _ in top], [count for _, count in top], color=OUT_COLOUR)
        axes.invert_yaxis()
        axes.tick_params(axis="y", labelsize="small")
        axes.set_xlabel(f"prompts using it ({len(sampled)} distinct concepts sampled)")
        counts_axis(axes.xaxis)
        axes.set_title("Most sampled concepts", fontsize="small")
    return Plot("concepts.png", "Concept coverage", "Degree of each concept in the QueST concept graph, and the "
                "concepts the random walks put into prompts most often.", png_of(figure))


def _params(spec: dict[str, Any], step: str) -> dict[str, Any]:
    for entry in spec.get("steps") or []:
        if isinstance(entry, dict) and entry.get("name") == step:
            params = entry.get("params")
            return params if isinstance(params, dict) else {}
    return {}


def _degrees(output: Path, params: dict[str, Any]) -> list[int]:
    """Each concept's number of neighbours in the saved edge list (one row per undirected edge; a concept
    without edges is a row with a null target)."""
    file = params.get("save_graph", DEFAULT_GRAPH_FILE)
    path = output / str(file) if file else None
    if path is None or not path.is_file():
        return []
    import polars as pl

    edges = pl.read_parquet(path, columns=["source", "target"])
    linked = edges.filter(pl.col("target").is_not_null())
    ends = pl.concat([linked["source"].rename("concept"), linked["target"].rename("concept")]).value_counts()
    isolated = edges.filter(pl.col("target").is_null()).height
    return [int(count) for count in ends["count"].to_list()] + [0] * isolated
