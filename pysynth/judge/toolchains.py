"""Where each language's compiler or runtime lives on this host, found once per process.

The sandbox shows only the system directories (`/usr`, `/etc`, ...) and what a pool adds, so a
toolchain installed elsewhere (a rustup sysroot under `~/.rustup`, a JDK under `/opt`) must be
shown explicitly: `toolchain_dirs` lists those, and the pool binds them read-only."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64")


def _real_tool(name: str) -> Path | None:
    found = shutil.which(name)
    return Path(os.path.realpath(found)) if found else None


@functools.cache
def find_java_home() -> str:
    """The JDK of `javac` on PATH (its `bin/`'s parent), else Debian's default-java."""
    javac = _real_tool("javac")
    return str(javac.parent.parent) if javac else "/usr/lib/jvm/default-java"


@functools.cache
def find_go_root() -> str:
    """The installation of `go` on PATH (Debian links /usr/bin/go into /usr/lib/go-1.N/bin)."""
    go = _real_tool("go")
    return str(go.parent.parent) if go else "/usr/lib/go"


@functools.cache
def find_node() -> str:
    node = _real_tool("node") or _real_tool("nodejs")
    return str(node) if node else "/usr/bin/node"


@functools.cache
def find_rust_sysroot() -> str | None:
    """`rustc --print sysroot` of the rustc on PATH (a rustup proxy resolves its toolchain), or
    None when there is no rustc. Every finder here asks once per process: a JudgeConfig is built
    per judge call."""
    rustc = shutil.which("rustc")
    if rustc is None:
        return None
    try:
        answer = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return os.path.realpath(answer.stdout.strip()) or None


def outside_system_dirs(paths: list[str | None]) -> tuple[str, ...]:
    """The given toolchain directories that the sandbox would not show by itself."""
    real = (os.path.realpath(path) for path in paths if path)
    return tuple(sorted({path for path in real if not any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS)}))
