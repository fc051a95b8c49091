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
    "workers_zero.yaml": "malformed/workers_zero.yaml:9:14: steps[1].workers: must be at least 1 (got 0)",
    "workers_ray_option_without_ray.yaml": "malformed/workers_ray_option_without_ray.yaml:9:14: steps[1].workers: "
    "address: only for backend: ray",
    "workers_unknown_backend.yaml": "malformed/workers_unknown_backend.yaml:9:24: steps[1].workers.backend: must be "
    "'process' or 'ray' (got 'dask')",
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
    "local_model_path_and_embedded.yaml": "malformed/local_model_path_and_embedded.yaml:6:12: defaults.llm.local: give "
    "model_path (your own GGUF) or embedded (a model from PyPI), not both",
    "local_unknown_embedded.yaml": "malformed/local_unknown_embedded.yaml:6:23: defaults.llm.local.embedded: must be "
    "'qwen2.5-coder-0.5b-instruct' or 'gemma-3-270m' (got 'llama-3-8b')",
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
    # YAML limits, encodings and values YAML reads its own way
    "yaml_alias_bomb.yaml": "malformed/yaml_alias_bomb.yaml:7:8: aliases expand to more than 100000 values (*e "
    "alone stands for 66430); write the values out or use fewer aliases",
    "yaml_too_deep.yaml": "malformed/yaml_too_deep.yaml:3:72: the document nests more than 64 levels deep",
    "yaml_recursive_alias.yaml": "malformed/yaml_recursive_alias.yaml:6:31: alias *steps is inside the node &steps "
    "names (a recursive document cannot be loaded)",
    "yaml_tag.yaml": "malformed/yaml_tag.yaml:6:13: YAML tag '!!python/object:collections.OrderedDict' is not "
    "supported (pipeline files are plain mappings, lists, strings and numbers)",
    "control_character.yaml": "malformed/control_character.yaml:6:44: the file holds the control character U+0001, "
    "which YAML does not allow (write it as the escape \"\\x01\" inside double quotes)",
    "not_utf8.yaml": "malformed/not_utf8.yaml:6:44: the file is not UTF-8 text: byte 0xe9 (invalid continuation "
    "byte); save it as UTF-8",
    "utf16.yaml": "malformed/utf16.yaml:1:1: the file is UTF-16 text: save it as UTF-8",
    "date_for_text.yaml": "malformed/date_for_text.yaml:3:14: description: must be a string (got the date "
    "2024-05-01: quote it to write text)",
    "merge_key_error.yaml": "malformed/merge_key_error.yaml:4:74: steps[0].concurrency: must be at least 1 (got 0)\n"
    "malformed/merge_key_error.yaml:5:5: steps[1].concurrency: must be at least 1 (got 0)",
    # ${...} syntax
    "env_unterminated.yaml": "malformed/env_unterminated.yaml:4:51: defaults.llm.model: "
    "'${PYSYNTH_TEST_MODEL:-tiny' has no closing '}' (write $$ for a literal $, e.g. $${HOME} for the text ${HOME})",
    "env_bad_name.yaml": "malformed/env_bad_name.yaml:4:19: defaults.llm.base_url: '1PORT' in '${1PORT:-30000}' is "
    "not an environment variable name (letters, digits and '_', not starting with a digit)",
    "env_shell_form.yaml": "malformed/env_shell_form.yaml:4:51: defaults.llm.model: '${PYSYNTH_TEST_MODEL-tiny}' is "
    "not supported: write ${PYSYNTH_TEST_MODEL} or ${PYSYNTH_TEST_MODEL:-default} (and $$ for a literal $)",
    # values the schema checks
    "not_finite.yaml": "malformed/not_finite.yaml:12:22: steps[1].llm.timeout_s: must be a finite number (got inf)",
    "export_steps_empty.yaml": "malformed/export_steps_empty.yaml:8:10: export.steps: must not be empty",
    "export_card_unknown_key.yaml": "malformed/export_card_unknown_key.yaml:8:10: export.card.licence: unknown "
    "field 'licence' (did you mean 'license'?)",
    "mapping_empty_column.yaml": "malformed/mapping_empty_column.yaml:12:35: steps[1].output_mappings.generation: "
    "must not be empty",
    "launch_gpus_bad.yaml": "malformed/launch_gpus_bad.yaml:7:20: defaults.llm.launch.gpus: must be GPU indices "
    "separated by commas, e.g. '0,1,2,3' (got '0,,1')",
    "base_url_not_http.yaml": "malformed/base_url_not_http.yaml:12:21: steps[1].llm.base_url: must be an http:// or "
    "https:// URL such as http://127.0.0.1:30000/v1 (got '127.0.0.1:30000/v1')",
    "base_url_endpoint.yaml": "malformed/base_url_endpoint.yaml:12:21: steps[1].llm.base_url: must be the API root, "
    "ending in /v1, not an endpoint below it (got 'http://127.0.0.1:9/v1/chat/completions')",
    "endpoints_empty.yaml": "malformed/endpoints_empty.yaml:12:38: steps[1].llm.endpoints: must not be empty",
    "endpoints_duplicate.yaml": "malformed/endpoints_duplicate.yaml:14:18: steps[1].llm.endpoints: "
    "'http://10.0.0.1:30000/v1' is listed twice (items 0 and 2)",
    "api_key_env_not_a_name.yaml": "malformed/api_key_env_not_a_name.yaml:12:24: steps[1].llm.api_key_env: must be "
    "the name of an environment variable (letters, digits and '_'), not the key itself",
    "regex_invalid.yaml": "malformed/regex_invalid.yaml:12:35: steps[1].llm.regex: must be a valid regular "
    "expression: unterminated character set at position 0 (got '[A-D')",
    "json_schema_bad_type.yaml": "malformed/json_schema_bad_type.yaml:13:20: steps[1].llm.json_schema: "
    "properties.answer.type: 'strng' is not a JSON type (one of array, boolean, integer, null, number, object, "
    "string)",
    # sampling fields (llm.generation)
    "generation_unknown_field.yaml": "malformed/generation_unknown_field.yaml:13:20: "
    "steps[1].llm.generation.temperture: unknown field 'temperture' (did you mean 'temperature'?)",
    "generation_out_of_range.yaml": "malformed/generation_out_of_range.yaml:13:45: steps[1].llm.generation.top_p: "
    "must be at most 1 (got 7)",
    "generation_wrong_type.yaml": "malformed/generation_wrong_type.yaml:13:32: steps[1].llm.generation.max_tokens: "
    "must be an integer (got 'lots')",
    "generation_n.yaml": "malformed/generation_n.yaml:13:20: steps[1].llm.generation.n: unknown field 'n' (pysynth "
    "sets n itself: ask for several answers with the step's params.num_generations)",
    "generation_stop_empty.yaml": "malformed/generation_stop_empty.yaml:13:26: steps[1].llm.generation.stop: must "
    "not be empty (omit stop for none)",
    "generation_server_field.yaml": "malformed/generation_server_field.yaml:13:20: "
    "steps[1].llm.generation.frobnicate_logits: unknown field 'frobnicate_logits' (a field only your server knows "
    "goes under extra_body)",
    # mappings and counts (checked on the built steps)
    "num_generations_zero.yaml": "malformed/num_generations_zero.yaml:11:64: steps[1].params.num_generations: must "
    "be at least 1, the answers to ask for per row (got 0)",
    "output_mappings_same_column.yaml": "malformed/output_mappings_same_column.yaml:12:55: "
    "steps[1].output_mappings.model_name: maps output 'model_name' onto 'answer', where output 'generation' goes "
    "too: two outputs cannot share a column",
    "output_mappings_onto_output.yaml": "malformed/output_mappings_onto_output.yaml:12:35: "
    "steps[1].output_mappings.generation: maps output 'generation' onto 'model_name', a column the step already "
    "outputs (map 'model_name' elsewhere too, or pick another name): two outputs cannot share a column",
    "output_mappings_unknown_output.yaml": "malformed/output_mappings_unknown_output.yaml:12:23: "
    "steps[1].output_mappings.generaton: step 'ask' has no output column 'generaton' (its outputs: generation, "
    "model_name) (did you mean 'generation'?)",
    "input_mappings_unknown_input.yaml": "malformed/input_mappings_unknown_input.yaml:12:22: "
    "steps[1].input_mappings.txt: step 'ask' has no input column 'txt' (its inputs: text) (did you mean 'text'?)",
    "keep_columns_empty.yaml": "malformed/keep_columns_empty.yaml:9:23: steps[1].params.columns: must not be empty: "
    "step 'keep' would make rows without columns",
    "load_rows_empty_data.yaml": "malformed/load_rows_empty_data.yaml:7:13: steps[0].params.data: must not be "
    "empty: step 'rows' takes its columns from it",
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
