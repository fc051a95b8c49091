"""Files that would exhaust memory or time, or cannot be read, fail at once with one located line.

Bounds are asserted on what the loader allocates (tracemalloc) or on a subprocess's timeout, never
on a measured duration, so a loaded machine cannot make these tests flake.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from pysynth.errors import SpecError
from pysynth.spec import load_spec
from pysynth.spec.reading import MAX_FILE_BYTES
from pysynth.spec.yaml_limits import MAX_ALIAS_CHARS, MAX_DEPTH

HERE = Path(__file__).parent
PEAK_BYTES = 16 * 1024 * 1024  # what loading a small file may allocate at most, parser included
SEED = "  - name: seed\n    type: make_rows\n    params: {count: 3}\n"


def load_error(path: Path, overrides: list[str] | None = None) -> tuple[str, int]:
    """The error message of loading `path`, and the peak of memory allocated while loading it."""
    tracemalloc.start()
    try:
        with pytest.raises(SpecError) as raised:
            load_spec(path, overrides or [], env={})
        return str(raised.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_billion_laughs_fails_before_expanding_and_stays_small() -> None:
    message, peak = load_error(HERE / "malformed" / "yaml_alias_bomb.yaml")
    assert ": aliases expand to more than 100000 values" in message and "\n" not in message
    assert peak < PEAK_BYTES, f"loading the alias bomb allocated {peak} bytes"


def test_an_alias_of_a_long_text_counts_its_characters(tmp_path: Path) -> None:
    text = "x" * (MAX_ALIAS_CHARS // 8)
    copies = ", ".join(["*t"] * 9)
    path = tmp_path / "texts.yaml"
    path.write_text(f'long: &t "{text}"\nname: demo\ndescription: [{copies}]\nsteps:\n{SEED}')
    message, peak = load_error(path)
    assert message.startswith(f"{path}:3:") and f"more than {MAX_ALIAS_CHARS} characters of text" in message
    assert peak < PEAK_BYTES + 2 * len(text), f"loading allocated {peak} bytes"


def test_aliases_and_merge_keys_within_the_limits_still_load(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text("name: demo\nsteps:\n  - &seed {name: seed, type: make_rows, params: {count: 3}}\n"
                    "  - <<: *seed\n    name: more\n    inputs: []\n")
    spec = load_spec(path, env={}).spec
    assert [(step.name, step.params) for step in spec.steps] == [("seed", {"count": 3}), ("more", {"count": 3})]


def test_deep_flow_nesting_stops_at_the_bracket_past_the_limit(tmp_path: Path) -> None:
    # ruamel's scanner does work per `[` that grows with the depth: 200,000 of them would never end.
    path = tmp_path / "deep.yaml"
    path.write_text("name: demo\nsteps: " + "[" * 200_000)
    code = (f"from pysynth.spec import load_spec\ntry: load_spec({str(path)!r}, env={{}})\n"
            "except Exception as e: print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    expected = f"{path}:2:{8 + MAX_DEPTH}: the document nests more than {MAX_DEPTH} levels deep\n"
    assert done.stdout == expected, done.stderr


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: demo\nsteps:\n" + "".join("  " * depth + "- \n" for depth in range(2 * MAX_DEPTH)))
    message, peak = load_error(path)
    assert message.endswith(f": the document nests more than {MAX_DEPTH} levels deep") and peak < PEAK_BYTES


def test_limits_apply_to_set_overrides(tmp_path: Path) -> None:
    path = tmp_path / "fine.yaml"
    path.write_text(f"name: demo\nsteps:\n{SEED}")
    levels = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    override = f"steps.seed.params.columns=[{', '.join(levels)}]"
    message, peak = load_error(path, [override])
    assert message.startswith(f"{path}: --set {override}: aliases expand to more than 100000 values")
    assert peak < PEAK_BYTES


def test_a_directory_is_not_a_pipeline_file(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.mkdir()
    assert load_error(path)[0] == f"{path}: is a directory, not a pipeline file"


def test_a_broken_link_names_its_target(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").symlink_to("moved/pipeline.yaml")
    assert load_error(tmp_path / "pipeline.yaml")[0] == (
        f"{tmp_path / 'pipeline.yaml'}: the link points to 'moved/pipeline.yaml', which does not exist")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    # A FIFO would wait for a writer forever, /dev/zero would fill the memory.
    path = Path("/dev/zero") if kind == "device" else tmp_path / "pipe.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    assert load_error(path)[0] == f"{path}: is not a regular file (a device, FIFO or socket cannot be a pipeline file)"


def test_a_file_past_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, only its size counts
    message, peak = load_error(path)
    assert message.startswith(f"{path}: the file has {MAX_FILE_BYTES + 1} bytes, more than a pipeline file may have")
    assert peak < PEAK_BYTES


def test_a_bad_byte_is_located_in_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: démo\ndescription: ça coûte 5 €\nsteps: []\n".encode() + b"# \xff\n")
    message = load_error(path)[0]
    assert message == f"{path}:4:3: the file is not UTF-8 text: byte 0xff (invalid start byte); save it as UTF-8"


@pytest.mark.parametrize("fixture", ["yaml_alias_bomb.yaml", "yaml_too_deep.yaml", "not_utf8.yaml"])
def test_the_command_line_prints_one_line_and_exits_2(fixture: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pysynth.cli", "validate", f"malformed/{fixture}"], cwd=HERE,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.startswith(f"error: malformed/{fixture}:")
    assert done.stderr.count("\n") == 1, done.stderr
