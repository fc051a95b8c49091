"""The run's Hugging Face dataset card (`report/README.md`): a YAML header the Hub and `datasets` read
(one config per export, its features and size, license, tags), then what a reader needs to trust the
data: status, rows per stage with drop reasons, models and tokens, plots, and the pipeline file.

The card sits in `report/`, one level below the exports, so every `data_files` path starts with `../`:
`load_dataset("OUT/report", "<step>")` finds the files where the run wrote them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pysynth.report.features import card_features, size_category
from pysynth.report.figures import Plot
from pysynth.report.run_facts import ExportFile, RunFacts
from pysynth.report.run_tables import Table
from pysynth.runtime.manifest import REPORT_DIR
from pysynth.spec.models import CardSpec

if TYPE_CHECKING:
    from huggingface_hub import DatasetCard, DatasetCardData

# Step-type prefixes of the method families: tags a Hub search finds the data set by.
FAMILY_TAGS = {"quest_": "quest", "microcoder_": "microcoder", "scalequest_": "scalequest"}


def dataset_card(facts: RunFacts, tables: list[Table], plots: list[Plot]) -> DatasetCard:
    from huggingface_hub import DatasetCard

    return DatasetCard(f"---\n{_card_data(facts).to_yaml()}\n---\n\n{_body(facts, tables, plots)}")


def card_settings(facts: RunFacts) -> CardSpec:
    """The pipeline's `export.card` block; the defaults when the file is gone or no longer valid (it was
    when the run started, which is what the run's data followed)."""
    export = facts.spec.get("export")
    try:
        return CardSpec.model_validate(export.get("card") or {} if isinstance(export, dict) else {})
    except ValidationError:
        return CardSpec()


def _card_data(facts: RunFacts) -> DatasetCardData:
    from huggingface_hub import DatasetCardData

    settings = card_settings(facts)
    families = {tag for step in facts.manifest.steps.values() for prefix, tag in FAMILY_TAGS.items()
                if step.type.startswith(prefix)}
    tags = list(dict.fromkeys(["pysynth", "synthetic", facts.manifest.pipeline, *sorted(families), *settings.tags]))
    largest = max((export.rows for export in facts.exports), default=0)
    return DatasetCardData(
        pretty_name=facts.manifest.pipeline,
        license=settings.license,
        tags=tags,
        size_categories=[size_category(largest)],
        configs=[_config(facts, export, first=index == 0) for index, export in enumerate(facts.exports)],
        dataset_info=[_info(export) for export in facts.exports],
    )


def _data_file(facts: RunFacts, export: ExportFile) -> str:
    return os.path.relpath(export.path, facts.output / REPORT_DIR)


def _config(facts: RunFacts, export: ExportFile, *, first: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"config_name": export.step,
                              "data_files": [{"split": "train", "path": _data_file(facts, export)}]}
    return {**config, "default": True} if first else config


def _info(export: ExportFile) -> dict[str, Any]:
    size = export.path.stat().st_size
    return {"config_name": export.step, "features": card_features(export.schema),
            "splits": [{"name": "train", "num_examples": export.rows}], "download_size": size}


def _body(facts: RunFacts, tables: list[Table], plots: list[Plot]) -> str:
    manifest = facts.manifest
    parts = [f"# {manifest.pipeline}", status_line(facts)]
    for step, why in facts.unreadable_exports.items():
        parts.append(f"**Export `{step}` is missing from this card:** {why}")
    parts.append("## How to load the data\n\n" + _loading(facts))
    parts += [f"## {table.title}\n\n{table.markdown()}" for table in tables]
    if plots:
        parts.append("## Plots\n\n" + "\n\n".join(f"### {plot.title}\n\n{plot.caption}\n\n![{plot.title}]({plot.file})"
                                                    for plot in plots))
    parts.append("## Pipeline\n\n" + _pipeline(facts))
    versions = ", ".join(f"{name} {version}" for name, version in manifest.versions.items())
    parts.append(f"## Versions\n\n{versions}")
    return "\n\n".join(parts) + "\n"


def status_line(facts: RunFacts) -> str:
    """The run's status first, so a reader sees at once whether the data is complete."""
    manifest = facts.manifest
    line = f"**Status: {manifest.status.value}**"
    if manifest.error:
        line += f" ({manifest.error})"
    version = manifest.versions.get("pysynth", "?")
    line += f". Started {manifest.started_at}, {manifest.seconds:.1f} s, pysynth {version}."
    if manifest.shard:
        line += f" Shard {manifest.shard} of a sharded run: this share of the source rows only."
    if manifest.merged_from:
        line += " Merged from the shard runs: " + ", ".join(f"`{path}`" for path in manifest.merged_from) + "."
    return line


def _loading(facts: RunFacts) -> str:
    if not facts.exports:
        return "This run exported no file."
    lines = ["```python", "from datasets import load_dataset", ""]
    for export in facts.exports:
        builder = "parquet" if export.format == "parquet" else "json"
        lines.append(f'{export.step} = load_dataset("{builder}", data_files="{export.path}", split="train")')
    lines += ["", "# or by config name, through this card:",
              (f'{facts.exports[0].step} = load_dataset("{facts.output / REPORT_DIR}", "{facts.exports[0].step}", '
               'split="train")'), "```"]
    return "\n".join(lines)


def _pipeline(facts: RunFacts) -> str:
    if facts.spec_text is None:
        return f"The pipeline file `{facts.manifest.spec_file}` is gone (or unreadable) since the run."
    fence = "`" * max(3, _longest_backtick_run(facts.spec_text) + 1)  # a ``` inside the YAML must not end the block
    return f"`{facts.manifest.spec_file}`:\n\n{fence}yaml\n{facts.spec_text.rstrip()}\n{fence}"


def _longest_backtick_run(text: str) -> int:
    longest = current = 0
    for character in text:
        current = current + 1 if character == "`" else 0
        longest = max(longest, current)
    return longest
