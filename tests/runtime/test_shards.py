"""`--shard I/N`: a run keeps its share of the source rows; `pysynth merge` combines N of them.

The contract: the N shards of a row-by-row pipeline (a judge step included) hold each source row
once, and merged they equal one unsharded run: the same rows in the same order, the same drops and
failures, the same counts. A shard resumes where it stopped, and only as the same shard.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import ConfigError, InputError, PipelineRunError
from pysynth.runtime import run_pipeline
from pysynth.runtime.merge import merge_runs
from pysynth.runtime.shards import Shard, parse_shard
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

DATA = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "microcoder"

ROWS_PIPELINE = """
name: sharded_rows
defaults: {{batch_size: 3}}
export: {{steps: [parts, checked], format: {format}}}
steps:
  - {{name: src, type: make_rows, params: {{count: 40, columns: {{topic: "t{{i}}"}}}}}}
  - {{name: evens, type: filter, params: {{function: "user_steps:even_only", input_columns: [topic]}}}}
  - {{name: parts, type: map, inputs: [evens], params: {{function: "user_steps:explode_me", output_columns: [part]}}}}
  - {{name: checked, type: map, inputs: [src], params: {{function: "user_steps:fail_on_seven", output_columns: [ok]}}}}
"""

JUDGE_PIPELINE = f"""
name: sharded_judge
defaults: {{batch_size: 2}}
steps:
  - {{name: taco, type: load_problems, params: {{path: {DATA / "taco.jsonl"}, format: taco}}}}
  - {{name: cc, type: load_problems, params: {{path: {DATA / "code_contests.jsonl"}, format: code_contests}}}}
  - name: verify
    type: microcoder_verify
    inputs: [taco, cc]
    join: concat
    params: {{on_disagreement: drop_problem, without_references: keep}}
"""


def run(path: Path, output: Path, shard: str | None = None, **options: bool):  # type: ignore[no-untyped-def]
    return run_pipeline(compile_pipeline(load_spec(path)), output, shard=parse_shard(shard) if shard else None,
                        **options)


def read(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_ndjson(path)


def assert_merged_equals_unsharded(path: Path, tmp_path: Path, count: int) -> None:
    whole = run(path, tmp_path / "whole")
    shards = [tmp_path / f"shard{index}" for index in range(count)]
    for index, directory in enumerate(shards):
        assert run(path, directory, f"{index}/{count}").manifest.shard == f"{index}/{count}"
    merged = merge_runs(shards, tmp_path / "merged")
    assert merged.outputs.keys() == whole.manifest.outputs.keys()
    for step, file in whole.manifest.outputs.items():
        assert read(Path(merged.outputs[step])).equals(read(Path(file))), f"export of {step} differs"
    for name, step in whole.manifest.steps.items():
        got = merged.steps[name]
        for field in ("rows_in", "rows_out", "failed", "dropped", "dropped_by_reason", "tokens", "requests"):
            assert getattr(got, field) == getattr(step, field), f"{name}.{field}"
        for kind in ("failed_rows_file", "dropped_rows_file"):
            expected, actual = getattr(step, kind), getattr(got, kind)
            assert (expected is None) == (actual is None), f"{name}.{kind}"
            if expected is not None:
                assert read(Path(actual)).drop("error", strict=False).equals(
                    read(Path(expected)).drop("error", strict=False)), f"{name}.{kind}"
    assert merged.merged_from == [str(directory.resolve()) for directory in shards]


@pytest.mark.parametrize("file_format", ["parquet", "jsonl"])
def test_three_shards_merged_equal_one_unsharded_run(tmp_path: Path, file_format: str) -> None:
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format=file_format))
    assert_merged_equals_unsharded(path, tmp_path, 3)


def test_a_judge_pipeline_in_two_shards_merged_equals_one_run(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, JUDGE_PIPELINE)
    assert_merged_equals_unsharded(path, tmp_path, 2)
    assert read(tmp_path / "merged" / "verify.parquet").height == 6


def test_shards_split_the_source_rows_disjointly_and_completely() -> None:
    ids = [f"src:{index}" for index in range(3000)]
    owners = [[Shard(index, 4).owns(row_id) for index in range(4)] for row_id in ids]
    assert all(sum(owned) == 1 for owned in owners)
    sizes = [sum(owned[index] for owned in owners) for index in range(4)]
    assert min(sizes) > 650, sizes  # about a quarter each, not all in one


@pytest.mark.parametrize("text", ["2/2", "1", "-1/2", "a/b", "0/0", "1/2/3"])
def test_a_malformed_shard_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)


def test_a_shard_resumed_after_its_source_stopped_midway_gives_the_same_rows(tmp_path: Path) -> None:
    """The resumed source restarts after the rows it generated, not after the fewer rows it kept."""
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet"))
    complete = run(path, tmp_path / "complete", "1/3")
    steps = tmp_path / "partial" / ".pysynth" / "steps"
    run(path, tmp_path / "partial", "1/3")
    for step in steps.iterdir():  # as if killed after the source's first two batches
        (checkpoint,) = step.iterdir()
        (checkpoint / "DONE.json").unlink()
        for shard in (checkpoint / "shards").glob("*.parquet"):
            if int(shard.stem) >= 2:
                shard.unlink()
    resumed = run(path, tmp_path / "partial", "1/3", resume=True)
    for step, file in complete.manifest.outputs.items():
        assert read(Path(resumed.manifest.outputs[step])).equals(read(Path(file))), step
    assert resumed.manifest.steps["src"].rows_out == complete.manifest.steps["src"].rows_out


def test_a_resume_as_another_shard_or_unsharded_is_refused(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet"))
    run(path, tmp_path / "out", "0/2")
    with pytest.raises(PipelineRunError, match=r"was run as shard 0/2: resume it with --shard 0/2"):
        run(path, tmp_path / "out", "1/2", resume=True)
    with pytest.raises(PipelineRunError, match=r"was run as shard 0/2"):
        run(path, tmp_path / "out", resume=True)
    run(path, tmp_path / "plain")
    with pytest.raises(PipelineRunError, match="was run unsharded: resume it without --shard"):
        run(path, tmp_path / "plain", "0/2", resume=True)
    assert run(path, tmp_path / "out", "0/2", resume=True).manifest.shard == "0/2"


def test_merge_refuses_what_is_not_one_complete_set_of_shards(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet"))
    other = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet").replace("count: 40", "count: 41"),
                           name="other.yaml")
    for index in range(3):
        run(path, tmp_path / f"s{index}", f"{index}/3")
    run(other, tmp_path / "other1", "1/3")
    run(path, tmp_path / "half0", "0/2")
    run(path, tmp_path / "plain")
    cases = {
        "shards 2/3 are missing": [tmp_path / "s0", tmp_path / "s1"],
        "shard 1/3 is also": [tmp_path / "s0", tmp_path / "s1", tmp_path / "s1", tmp_path / "s2"],
        "ran another pipeline or configuration": [tmp_path / "s0", tmp_path / "other1", tmp_path / "s2"],
        "split the rows differently": [tmp_path / "s0", tmp_path / "half0"],
        "not a shard run": [tmp_path / "plain"],
        "no run.json": [tmp_path / "s0", tmp_path / "nowhere"],
    }
    for message, directories in cases.items():
        with pytest.raises(InputError, match=message):
            merge_runs(directories, tmp_path / "merged")
        assert not (tmp_path / "merged" / "run.json").exists()
    manifest = json.loads((tmp_path / "s2" / "run.json").read_text())
    (tmp_path / "s2" / "run.json").write_text(json.dumps({**manifest, "shard": "two of three"}))
    with pytest.raises(InputError, match=r"s2/run.json: shard: 'two of three' is not I/N"):
        merge_runs([tmp_path / "s0", tmp_path / "s1", tmp_path / "s2"], tmp_path / "merged")
    (tmp_path / "s2" / "run.json").write_text("{not json")
    with pytest.raises(InputError, match=r"s2/run.json: not a pysynth run manifest"):
        merge_runs([tmp_path / "s0", tmp_path / "s1", tmp_path / "s2"], tmp_path / "merged")


def test_merge_protects_its_inputs_and_an_earlier_merge(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet"))
    shards = [tmp_path / "s0", tmp_path / "s1"]
    for index, directory in enumerate(shards):
        run(path, directory, f"{index}/2")
    with pytest.raises(InputError, match="must not be one of the shard runs"):
        merge_runs(shards, tmp_path / "s1")
    merge_runs(shards, tmp_path / "merged")
    with pytest.raises(InputError, match="holds a run already: pass --overwrite"):
        merge_runs(shards, tmp_path / "merged")
    assert merge_runs(shards, tmp_path / "merged", overwrite=True).status == "completed"
    shutil.rmtree(tmp_path / "s0" / ".pysynth" / "steps" / "parts")
    with pytest.raises(InputError, match=r"s0/.pysynth/steps/parts/\w+: missing: merge reads the rows from the "
                                         r"shard's checkpoints, keep .pysynth until the shards are merged"):
        merge_runs(shards, tmp_path / "again")
    assert not (tmp_path / "again" / "run.json").exists()


def test_an_interrupted_shard_is_refused_by_merge(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, ROWS_PIPELINE.format(format="parquet"))
    shards = [tmp_path / "s0", tmp_path / "s1"]
    for index, directory in enumerate(shards):
        run(path, directory, f"{index}/2")
    manifest = json.loads((shards[1] / "run.json").read_text())
    manifest["status"] = "interrupted"
    (shards[1] / "run.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="s1: the run is interrupted, not completed: resume it first"):
        merge_runs(shards, tmp_path / "merged")


def test_shard_and_merge_from_the_command_line(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, """
    name: cli_shards
    steps:
      - {name: src, type: make_rows, params: {count: 12, columns: {topic: "topic number {i}"}}}
      - {name: unique, type: near_dedup, params: {column: topic, threshold: 0.99, ngram: 1}}
    """)
    cli = [sys.executable, "-m", "pysynth.cli"]
    for index in range(2):
        done = subprocess.run([*cli, "run", str(path), "-o", str(tmp_path / f"s{index}"), "--shard", f"{index}/2",
                               "-q"], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    merged = subprocess.run([*cli, "merge", str(tmp_path / "s0"), str(tmp_path / "s1"), "-o", str(tmp_path / "m")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert merged.returncode == 0, merged.stderr
    assert "note: global steps ran per shard, over each shard's rows only: unique" in merged.stdout
    topics = pl.read_parquet(tmp_path / "m" / "unique.parquet")["topic"].to_list()
    assert topics == [f"topic number {i}" for i in range(12)]  # merged in the source's order
    bad = subprocess.run([*cli, "run", str(path), "-o", str(tmp_path / "bad"), "--shard", "2/2"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --shard 2/2: the index must be in 0..N-1 and N at " \
                                                         "least 1", bad.stderr
    assert not (tmp_path / "bad").exists()
    missing = subprocess.run([*cli, "merge", str(tmp_path / "s0"), "-o", str(tmp_path / "m2")],
                             capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 2 and missing.stderr.strip() == "error: merge: shards 1/2 are missing", missing.stderr
    shutil.rmtree(tmp_path / "m")
