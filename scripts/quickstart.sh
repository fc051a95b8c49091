#!/usr/bin/env bash
# Set up pysynth in .venv and run the main job on the embedded default.
# The main job, until the pipeline runtime lands, deduplicates a small shipped corpus.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv

cd "$ROOT"
output="$ROOT/out/dedup_demo.parquet"
echo "==> pysynth dedup pipelines/data/dedup_demo.jsonl"
"$VENV/bin/pysynth" dedup pipelines/data/dedup_demo.jsonl --column text --ngram 3 --threshold 0.7 --output "$output"
echo "==> done: the kept rows are in $output"
