"""Small real runs for the report tests: pipelines written to a tmp directory and run by `run_pipeline`.

`demo`: a source, a filter that drops the odd topics, an LLM step answered by the fault-injecting test
server over real HTTP, and a map that scores each row with a QueST-style `delta`: every plot of the
manifest (funnel, tokens, latency) and one difficulty signal. `concepts`: QueST's prompt sampler over
seeds with concepts, which saves the concept graph. `failed`: a run whose global step raises.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline

SCORES_MODULE = '''
def score(row):
    return {"delta": int(row["topic"][1:]) / 12}
'''

DEMO = """
name: report-demo
defaults:
  batch_size: 4
  llm: {base_url: "${BASE_URL}", model: test-model, max_retries: 3, timeout_s: 10}
steps:
  - {name: src, type: make_rows, params: {count: 12, columns: {topic: "t{i}"}}}
  - {name: evens, type: filter, params: {function: "user_steps:even_only", input_columns: [topic]}}
  - {name: gen, type: generate, params: {template: "Write about {topic}"}}
  - {name: scored, type: map, params: {function: "report_steps:score", input_columns: [topic], output_columns: [delta]}}
export:
  steps: [evens, scored]
  card: {license: apache-2.0, tags: [code, test-run]}
"""

CONCEPT_SEEDS = [
    {"seed_id": "s0", "statement": "Sum an array.", "concepts": ["arrays", "prefix sums"], "topics": ["arrays"],
     "difficulty": 0.2},
    {"seed_id": "s1", "statement": "Shortest path.", "concepts": ["graphs", "dijkstra", "heaps"], "topics": ["graphs"],
     "difficulty": 0.7},
    {"seed_id": "s2", "statement": "Range queries.", "concepts": ["arrays", "segment trees", "prefix sums"],
     "topics": ["arrays"], "difficulty": 0.6},
]

CONCEPTS = """
name: report-concepts
steps:
  - {name: seeds, type: load_file, params: {path: seeds.jsonl}}
  - {name: sample, type: quest_sample_prompts, params: {prompts: 4, max_steps: 3, few_shot: 1, seed: 0}}
"""

FAILED = """
name: report-failed
steps:
  - {name: src, type: make_rows, params: {count: 5, columns: {topic: "t{i}"}}}
  - {name: evens, type: filter, params: {function: "user_steps:even_only", input_columns: [topic]}}
  - {name: boom, type: tests.runtime.global_steps.CrashingGlobal}
"""


def run_demo(directory: Path, base_url: str) -> Path:
    (directory / "report_steps.py").write_text(SCORES_MODULE)
    spec = load_spec(write_pipeline(directory, DEMO), [], env={"BASE_URL": base_url})
    run_pipeline(compile_pipeline(spec), directory / "out")
    return directory / "out"


def run_concepts(directory: Path) -> Path:
    (directory / "seeds.jsonl").write_text("".join(json.dumps(seed) + "\n" for seed in CONCEPT_SEEDS))
    run_pipeline(compile_pipeline(load_spec(write_pipeline(directory, CONCEPTS), [])), directory / "out")
    return directory / "out"


def run_failed(directory: Path) -> Path:
    with pytest.raises(PipelineRunError, match="global boom"):
        run_pipeline(compile_pipeline(load_spec(write_pipeline(directory, FAILED), [])), directory / "out")
    return directory / "out"
