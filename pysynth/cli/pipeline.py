"""`pysynth run | validate | compile | schema | steps`: authoring and running YAML pipelines."""

# Annotations evaluated at definition, not as strings: see the note in `pysynth.cli.root`.
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from pysynth.cli.startup import starting

SetOption = Annotated[Optional[list[str]], typer.Option("--set", help="Override a value: KEY.PATH=VALUE (repeatable).")]


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("merge")(merge_command)
    app.command("validate")(validate_command)
    app.command("compile")(compile_command)
    app.command("schema")(schema_command)
    app.command("steps")(steps_command)


def _compile(file: Path, overrides: list[str] | None):  # type: ignore[no-untyped-def]
    with starting():  # distilabel's imports and the compiled steps last the whole command
        from pysynth.dag import compile_pipeline
        from pysynth.spec import load_spec

        return compile_pipeline(load_spec(file, overrides or []))


def run_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The pipeline YAML.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for outputs, manifest and checkpoints.")],
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run in OUTPUT; redo only what is missing.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Discard an earlier run in OUTPUT.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live view: a status line every 30 s.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Send every LLM request, even those whose answer "
                                           "the request cache of OUTPUT holds.")] = False,
    report: Annotated[bool, typer.Option(help="Write OUTPUT/report/ (dataset card, plots, index.html) "
                                         "at the end.")] = True,
    shard: Annotated[Optional[str], typer.Option(metavar="I/N", help="Keep only shard I of N of the source rows "
                                                 "(by row id); combine the N outputs with `pysynth merge`.")] = None,
    overrides: SetOption = None,
) -> None:
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
        typer.echo(f"{name}: {step.rows_in} in, {step.rows_out} out{dropped}{failed}{cached}")
    for name, path in result.outputs.items():
        typer.echo(f"output {name}: {path}")
    typer.echo(f"manifest: {result.manifest_path}")
    if result.report_dir is not None:
        typer.echo(f"report: {result.report_dir / 'index.html'}")


def merge_command(
    shards: Annotated[list[Path], typer.Argument(metavar="SHARD_OUTPUT...", help="The output directories of "
                                                 "the N `pysynth run --shard I/N` runs.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the merged outputs and run.json.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier merge in OUTPUT.")] = False,
    report: Annotated[bool, typer.Option(help="Write OUTPUT/report/ for the merged dataset.")] = True,
) -> None:
    """Combine the shard runs of one pipeline into one dataset: exports, failed/dropped rows, manifest.

    Global steps are not rerun: each shard's ran over that shard's rows only."""
    with starting():
        from pysynth.runtime.merge import global_steps, merge_runs

    manifest = merge_runs(shards, output, overwrite=overwrite, report=report)
    for name, step in manifest.steps.items():
        typer.echo(f"{name}: {step.rows_in} in, {step.rows_out} out")
    for name, path in manifest.outputs.items():
        typer.echo(f"output {name}: {path}")
    per_shard = global_steps(manifest)
    if per_shard:
        typer.echo(f"note: global steps ran per shard, over each shard's rows only: {', '.join(per_shard)}; "
                   "for one over all rows, run a pipeline that reads the merged output")
    typer.echo(f"manifest: {output / 'run.json'}")


def validate_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The pipeline YAML.")],
    overrides: SetOption = None,
) -> None:
    """Check a pipeline (schema, step types and parameters, inputs, columns) without running it."""
    compiled = _compile(file, overrides)
    steps = ", ".join(f"{name} ({node.kind.value})" for name, node in compiled.nodes.items())
    typer.echo(f"{file}: OK: {len(compiled.nodes)} steps: {steps}; exports: {', '.join(compiled.exports)}")


def compile_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The pipeline YAML.")],
    overrides: SetOption = None,
) -> None:
    """Print the distilabel pipeline (distilabel's own YAML serialization) that FILE compiles to."""
    from pysynth.dag import distilabel_yaml

    typer.echo(distilabel_yaml(_compile(file, overrides)), nl=False)


def schema_command() -> None:
    """Print the JSON Schema of pipeline files (for editor completion)."""
    from pysynth.spec import PipelineSpec

    schema = PipelineSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pysynth pipeline"
    typer.echo(json.dumps(schema, indent=2))


def steps_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the built-in steps with their input/output columns and parameters."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    with starting():  # every step class, and so distilabel
        from pysynth.steps.catalog import catalog

        infos = catalog()
    if as_json:
        typer.echo(json.dumps([asdict(info) for info in infos], indent=2))
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
