"""Concept coverage of a QueST run: from the concept graph the sampler saved and the concepts it sampled."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import DatasetCard

from pysynth.report import write_report
from pysynth.report.concepts import DEFAULT_GRAPH_FILE
from pysynth.steps.quest.sample_prompts import QuestSamplePrompts


def test_the_default_graph_file_is_the_samplers() -> None:
    assert DEFAULT_GRAPH_FILE == QuestSamplePrompts.model_fields["save_graph"].default


def test_a_quest_run_gets_a_concept_plot_and_list_features(concepts_run: Path) -> None:
    assert (concepts_run / DEFAULT_GRAPH_FILE).is_file()
    report = write_report(concepts_run)
    assert (report / "concepts.png").is_file()
    info = DatasetCard.load(report / "README.md").data.to_dict()["dataset_info"][0]
    assert {"name": "concepts", "list": "string"} in info["features"]


def test_a_run_without_a_sampler_or_signals_gets_no_such_plots(failed_run: Path) -> None:
    report = write_report(failed_run)
    assert sorted(path.name for path in report.glob("*.png")) == ["funnel.png"]  # no empty charts


def test_the_demo_run_has_the_manifest_plots_and_its_delta(demo_run: Path) -> None:
    report = write_report(demo_run)
    assert sorted(path.name for path in report.glob("*.png")) == ["difficulty.png", "funnel.png", "latency.png",
                                                                   "tokens.png"]
