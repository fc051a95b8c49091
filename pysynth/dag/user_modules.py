"""User modules next to a pipeline file (`map`/`filter` functions, step classes, json_schema models)
import like installed ones, but only while pysynth needs them.

Compiling imports them to check the names and fingerprint the code; a run imports them again when its
steps load, and its worker processes (spawned: they start with the parent's `sys.path`) when they
rebuild their steps. Each holds the pipeline's folder on `sys.path` for exactly that long, so
`compile_pipeline` leaves `sys.path` as it found it. Compiling also writes no bytecode: validating a
file must not leave a `__pycache__` folder beside it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def importable_from(folder: Path, *, write_bytecode: bool = True) -> Iterator[None]:
    """`folder` first on `sys.path` inside the block (unless it is there already), removed after it."""
    entry = str(folder.resolve())
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    saved_bytecode_setting = sys.dont_write_bytecode
    sys.dont_write_bytecode = saved_bytecode_setting or not write_bytecode
    try:
        yield
    finally:
        sys.dont_write_bytecode = saved_bytecode_setting
        if added and entry in sys.path:
            sys.path.remove(entry)
