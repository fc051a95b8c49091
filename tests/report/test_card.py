"""The dataset card (`report/README.md`) loads back with huggingface_hub and says what the run did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard

from pysynth.report import write_report
from pysynth.runtime.manifest import read_manifest, write_manifest


def card_data(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = DatasetCard.load(write_report(output) / "README.md").data.to_dict()
    return data


def test_the_card_loads_back_with_one_config_per_export_and_the_license_and_tags_of_the_pipeline(
        demo_run: Path) -> None:
    data = card_data(demo_run)
    assert data["license"] == "apache-2.0"  # export.card in the pipeline file
    assert {"pysynth", "synthetic", "report-demo", "code", "test-run"} <= set(data["tags"])
    assert data["size_categories"] == ["n<1K"]
    configs = {config["config_name"]: config for config in data["configs"]}
    assert configs["scored"]["data_files"] == [{"split": "train", "path": "../scored.parquet"}]
    assert configs["evens"]["data_files"] == [{"split": "train", "path": "../evens.parquet"}]


def test_the_features_and_sizes_are_those_of_the_exported_files(demo_run: Path) -> None:
    info = {entry["config_name"]: entry for entry in card_data(demo_run)["dataset_info"]}
    features = {feature["name"]: feature for feature in info["scored"]["features"]}
    assert features["delta"] == {"name": "delta", "dtype": "float64"}
    assert features["generation"] == {"name": "generation", "dtype": "string"}
    assert info["scored"]["splits"] == [{"name": "train", "num_examples": 6}]  # the odd topics were dropped
    assert info["scored"]["download_size"] == (demo_run / "scored.parquet").stat().st_size


def test_the_body_has_the_stages_with_drop_reasons_the_models_tokens_and_the_pipeline(demo_run: Path) -> None:
    text = (write_report(demo_run) / "README.md").read_text()
    manifest = read_manifest(demo_run)
    assert "**Status: completed**" in text
    assert "| evens | filter | done | 12 | 6 | 6 | odd topic: 6 | 0 |" in text
    tokens = manifest.steps["gen"].tokens
    assert f"| gen | test-model | 6 | 0 | {tokens.input} | {tokens.output} |" in text
    assert "type: make_rows" in text and "```yaml" in text  # the pipeline file itself
    assert 'load_dataset("parquet", data_files=' in text
    assert "![Stage funnel](funnel.png)" in text


def test_datasets_loads_each_export_through_the_card(demo_run: Path, tmp_path: Path) -> None:
    # The `../` data_files are what `load_dataset(report_dir, config)` resolves: checked with `datasets` itself.
    code = ("import sys, datasets; rows = datasets.load_dataset(sys.argv[1], 'scored', split='train'); "
            "print(rows.num_rows, sorted(rows.column_names))")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code, str(write_report(demo_run))], capture_output=True, text=True,
                            timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "6" and "'delta'" in result.stdout


def test_a_missing_export_is_noted_and_the_others_reported(copied_run: Path) -> None:
    (copied_run / "evens.parquet").unlink()
    report = write_report(copied_run)
    data = DatasetCard.load(report / "README.md").data.to_dict()
    assert [config["config_name"] for config in data["configs"]] == ["scored"]
    assert "**Export `evens` is missing from this card:**" in (report / "README.md").read_text()


def test_a_pipeline_file_gone_since_the_run_is_said_and_the_card_falls_back_to_license_other(
        copied_run: Path) -> None:
    manifest = read_manifest(copied_run)
    write_manifest(copied_run, manifest.model_copy(update={"spec_file": str(copied_run / "gone.yaml")}))
    report = write_report(copied_run)
    assert f"The pipeline file `{copied_run / 'gone.yaml'}` is gone" in (report / "README.md").read_text()
    assert DatasetCard.load(report / "README.md").data.to_dict()["license"] == "other"


def test_shard_and_merge_origins_are_shown(copied_run: Path) -> None:
    manifest = read_manifest(copied_run)
    write_manifest(copied_run, manifest.model_copy(update={"shard": "1/2", "merged_from": ["/runs/a", "/runs/b"]}))
    text = (write_report(copied_run) / "README.md").read_text()
    assert "Shard 1/2 of a sharded run" in text and "`/runs/a`, `/runs/b`" in text
