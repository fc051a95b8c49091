"""A pipeline file -> its text, or a one-line `SpecError` saying why it cannot be read.

Only a regular file is read, and at most `MAX_FILE_BYTES` of it: a directory, a device such as
/dev/zero or a FIFO would otherwise raise, never end, or wait for a writer. Bytes that are not
UTF-8 are reported at the line and column where the first bad one sits, as an editor counts them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pysynth.errors import SpecError

# Pipelines are hand-written; a bigger file is a data set given by mistake (load it with load_file).
MAX_FILE_BYTES = 4 * 1024 * 1024


def read_pipeline_text(path: Path) -> str:
    data = _read_bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpecError(f"{path}:1:1: the file is UTF-16 text: save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        raise SpecError(f"{path}:{line}:{column}: the file is not UTF-8 text: byte 0x{data[exc.start]:02x} "
                        f"({exc.reason}); save it as UTF-8") from None


def _read_bytes(path: Path) -> bytes:
    try:
        status = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise SpecError(f"{path}: the link points to '{os.readlink(path)}', which does not exist") from None
        raise SpecError(f"{path}: no such pipeline file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the pipeline file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(status.st_mode):
        raise SpecError(f"{path}: is a directory, not a pipeline file")
    if not stat.S_ISREG(status.st_mode):
        raise SpecError(f"{path}: is not a regular file (a device, FIFO or socket cannot be a pipeline file)")
    if status.st_size > MAX_FILE_BYTES:
        raise SpecError(f"{path}: the file has {status.st_size} bytes, more than a pipeline file may have "
                        f"({MAX_FILE_BYTES}); put data in a file that a load_file step reads")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the pipeline file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew since stat()
        raise SpecError(f"{path}: the file has more than {MAX_FILE_BYTES} bytes, more than a pipeline file may have")
    return data


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, the bad byte's own included) of byte `offset`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    before = data[line_start:offset].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, offset) + 1, len(before) + 1
