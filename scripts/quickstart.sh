#!/usr/bin/env bash
# Set up pysynth in .venv (with the embedded CPU model) and run the main job on it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv local,train

cd "$ROOT"
output="$ROOT/out/generate_demo"
echo "==> pysynth run pipelines/generate_demo.yaml (the embedded Qwen2.5-Coder-0.5B-Instruct on llama.cpp, CPU only)"
"$VENV/bin/pysynth" run pipelines/generate_demo.yaml --output "$output" --overwrite --quiet
echo "==> the first generated problem:"
"$PY" -c 'import sys, polars
row = polars.read_parquet(sys.argv[1]).row(0, named=True)
print("[topic: " + row["topic"] + "]")
print(row["problem"])
print()' "$output/tidy.parquet"
echo "==> done: all the generated problems are in $output/tidy.parquet, the run manifest in $output/run.json"
echo "    (a 0.5B model on CPU: it shows the pipeline end to end offline; use real servers for real data)"
