"""pysynth.deferred_imports: a compile with distilabel's run-only modules deferred equals one without,
and every deferred module becomes the real one the moment something uses it.

Each check runs in a fresh interpreter: the deferral acts only in a process that has not imported
distilabel yet (as `pysynth validate` is).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = sorted((ROOT / "pipelines").glob("*.yaml"))
MALFORMED = sorted((ROOT / "tests" / "spec" / "malformed").glob("*.yaml"))

# Compiles each file named on the command line (deferred or not) and prints one JSON line per file:
# its distilabel serialization and every step's kind, inputs and outputs; or its one-line error.
COMPILE_ALL = """
import contextlib, json, sys
from pysynth.deferred_imports import deferred_distilabel
from pysynth.errors import PysynthError
deferred = sys.argv[1] == "deferred"
with deferred_distilabel() if deferred else contextlib.nullcontext():
    from pysynth.dag import compile_pipeline, distilabel_yaml
    from pysynth.spec import load_spec
for path in sys.argv[2:]:
    try:
        compiled = compile_pipeline(load_spec(path, []))
    except PysynthError as error:
        result = {"file": path, "error": str(error)}
    else:
        steps = {name: [node.kind.value, list(node.step.inputs), list(node.step.outputs), node.fingerprint]
                 for name, node in compiled.nodes.items()}
        result = {"file": path, "steps": steps, "exports": list(compiled.exports), "yaml": distilabel_yaml(compiled)}
    # Loaded by now: what the deferral saves (a fixture naming an unknown distilabel step runs the real
    # `distilabel.steps` __init__ for its did-you-mean, and so loads them: hence the pipelines come first).
    result["heavy"] = sorted(name for name in ("datasets", "pandas") if name in sys.modules)
    print(json.dumps(result))
"""


def compile_all(mode: str, files: list[Path]) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-c", COMPILE_ALL, mode, *map(str, files)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_every_pipeline_and_malformed_file_compiles_the_same_deferred_or_not() -> None:
    files = PIPELINES + MALFORMED
    deferred, eager = compile_all("deferred", files), compile_all("eager", files)
    assert len(deferred) == len(eager) == len(files)
    assert eager[0]["heavy"] == ["datasets", "pandas"]
    for result in eager:
        result.pop("heavy")
    heavy = [result.pop("heavy") for result in deferred]
    for left, right in zip(deferred, eager, strict=True):
        assert left == right, left["file"]
    compiled = {result["file"] for result in deferred if "yaml" in result}
    assert compiled >= {str(path) for path in PIPELINES}, "every shipped pipeline compiles"
    assert len(compiled) < len(files), "most malformed fixtures fail to compile (some fail only when run)"
    assert heavy[len(PIPELINES) - 1] == [], "compiling the shipped pipelines loaded distilabel's run-only modules"


# Deferred, then used: each deferred module turns into the real one.
USE_AFTER = """
import sys
from pysynth.deferred_imports import deferred_distilabel
with deferred_distilabel():
    from distilabel.steps import KeepColumns
    from distilabel.pipeline import Pipeline
    import distilabel.pipeline.base as base
assert "datasets" not in sys.modules and "distilabel.steps.clustering" not in sys.modules
assert base.create_distiset.__name__ == "create_distiset" and base.create_distiset.__module__ == "distilabel.distiset"

import distilabel.steps as steps
assert "TextClustering" in steps.__all__  # a name the package defines itself: its real __init__ ran
from distilabel.steps import TextClustering
assert "distilabel.steps.clustering" in sys.modules and not hasattr(steps, "__getattr__")

from distilabel.distiset import Distiset  # not a stand-in: the real module loads
import datasets
assert Distiset.__module__ == "distilabel.distiset" and sys.modules["distilabel.distiset"].__loader__ is not None
try:
    base.create_distiset()  # the stand-in calls the real function, with its own error
except TypeError as error:
    assert "data_dir" in str(error), error
else:
    raise AssertionError("create_distiset() without arguments should fail")
try:
    steps.NoSuchStep
except AttributeError as error:
    assert "NoSuchStep" in str(error)
print("ok")
"""


def test_a_deferred_module_is_the_real_one_once_used() -> None:
    done = subprocess.run([sys.executable, "-c", USE_AFTER], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize("situation", ["other version", "already imported"])
def test_the_deferral_does_nothing_it_does_not_know(situation: str) -> None:
    prelude = ("import pysynth.deferred_imports as d; d.FOR_VERSION = '0.0'" if situation == "other version"
               else "import distilabel; import pysynth.deferred_imports as d")
    code = f"""
import sys
{prelude}
with d.deferred_distilabel():
    from distilabel.steps import KeepColumns
print("datasets" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True", "an unknown version or a loaded distilabel must import as usual"
