"""pipelines/curate_then_quest.yaml as shipped: MicroCoder's curated problems seed QueST in the same DAG,
and the union of real and generated problems is deduplicated and exported in one layout.

A scripted model over the real OpenAI wire protocol answers both halves (the MicroCoder answers of
test_microcoder_pipeline.py, and one QueST problem whose four solutions split 3-1), so the counts are
known; the embedded model's run is measured in the closing note, not here: it repeats two runs' worth
of model time that test_microcoder_pipeline.py and test_quest_pipeline.py already spend.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.steps.microcoder.test_microcoder_pipeline import PIPELINES, script
from tests.support.openai_server import OpenAIServer

GENERATED = ("QGEN. Given an integer n (1 <= n <= 10^9), print 1 + 2 + ... + n. Input: one line with n. "
             "Output: one integer. Example: input 3, output 6.")
SUM = "```python\nn = int(input())\nprint(n * (n + 1) // 2)\n```"
SQUARE = "```python\nn = int(input())\nprint(n * n)\n```"
QUEST_SCRIPT = [
    {"match": "Write ONE new problem", "replies": [GENERATED]},
    {"match": "name the concepts", "replies": [json.dumps({"topics": ["math"], "knowledge_points": ["arithmetic series"]})]},
    {"match": "test inputs for the programming problem", "replies": ['{"inputs": ["3\\n", "10\\n", "7\\n", "5\\n"]}']},
    {"match": ["Solve the following", "QGEN"], "replies": [SUM, SUM, SQUARE, SUM]},
]


def test_curated_problems_seed_quest_and_both_are_exported_together(tmp_path: Path) -> None:
    with OpenAIServer(script=QUEST_SCRIPT + script()) as server:
        overrides = ["defaults.llm.backend=openai", f"defaults.llm.base_url={server.base_url}",
                     "defaults.llm.model=test-model", "defaults.llm.local=null"]
        result = run_pipeline(compile_pipeline(load_spec(PIPELINES / "curate_then_quest.yaml", overrides)),
                              tmp_path / "out")
    assert result.manifest.status == "completed", result.manifest.error
    steps = result.manifest.model_dump(mode="json")["steps"]
    assert steps["select"]["rows_out"] == 5 and steps["seeds"]["rows_out"] == 5
    # The seeds' levels come from their calibrated pass rates (the wrong answers pass nothing: level 5).
    seeds = pl.concat([pl.read_parquet(path) for path in
                       (tmp_path / "out" / ".pysynth" / "steps" / "seeds").rglob("shards/*.parquet")], how="diagonal_relaxed")
    assert set(seeds["difficulty"]) == {5}
    assert steps["problems"]["rows_out"] == 2 and steps["chosen"]["rows_out"] == 1
    assert steps["union"]["rows_in"] == 6 and steps["union"]["rows_out"] == 6

    rl = pl.read_parquet(tmp_path / "out" / "rl.parquet").to_dicts()
    generated = [row for row in rl if row["source"] == "quest"]
    assert len(rl) == 6 and len(generated) == 1
    assert generated[0]["prompt"].startswith("### Question:\nQGEN.")
    assert json.loads(generated[0]["tests"]) == [
        {"input": "3\n", "output": "6\n", "testtype": "stdin"}, {"input": "10\n", "output": "55\n", "testtype": "stdin"},
        {"input": "7\n", "output": "28\n", "testtype": "stdin"}, {"input": "5\n", "output": "15\n", "testtype": "stdin"}]
    # Generated problems have no verified solution: SFT is the real problems' references only.
    assert steps["sft"]["rows_out"] == 2 and steps["sft"]["dropped_by_reason"] == {"export: no verified solution": 4}
    assert pl.read_parquet(tmp_path / "out" / "rft.parquet").height == 1
