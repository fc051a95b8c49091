"""The `pysynth` command line, on click.

click, not typer: typer builds every command's parameters from annotations and coerces their values
through pydantic, which put `pysynth --help` at ~0.3 s and any command with an argument at ~0.35 s on
2 cores before the command did anything (click alone: ~0.05 s; benchmarks/bench_startup.py). Each
command imports what it needs in its body: `pysynth --help` must not pay for distilabel, polars, numpy
or pydantic (tests/cli/test_startup.py checks which modules a command loads).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from pysynth import quiet
from pysynth.cli import startup
from pysynth.cli.options import CONTEXT, PATH, choice_of
from pysynth.dedup_modes import MinHashScheme, ShingleUnit, Verification
from pysynth.errors import ConfigError, InputError, PysynthError


def _show_version(context: click.Context, _parameter: click.Parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        from pysynth import __version__

        click.echo(f"pysynth {__version__}")
        context.exit()


@click.group(context_settings=CONTEXT, help="pysynth: manufacture difficult training problems for LLMs.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Print the version and exit.")
def app() -> None:
    pass


@app.command("dedup")
@click.argument("input_path", metavar="INPUT", type=PATH)
@click.option("--output", "-o", type=PATH, required=True, help="Where to write the kept rows (.parquet or .jsonl).")
@click.option("--column", default="text", show_default=True, help="The text column to deduplicate on.")
@click.option("--threshold", type=float, default=0.8, show_default=True,
              help="Jaccard similarity above which rows are duplicates.")
@click.option("--num-perm", type=int, default=128, show_default=True, help="MinHash permutations.")
@click.option("--ngram", type=int, default=5, show_default=True,
              help="Shingle size, in words (or characters with --unit char).")
@click.option("--unit", type=choice_of(ShingleUnit), default=ShingleUnit.WORD.value, show_default=True,
              help="Shingle unit.")
@click.option("--scheme", type=choice_of(MinHashScheme), default=MinHashScheme.FAST.value, show_default=True,
              help="Hashing scheme.")
@click.option("--verify", type=choice_of(Verification), default=Verification.EXACT.value, show_default=True,
              help="How LSH candidate pairs are confirmed.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the MinHash permutations (below 2^32 for the datasketch schemes).")
def dedup_command(input_path: Path, output: Path, column: str, threshold: float, num_perm: int, ngram: int,
                  unit: str, scheme: str, verify: str, seed: int) -> None:
    """Drop near-duplicate rows: keep the first row of each cluster and add a `cluster_id` column."""
    from pysynth.tables import PARQUET_SUFFIXES

    if output.resolve() == input_path.resolve():
        raise InputError(f"{output}: the output must not overwrite the input")
    options: dict[str, Any] = {"threshold": threshold, "num_perm": num_perm, "ngram": ngram, "unit": unit,
                               "scheme": scheme, "verify": verify, "seed": seed}
    started = time.perf_counter()
    if input_path.suffix.lower() in PARQUET_SUFFIXES and output.suffix.lower() in PARQUET_SUFFIXES:
        kept, bands, rows, stats = _dedup_natively(input_path, output, column, options)
    else:
        kept, bands, rows, stats = _dedup_with_polars(input_path, output, column, options)
    elapsed = time.perf_counter() - started
    click.echo(
        f"kept {kept} of {stats['documents']} rows, dropped {stats['duplicates']} near-duplicates "
        f"(threshold {threshold}, {bands} bands x {rows} rows, {elapsed:.2f} s) -> {output}"
    )


def _dedup_natively(input_path: Path, output: Path, column: str, options: dict[str, Any]) -> tuple[Any, ...]:
    """Parquet to Parquet: read, deduplicated and written by the extension, which checks the options as
    `DedupConfig` would (the command imports neither polars nor pydantic). `(kept, bands, rows, stats)`."""
    from pysynth import _native
    from pysynth.dedup_modes import default_lsh_weights

    # The extension checks every value as `DedupConfig` does, once it holds them: these do not fit its types.
    for name, below in (("num_perm", 2**63), ("ngram", 2**63), ("seed", 2**64)):
        if not 0 <= options[name] < below:
            raise ConfigError(f"{name}: must be in [0, {below}) (got {options[name]})")
    if not input_path.is_file():
        raise InputError(f"{input_path}: no such file")
    output.parent.mkdir(parents=True, exist_ok=True)
    kept, (bands, rows), stats = _native.dedup_parquet_file(
        str(input_path), str(output), column, **options, lowercase=True, strip_punctuation=True,
        weights=default_lsh_weights(Verification(options["verify"])), bands=None, rows=None)
    return kept, bands, rows, stats


def _dedup_with_polars(input_path: Path, output: Path, column: str, options: dict[str, Any]) -> tuple[Any, ...]:
    """JSONL in or out: the table through polars. `(kept rows, bands, rows, stats)`."""
    with startup.starting():
        import polars  # noqa: F401 - imported here, where the collector is paused, not in read_table

        from pysynth.dedup import DedupConfig, dedup_columns
        from pysynth.tables import read_table, text_column, write_table

    config = DedupConfig.build(**options)
    table = read_table(input_path)
    if "cluster_id" in table.columns:
        raise InputError(f"{input_path}: already has a 'cluster_id' column; rename it first")
    result = dedup_columns(text_column(table, column, input_path), config)
    kept = table.with_columns(result.cluster_ids).filter(result.keep)
    write_table(kept, output)
    return kept.height, result.bands, result.rows, vars(result.stats)


@app.command("judge")
@click.option("--solution", "-s", "solution", type=PATH, multiple=True, help="A solution file; repeat for several.")
@click.option("--tests", type=PATH, help="A JSONL file of {input, expected} or a directory of NAME.in/NAME.out.")
@click.option("--problems", type=PATH, help="Judge a whole problem file instead (JSONL report per solution).")
@click.option("--format", "problem_format", default="jsonl", show_default=True,
              help="The problem file's format: taco, apps, code_contests, livecodebench or jsonl.")
@click.option("--solutions-from", default="reference", show_default=True,
              help="With --problems: 'reference' or a JSONL file of {problem_id, language, source}.")
@click.option("--max-tests", type=int, help="With --problems: at most this many tests per problem, public first.")
@click.option("--lang", help="py, cpp, c, java, go, rs or js; default: from each file's extension.")
@click.option("--time-limit", default="2s", show_default=True, help="CPU time per test, e.g. 2s or 500ms.")
@click.option("--memory-limit", default="256M", show_default=True, help="Memory per test, e.g. 256M.")
@click.option("--output-limit", default="64M", show_default=True, help="Output per test, e.g. 64M.")
@click.option("--comparator",
              help="tokens, exact, lines, float, lcb, lenient or call; default: tokens, or the problem's own.")
@click.option("--checker", type=PATH, help="A testlib-style checker program (run as CHECKER INPUT OUTPUT ANSWER).")
@click.option("--workers", type=int, help="Parallel sandboxes; default: one per core.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--stop-on-first-failure", is_flag=True, help="Stop each solution at its first failing test.")
@click.option("--no-cgroups", is_flag=True, help="Limit memory and processes with rlimits only (no cgroups).")
@click.option("--python-packages", type=PATH, multiple=True,
              help="A directory of packages Python solutions may import; repeatable.")
@click.option("--dangerously-unsandboxed", is_flag=True, help="Run without isolation. Only for code you trust.")
def judge_command(solution: tuple[Path, ...], tests: Path | None, problems: Path | None, problem_format: str,
                  solutions_from: str, max_tests: int | None, lang: str | None, time_limit: str, memory_limit: str,
                  output_limit: str, comparator: str | None, checker: Path | None, workers: int | None,
                  as_json: bool, stop_on_first_failure: bool, no_cgroups: bool, python_packages: tuple[Path, ...],
                  dangerously_unsandboxed: bool) -> None:
    """Run solutions on tests in the sandbox: verdicts, majority votes and difficulty."""
    from rich.console import Console

    from pysynth import judge
    from pysynth.judge.report import language_of, load_tests, print_table, result_json

    options: dict[str, Any] = {"time_limit": time_limit, "memory_limit": memory_limit, "output_limit": output_limit,
                               "comparator": comparator or "tokens", "dangerously_unsandboxed": dangerously_unsandboxed,
                               "stop_on_first_failure": stop_on_first_failure, "use_cgroups": not no_cgroups,
                               "python_packages": tuple(str(path) for path in python_packages)}
    if workers is not None:
        options["workers"] = workers
    if checker is not None:
        if not checker.is_file():
            raise InputError(f"{checker}: no such file")
        options["comparator"] = "checker"
        options["checker"] = judge.Solution(language_of(checker, None), checker.read_text())
    config = judge.JudgeConfig.build(**options)
    if problems is not None:
        _judge_problem_file(problems, problem_format, solutions_from, config, max_tests, comparator)
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
        click.echo(result_json(result, names))
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
        click.echo(json.dumps(row), nl=True)
    click.echo(f"judged {judged} solutions; dropped {dropped} rows of {problems}", err=True)


from pysynth.cli import judge_server, pipeline, report, serve, train  # after `app`: they add commands to it

for _group in (pipeline, serve, train, judge_server, report):
    _group.register(app)


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
