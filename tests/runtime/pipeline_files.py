"""Writes small pipelines (YAML + a user module of row functions) into a test's tmp directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl

USER_MODULE = '''
def shout(row):
    return {"loud": row["generation"].upper()}

def explode_me(row):
    return [{"part": f"{row['topic']}-a"}, {"part": f"{row['topic']}-b"}]

def fail_on_seven(row):
    if row["topic"] == "t7":
        raise ValueError("seven is unlucky")
    return {"ok": True}

def even_only(row):
    return True if int(row["topic"][1:]) % 2 == 0 else "odd topic"

def ragged(row):
    n = int(row["topic"][1:])
    return {"extra_a": n} if n % 2 else {"extra_b": str(n)}

def add_a(row):
    return {"a": row["topic"] + "/a"}

def add_b(row):
    return {"b": row["topic"] + "/b"}

def identity(row):
    return {}

def crash_everything(rows):
    raise RuntimeError("global boom")
'''


def write_pipeline(directory: Path, body: str, name: str = "pipeline.yaml") -> Path:
    (directory / "user_steps.py").write_text(USER_MODULE)
    path = directory / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def llm_pipeline(count: int = 30, batch_size: int = 4, template: str = "Write about {topic}",
                 extra_llm: str = "") -> str:
    return f"""
    name: demo
    defaults:
      batch_size: {batch_size}
      llm: {{base_url: "${{BASE_URL}}", model: test-model, max_retries: 3, timeout_s: 10{extra_llm}}}
    steps:
      - name: src
        type: make_rows
        params: {{count: {count}, columns: {{topic: "t{{i}}"}}}}
      - name: gen
        type: generate
        params: {{template: "{template}"}}
      - name: loud
        type: map
        params: {{function: "user_steps:shout", input_columns: [generation], output_columns: [loud]}}
    """


def sorted_rows(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path).sort("_row_id")
