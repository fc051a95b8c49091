"""Importing distilabel for a compile that will not run: what it imports for running is deferred to first use.

Building any distilabel step imports `distilabel.pipeline.base` (`_Step.model_post_init`), whose module
level pulls in `distilabel.distiset`, and with it datasets, pandas and huggingface_hub; and distilabel's
package `__init__`s import their whole library (every step, every LLM client). On 2 cores that is
~2.5 s of `pysynth validate`, for modules a compile never touches: a distiset is made when distilabel
runs a pipeline, which pysynth never asks it to do. So `pysynth validate` and `pysynth compile` import
distilabel inside `deferred_distilabel()`:

- **Package `__init__`s** (`DEFERRED_PACKAGES`): the package module is made with its `__path__` but its
  `__init__` is not run. A name the `__init__` imports from one of its submodules (read off its source
  with `ast`) imports just that submodule on first use; any other name (`__all__`, a name the `__init__`
  defines itself) runs the real `__init__` first. `from distilabel.steps import Step` thus imports
  `distilabel.steps.base` and nothing else.
- **Modules only a run uses** (`RUN_ONLY`): the module stays unexecuted; the functions other modules
  import from it at their top are stand-ins that load the real module and call the real function, and
  any other attribute loads the real module first.

Nothing is faked: every object a compile sees is distilabel's own, only imported later or never; a
deferred module runs its real code the moment anything needs it. It knows distilabel's layout, so,
like `pysynth.steps.adapter` for its private names, it is one place to break on an upgrade: it acts
only for the version it was written against (`FOR_VERSION`, the pinned one) and changes nothing
otherwise, or if distilabel is imported already. tests/test_deferred_imports.py checks that
every shipped pipeline and malformed fixture validates the same with and without it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

FOR_VERSION = "1.5.3"
DEFERRED_PACKAGES = frozenset({"distilabel.steps", "distilabel.steps.tasks", "distilabel.models",
                               "distilabel.models.llms", "distilabel.models.image_generation",
                               "distilabel.models.embeddings", "distilabel.pipeline"})
# Module -> the functions other modules import from it at their top level (`pipeline/base.py`,
# `pipeline/local.py`, `pipeline/ray.py`); each is called only while distilabel runs a pipeline.
RUN_ONLY: dict[str, tuple[str, ...]] = {
    "distilabel.distiset": ("create_distiset",),
    "distilabel.steps.generators.utils": ("make_generator_step",),
}


@contextmanager
def deferred_distilabel() -> Iterator[None]:
    """Inside the block, distilabel's modules import as described above (a no-op if distilabel is
    imported already or is not the version this module knows). Modules deferred inside stay deferred
    after it, and load on first use."""
    if "distilabel" in sys.modules or not _is_known_version():
        yield
        return
    finder = _DeferringFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _is_known_version() -> bool:
    try:
        return importlib.metadata.version("distilabel") == FOR_VERSION
    except importlib.metadata.PackageNotFoundError:
        return False


class _DeferringFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if name not in DEFERRED_PACKAGES and name not in RUN_ONLY:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None  # not laid out as this module knows: import it as usual
        loader = spec.loader
        spec.loader = _DeferredPackage(loader) if name in DEFERRED_PACKAGES else _RunOnlyModule(loader)
        return spec


class _Deferred(importlib.abc.Loader):
    """Makes the module without running its code; `load(module)` runs it, once."""

    def __init__(self, real: importlib.machinery.SourceFileLoader) -> None:
        self.real = real
        self._lock = threading.RLock()  # two threads touching the module at once run its code once
        self._loaded = False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object

    def load(self, module: types.ModuleType) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            module.__dict__.pop("__getattr__", None)
            module.__loader__ = module.__spec__.loader = self.real  # type: ignore[union-attr]
            self.real.exec_module(module)

    def missing(self, module: types.ModuleType, name: str) -> Any:
        """Run the real module for `name`, which it may define; an AttributeError if it does not."""
        self.load(module)
        try:
            return module.__dict__[name]
        except KeyError:
            getter = module.__dict__.get("__getattr__")  # the real module's own PEP 562 hook, if any
            if getter is not None:
                return getter(name)
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}") from None


class _DeferredPackage(_Deferred):
    def exec_module(self, module: types.ModuleType) -> None:
        origins = _names_imported_from_submodules(module.__name__, self.real.get_source(module.__name__) or "")

        def __getattr__(name: str) -> Any:
            if name in origins:
                submodule, original = origins[name]
                value = getattr(importlib.import_module(submodule), original)
                setattr(module, name, value)
                return value
            return self.missing(module, name)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _RunOnlyModule(_Deferred):
    def exec_module(self, module: types.ModuleType) -> None:
        for name in RUN_ONLY[module.__name__]:
            setattr(module, name, self._stand_in(module, name))
        def __getattr__(name: str) -> Any:
            if name == "__path__":  # the import system asking whether it is a package: it is not
                raise AttributeError(name)
            return self.missing(module, name)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]

    def _stand_in(self, module: types.ModuleType, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.load(module)
            return module.__dict__[name](*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        call.__module__ = module.__name__
        return call


def _names_imported_from_submodules(package: str, source: str) -> dict[str, tuple[str, str]]:
    """`{name: (submodule, its name there)}` for each top-level `from <package>.sub import name` of an
    `__init__` (absolute or relative); star imports and anything else are left to the real `__init__`."""
    origins: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.level == 1:
            module = f"{package}.{node.module}"
        elif node.level == 0 and node.module.startswith(f"{package}."):
            module = node.module
        else:
            continue
        for alias in node.names:
            if alias.name != "*":
                origins[alias.asname or alias.name] = (module, alias.name)
    return origins
