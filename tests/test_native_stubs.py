"""The extension's type stubs (pysynth/_native.pyi) agree with the compiled module."""

from __future__ import annotations

import subprocess
import sys


def test_stubs_match_the_extension() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "pysynth._native"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
