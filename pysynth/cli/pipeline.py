"""`pysynth run | merge | validate | compile | schema | steps`: authoring and running YAML pipelines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pysynth.cli.options import CONTEXT, PATH, set_option
from pysynth.cli.startup import starting

if TYPE_CHECKING:
    from pysynth.dag import CompiledPipeline


def register(app: click.Group) -> None:
    for command in (run_command, merge_command, validate_command, compile_command, schema_command, steps_command):
        app.add_command(command)


def _compile(file: Path, overrides: Sequence[str], *, to_run: bool = True) -> CompiledPipeline:
    """`to_run=False` (validate, compile): what distilabel imports only to run a pipeline is deferred
    (`pysynth.deferred_imports`), ~2.5 s of a 2-core start-up."""
    from contextlib import nullcontext

    from pysynth.deferred_imports import deferred_distilabel

    with starting(), nullcontext() if to_run else deferred_distilabel():
        # distilabel's imports and the compiled steps last the whole command
        from pysynth.dag import compile_pipeline
        from pysynth.spec import load_spec

        return compile_pipeline(load_spec(file, list(overrides)))


@click.command("run", context_settings=CONTEXT)
@click.argument("file", metavar="FILE", type=PATH)
@click.option("--output", "-o", type=PATH, required=True, help="Directory for outputs, manifest and checkpoints.")
@click.option("--resume/--no-resume", default=False, help="Continue an interrupted run in OUTPUT; redo only what is "
              "missing.")
@click.option("--overwrite/--no-overwrite", default=False, help="Discard an earlier run in OUTPUT.")
@click.option("--quiet", "-q", is_flag=True, help="No live view: a status line every 30 s.")
@click.option("--no-cache", is_flag=True, help="Send every LLM request, even those whose answer the request cache "
              "of OUTPUT holds.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Write OUTPUT/report/ (dataset card, plots, index.html) at the end.")
@click.option("--shard", metavar="I/N", help="Keep only shard I of N of the source rows (by row id); combine the N "
              "outputs with `pysynth merge`.")
@set_option()
def run_command(file: Path, output: Path, resume: bool, overwrite: bool, quiet: bool, no_cache: bool, report: bool,
                shard: str | None, overrides: tuple[str, ...]) -> None:
    """Run a pipeline: one Parquet file per leaf step in OUTPUT, plus run.json.

    A failed run exits 1, an interrupted one 130 (the `PipelineRunError` classes say so); an internal
    error keeps its traceback in OUTPUT/.pysynth/error.log."""
    from pysynth.cli.failures import errors_logged_in
    from pysynth.runtime import run_pipeline
    from pysynth.runtime.run import CHECKPOINT_DIR
    from pysynth.runtime.shards import parse_shard

    share = parse_shard(shard) if shard is not None else None  # before the slow compile
    with errors_logged_in(output / CHECKPOINT_DIR):
        compiled = _compile(file, overrides)
        result = run_pipeline(compiled, output, resume=resume, overwrite=overwrite, quiet=quiet,
                              use_cache=not no_cache, shard=share, report=report)
    for name, step in result.manifest.steps.items():
        reasons = ", ".join(f"{reason}: {count}" for reason, count in step.dropped_by_reason.items())
        dropped = f", dropped {step.dropped} ({reasons})" if step.dropped else ""
        failed = f", failed {step.failed}" if step.failed else ""
        cached = f", {step.cache_hits} answers from the cache" if step.cache_hits else ""
        click.echo(f"{name}: {step.rows_in} in, {step.rows_out} out{dropped}{failed}{cached}")
    for name, path in result.outputs.items():
        click.echo(f"output {name}: {path}")
    click.echo(f"manifest: {result.manifest_path}")
    if result.report_dir is not None:
        click.echo(f"report: {result.report_dir / 'index.html'}")


@click.command("merge", context_settings=CONTEXT)
@click.argument("shards", metavar="SHARD_OUTPUT...", nargs=-1, required=True, type=PATH)
@click.option("--output", "-o", type=PATH, required=True, help="Directory for the merged outputs and run.json.")
@click.option("--overwrite/--no-overwrite", default=False, help="Replace an earlier merge in OUTPUT.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Write OUTPUT/report/ for the merged dataset.")
def merge_command(shards: tuple[Path, ...], output: Path, overwrite: bool, report: bool) -> None:
    """Combine the shard runs of one pipeline into one dataset: exports, failed/dropped rows, manifest.

    Global steps are not rerun: each shard's ran over that shard's rows only."""
    with starting():
        from pysynth.runtime.merge import global_steps, merge_runs

    manifest = merge_runs(list(shards), output, overwrite=overwrite, report=report)
    for name, step in manifest.steps.items():
        click.echo(f"{name}: {step.rows_in} in, {step.rows_out} out")
    for name, path in manifest.outputs.items():
        click.echo(f"output {name}: {path}")
    per_shard = global_steps(manifest)
    if per_shard:
        click.echo(f"note: global steps ran per shard, over each shard's rows only: {', '.join(per_shard)}; "
                   "for one over all rows, run a pipeline that reads the merged output")
    click.echo(f"manifest: {output / 'run.json'}")


@click.command("validate", context_settings=CONTEXT)
@click.argument("file", metavar="FILE", type=PATH)
@set_option()
def validate_command(file: Path, overrides: tuple[str, ...]) -> None:
    """Check a pipeline (schema, step types and parameters, inputs, columns) without running it."""
    compiled = _compile(file, overrides, to_run=False)
    steps = ", ".join(f"{name} ({node.kind.value})" for name, node in compiled.nodes.items())
    click.echo(f"{file}: OK: {len(compiled.nodes)} steps: {steps}; exports: {', '.join(compiled.exports)}")


@click.command("compile", context_settings=CONTEXT)
@click.argument("file", metavar="FILE", type=PATH)
@set_option()
def compile_command(file: Path, overrides: tuple[str, ...]) -> None:
    """Print the distilabel pipeline (distilabel's own YAML serialization) that FILE compiles to."""
    from pysynth.dag import distilabel_yaml

    click.echo(distilabel_yaml(_compile(file, overrides, to_run=False)), nl=False)


@click.command("schema", context_settings=CONTEXT)
def schema_command() -> None:
    """Print the JSON Schema of pipeline files (for editor completion)."""
    from pysynth.spec import PipelineSpec

    schema = PipelineSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pysynth pipeline"
    click.echo(json.dumps(schema, indent=2))


@click.command("steps", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def steps_command(as_json: bool) -> None:
    """List the built-in steps with their input/output columns and parameters."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    with starting():  # every step class, and so distilabel
        from pysynth.steps.catalog import catalog

        infos = catalog()
    if as_json:
        click.echo(json.dumps([asdict(info) for info in infos], indent=2))
        return
    console = Console()
    for info in infos:
        # escape(): types such as list[str] would otherwise be read as rich markup tags and vanish.
        table = Table(title=escape(f"{info.name} ({info.kind}): {info.summary}"), title_justify="left",
                      caption=escape(f"inputs: {info.inputs}   outputs: {info.outputs}   class: {info.import_path}"),
                      caption_justify="left")
        for column in ("parameter", "type", "default", "description"):
            table.add_column(column)
        for parameter in info.parameters:
            table.add_row(*map(escape, (parameter.name, parameter.type, parameter.default, parameter.description)))
        console.print(table)
