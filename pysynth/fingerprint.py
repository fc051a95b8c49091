"""A step's checkpoint fingerprint: the hash of everything that determines its rows.

Hashed: the step class's import path; its constructor arguments (name, column mappings, params, a
source's batch size), each `path_params` file replaced by a digest of its contents (a directory: its
files' relative paths and contents), so a dataset edited in place re-runs its readers and one moved
elsewhere does not; what the step reports as `Fingerprinted` (a user function's source); an LLM step's
request besides the prompt (`pysynth.dag.llm.request_identity`: model, api, n_mode and the generation
kwargs as sent, with `json_schema` resolved to its JSON Schema and `regex`); how several inputs are
joined; and the parents' prints, so a change reaches the step's descendants and nothing else.

Not hashed, so editing them keeps the checkpoints: concurrency, workers, timeouts, retries, request
caps, where requests go (base_url, endpoints, endpoints_file), the servers a run starts (launch, local)
and caching.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pysynth.steps.contract import Fingerprinted, path_params

if TYPE_CHECKING:
    from pysynth.steps.adapter import AnyStep

PRINT_CHARS = 16  # hex digits kept: the name of the step's checkpoint directory


def step_fingerprint(type_path: str, step: AnyStep, arguments: Mapping[str, Any], request: Mapping[str, Any] | None,
                     parents: Sequence[str], join: str | None) -> str:
    """`arguments` are the step's constructor arguments with `path_params` already absolute paths."""
    hashed = dict(arguments)
    for key in path_params(type(step)):
        if isinstance(hashed.get(key), str):
            hashed[key] = {"contents": content_digest(Path(hashed[key]))}
    content = {
        "type": type_path,
        "arguments": hashed,
        "code": step.fingerprint() if isinstance(step, Fingerprinted) else None,
        "request": request,
        "join": join,
        "parents": list(parents),
    }
    encoded = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:PRINT_CHARS]


def content_digest(path: Path) -> str:
    """sha256 of a file's bytes, or of a directory's files (relative path and digest of each, sorted).

    Files are streamed, so a multi-GB dataset costs time but not memory.
    """
    if not path.is_dir():
        return _file_digest(path)
    digest = hashlib.sha256()
    for relative, file in sorted((item.relative_to(path).as_posix(), item) for item in path.rglob("*")
                                 if item.is_file()):
        digest.update(f"{relative}\0{_file_digest(file)}\n".encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
