#!/usr/bin/env bash
# Create or update .venv with the dev, local (embedded model) and train (trl, torch) extras, then run the Rust and Python test suites.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv dev,local,train,ray

cd "$ROOT"
export PYO3_PYTHON="$PY"
echo "==> cargo test"
cargo test --workspace --quiet
echo "==> pytest"
"$PY" -m pytest -q
