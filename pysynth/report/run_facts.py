"""What a report reads from a run directory: the manifest, the pipeline file, and each export's shape.

Read once, up front, so the card, the plots and the page all show the same facts. Only what the
report needs is read from an export (its schema, its row count, a few numeric columns), never the
whole table: a report is written at the end of every run, whatever the size of its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pysynth.errors import ReportError
from pysynth.runtime.manifest import MANIFEST_NAME, RunManifest, read_manifest

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class ExportFile:
    step: str
    path: Path
    format: str  # "parquet" or "jsonl"
    rows: int
    schema: pl.Schema

    def scan(self) -> pl.LazyFrame:
        return _scan(self.path, self.format)


@dataclass(frozen=True)
class RunFacts:
    output: Path
    manifest: RunManifest
    spec_text: str | None  # None: the pipeline file is gone (or unreadable) since the run
    spec: dict[str, Any]  # the pipeline file as plain YAML values; {} without one
    exports: list[ExportFile]
    unreadable_exports: dict[str, str]  # step -> why its file cannot be shown (gone, or not a table)


def read_run(output: Path) -> RunFacts:
    manifest = _manifest(output)
    spec_text = _spec_text(Path(manifest.spec_file))
    exports: list[ExportFile] = []
    unreadable: dict[str, str] = {}
    for step, file in manifest.outputs.items():
        path = _export_path(output, Path(file))
        if path is None:
            unreadable[step] = f"{file}: no such file"
            continue
        try:
            exports.append(_export_file(step, path))
        except ReportError as error:
            unreadable[step] = str(error)
    return RunFacts(output, manifest, spec_text, _plain_yaml(spec_text), exports, unreadable)


def _manifest(output: Path) -> RunManifest:
    if not (output / MANIFEST_NAME).is_file():
        raise ReportError(f"{output}: no {MANIFEST_NAME}: not the output directory of a pysynth run")
    try:
        return read_manifest(output)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ReportError(f"{output / MANIFEST_NAME}: not a run manifest: {where}: {first['msg']}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{output / MANIFEST_NAME}: cannot read: {error}") from None


def _spec_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _plain_yaml(text: str | None) -> dict[str, Any]:
    """The pipeline as plain values (env placeholders such as ${BASE_URL} left as written): the report
    only looks up model names and the card block, and must not fail where the run's environment is gone."""
    if text is None:
        return {}
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        loaded = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _export_path(output: Path, recorded: Path) -> Path | None:
    """A run writes its exports beside run.json (`pysynth.runtime.exports`), and the manifest records them
    by absolute path: looked up by name in `output`, so a moved or copied run directory reports its own files."""
    path = output / recorded.name
    return path if path.is_file() else None


def _export_file(step: str, path: Path) -> ExportFile:
    file_format = "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "parquet"
    import polars as pl

    scan = _scan(path, file_format)
    try:
        schema = scan.collect_schema()
        rows = int(scan.select(pl.len()).collect().item())
    except Exception as error:  # noqa: BLE001 - polars raises several unrelated types for a corrupt file
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReportError(f"{path}: cannot read as {file_format}: {first_line}") from None
    return ExportFile(step, path, file_format, rows, schema)


def _scan(path: Path, file_format: str) -> pl.LazyFrame:
    import polars as pl

    return pl.scan_parquet(path) if file_format == "parquet" else pl.scan_ndjson(path)
