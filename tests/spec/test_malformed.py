"""Every malformed pipeline under malformed/ fails with exactly the message a user should read.

The table is the contract for error messages: `file:line:column: field.path: message`, the path
relative to this folder. Each file holds one mistake, described by its first line.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pysynth.errors import SpecError
from pysynth.spec import load_spec

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # distilabel's import warns about pydantic
    from pysynth.dag import compile_pipeline

HERE = Path(__file__).parent
MALFORMED = HERE / "malformed"

# Files whose mistake is a `--set` override (the file itself is fine).
OVERRIDES: dict[str, list[str]] = {
    "set_without_equals.yaml": ["steps.seed.params.count"],
    "set_unknown_step.yaml": ["steps.sed.params.count=5"],
    "set_bad_value.yaml": ["steps.seed.params.count=many"],
    "set_unknown_key.yaml": ["steps.seed.parms.count=5"],
}

EXPECTED: dict[str, str] = {
    # YAML itself
    "yaml_syntax.yaml": "malformed/yaml_syntax.yaml:7:1: YAML syntax error: expected ',' or '}', but got "
    "'<stream end>' (while parsing a flow mapping at line 6, column 13)",
    "tab_indent.yaml": "malformed/tab_indent.yaml:4:1: YAML syntax error: found character '\\t' that cannot start "
    "any token (indent with spaces: YAML does not allow tabs)",
    "duplicate_key.yaml": "malformed/duplicate_key.yaml:6:5: steps[0].type: duplicate key (first at line 5)",
    "empty.yaml": "malformed/empty.yaml:1:1: the pipeline file is empty",
    "top_level_list.yaml": "malformed/top_level_list.yaml:2:1: the pipeline file must be a mapping with `name` "
    "and `steps` (got a list)",
    # the schema (pydantic models)
    "unknown_top_level_key.yaml": "malformed/unknown_top_level_key.yaml:3:1: stepz: unknown field 'stepz' "
    "(did you mean 'steps'?)",
    "unknown_step_key.yaml": "malformed/unknown_step_key.yaml:6:5: steps[0].parmas: unknown field 'parmas' "
    "(did you mean 'params'?)",
    "unknown_llm_key.yaml": "malformed/unknown_llm_key.yaml:6:5: defaults.llm.modle: unknown field 'modle' "
    "(did you mean 'model'?)",
    "wrong_type.yaml": "malformed/wrong_type.yaml:4:15: defaults.batch_size: must be an integer (got 'lots')",
    "batch_size_zero.yaml": "malformed/batch_size_zero.yaml:4:15: defaults.batch_size: must be at least 1 (got 0)",
    "row_timeout_zero.yaml": "malformed/row_timeout_zero.yaml:9:20: steps[1].row_timeout_s: must be greater than "
    "0.0 (got 0)",
    "missing_steps.yaml": "malformed/missing_steps.yaml:2:1: steps: missing required field 'steps'",
    "empty_steps.yaml": "malformed/empty_steps.yaml:3:8: steps: must not be empty",
    "steps_not_list.yaml": "malformed/steps_not_list.yaml:4:3: steps: must be a list (got a mapping)",
    "step_not_mapping.yaml": "malformed/step_not_mapping.yaml:4:5: steps[0]: must be a mapping (got 'make_rows')",
    "missing_step_type.yaml": "malformed/missing_step_type.yaml:4:5: steps[0].type: missing required field 'type'",
    "bad_step_name.yaml": "malformed/bad_step_name.yaml:4:11: steps[0].name: may use only letters, digits, '_' "
    "and '-' (got 'make seeds!')",
    "bad_join.yaml": "malformed/bad_join.yaml:9:11: steps[1].join: must be 'row_id' or 'concat' (got 'merge')",
    "env_var_unset.yaml": "malformed/env_var_unset.yaml:5:15: defaults.llm.base_url: environment variable "
    "'PYSYNTH_TEST_ENDPOINT' is not set (write ${PYSYNTH_TEST_ENDPOINT:-default} for a default)",
    # --set overrides
    "set_without_equals.yaml": "malformed/set_without_equals.yaml: --set steps.seed.params.count: expected "
    "KEY.PATH=VALUE, e.g. defaults.batch_size=8",
    "set_unknown_step.yaml": "malformed/set_unknown_step.yaml: --set steps.sed.params.count=5: no item named 'sed' "
    "in steps (did you mean 'seed'?)",
    "set_bad_value.yaml": "malformed/set_bad_value.yaml: --set steps.seed.params.count=many: steps[0].params.count: "
    "must be an integer (got 'many')",
    "set_unknown_key.yaml": "malformed/set_unknown_key.yaml: --set steps.seed.parms.count=5: steps[0].parms: "
    "unknown field 'parms' (did you mean 'params'?)",
    # step types
    "duplicate_step_name.yaml": "malformed/duplicate_step_name.yaml:7:11: steps[1].name: step name 'seed' is "
    "already used by steps[0] (line 4)",
    "unknown_step_type.yaml": "malformed/unknown_step_type.yaml:10:11: steps[1].type: unknown step type 'genrate' "
    "(did you mean 'generate'?)",
    "import_path_fails.yaml": "malformed/import_path_fails.yaml:5:11: steps[0].type: cannot import "
    "'distilabel.stepz.LoadDataFromDicts': No module named 'distilabel.stepz'",
    "import_path_missing_class.yaml": "malformed/import_path_missing_class.yaml:8:11: steps[1].type: module "
    "'distilabel.steps' has no 'KeepColumn' (did you mean 'KeepColumns'?)",
    "import_path_not_step.yaml": "malformed/import_path_not_step.yaml:5:11: steps[0].type: 'json.dumps' is a "
    "function, not a distilabel step class",
    # the graph
    "unknown_input.yaml": "malformed/unknown_input.yaml:9:14: steps[1].inputs[0]: no step named 'seeds' "
    "(did you mean 'seed'?)",
    "cycle.yaml": "malformed/cycle.yaml:9:13: steps[1].inputs: inputs form a cycle: a -> b -> a",
    "source_with_inputs.yaml": "malformed/source_with_inputs.yaml:9:13: steps[1].inputs: 'make_rows' is a source "
    "step and takes no inputs",
    "first_step_not_source.yaml": "malformed/first_step_not_source.yaml:4:5: steps[0]: 'keep_columns' reads rows "
    "from other steps, but it is the first step and has no `inputs` (start the pipeline with a source step such "
    "as make_rows or load_file)",
    "empty_inputs.yaml": "malformed/empty_inputs.yaml:9:13: steps[1].inputs: 'keep_columns' reads rows from other "
    "steps: `inputs` must name at least one",
    "export_unknown_step.yaml": "malformed/export_unknown_step.yaml:8:11: export.steps[0]: no step named 'seeds' "
    "(did you mean 'seed'?)",
    # step parameters (validated by the step class)
    "unknown_param.yaml": "malformed/unknown_param.yaml:12:7: steps[1].params.tempalte: unknown field 'tempalte' "
    "(did you mean 'template'?)",
    "wrong_param_type.yaml": "malformed/wrong_param_type.yaml:7:14: steps[0].params.count: must be an integer "
    "(got 'many')",
    "reserved_param.yaml": "malformed/reserved_param.yaml:8:7: steps[0].params.name: 'name' is not a parameter: "
    "set it with the step's own `name:` key, beside `params`",
    "load_file_missing.yaml": "malformed/load_file_missing.yaml:7:13: steps[0].params.path: no such file "
    "'data/missing.jsonl' (relative paths start at the pipeline file's folder)",
    # LLM steps
    "llm_without_endpoint.yaml": "malformed/llm_without_endpoint.yaml:7:5: steps[1]: LLM step 'ask' has no "
    "base_url and model: set them under the step's `llm:` or under `defaults.llm:`, or use `backend: local` for the "
    "embedded CPU model",
    "llm_without_model.yaml": "malformed/llm_without_model.yaml:11:10: steps[1].llm: LLM step 'ask' has no model: "
    "set it under the step's `llm:` or under `defaults.llm:`, or use `backend: local` for the embedded CPU model",
    "api_key_env_unset.yaml": "malformed/api_key_env_unset.yaml:7:18: defaults.llm.api_key_env: environment "
    "variable 'PYSYNTH_TEST_UNSET_API_KEY' is not set (it should hold the API key)",
    "local_with_base_url.yaml": "malformed/local_with_base_url.yaml:5:5: defaults.llm: backend: local starts its "
    "own server: remove base_url",
    "local_block_without_backend.yaml": "malformed/local_block_without_backend.yaml:7:12: defaults.llm.local: local "
    "configures the embedded server: needs `backend: local`",
    "local_model_path_missing.yaml": "malformed/local_model_path_missing.yaml:10:14: steps[1].llm.local: model_path: "
    "no such GGUF file 'models/missing.gguf' (relative paths start at the pipeline file's folder)",
    "local_regex.yaml": "malformed/local_regex.yaml:4:32: defaults.llm.regex: regex is an SGLang extension: needs "
    "`backend: sglang` and no json_schema",
    "llm_step_workers.yaml": "malformed/llm_step_workers.yaml:11:14: steps[1].workers: LLM steps run concurrently "
    "in the event loop; `workers` is for CPU-bound steps (use `concurrency` or llm.max_concurrency)",
    "cache_not_a_switch.yaml": "malformed/cache_not_a_switch.yaml:11:12: steps[1].cache: must be true, false or "
    "a mapping {enabled, retry_truncated}",
    "cache_on_a_cpu_step.yaml": "malformed/cache_on_a_cpu_step.yaml:9:12: steps[1].cache: the request cache keeps "
    "LLM answers: 'map' sends no LLM requests",
    "row_timeout_llm_step.yaml": "malformed/row_timeout_llm_step.yaml:11:20: steps[1].row_timeout_s: LLM steps "
    "have a time limit per request (llm.timeout_s); `row_timeout_s` is for Python steps that process rows batch "
    "by batch",
    # columns
    "missing_column.yaml": "malformed/missing_column.yaml:14:17: steps[1].params.template: step 'ask' needs column "
    "'topic', which no upstream step produces (available: subject)",
    "input_mapping_missing_column.yaml": "malformed/input_mapping_missing_column.yaml:13:29: "
    "steps[1].input_mappings.topic: step 'ask' needs column 'subjct', which no upstream step produces "
    "(available: subject) (did you mean 'subject'?)",
}


def test_every_file_has_an_expected_message() -> None:
    on_disk = {path.name for path in MALFORMED.glob("*.yaml")}
    assert on_disk == set(EXPECTED), (
        f"files without an expected message: {sorted(on_disk - set(EXPECTED))}; "
        f"expected messages without a file: {sorted(set(EXPECTED) - on_disk)}"
    )


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_malformed_pipeline_message(filename: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)  # messages show the path as given: malformed/<file>
    monkeypatch.delenv("PYSYNTH_TEST_UNSET_API_KEY", raising=False)  # api_key_env is read from the real environment
    with pytest.raises(SpecError) as raised:
        # An empty environment: the outcome must not depend on the shell that runs the tests.
        compile_pipeline(load_spec(Path("malformed") / filename, OVERRIDES.get(filename, []), env={}))
    assert str(raised.value) == EXPECTED[filename]


def test_errors_in_one_file_are_all_listed_in_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "two.yaml").write_text(
        "name: demo\ndefaults:\n  batch_size: 0\nsteps:\n  - name: seed\n    type: make_rows\n    parmas: {}\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as raised:
        load_spec("two.yaml", env={})
    assert str(raised.value).splitlines() == [
        "two.yaml:3:15: defaults.batch_size: must be at least 1 (got 0)",
        "two.yaml:7:5: steps[0].parmas: unknown field 'parmas' (did you mean 'params'?)",
    ]
