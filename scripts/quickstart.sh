#!/usr/bin/env bash
# Set up pysynth in .venv (with the embedded CPU model) and run the main job on it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv local,train

cd "$ROOT"
output="$ROOT/out/generate_demo"
echo "==> pysynth run pipelines/generate_demo.yaml (the embedded Gemma 3 270M on llama.cpp, CPU only)"
"$VENV/bin/pysynth" run pipelines/generate_demo.yaml --output "$output" --overwrite --quiet
echo "==> done: the generated problems are in $output/tidy.parquet, the run manifest in $output/run.json"
echo "    (the embedded model is tiny and its problems are weak: it shows the pipeline end to end offline)"
