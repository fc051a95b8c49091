# Sourced by quickstart.sh and test.sh: creates or updates .venv with pysynth built from source.
# Usage: ensure_venv [EXTRAS]   (e.g. ensure_venv dev)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

fail() { echo "error: $*" >&2; exit 1; }

# The real interpreter behind any pyenv-style shim: shims add seconds to every call.
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    fail "pysynth needs Python >= 3.11 (set PYTHON=/path/to/python3.11)"
}

# Debian packages the project needs at run time (g++ for the judge's C++ runner).
ensure_debian_packages() {
    local missing=()
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || fail "please install: ${missing[*]}"
    echo "==> installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
    local extras="${1:-}"
    command -v cargo >/dev/null 2>&1 || fail "cargo is not on PATH: the Rust extension needs a Rust toolchain (rustup)"
    ensure_debian_packages
    if [ ! -x "$PY" ]; then
        echo "==> creating $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip "maturin>=1.7,<2"
    echo "==> building and installing pysynth${extras:+[$extras]} (Rust extension in release mode)"
    # No build isolation: maturin is already in the venv, and cargo's target/ cache is reused.
    "$PY" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
        --editable "$ROOT${extras:+[$extras]}"
}
