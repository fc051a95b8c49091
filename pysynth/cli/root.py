"""The `pysynth` command line."""

# No `from __future__ import annotations` in modules that define commands: typer would evaluate every
# option's annotation string twice whenever it builds the app (for any command, `--help` too), ~0.04 s.
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from pysynth import quiet
from pysynth.cli import startup
from pysynth.dedup_modes import MinHashScheme, ShingleUnit, Verification
from pysynth.errors import InputError, PysynthError

# Each command imports what it needs in its body: `pysynth --help` must not pay for distilabel, polars,
# numpy or pydantic (tests/cli/test_startup.py checks which modules a command loads).

app = typer.Typer(
    help="pysynth: manufacture difficult training problems for LLMs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        from pysynth import __version__

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
    with startup.starting():
        import polars  # noqa: F401 - imported here, where the collector is paused, not in read_table

        from pysynth.dedup import DedupConfig, dedup_columns
        from pysynth.tables import read_table, text_column, write_table

    config = DedupConfig.build(
        threshold=threshold, num_perm=num_perm, ngram=ngram, unit=unit, scheme=scheme, verify=verify, seed=seed
    )
    if output.resolve() == input_path.resolve():
        raise InputError(f"{output}: the output must not overwrite the input")
    started = time.perf_counter()
    table = read_table(input_path)
    if "cluster_id" in table.columns:
        raise InputError(f"{input_path}: already has a 'cluster_id' column; rename it first")
    result = dedup_columns(text_column(table, column, input_path), config)
    kept = table.with_columns(result.cluster_ids).filter(result.keep)
    write_table(kept, output)
    elapsed = time.perf_counter() - started
    stats = result.stats
    typer.echo(
        f"kept {kept.height} of {stats.documents} rows, dropped {stats.duplicates} near-duplicates "
        f"(threshold {threshold}, {result.bands} bands x {result.rows} rows, {elapsed:.2f} s) -> {output}"
    )


@app.command("judge")
def judge_command(
    solution: Annotated[Optional[list[Path]], typer.Option("--solution", "-s", help="A solution file; repeat for several.")] = None,
    tests: Annotated[Optional[Path], typer.Option(help="A JSONL file of {input, expected} or a directory of NAME.in/NAME.out.")] = None,
    problems: Annotated[Optional[Path], typer.Option(help="Judge a whole problem file instead (JSONL report per solution).")] = None,
    format: Annotated[str, typer.Option("--format", help="The problem file's format: taco, apps, code_contests, livecodebench or jsonl.")] = "jsonl",
    solutions_from: Annotated[str, typer.Option(help="With --problems: 'reference' or a JSONL file of {problem_id, language, source}.")] = "reference",
    max_tests: Annotated[Optional[int], typer.Option(help="With --problems: at most this many tests per problem, public first.")] = None,
    lang: Annotated[Optional[str], typer.Option(help="py, cpp, c, java, go, rs or js; default: from each file's extension.")] = None,
    time_limit: Annotated[str, typer.Option(help="CPU time per test, e.g. 2s or 500ms.")] = "2s",
    memory_limit: Annotated[str, typer.Option(help="Memory per test, e.g. 256M.")] = "256M",
    output_limit: Annotated[str, typer.Option(help="Output per test, e.g. 64M.")] = "64M",
    comparator: Annotated[
        Optional[str], typer.Option(help="tokens, exact, lines, float, lcb, lenient or call; default: tokens, or the problem's own.")
    ] = None,
    checker: Annotated[
        Optional[Path], typer.Option(help="A testlib-style checker program (run as CHECKER INPUT OUTPUT ANSWER).")
    ] = None,
    workers: Annotated[Optional[int], typer.Option(help="Parallel sandboxes; default: one per core.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    stop_on_first_failure: Annotated[
        bool, typer.Option("--stop-on-first-failure", help="Stop each solution at its first failing test.")
    ] = False,
    no_cgroups: Annotated[
        bool, typer.Option("--no-cgroups", help="Limit memory and processes with rlimits only (no cgroups).")
    ] = False,
    python_packages: Annotated[
        Optional[list[Path]], typer.Option("--python-packages", help="A directory of packages Python solutions may import; repeatable.")
    ] = None,
    dangerously_unsandboxed: Annotated[
        bool, typer.Option("--dangerously-unsandboxed", help="Run without isolation. Only for code you trust.")
    ] = False,
) -> None:
    """Run solutions on tests in the sandbox: verdicts, majority votes and difficulty."""
    from rich.console import Console

    from pysynth import judge
    from pysynth.judge.report import language_of, load_tests, print_table, result_json

    options: dict[str, Any] = {"time_limit": time_limit, "memory_limit": memory_limit, "output_limit": output_limit,
                                  "comparator": comparator or "tokens", "dangerously_unsandboxed": dangerously_unsandboxed,
                                  "stop_on_first_failure": stop_on_first_failure, "use_cgroups": not no_cgroups,
                                  "python_packages": tuple(str(path) for path in python_packages or ())}
    if workers is not None:
        options["workers"] = workers
    if checker is not None:
        if not checker.is_file():
            raise InputError(f"{checker}: no such file")
        options["comparator"] = "checker"
        options["checker"] = judge.Solution(language_of(checker, None), checker.read_text())
    config = judge.JudgeConfig.build(**options)
    if problems is not None:
        _judge_problem_file(problems, format, solutions_from, config, max_tests, comparator)
        return
    if not solution or tests is None:
        raise InputError("give --solution and --tests, or --problems")
    solutions = []
    for path in solution:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        solutions.append(judge.Solution(language_of(path, lang), path.read_text()))
    result = judge.run(solutions, load_tests(tests), config)
    names = [str(path) for path in solution]
    if as_json:
        typer.echo(result_json(result, names))
    else:
        print_table(result, names, Console())


def _judge_problem_file(problems: Path, format: str, solutions_from: str, config: Any, max_tests: int | None, comparator: str | None) -> None:
    """One JSON line per judged solution (pass rate, verdict counts, accepting rules) and per
    dropped row; the totals on stderr."""
    import json

    from pysynth.problems import Dropped
    from pysynth.problems.judging import judge_problem_file

    judged = dropped = 0
    row: dict[str, object]
    for item in judge_problem_file(problems, format, solutions_from, config, max_tests=max_tests, comparator=comparator):  # type: ignore[arg-type]
        if isinstance(item, Dropped):
            dropped += 1
            row = {"dropped": item.row, "field": item.field, "reason": item.reason}
        else:
            judged += 1
            row = item.to_row()
        typer.echo(json.dumps(row), nl=True)
    typer.echo(f"judged {judged} solutions; dropped {dropped} rows of {problems}", err=True)


from pysynth.cli.pipeline import register as _register_pipeline_commands  # noqa: E402

_register_pipeline_commands(app)

from pysynth.cli.serve import register as _register_serve_command  # noqa: E402

_register_serve_command(app)

from pysynth.cli.train import register as _register_train_commands  # noqa: E402

_register_train_commands(app)

from pysynth.cli.judge_server import register as _register_judge_server_command  # noqa: E402

_register_judge_server_command(app)

from pysynth.cli.report import register as _register_report_command  # noqa: E402

_register_report_command(app)


def main() -> None:
    """Each error ends the process with one line on stderr and its exit code (see `pysynth.cli.failures`)."""
    from pysynth.cli.failures import report_error, report_internal_error

    quiet.silence_third_party()
    try:
        with startup.own_process():
            app()
    except PysynthError as error:
        sys.exit(report_error(error))
    except Exception as error:  # noqa: BLE001 - a bug: one line here, the traceback in a file
        sys.exit(report_internal_error(error))
