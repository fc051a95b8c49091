"""Every pipeline shipped in pipelines/ loads and compiles (the checks of `pysynth validate`).

Variables are interpolated from an empty environment: a shipped pipeline must validate as it
stands, so each `${VAR}` it uses needs a `:-default`.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from pysynth.errors import SpecError
from pysynth.spec import load_spec
from tests.spec.test_malformed import EXPECTED as MALFORMED_MESSAGES
from tests.spec.test_malformed import MALFORMED

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # distilabel's import warns about pydantic
    from pysynth.dag import compile_pipeline

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"


def pipeline_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def invalid_pipelines(directory: Path) -> dict[str, str]:
    """`{file name: error message}` for each pipeline in `directory` that does not validate."""
    problems: dict[str, str] = {}
    for path in pipeline_files(directory):
        try:
            compile_pipeline(load_spec(path, env={}))
        except SpecError as error:
            problems[path.name] = str(error)
    return problems


def test_every_shipped_pipeline_validates() -> None:
    problems = invalid_pipelines(PIPELINES)
    assert not problems, "invalid pipelines:\n" + "\n".join(problems.values())


def test_a_broken_pipeline_is_reported(tmp_path: Path) -> None:
    shutil.copy(MALFORMED / "unknown_step_type.yaml", tmp_path / "broken.yaml")
    (tmp_path / "fine.yaml").write_text(
        "name: fine\nsteps:\n  - name: seed\n    type: make_rows\n    params: {count: 2}\n"
    )
    assert [path.name for path in pipeline_files(tmp_path)] == ["broken.yaml", "fine.yaml"]
    expected = MALFORMED_MESSAGES["unknown_step_type.yaml"].replace(
        "malformed/unknown_step_type.yaml", str(tmp_path / "broken.yaml")
    )
    assert invalid_pipelines(tmp_path) == {"broken.yaml": expected}
