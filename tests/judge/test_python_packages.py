"""Python solutions get the standard library only, unless `python_packages` grants more."""

from __future__ import annotations

from pathlib import Path

import numpy

from pysynth import judge as J
from pysynth.errors import ConfigError

import pytest

SITE_PACKAGES = str(Path(numpy.__file__).resolve().parents[1])
USES_NUMPY = J.Solution("python", "import numpy as np\nprint(int(np.arange(int(input())).sum()))\n")


def test_the_default_is_the_standard_library_only() -> None:
    result = J.run([USES_NUMPY], [J.Test("5\n", "10\n")], workers=1)
    run = result.runs[0][0]
    assert run.verdict == J.Verdict.RUNTIME_ERROR and b"ModuleNotFoundError: No module named 'numpy'" in run.stderr
    assert result.python_environment.endswith("(standard library only)")


def test_python_packages_make_extra_packages_importable_read_only() -> None:
    source = USES_NUMPY.source + """
import numpy, os
try:
    open(os.path.join(os.path.dirname(numpy.__file__), "x"), "w")
except OSError as error:
    print(type(error).__name__)
"""
    result = J.run([J.Solution("python", source)], [J.Test("5\n")], workers=1, memory_limit="512M",
                   python_packages=(SITE_PACKAGES,))
    run = result.runs[0][0]
    assert run.verdict == J.Verdict.FINISHED, run.stderr[-500:]
    assert run.stdout in (b"10\nOSError\n", b"10\nPermissionError\n"), run.stdout
    assert SITE_PACKAGES in result.python_environment


def test_a_missing_package_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="python_packages"):
        J.run([USES_NUMPY], [J.Test("5\n")], python_packages=(str(tmp_path / "nope"),))
