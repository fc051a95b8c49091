#!/usr/bin/env bash
# Create or update .venv with the dev and local (embedded model) extras, then run the Rust and Python test suites.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/venv.sh"
ensure_venv dev,local

cd "$ROOT"
export PYO3_PYTHON="$PY"
echo "==> cargo test"
cargo test --workspace --quiet
echo "==> pytest"
"$PY" -m pytest -q
