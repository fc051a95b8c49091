"""The `llm:` block of an LLM step: merged with the defaults, checked, and turned into a client.

Also decides which servers the run itself must start: SGLang servers of an `llm.launch` block, or
the embedded llama.cpp server of `backend: local` (steps with the same settings share one). A local
server's port is picked when the run starts it, so its steps' clients get their URL then, not here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pysynth.errors import PysynthError
from pysynth.llm.launcher import ServePlan
from pysynth.llm.local import LocalServerPlan
from pysynth.spec import LLMSpec, LoadedSpec
from pysynth.spec.generation import request_fields
from pysynth.spec.models import LocalSpec

ServerPlan = ServePlan | LocalServerPlan
ENDPOINT_FIELDS = ("base_url", "endpoints", "endpoints_file", "launch")
# A CPU server decodes a few requests at once; the rest wait in the client's queue, untimed.
LOCAL_TIMEOUT_S = 900.0
# A small model without max_tokens may ramble until its context is full: minutes on a CPU.
LOCAL_MAX_TOKENS = 512


def resolve_llm(loaded: LoadedSpec, index: int) -> LLMSpec:
    defaults, own = loaded.spec.defaults.llm, loaded.spec.steps[index].llm
    merged = defaults or LLMSpec()
    if own is not None:
        update: dict[str, Any] = {key: getattr(own, key) for key in own.model_fields_set}
        if "generation" in update:
            update["generation"] = {**merged.generation, **own.generation}
        merged = merged.model_copy(update=update)
    where_llm = ("steps", index, "llm") if own is not None else ("defaults", "llm")
    given = [name for name in ENDPOINT_FIELDS if getattr(merged, name)]
    if merged.launch is not None and merged.backend != "sglang":
        raise loaded.source.error((*where_llm, "launch"), "launch starts SGLang servers: needs `backend: sglang`")
    if merged.local is not None and merged.backend != "local":
        raise loaded.source.error((*where_llm, "local"), "local configures the embedded server: needs `backend: local`")
    if merged.regex is not None and (merged.backend != "sglang" or merged.json_schema is not None):
        raise loaded.source.error((*where_llm, "regex"), "regex is an SGLang extension: needs `backend: sglang` "
                                  "and no json_schema")
    if merged.backend == "local":
        if given:
            raise loaded.source.error(where_llm, f"backend: local starts its own server: remove {' and '.join(given)}")
        return _with_local_defaults(merged, _explicit_fields(loaded, index))
    if len(given) > 1:
        raise loaded.source.error(where_llm, f"give one of base_url, endpoints or endpoints_file, not {' and '.join(given)}")
    missing = [required for required in ("base_url", "model") if not getattr(merged, required)
               and not (required == "base_url" and given)]
    if missing:
        where = ("steps", index, "llm") if own is not None else ("steps", index)
        them = "it" if len(missing) == 1 else "them"
        raise loaded.source.error(where, f"LLM step '{loaded.spec.steps[index].name}' has no {' and '.join(missing)}: "
                                  f"set {them} under the step's `llm:` or under `defaults.llm:`, or use "
                                  "`backend: local` for the embedded CPU model")
    return merged


def _explicit_fields(loaded: LoadedSpec, index: int) -> set[str]:
    blocks = (loaded.spec.defaults.llm, loaded.spec.steps[index].llm)
    return set().union(*(block.model_fields_set for block in blocks if block is not None))


def _with_local_defaults(llm: LLMSpec, explicit: set[str]) -> LLMSpec:
    local = llm.local or LocalSpec()
    update: dict[str, Any] = {"local": local}
    if not llm.model:
        update["model"] = Path(local.model_path).stem if local.model_path else local.embedded
    if "timeout_s" not in explicit:
        update["timeout_s"] = LOCAL_TIMEOUT_S
    if "max_concurrency" not in explicit:
        update["max_concurrency"] = local.slots
    if "max_tokens" not in llm.generation:
        update["generation"] = {**llm.generation, "max_tokens": LOCAL_MAX_TOKENS}
    return llm.model_copy(update=update)


def server_plan(llm: LLMSpec, loaded: LoadedSpec, index: int, started: dict[Any, ServerPlan]) -> ServerPlan | None:
    """The server the run must start for this step, if any; `started` shares one per distinct setting."""
    if llm.launch is not None:
        launch = llm.launch
        assert llm.model is not None
        plan = ServePlan(model=llm.model, gpus=tuple(launch.gpus.split(",")), tp=launch.tp, dp=launch.dp,
                         host=launch.host, port=launch.port, router=launch.router, extra_args=tuple(launch.args))
        try:
            plan.urls()  # checks the GPU split
        except PysynthError as error:
            raise loaded.source.error(llm_field(loaded, index, "launch"), str(error)) from None
        return started.setdefault(plan, plan)
    if llm.backend != "local":
        return None
    local = llm.local or LocalSpec()
    model_path = None
    if local.model_path is not None:
        model_path = str(loaded.path.resolve().parent / local.model_path)
        if not os.path.isfile(model_path):
            raise loaded.source.error(llm_field(loaded, index, "local"), f"model_path: no such GGUF file "
                                      f"'{local.model_path}' (relative paths start at the pipeline file's folder)")
    # The settings identify the server: steps that share them share it. No port yet: the run picks one.
    local_plan = LocalServerPlan(model_path=model_path, slots=local.slots, context=local.context,
                                 threads=local.threads, chat_template=local.chat_template, extra_args=tuple(local.args),
                                 embedded=local.embedded)
    return started.setdefault(local_plan, local_plan)


def make_llm(llm: LLMSpec, loaded: LoadedSpec, index: int, server: ServerPlan | None) -> Any:
    from pysynth.llm import OpenAICompatibleLLM

    api_key = None
    if llm.api_key_env:
        api_key = os.environ.get(llm.api_key_env)
        if api_key is None:
            raise loaded.source.error(llm_field(loaded, index, "api_key_env"), f"environment variable "
                                      f"'{llm.api_key_env}' is not set (it should hold the API key)")
    base_url, endpoints = llm.base_url or "", list(llm.endpoints or [])
    if isinstance(server, ServePlan):  # a local server's URL is set when the run has started it
        endpoints = server.urls()
    if llm.endpoints_file:
        from pysynth.llm.endpoints import load_endpoints_file

        try:
            endpoints = load_endpoints_file(loaded.path.resolve().parent / llm.endpoints_file)
        except PysynthError as error:
            raise loaded.source.error(llm_field(loaded, index, "endpoints_file"), str(error)) from None
    return OpenAICompatibleLLM(base_url=base_url, endpoints=endpoints, model=llm.model, api=llm.api,
                               api_key=api_key, timeout_s=llm.timeout_s, max_retries=llm.max_retries,
                               max_concurrency=llm.max_concurrency,
                               max_concurrency_per_endpoint=llm.max_concurrency_per_endpoint, n_mode=llm.n_mode,
                               # llama-server answers at most one choice per slot in a request.
                               max_n=llm.local.slots if llm.backend == "local" and llm.local else None,
                               generation_kwargs=generation_kwargs(llm, loaded, index))


def request_identity(llm: LLMSpec, loaded: LoadedSpec, index: int) -> dict[str, Any]:
    """What shapes an LLM step's answers besides the prompt: part of its checkpoint fingerprint.

    `n_mode` counts: with a fixed `seed`, repeated requests give n equal answers where one request
    with `n` gives n different ones. Where the requests go and how they are paced do not count.
    """
    return {"model": llm.model, "api": llm.api, "n_mode": llm.n_mode,
            "generation": generation_kwargs(llm, loaded, index)}


def generation_kwargs(llm: LLMSpec, loaded: LoadedSpec, index: int) -> dict[str, Any]:
    """Sampling fields plus the structured-output constraints, in the wire format SGLang reads."""
    kwargs = request_fields(llm.generation)
    if llm.regex is not None:
        kwargs["regex"] = llm.regex
    if llm.json_schema is not None:
        name, schema = "answer", llm.json_schema
        if isinstance(schema, str):
            from pydantic import BaseModel

            from pysynth.steps.transform.functions import import_function

            try:
                model = import_function(schema)
            except ValueError as error:
                raise loaded.source.error(llm_field(loaded, index, "json_schema"), str(error)) from None
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise loaded.source.error(llm_field(loaded, index, "json_schema"), f"'{schema}' is not a pydantic model")
            name, schema = model.__name__, model.model_json_schema()
        kwargs["response_format"] = {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
    return kwargs


def llm_field(loaded: LoadedSpec, index: int, field: str) -> tuple[str | int, ...]:
    """Where a merged LLM setting came from: the step's own `llm:` block or `defaults.llm`."""
    own = loaded.spec.steps[index].llm
    return ("steps", index, "llm", field) if own is not None and field in own.model_fields_set else ("defaults", "llm", field)
