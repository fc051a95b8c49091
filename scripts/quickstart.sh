#!/usr/bin/env bash
# Set up pysynth in .venv and run the main job on the embedded default.
# The main job, until the embedded LLM lands, is an LLM-free pipeline: near-duplicate removal.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv

cd "$ROOT"
output="$ROOT/out/dedup_demo"
echo "==> pysynth run pipelines/dedup_demo.yaml"
"$VENV/bin/pysynth" run pipelines/dedup_demo.yaml --output "$output" --overwrite --quiet
echo "==> done: the kept rows are in $output/export.parquet, the run manifest in $output/run.json"
