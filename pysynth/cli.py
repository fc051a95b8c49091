"""The `pysynth` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from pysynth import __version__
from pysynth.dedup import DedupConfig, MinHashScheme, ShingleUnit, Verification, dedup
from pysynth.errors import InputError, PysynthError
from pysynth.tables import read_table, text_column, write_table

app = typer.Typer(
    help="pysynth: manufacture difficult training problems for LLMs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"pysynth {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


@app.command("dedup")
def dedup_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="A .parquet or .jsonl table.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the kept rows (.parquet or .jsonl).")],
    column: Annotated[str, typer.Option(help="The text column to deduplicate on.")] = "text",
    threshold: Annotated[float, typer.Option(help="Jaccard similarity above which rows are duplicates.")] = 0.8,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = 128,
    ngram: Annotated[int, typer.Option(help="Shingle size, in words (or characters with --unit char).")] = 5,
    unit: Annotated[ShingleUnit, typer.Option(help="Shingle unit.")] = ShingleUnit.WORD,
    scheme: Annotated[MinHashScheme, typer.Option(help="Hashing scheme.")] = MinHashScheme.FAST,
    verify: Annotated[Verification, typer.Option(help="How LSH candidate pairs are confirmed.")] = Verification.EXACT,
    seed: Annotated[int, typer.Option(help="Seed of the MinHash permutations.")] = 1,
) -> None:
    """Drop near-duplicate rows: keep the first row of each cluster and add a `cluster_id` column."""
    config = DedupConfig.build(
        threshold=threshold, num_perm=num_perm, ngram=ngram, unit=unit, scheme=scheme, verify=verify, seed=seed
    )
    if output.resolve() == input_path.resolve():
        raise InputError(f"{output}: the output must not overwrite the input")
    started = time.perf_counter()
    table = read_table(input_path)
    if "cluster_id" in table.columns:
        raise InputError(f"{input_path}: already has a 'cluster_id' column; rename it first")
    result = dedup(text_column(table, column, input_path), config)
    kept = table.with_columns(cluster_id=result.cluster_ids).filter(result.keep)
    write_table(kept, output)
    elapsed = time.perf_counter() - started
    stats = result.stats
    typer.echo(
        f"kept {kept.height} of {stats.documents} rows, dropped {stats.duplicates} near-duplicates "
        f"(threshold {threshold}, {result.bands} bands x {result.rows} rows, {elapsed:.2f} s) -> {output}"
    )


def main() -> None:
    try:
        app()
    except PysynthError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
